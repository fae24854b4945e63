"""The live probe: real fixture apps imported in real child processes."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import celery
import pytest

from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.introspect.launch import PROBE_PATH
from conformance.introspect.live import LiveResult, probe_app
from conformance.model import Bootstep, Location, Metric, Origin, Queue, Route, Task

FIXTURES = Path(__file__).parent / "fixtures" / "live"
FULL = FIXTURES / "full"
FAILURES = FIXTURES / "failures"
FULL_APP = "proj.celery_app:app"
MONITORING = ("proj.monitoring", "proj.broken_monitoring")


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line of ``path`` that starts with ``text``."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip().startswith(text):
            return number
    raise AssertionError(f"{text!r} not in {path}")


def _loc(path: Path, text: str) -> Location:
    return Location(path.relative_to(FULL).as_posix(), line_of(path, text))


def first_decorator_line(path: Path, function: str) -> int:
    """The line Celery/griffe give a function: its first decorator's, else its def's."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return min([d.lineno for d in node.decorator_list] + [node.lineno])
    raise AssertionError(f"no function {function} in {path}")


def raw_probe(root: Path, app: str, **request: Any) -> tuple[int, bytes]:
    """Run probe.py directly, as live.py does, and return (exit status, stdout)."""
    payload = {"app": app, "search_paths": [str(root)], "monitoring": [], **request}
    done = subprocess.run(
        [sys.executable, str(PROBE_PATH)],
        input=json.dumps(payload).encode(),
        capture_output=True,
        cwd=root,
        env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"},
        timeout=30,
        check=False,
    )
    return done.returncode, done.stdout


@pytest.fixture(scope="module")
def full() -> LiveResult:
    return probe_app(Config(root=FULL, app=FULL_APP, monitoring=MONITORING))


@pytest.fixture(scope="module")
def full_document() -> dict[str, Any]:
    status, stdout = raw_probe(FULL, FULL_APP, monitoring=list(MONITORING))
    assert status == 0
    document: dict[str, Any] = json.loads(stdout)
    return document


def task(result: LiveResult, name: str) -> Task:
    (found,) = [t for t in result.extraction.spec.tasks if t.name == name]
    return found


# --- tasks -------------------------------------------------------------------------------

TASKS_PY = FULL / "proj" / "tasks.py"


@pytest.mark.parametrize(
    ("name", "function", "params", "queue", "options", "def_name"),
    [
        # bind=True drops self; keyword-only and **extra kept; exact route; autoretry options
        (
            "proj.tasks.send_email",
            "proj.tasks.send_email",
            ("to", "subject", "body", "**extra"),
            "emails",
            {
                "max_retries": 5,
                "default_retry_delay": 30,
                "rate_limit": "10/m",
                "acks_late": True,
                "autoretry_for": ["ConnectionError", "TimeoutError"],
                "retry_backoff": True,
                "retry_backoff_max": 600,
                "retry_jitter": True,
                "time_limit": 300,
            },
            "send_email",
        ),
        # explicit limits win over task_time_limit; glob route "proj.tasks.report_*"
        (
            "proj.tasks.report_daily",
            "proj.tasks.report_daily",
            ("day",),
            "reports",
            {"time_limit": 60, "soft_time_limit": 50},
            "report_daily",
        ),
        # regex route whose value is a kombu Queue
        ("proj.tasks.rx_thing", "proj.tasks.rx_thing", ("x",), "regexq", {}, "rx_thing"),
        # functools.wraps decorator unwrapped; route from a list of pairs
        ("proj.tasks.ping", "proj.tasks.ping", ("*args",), "default", {}, "ping"),
        # router function that looks at args: queue unknown
        ("proj.tasks.resize", "proj.tasks.resize", ("size",), None, {}, "resize"),
        # name= and the queue task attribute (beats task_routes)
        (
            "maintenance.cleanup",
            "proj.tasks.cleanup",
            (),
            "reports",
            {"queue": "reports", "ignore_result": True, "max_retries": 3},
            "cleanup",
        ),
        # class-based task registered with register_task
        (
            "proj.heavy",
            "proj.tasks.Heavy.run",
            ("n", "factor"),
            "default",
            {"track_started": True, "default_retry_delay": 180},
            "run",
        ),
    ],
)
def test_tasks_are_read_as_celery_registers_them(
    full: LiveResult,
    name: str,
    function: str,
    params: tuple[str, ...],
    queue: str | None,
    options: dict[str, Any],
    def_name: str,
) -> None:
    found = task(full, name)
    assert found.function == function
    assert found.params == params
    assert found.queue == queue
    assert {k: found.options[k] for k in options} == options
    assert found.origin is Origin.LIVE
    # The first decorator line, as griffe reports it.
    expected = first_decorator_line(TASKS_PY, def_name)
    assert found.source is not None
    assert (found.source.path, found.source.line) == ("proj/tasks.py", expected)


