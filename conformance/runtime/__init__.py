"""The running system as a third source: workers over the broker, a database beat
schedule, a live ``/metrics`` endpoint (each only when configured).

Every call is read-only and bounded by the configured ``timeout``; credentials in URLs
never reach an output (:func:`conformance.runtime.redact.redact`). An unreachable source
is one clear error (exit 2): it was asked for explicitly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports `redact` from here on every run: keep this light
    from conformance.config import Config
    from conformance.model import Extraction


def runtime_extraction(config: Config) -> Extraction:
    """What the configured running sources report, as implementation-side items."""
    from conformance.model import Extraction, Spec

    found = Extraction(Spec())
    if config.workers:
        from conformance.runtime.workers import inspect_workers

        found = found.merge(inspect_workers(config))
    if config.beat_db:
        from conformance.runtime.beatdb import read_beat_db

        found = found.merge(read_beat_db(config))
    if config.metrics_url:
        from conformance.runtime.scrape import scrape_metrics

        found = found.merge(scrape_metrics(config))
    return found
