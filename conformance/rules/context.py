"""What every rule needs: the two specs, consolidated, and which documented task is which
registered task.

The docs mention one task many times (a table row, a decorator, a route key, a list item);
:func:`consolidate_tasks` folds those mentions into one documented task. Matching then
uses every clue, in order of certainty: the exact registered name, the same base name
(``tasks.x`` vs ``app.workers.tasks.x``), and for renames a similar name *backed by the
task's role* (same queue, same place in a chord, same beat entry, same parameters).
Without a shared role only a name that differs by about one word pairs, and only when each
is the other's single closest name. A merely similar name never pairs two tasks:
``send_alert`` is not ``send_alerts_digest`` unless something else says so.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TypeVar

from conformance.celery_naming import base_name, consumed_queues, is_builtin_task, resolve_queue
from conformance.model import CanvasFlow, Location, Origin, Schedule, Service, Spec, Task, Worker

T = TypeVar("T")


@dataclass(frozen=True)
class TaskPair:
    """A documented task and the registered task it is."""

    documented: Task
    actual: Task
    how: str  # "exact" | "base" | "renamed"
    clues: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskMatching:
    pairs: tuple[TaskPair, ...]
    unmatched_documented: tuple[Task, ...]
    unmatched_actual: tuple[Task, ...]
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def actual_for(self, documented_name: str) -> Task | None:
        for pair in self.pairs:
            if pair.documented.name == documented_name:
                return pair.actual
        return None


def consolidate_tasks(tasks: Sequence[Task]) -> tuple[Task, ...]:
    """One documented task per name: merge every mention, first statement wins.

    A bare mention (``process_batch``) joins a dotted one (``tasks.process_batch``) when
    exactly one dotted name has that base.
    """
    dotted_by_base: dict[str, set[str]] = {}
    for task in tasks:
        if "." in task.name:
            dotted_by_base.setdefault(base_name(task.name), set()).add(task.name)

    def canonical(name: str) -> str:
        if "." not in name:
            dotted = dotted_by_base.get(name, set())
            if len(dotted) == 1:
                return next(iter(dotted))
        return name

    merged: dict[str, Task] = {}
    for task in tasks:
        key = canonical(task.name)
        if key not in merged:
            merged[key] = task if key == task.name else replace(task, name=key)
            continue
        known = merged[key]
        options = {**task.options, **known.options}
        merged[key] = replace(
            known,
            options=options,
            queue=known.queue or task.queue,
            params=known.params or task.params,
            function=known.function or task.function,
            source=_earliest(known.source, task.source),
        )
    return tuple(merged.values())


def consolidate_schedules(schedules: Sequence[Schedule]) -> tuple[Schedule, ...]:
    """One documented beat entry per name, merged the same way."""
    merged: dict[str, Schedule] = {}
    for entry in schedules:
        known = merged.get(entry.name)
        if known is None:
            merged[entry.name] = entry
        else:
            merged[entry.name] = replace(
                known,
                task=known.task or entry.task,
                timing=known.timing or entry.timing,
                source=_earliest(known.source, entry.source),
            )
    return tuple(merged.values())


def _earliest(a: Location | None, b: Location | None) -> Location | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def name_similarity(a: str, b: str) -> float:
    """How alike two base names read: character overlap and shared words, 0..1."""
    a, b = base_name(a).lower(), base_name(b).lower()
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    words_a, words_b = set(_words(a)), set(_words(b))
    jaccard = len(words_a & words_b) / len(words_a | words_b) if words_a | words_b else 0.0
    return max(ratio, jaccard)


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\W]+|(?<=\D)(?=\d)", name) if w]


# A rename needs this much evidence; see match_tasks for how it is scored.
_RENAME_THRESHOLD = 1.0
_CLUE_WEIGHTS = {
    "same queue": 0.25,
    "same place in a canvas flow": 0.35,
    "same beat entry": 0.5,
    "same parameters": 0.25,
}


def told_in_passing(item: object) -> bool:
    """Whether the docs state ``item`` only in a sentence ("the `mail` queue", "`a`
    runs on `q`") or a command's flag, not in a listing (a table, a list under its
    heading, a code block). A sentence naming two queues is not a queue catalogue: it
    does not make every other queue *undocumented*."""
    source: Location | None = getattr(item, "source", None)
    return source is not None and source.in_passing


def listed(items: Iterable[T]) -> list[T]:
    """The items a listing states (see :func:`told_in_passing`)."""
    return [item for item in items if not told_in_passing(item)]


class Context:
    """The two specs and the derived facts every rule reads. Computed once per run."""

    def __init__(self, documented: Spec, actual: Spec) -> None:
        self.documented = documented
        self.actual = actual

    # --- tasks ---------------------------------------------------------------------

    @cached_property
    def documented_tasks(self) -> tuple[Task, ...]:
        # Celery's built-in tasks exist in every app: documenting them is never drift.
        return consolidate_tasks([t for t in self.documented.tasks if not is_builtin_task(t.name)])

    @cached_property
    def actual_tasks(self) -> tuple[Task, ...]:
        return consolidate_tasks(self.actual.tasks)

    @cached_property
    def registered(self) -> dict[str, Task]:
        return {t.name: t for t in self.actual_tasks}

    @cached_property
    def mentioned(self) -> frozenset[str]:
        """Every name the docs mention in passing, as written and as `module.attr`."""
        names = {m.name for m in self.documented.mentions}
        return frozenset(names | {n.replace(":", ".") for n in names})

    @cached_property
    def mentioned_tasks(self) -> frozenset[str]:
        """Registered tasks a mention names: by registered name, or by last part (every
        task with that last part: a mention is generous, it only makes items documented)."""
        by_base: dict[str, list[str]] = {}
        for name in self.registered:
            by_base.setdefault(base_name(name), []).append(name)
        found: set[str] = set()
        for name in self.mentioned:
            if name in self.registered:
                found.add(name)
            elif "." not in name:
                found.update(by_base.get(name, ()))
        return frozenset(found)

    @cached_property
    def task_functions(self) -> frozenset[str]:
        """Dotted functions of the registered tasks: a schedule that names the function
        of a task registered under a custom `name=` names that task."""
        return frozenset(t.function for t in self.actual_tasks if t.function)

    @cached_property
    def project_packages(self) -> frozenset[str]:
        """Top-level packages of the project's own code (modules read, tasks found)."""
        names = [s.name for s in self.actual.symbols if s.kind == "module"]
        names += [t.name for t in self.actual_tasks]
        return frozenset(name.partition(".")[0] for name in names if "." in name)

    @cached_property
    def static(self) -> bool:
        """The code side was read, not imported: what only run time knows is unknown."""
        return not any(t.origin is Origin.LIVE for t in self.actual.tasks)

    def is_unknown_task(self, name: str) -> bool:
        """A task name the app does not register, as far as can be known: in static mode
        a dotted name outside the project's packages (``post_office.tasks.send_mail``)
        may be registered by an installed library, which only run time shows."""
        if name in self.registered or is_builtin_task(name) or name in self.task_functions:
            return False
        root, dot, _ = name.partition(".")
        outside = bool(self.project_packages) and root not in self.project_packages
        # `kitusne.tasks.x` in project `kitsune` is a typo, not somebody's library;
        # `files.tasks.cleanup` when the project registers `apps.files.tasks.cleanup` is a
        # path left behind by a move.
        misspelt = bool(difflib.get_close_matches(root, self.project_packages, n=1, cutoff=0.8))
        moved = any(base_name(t) == base_name(name) for t in self.registered)
        return not (self.static and dot and outside and not misspelt and not moved)

    @cached_property
    def documented_schedules(self) -> tuple[Schedule, ...]:
        return consolidate_schedules(self.documented.schedules)

    @cached_property
    def actual_schedules(self) -> tuple[Schedule, ...]:
        """The entries beat runs (a disabled database entry is not one of them)."""
        return consolidate_schedules([s for s in self.actual.schedules if s.enabled])

    @cached_property
    def documented_profiles(self) -> dict[str, Worker | Service]:
        """Documented worker profiles by name: a workers table's rows, then documented
        worker services (the first of a name wins)."""
        profiles: dict[str, Worker | Service] = {}
        for worker in self.documented.workers:
            if worker.kind == "profile":
                profiles.setdefault(worker.name, worker)
        for service in self.documented.services:
            if service.role == "worker":
                profiles.setdefault(service.name, service)
        return profiles

    @cached_property
    def disabled_schedules(self) -> dict[str, Schedule]:
        """Entries a beat database keeps switched off, by name."""
        return {s.name: s for s in self.actual.schedules if not s.enabled}

    @cached_property
    def documented_entries_by_base(self) -> dict[str, frozenset[str]]:
        """Documented beat entries by the base name of the task they run."""
        return _entries_by(self.documented_schedules, base_name)

    @cached_property
    def actual_entries_by_task(self) -> dict[str, frozenset[str]]:
        """Beat entries of the code by the task they run."""
        return _entries_by(self.actual_schedules, lambda task: task)

    @cached_property
    def documented_default_queue(self) -> str | None:
        value = self.documented.setting("task_default_queue")
        return value if isinstance(value, str) else None

    @cached_property
    def actual_default_queue(self) -> str:
        value = self.actual.setting("task_default_queue", "celery")
        return value if isinstance(value, str) else "celery"

    def consumed_by(self, selected: Sequence[str], excluded: Sequence[str] = ()) -> frozenset[str]:
        """What a worker started with ``-Q selected`` (or none) and ``-X excluded``
        consumes in this app."""
        declared = [q.name for q in self.actual.queues]
        return consumed_queues(selected, declared, self.actual_default_queue, excluded)

    def consumes(self, process: Worker | Service) -> frozenset[str]:
        """What a deployed worker or a documented profile consumes."""
        return self.consumed_by(process.queues, getattr(process, "exclude_queues", ()))

    def documented_queue(self, task: Task) -> str | None:
        """The queue the docs send a task to, or None when they don't say."""
        if task.queue:
            return task.queue
        routes = self.documented.routes
        if not routes:
            return None
        for name in {task.name, base_name(task.name)}:
            # Only an explicit route counts: the docs' silence is not "the default queue".
            queue = resolve_queue(name, routes, default_queue="")
            if queue:
                return queue
        return None

    def actual_queue(self, task: Task) -> str | None:
        return task.queue

    def resolve_actual_name(self, written: str) -> str | None:
        """The registered name a name written in code or docs refers to, if unambiguous."""
        if written in self.registered:
            return written
        candidates = [n for n in self.registered if base_name(n) == base_name(written)]
        if len(candidates) == 1:
            return candidates[0]
        by_function = [
            t.name
            for t in self.actual_tasks
            if t.function and base_name(t.function) == base_name(written)
        ]
        return by_function[0] if len(by_function) == 1 else None

    @cached_property
    def task_matching(self) -> TaskMatching:
        return match_tasks(self)


