"""conformance.celery_naming, pinned against real Celery apps built in each test."""

from __future__ import annotations

import ast
import inspect
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from celery.app import autoretry
from celery.app.defaults import DEFAULTS
from celery.app.task import Task as CeleryTask

from conformance.celery_naming import (
    OPTION_DEFAULTS,
    OPTION_SETTINGS,
    TASK_OPTIONS,
    RegexKey,
    app_module_candidates,
    base_name,
    default_task_name,
    effective_option,
    is_setting,
    matching_routes,
    resolve_queue,
    route_matches,
    routes_from_value,
    setting_default,
    setting_name,
)
from conformance.model import Location, Origin, Route


def make_app(**conf: Any) -> Celery:
    app = Celery("t", broker="memory://", set_as_current=False)
    app.conf.update(conf)
    return app


# --- task names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "function", "main"),
    [
        ("app.workers.tasks", "send_email", None),  # module.function
        ("tasks", "add", None),  # top-level module
        ("__main__", "add", "proj"),  # __main__ takes the app's main name
    ],
)
def test_default_task_name_is_celerys(module: str, function: str, main: str | None) -> None:
    app = Celery(main, broker="memory://", set_as_current=False)

    def run() -> None:
        return None

    run.__module__ = module
    run.__name__ = run.__qualname__ = function
    task = app.task(run, shared=False)
    assert default_task_name(module, function, main) == task.name


@pytest.mark.parametrize(
    ("name", "base"),
    [("app.tasks.send", "send"), ("send", "send"), ("a.b.c.d", "d")],
)  # dotted, bare, deep
def test_base_name(name: str, base: str) -> None:
    assert base_name(name) == base


# --- options -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task_options", "conf"),
    [
        ({}, {}),  # Celery's defaults everywhere
        ({}, {"task_time_limit": 300, "task_acks_late": True}),  # inherited from settings
        ({"time_limit": 60, "acks_late": False}, {"task_time_limit": 300, "task_acks_late": True}),
        ({"max_retries": 5, "default_retry_delay": 10}, {}),  # Task attributes
        ({"max_retries": None}, {}),  # None: retry for ever, not the default
        ({"rate_limit": "10/m", "priority": 3}, {"task_default_rate_limit": "1/s"}),
        ({}, {"task_default_rate_limit": "1/s", "task_default_priority": 5}),
        ({"ignore_result": True}, {"task_track_started": True}),
        ({"time_limit": None}, {"task_time_limit": 30}),  # an explicit None inherits
        ({"soft_time_limit": 20}, {"task_soft_time_limit": 10}),
    ],
)
@pytest.mark.filterwarnings("ignore::celery.exceptions.CDeprecationWarning")
def test_effective_option_matches_the_bound_task(
    task_options: dict[str, Any], conf: dict[str, Any]
) -> None:
    app = make_app(**conf)

    # shared=False: a shared task would also register itself on every later app.
    def job() -> None:
        return None

    app.task(name="t.job", shared=False, **task_options)(job)
    bound = app.tasks["t.job"]
    for name in TASK_OPTIONS:
        if hasattr(CeleryTask, name):
            assert effective_option(name, task_options, conf) == getattr(bound, name), name


@pytest.mark.parametrize(
    ("name", "explicit", "settings", "expected"),
    [
        ("retry_backoff", {}, {}, False),  # autoretry default
        ("retry_backoff", {"retry_backoff": True}, {}, True),  # explicit
        ("retry_backoff_max", {}, {}, 600),  # autoretry default
        ("retry_jitter", {}, {}, True),  # autoretry default
        ("autoretry_for", {}, {}, ()),  # autoretry default
    ],
)
def test_effective_option_of_autoretry_options(
    name: str, explicit: dict[str, Any], settings: dict[str, Any], expected: object
) -> None:
    assert effective_option(name, explicit, settings) == expected


def _autoretry_defaults() -> dict[str, object]:
    """``getattr(task, 'x', DEFAULT)`` calls in celery/app/autoretry.py, read with ast."""
    tree = ast.parse(inspect.getsource(autoretry))
    found: dict[str, object] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) == 3
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            try:
                found[node.args[1].value] = ast.literal_eval(node.args[2])
            except ValueError:
                continue  # a default that is not a literal (task.max_retries)
    return found


