"""conformance: keeps a Celery backend's documentation honest.

The pipeline, as the public API: :func:`extract_docs` (Markdown → spec),
:func:`introspect` (code → spec), :func:`run_rules` (spec × spec → findings),
:func:`render` (findings → a report), or all at once with :func:`run_check`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.config import Config, load_config
    from conformance.errors import ConformanceError
    from conformance.extract import extract_docs
    from conformance.findings import CheckResult, Conforming, Finding, Severity
    from conformance.introspect.implementation import introspect
    from conformance.model import Extraction, Location, Notice, Origin, Spec
    from conformance.pipeline import run_check
    from conformance.reports import render
    from conformance.rules import run_rules


# Every public name loads on first use: `conformance --version` stays instant, and a
# live check starts the app's import before the model (25 dataclasses) is even built.
# (Spelled out, not `importlib.import_module`: no dynamic import anywhere in the tool.)
def __getattr__(name: str) -> Any:
    if name in ("Config", "load_config"):
        from conformance import config

        return getattr(config, name)
    if name == "ConformanceError":
        from conformance import errors

        return getattr(errors, name)
    if name in ("CheckResult", "Conforming", "Finding", "Severity"):
        from conformance import findings

        return getattr(findings, name)
    if name in ("Extraction", "Location", "Notice", "Origin", "Spec"):
        from conformance import model

        return getattr(model, name)
    if name == "extract_docs":
        from conformance import extract

        return getattr(extract, name)
    if name == "introspect":
        from conformance.introspect import implementation

        return getattr(implementation, name)
    if name == "run_rules":
        from conformance import rules

        return getattr(rules, name)
    if name == "render":
        from conformance import reports

        return getattr(reports, name)
    if name == "run_check":
        from conformance import pipeline

        return getattr(pipeline, name)
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
