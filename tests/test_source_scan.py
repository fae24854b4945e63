"""The package scan: every module once, then linked across modules."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import celery
import pytest

from conformance.introspect.source_scan import SourceScan, scan_package_sources
from conformance.model import Location

FIXTURE = Path(__file__).parent / "fixtures" / "source_scan" / "proj"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> SourceScan:
    root = tmp_path_factory.mktemp("proj")
    shutil.copytree(FIXTURE, root, dirs_exist_ok=True)
    return scan_package_sources(root, [root], "app")


def test_tasks_use_registered_names_and_cross_module_constants(scanned: SourceScan) -> None:
    tasks = {t.name: t for t in scanned.extraction.spec.tasks}
    assert set(tasks) == {
        "app.tasks.cleanup",
        "app.tasks.render",
        "app.tasks.render_part",
        "app.tasks.combine",
    }
    assert tasks["app.tasks.render"].params == ("scene_id",)
    assert tasks["app.tasks.cleanup"].options == {"max_retries": 2}
    assert tasks["app.tasks.render"].source == Location("app/tasks.py", 13)


def test_config_module_named_by_config_from_object(scanned: SourceScan) -> None:
    spec = scanned.extraction.spec
    settings = {s.name: s.value for s in spec.settings}
    assert settings == {
        "broker_url": "redis://localhost:6379/0",
        "task_time_limit": 600,
        "include": ["app.tasks", "app.signals"],
    }
    assert [q.name for q in spec.queues] == ["default", "gpu"]
    assert [(r.task, r.queue) for r in spec.routes] == [("app.tasks.render", "gpu")]
    assert [(s.name, s.task) for s in spec.schedules] == [("nightly-cleanup", "app.tasks.cleanup")]


def test_canvas_context_is_the_registered_task(scanned: SourceScan) -> None:
    (flow,) = scanned.extraction.spec.canvas
    assert (flow.primitive, flow.header, flow.callback, flow.context) == (
        "chord",
        ("render_part",),
        "combine",
        "app.tasks.render",
    )


METRIC_CASES = [
    # recorded in a helper tasks.py calls (`monitoring.record_done`) and in a signal handler
    ("tasks_done", {"app/monitoring.py", "app/signals.py"}),
    # imported by name and recorded with `with X.time():` inside a task
    ("render_seconds", {"app/tasks.py"}),
    # recorded in a signal handler of another module
    ("queue_depth", {"app/signals.py"}),
    # only recorded in a helper nobody imports: not integrated
    ("never_used", set()),
]


@pytest.mark.parametrize(("name", "files"), METRIC_CASES)
def test_metric_recording_sites_are_linked(scanned: SourceScan, name: str, files: set[str]) -> None:
    metrics = {m.name: m for m in scanned.extraction.spec.metrics}
    assert {loc.path for loc in metrics[name].recorded_at} == files


def test_signal_handler_metrics_use_family_names(scanned: SourceScan) -> None:
    handlers = {h.handler: h for h in scanned.extraction.spec.signals}
    assert handlers["on_failure"].metrics == ("tasks_done",)
    assert handlers["on_ready"].metrics == ("queue_depth",)
    assert handlers["on_failure"].module == "app.signals"


def test_broken_file_is_a_notice_and_tests_are_left_out(scanned: SourceScan) -> None:
    syntax = [n for n in scanned.extraction.notices if n.kind == "syntax-error"]
    assert [(n.path, n.line) for n in syntax] == [("app/broken.py", 1)]
    assert "only_in_tests" not in {t.name.rpartition(".")[2] for t in scanned.extraction.spec.tasks}


LITERAL_CASES = [
    # a queue name, first written in constants.py
    ("gpu", Location("app/constants.py", 3)),
    # a beat entry name
    ("nightly-cleanup", Location("app/celeryconfig.py", 11)),
    # a setting assigned in the config module
    ("task_time_limit", Location("app/celeryconfig.py", 7)),
]


@pytest.mark.parametrize(("text", "where"), LITERAL_CASES)
def test_literals_index(scanned: SourceScan, text: str, where: Location) -> None:
    assert scanned.literals[text] == where


def test_symbols_are_definitions(scanned: SourceScan) -> None:
    symbols = {(s.name, s.kind): s for s in scanned.extraction.spec.symbols}
    assert symbols["app.tasks.render", "function"].params == ("self", "scene_id")
    # the module itself, and the name app/__init__.py re-exports
    assert ("app.celery_app", "module") in symbols
    assert ("app.celery_app", "attribute") in symbols
    assert ("app.monitoring.record_done", "function") in symbols


def test_missing_package_is_a_notice(tmp_path: Path) -> None:
    result = scan_package_sources(tmp_path, [tmp_path], "nothing_here")
    assert result.extraction.spec.is_empty()
    assert [n.kind for n in result.extraction.notices] == ["not-judged"]


def test_scanning_celery_itself_is_fast_and_clean() -> None:
    site = Path(celery.__file__).parent.parent
    started = time.perf_counter()
    result = scan_package_sources(site, [site], "celery")
    elapsed = time.perf_counter() - started
    assert not [n for n in result.extraction.notices if n.kind == "syntax-error"]
    assert len(result.extraction.spec.symbols) > 1000
    # Generous bound for a loaded CI machine; about 1.2 s on two cores.
    assert elapsed < 15


MONITORING = (
    "from prometheus_client import Counter\n"
    "FAILURES = Counter('task_failures', 'Failed tasks', ['task_name'])\n"
    "def record_failure(name):\n    FAILURES.labels(task_name=name).inc()\n"
    "def log_failure(name):\n    print(name)\n"
)
HELPER_CASES = [
    # conforming: the handler records through a helper imported by name
    (
        "from app.monitoring import record_failure",
        "record_failure(sender.name)",
        ("task_failures",),
    ),
    # conforming: through the helper's module
    ("from app import monitoring", "monitoring.record_failure(sender.name)", ("task_failures",)),
    # an imported helper that records nothing adds nothing
    ("from app.monitoring import log_failure", "log_failure(sender.name)", ()),
]


@pytest.mark.parametrize(("imports", "call", "metrics"), HELPER_CASES)
def test_signal_handler_metrics_recorded_by_an_imported_helper(
    tmp_path: Path, imports: str, call: str, metrics: tuple[str, ...]
) -> None:
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "monitoring.py").write_text(MONITORING)
    (package / "signals.py").write_text(
        f"from celery.signals import task_failure\n{imports}\n"
        f"@task_failure.connect\ndef on_failure(sender=None, **kw):\n    {call}\n"
    )
    scan = scan_package_sources(tmp_path, [tmp_path], "app")
    (handler,) = scan.extraction.spec.signals
    assert handler.metrics == metrics
