"""The Markdown report: reads like a colleague's review (see the seed report).

The words live in :data:`AREAS`, :data:`DOC_PHRASES`, :data:`ACTUAL_PHRASES` and
:data:`ISSUE_LABELS`; the layout lives in ``templates/report.md.j2``. Every value from
docs or code is escaped (:mod:`conformance.reports.markdown_escape`) before it reaches
the template; a user's template gets the same context and the filters ``md``, ``code``
and ``message`` for anything it inserts from ``result`` itself.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from conformance.errors import ConformanceError
from conformance.findings import CheckResult, Conforming, Finding, Severity, sort_key
from conformance.model import Location
from conformance.reports._common import (
    category_rank,
    fell_back,
    plural,
    registered_rules,
    sorted_conforming,
    sorted_findings,
    sorted_notices,
    tool_version,
)
from conformance.reports.coverage import coverage
from conformance.reports.history import History
from conformance.reports.markdown_escape import code_span, escape_markdown, markdown_message
from conformance.reports.recommend import SHOWN, TIERS, Recommendation, recommendations
from conformance.reports.timeline import beat_timeline
from conformance.reports.topology import CLASS_LEGEND, topology_mermaid
from conformance.rules.registry import Rule

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_TEMPLATE = "report.md.j2"
PR_TEMPLATE = "pr-comment.md.j2"
PR_COMMENT_LIMIT = 60_000
"""GitHub refuses comments over 65,536 characters; this leaves room for a workflow's
own words around the report."""
_NOWHERE = Location("", 0)
FOLD_AFTER = 15
"""Bullet lists longer than this fold into a ``<details>`` block."""

AREAS: dict[str, str] = {
    "tasks": "Task Naming and Definitions",
    "queues": "Queue Configuration",
    "routes": "Task Routing",
    "canvas": "Batch Processing Architecture (canvas)",
    "signals": "Signal Handlers",
    "schedules": "Beat Schedule",
    "workers": "Worker Configuration",
    "symbols": "Code References",
    "metrics": "Metrics and Monitoring",
    "deploy": "Deployment",
    "config": "Configuration",
    "runtime": "Running Workers",
    "docs": "Generated Sections",
}
"""Category → the ``### N.`` heading of its Key Findings section."""

# Phrasings: {s} subject, {d} documented, {a} actual as code spans; {dt}/{at} the two
# sides as prose (rendered schedules, option values). A phrase whose value is absent
# falls back to the finding's own message.
DOC_PHRASES: dict[str, str] = {
    "task.option-mismatch": "{s}: {dt}",
    "route.mismatch": "{s} routed to {d}",
    "schedule.task-mismatch": "{s} runs {d}",
    "canvas.callback-mismatch": "{s}: callback {d}",
    "canvas.primitive-mismatch": "{s}: uses {dt}",
    "signal.missing": "a handler for {s}",
    "signal.handler-mismatch": "{s}: {dt}",
    "metric.type-mismatch": "{s} as a {dt}",
    "metric.labels-mismatch": "{s} with labels {dt}",
    "config.mismatch": "{d}",
    "signature.mismatch": "a call of {s}",
}