def test_only_user_tasks_are_reported_and_defaults_are_celerys(full: LiveResult) -> None:
    names = {t.name for t in full.extraction.spec.tasks}
    assert names == {
        "proj.tasks.send_email",
        "proj.tasks.report_daily",
        "proj.tasks.rx_thing",
        "proj.tasks.ping",
        "proj.tasks.resize",
        "maintenance.cleanup",
        "proj.heavy",
    }
    plain = task(full, "proj.tasks.rx_thing").options
    # autoretry defaults from celery/app/autoretry.py; limits fall back to the conf.
    assert plain["autoretry_for"] == []
    assert (plain["retry_backoff"], plain["retry_backoff_max"], plain["retry_jitter"]) == (
        False,
        600,
        True,
    )
    assert (plain["time_limit"], plain["soft_time_limit"]) == (300, None)
    assert (plain["max_retries"], plain["default_retry_delay"]) == (3, 180)
    assert "queue" not in plain


def test_dynamic_task_queue_keeps_the_routers_error_in_the_document(
    full_document: dict[str, Any],
) -> None:
    (resize,) = [t for t in full_document["tasks"] if t["name"] == "proj.tasks.resize"]
    assert resize["queue_dynamic"] is True
    assert resize["queue_error"].startswith("TypeError:")


# --- queues, routes ----------------------------------------------------------------------


def test_declared_queues_and_default_queue(full: LiveResult) -> None:
    assert full.extraction.spec.queues == (
        Queue("default", "default", "default", origin=Origin.LIVE),
        Queue("emails", "mail", "mail.send", origin=Origin.LIVE),
        Queue("reports", "reports", "reports", origin=Origin.LIVE),
        Queue("regexq", "regexq", "regexq", origin=Origin.LIVE),
        Queue("big", "big", "big", origin=Origin.LIVE),
    )
    assert full.default_queue == "default"


def test_without_task_queues_only_the_default_queue_exists_undeclared() -> None:
    status, stdout = raw_probe(FIXTURES / "pkgapp", "pkgapp")
    assert status == 0
    assert json.loads(stdout)["queues"] == [
        {"name": "celery", "exchange": "celery", "routing_key": "celery", "declared": False}
    ]
    result = probe_app(Config(root=FIXTURES / "pkgapp", app="pkgapp"))
    assert result.extraction.spec.queues == ()
    assert result.default_queue == "celery"


def test_routes_in_their_raw_forms(full: LiveResult) -> None:
    routers_py = FULL / "proj" / "routers.py"
    router_line = line_of(routers_py, "def route_by_size")
    assert full.extraction.spec.routes == (
        Route("proj.tasks.send_email", "emails", origin=Origin.LIVE),
        Route("proj.tasks.report_*", "reports", pattern="glob", origin=Origin.LIVE),
        Route(r"proj\.tasks\.rx_", "regexq", pattern="regex", origin=Origin.LIVE),
        Route("proj.tasks.ping", "default", origin=Origin.LIVE),
        Route(
            "proj.routers.route_by_size",
            None,
            dynamic=True,
            source=full.extraction.spec.routes[-1].source,
            origin=Origin.LIVE,
        ),
    )
    dynamic = full.extraction.spec.routes[-1].source
    assert dynamic is not None
    assert str(dynamic) == f"proj/routers.py:{router_line}"
    (notice,) = [n for n in full.extraction.notices if n.kind == "not-judged"]
    assert "proj.routers.route_by_size" in notice.message
    assert notice.location == f"proj/routers.py:{router_line}"


