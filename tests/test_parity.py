"""Static mode gives live mode's answer on the example and on every real-world shape.

Each project runs through the real CLI in a child process, once per mode; the findings
(rule, subject, documented, actual) must be the same, except those about items static
analysis marks dynamic (a task whose queue a router picks at run time, a schedule
without timing, a dynamic route or setting), which the rules do not judge statically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from clirun import run_cli

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "background-tasks"
SHAPES = HERE / "fixtures" / "shapes"

PROJECTS = [
    # the bundled example reproducing the seed report
    EXAMPLE,
    # Django settings (CELERY_* and CELERYBEAT_SCHEDULE), -A proj, INSTALLED_APPS tasks
    SHAPES / "django_settings",
    # constants and enum names, a config class, env defaults, beat built by a function
    SHAPES / "constants_config",
    # two apps in one repository, autodiscovery from a package list, a config module
    SHAPES / "two_apps",
]


def findings(project: Path, mode: str) -> tuple[set[tuple[Any, ...]], dict[str, Any]]:
    proc = run_cli(project, "check", "--format", "json", "--mode", mode)
    assert proc.returncode in (0, 1), proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)
    assert report["mode"] == mode
    found = {(f["rule"], f["subject"], f["documented"], f["actual"]) for f in report["findings"]}
    return found, report


def dynamic_subjects(project: Path) -> set[str]:
    """Names of the items static analysis leaves to run time."""
    proc = run_cli(project, "introspect", "--mode", "static")
    assert proc.returncode == 0, proc.stderr
    spec = yaml.safe_load(proc.stdout)
    names = {t["name"] for t in spec.get("tasks", []) if t.get("queue") is None}
    names |= {s["name"] for s in spec.get("schedules", []) if s.get("schedule") is None}
    names |= {r["task"] for r in spec.get("routes", []) if r.get("dynamic")}
    names |= {s["name"] for s in spec.get("settings", []) if s.get("dynamic")}
    return names


def judged(found: set[tuple[Any, ...]], dynamic: set[str]) -> set[tuple[Any, ...]]:
    return {f for f in found if f[1] not in dynamic and f[3] not in dynamic}


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_static_finds_what_live_finds(project: Path) -> None:
    live, _ = findings(project, "live")
    static, _ = findings(project, "static")
    dynamic = dynamic_subjects(project)
    assert judged(static, dynamic) == judged(live, dynamic)
    # Every project drifts on purpose: the comparison is never between two empty sets.
    assert live


def test_auto_falls_back_to_static_and_says_so() -> None:
    project = SHAPES / "import_fails"
    proc = run_cli(project, "check", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["mode"] == "static"
    fallback = [n for n in report["notices"] if n["kind"] == "static-fallback"]
    assert len(fallback) == 1
    assert "cloud_sdk_not_installed" in fallback[0]["message"]
    # ...located where the configuration names the app
    assert (fallback[0]["path"], fallback[0]["line"]) == ("pyproject.toml", 4)
    rules = {(f["rule"], f["subject"], f["actual"]) for f in report["findings"]}
    assert rules == {("task.option-mismatch", "svc.jobs.export", "time_limit=45")}
    # The module that does not parse is named with its line; the check went on.
    assert {
        "kind": "syntax-error",
        "message": "python does not parse: invalid syntax",
        "path": "svc/legacy.py",
        "line": 1,
    } in report["notices"]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        # the text summary line names the fallback
        ("text", "(mode: static, the app did not import)"),
        # the markdown summary sentence too
        ("markdown", "(static analysis because the app did not import)"),
    ],
)
def test_fallback_is_visible_in_the_summary(fmt: str, expected: str) -> None:
    proc = run_cli(SHAPES / "import_fails", "check", "--format", fmt)
    assert proc.returncode == 1, proc.stderr
    assert expected in proc.stdout


def test_live_mode_does_not_fall_back() -> None:
    proc = run_cli(SHAPES / "import_fails", "check", "--mode", "live")
    assert proc.returncode == 2
    assert "cloud_sdk_not_installed" in proc.stderr
