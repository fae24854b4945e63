"""The Celery application shared by the API, the workers and beat."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

celery_app = Celery(
    "app",
    broker=os.environ.get("CELERY_BROKER_URL", "memory://"),
    backend=os.environ.get("CELERY_RESULT_BACKEND", "cache+memory://"),
    include=["app.workers.tasks", "app.workers.cleanup"],
)

celery_app.conf.update(
    task_queues=(
        Queue("batch_processing"),
        Queue("model_generation"),
        Queue("maintenance"),
        Queue("priority"),
    ),
    task_default_queue="batch_processing",
    task_routes={
        "app.workers.tasks.process_batch": {"queue": "batch_processing"},
        "app.workers.tasks.finalize_batch_results": {"queue": "batch_processing"},
        "app.workers.tasks.generate_3d_model_task": {"queue": "model_generation"},
        "app.workers.cleanup.*": {"queue": "maintenance"},
        "health_check_task": {"queue": "priority"},
    },
    # A 3D generation can take many minutes; the soft limit leaves time to clean up.
    task_time_limit=1800,
    task_soft_time_limit=1500,
    # Tasks are long and uneven, so a worker should not hoard messages it cannot start.
    worker_prefetch_multiplier=1,
    task_acks_late=True,
    timezone="UTC",
    beat_schedule={
        "cleanup-old-files": {
            "task": "app.workers.cleanup.cleanup_old_files",
            "schedule": crontab(minute=0, hour=2),
        },
        "disk-usage-monitoring": {
            "task": "app.workers.cleanup.monitor_disk_usage",
            "schedule": crontab(minute=0),
        },
    },
)

# Imported last so the handlers connect once the app is configured.
from app.workers import signals  # noqa: E402,F401