# --- beat --------------------------------------------------------------------------------


def test_beat_entries_include_add_periodic_task_ones(full: LiveResult) -> None:
    schedules = {s.name: s for s in full.extraction.spec.schedules}
    # nightly-report: on_after_configure; heartbeat: on_after_finalize
    assert set(schedules) == {
        "hourly-cleanup",
        "every-ten-minutes",
        "every-two-hours",
        "six-hourly",
        "nightly-report",
        "heartbeat",
    }
    assert schedules["nightly-report"].task == "proj.tasks.report_daily"
    assert schedules["heartbeat"].task == "proj.tasks.ping"
    timings = {name: s.timing for name, s in schedules.items()}
    assert all(t is not None for t in timings.values())
    assert timings["every-ten-minutes"].every == 600  # type: ignore[union-attr]
    assert timings["every-two-hours"].every == 7200  # type: ignore[union-attr]
    assert timings["heartbeat"].every == 30  # type: ignore[union-attr]
    six = timings["six-hourly"]
    assert six is not None
    assert (six.kind, tuple(six.minute), tuple(six.hour)) == ("crontab", (0,), (0, 6, 12, 18))
    nightly = timings["nightly-report"]
    assert nightly is not None
    assert (tuple(nightly.minute), tuple(nightly.hour), tuple(nightly.day_of_week)) == (
        (30,),
        (2,),
        (1, 2, 3, 4, 5),
    )


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        # a float is an interval in seconds
        ("every-ten-minutes", {"kind": "interval", "every": 600.0}),
        # a timedelta too
        ("every-two-hours", {"kind": "interval", "every": 7200.0}),
        # crontab fields come expanded and sorted
        ("hourly-cleanup", {"kind": "crontab", "minute": [0], "hour": list(range(24))}),
        # "*/6" expands to its values
        ("six-hourly", {"kind": "crontab", "minute": [0], "hour": [0, 6, 12, 18]}),
    ],
)
def test_probe_normalizes_schedules(
    full_document: dict[str, Any], entry: str, expected: dict[str, Any]
) -> None:
    (found,) = [b for b in full_document["beat"] if b["name"] == entry]
    assert {k: found["schedule"][k] for k in expected} == expected


# --- signals, bootsteps, metrics ---------------------------------------------------------


def test_signal_handlers_live_ones_only(full: LiveResult) -> None:
    handlers_py = FULL / "proj" / "handlers.py"
    found = {(s.signal, s.handler, s.sender, s.source) for s in full.extraction.spec.signals}
    # the dead weakref and the callable object are skipped; celery's own receivers too
    assert found == {
        (
            "task_prerun",
            "count_start",
            None,
            _loc(handlers_py, "@task_prerun.connect"),
        ),
        ("worker_ready", "on_ready", None, _loc(handlers_py, "def on_ready")),
        (
            "task_failure",
            "on_email_failure",
            "proj.tasks.send_email",
            _loc(handlers_py, "def on_email_failure"),
        ),
    }
    assert {s.module for s in full.extraction.spec.signals} == {"proj.handlers"}


def test_bootsteps_by_blueprint_with_class_lines(full: LiveResult) -> None:
    steps_py = FULL / "proj" / "steps.py"
    assert set(full.extraction.spec.bootsteps) == {
        Bootstep(
            "proj.steps.HealthCheck",
            "worker",
            _loc(steps_py, "class HealthCheck"),
            Origin.LIVE,
        ),
        Bootstep("proj.audit", "consumer", _loc(steps_py, "class AuditConsumer"), Origin.LIVE),
    }