def test_option_defaults_are_celerys() -> None:
    from_autoretry = _autoretry_defaults()
    for name in ("autoretry_for", "retry_backoff", "retry_backoff_max", "retry_jitter"):
        assert OPTION_DEFAULTS[name] == from_autoretry[name], name
    assert OPTION_DEFAULTS["max_retries"] == CeleryTask.max_retries
    assert OPTION_DEFAULTS["default_retry_delay"] == CeleryTask.default_retry_delay
    for option, setting in OPTION_SETTINGS.items():
        assert OPTION_DEFAULTS[option] == DEFAULTS[setting], option
    assert set(OPTION_DEFAULTS) == set(TASK_OPTIONS)


def test_option_settings_are_celerys_from_config() -> None:
    assert set(OPTION_SETTINGS.items()) <= set(CeleryTask.from_config)


# --- routes ------------------------------------------------------------------------------

SRC = Location("app/celery_app.py", 10)


def _route(task: str, queue: str | None, pattern: str = "exact", dynamic: bool = False) -> Route:
    return Route(task, queue, pattern=pattern, dynamic=dynamic, source=SRC, origin=Origin.STATIC)  # type: ignore[arg-type]


def _router(name: str, *args: Any, **kwargs: Any) -> dict[str, str]:
    return {"queue": "from_function"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, []),  # no routes
        ({"a.x": "q1"}, [_route("a.x", "q1")]),  # a queue name
        ({"a.x": {"queue": "q1", "routing_key": "k"}}, [_route("a.x", "q1")]),  # a dict
        ({"a.*": "q2", "a.x": "q1"}, [_route("a.x", "q1"), _route("a.*", "q2", "glob")]),
        ({"a.?": "q"}, [_route("a.?", "q")]),  # only '*' makes a glob, as in Celery
        ({RegexKey(r"a\..*"): "q"}, [_route(r"a\..*", "q", "regex")]),  # re.compile key
        ({"a.x": {"exchange": "ex", "routing_key": "k"}}, [_route("a.x", None)]),  # no queue
        (
            [{"a.*": "q2"}, {"b.x": "q3"}],
            [_route("a.*", "q2", "glob"), _route("b.x", "q3")],
        ),  # a list of dicts
        ([[("a.x", "q1")]], [_route("a.x", "q1")]),  # a list of pair lists
        ("proj.routers.MyRouter", [_route("*", None, dynamic=True)]),  # a router class path
        (_router, [_route("*", None, dynamic=True)]),  # a function
        (
            [_router, {"a.x": "q1"}],
            [_route("*", None, dynamic=True), _route("a.x", "q1")],
        ),  # a function first
        ({"a.x": _router}, [_route("a.x", None, dynamic=True)]),  # code as a value
    ],
)
def test_routes_from_value(value: object, expected: list[Route]) -> None:
    assert routes_from_value(value, SRC, Origin.STATIC) == expected


def test_routes_from_value_asks_line_of_for_each_key() -> None:
    lines = {"a.x": Location("cfg.py", 3)}

    def line_of(key: object) -> Location | None:
        return lines.get(key) if isinstance(key, str) else None

    routes = routes_from_value({"a.x": "q", "b.y": "r"}, SRC, Origin.STATIC, line_of=line_of)
    assert [r.source for r in routes] == [Location("cfg.py", 3), SRC]


def _for_celery(value: object) -> object:
    """The same config with RegexKey keys as the re.compile keys Celery wants."""
    if isinstance(value, dict):
        return {
            (re.compile(k.pattern) if isinstance(k, RegexKey) else k): v for k, v in value.items()
        }
    if isinstance(value, list):
        return [_for_celery(v) for v in value]
    return value


def _celery_queue(app: Celery, name: str, task_queue: str | None) -> str | None:
    options = {"queue": task_queue} if task_queue else {}
    routed = app.amqp.router.route(dict(options), name, (), {}, None)
    queue = routed.get("queue")
    return None if queue is None else queue.name


ROUTES_DICT = {
    "proj.tasks.exact": "exact_q",
    "proj.tasks.*": "glob_q",
    "proj.*.report": "second_glob_q",
    RegexKey(r"proj\.(video|image)\."): "regex_q",
    "other.x": {"queue": "dict_q"},
    "other.y": {"exchange": "ex", "routing_key": "rk"},
}


