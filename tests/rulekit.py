"""Helpers for the rule tables: build specs tersely, run the rules, compare outcomes."""

from __future__ import annotations

from conformance.model import Location, Origin, Spec, Task
from conformance.rules import run_rules


def doc_task(name: str, line: int = 1, **kw: object) -> Task:
    return Task(name, source=Location("docs/tasks.md", line), origin=Origin.DOCS, **kw)  # type: ignore[arg-type]


def code_task(name: str, line: int = 1, **kw: object) -> Task:
    module = name.rpartition(".")[0] or "app"
    kw.setdefault("function", name)
    kw.setdefault("origin", Origin.LIVE)
    return Task(name, source=Location(f"{module.replace('.', '/')}.py", line), **kw)  # type: ignore[arg-type]


def outcome(documented: Spec, actual: Spec, prefix: str = "") -> set[tuple[str, str]]:
    """(rule, subject) of every finding whose rule starts with ``prefix``."""
    findings, _ = run_rules(documented, actual)
    return {(f.rule, f.subject) for f in findings if f.rule.startswith(prefix)}


def conforming(documented: Spec, actual: Spec, category: str) -> set[str]:
    _, items = run_rules(documented, actual)
    return {c.subject for c in items if c.category == category}
