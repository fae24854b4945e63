"""The pre-commit hook, run by the real ``pre-commit`` against a temporary project.

The hook repository is a throwaway git snapshot of this checkout's working tree (made
under tmp_path, so the hook runs the code under test, not the last commit). pre-commit
builds the hook's virtualenv with pip, as it does for users; with the package index
reachable that takes about 6-7 s here, once per module.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PROJECT = REPO / "tests" / "fixtures" / "gate_project"
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
GIT_ID = ["-c", "user.name=conformance-tests", "-c", "user.email=tests@example.invalid"]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *GIT_ID, *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def snapshot_checkout(dest: Path) -> str:
    """Copy the working tree (tracked and untracked, not ignored) and commit it; the HEAD."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "snapshot for the pre-commit test")
    return git(dest, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """(hook repository, its commit, a PRE_COMMIT_HOME shared by the module's tests)."""
    base = tmp_path_factory.mktemp("hook")
    repo = base / "repo"
    repo.mkdir()
    rev = snapshot_checkout(repo)
    return repo, rev, base / "pre-commit-home"


def make_project(path: Path, hook: tuple[Path, str, Path]) -> None:
    repo, rev, _home = hook
    shutil.copytree(PROJECT, path)
    config = {"repos": [{"repo": str(repo), "rev": rev, "hooks": [{"id": "conformance"}]}]}
    (path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    git(path, "init", "-q")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "project")


def run_pre_commit(project: Path, hook: tuple[Path, str, Path]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(hook[2]), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [str(PRE_COMMIT), "run", "--all-files"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_hook_definition_is_what_pre_commit_expects() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "conformance"
    assert hook["entry"] == "conformance check --mode static --cache"
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    matches = re.compile(hook["files"]).search
    assert all(matches(name) for name in ("docs/a.md", "app/tasks.py", "compose.yaml", "k.yml"))
    assert not matches("logo.png")


def test_the_hook_passes_on_a_conforming_project(
    tmp_path: Path, hook_repo: tuple[Path, str, Path]
) -> None:
    make_project(tmp_path / "proj", hook_repo)
    done = run_pre_commit(tmp_path / "proj", hook_repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "conformance" in done.stdout and "Passed" in done.stdout


def test_the_hook_fails_and_prints_the_finding_on_drift(
    tmp_path: Path, hook_repo: tuple[Path, str, Path]
) -> None:
    project = tmp_path / "proj"
    make_project(project, hook_repo)
    doc = project / "docs" / "tasks.md"
    doc.write_text(
        doc.read_text(encoding="utf-8").replace("| `reports` | 3 |", "| `reports` | 4 |"),
        encoding="utf-8",
    )
    done = run_pre_commit(project, hook_repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
    assert "docs/tasks.md:5: error: task.option-mismatch: task `proj.build_report`" in done.stdout
