"""The app import is contained: broken, slow, noisy and crashing apps through the real CLI.

Each case is a real project in ``tmp_path`` whose app module misbehaves at import, checked
by ``python -m conformance check`` in a child process. In ``--mode live`` the run ends with
exit 2 and one line naming the cause; in ``--mode auto`` it falls back to static analysis
and says why. No traceback ever reaches the user.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.config import Config
from conformance.introspect.launch import (
    EXTRA_ENV_VARIABLE,
    MAX_OUTPUT_VARIABLE,
    PASSED_VARIABLES,
    child_environment,
)
from conformance.introspect.live import probe_app

APP_HEAD = """\
from celery import Celery

app = Celery("brokenapp", broker="memory://")


@app.task
def ping():
    return "pong"


"""
# The line of the first statement after APP_HEAD: where a misbehaving tail starts.
TAIL_LINE = APP_HEAD.count("\n") + 1

DOC = """\
# Tasks

| Task | Queue |
| --- | --- |
| `brokenapp.ping` | `celery` |
"""

# The notice points at the `app = ...` line of the generated pyproject.toml (line 2).
FALLBACK = "pyproject.toml:2: note: the app did not import, so this check used static analysis: "


def make_project(root: Path, tail: str, timeout: float) -> Path:
    """A project whose app module defines ``ping`` (static analysis finds it) and then
    runs ``tail`` at import."""
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "tasks.md").write_text(DOC)
    (root / "brokenapp.py").write_text(APP_HEAD + tail)
    (root / "pyproject.toml").write_text(
        f'[tool.conformance]\napp = "brokenapp:app"\ndocs = ["docs/*.md"]\ntimeout = {timeout}\n'
    )
    return root


def run_check(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", "check", *args],
        cwd=project,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


CAUSES = [
    # an exception at import, located in the user's file
    (
        'raise RuntimeError("boom")\n',
        10,
        f"brokenapp:app: cannot import: RuntimeError: boom (at brokenapp.py:{TAIL_LINE})",
    ),
    # an import that never ends, stopped at the configured timeout
    ("import time\ntime.sleep(60)\n", 1, "brokenapp:app: did not finish importing within 1 s"),
    # slow, but slower than the timeout allows
    ("import time\ntime.sleep(3)\n", 0.5, "brokenapp:app: did not finish importing within 0.5 s"),
    # sys.exit at import (prints first, which must not leak into the message either)
    (
        'print("{not json")\nimport sys\nsys.exit(3)\n',
        10,
        "brokenapp:app: cannot import: SystemExit: the app called sys.exit(3) "
        f"(at brokenapp.py:{TAIL_LINE + 2})",
    ),
    # os._exit skips every handler: the child ends without a word
    (
        "import os\nos._exit(5)\n",
        10,
        "brokenapp:app: the app exited during import (exit status 5) before the probe could answer",
    ),
    # a segfault in C code
    (
        "import ctypes\nctypes.string_at(0)\n",
        10,
        "brokenapp:app: the probe was killed by signal SIGSEGV",
    ),
    # abort()
    ("import os\nos.abort()\n", 10, "brokenapp:app: the probe was killed by signal SIGABRT"),
    # killed from outside (here: by itself) with SIGKILL
    (
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
        10,
        "brokenapp:app: the probe was killed by signal SIGKILL",
    ),
    # a child that closes its result channel and keeps running is still stopped in time
    (
        "import os, time\nos.close(1)\ntime.sleep(60)\n",
        1,
        "brokenapp:app: did not finish importing within 1 s",
    ),
]


@pytest.mark.parametrize(("tail", "timeout", "cause"), CAUSES)
def test_live_mode_fails_with_one_line_naming_the_cause(
    tmp_path: Path, tail: str, timeout: float, cause: str
) -> None:
    project = make_project(tmp_path / "project", tail, timeout)
    done = run_check(project, "--mode", "live")
    assert done.returncode == 2
    assert done.stderr == f"conformance: error: {cause}\n"
    assert done.stdout == ""
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("tail", "timeout", "cause"), CAUSES)
def test_auto_mode_falls_back_to_static_and_says_why(
    tmp_path: Path, tail: str, timeout: float, cause: str
) -> None:
    project = make_project(tmp_path / "project", tail, timeout)
    done = run_check(project, "--mode", "auto", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["mode"] == "static"
    # static analysis still found the documented task
    assert [c["subject"] for c in report["conforming"] if c["category"] == "tasks"] == [
        "brokenapp.ping"
    ]
    (fallback,) = [n for n in report["notices"] if n["kind"] == "static-fallback"]
    assert fallback["message"] == (
        f"the app did not import, so this check used static analysis: {cause}"
    )
    assert "Traceback" not in done.stderr


def test_auto_mode_text_report_prints_the_fallback_notice(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", "import os\nos.abort()\n", 10)
    done = run_check(project)
    assert done.returncode == 0
    assert done.stderr == ""
    assert (FALLBACK + "brokenapp:app: the probe was killed by signal SIGABRT\n") in done.stdout
    assert "(mode: static" in done.stdout.splitlines()[-2]


@pytest.mark.parametrize(
    ("tail", "timeout"),
    [
        # slow but within the timeout: live works
        ("import time\ntime.sleep(1.5)\n", 20),
        # prints, writes to fd 1 and logs to stdout at import: the JSON channel stays clean
        (
            'print("{not json")\nimport os, sys, logging\nos.write(1, b"]]raw")\n'
            'logging.basicConfig(stream=sys.stdout)\nlogging.warning("noise")\n',
            20,
        ),
    ],
)
def test_slow_or_noisy_apps_are_still_probed_live(
    tmp_path: Path, tail: str, timeout: float
) -> None:
    project = make_project(tmp_path / "project", tail, timeout)
    done = run_check(project, "--mode", "live", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # nothing the app printed is in the report
    assert report["mode"] == "live"
    assert [c["subject"] for c in report["conforming"] if c["category"] == "tasks"] == [
        "brokenapp.ping"
    ]
    assert "noise" not in done.stdout and "raw" not in done.stdout


# Celery compiles a signature from the function's name: a lambda's "<lambda>" won't do.
TASK_FACTORY = """\
def make_task(name):
    def run():
        return name

    return app.task(name=name)(run)