def match_tasks(ctx: Context) -> TaskMatching:
    pairs: list[TaskPair] = []
    remaining_actual = {t.name: t for t in ctx.actual_tasks}
    unmatched: list[Task] = []
    ambiguous: dict[str, tuple[str, ...]] = {}

    # 1. Exact registered names, then 2. the same base name when it is unambiguous.
    for doc in ctx.documented_tasks:
        if doc.name in remaining_actual:
            pairs.append(TaskPair(doc, remaining_actual.pop(doc.name), "exact"))
    paired = {id(p.documented) for p in pairs}
    by_base: dict[str, list[str]] = {}
    for name in remaining_actual:
        by_base.setdefault(base_name(name), []).append(name)
    for doc in ctx.documented_tasks:
        if id(doc) in paired:
            continue
        same_base = [
            remaining_actual[n]
            for n in by_base.get(base_name(doc.name), ())
            if n in remaining_actual
        ]
        if len(same_base) == 1:
            pairs.append(TaskPair(doc, remaining_actual.pop(same_base[0].name), "base"))
        else:
            if len(same_base) > 1:
                ambiguous[doc.name] = tuple(sorted(t.name for t in same_base))
            unmatched.append(doc)

    # 3. Renames: a similar name backed by the task's role.
    scored: list[tuple[float, Task, Task, tuple[str, ...]]] = []
    candidates = _ClueIndex(ctx, list(remaining_actual.values()))
    for doc in unmatched:
        if doc.name in ambiguous:
            continue
        for act in candidates.for_doc(ctx, doc):
            clues = rename_clues(ctx, doc, act)
            if not clues:
                continue
            score = name_similarity(doc.name, act.name) + sum(_CLUE_WEIGHTS[c] for c in clues)
            if score >= _RENAME_THRESHOLD:
                scored.append((score, doc, act, clues))
    scored.sort(key=lambda row: -row[0])
    taken_doc: set[str] = set()
    for _score, doc, act, clues in scored:
        if doc.name in taken_doc or act.name not in remaining_actual:
            continue
        taken_doc.add(doc.name)
        remaining_actual.pop(act.name)
        pairs.append(TaskPair(doc, act, "renamed", clues))
    # 4. A name that differs by about one word, with nothing else to go on: a rename only
    # when each is the other's single closest name (mutual best), never a near miss.
    left = [d for d in unmatched if d.name not in taken_doc and d.name not in ambiguous]
    for doc, act in _near_identical(left, list(remaining_actual.values())):
        taken_doc.add(doc.name)
        remaining_actual.pop(act.name)
        pairs.append(TaskPair(doc, act, "renamed", ("nearly the same name",)))
    still_unmatched = tuple(d for d in unmatched if d.name not in taken_doc)
    return TaskMatching(tuple(pairs), still_unmatched, tuple(remaining_actual.values()), ambiguous)


