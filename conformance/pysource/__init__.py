"""Python-source recognizers shared by the docs extractor and the code side.

One set of ``ast`` recognizers, two users: code blocks in Markdown pages
(``module=None``) and the app's own files (``module="pkg.mod"``). Nothing is executed.
"""

from __future__ import annotations

from conformance.celery_naming import SIGNAL_NAMES
from conformance.pysource.metrics import MetricUse
from conformance.pysource.scan import (
    ModuleScan,
    parse_or_notice,
    scan_module,
    scan_python,
    scan_source,
)

__all__ = [
    "SIGNAL_NAMES",
    "MetricUse",
    "ModuleScan",
    "parse_or_notice",
    "scan_module",
    "scan_python",
    "scan_source",
]
