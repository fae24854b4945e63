"""Housekeeping tasks run by beat on the maintenance queue."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from app.workers.celery_app import celery_app

WORK_DIR = Path(os.environ.get("MODEL_WORK_DIR", tempfile.gettempdir())) / "background-tasks"


@celery_app.task
def cleanup_old_files(max_age_hours: int = 24) -> int:
    """Delete generated files older than `max_age_hours`; return how many went."""
    if not WORK_DIR.is_dir():
        return 0
    cutoff = time.time() - max_age_hours * 3600
    removed = 0
    for path in WORK_DIR.rglob("*"):
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


@celery_app.task
def monitor_disk_usage() -> float:
    """Return the used share of the disk holding the work directory, in percent."""
    usage = shutil.disk_usage(WORK_DIR if WORK_DIR.is_dir() else tempfile.gettempdir())
    return round(usage.used / usage.total * 100, 1)