def test_metrics_from_monitoring_modules(full: LiveResult) -> None:
    monitoring_py = FULL / "proj" / "monitoring.py"
    assert set(full.extraction.spec.metrics) == {
        # Counter("tasks_started_total"): prometheus_client keeps the family name "tasks_started"
        Metric(
            "tasks_started",
            "counter",
            (),
            "Tasks started",
            "TASKS_STARTED",
            source=_loc(monitoring_py, "TASKS_STARTED ="),
            origin=Origin.LIVE,
        ),
        Metric(
            "task_duration_seconds",
            "histogram",
            ("task", "queue"),
            "Task run time",
            "TASK_DURATION",
            source=_loc(monitoring_py, "TASK_DURATION:"),
            origin=Origin.LIVE,
        ),
        Metric(
            "build",
            "info",
            (),
            "Build information",
            "BUILD",
            source=_loc(monitoring_py, "BUILD ="),
            origin=Origin.LIVE,
        ),
    }


def test_broken_monitoring_module_is_a_notice_not_a_failure(full: LiveResult) -> None:
    (notice,) = [n for n in full.extraction.notices if n.kind == "import-error"]
    assert notice.message == (
        "monitoring module `proj.broken_monitoring` does not import: "
        "RuntimeError: metrics backend not configured"
    )
    assert notice.location == "proj/broken_monitoring.py:4"
    # its Gauge was created before the raise, but the module is gone: not reported
    assert "queue_depth" not in {m.name for m in full.extraction.spec.metrics}


# --- settings and versions ---------------------------------------------------------------


def test_settings_are_effective_non_default_and_never_secret(full: LiveResult) -> None:
    settings = {s.name: s.value for s in full.extraction.spec.settings}
    assert settings["worker_prefetch_multiplier"] == 1
    assert settings["task_time_limit"] == 300
    assert settings["task_default_queue"] == "default"
    assert settings["include"] == ["proj.tasks", "proj.handlers", "proj.steps"]
    # routing-key names are not secrets
    assert settings["task_default_routing_key"] == "default"
    # always reported, even at Celery's default
    for always in ("enable_utc", "task_acks_late", "worker_concurrency", "timezone"):
        assert always in settings
    for hidden in ("result_backend", "broker_url", "broker_transport_options", "security_key"):
        assert hidden not in settings
    # reported as queues/routes/schedules instead
    for structural in ("task_queues", "task_routes", "beat_schedule"):
        assert structural not in settings
    assert "hunter2" not in json.dumps(settings)
    assert all(s.origin is Origin.LIVE for s in full.extraction.spec.settings)


def test_versions(full: LiveResult) -> None:
    assert full.celery_version == celery.__version__
    assert full.python_version == sys.version.split()[0]


# --- resolving the app like celery -A ----------------------------------------------------


@pytest.mark.parametrize(
    ("root", "app", "task_name"),
    [
        # bare package: pkgapp.celery is tried first
        (FIXTURES / "pkgapp", "pkgapp", "pkgapp.celery.hello"),
        # bare module holding exactly one Celery instance under another name
        (FAILURES, "noisy", "noisy.shout"),
        # MODULE:ATTRIBUTE
        (FAILURES, "noisy:workers", "noisy.shout"),
    ],
)
def test_app_resolution(root: Path, app: str, task_name: str) -> None:
    result = probe_app(Config(root=root, app=app))
    assert [t.name for t in result.extraction.spec.tasks] == [task_name]


def test_user_module_named_like_a_probe_file_is_not_shadowed(tmp_path: Path) -> None:
    # probe.py lives next to live.py: its folder must not be on the child's sys.path.
    (tmp_path / "live.py").write_text(
        "from celery import Celery\napp = Celery('mine', broker='memory://')\n"
        "@app.task\ndef mine():\n    pass\n"
    )
    result = probe_app(Config(root=tmp_path, app="live:app"))
    assert [t.name for t in result.extraction.spec.tasks] == ["live.mine"]