class _ClueIndex:
    """The registered tasks that could share a role with a documented one (the same
    queue, parameters, a beat entry, a canvas flow): only those are scored as renames. A
    pair outside them has no clue, so scoring every pair (20,000 tasks: 320,000 pairs)
    gave the same answer at the square of the cost."""

    def __init__(self, ctx: Context, actual: list[Task]) -> None:
        self.order = {t.name: i for i, t in enumerate(actual)}
        self.by_queue: dict[str, list[Task]] = {}
        self.by_params: dict[tuple[str, ...], list[Task]] = {}
        in_flows = {base_name(n) for f in ctx.actual.canvas for n in (*f.header, f.callback) if n}
        self.always = [
            t
            for t in actual
            if t.name in ctx.actual_entries_by_task
            or base_name(t.name) in in_flows
            or (t.function and base_name(t.function) in in_flows)
        ]
        for task in actual:
            if task.queue:
                self.by_queue.setdefault(task.queue, []).append(task)
            if task.params:
                self.by_params.setdefault(tuple(task.params), []).append(task)

    def for_doc(self, ctx: Context, doc: Task) -> list[Task]:
        queue = ctx.documented_queue(doc)
        found = {t.name: t for t in self.always}
        for task in self.by_queue.get(queue, []) if queue else []:
            found[task.name] = task
        for task in self.by_params.get(tuple(doc.params), []) if doc.params else []:
            found[task.name] = task
        # In the registered order, so ties are broken as before.
        return sorted(found.values(), key=lambda t: self.order[t.name])


