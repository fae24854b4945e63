"""Celery's naming and routing rules, in one place.

The docs extractor, the static analyser and the rules all ask this module how Celery
names a task, which queue a task goes to, which setting an option inherits and what a
setting is called. The live probe asks Celery itself; the tests check that both agree.

Decisions worth knowing:

* A ``task_routes`` key is a glob only when it contains ``*`` (Celery's ``MapRoute``
  test); it then matches like ``fnmatch.translate`` (``*`` crosses dots, whole name).
  A ``re.compile`` key (:class:`RegexKey`) matches with ``re.match`` (start only).
* :func:`routes_from_value` lists each mapping's exact keys before its patterns, so the
  first match in order is Celery's answer. A route whose value names no queue (only
  ``exchange``/``routing_key``) has ``queue=None``: the queue is then not known by name.
* Routers that are code (functions, router classes, dotted strings naming one) become
  one ``Route("*", None, dynamic=True)``: their answer is only known at run time.
* Setting names and defaults come from Celery's ``celery.app.defaults``, kept as data in
  ``celery_settings.py`` (a test pins them to the installed Celery): Celery is never
  imported for them.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from conformance.celery_settings import DEFAULTS, OLD_NAMES, SECONDS
from conformance.model import Location, Origin, Route

__all__ = [
    "OPTION_DEFAULTS",
    "OPTION_SETTINGS",
    "TASK_OPTIONS",
    "RegexKey",
    "app_module_candidates",
    "base_name",
    "default_task_name",
    "effective_option",
    "is_setting",
    "matching_routes",
    "resolve_queue",
    "route_matches",
    "routes_from_value",
    "setting_default",
    "setting_name",
]

# --- task names --------------------------------------------------------------------------


# Every name `celery.signals` binds to a `Signal` (Celery 5.4–5.7), as data: reading them
# from `celery.signals` imported Celery, kombu and billiard into every static run (a third
# of its start-up). `tests/test_celery_naming.py` fails when the installed Celery differs.
SIGNAL_NAMES: frozenset[str] = frozenset(
    {
        "after_setup_logger",
        "after_setup_task_logger",
        "after_task_publish",
        "beat_embedded_init",
        "beat_init",
        "before_task_publish",
        "celeryd_after_setup",
        "celeryd_init",
        "eventlet_pool_apply",
        "eventlet_pool_postshutdown",
        "eventlet_pool_preshutdown",
        "eventlet_pool_started",
        "heartbeat_sent",
        "import_modules",
        "setup_logging",
        "task_failure",
        "task_internal_error",
        "task_postrun",
        "task_prerun",
        "task_received",
        "task_rejected",
        "task_retry",
        "task_revoked",
        "task_sent",
        "task_success",
        "task_unknown",
        "user_preload_options",
        "worker_before_create_process",
        "worker_init",
        "worker_process_init",
        "worker_process_shutdown",
        "worker_ready",
        "worker_shutdown",
        "worker_shutting_down",
    }
)


def default_task_name(module: str, function: str, main: str | None = None) -> str:
    """The name Celery registers ``@app.task`` on ``module.function`` under.

    As ``celery.utils.imports.gen_task_name``: ``module.function``; a task defined in
    ``__main__`` takes the app's ``main`` name instead when the app has one.
    """
    if module == "__main__" and main:
        module = main
    return ".".join(part for part in (module, function) if part)


def base_name(name: str) -> str:
    """The last dotted part of a task name (``app.tasks.send`` → ``send``)."""
    return name.rpartition(".")[2]


def is_builtin_task(name: str) -> bool:
    """Celery's own tasks (``celery.backend_cleanup``, ``celery.chord_unlock``...): every
    app has them, the live probe leaves them out, and no rule asks the project for them."""
    return name.startswith("celery.")


# --- task options ------------------------------------------------------------------------

TASK_OPTIONS: tuple[str, ...] = (
    "time_limit",
    "soft_time_limit",
    "max_retries",
    "default_retry_delay",
    "retry_backoff",
    "retry_backoff_max",
    "retry_jitter",
    "autoretry_for",
    "rate_limit",
    "acks_late",
    "ignore_result",
    "track_started",
    "priority",
)
"""The per-task options the rules compare (``priority`` too: docs state it and it is
inherited from ``task_default_priority`` like the others)."""

OPTION_SETTINGS: dict[str, str] = {
    "time_limit": "task_time_limit",
    "soft_time_limit": "task_soft_time_limit",
    "acks_late": "task_acks_late",
    "rate_limit": "task_default_rate_limit",
    "ignore_result": "task_ignore_result",
    "track_started": "task_track_started",
    "priority": "task_default_priority",
}
"""Option → the app setting ``Task.bind`` copies it from when the task leaves it ``None``
(``Task.from_config``)."""

OPTION_DEFAULTS: dict[str, object] = {
    # Task class attributes.
    "max_retries": 3,
    "default_retry_delay": 180,
    # celery/app/autoretry.py: getattr(task, ..., default).
    "autoretry_for": (),
    "retry_backoff": False,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    # The defaults of the settings in OPTION_SETTINGS.
    "time_limit": None,
    "soft_time_limit": None,
    "acks_late": False,
    "rate_limit": None,
    "ignore_result": False,
    "track_started": False,
    "priority": None,
}
"""Celery's value for each option when neither the task nor the app sets it."""