"""

MANY_TASKS = (
    TASK_FACTORY
    + """\
for number in range(3000):
    make_task(f"generated.task_number_{number}")
"""
)


def test_an_answer_larger_than_the_cap_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", MANY_TASKS, 30)
    done = run_check(project, "--mode", "live", env={MAX_OUTPUT_VARIABLE: "20000"})
    assert done.returncode == 2
    assert done.stderr == (
        "conformance: error: brokenapp:app: probe output exceeds 20000 bytes "
        f"(set {MAX_OUTPUT_VARIABLE} to raise the cap)\n"
    )
    # the same app with the default cap is read in full
    done = run_check(project, "--mode", "live", "--format", "json")
    assert done.returncode == 0, done.stderr


def test_a_child_flooding_its_channel_is_cut_off_at_the_cap(tmp_path: Path) -> None:
    # Writing past the probe's own cap, straight to the result channel (fd 3 is the copy
    # of stdout the probe keeps): the parent stops reading and kills the child.
    tail = "import os\nfor _ in range(1000):\n    os.write(3, b'x' * 10000)\n"
    project = make_project(tmp_path / "project", tail, 30)
    done = run_check(project, "--mode", "live", env={MAX_OUTPUT_VARIABLE: "50000"})
    assert done.returncode == 2
    assert done.stderr == (
        "conformance: error: brokenapp:app: probe output exceeds 50000 bytes "
        f"(set {MAX_OUTPUT_VARIABLE} to raise the cap)\n"
    )


def test_a_child_flooding_stderr_does_not_exhaust_memory(tmp_path: Path) -> None:
    # 200 MB of log lines at import: only the tail is kept, the probe still succeeds.
    tail = (
        "import os\nline = b'log line\\n' * 100000\nfor _ in range(250):\n    os.write(2, line)\n"
    )
    project = make_project(tmp_path / "project", tail, 60)
    result = probe_app(Config(root=project, app="brokenapp:app", timeout=60))
    assert [t.name for t in result.extraction.spec.tasks] == ["brokenapp.ping"]


ENV_REPORT = (
    TASK_FACTORY
    + """\
import os

for name in sorted(os.environ):
    make_task("env." + name)
"""
)


def test_the_child_environment_is_built_not_inherited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "project", ENV_REPORT, 30)
    for name in list(os.environ):
        if name.startswith(("LC_", "CELERY_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GITHUB_TOKEN", "secret")  # never passed
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")  # never passed
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")  # replaced by the search paths
    monkeypatch.setenv("CELERY_BROKER_URL", "memory://")  # Celery's own: passed
    monkeypatch.setenv("APP_FLAVOUR", "blue")  # passed because listed below
    monkeypatch.setenv(EXTRA_ENV_VARIABLE, "APP_FLAVOUR, NOT_SET_ANYWHERE")
    result = probe_app(Config(root=project, app="brokenapp:app"))
    seen = {t.name.removeprefix("env.") for t in result.extraction.spec.tasks} - {"brokenapp.ping"}
    assert seen - PASSED_VARIABLES == {
        "APP_FLAVOUR",
        "CELERY_BROKER_URL",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONIOENCODING",
        "PYTHONPATH",
    }


def test_child_environment_values(tmp_path: Path) -> None:
    config = Config(root=tmp_path, search_paths=(".", "src"))
    parent = {
        "PATH": "/bin",
        "LC_ALL": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "site.settings",
        "CONFORMANCE_PROBE_ENV": "DATABASE_URL",
        "DATABASE_URL": "sqlite://",
        "SSH_AUTH_SOCK": "/tmp/agent",
        "PYTHONPATH": "/elsewhere",
        "PYTHONSTARTUP": "/home/me/startup.py",
    }
    assert child_environment(config, parent) == {
        "PATH": "/bin",
        "LC_ALL": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "site.settings",
        "DATABASE_URL": "sqlite://",
        "PYTHONPATH": os.pathsep.join([str(tmp_path.resolve()), str(tmp_path.resolve() / "src")]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
    }