@pytest.mark.parametrize(
    ("task_routes", "task_name", "task_queue"),
    [
        (ROUTES_DICT, "proj.tasks.exact", None),  # exact beats the glob listed before it
        (ROUTES_DICT, "proj.tasks.other", None),  # glob
        (ROUTES_DICT, "proj.tasks.sub.deep", None),  # '*' crosses dots
        (ROUTES_DICT, "proj.billing.report", None),  # the second glob
        (ROUTES_DICT, "proj.video.encode", None),  # regex
        (ROUTES_DICT, "xproj.video.encode", None),  # regex anchored at the start
        (ROUTES_DICT, "other.x", None),  # dict with a queue
        (ROUTES_DICT, "other.y", None),  # dict without a queue: no queue name
        (ROUTES_DICT, "unrouted", None),  # the default queue
        (ROUTES_DICT, "proj.tasks.exact", "mine"),  # the task's own queue wins
        ([{"a.*": "first"}, {"a.x": "second"}], "a.y", None),  # list: first router
        ([{"a.x": "first"}, {"a.*": "second"}], "a.x", None),  # list: exact in the first
        ([[("a.x", "pairs_q")]], "a.x", None),  # pairs
        (None, "anything", None),  # no routes at all
    ],
)
def test_resolve_queue_agrees_with_celerys_router(
    task_routes: object, task_name: str, task_queue: str | None
) -> None:
    app = make_app(task_routes=_for_celery(task_routes), task_default_queue="default_q")
    routes = routes_from_value(task_routes, None, Origin.LIVE)
    ours = resolve_queue(task_name, routes, task_queue=task_queue, default_queue="default_q")
    assert ours == _celery_queue(app, task_name, task_queue)


@pytest.mark.parametrize(
    ("task_routes", "task_name", "expected"),
    [
        ([_router], "a.x", None),  # a function decides: unknown
        ([{"a.x": "q"}, _router], "a.x", "q"),  # matched before the function is asked
        ([_router, {"a.x": "q"}], "a.x", None),  # the function is asked first
        ([{"a.x": "q"}, _router], "b.y", None),  # no match before the function
    ],
)
def test_resolve_queue_returns_none_when_a_router_function_decides(
    task_routes: list[object], task_name: str, expected: str | None
) -> None:
    routes = routes_from_value(task_routes, None, Origin.STATIC)
    assert resolve_queue(task_name, routes) == expected
    # Celery does ask the function in those cases (it answers "from_function").
    app = make_app(task_routes=task_routes)
    celery_answer = _celery_queue(app, task_name, None)
    assert celery_answer == (expected or "from_function")


@pytest.mark.parametrize(
    ("route", "name", "matches"),
    [
        (_route("a.x", "q"), "a.x", True),  # exact
        (_route("a.x", "q"), "a.xy", False),  # exact is whole
        (_route("a.*", "q", "glob"), "a.b.c", True),  # glob crosses dots
        (_route("a.*", "q", "glob"), "b.a.c", False),  # glob is whole
        (_route(r"a\.\d", "q", "regex"), "a.1extra", True),  # regex anchored at start only
        (_route(r"a\.\d", "q", "regex"), "xa.1", False),  # not a search
        (_route("(", "q", "regex"), "(", False),  # a broken regex matches nothing
        (_route("*", None, dynamic=True), "anything", True),  # a router function sees all
    ],
)
def test_route_matches(route: Route, name: str, matches: bool) -> None:
    assert route_matches(route, name) is matches


def test_matching_routes_keeps_order() -> None:
    routes = [_route("a.*", "1", "glob"), _route("b.x", "2"), _route("a.x", "3")]
    assert matching_routes("a.x", routes) == [routes[0], routes[2]]


# --- settings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "namespace", "expected"),
    [
        ("task_time_limit", None, "task_time_limit"),  # new name
        ("CELERY_TASK_TIME_LIMIT", "CELERY", "task_time_limit"),  # Django namespace
        ("celery_task_time_limit", "celery", "task_time_limit"),  # lower-case namespace
        ("CELERY_BEAT_SCHEDULE", "CELERY", "beat_schedule"),  # Django beat schedule
        ("CELERYBEAT_SCHEDULE", None, "beat_schedule"),  # old name
        ("CELERY_ROUTES", None, "task_routes"),  # old name
        ("CELERYD_PREFETCH_MULTIPLIER", None, "worker_prefetch_multiplier"),  # old name
        ("CELERYD_TASK_TIME_LIMIT", None, "task_time_limit"),  # old name
        ("BROKER_URL", None, "broker_url"),  # old name
        ("CELERYBEAT_SCHEDULE", "CELERY", "beat_schedule"),  # old names still read
        ("DEBUG", "CELERY", None),  # a Django setting
        ("CELERY_NOT_A_THING", "CELERY", None),  # unknown after the prefix
        ("CELERY_TASK_TIME_LIMIT", None, None),  # the prefix only with a namespace
        ("celery_TASK_TIME_LIMIT", "CELERY", None),  # the prefix's case, as Celery
        ("time_limit", None, None),  # a task option, not a setting
    ],
)
def test_setting_name(name: str, namespace: str | None, expected: str | None) -> None:
    assert setting_name(name, namespace) == expected


