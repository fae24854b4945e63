"""Client for the FAL image-to-3D API (offline stand-in for the example)."""

from __future__ import annotations

import os
from collections.abc import Callable


class FalAIClient:
    def __init__(self, api_key: str | None = None) -> None:
        self.api_key = api_key or os.environ.get("FAL_API_KEY", "")

    def process_single_image_sync(
        self,
        image_url: str,
        progress_callback: Callable[[int], None] | None = None,
    ) -> dict:
        """Generate a model for one image, reporting progress as a percentage."""
        for percent in (10, 50, 100):
            if progress_callback is not None:
                progress_callback(percent)
        name = image_url.rstrip("/").rsplit("/", 1)[-1] or "model"
        return {
            "status": "completed",
            "image_url": image_url,
            "model_url": f"https://models.example.invalid/{name}.glb",
        }