_NEAR_RATIO = 0.85
_NEAR_WORDS = 0.6


def _near(a: str, b: str) -> float:
    """How nearly identical two base names are (0 when not nearly identical)."""
    x, y = base_name(a).lower(), base_name(b).lower()
    words_x, words_y = _word_set(x), _word_set(y)
    if not words_x or not words_y:
        return 0.0
    # The cheap tests first: most pairs share too few words, or differ too much in
    # length for difflib's ratio to reach the bar (its upper bounds are cheap).
    if len(words_x & words_y) / len(words_x | words_y) < _NEAR_WORDS:
        return 0.0
    matcher = difflib.SequenceMatcher(None, x, y)
    if matcher.real_quick_ratio() < _NEAR_RATIO or matcher.quick_ratio() < _NEAR_RATIO:
        return 0.0
    ratio = matcher.ratio()
    return ratio if ratio >= _NEAR_RATIO else 0.0


@functools.lru_cache(maxsize=65536)
def _word_set(name: str) -> frozenset[str]:
    return frozenset(_words(name))


def _near_identical(docs: list[Task], actual: list[Task]) -> list[tuple[Task, Task]]:
    best_for_doc = {}
    for doc in docs:
        scored = sorted(((_near(doc.name, act.name), act.name) for act in actual), reverse=True)
        if scored and scored[0][0] > 0 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
            best_for_doc[doc.name] = scored[0][1]
    pairs = []
    by_name = {t.name: t for t in actual}
    for doc in docs:
        target = best_for_doc.get(doc.name)
        if target is None:
            continue
        rivals = sorted(((_near(d.name, target), d.name) for d in docs), reverse=True)
        if rivals[0][1] == doc.name and (len(rivals) == 1 or rivals[1][0] < rivals[0][0]):
            pairs.append((doc, by_name[target]))
    return pairs


