"""App configuration: settings, routes, queues and beat entries.

Read from ``Celery("main", broker=..., **settings)``, ``<app>.conf.update(...)``,
``<app>.conf.k = v``, ``<app>.conf["k"] = v``, ``<app>.conf.beat_schedule["k"] = {...}``,
``<app>.add_periodic_task(...)``, any kombu ``Queue(...)`` call and, in real modules
that look like configuration modules, module-level assignments of setting names.

``task_routes``, ``task_queues`` and ``beat_schedule`` become Route, Queue and Schedule
items (not Settings). A value only known at run time gives a dynamic Setting or Route,
or a Schedule without timing, and a ``not-judged`` notice.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from conformance.celery_naming import routes_from_value, setting_name
from conformance.model import Dispatch, Location, Queue, Route, Schedule, Setting, Timing
from conformance.pysource.canvas import signature_task
from conformance.pysource.context import ModuleContext
from conformance.pysource.values import (
    QueueValue,
    SourcedDict,
    Unknown,
    dotted,
    first_unknown,
    plain,
    source_text,
)
from conformance.schedules import interval_timing

_CONSTRUCTOR_SETTINGS = {"broker": "broker_url", "backend": "result_backend"}
_CONFIG_HINTS = ("config", "settings", "conf")
_GUESS_THRESHOLD = 3


@dataclass
class ConfigItems:
    settings: list[Setting] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    queues: list[Queue] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    # Beat entries that name their queue in `options`: used queues, like apply_async's.
    dispatches: list[Dispatch] = field(default_factory=list)


def find_config(
    ctx: ModuleContext, *, config_module: bool | None = None, namespace: str | None = None
) -> ConfigItems:
    """Everything the module configures. ``config_module`` forces (or, ``False``, stops)
    reading module-level assignments as settings; ``None`` guesses (see
    :func:`looks_like_config`). ``namespace`` is the ``config_from_object`` namespace
    (``"CELERY"`` for Django)."""
    items = ConfigItems()
    reader = _Reader(ctx, items)
    for node, _ in ctx.nodes_of(ast.Call, ast.Assign, ast.AnnAssign):
        if isinstance(node, ast.Call):
            reader.call(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                reader.assignment(target, node.value)
    if not ctx.is_snippet:
        if config_module is None:
            config_module = looks_like_config(ctx, namespace)
        if config_module:
            reader.module_settings(namespace)
    elif config_module is not False:
        _snippet_settings(ctx, reader)
    return items


def _snippet_settings(ctx: ModuleContext, reader: _Reader) -> None:
    """A doc snippet that assigns settings by name (``beat_schedule = {...}``,
    ``CELERY_TASK_ROUTES = {...}``, a ``celeryconfig.py`` listing) or in a class named
    like a configuration (``class CeleryConfig:``) documents the app's settings. Only
    names that can be nothing else count: one with an underscore (``timezone = "UTC"``
    alone could be any variable)."""
    assigned = _module_assignments(ctx)
    django = any(name.startswith("CELERY_") and setting_name(name, "CELERY") for name in assigned)
    namespace = "CELERY" if django else None
    if any("_" in name and setting_name(name, namespace) for name in assigned):
        reader.module_settings(namespace)
    for stmt in ctx.tree.body:
        if isinstance(stmt, ast.ClassDef) and _CONFIG_CLASS.search(stmt.name):
            for name, assignment in _assigned_names(stmt.body):
                normalized = setting_name(name) or setting_name(name, "CELERY")
                value = (
                    assignment.value if isinstance(assignment, ast.Assign | ast.AnnAssign) else None
                )
                if normalized is not None and value is not None:
                    reader.store(normalized, ctx.evaluator.value(value), assignment)


_CONFIG_CLASS = re.compile(r"(?:Celery|Config|Settings|Conf)")


def django_settings_hooks(ctx: ModuleContext, namespace: str | None) -> ConfigItems:
    """Settings a module changes on Django's settings object, as plugins do at start-up:
    ``settings.CELERY_BEAT_SCHEDULE["sync"] = {...}``, ``settings.CELERY_X = 5``,
    ``settings.CELERY_TASK_ROUTES.update({...})`` (``settings`` from ``django.conf``)."""
    items = ConfigItems()
    aliases = {name for name, origin in ctx.imports.items() if origin == "django.conf.settings"}
    if not aliases:
        return items
    reader = _Reader(ctx, items)

    def setting_of(node: ast.expr) -> str | None:
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            return setting_name(node.attr, namespace) or setting_name(node.attr)
        return None

    for node, _ in ctx.nodes_of(ast.Assign, ast.Call):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and (name := setting_of(target.value)):
                    key = ctx.evaluator.value(target.slice)
                    if isinstance(key, str):
                        reader.store(name, {key: ctx.evaluator.value(node.value)}, node)
                elif name := setting_of(target):
                    reader.store(name, ctx.evaluator.value(node.value), node)
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
            and (name := setting_of(node.func.value))
            and len(node.args) == 1
        ):
            reader.store(name, ctx.evaluator.value(node.args[0]), node)
    return items


def class_config(ctx: ModuleContext, class_name: str, namespace: str | None = None) -> ConfigItems:
    """The settings of a configuration class (``app.config_from_object(Config)``):
    its class attributes named like Celery settings, base classes of the same module
    first."""
    items = ConfigItems()
    reader = _Reader(ctx, items)
    classes = {stmt.name: stmt for stmt in ctx.tree.body if isinstance(stmt, ast.ClassDef)}
    order: list[ast.ClassDef] = []

    def visit(name: str) -> None:
        node = classes.get(name)
        if node is None or node in order:
            return
        for base in node.bases:
            if isinstance(base, ast.Name):
                visit(base.id)
        order.append(node)

    visit(class_name)
    for node in order:
        for name, stmt in _assigned_names(node.body):
            normalized = setting_name(name, namespace)
            if normalized is not None:
                value = ctx.names.get(f"{node.name}.{name}")
                reader.store(normalized, value, stmt)
    return items


def looks_like_config(ctx: ModuleContext, namespace: str | None = None) -> bool:
    """At least three module-level setting names, or one in a module named like a
    configuration module (``celeryconfig``, ``settings``, ``celery_conf``)."""
    found = sum(1 for name in _module_assignments(ctx) if setting_name(name, namespace))
    leaf = (ctx.module or "").rpartition(".")[2].lower()
    return found >= _GUESS_THRESHOLD or (found >= 1 and any(h in leaf for h in _CONFIG_HINTS))


def _module_assignments(ctx: ModuleContext) -> dict[str, ast.stmt]:
    return dict(_assigned_names(ctx.tree.body))


def _assigned_names(body: list[ast.stmt]) -> Iterator[tuple[str, ast.stmt]]:
    """``(name, statement)`` of each plain ``name = ...`` / ``name: T = ...`` in ``body``."""
    for stmt in body:
        targets: list[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets = [stmt.target]
        for target in targets:
            if isinstance(target, ast.Name):
                yield target.id, stmt


def _conf_owner(node: ast.expr) -> bool:
    """``<app>.conf``."""
    return isinstance(node, ast.Attribute) and node.attr == "conf"


class _Reader:
    def __init__(self, ctx: ModuleContext, items: ConfigItems) -> None:
        self.ctx = ctx
        self.items = items
        self.seen_queues: set[tuple[str, int]] = set()

    # --- where settings come from ---------------------------------------------------

    def call(self, node: ast.Call) -> None:
        func = node.func
        if self._is_celery(func):
            for keyword in node.keywords:
                if keyword.arg is None:
                    self._spread(keyword.value, node)
                else:
                    raw = _CONSTRUCTOR_SETTINGS.get(keyword.arg, keyword.arg)
                    self.setting(raw, keyword.value, keyword)  # the keyword's own line
        elif isinstance(func, ast.Attribute) and func.attr == "update" and _conf_owner(func.value):
            for arg in node.args:
                self._spread(arg, node)
            for keyword in node.keywords:
                if keyword.arg is None:
                    self._spread(keyword.value, node)
                else:
                    self.setting(keyword.arg, keyword.value, keyword)
        elif (
            isinstance(func, ast.Attribute)
            and func.attr == "update"
            and self._conf_beat(func.value)
        ):
            for arg in node.args:
                self.schedules(self.ctx.evaluator.value(arg), node)
        elif isinstance(func, ast.Attribute) and func.attr == "add_periodic_task":
            self.periodic_task(node)
        elif self._is_kombu_queue(func):
            self.queue_call(node)

    def assignment(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Attribute) and _conf_owner(target.value):
            self.setting(target.attr, value, target)
        elif isinstance(target, ast.Subscript) and _conf_owner(target.value):
            key = self.ctx.evaluator.value(target.slice)
            if isinstance(key, str):
                self.setting(key, value, target)
        elif isinstance(target, ast.Subscript) and self._conf_beat(target.value):
            key = self.ctx.evaluator.value(target.slice)
            if isinstance(key, str):
                entry = SourcedDict()
                entry.put(key, self.ctx.evaluator.value(value), target.lineno)
                self.schedules(entry, target)

    def module_settings(self, namespace: str | None) -> None:
        assigned = _module_assignments(self.ctx)
        # Settings from `from .base import *` first, located at that import; the
        # module's own assignments override them.
        for name, star in self.ctx.star_imported.items():
            normalized = setting_name(name, namespace)
            if normalized is not None and name not in assigned:
                self.store(normalized, self.ctx.names.get(name), star)
        for name, stmt in assigned.items():
            normalized = setting_name(name, namespace)
            if normalized is not None:
                # The constant table holds the final value (after later mutations).
                self.store(normalized, self.ctx.names.get(name), stmt)

    def _spread(self, node: ast.expr, at: ast.AST) -> None:
        value = self.ctx.evaluator.value(node)
        if not isinstance(value, dict):
            reason = value.reason if isinstance(value, Unknown) else "not a mapping"
            self.ctx.notice("not-judged", f"settings `{source_text(node)}`: {reason}", at)
            return
        for key, item in value.items():
            line = value.lines.get(key, 0) if isinstance(value, SourcedDict) else 0
            if isinstance(key, str):
                name = setting_name(key)
                if name is not None:
                    self.store(name, item, line or at)

    def setting(self, raw: str, node: ast.expr, at: ast.AST) -> None:
        name = setting_name(raw)
        if name is not None:
            self.store(name, self.ctx.evaluator.value(node), at)

    # --- what a setting becomes -----------------------------------------------------

    def store(self, name: str, value: Any, at: ast.AST | int) -> None:
        if name == "task_routes":
            self.routes(value, at)
        elif name == "task_queues":
            self.task_queues(value, at)
        elif name == "beat_schedule":
            self.schedules(value, at)
        else:
            unknown = first_unknown(value)
            if unknown is not None:
                self.ctx.notice("not-judged", f"setting `{name}`: {unknown.reason}", at)
            self.items.settings.append(
                Setting(
                    name=name,
                    value=None if unknown else plain(value),
                    dynamic=unknown is not None,
                    source=self.ctx.loc(at),
                    origin=self.ctx.origin,
                )
            )

    def routes(self, value: Any, at: ast.AST | int) -> None:
        unknown = first_unknown(value)
        if unknown is not None:
            self.ctx.notice("not-judged", f"task_routes: {unknown.reason}", at)
        lines: dict[Any, int] = {}
        for part in value if isinstance(value, list) else [value]:
            if isinstance(part, SourcedDict):
                lines.update(part.lines)

        def line_of(key: object) -> Location | None:
            line = lines.get(key) if _hashable(key) else None
            return self.ctx.loc(line) if line else None

        # Unknown parts reach the route reader as objects without a queue name, which it
        # reports as dynamic routes.
        self.items.routes += routes_from_value(
            value, self.ctx.loc(at), self.ctx.origin, line_of=line_of
        )

    def task_queues(self, value: Any, at: ast.AST | int) -> None:
        if isinstance(value, Unknown):
            self.ctx.notice("not-judged", f"task_queues: {value.reason}", at)
            return
        entries: Iterable[Any] = value.items() if isinstance(value, dict) else value
        if not isinstance(value, dict | list):
            return
        for entry in entries:
            if isinstance(value, dict):
                name, options = entry
                options = options if isinstance(options, dict) else {}
                line = value.lines.get(name) if isinstance(value, SourcedDict) else None
                self.queue(
                    str(name),
                    _text(options.get("exchange")),
                    _text(options.get("routing_key")),
                    line or at,
                )
            elif isinstance(entry, QueueValue):
                self.queue(entry.name, entry.exchange, entry.routing_key, entry.line)
            elif isinstance(entry, str):
                self.queue(entry, None, None, at)
            elif isinstance(entry, Unknown):
                self.ctx.notice("not-judged", f"task_queues: {entry.reason}", at)

    def queue_call(self, node: ast.Call) -> None:
        value = self.ctx.evaluator.value(node)
        if isinstance(value, QueueValue):
            self.queue(value.name, value.exchange, value.routing_key, node)

    def queue(
        self, name: str, exchange: str | None, routing_key: str | None, at: ast.AST | int
    ) -> None:
        line = self.ctx.line(at)
        if (name, line) in self.seen_queues:
            return
        self.seen_queues.add((name, line))
        self.items.queues.append(
            Queue(name, exchange, routing_key, self.ctx.loc(at), self.ctx.origin)
        )

    def schedules(self, value: Any, at: ast.AST | int) -> None:
        if not isinstance(value, dict):
            reason = value.reason if isinstance(value, Unknown) else "not a mapping"
            self.ctx.notice("not-judged", f"beat_schedule: {reason}", at)
            self.items.settings.append(
                Setting("beat_schedule", None, True, self.ctx.loc(at), self.ctx.origin)
            )
            return
        for name, entry in value.items():
            line = value.lines.get(name) if isinstance(value, SourcedDict) else None
            where = line or at
            if not isinstance(entry, dict):
                self.ctx.notice("not-judged", f"beat entry `{name}`: not a mapping", where)
                self.add_schedule(str(name), None, None, where)
                continue
            task = entry.get("task")
            if not isinstance(task, str):
                self.ctx.notice("not-judged", f"beat entry `{name}`: task not known", where)
                task = None
            self.add_schedule(
                str(name), task, self.timing(entry.get("schedule"), name, where), where
            )
            options = entry.get("options")
            if isinstance(options, dict) and "queue" in options:
                queue = options["queue"]
                known = queue if isinstance(queue, str) and queue else None
                self.items.dispatches.append(
                    Dispatch(known, task, known is None, self.ctx.loc(where), self.ctx.origin)
                )

    def timing(self, value: Any, name: Any, where: ast.AST | int) -> Timing | None:
        if isinstance(value, Timing):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                return interval_timing(value)
            except ValueError as exc:
                self.ctx.notice("not-judged", f"beat entry `{name}`: {exc}", where)
                return None
        reason = value.reason if isinstance(value, Unknown) else "no schedule"
        self.ctx.notice("not-judged", f"beat entry `{name}`: {reason}", where)
        return None

    def add_schedule(
        self, name: str, task: str | None, timing: Timing | None, at: ast.AST | int
    ) -> None:
        self.items.schedules.append(Schedule(name, task, timing, self.ctx.loc(at), self.ctx.origin))

    def periodic_task(self, node: ast.Call) -> None:
        schedule = _arg(node, 0, "schedule")
        sig = _arg(node, 1, "sig")
        if schedule is None or sig is None:
            return
        name_node = next((k.value for k in node.keywords if k.arg == "name"), None)
        name = self.ctx.evaluator.value(name_node) if name_node is not None else None
        task = self.periodic_task_name(sig)
        if not isinstance(name, str):
            # Celery keys an unnamed entry by the signature's repr, `task.name(args)`;
            # when the arguments are not literals, the source text stands in.
            name = self.signature_repr(task, sig) or source_text(sig)
        timing = self.timing(self.ctx.evaluator.value(schedule), name, node)
        self.add_schedule(name, task, timing, node)

    def signature_repr(self, task: str | None, sig: ast.expr) -> str | None:
        """``repr(task.s(*args, **kwargs))`` as Celery writes it: ``name('a', 1, k=2)``."""
        if not (
            task
            and isinstance(sig, ast.Call)
            and isinstance(sig.func, ast.Attribute)
            and sig.func.attr in ("s", "si")
        ):
            return None
        values = [self.ctx.evaluator.value(a) for a in sig.args]
        keywords = {k.arg: self.ctx.evaluator.value(k.value) for k in sig.keywords if k.arg}
        literal = (str, int, float, bool, type(None))
        if not all(isinstance(v, literal) for v in (*values, *keywords.values())):
            return None
        parts = [repr(v) for v in values] + [f"{k}={v!r}" for k, v in keywords.items()]
        return f"{task}({', '.join(parts)})"

    def periodic_task_name(self, sig: ast.expr) -> str | None:
        """The registered name behind ``task.s()`` (a task of this module) or
        ``app.signature(NAME)`` (a constant, possibly from another module)."""
        if (
            isinstance(sig, ast.Call)
            and isinstance(sig.func, ast.Attribute)
            and sig.func.attr in {"signature", "subtask"}
            and sig.args
        ):
            named = self.ctx.evaluator.value(sig.args[0])
            if isinstance(named, str):
                return named
        task = signature_task(sig)
        if task is not None and task in self.ctx.task_functions:
            return self.ctx.task_functions[task]
        # A task imported (often inside the handler): its default registered name.
        return self.ctx.resolve_text(task) if task is not None else None

    # --- recognizing the callee -----------------------------------------------------

    def _is_celery(self, func: ast.expr) -> bool:
        return self._is_class(func, "Celery", "celery")

    def _is_kombu_queue(self, func: ast.expr) -> bool:
        return self._is_class(func, "Queue", "kombu")

    def _is_class(self, func: ast.expr, name: str, package: str) -> bool:
        """``func`` names ``package``'s class ``name`` (or a same-named class a doc
        snippet uses without showing its import)."""
        resolved = self.ctx.resolve(func)
        if resolved is None or resolved.rpartition(".")[2] != name:
            return False
        root = (dotted(func) or "").partition(".")[0]
        return resolved.startswith(package) or root not in self.ctx.imports

    def _conf_beat(self, node: ast.expr) -> bool:
        """``<app>.conf.beat_schedule``."""
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "beat_schedule"
            and _conf_owner(node.value)
        )


def _hashable(key: object) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _arg(node: ast.Call, index: int, keyword: str) -> ast.expr | None:
    for given in node.keywords:
        if given.arg == keyword:
            return given.value
    return node.args[index] if index < len(node.args) else None
