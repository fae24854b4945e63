"""The rule registry: every rule's id, category, default severity and explanation.

A rule is data (:class:`Rule`); the checks that produce its findings live in one module
per category (``rules/tasks.py``, ``rules/queues.py``...), next to the rules they emit.
The ``rules`` command, the rule pages and SARIF's rule list all read this registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.findings import Finding, Severity
from conformance.model import Location


@dataclass(frozen=True)
class Rule:
    """A rule's stable id and its documentation.

    ``summary`` is the one-line meaning; ``why``, ``example`` and ``fix`` are the sections
    of the rule's page (what it catches is ``summary``).
    """

    id: str
    category: str
    severity: Severity
    summary: str
    why: str
    example: str
    fix: str


RULES: dict[str, Rule] = {}


def define(
    rule_id: str,
    category: str,
    severity: str,
    summary: str,
    *,
    why: str,
    example: str,
    fix: str,
) -> Rule:
    """Register a rule; ids are unique and never renamed once released."""
    if rule_id in RULES:
        raise ValueError(f"rule {rule_id} defined twice")
    rule = Rule(rule_id, category, Severity(severity), summary, why, example, fix)
    RULES[rule_id] = rule
    return rule


def drift(
    rule: Rule,
    subject: str,
    message: str,
    *,
    documented: str | None = None,
    actual: str | None = None,
    doc: Location | None = None,
    code: Location | None = None,
) -> Finding:
    """A finding of ``rule`` at its default severity (the engine applies the config's)."""
    return Finding(
        rule=rule.id,
        category=rule.category,
        severity=rule.severity,
        subject=subject,
        documented=documented,
        actual=actual,
        message=message,
        doc=doc,
        code=code,
    )
