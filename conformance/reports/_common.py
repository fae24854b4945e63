"""Small helpers every report format shares: the tool's version, ordering, plain text."""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping

from conformance.findings import (
    CATEGORY_ORDER,
    CheckResult,
    Conforming,
    Finding,
    Severity,
    sort_key,
)
from conformance.model import Location, Notice
from conformance.rules.registry import RULES, Rule

TOOL_NAME = "conformance"

_FALLBACK_VERSION = "0.1.0"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_NOWHERE = Location("", 0)


def tool_version() -> str:
    """``conformance.__version__`` (a test keeps it equal to the distribution's version),
    else the installed distribution's version, else 0.1.0. The module attribute comes
    first: importing ``importlib.metadata`` cost every pre-commit run 13 ms."""
    import conformance

    version = getattr(conformance, "__version__", None)
    if isinstance(version, str) and version:
        return version
    import importlib.metadata

    try:
        return importlib.metadata.version(TOOL_NAME)
    except importlib.metadata.PackageNotFoundError:
        return _FALLBACK_VERSION


def registered_rules() -> Mapping[str, Rule]:
    """Every rule: the rule modules register themselves when ``conformance.rules`` loads.

    Imported here, not at module level, so the reports load without the rule modules.
    """
    importlib.import_module("conformance.rules")
    return RULES


def sorted_findings(findings: tuple[Finding, ...]) -> list[Finding]:
    """The contract's order: category, severity (worst first), subject."""
    return sorted(findings, key=sort_key)


def sorted_conforming(items: tuple[Conforming, ...]) -> list[Conforming]:
    return sorted(items, key=lambda c: (c.category, c.subject, c.doc or _NOWHERE))


def sorted_notices(notices: tuple[Notice, ...]) -> list[Notice]:
    # Stable sort: notices at the same place keep the order the pipeline found them in.
    return sorted(notices, key=lambda n: (n.path or "", n.line or 0))


def category_rank(category: str) -> tuple[int, str]:
    """Report order of a category: the seed report's order, unknown ones last by name."""
    if category in CATEGORY_ORDER:
        return (CATEGORY_ORDER.index(category), "")
    return (len(CATEGORY_ORDER), category)


def where(finding: Finding) -> str:
    """``path:line`` of the doc side, else the code side, else ``-``."""
    location = finding.location
    return str(location) if location else "-"


def one_line(text: str) -> str:
    """Control characters (newlines, escape sequences) written as visible escapes, so
    hostile text from docs or code can neither split a line nor drive a terminal."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def summary_counts(result: CheckResult) -> str:
    """``12 errors, 4 warnings, 1 info; 9 items conform (mode: live)``."""
    conforming = len(result.conforming)
    conform = f"{plural(conforming, 'item')} {'conforms' if conforming == 1 else 'conform'}"
    parts = [
        f"{plural(result.count(Severity.ERROR), 'error')}, "
        f"{plural(result.count(Severity.WARNING), 'warning')}, "
        f"{result.count(Severity.INFO)} info; {conform}"
    ]
    if result.waived:
        parts.append(f"{len(result.waived)} waived")
    if result.fixed:
        parts.append(f"{plural(len(result.fixed), 'baseline entry', 'baseline entries')} fixed")
    return "; ".join(parts) + f" (mode: {one_line(result.mode)}{fallback_words(result)})"


def fell_back(result: CheckResult) -> bool:
    """Whether ``auto`` mode used static analysis because the app did not import."""
    return any(notice.kind == "static-fallback" for notice in result.notices)


def fallback_words(result: CheckResult) -> str:
    """``", the app did not import"`` after a fallback to static analysis, else ``""``."""
    return ", the app did not import" if fell_back(result) else ""
