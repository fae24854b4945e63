"""``conformance fix``: edit the docs so they say what the code does (being written)."""

from __future__ import annotations

from conformance.config import Config
from conformance.errors import ConformanceError


def run_fix(config: Config, *, write: bool) -> int:
    raise ConformanceError("`conformance fix` is not available yet")
