"""The live probe starts first and is never waited for in vain.

A live check spends most of its time in the child that imports the app, so the child is
started before the readers and the model are even imported (the docs are read while it
works), its timeout counts from that start, and a run that fails for another reason
(a docs error) kills it at once instead of waiting for the import to finish.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clirun import run_cli

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")

APP = """\
import time
from celery import Celery

app = Celery("slowapp", broker="memory://")
time.sleep({sleep})


@app.task
def ping():
    return "pong"
"""

DOC = """\
# Tasks

| Task | Queue |
| --- | --- |
| `slowapp.ping` | `celery` |
"""

SPY = """\
import json, subprocess, sys
started = []
real = subprocess.Popen.__init__
def spy(self, *args, **kwargs):
    started.append(sorted(m for m in sys.modules if m.startswith("conformance.")))
    real(self, *args, **kwargs)
subprocess.Popen.__init__ = spy
from conformance.cli import main
status = main(["check", "--format", "json", "-o", "report.json"])
print(json.dumps([status, started[0]]))
"""


def make_project(root: Path, *, sleep: float, docs: str = "docs/*.md") -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "tasks.md").write_text(DOC)
    (root / "slowapp.py").write_text(APP.format(sleep=sleep))
    (root / "pyproject.toml").write_text(
        f'[tool.conformance]\napp = "slowapp:app"\ndocs = ["{docs}"]\nmode = "live"\ntimeout = 60\n'
    )
    return root


def test_the_probe_starts_before_the_model_and_readers_are_imported(tmp_path: Path) -> None:
    project = make_project(tmp_path, sleep=0)
    done = subprocess.run(
        [sys.executable, "-c", SPY],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    status, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == 0, done.stderr
    assert "conformance.introspect.launch" in loaded
    for heavy in ("conformance.model", "conformance.extract", "conformance.rules"):
        assert heavy not in loaded, loaded
    assert '"mode": "live"' in (project / "report.json").read_text()


def timed_check(project: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = run_cli(project, "check", timeout=60)
    return done, time.monotonic() - started


def test_a_docs_error_ends_the_run_without_waiting_for_the_import(tmp_path: Path) -> None:
    # The doc named without a wildcard does not exist: exit 2. The app takes 30 s to
    # import; before, the run waited for it (a docs error was raised once the probe ended).
    project = make_project(tmp_path, sleep=30, docs="docs/missing.md")
    done, took = timed_check(project)
    assert done.returncode == 2
    assert "docs/missing.md" in done.stderr and "not found" in done.stderr
    assert took < 15, f"waited {took:.1f} s for an import whose answer was not wanted"


def test_the_timeout_counts_from_the_start_of_the_import(tmp_path: Path) -> None:
    # The run does other work (1.5 s here, standing for the docs) before it asks for the
    # answer: the 2 s the app may take run from the launch, not from the asking.
    from conformance.config import Config
    from conformance.errors import ConformanceError
    from conformance.introspect.launch import launch_probe

    make_project(tmp_path, sleep=30)
    started = time.monotonic()
    probe = launch_probe(Config(root=tmp_path, app="slowapp:app", mode="live", timeout=2))
    time.sleep(1.5)
    with pytest.raises(ConformanceError, match="did not finish importing within 2 s"):
        probe.document()
    assert time.monotonic() - started < 3.0  # counted from the asking: 3.5 s or more


def test_a_slow_import_started_first_is_cut_off_with_one_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, sleep=30)
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace("timeout = 60", "timeout = 2"))
    done, took = timed_check(project)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.endswith("slowapp:app: did not finish importing within 2 s")
    assert took < 12


def test_several_apps_are_probed_side_by_side(tmp_path: Path) -> None:
    # One child per app, all started at once; the check sees the union of their tasks.
    for name in ("alpha", "beta"):
        (tmp_path / f"{name}.py").write_text(
            "from celery import Celery\n\n"
            f"app = Celery('{name}', broker='memory://')\n\n\n"
            f"@app.task(name='{name}.ping')\ndef ping():\n    return 'pong'\n"
        )
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "tasks.md").write_text(
        "# Tasks\n\n| Task | Queue |\n| --- | --- |\n"
        "| `alpha.ping` | `celery` |\n| `beta.ping` | `celery` |\n"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.conformance]\napp = ["alpha:app", "beta:app"]\ndocs = ["docs/*.md"]\nmode = "live"\n'
    )
    done = run_cli(tmp_path, "check", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["mode"] == "live"
    assert not [f for f in report["findings"] if f["rule"].startswith("task.")]
