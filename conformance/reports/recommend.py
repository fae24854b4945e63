"""Recommendations a reviewer would write: concrete edits at their place, by impact.

Each recommendation names the file and line to change and the names to write there
("`docs/tasks.md:16`: write `app.tasks.generate` (or set `name="tasks.generate"` in
`app/tasks.py:26`)"). They come in three tiers: what is broken at run time (a route or
beat entry naming a task nobody registers, a queue no worker consumes, a documented task
the code sends), then docs and code that disagree, then what is not documented. Findings
of one kind collapse into one line ("3 tasks are documented but missing: …").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from conformance.findings import CheckResult, Finding, Severity
from conformance.model import Location
from conformance.reports.markdown_escape import code_span, escape_markdown, markdown_message
from conformance.rules.registry import Rule

TIERS: dict[str, str] = {
    "runtime": "Broken at run time",
    "docs": "Docs and code disagree",
    "undocumented": "Not documented",
}
"""Tier → its heading, in the order a reviewer fixes them."""

SHOWN = 10
"""At most this many recommendations are shown; the rest are counted."""

# Findings that mean something fails when the app runs, whatever the docs say.
_RUNTIME_RULES = frozenset(
    {
        "route.unknown-task",
        "route.unknown-queue",
        "schedule.unknown-task",
        "deploy.queue-unconsumed",
        "config.module-missing",
        "signal.sender-never-fires",
        "runtime.queue-unconsumed",
        "runtime.task-unregistered",
    }
)
_UNDOCUMENTED_RULES = frozenset(
    {
        "task.undocumented",
        "queue.undocumented",
        "queue.orphaned",
        "schedule.undocumented",
        "signal.undocumented",
        "metric.undocumented",
        "metric.not-integrated",
    }
)
_NAMES_SHOWN = 5


@dataclass(frozen=True)
class Recommendation:
    """One edit (or one kind of edit, collapsed) in Markdown, with its tier."""

    text: str
    rules: tuple[str, ...]
    tier: str = "docs"
    findings: int = 1
    """How many findings it settles."""


def recommendations(
    result: CheckResult,
    rules: Mapping[str, Rule],
    *,
    direction: Callable[[Finding], str | None] | None = None,
) -> tuple[Recommendation, ...]:
    """Every recommendation, most important first (see the module docstring).

    ``direction`` may say, for a finding with both sides, which side probably moved (from
    history); its words are added to that finding's recommendation.
    """
    sent = {d.task for d in result.actual.dispatches if d.task}
    by_tier: dict[str, list[Recommendation]] = {tier: [] for tier in TIERS}
    for rule_id, findings in _by_rule(result.findings):
        tier = _tier(rule_id, findings, sent)
        rule = rules.get(rule_id)
        if len(findings) > 1 and rule_id in _COLLAPSED:
            by_tier[tier].append(_collapsed(rule_id, findings, tier))
            continue
        for finding in _folded(findings):
            text = _single(finding, rule)
            words = direction(finding) if direction is not None else None
            if words:
                text += f" History: {escape_markdown(words)}."
            by_tier[tier].append(Recommendation(text, (rule_id,), tier))
    return tuple(r for tier in TIERS for r in _one_per_place(by_tier[tier]))


def _one_per_place(found: list[Recommendation]) -> list[Recommendation]:
    """Edits at one place join into one recommendation (a task's registered name and its
    options are one row to change), in the place of the first."""
    merged: list[Recommendation] = []
    at: dict[str, int] = {}
    for rec in found:
        place, sep, rest = rec.text.partition(": ")
        if not (sep and place.startswith("`") and place.endswith("`")) or rec.findings > 1:
            merged.append(rec)
            continue
        if place in at:
            first = merged[at[place]]
            merged[at[place]] = Recommendation(
                f"{first.text}; also {rest}",
                first.rules + tuple(r for r in rec.rules if r not in first.rules),
                first.tier,
                first.findings + rec.findings,
            )
            continue
        at[place] = len(merged)
        merged.append(rec)
    return merged


def _by_rule(findings: Sequence[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by rule: worst severity first, then the most frequent."""
    groups: dict[str, list[Finding]] = {}
    for finding in sorted(findings, key=lambda f: (f.doc or f.code or _NOWHERE, f.subject)):
        groups.setdefault(finding.rule, []).append(finding)
    return sorted(
        groups.items(),
        key=lambda item: (-max(f.severity.rank for f in item[1]), -len(item[1]), item[0]),
    )


