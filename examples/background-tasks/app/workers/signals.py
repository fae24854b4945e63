"""Task lifecycle logging."""

from __future__ import annotations

import logging

from celery.signals import task_failure, task_postrun, task_prerun

logger = logging.getLogger("app.workers")


@task_prerun.connect
def on_task_prerun(sender=None, task_id=None, task=None, **kwargs):
    logger.info("task %s started (%s)", getattr(task, "name", sender), task_id)


@task_postrun.connect
def on_task_postrun(sender=None, task_id=None, task=None, state=None, **kwargs):
    logger.info("task %s finished (%s): %s", getattr(task, "name", sender), task_id, state)


@task_failure.connect
def on_task_failure(sender=None, task_id=None, exception=None, **kwargs):
    logger.error("task %s failed (%s): %r", getattr(sender, "name", sender), task_id, exception)