ACTUAL_PHRASES: dict[str, str] = {
    "task.missing": "NO {s} task exists",
    "task.renamed": "{a} (NOT {d})",
    "task.qualified-name": "{a} (NOT {d})",
    "task.option-mismatch": "{s}: {at} (NOT {dt})",
    "task.undocumented": "{s} is registered (NOT in docs)",
    "queue.missing": "NO {s} queue is declared",
    "queue.undocumented": "{s} is declared (NOT in docs)",
    "queue.orphaned": "{s} is declared, but NO registered task is routed to it",
    "route.mismatch": "{s} is routed to {a} (NOT {d})",
    "route.unknown-task": "a route names {s}, but NO such task is registered",
    "route.unknown-queue": "{s} is routed to {a}, which is NOT a declared queue",
    "schedule.missing": "NO {s} beat entry",
    "schedule.undocumented": "{s}: {at} (NOT in docs)",
    "schedule.mismatch": "{s}: {at} (NOT {dt})",
    "schedule.task-mismatch": "{s} runs {a} (NOT {d})",
    "schedule.unknown-task": "{s} runs {a}, which is NOT a registered task",
    "canvas.callback-mismatch": "{s}: callback is {a} (NOT {d})",
    "canvas.primitive-mismatch": "{s}: uses {at} (NOT {dt})",
    "signal.missing": "NO handler is connected to {s}",
    "signal.undocumented": "{s} has a handler (NOT in docs)",
    "metric.missing": "NO {s} metric is defined",
    "metric.undocumented": "{s} is defined (NOT in docs)",
    "metric.type-mismatch": "{s} is a {at} (NOT a {dt})",
    "metric.labels-mismatch": "{s} has labels {at} (NOT {dt})",
    "metric.not-integrated": "{s} is defined but NOT recorded by any task, signal or worker",
    "worker.class-missing": "NO {s} class",
    "worker.bootstep-missing": "NO {s} bootstep is registered",
    "worker.profile-missing": "NO worker runs the {s} profile",
    "symbol.missing": "NO {s} in the codebase",
    "symbol.renamed": "{a} (NOT {d})",
    "deploy.service-missing": "NO {s} service in the deployment files",
    "deploy.queue-unconsumed": "NO deployed worker consumes {s}",
    "config.mismatch": "{a} (NOT {d})",
}

CONFORMING_PHRASES: dict[str, str] = {
    "routes": "{s} is routed as documented ✓",
    "canvas": "{s} is built as documented ✓",
    "signals": "{s} is connected as documented ✓",
    "schedules": "{s} runs as documented ✓",
    "config": "{s} is set as documented ✓",
}
_CONFORMING_DEFAULT = "{s} exists as documented ✓"

ISSUE_LABELS: dict[str, str] = {
    "task.missing": "Missing tasks",
    "task.renamed": "Renamed tasks",
    "task.qualified-name": "Wrong registered task names",
    "task.option-mismatch": "Task option mismatches",
    "queue.missing": "Missing queues",
    "route.mismatch": "Routing mismatches",
    "route.unknown-task": "Routes to tasks that don't exist",
    "schedule.missing": "Missing beat entries",
    "schedule.mismatch": "Schedule mismatches",
    "schedule.task-mismatch": "Beat entries running other tasks",
    "schedule.unknown-task": "Beat entries naming unknown tasks",
    "canvas.callback-mismatch": "Canvas callback mismatches",
    "canvas.primitive-mismatch": "Canvas primitive mismatches",
    "signal.missing": "Missing signal handlers",
    "metric.missing": "Missing metrics",
    "metric.type-mismatch": "Metric type mismatches",
    "metric.labels-mismatch": "Metric label mismatches",
    "worker.class-missing": "Missing worker classes",
    "worker.bootstep-missing": "Missing bootsteps",
    "symbol.missing": "Missing code names",
    "symbol.renamed": "Renamed code names",
    "signature.mismatch": "Signature mismatches",
    "deploy.service-missing": "Missing services",
    "deploy.queue-unconsumed": "Queues no worker consumes",
    "config.mismatch": "Configuration mismatches",
}


@dataclass(frozen=True)
class Area:
    """One ``### N.`` section: bullets are Markdown, every value in them escaped."""

    category: str
    title: str
    documented: tuple[str, ...]
    actual: tuple[str, ...]


@dataclass(frozen=True)
class Issue:
    """One Critical Issues line: the findings of one error rule."""

    rule: str
    label: str
    subjects: tuple[str, ...]


def render_markdown(
    result: CheckResult,
    *,
    template: Path | None = None,
    rules: Mapping[str, Rule] | None = None,
    history: History | None = None,
    now: datetime | None = None,
) -> str:
    """The Markdown report, from the packaged template or the user's ``template``.

    ``history`` (the project's git history) lets recommendations say which side of a
    drift probably moved. ``now`` is when the beat timeline's next runs count from
    (default: ``$SOURCE_DATE_EPOCH`` if set, for reproducible reports, else the clock).

    ``rules`` defaults to the registry; recommendations quote each fired rule's ``fix``.
    A template that is missing, does not parse or uses an unknown name raises
    :class:`ConformanceError` with its path and line.
    """
    if template is None:
        folder, name = TEMPLATES, DEFAULT_TEMPLATE
    else:
        folder, name = template.parent, template.name
    context = report_context(
        result,
        registered_rules() if rules is None else rules,
        history=history,
        now=now or report_time(),
    )
    return _render(folder, name, context, str(template) if template is not None else name)


