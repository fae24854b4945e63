"""`check --workers`: real Celery workers on real Redis and RabbitMQ, asked over the
broker; the real command line in a child process.

Each test copies ``fixtures/runtime_workers/shop`` with its own run id in the queue names
and the app's ``control_exchange`` (see ``services.py``): tests in parallel on the same
broker never hear each other's workers.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.config import load_config
from conformance.model import Origin, RunningWorker
from conformance.runtime.workers import inspect_workers

from clirun import run_cli
from services import (
    CeleryWorkers,
    celery_workers_fixture,  # noqa: F401 (the `celery_workers` fixture)
    closed_port,
    forget_broker_state,
    rabbitmq_url_fixture,  # noqa: F401 (the `rabbitmq_url` fixture)
    redis_url_fixture,  # noqa: F401 (the `redis_url` fixture)
    run_id,
)

FIXTURES = Path(__file__).parent / "fixtures" / "runtime_workers"
APP = "shop.celery_app:app"
TIMEOUT = 3  # the fixture's `timeout`: the first broadcast waits this long


class Shop:
    """A copy of the fixture project for one test, with its run id and broker."""

    def __init__(self, tmp: Path, broker: str) -> None:
        self.run = run_id()
        self.broker = broker
        self.tmp = tmp
        self.root = self.copy("current")

    def copy(self, name: str, *overlays: str) -> Path:
        """The project in ``tmp/name``, with each overlay folder laid over it."""
        target = self.tmp / name
        shutil.copytree(FIXTURES / "shop", target)
        for overlay in overlays:
            shutil.copytree(FIXTURES / overlay, target, dirs_exist_ok=True)
        for path in target.rglob("*"):
            if path.is_file() and path.suffix in {".py", ".md", ".toml"}:
                text = path.read_text(encoding="utf-8")
                text = text.replace("__RUN__", self.run).replace("__BROKER__", self.broker)
                path.write_text(text, encoding="utf-8")
        return target

    def queue(self, name: str) -> str:
        return f"{self.run}-{name}"

    @property
    def control_exchange(self) -> str:
        return f"{self.run}-control"

    @property
    def queues(self) -> list[str]:
        return [self.queue(q) for q in ("emails", "reports", "default")]


@pytest.fixture
def redis_shop(tmp_path: Path, redis_url: str) -> Iterator[Shop]:
    shop = Shop(tmp_path, redis_url)
    yield shop
    forget_broker_state(redis_url, shop.run, shop.queues)


@pytest.fixture
def rabbitmq_shop(tmp_path: Path, rabbitmq_url: str) -> Iterator[Shop]:
    shop = Shop(tmp_path, rabbitmq_url)
    yield shop
    forget_broker_state(rabbitmq_url, shop.run, shop.queues)


@pytest.fixture(params=["redis", "rabbitmq"])
def shop(request: pytest.FixtureRequest) -> Shop:
    found: Shop = request.getfixturevalue(f"{request.param}_shop")
    return found


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line, without Celery's environment variables (`CELERY_BROKER_URL`
    would win over the app's broker_url for `--workers auto`, as it does in Celery)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    return run_cli(root, *args, env={**env, "PYTHONDONTWRITEBYTECODE": "1"}, timeout=60)


def check_json(root: Path, *args: str) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    result = cli(root, "check", "--format", "json", *args)
    elapsed = time.monotonic() - started
    assert result.returncode in (0, 1), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report, elapsed


def runtime_findings(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(
        (f["rule"], f["subject"]) for f in report["findings"] if f["category"] == "runtime"
    )


def runtime_conforming(report: dict[str, Any]) -> set[str]:
    return {c["subject"] for c in report["conforming"] if c["category"] == "runtime"}


# --- drift ------------------------------------------------------------------------------


def test_a_queue_no_running_worker_consumes_is_found(
    redis_shop: Shop, celery_workers: CeleryWorkers
) -> None:
    shop = redis_shop
    # Only the `mail` worker runs, and with another prefetch than the docs give it.
    celery_workers.start(
        shop.root, APP, "mail@%h", [shop.queue("emails")], "--prefetch-multiplier", "2"
    )
    celery_workers.wait_ready(shop.broker, shop.control_exchange, ["mail@%h"])

    # `auto`: the broker and control exchange are read from the app's source.
    report, elapsed = check_json(shop.root, "--workers", "auto")

    assert runtime_findings(report) == [
        ("runtime.profile-mismatch", "mail"),
        ("runtime.queue-unconsumed", shop.queue("default")),
        ("runtime.queue-unconsumed", shop.queue("reports")),
    ]
    by_subject = {f["subject"]: f for f in report["findings"]}
    default = by_subject[shop.queue("default")]
    assert default["severity"] == "error"
    assert default["code"]["path"] == "shop/tasks.py"
    assert "`shop.tasks.cleanup`, `shop.tasks.refund`" in default["message"]
    assert f"the running workers consume `{shop.queue('emails')}`" in default["message"]
    mismatch = by_subject["mail"]
    assert (mismatch["severity"], mismatch["documented"], mismatch["actual"]) == (
        "warning",
        "prefetch multiplier=4",
        "prefetch multiplier=2",
    )
    assert mismatch["doc"]["path"] == "docs/tasks.md"
    # Every task is registered by the one running worker: none is unregistered.
    assert {shop.queue("emails"), "shop.tasks.send_email", "shop.tasks.refund"} <= (
        runtime_conforming(report)
    )
    assert elapsed < 15


def test_a_task_the_running_workers_do_not_know_is_found(
    rabbitmq_shop: Shop, celery_workers: CeleryWorkers
) -> None:
    shop = rabbitmq_shop
    # The worker runs the previous release: `refund` did not exist yet.
    old = shop.copy("old", "shop_old")
    celery_workers.start(old, APP, "general@%h", shop.queues)
    celery_workers.wait_ready(shop.broker, shop.control_exchange, ["general@%h"])

    report, elapsed = check_json(shop.root, "--workers", shop.broker)

    assert runtime_findings(report) == [("runtime.task-unregistered", "shop.tasks.refund")]
    finding = report["findings"][0]
    assert finding["severity"] == "error"
    assert finding["code"] == {"path": "shop/tasks.py", "line": 19}
    assert finding["doc"]["path"] == "docs/tasks.md"
    assert f"routed to `{shop.queue('default')}`" in finding["message"]
    assert "general@" in finding["message"]
    assert "guest:guest" not in json.dumps(report)
    assert elapsed < 15


def test_what_a_running_worker_reports(redis_shop: Shop, celery_workers: CeleryWorkers) -> None:
    shop = redis_shop
    celery_workers.start(
        shop.root,
        APP,
        "reports@%h",
        [shop.queue("reports"), shop.queue("default")],
        "--prefetch-multiplier",
        "3",
    )
    celery_workers.wait_ready(shop.broker, shop.control_exchange, ["reports@%h"])
    config = load_config(shop.root / "pyproject.toml").with_overrides(workers=shop.broker)

    found = inspect_workers(config)

    (worker,) = found.spec.running
    assert worker.name.startswith("reports@")
    assert worker == RunningWorker(
        worker.name,
        queues=tuple(sorted([shop.queue("default"), shop.queue("reports")])),
        tasks=(
            "shop.tasks.build_report",
            "shop.tasks.cleanup",
            "shop.tasks.refund",
            "shop.tasks.send_email",
        ),
        concurrency=1,
        pool="solo",
        prefetch_multiplier=3,
        origin=Origin.RUNTIME,
    )
    assert found.notices == ()
    assert found.spec.tasks == ()  # only what the workers report, nothing of the code


# --- conforming -------------------------------------------------------------------------


def test_workers_that_match_the_code_and_the_docs_conform(
    shop: Shop, celery_workers: CeleryWorkers
) -> None:
    celery_workers.start(shop.root, APP, "mail@%h", [shop.queue("emails")])
    celery_workers.start(
        shop.root, APP, "general@%h", [shop.queue("default"), shop.queue("reports")]
    )
    celery_workers.wait_ready(shop.broker, shop.control_exchange, ["mail@%h", "general@%h"])

    report, elapsed = check_json(shop.root, "--workers", shop.broker)

    assert report["findings"] == []
    assert runtime_conforming(report) == {
        *shop.queues,
        "shop.tasks.send_email",
        "shop.tasks.build_report",
        "shop.tasks.cleanup",
        "shop.tasks.refund",
        "mail",
        "general",
    }
    assert report["notices"] == []
    # The first broadcast waits the whole timeout; the others end when both answered.
    assert elapsed < TIMEOUT + 8


# --- the broker cannot be used ------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["amqp", "redis"])
def test_an_unreachable_broker_is_one_line_with_the_password_hidden(
    tmp_path: Path, scheme: str
) -> None:
    port = closed_port()
    url = (
        f"amqp://guest:s3cret@127.0.0.1:{port}//"
        if scheme == "amqp"
        else f"redis://:s3cret@127.0.0.1:{port}/0"
    )
    shop = Shop(tmp_path, url)

    started = time.monotonic()
    result = cli(shop.root, "check", "--workers", url)
    elapsed = time.monotonic() - started

    shown = url.replace("s3cret", "***")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"conformance: error: cannot reach the broker at {shown}: ")
    assert "s3cret" not in result.stderr
    assert elapsed < TIMEOUT + 5


@pytest.mark.parametrize("scheme", ["amqp", "redis"])
def test_a_broker_that_accepts_and_never_answers_is_given_up_on_in_time(
    tmp_path: Path, scheme: str
) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshakes; nobody ever speaks
        port = silent.getsockname()[1]
        url = f"{scheme}://guest:s3cret@127.0.0.1:{port}/0"
        shop = Shop(tmp_path, url)

        started = time.monotonic()
        result = cli(shop.root, "check", "--workers", url)
        elapsed = time.monotonic() - started

    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        f"conformance: error: cannot reach the broker at {scheme}://guest:***@127.0.0.1:{port}/0: "
    )
    assert TIMEOUT <= elapsed < TIMEOUT + 5


def test_no_worker_answering_is_an_error(shop: Shop) -> None:
    # Nothing listens on this test's control exchange (maybe others' workers elsewhere).
    started = time.monotonic()
    result = cli(shop.root, "check", "--workers", "auto")
    elapsed = time.monotonic() - started

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"conformance: error: no worker answered at {shop.broker.replace(':guest@', ':***@')} "
        f"(control exchange `{shop.control_exchange}`) within {TIMEOUT} s"
    ]
    assert TIMEOUT <= elapsed < TIMEOUT + 5


# --- `auto` without a URL to use ------------------------------------------------------------


@pytest.mark.parametrize(
    ("broker", "expected"),
    [
        (None, "app `shop.celery_app:app` sets no broker_url in its source"),
        ('os.environ["BROKER_URL"]', "computes its broker_url at run time"),
    ],
)
def test_auto_needs_a_broker_url_the_source_sets(
    tmp_path: Path, broker: str | None, expected: str
) -> None:
    shop = Shop(tmp_path, "unused")
    module = shop.root / "shop" / "celery_app.py"
    text = module.read_text(encoding="utf-8")
    text = text.replace('broker="unused", ', "" if broker is None else f"broker={broker}, ")
    module.write_text("import os\n" + text, encoding="utf-8")

    result = cli(shop.root, "check", "--workers", "auto")

    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert lines[0].endswith("pass the broker URL: --workers BROKER_URL")


def test_auto_takes_celery_broker_url_from_the_environment_first(tmp_path: Path) -> None:
    # As Celery does: CELERY_BROKER_URL wins over the app's broker_url.
    shop = Shop(tmp_path, "redis://127.0.0.1:6379/15")
    port = closed_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env["CELERY_BROKER_URL"] = f"amqp://guest:s3cret@127.0.0.1:{port}//"

    result = run_cli(shop.root, "check", "--workers", "auto", env=env, timeout=60)

    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert f"cannot reach the broker at amqp://guest:***@127.0.0.1:{port}//: " in line
