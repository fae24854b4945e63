"""Prometheus metrics for the workers, served on /metrics by the API."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CELERY_TASKS_TOTAL = Counter("celery_tasks_total", "Tasks processed", ["task_name", "status"])
TASK_RUNTIME = Histogram("celery_task_runtime_seconds", "Task runtime", ["task_name"])
QUEUE_LENGTH = Gauge("celery_queue_length", "Messages waiting", ["queue"])
