"""Progress of batches and single generations, read by the API."""

from __future__ import annotations

import threading


class RedisProgressStore:
    """Keeps progress per task id.

    Production points it at Redis; the example keeps it in memory so it runs anywhere.
    """

    def __init__(self, redis_url: str | None = None) -> None:
        self.redis_url = redis_url
        self._entries: dict[str, dict] = {}
        self._lock = threading.Lock()

    def set_progress(self, task_id: str, percent: int, status: str = "processing") -> None:
        with self._lock:
            self._entries[task_id] = {"percent": percent, "status": status}

    def get_progress(self, task_id: str) -> dict | None:
        with self._lock:
            entry = self._entries.get(task_id)
            return dict(entry) if entry is not None else None


progress_tracker = RedisProgressStore()
