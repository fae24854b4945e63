"""Run every category's checks over two specs and apply the configured severities."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace

from conformance.findings import Conforming, Finding, Severity, sort_key
from conformance.model import Spec
from conformance.rules.context import Context

Check = Callable[[Context], Iterator[Finding | Conforming]]


def run_checks(
    checks: Iterable[Check],
    documented: Spec,
    actual: Spec,
    levels: Mapping[str, str] | None = None,
) -> tuple[tuple[Finding, ...], tuple[Conforming, ...]]:
    """Findings (sorted as the contract says, de-duplicated) and conforming items."""
    ctx = Context(documented, actual)
    levels = levels or {}
    findings: dict[tuple[str, str, str | None, str | None], Finding] = {}
    conforming: dict[tuple[str, str], Conforming] = {}
    for check in checks:
        for result in check(ctx):
            if isinstance(result, Conforming):
                conforming.setdefault((result.category, result.subject), result)
                continue
            level = levels.get(result.rule)
            if level == "off":
                continue
            if level is not None:
                result = replace(result, severity=Severity(level))
            key = (result.rule, result.subject, result.documented, result.actual)
            findings.setdefault(key, result)
    return (
        tuple(sorted(findings.values(), key=sort_key)),
        tuple(sorted(conforming.values(), key=lambda c: (c.category, c.subject))),
    )
