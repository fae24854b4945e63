"""The checked project is only read: every command leaves its tree byte-identical.

The example is copied, made read-only (``chmod -R a-w``) and checked with every command
and mode; the tree (paths, bytes, modes, no ``__pycache__``) must be the same afterwards.
Tests may run as root, for whom a read-only mode blocks nothing: the byte-for-byte
comparison is what proves no write happened. Output files go only where they are told
to, atomically.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import clirun

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"
DOC = "docs/03-backend/services/background-tasks.md"


def snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """Every path under ``root`` with its mode and content hash (folders: empty hash)."""
    found: dict[str, tuple[int, str]] = {}
    for path in sorted(root.rglob("*")):
        mode = path.lstat().st_mode
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        found[path.relative_to(root).as_posix()] = (mode, digest)
    return found


def make_read_only(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    make_read_only(root)
    yield root
    for path in [root, *root.rglob("*")]:  # let pytest clean tmp_path up
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # No PYTHONDONTWRITEBYTECODE here: the probe child must set it itself.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return clirun.run_cli(cwd, *args, env=env)


@pytest.mark.parametrize(
    ("args", "status"),
    [
        # the whole check, each mode, the default text report on stdout
        (("check", "--mode", "live"), 1),
        (("check", "--mode", "static"), 1),
        (("check",), 1),
        # every report format
        (("check", "--format", "markdown"), 1),
        (("check", "--format", "json"), 1),
        (("check", "--format", "sarif"), 1),
        (("check", "--format", "junit"), 1),
        (("check", "--format", "github"), 1),
        # the documented spec and the implementation's spec, on stdout
        (("extract", DOC), 0),
        (("introspect", "--mode", "live"), 0),
        (("introspect", "--mode", "static"), 0),
    ],
)
def test_commands_leave_a_read_only_project_unchanged(
    project: Path, args: tuple[str, ...], status: int
) -> None:
    before = snapshot(project)
    done = run_cli(project, *args)
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout
    assert snapshot(project) == before
    assert not list(project.rglob("__pycache__"))


def test_outputs_go_where_they_are_told_and_only_there(project: Path, tmp_path: Path) -> None:
    before = snapshot(project)
    out = tmp_path / "out"
    done = run_cli(
        project,
        "check",
        "--format",
        "markdown",
        "--output",
        str(out / "report.md"),
        "--write-baseline",
        str(out / "baseline.json"),
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    done = run_cli(project, "extract", DOC, "--output", str(out / "docs.yaml"))
    assert done.returncode == 0, done.stderr
    done = run_cli(project, "introspect", "--output", str(out / "code.yaml"))
    assert done.returncode == 0, done.stderr
    assert snapshot(project) == before
    # exactly the four files asked for, no temporary leftovers
    assert sorted(p.name for p in out.iterdir()) == [
        "baseline.json",
        "code.yaml",
        "docs.yaml",
        "report.md",
    ]
    assert (out / "report.md").read_text().startswith("# Background Tasks Documentation")
    assert (out / "docs.yaml").read_text().startswith("version: 1\n")


def test_an_unwritable_output_is_one_error_line_and_no_partial_file(
    project: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder is needed\n")
    done = run_cli(project, "check", "--output", str(blocker / "report.md"))
    assert done.returncode == 2
    assert done.stderr.startswith(f"conformance: error: {blocker / 'report.md'}: cannot write: ")
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
    assert blocker.read_text() == "a file where a folder is needed\n"


def test_a_failed_run_keeps_the_previous_report(project: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    report.write_text("previous report\n")
    done = run_cli(project, "check", "--app", "nosuch:app", "--mode", "live", "-o", str(report))
    assert done.returncode == 2
    assert done.stderr == (
        "conformance: error: nosuch:app: cannot import: ModuleNotFoundError: "
        "No module named 'nosuch'\n"
    )
    assert report.read_text() == "previous report\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report.md")] == []