def effective_option(
    name: str, explicit: Mapping[str, object], settings: Mapping[str, object]
) -> object:
    """The value an option has at run time: explicit > app setting > Celery default.

    ``settings`` holds app settings under their new names (``task_time_limit``). As in
    ``Task.bind``, an explicit ``None`` for an option that inherits from a setting means
    "use the setting" (``max_retries=None`` stays ``None``: retry for ever).
    """
    setting = OPTION_SETTINGS.get(name)
    if name in explicit and (explicit[name] is not None or setting is None):
        return explicit[name]
    if setting is not None and setting in settings:
        return settings[setting]
    return OPTION_DEFAULTS.get(name)


# --- routes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegexKey:
    """A ``task_routes`` key written as ``re.compile(pattern)`` (flags are not kept)."""

    pattern: str


def routes_from_value(
    value: object,
    source: Location | None,
    origin: Origin,
    *,
    line_of: Callable[[object], Location | None] | None = None,
) -> list[Route]:
    """The routes of a ``task_routes`` value already turned into plain Python data.

    ``value`` is a dict (key → queue name, or → dict with ``"queue"``), a list/tuple of
    such dicts (or of lists of ``(key, value)`` pairs), or something that is code. Each
    route's source is ``line_of(key)`` when given and known, else ``source``.
    """
    if value is None:
        return []
    if isinstance(value, Mapping):
        return _map_routes(list(value.items()), source, origin, line_of)
    if isinstance(value, list | tuple):
        routes: list[Route] = []
        for router in value:
            if isinstance(router, Mapping):
                routes += _map_routes(list(router.items()), source, origin, line_of)
            elif isinstance(router, list | tuple) and all(_is_pair(p) for p in router):
                routes += _map_routes([tuple(p) for p in router], source, origin, line_of)
            else:
                routes.append(_dynamic(router, source, origin, line_of))
        return routes
    return [_dynamic(value, source, origin, line_of)]


def _is_pair(item: object) -> bool:
    return isinstance(item, list | tuple) and len(item) == 2


def _map_routes(
    pairs: list[Any],
    source: Location | None,
    origin: Origin,
    line_of: Callable[[object], Location | None] | None,
) -> list[Route]:
    exact: list[Route] = []
    patterns: list[Route] = []
    for key, target in pairs:
        where = (line_of(key) if line_of else None) or source
        kind: Literal["exact", "glob", "regex"]
        if isinstance(key, RegexKey):
            task, kind = key.pattern, "regex"
        elif isinstance(key, str):
            task, kind = key, ("glob" if "*" in key else "exact")
        else:
            patterns.append(Route("*", None, dynamic=True, source=where, origin=origin))
            continue
        found, known = _queue_of(target)
        route = Route(task, found, pattern=kind, dynamic=not known, source=where, origin=origin)
        (exact if kind == "exact" else patterns).append(route)
    return exact + patterns