class _Config:
    CELERY_TASK_TIME_LIMIT = 123
    CELERY_WORKER_PREFETCH_MULTIPLIER = 7


def test_setting_name_reads_namespaced_keys_as_celery_does() -> None:
    app = Celery("ns", broker="memory://", set_as_current=False)
    app.config_from_object(_Config, namespace="CELERY")
    for key in ("CELERY_TASK_TIME_LIMIT", "CELERY_WORKER_PREFETCH_MULTIPLIER"):
        new = setting_name(key, "CELERY")
        assert new is not None
        assert app.conf[new] == getattr(_Config, key)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("task_routes", True), ("CELERY_ROUTES", True), ("rate_limit", False), ("", False)],
)  # new name, old name, an option, nothing
def test_is_setting(name: str, expected: bool) -> None:
    assert is_setting(name) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("result_expires", 86400.0),  # a timedelta in seconds
        ("task_default_queue", "celery"),  # a string
        ("beat_schedule", {}),  # a dict
        ("worker_prefetch_multiplier", 4),  # an int
        ("task_time_limit", None),  # None
        ("CELERYD_PREFETCH_MULTIPLIER", 4),  # an old name
    ],
)
def test_setting_default(name: str, expected: object) -> None:
    assert setting_default(name) == expected
    json.dumps(setting_default(name))


def test_every_setting_default_is_json() -> None:
    for name in DEFAULTS:
        json.dumps(setting_default(name))


def test_setting_default_of_unknown_name() -> None:
    with pytest.raises(KeyError):
        setting_default("no_such_setting")


# --- finding the app ---------------------------------------------------------------------

RESOLVE = textwrap.dedent(
    """
    import importlib, json, sys, types
    from celery import Celery
    from celery.app.utils import find_app
    from conformance.celery_naming import app_module_candidates

    def ours(spec):
        for module, attr in app_module_candidates(spec):
            try:
                mod = importlib.import_module(module)
            except ImportError:
                continue
            if attr is None:
                found = [v for v in vars(mod).values() if isinstance(v, Celery)]
                if found:
                    return found[0]
                continue
            value = getattr(mod, attr, None)
            if value is not None and not isinstance(value, types.ModuleType):
                return value

    spec = sys.argv[1]
    print(json.dumps([find_app(spec).main, ours(spec).main]))
    """
)


@pytest.mark.parametrize(
    ("files", "spec"),
    [
        (
            {
                "pkg/__init__.py": "",
                "pkg/celery.py": "from celery import Celery\napp = Celery('sub')",
            },
            "pkg",
        ),
        (
            {
                "pkg/__init__.py": "from celery import Celery\napp = Celery('init')",
                "pkg/celery.py": "from celery import Celery\napp = Celery('sub')",
            },
            "pkg",
        ),  # the package's own `app` comes before pkg.celery
        (
            {
                "pkg/__init__.py": "from .celery import worker",
                "pkg/celery.py": "from celery import Celery\nworker = Celery('scan')",
            },
            "pkg",
        ),  # no app/celery attribute: any instance of pkg.celery
        ({"solo.py": "from celery import Celery\nbroker_app = Celery('solo')"}, "solo"),  # scan
        ({"solo.py": "from celery import Celery\ncelery = Celery('named')"}, "solo"),  # `celery`
        (
            {"pkg/__init__.py": "", "pkg/mod.py": "from celery import Celery\nmy = Celery('attr')"},
            "pkg.mod:my",
        ),  # explicit attribute
        (
            {
                "pkg/__init__.py": "",
                "pkg/mod.py": "from celery import Celery\napp = Celery('dotted')",
            },
            "pkg.mod",
        ),  # dotted module
    ],
)
def test_app_module_candidates_find_what_celery_finds(
    tmp_path: Path, files: dict[str, str], spec: str
) -> None:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    done = subprocess.run(
        [sys.executable, "-c", RESOLVE, spec],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    celery_main, our_main = json.loads(done.stdout.strip().splitlines()[-1])
    assert our_main == celery_main


@pytest.mark.parametrize(
    ("spec", "first"),
    [
        ("pkg.mod:attr", [("pkg.mod", "attr")]),  # explicit
        ("pkg", [("pkg", "app"), ("pkg", "celery"), ("pkg.celery", "app")]),  # bare
        ("pkg.mod", [("pkg", "mod"), ("pkg.mod", "app")]),  # dotted: attribute first
    ],
)
def test_app_module_candidates_order(spec: str, first: list[tuple[str, str | None]]) -> None:
    assert app_module_candidates(spec)[: len(first)] == first


def test_the_live_probe_reads_every_option_static_mode_compares() -> None:
    """probe.py runs without our package, so it keeps its own list: pin it to ours."""
    import ast

    from conformance.introspect.launch import PROBE_PATH

    tree = ast.parse(PROBE_PATH.read_text(encoding="utf-8"))
    lists = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in ("TASK_OPTIONS", "AUTORETRY_DEFAULTS")
    }
    read = {
        *lists["TASK_OPTIONS"],
        *(name for name, _ in lists["AUTORETRY_DEFAULTS"]),
        "time_limit",
        "soft_time_limit",
        "autoretry_for",
    }
    assert read == set(TASK_OPTIONS)


