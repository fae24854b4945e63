"""How much of the docs a run could check: claims read, conforming, drifted, not judged.

A silent miss is the worst failure of a checker, so every report says what it did not
judge and why. A *claim* is a documented item (a task, queue, route, schedule… read from
a page or a spec file; mentions in passing are not claims). It is *checked* when a rule
compared it: a finding or a conforming item points at its line or names it. What is read
but compared by nothing, and every span the readers skipped (a block that does not parse,
a value only known at run time, a file that could not be read), is *not judged*, with
``path:line`` and why.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from conformance.findings import CheckResult
from conformance.model import Item, Location

# Notices that mean a span of the docs or the deployment was not read or not compared.
SKIPPED_KINDS = frozenset(
    {
        "not-judged",
        "unparsed-block",
        "syntax-error",
        "unreadable",
        "unreadable-schedule",
        "too-deep",
        "skipped",
        "macro",
        "bad-marker",
    }
)

_WHAT = {
    "tasks": "task",
    "queues": "queue",
    "routes": "route",
    "schedules": "beat entry",
    "canvas": "canvas flow",
    "signals": "signal handler",
    "metrics": "metric",
    "symbols": "code name",
    "workers": "worker profile",
    "bootsteps": "bootstep",
    "services": "service",
    "settings": "setting",
    "env": "environment variable",
}

# Item sections that are facts about the code side only (never a doc claim).
_NOT_CLAIMS = frozenset({"mentions", "dispatches"})


@dataclass(frozen=True)
class Unjudged:
    """One span the run did not judge."""

    path: str | None
    line: int | None
    why: str


@dataclass(frozen=True)
class Coverage:
    claims: int
    conform: int
    drift: int
    unjudged: tuple[Unjudged, ...]

    @property
    def checked(self) -> int:
        return self.conform + self.drift

    @property
    def not_judged(self) -> int:
        return len(self.unjudged)

    def sentence(self) -> str:
        """``42 claims checked: 30 conform, 12 drift; 9 not judged``."""
        claims = "claim" if self.checked == 1 else "claims"
        return (
            f"{self.checked} {claims} checked: {self.conform} conform, {self.drift} drift; "
            f"{self.not_judged} not judged"
        )

    def by_page(self, top: int = 5) -> list[tuple[str, int]]:
        """The pages with the most not-judged spans, most first."""
        counts: dict[str, int] = {}
        for span in self.unjudged:
            if span.path:
                counts[span.path] = counts.get(span.path, 0) + 1
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]


def coverage(result: CheckResult) -> Coverage:
    """The coverage of ``result``'s documented side (see the module docstring).

    Drift and conformance are counted from the judgments themselves (one per documented
    item: subject and doc line), so they agree with the rest of the report; the documented
    spec adds what was read but never judged.
    """
    drifted = {(f.subject, _key(f.doc)) for f in result.findings if f.doc is not None}
    fine = {(c.subject, _key(c.doc) if c.doc else None) for c in result.conforming}
    fine -= {(subject, at) for subject, at in fine if (subject, at) in drifted}
    judged_at = {at for _, at in drifted} | {at for _, at in fine if at is not None}
    judged_names = {subject for subject, _ in drifted | fine}
    unjudged: list[Unjudged] = []
    for section, item in _claims(result):
        source = item.source
        names = set(_names(item))
        if (source is not None and _key(source) in judged_at) or names & judged_names:
            continue
        label = next(iter(sorted(names)), section)
        unjudged.append(
            Unjudged(
                source.path if source else None,
                source.line if source else None,
                f"`{label}` ({_WHAT.get(section, section)}) was read, but no rule "
                "could compare it with the code",
            )
        )
    read = len(drifted) + len(fine) + len(unjudged)
    for notice in result.notices:
        if notice.kind in SKIPPED_KINDS:
            unjudged.append(Unjudged(notice.path, notice.line, notice.message))
    unjudged.sort(key=lambda u: (u.path or "", u.line or 0, u.why))
    return Coverage(read, len(fine), len(drifted), tuple(unjudged))


def _claims(result: CheckResult) -> Iterator[tuple[str, Item]]:
    for section, item in result.documented.items():
        if section not in _NOT_CLAIMS:
            yield section, item


def _key(location: Location) -> tuple[str, int]:
    return (location.path, location.line)


def _names(item: Item) -> Iterator[str]:
    for attribute in ("name", "task", "signal", "setting"):
        value = getattr(item, attribute, None)
        if isinstance(value, str) and value:
            yield value