def _queue_of(target: object) -> tuple[str | None, bool]:
    """(queue, known) of a route's value: a name, a dict with ``queue``, or code."""
    if isinstance(target, str):
        return target, True
    if isinstance(target, Mapping):
        queue = target.get("queue")
        if queue is None:
            return None, True
        name = _name_of(queue)
        return name, name is not None
    name = _name_of(target)
    return name, name is not None


def _name_of(queue: object) -> str | None:
    # A kombu.Queue(...) read statically arrives as an object with a ``name``.
    if isinstance(queue, str):
        return queue
    name = getattr(queue, "name", None)
    return name if isinstance(name, str) else None


def _dynamic(
    router: object,
    source: Location | None,
    origin: Origin,
    line_of: Callable[[object], Location | None] | None,
) -> Route:
    where = (line_of(router) if line_of else None) or source
    return Route("*", None, dynamic=True, source=where, origin=origin)


def route_matches(route: Route, task_name: str) -> bool:
    """Whether Celery would consult this route's answer for ``task_name``.

    A dynamic route answers for every task (what it answers is unknown).
    """
    if route.dynamic and route.task == "*":
        return True
    if route.pattern == "exact":
        return route.task == task_name
    compiled = _compiled(route.pattern, route.task)
    return compiled is not None and compiled.match(task_name) is not None