def rename_clues(ctx: Context, doc: Task, act: Task) -> tuple[str, ...]:
    """The roles a documented and a registered task share."""
    clues: list[str] = []
    doc_queue = ctx.documented_queue(doc)
    if doc_queue and doc_queue == act.queue:
        clues.append("same queue")
    if _same_canvas_role(ctx, doc, act):
        clues.append("same place in a canvas flow")
    if _same_beat_entry(ctx, doc, act):
        clues.append("same beat entry")
    if doc.params and doc.params == act.params:
        clues.append("same parameters")
    return tuple(clues)


def _canvas_roles(flows: Iterable[CanvasFlow], name: str) -> set[tuple[str, str]]:
    """(role, context base name) for each flow that uses the task ``name``."""
    roles: set[tuple[str, str]] = set()
    base = base_name(name)
    for flow in flows:
        context = base_name(flow.context or "")
        if any(base_name(h) == base for h in flow.header):
            roles.add(("header", context))
        if flow.callback and base_name(flow.callback) == base:
            roles.add(("callback", context))
    return roles


def _same_canvas_role(ctx: Context, doc: Task, act: Task) -> bool:
    doc_roles = _canvas_roles(ctx.documented.canvas, doc.name)
    if doc.function:
        doc_roles |= _canvas_roles(ctx.documented.canvas, doc.function)
    act_roles = _canvas_roles(ctx.actual.canvas, act.name)
    if act.function:
        act_roles |= _canvas_roles(ctx.actual.canvas, act.function)
    if not doc_roles or not act_roles:
        return False
    # The flow's context is itself a task that may be renamed or qualified: compare the
    # role, and the context when both sides' contexts are the same task.
    doc_contexts = {(role, _resolved_context(ctx, c)) for role, c in doc_roles}
    return bool(doc_contexts & {(role, _resolved_context(ctx, c)) for role, c in act_roles}) or {
        r for r, _ in doc_roles
    } == {r for r, _ in act_roles} == {"header"}


def _resolved_context(ctx: Context, context: str) -> str:
    resolved = ctx.resolve_actual_name(context) if context else None
    return base_name(resolved or context)


def _entries_by(
    schedules: Iterable[Schedule], key: Callable[[str], str]
) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for entry in schedules:
        if entry.task:
            found.setdefault(key(entry.task), set()).add(entry.name)
    return {k: frozenset(v) for k, v in found.items()}


def _same_beat_entry(ctx: Context, doc: Task, act: Task) -> bool:
    doc_entries = ctx.documented_entries_by_base.get(base_name(doc.name), frozenset())
    return bool(doc_entries & ctx.actual_entries_by_task.get(act.name, frozenset()))
