"""Batch processing: one task per image, fanned out with a chord."""

from __future__ import annotations

import logging

from celery import chord, group

from app.core.progress import progress_tracker
from app.services.fal_client import FalAIClient
from app.workers.celery_app import celery_app

logger = logging.getLogger(__name__)


@celery_app.task(bind=True, max_retries=3, time_limit=1800, soft_time_limit=1500)
def process_batch(self, batch_id: str, image_urls: list[str]) -> str:
    """Start one generation per image and aggregate them when all are done."""
    progress_tracker.set_progress(batch_id, 0)
    header = group(generate_3d_model_task.s(url, batch_id) for url in image_urls)
    chord(header)(finalize_batch_results.s(batch_id))
    logger.info("batch %s started with %d images", batch_id, len(image_urls))
    return batch_id


@celery_app.task(bind=True, max_retries=2, default_retry_delay=30)
def generate_3d_model_task(self, image_url: str, batch_id: str) -> dict:
    """Turn one image into a 3D model through the FAL API."""

    def report(percent: int) -> None:
        progress_tracker.set_progress(self.request.id or image_url, percent)

    try:
        return FalAIClient().process_single_image_sync(image_url, progress_callback=report)
    except Exception as exc:
        logger.warning("generation failed for %s in batch %s: %s", image_url, batch_id, exc)
        raise self.retry(exc=exc) from exc


@celery_app.task
def finalize_batch_results(results: list[dict], batch_id: str) -> dict:
    """Collect the per-image results of a batch into one summary."""
    succeeded = [result for result in results if result.get("status") == "completed"]
    progress_tracker.set_progress(batch_id, 100, status="completed")
    return {
        "batch_id": batch_id,
        "total": len(results),
        "succeeded": len(succeeded),
        "models": [result.get("model_url") for result in succeeded],
    }
