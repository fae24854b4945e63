"""Image-to-3D backend: API, Celery workers and their helpers."""
