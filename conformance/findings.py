"""What the rules produce: findings, conforming items, severities."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field

from conformance.model import Location, Notice, Spec


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse."""
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True)
class Finding:
    """One difference between the docs and the code (or within the code)."""

    rule: str
    category: str
    severity: Severity
    subject: str
    documented: str | None
    actual: str | None
    message: str
    doc: Location | None = None
    code: Location | None = None

    @property
    def fingerprint(self) -> str:
        """Stable across runs and line moves: rule, subject and both sides, not lines."""
        key = "\x1f".join([self.rule, self.subject, self.documented or "", self.actual or ""])
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    @property
    def location(self) -> Location | None:
        """Where a reader should look first: the doc line, else the code line."""
        return self.doc or self.code


@dataclass(frozen=True)
class Conforming:
    """A documented item that the code matches."""

    category: str
    subject: str
    doc: Location | None = None
    code: Location | None = None


CATEGORY_ORDER = (
    "tasks",
    "queues",
    "routes",
    "canvas",
    "signals",
    "schedules",
    "workers",
    "symbols",
    "metrics",
    "deploy",
    "config",
    "runtime",
    "docs",
)
"""Report order of categories: the order a reviewer reads the seed report in."""


def sort_key(finding: Finding) -> tuple[str, int, str, str]:
    """The contract's order: category, then severity (worst first), then subject."""
    return (finding.category, -finding.severity.rank, finding.subject, finding.rule)


@dataclass(frozen=True)
class CheckResult:
    """Everything one ``check`` run produced: what every report format renders.

    ``documented`` and ``actual`` are the two specs that were compared (reports quote
    them); ``mode`` is the introspection mode actually used (``live`` or ``static``);
    ``waived`` holds findings silenced by doc waivers or the baseline (not counted);
    ``fixed`` holds baseline entries that no longer match anything.
    """

    mode: str
    findings: tuple[Finding, ...]
    conforming: tuple[Conforming, ...] = ()
    notices: tuple[Notice, ...] = ()
    documented: Spec = field(default_factory=Spec)
    actual: Spec = field(default_factory=Spec)
    fail_on: str = "error"
    app: str | None = None
    docs: tuple[str, ...] = ()
    waived: tuple[Finding, ...] = ()
    fixed: tuple[str, ...] = ()

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def failed(self) -> bool:
        """Whether any counted finding is at or above ``fail_on``."""
        if self.fail_on == "never":
            return False
        threshold = Severity(self.fail_on).rank
        return any(f.severity.rank >= threshold for f in self.findings)
