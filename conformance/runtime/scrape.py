"""(being written)"""

from __future__ import annotations

from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.model import Extraction


def scrape_metrics(config: Config) -> Extraction:
    raise ConformanceError("this runtime source is not available yet")