def render_pr_comment(
    result: CheckResult,
    *,
    rules: Mapping[str, Rule] | None = None,
    history: History | None = None,
    now: datetime | None = None,
) -> str:
    """A pull-request comment: the summary table, the top recommendations, and the
    findings folded in ``<details>``, within GitHub's comment limit.

    Long sections are cut to their first bullets (the rest counted) until the comment
    fits in :data:`PR_COMMENT_LIMIT` characters; cutting whole bullets keeps the Markdown
    whole, where cutting the text would leave a fold or a fence open.
    """
    context = report_context(
        result,
        registered_rules() if rules is None else rules,
        history=history,
        now=now or report_time(),
    )
    areas: tuple[Area, ...] = context["areas"]
    keep = max((max(len(a.documented), len(a.actual)) for a in areas), default=0)
    context["fold_after"] = 10**9  # each section is one fold already
    while True:
        context["areas"] = tuple(_cut(area, keep) for area in areas)
        text = _render(TEMPLATES, PR_TEMPLATE, context, PR_TEMPLATE)
        if len(text) <= PR_COMMENT_LIMIT or keep == 0:
            return text
        keep //= 2


def _cut(area: Area, keep: int) -> Area:
    """``area`` with at most ``keep`` bullets a side, the rest counted in one more."""

    def first(bullets: tuple[str, ...]) -> tuple[str, ...]:
        if len(bullets) <= keep:
            return bullets
        return (*bullets[:keep], f"… and {len(bullets) - keep} more")

    return replace(area, documented=first(area.documented), actual=first(area.actual))


def _render(folder: Path, name: str, context: Mapping[str, Any], shown: str) -> str:
    # Sandboxed: a user's template (`--template`) is code we run; it may read the report
    # context, never reach Python's internals (`''.__class__.__mro__`…).
    environment = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["md"] = escape_markdown
    environment.filters["code"] = code_span
    environment.filters["message"] = markdown_message
    try:
        text = environment.get_template(name).render(context)
    except jinja2.TemplateNotFound:
        raise ConformanceError("template not found", shown) from None
    except jinja2.TemplateSyntaxError as error:
        raise ConformanceError(f"template error: {error.message}", shown, error.lineno) from None
    except jinja2.TemplateError as error:
        raise ConformanceError(f"template error: {error}", shown) from None
    return _tidy(text)