def _tier(rule: str, findings: list[Finding], sent: set[str]) -> str:
    if rule in _RUNTIME_RULES:
        return "runtime"
    # A documented task the code really sends: every such call fails at run time.
    if rule == "task.missing" and any(f.subject in sent for f in findings):
        return "runtime"
    if rule in _UNDOCUMENTED_RULES or all(f.severity is Severity.INFO for f in findings):
        return "undocumented"
    return "docs"


_NOWHERE = Location("", 0)


def _place(location: Location | None) -> str:
    return code_span(str(location)) if location else ""


def _at(location: Location | None) -> str:
    return f" in {_place(location)}" if location else ""


def _lead(location: Location | None) -> str:
    return f"{_place(location)}: " if location else ""


def _folded(findings: list[Finding]) -> list[Finding]:
    """Option mismatches of one task become one finding: one edit per task."""
    out: list[Finding] = []
    index: dict[str, int] = {}
    for finding in findings:
        if finding.rule != "task.option-mismatch":
            out.append(finding)
            continue
        if finding.subject not in index:
            index[finding.subject] = len(out)
            out.append(finding)
            continue
        first = out[index[finding.subject]]
        out[index[finding.subject]] = Finding(
            first.rule,
            first.category,
            first.severity,
            first.subject,
            f"{first.documented}, {finding.documented}",
            f"{first.actual}, {finding.actual}",
            first.message,
            first.doc,
            first.code,
        )
    return out


def _single(finding: Finding, rule: Rule | None) -> str:
    """One concrete edit for one finding."""
    s = code_span(finding.subject)
    d = code_span(finding.documented) if finding.documented else ""
    a = code_span(finding.actual) if finding.actual else ""
    dt = escape_markdown(finding.documented or "")
    at = escape_markdown(finding.actual or "")
    doc, code = finding.doc, finding.code
    edits: dict[str, str] = {
        "task.renamed": (
            f"{_lead(doc)}write {a} (or set "
            f"{code_span(f'name={finding.documented!r}'.replace(chr(39), chr(34)))}"
            f" on the task{_at(code)})"
        ),
        "task.qualified-name": (
            f"{_lead(doc)}write {a} (or set "
            f"{code_span(f'name={finding.documented!r}'.replace(chr(39), chr(34)))}"
            f" on the task{_at(code)})"
        ),
        "task.option-mismatch": (
            f"{_lead(doc)}{s} is set to {at}{_at(code)}: write that, or change the code to {dt}"
        ),
        "task.missing": (
            f"{_lead(doc)}{s} is not a registered task: implement it, or remove it from the docs"
        ),
        "route.mismatch": (
            f"{_lead(doc)}{s} is routed to {a}{_at(code)}: write {a}, or route it to {d}"
        ),
        "route.unknown-task": (
            f"{_lead(code)}the route for {s} names no registered task: point it at the "
            "registered name, or delete it"
        ),
        "schedule.mismatch": (
            f"{_lead(doc)}{s} runs {at}{_at(code)}, not {dt}: write that, or change the schedule"
        ),
        "schedule.missing": (
            f"{_lead(doc)}there is no beat entry {s}: add it to `beat_schedule`, or remove it "
            "from the docs"
        ),
        "schedule.unknown-task": (
            f"{_lead(code)}beat entry {s} runs {a}, which no worker has: it fails every time "
            "it fires; point it at the registered name"
        ),
        "deploy.queue-unconsumed": (
            f"{_lead(code)}no deployed worker consumes {s}: add it to a worker's `-Q`, or "
            "route its tasks elsewhere"
        ),
        "deploy.service-missing": (
            f"{_lead(doc)}there is no {s} service in the deployment files: add it, or remove "
            "it from the docs"
        ),
        "queue.orphaned": (
            f"{_lead(code)}nothing is routed to queue {s}: route the intended tasks to it, or "
            "remove it"
        ),
        "config.mismatch": (
            f"{_lead(doc)}write {a} (the app sets it{_at(code)}), or change the app to {d}"
        ),
    }
    if finding.rule in edits and (finding.rule not in _NEEDS_BOTH or (a and d)):
        return edits[finding.rule]
    fix = " ".join(rule.fix.split()) if rule is not None and rule.fix.strip() else ""
    place = _lead(doc or code)
    return f"{place}{markdown_message(finding.message)}" + (f". {fix}" if fix else "")