def test_app_prints_do_not_corrupt_the_channel() -> None:
    status, stdout = raw_probe(FAILURES, "noisy")
    assert status == 0
    document = json.loads(stdout)  # print, sys.stdout, os.write(1), logging, atexit
    assert document["tasks"][0]["name"] == "noisy.shout"
    assert b"hello" not in stdout and b"goodbye" not in stdout


def test_probe_writes_nothing_into_the_project(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "pkgapp", project)
    probe_app(Config(root=project, app="pkgapp"))
    assert not list(project.rglob("__pycache__"))


# --- failures: one clear line each -------------------------------------------------------


@pytest.mark.parametrize(
    ("app", "timeout", "message"),
    [
        # exception at import, with the user's file:line
        (
            "raises:app",
            30.0,
            "raises:app: cannot import: RuntimeError: boom at import (at raises.py:4)",
        ),
        # module does not exist
        (
            "nosuch:app",
            30.0,
            "nosuch:app: cannot import: ModuleNotFoundError: No module named 'nosuch'",
        ),
        # attribute missing
        ("two_apps:nope", 30.0, "two_apps:nope: module 'two_apps' has no attribute 'nope'"),
        # attribute that is no Celery app
        ("noisy:os", 30.0, "noisy:os: 'noisy:os' is a module, not a Celery app"),
        # bare module with two apps: ambiguous
        ("two_apps", 30.0, "two_apps: no Celery app found in two_apps.celery or two_apps"),
        # sys.exit at import is caught (SystemExit is a BaseException)
        (
            "exits:app",
            30.0,
            "exits:app: cannot import: SystemExit: the app called sys.exit(4) (at exits.py:3)",
        ),
        # config_from_object names a module that is not there (lazy: fails on first conf access)
        (
            "badconfig:app",
            30.0,
            "badconfig:app: cannot load its configuration: ModuleNotFoundError: "
            "No module named 'settings_that_do_not_exist'",
        ),
        # include= module that fails: import_default_modules runs before finalize
        (
            "broken_task_module:app",
            30.0,
            "broken_task_module:app: cannot import its task modules: ModuleNotFoundError: "
            "No module named 'does_not_exist_anywhere' (at broken_tasks.py:9)",
        ),
        # import that never ends
        ("hangs:app", 1.0, "hangs:app: did not finish importing within 1 s"),
        # the child kills itself
        ("killed:app", 30.0, "killed:app: the probe was killed by signal SIGKILL"),
    ],
)
def test_failures_are_one_clear_line(app: str, timeout: float, message: str) -> None:
    with pytest.raises(ConformanceError) as caught:
        probe_app(Config(root=FAILURES, app=app, timeout=timeout))
    assert caught.value.message == message
    assert caught.value.path is None


def test_missing_interpreter(tmp_path: Path) -> None:
    config = Config(root=tmp_path, app="x:app", python="/nonexistent/bin/python")
    with pytest.raises(ConformanceError) as caught:
        probe_app(config)
    assert caught.value.message == (
        "cannot run the live probe: interpreter not found: /nonexistent/bin/python"
    )


def test_output_that_is_not_json(tmp_path: Path) -> None:
    # A real "interpreter" that answers garbage, given relative to the root.
    fake = tmp_path / "bin" / "python"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'not json'\n")
    fake.chmod(0o755)
    with pytest.raises(ConformanceError) as caught:
        probe_app(Config(root=tmp_path, app="x:app", python="bin/python"))
    assert caught.value.message == "x:app: probe output is not valid JSON (exit status 0)"


def test_no_app_configured(tmp_path: Path) -> None:
    with pytest.raises(ConformanceError, match="no Celery app configured"):
        probe_app(Config(root=tmp_path))