def report_context(
    result: CheckResult,
    rules: Mapping[str, Rule],
    *,
    history: History | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """What a template sees. Strings are ready Markdown; ``result`` is the raw data."""
    now = now or report_time()
    return {
        "title": report_title(result.docs),
        "summary": _summary(result),
        "areas": _areas(result),
        "issues": _issues(result),
        **_recommendation_context(result, rules, history),
        "areas_table": _areas_table(result),
        "topology": topology_mermaid(result),
        "topology_legend": _legend(),
        "timeline": _timeline(result, now),
        "timeline_from": now.strftime("%Y-%m-%d %H:%M %Z").strip(),
        "coverage": _coverage_context(result),
        "notices": tuple(
            (code_span(n.location) + ": " if n.location else "") + markdown_message(n.message)
            for n in sorted_notices(result.notices)
        ),
        "fold_after": FOLD_AFTER,
        "verdict": _verdict(result),
        "version": escape_markdown(tool_version()),
        "mode": escape_markdown(result.mode),
        "result": result,
    }


def report_title(docs: tuple[str, ...]) -> str:
    """``Background Tasks`` from ``docs/…/03-background-tasks.md``; empty without docs."""
    if not docs:
        return ""
    stem = PurePosixPath(docs[0]).stem
    words = re.sub(r"^[\d\W_]+", "", stem)
    return escape_markdown(" ".join(w.capitalize() for w in re.split(r"[\W_]+", words) if w))


def _summary(result: CheckResult) -> str:
    if result.docs:
        compared = "the documentation in " + _and(tuple(code_span(d) for d in result.docs))
    else:
        compared = "the documented spec"
    app = f"the Celery app {code_span(result.app)}" if result.app else "the implementation"
    mode = {"live": "live introspection", "static": "static analysis"}.get(
        result.mode, f"{escape_markdown(result.mode)} mode"
    )
    if fell_back(result):
        mode += " because the app did not import"
    total = len(result.findings)
    if total:
        counts = [
            plural(result.count(s), s.value)
            if s is not Severity.INFO
            else f"{result.count(s)} info"
            for s in Severity
            if result.count(s)
        ]
        found = f"found {plural(total, 'discrepancy', 'discrepancies')}: {', '.join(counts)}"
    else:
        found = "found no discrepancies"
    conforming = len(result.conforming)
    verb = "conforms" if conforming == 1 else "conform"
    text = f"Compared {compared} with {app} ({mode}) and {found}; "
    text += f"{plural(conforming, 'documented item')} {verb}."
    if result.waived:
        text += (
            f" {plural(len(result.waived), 'finding')} waived (doc waivers or the baseline)"
            " and not counted."
        )
    if result.fixed:
        text += (
            f" {plural(len(result.fixed), 'baseline entry', 'baseline entries')}"
            f" no longer {'matches' if len(result.fixed) == 1 else 'match'} anything"
            " and can be removed (see below)."
        )
    return text


def _and(items: tuple[str, ...]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# Rules whose findings about one subject read best as one bullet ("time_limit=3600,
# max_retries=3"), rather than one bullet per option.
_FOLDED_RULES = ("task.option-mismatch",)


def _fold(findings: list[Finding]) -> list[Finding]:
    out: list[Finding] = []
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        if finding.rule in _FOLDED_RULES:
            key = (finding.rule, finding.subject)
            if key not in groups:
                groups[key] = []
                out.append(finding)
            groups[key].append(finding)
        else:
            out.append(finding)
    folded = []
    for finding in out:
        group = groups.get((finding.rule, finding.subject))
        if group and len(group) > 1:
            finding = replace(
                finding,
                documented=", ".join(f.documented or "" for f in group),
                actual=", ".join(f.actual or "" for f in group),
            )
        folded.append(finding)
    return folded


def _areas(result: CheckResult) -> tuple[Area, ...]:
    findings = _fold(sorted_findings(result.findings))
    conforming = sorted_conforming(result.conforming)
    categories = sorted(
        {f.category for f in findings} | {c.category for c in conforming}, key=category_rank
    )
    areas = []
    for category in categories:
        # Doc order reads like a review of the page; code-only findings come after.
        mine = sorted(
            (f for f in findings if f.category == category),
            key=lambda f: (f.doc is None, f.doc or _NOWHERE, f.code or _NOWHERE, sort_key(f)),
        )
        said = [(f.subject, _documented_bullet(f), f.doc) for f in mine if f.documented]
        fine = [c for c in conforming if c.category == category]
        said += [(c.subject, code_span(c.subject), c.doc) for c in fine]
        documented = _one_per_subject(said)
        # An item with a finding is not also "✓ as documented" in the same section.
        flagged = {f.subject for f in mine}
        actual = _actual_bullets(mine)
        actual += [_conforming_bullet(c) for c in fine if c.subject not in flagged]
        title = AREAS.get(category, category.replace("-", " ").capitalize())
        areas.append(Area(category, escape_markdown(title), tuple(documented), tuple(actual)))
    return tuple(areas)


def _values(finding: Finding) -> dict[str, str | None]:
    def side(value: str | None, escape: Any) -> str | None:
        return None if value is None else str(escape(value))

    return {
        "s": code_span(finding.subject),
        "d": side(finding.documented, code_span),
        "a": side(finding.actual, code_span),
        "dt": side(finding.documented, escape_markdown),
        "at": side(finding.actual, escape_markdown),
    }


def _phrase(pattern: str | None, finding: Finding) -> str:
    values = _values(finding)
    needed = re.findall(r"{(\w+)}", pattern or "")
    if pattern is None or any(values.get(key) is None for key in needed):
        return markdown_message(finding.message)
    return pattern.format(**values)


def _documented_bullet(finding: Finding) -> str:
    pattern = DOC_PHRASES.get(finding.rule)
    if pattern is None:
        pattern = "{s}" if finding.documented == finding.subject else "{s}: {dt}"
    return _phrase(pattern, finding)


def _one_per_subject(phrases: list[tuple[str, str, Location | None]]) -> list[str]:
    """One bullet per subject: the facts several findings state about one item (its
    options, its registered name, its route) joined on one line, at its first place.

    A phrase that is only the subject adds nothing next to one that says more; phrases
    that start with the subject are joined after it once (`` `t`: a; b ``).
    """
    order: dict[str, list[tuple[str, Location | None]]] = {}
    for subject, phrase, place in phrases:
        order.setdefault(subject, []).append((phrase, place))
    bullets = []
    for subject, said in order.items():
        span = code_span(subject)
        texts = list(dict.fromkeys(text for text, _ in said))
        if len(texts) > 1:
            texts = [t for t in texts if t != span] or texts
        # What the item is called comes before what it is set to.
        texts.sort(key=lambda t: t.startswith(span))
        place = next((where for _, where in said if where is not None), None)
        bullets.append(_with_place(_joined(span, texts), place))
    return bullets


def _joined(span: str, texts: list[str]) -> str:
    if len(texts) == 1:
        return texts[0]
    heads = (span + ": ", span + " ")

    def tail(text: str) -> str:
        return text[len(span) :].removeprefix(":").strip() if text.startswith(heads) else text

    if all(t.startswith(heads) for t in texts):
        return f"{span}: " + "; ".join(tail(t) for t in texts)
    # The first names the item (its registered name); the rest need not repeat it.
    return "; ".join([texts[0], *(tail(t) for t in texts[1:])])


# Two findings about one subject that read best as one sentence: (kept rule, dropped
# rule) -> the kept finding's phrase.
_JOINED: dict[tuple[str, str], str] = {
    ("metric.not-integrated", "metric.undocumented"): (
        "{s} is defined (NOT in docs) and NOT recorded by any task, signal or worker"
    ),
}


def _actual_bullets(findings: list[Finding]) -> list[str]:
    rules_of: dict[str, set[str]] = {}
    for finding in findings:
        rules_of.setdefault(finding.subject, set()).add(finding.rule)
    phrases: list[tuple[str, str, Location | None]] = []
    for finding in findings:
        rules = rules_of[finding.subject]
        if any(dropped == finding.rule and kept in rules for kept, dropped in _JOINED):
            continue
        joined = next(
            (
                phrase
                for (kept, dropped), phrase in _JOINED.items()
                if kept == finding.rule and dropped in rules
            ),
            None,
        )
        pattern = joined or ACTUAL_PHRASES.get(finding.rule)
        phrases.append((finding.subject, _phrase(pattern, finding), finding.code))
    return _one_per_subject(phrases)


def _conforming_bullet(item: Conforming) -> str:
    pattern = CONFORMING_PHRASES.get(item.category, _CONFORMING_DEFAULT)
    return pattern.format(s=code_span(item.subject))


def _with_place(text: str, location: Location | None) -> str:
    return f"{text} — {code_span(location)}" if location else text


def _issues(result: CheckResult) -> tuple[Issue, ...]:
    errors = [f for f in sorted_findings(result.findings) if f.severity is Severity.ERROR]
    rules = sorted({f.rule for f in errors}, key=lambda r: (_rule_category_rank(r, errors), r))
    issues = []
    for rule in rules:
        subjects = dict.fromkeys(code_span(f.subject) for f in errors if f.rule == rule)
        label = ISSUE_LABELS.get(rule, rule)
        issues.append(Issue(rule, escape_markdown(label), tuple(subjects)))
    return tuple(issues)


def _rule_category_rank(rule: str, findings: list[Finding]) -> tuple[int, str]:
    category = next(f.category for f in findings if f.rule == rule)
    return category_rank(category)


def _recommendation_context(
    result: CheckResult, rules: Mapping[str, Rule], history: History | None
) -> dict[str, Any]:
    """The recommendations (all, most important first), the shown ones by tier, and how
    many more there are."""
    every = recommendations(result, rules, direction=_direction_words(result, history))
    shown = every[:SHOWN]
    tiers = [
        TierOfRecommendations(escape_markdown(title), tuple(r for r in shown if r.tier == tier))
        for tier, title in TIERS.items()
    ]
    return {
        "recommendations": every,
        "recommendation_tiers": tuple(t for t in tiers if t.recommendations),
        "more_recommendations": len(every) - len(shown),
    }


def _direction_words(
    result: CheckResult, history: History | None
) -> Callable[[Finding], str | None] | None:
    if history is None:
        return None
    both = [f for f in result.findings if f.doc is not None and f.code is not None]
    # One blame per file for every line asked about, not one per finding.
    history.prefetch(loc for f in both for loc in (f.doc, f.code) if loc is not None)

    def words(finding: Finding) -> str | None:
        direction = history.direction(finding.doc, finding.code)
        return direction.sentence() if direction is not None else None

    return words


@dataclass(frozen=True)
class TierOfRecommendations:
    title: str
    recommendations: tuple[Recommendation, ...]


@dataclass(frozen=True)
class AreaRow:
    """One row of the summary table: an area, its counts and its section's anchor."""

    title: str
    anchor: str
    errors: int
    warnings: int
    conforming: int


def _areas_table(result: CheckResult) -> tuple[AreaRow, ...]:
    rows = []
    for number, area in enumerate(_areas(result), start=1):
        mine = [f for f in result.findings if f.category == area.category]
        rows.append(
            AreaRow(
                area.title,
                github_anchor(f"{number}. {area.title}"),
                sum(1 for f in mine if f.severity is Severity.ERROR),
                sum(1 for f in mine if f.severity is Severity.WARNING),
                sum(1 for c in result.conforming if c.category == area.category),
            )
        )
    return tuple(rows)


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\\(.)", r"\1", heading).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _verdict(result: CheckResult) -> str:
    """``failing (27 errors)`` / ``passing`` — what the gate decides, in a few words."""
    counts = [
        plural(result.count(s), s.value) if s is not Severity.INFO else f"{result.count(s)} info"
        for s in Severity
        if result.count(s)
    ]
    if result.failed:
        return f"failing ({', '.join(counts)})"
    return f"passing ({', '.join(counts)})" if counts else "passing"


def report_time() -> datetime:
    """Now, or ``$SOURCE_DATE_EPOCH`` (the reproducible-builds convention) when set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC)


def _legend() -> str:
    return "; ".join(
        f"{escape_markdown(name)}: {escape_markdown(meaning)}"
        for name, meaning in CLASS_LEGEND.items()
    )


@dataclass(frozen=True)
class TimelineLine:
    """One row of the beat timeline, ready Markdown."""

    name: str
    documented: str
    actual: str
    documented_next: str
    actual_next: str
    drift: bool


def _timeline(result: CheckResult, now: datetime) -> tuple[TimelineLine, ...]:
    def words(text: str | None) -> str:
        return escape_markdown(text) if text is not None else "—"

    def times(runs: tuple[datetime, ...]) -> str:
        return ", ".join(t.strftime("%Y-%m-%d %H:%M") for t in runs) or "—"

    return tuple(
        TimelineLine(
            code_span(row.name),
            words(row.documented),
            words(row.actual),
            times(row.documented_next),
            times(row.actual_next),
            row.drift,
        )
        for row in beat_timeline(result, now=now)
    )


@dataclass(frozen=True)
class CoverageContext:
    sentence: str
    pages: tuple[str, ...]
    spans: tuple[str, ...]


def _coverage_context(result: CheckResult) -> CoverageContext:
    found = coverage(result)
    pages = tuple(f"{code_span(page)}: {plural(count, 'span')}" for page, count in found.by_page())
    spans = tuple(
        (code_span(f"{u.path}:{u.line}" if u.line else u.path) + ": " if u.path else "")
        + markdown_message(u.why)
        for u in found.unjudged
    )
    return CoverageContext(escape_markdown(found.sentence()), pages, spans)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"
