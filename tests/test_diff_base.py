"""``--diff-base REV`` on a temporary git history: only drift added since REV counts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.cli import main

PROJECT = Path(__file__).resolve().parent / "fixtures" / "gate_project"
GIT_ID = ["-c", "user.name=conformance-tests", "-c", "user.email=tests@example.invalid"]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *GIT_ID, *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def edit_doc(root: Path, old: str, new: str) -> None:
    doc = root / "docs" / "tasks.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A repository whose project lives in a sub-folder; two commits.

    1. the project with one drift (build_report's retries);
    2. new drift on top (send_mail's retries), and the old drift's line moved down.
    """
    repo = tmp_path / "repo"
    root = repo / "services" / "proj"
    shutil.copytree(PROJECT, root)
    git(repo, "init", "-q")
    edit_doc(root, "| `reports` | 3 |", "| `reports` | 4 |")
    commit_all(repo, "old drift")
    edit_doc(root, "| `mail` | 5 |", "| `mail` | 1 |")
    edit_doc(root, "# Background tasks\n", "# Background tasks\n\nMoved down.\n")
    commit_all(repo, "new drift")
    return root


def check(root: Path, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, str, str]:
    status = main(["check", "--config", str(root / "pyproject.toml"), *options])
    out, err = capsys.readouterr()
    return status, out, err


def subjects(out: str) -> list[str]:
    return [f["subject"] for f in json.loads(out)["findings"]]


def test_only_drift_added_since_the_base_is_reported(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = check(history, capsys, "--format", "json")
    assert (status, subjects(out)) == (1, ["proj.build_report", "proj.send_mail"])
    status, out, _ = check(history, capsys, "--format", "json", "--diff-base", "HEAD~1")
    assert (status, subjects(out)) == (1, ["proj.send_mail"])
    assert [f["subject"] for f in json.loads(out)["waived"]] == ["proj.build_report"]


def test_a_base_with_all_of_todays_drift_passes(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = check(history, capsys, "--format", "json", "--diff-base", "HEAD")
    assert (status, subjects(out)) == (0, [])


def test_uncommitted_drift_counts_as_new(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_doc(history, "| `mail` | 1 |", "| `mail` | 2 |")
    status, out, _ = check(history, capsys, "--format", "json", "--diff-base", "HEAD")
    assert (status, subjects(out)) == (1, ["proj.send_mail"])


def test_the_worktree_is_cleaned_up(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check(history, capsys, "--diff-base", "HEAD~1")
    repo = history.parents[1]
    assert git(repo, "worktree", "list").count("\n") == 0  # only the main worktree
    assert git(repo, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("rev", "message"),
    [
        # a name that is no revision at all
        ("no-such-branch", "--diff-base: `no-such-branch` is not a git revision"),
        # further back than the history goes
        ("HEAD~5", "--diff-base: `HEAD~5` is not a git revision"),
    ],
)
def test_a_bad_revision_is_exit_2_in_one_line(
    history: Path, capsys: pytest.CaptureFixture[str], rev: str, message: str
) -> None:
    status, out, err = check(history, capsys, "--diff-base", rev)
    assert (status, out) == (2, "")
    assert err.strip().splitlines() == [f"conformance: error: {message}"]


def test_outside_a_git_repository_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "plain"
    shutil.copytree(PROJECT, root)
    status, _, err = check(root, capsys, "--diff-base", "HEAD")
    assert status == 2 and "--diff-base needs a git repository" in err


def _git_state(repo: Path) -> dict[str, bytes]:
    """Every file under .git that a read-only run must leave alone (index aside)."""
    return {
        str(p.relative_to(repo)): p.read_bytes()
        for p in sorted((repo / ".git").rglob("*"))
        if p.is_file() and p.name != "index"
    }


def test_the_base_is_read_without_writing_into_the_repository(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = history.parents[1]
    before = _git_state(repo)
    status, out, _ = check(history, capsys, "--format", "json", "--diff-base", "HEAD~1")
    assert (status, subjects(out)) == (1, ["proj.send_mail"])
    assert _git_state(repo) == before  # no worktree, no lock, no ref was written


def test_a_project_folder_new_since_the_base_makes_all_drift_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "README").write_text("first\n", encoding="utf-8")
    commit_all(repo, "before the project")
    root = repo / "proj"
    shutil.copytree(PROJECT, root)
    edit_doc(root, "| `mail` | 5 |", "| `mail` | 1 |")
    commit_all(repo, "project with drift")
    status, out, _ = check(root, capsys, "--format", "json", "--diff-base", "HEAD~1")
    assert (status, subjects(out)) == (1, ["proj.send_mail"])