def test_a_worker_without_q_consumes_every_declared_queue_as_celery_does() -> None:
    # Pin the Celery fact `consumed_queues` encodes: until -Q selects, the worker's
    # consume_from is every queue of task_queues; without task_queues, the default one.
    from celery import Celery
    from kombu import Queue

    from conformance.celery_naming import consumed_queues

    app = Celery("pin", set_as_current=False)
    app.conf.task_queues = [Queue("tasks"), Queue("transient")]
    app.conf.task_default_queue = "tasks"
    celery_says = set(app.amqp.queues.consume_from)
    assert celery_says == {"tasks", "transient"}
    assert consumed_queues((), ["tasks", "transient"], "tasks") == celery_says
    app.amqp.queues.select(["tasks"])  # what `-Q tasks` does
    assert set(app.amqp.queues.consume_from) == {"tasks"} == consumed_queues(("tasks",), [], "x")

    bare = Celery("bare", set_as_current=False)
    assert set(bare.amqp.queues.consume_from) == {"celery"} == consumed_queues((), [], "celery")


def test_an_unnamed_periodic_task_is_keyed_by_the_signatures_repr() -> None:
    # Pin what static mode reproduces for `sender.add_periodic_task(60, ping.s(...))`.
    import ast

    from celery import Celery

    from conformance.model import Origin
    from conformance.pysource.scan import scan_python

    app = Celery("pin", set_as_current=False)

    @app.task(name="proj.tasks.ping")
    def ping(word: str, times: int = 1) -> str:
        return word * times

    app.add_periodic_task(60.0, ping.s("world", times=2))
    app.add_periodic_task(10.0, ping.s("hello"), name="ping every 10")
    app.finalize()
    app.on_after_finalize.send(sender=app)
    assert set(app.conf.beat_schedule) >= {"proj.tasks.ping('world', times=2)", "ping every 10"}

    source = (
        "from proj.celery import app\n"
        "@app.on_after_configure.connect\n"
        "def setup(sender, **kwargs):\n"
        "    from proj.tasks import ping\n"
        "    sender.add_periodic_task(60.0, ping.s('world', times=2))\n"
    )
    spec = scan_python(
        ast.parse(source), path="proj/celery.py", origin=Origin.STATIC, module="proj.celery"
    ).spec
    assert [(s.name, s.task) for s in spec.schedules] == [
        ("proj.tasks.ping('world', times=2)", "proj.tasks.ping")
    ]


def test_the_signal_names_are_the_installed_celerys() -> None:
    # Our copy keeps static analysis free of Celery imports; it must not go stale.
    import celery.signals
    from celery.utils.dispatch import Signal

    from conformance.celery_naming import SIGNAL_NAMES

    installed = {n for n, v in vars(celery.signals).items() if isinstance(v, Signal)}
    assert installed == SIGNAL_NAMES


def test_the_setting_tables_are_the_installed_celerys() -> None:
    from conformance.celery_settings import current, generate

    assert current() == generate(), "run `python -m conformance.celery_settings` and update"