def test_output_cap() -> None:
    status, stdout = raw_probe(FIXTURES / "pkgapp", "pkgapp", max_output=100)
    assert status == 3
    assert json.loads(stdout)["error"] == {
        "stage": "output",
        "type": "OutputTooLarge",
        "message": "probe output exceeds 100 bytes",
        "where": None,
    }


def test_probe_imports_only_stdlib_celery_kombu_prometheus() -> None:
    # The child may be the project's own interpreter, without conformance installed.
    tree = ast.parse(PROBE_PATH.read_text())
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    allowed = set(sys.stdlib_module_names) | {"celery", "kombu", "prometheus_client"}
    assert roots <= allowed
    assert "conformance" not in roots


# --- less common forms -------------------------------------------------------------------

VARIANTS = FIXTURES / "variants"


@pytest.fixture(scope="module")
def variants() -> LiveResult:
    return probe_app(Config(root=VARIANTS, app="variants:app", monitoring=("variants",)))


def test_dict_task_queues(variants: LiveResult) -> None:
    assert variants.extraction.spec.queues == (
        Queue("alpha", "alpha_x", "alpha.key", origin=Origin.LIVE),
        Queue("beta", "beta_x", "beta.key", origin=Origin.LIVE),
    )


@pytest.mark.parametrize(
    ("name", "queue"),
    [
        # routed to an undeclared queue with task_create_missing_queues=False: the
        # router raises QueueNotFound, the queue's name is still what the app asks for
        ("variants.lost", "nowhere"),
        # a router given as a dotted string, resolved by Celery
        ("variants.named", "beta"),
    ],
)
def test_variant_task_queues(variants: LiveResult, name: str, queue: str) -> None:
    assert task(variants, name).queue == queue


def test_string_and_legacy_routers_are_dynamic_with_their_code(variants: LiveResult) -> None:
    dynamic = [(r.task, str(r.source)) for r in variants.extraction.spec.routes if r.dynamic]
    assert dynamic == [
        ("variants_routers.by_name", "variants_routers.py:1"),
        # an object with route_for_task: the method's line
        (
            "variants.LegacyRouter",
            f"variants.py:{line_of(VARIANTS / 'variants.py', 'def route_for_task')}",
        ),
    ]


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        # a schedule subclass of the app's own
        ("custom", "unsupported schedule <freq: 1.00 minute>"),
        # a value maybe_schedule cannot use
        ("text", "AttributeError: 'str' object has no attribute 'app'"),
    ],
)
def test_unnormalizable_schedules_are_not_judged(
    variants: LiveResult, entry: str, why: str
) -> None:
    (found,) = [s for s in variants.extraction.spec.schedules if s.name == entry]
    assert found.timing is None
    assert found.task == "variants.lost"
    messages = [n.message for n in variants.extraction.notices if n.kind == "not-judged"]
    assert f"beat entry `{entry}`: schedule only known at run time ({why})" in messages


def test_enum_metric_is_typed_enum(variants: LiveResult) -> None:
    (metric,) = variants.extraction.spec.metrics
    # prometheus_client calls an Enum's family type "stateset"
    assert (metric.name, metric.type, metric.variable) == ("worker_state", "enum", "STATE")


def test_nested_secrets_are_scrubbed(variants: LiveResult) -> None:
    settings = {s.name: s.value for s in variants.extraction.spec.settings}
    assert settings["mongodb_backend_settings"] == {
        "host": "mongodb://***@db.example/jobs",
        "database": "jobs",
    }
    assert settings["task_create_missing_queues"] is False


def test_interpreter_without_celery(tmp_path: Path) -> None:
    # A real interpreter whose environment lacks celery (a bare venv).
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True
    )
    python = tmp_path / "bare" / "bin" / "python"
    assert python.is_symlink()
    with pytest.raises(ConformanceError) as caught:
        # relative to the root, and kept as a path: the venv's symlink is not resolved
        probe_app(Config(root=tmp_path, app="x:app", python="bare/bin/python"))
    assert caught.value.message == (
        f"x:app: celery does not import with {python}: "
        "ModuleNotFoundError: No module named 'celery'"
    )