@functools.lru_cache(maxsize=1024)
def _compiled(kind: str, text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(fnmatch.translate(text) if kind == "glob" else text)
    except re.error:
        return None


def matching_routes(task_name: str, routes: Sequence[Route]) -> list[Route]:
    """Every route that matches ``task_name``, in the order given."""
    return [route for route in routes if route_matches(route, task_name)]


def resolve_queue(
    task_name: str,
    routes: Sequence[Route],
    *,
    task_queue: str | None = None,
    default_queue: str = "celery",
) -> str | None:
    """The queue Celery sends ``task_name`` to, or ``None`` when only run time knows.

    Precedence as ``send_task``: the task's own ``queue`` > ``task_routes`` > the
    default queue. Routes are read in order, exact names before patterns up to the next
    dynamic route; reaching a dynamic route before a match gives ``None``, as does a
    matching route that names no queue.
    """
    if task_queue:
        return task_queue
    for exact, patterns, dynamic in _route_index(routes):
        queue = exact.get(task_name, _NO_ROUTE)
        if queue is not _NO_ROUTE:
            return queue  # type: ignore[return-value]
        for route in patterns:
            if route_matches(route, task_name):
                return route.queue
        if dynamic is not None and route_matches(dynamic, task_name):
            return None
    return default_queue


_NO_ROUTE = object()

_Segment = tuple[dict[str, "str | None"], tuple[Route, ...], Route | None]


# Indexes by the identity of the route list they index: hashing a list of routes on every
# lookup cost more than the lookups (a spec's tuples live as long as the run).
_INDEXES: dict[int, tuple[Sequence[Route], tuple[_Segment, ...]]] = {}


def _route_index(routes: Sequence[Route]) -> tuple[_Segment, ...]:
    if not isinstance(routes, tuple):  # a list may change between calls: no cache
        return _build_route_index(routes)
    known = _INDEXES.get(id(routes))
    if known is not None and known[0] is routes:
        return known[1]
    if len(_INDEXES) > 32:
        _INDEXES.clear()
    index = _build_route_index(routes)
    _INDEXES[id(routes)] = (routes, index)
    return index


def _build_route_index(routes: Sequence[Route]) -> tuple[_Segment, ...]:
    """``routes`` cut at each dynamic route into segments, each with its exact names in a
    dict (the first route for a name wins, as in Celery's ``MapRoute``) and its patterns
    in order: a task is looked up once per segment, not compared with every route (a
    project with 20,000 tasks and 400 routes made 8 million comparisons)."""
    segments: list[_Segment] = []
    exact: dict[str, str | None] = {}
    patterns: list[Route] = []
    for route in [*routes, None]:
        if route is not None and not route.dynamic:
            if route.pattern == "exact":
                exact.setdefault(route.task, route.queue)
            else:
                patterns.append(route)
            continue
        segments.append((exact, tuple(patterns), route))
        exact, patterns = {}, []
    return tuple(segments)


# --- settings ----------------------------------------------------------------------------


def _celery_tables() -> tuple[Mapping[str, object], Mapping[str, str]]:
    # Data of our own (celery_settings.py), pinned to the installed Celery by a test.
    return DEFAULTS, OLD_NAMES


def setting_name(name: str, namespace: str | None = None) -> str | None:
    """A setting key as Celery's new lower-case name, or ``None`` if Celery has no such
    setting.

    ``task_time_limit`` stays; with ``namespace="CELERY"`` (Django's
    ``config_from_object(..., namespace="CELERY")``) ``CELERY_TASK_TIME_LIMIT`` is
    ``task_time_limit``; old names map to new ones (``CELERYBEAT_SCHEDULE`` →
    ``beat_schedule``, ``BROKER_URL`` → ``broker_url``), as Celery reads them.
    """
    defaults, to_new = _celery_tables()
    if namespace:
        prefix = namespace.rstrip("_") + "_"
        # Celery looks the prefixed key up in the prefix's case only (match_case).
        cased = name.upper() if prefix.isupper() else name.lower()
        if name.startswith(prefix) and name == cased:
            candidate = name[len(prefix) :].lower()
            if candidate in defaults:
                return candidate
    if name in defaults:
        return name
    return to_new.get(name)


def is_setting(name: str) -> bool:
    """Whether ``name`` (new or old spelling) is a Celery setting."""
    return setting_name(name) is not None


def _seconds_settings() -> frozenset[str]:
    # Celery types every setting; its "float" ones are timeouts, limits and expiries.
    return SECONDS


def is_seconds_setting(name: str) -> bool:
    """Whether Celery reads the setting as a number of seconds (``task_time_limit``,
    ``result_expires``…), so a doc's ``1 hour`` means 3600."""
    new = setting_name(name)
    return new is not None and new in _seconds_settings()


def setting_default(name: str) -> object:
    """Celery's default for a setting, as JSON-like data (a ``timedelta`` in seconds).

    Raises :class:`KeyError` if ``name`` is not a Celery setting.
    """
    new = setting_name(name)
    if new is None:
        raise KeyError(name)
    return _plain(_celery_tables()[0][new])


def _plain(value: object) -> object:
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [_plain(v) for v in items]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


# --- finding the app ---------------------------------------------------------------------


def consumed_queues(
    selected: Sequence[str],
    declared: Sequence[str],
    default_queue: str,
    excluded: Sequence[str] = (),
) -> frozenset[str]:
    """The queues a worker consumes: its ``-Q`` selection, or without one every queue in
    ``task_queues`` (Celery's ``app.amqp.queues.consume_from`` is all of them until
    ``-Q`` selects), or only the default queue when the app declares none; less the
    ``-X`` exclusions (Celery's ``exclude_queues``)."""
    if selected:
        chosen = frozenset(selected)
    else:
        chosen = frozenset(declared) if declared else frozenset((default_queue,))
    return chosen - frozenset(excluded)


def app_module_candidates(app: str) -> list[tuple[str, str | None]]:
    """Where ``celery -A APP`` looks for the app, in order (``celery.app.utils.find_app``).

    Each candidate is ``(module, attribute)``: the app is that attribute when it exists
    and is not a module. ``attribute=None`` means "the first Celery instance among the
    module's globals". ``pkg.mod:attr`` → ``[("pkg.mod", "attr")]``. A bare ``pkg`` →
    ``pkg.app``, ``pkg.celery``, then (only when ``pkg`` is a package) the module
    ``pkg.celery`` searched the same way, then any instance in ``pkg``. A dotted
    ``pkg.mod`` first tries attribute ``mod`` of ``pkg``.
    """
    module, colon, attr = app.partition(":")
    if colon:
        return [(module, attr or None)]
    candidates: list[tuple[str, str | None]] = []
    parent, dot, last = app.rpartition(".")
    if dot:
        candidates.append((parent, last))
    submodule = f"{app}.celery"
    candidates += [
        (app, "app"),
        (app, "celery"),
        (submodule, "app"),
        (submodule, "celery"),
        (submodule, None),
        (app, None),
    ]
    return candidates
