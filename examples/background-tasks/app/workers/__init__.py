"""Celery app, tasks and signal handlers."""