def test_a_project_venv_is_used_with_its_own_packages(tmp_path: Path) -> None:
    # celery reaches this venv only through a .pth file in its own site-packages, so the
    # probe works only if the venv's python runs under its own (symlinked) path.
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True
    )
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = tmp_path / "venv" / "lib" / version / "site-packages"
    (site / "celery_from_test.pth").write_text(str(Path(celery.__file__).parent.parent) + "\n")
    config = Config(
        root=FIXTURES / "pkgapp", app="pkgapp", python=str(tmp_path / "venv" / "bin" / "python")
    )
    result = probe_app(config)
    assert [t.name for t in result.extraction.spec.tasks] == ["pkgapp.celery.hello"]


def test_map_routes_are_asked_once_router_functions_twice() -> None:
    # A map of names or patterns cannot answer by the call's arguments: one question per
    # task is enough. A router function can: asked again with odd arguments.
    from celery import Celery

    from conformance.introspect import probe

    calls: list[str] = []

    def router(name: str, args: object, kwargs: object, options: object, **kw: object) -> dict:
        calls.append(name)
        return {"queue": "fn"}

    mapped = Celery("mapped", broker="memory://")
    mapped.conf.task_routes = {"mapped.t": {"queue": "q"}, "mapped.*": {"queue": "p"}}
    coded = Celery("coded", broker="memory://")
    coded.conf.task_routes = (router,)

    @mapped.task(name="mapped.t")
    def t() -> None: ...

    @coded.task(name="coded.t")
    def u() -> None: ...

    assert probe.routers_read_args(mapped) is False
    assert probe.task_queue(mapped, mapped.tasks["mapped.t"])["queue"] == "q"
    assert probe.routers_read_args(coded) is True
    assert probe.task_queue(coded, coded.tasks["coded.t"])["queue"] == "fn"
    assert calls == ["coded.t", "coded.t"]


def _reference_params(func: object, drop_first: bool) -> list[str]:
    """What inspect.signature says, spelled as the probe spells parameters."""
    import inspect

    names = []
    for param in inspect.signature(func).parameters.values():  # type: ignore[arg-type]
        prefix = {param.VAR_POSITIONAL: "*", param.VAR_KEYWORD: "**"}.get(param.kind, "")
        names.append(prefix + param.name)
    return names[1:] if drop_first and names else names


def _signatures() -> list[object]:
    def plain(a, b=1): ...  # type: ignore[no-untyped-def]
    def star(a, *args, c, d=2, **kwargs): ...  # type: ignore[no-untyped-def]
    def only_kw(*, x, y=0): ...  # type: ignore[no-untyped-def]
    def positional(a, b, /, c, *, d): ...  # type: ignore[no-untyped-def]
    def locals_too(a, **kw):  # type: ignore[no-untyped-def]
        x = a  # a local after the parameters must not count
        return x

    def nothing(): ...  # type: ignore[no-untyped-def]

    def with_signature(a, b): ...  # type: ignore[no-untyped-def]

    with_signature.__signature__ = inspect_signature(only_kw)  # type: ignore[attr-defined]

    class Callable:
        def __call__(self, q, r=1): ...  # type: ignore[no-untyped-def]

    return [plain, star, only_kw, positional, locals_too, nothing, with_signature, Callable()]


def inspect_signature(func: object) -> object:
    import inspect

    return inspect.signature(func)  # type: ignore[arg-type]


@pytest.mark.parametrize("func", _signatures(), ids=lambda f: getattr(f, "__name__", "object"))
@pytest.mark.parametrize("drop_first", [False, True])
def test_task_parameters_read_from_code_match_inspect_signature(
    func: object, drop_first: bool
) -> None:
    # The probe reads a plain function's parameters from its code object (once per task,
    # much faster than inspect.signature): it must say exactly what inspect says.
    from conformance.introspect import probe

    assert probe.signature_params(func, drop_first) == _reference_params(func, drop_first)