_NEEDS_BOTH = frozenset(
    {"task.renamed", "task.qualified-name", "route.mismatch", "config.mismatch"}
)

# Rule → (what one is, what several are, what to do) for collapsed lines.
_COLLAPSED: dict[str, tuple[str, str, str]] = {
    "task.missing": (
        "task is documented but missing",
        "tasks are documented but missing",
        "implement them, or remove them from the docs",
    ),
    "task.undocumented": (
        "registered task is not in the docs",
        "registered tasks are not in the docs",
        "document them (name, queue, schedule), or remove them if they are dead code",
    ),
    "queue.missing": (
        "documented queue is not declared",
        "documented queues are not declared",
        "declare them in `task_queues`, or remove them from the docs",
    ),
    "queue.undocumented": (
        "declared queue is not in the docs",
        "declared queues are not in the docs",
        "document them",
    ),
    "schedule.missing": (
        "documented beat entry does not exist",
        "documented beat entries do not exist",
        "add them to `beat_schedule`, or remove them from the docs",
    ),
    "schedule.undocumented": (
        "beat entry is not in the docs",
        "beat entries are not in the docs",
        "document each entry: its task and when it runs",
    ),
    "metric.missing": (
        "documented metric is defined nowhere",
        "documented metrics are defined nowhere",
        "define and record them, or remove them from the docs",
    ),
    "metric.undocumented": (
        "metric is not in the docs",
        "metrics are not in the docs",
        "document them: name, type, labels",
    ),
    "metric.not-integrated": (
        "metric is defined but never recorded",
        "metrics are defined but never recorded",
        "record them where the work happens (a signal handler is a good place), or delete them",
    ),
    "signal.undocumented": (
        "signal handler is not in the docs",
        "signal handlers are not in the docs",
        "document what they do",
    ),
    "deploy.queue-unconsumed": (
        "queue has no deployed worker",
        "queues have no deployed worker",
        "add them to a worker's `-Q`, or route their tasks elsewhere",
    ),
    "route.unknown-task": (
        "route names a task nobody registers",
        "routes name tasks nobody registers",
        "point them at the registered names, or delete them",
    ),
    "worker.profile-missing": (
        "documented worker profile is not deployed",
        "documented worker profiles are not deployed",
        "deploy them (a worker with those `-Q` queues), or document the real workers",
    ),
}


def _collapsed(rule: str, findings: list[Finding], tier: str) -> Recommendation:
    one, many, todo = _COLLAPSED[rule]
    names = []
    for finding in findings[:_NAMES_SHOWN]:
        place = finding.doc or finding.code
        names.append(code_span(finding.subject) + (f" ({_place(place)})" if place else ""))
    more = len(findings) - _NAMES_SHOWN
    listed = ", ".join(names) + (f" and {more} more" if more > 0 else "")
    what = one if len(findings) == 1 else many
    return Recommendation(f"{len(findings)} {what}: {listed}: {todo}", (rule,), tier, len(findings))
