"""conformance: keeps a Celery backend's documentation honest.

The pipeline, as the public API: :func:`extract_docs` (Markdown → spec),
:func:`introspect` (code → spec), :func:`run_rules` (spec × spec → findings),
:func:`render` (findings → a report), or all at once with :func:`run_check`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from conformance.config import Config, load_config
from conformance.errors import ConformanceError
from conformance.findings import CheckResult, Conforming, Finding, Severity
from conformance.model import Extraction, Location, Notice, Origin, Spec


def __getattr__(name: str) -> object:
    # The heavier stages load on first use: `conformance --version` stays instant.
    if name == "extract_docs":
        from conformance.extract import extract_docs

        return extract_docs
    if name == "introspect":
        from conformance.introspect import introspect

        return introspect
    if name == "run_rules":
        from conformance.rules import run_rules

        return run_rules
    if name == "render":
        from conformance.reports import render

        return render
    if name == "run_check":
        from conformance.pipeline import run_check

        return run_check
    raise AttributeError(f"module 'conformance' has no attribute {name!r}")


__all__ = [
    "CheckResult",
    "Config",
    "ConformanceError",
    "Conforming",
    "Extraction",
    "Finding",
    "Location",
    "Notice",
    "Origin",
    "Severity",
    "Spec",
    "__version__",
    "extract_docs",
    "introspect",
    "load_config",
    "render",
    "run_check",
    "run_rules",
]
