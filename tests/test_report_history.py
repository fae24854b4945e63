"""Which side of a drift moved, read from a real (temporary) git history.

Every repository is built in ``tmp_path`` with fixed author and committer dates, so shas
and dates are reproducible, and with the machine's git configuration shut out, so a
developer's ``~/.gitconfig`` (signing, hooks, templates) cannot change the outcome.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conformance.model import Location
from conformance.reports.history import Direction, History, LineCommit

DOC = "docs/tasks.md"
CODE = "app/tasks.py"
OLD = "2025-11-10T12:00:00+00:00"
NEW = "2026-03-02T12:00:00+00:00"


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Git sees only what a test builds: no user or system config, no outer repository."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    # A tmp folder that happens to sit inside a checkout must not look like a repository.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.resolve()))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)


def git(repo: Path, *args: str, when: str = OLD, committed: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": committed or when}
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def new_repo(repo: Path) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q")
    git(repo, "config", "user.name", "Conformance Tests")
    git(repo, "config", "user.email", "tests@example.invalid")
    git(repo, "config", "commit.gpgsign", "false")
    return repo


def write(root: Path, path: str, *lines: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def commit(repo: Path, message: str, when: str, committed: str | None = None) -> str:
    """Commit everything; return the full sha."""
    git(repo, "add", "-A", when=when)
    git(repo, "commit", "-q", "-m", message, when=when, committed=committed)
    return git(repo, "rev-parse", "HEAD")


def project(root: Path, *, code_name: str = "proj.build_report") -> None:
    """A doc page and a module that name the same task on line 2 of each."""
    write(root, DOC, "# Tasks", "The `proj.build_report` task retries 3 times.", "End.")
    write(root, CODE, "from proj import app", f"@app.task(name={code_name!r})", "def f(): ...")


def doc_line() -> Location:
    return Location(DOC, 2)


def code_line() -> Location:
    return Location(CODE, 2)


# --- which side moved --------------------------------------------------------------------


def test_newer_code_line_means_the_docs_are_stale(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    project(repo)
    commit(repo, "first version", OLD)
    project(repo, code_name="proj.make_report")
    # Late evening in New York is already the next day in UTC: the author's zone counts.
    sha = commit(repo, "rename model task", "2026-03-02T23:30:00-05:00")

    found = History(repo).direction(doc_line(), code_line())

    assert found is not None
    assert found.stale == "docs"
    assert found.code == LineCommit(sha[:7], "2026-03-02", "rename model task")
    assert found.doc.date == "2025-11-10"
    assert found.sentence() == (
        f"the code changed on 2026-03-02 ({sha[:7]} “rename model task”), "
        "the doc line is from 2025-11-10: the docs are probably stale"
    )


def test_newer_doc_line_means_the_code_probably_needs_the_change(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    project(repo)
    commit(repo, "first version", OLD)
    write(repo, DOC, "# Tasks", "The `proj.build_report` task retries 5 times.", "End.")
    sha = commit(repo, "document more retries", NEW)

    found = History(repo).direction(doc_line(), code_line())

    assert found is not None
    assert found.stale == "code"
    assert found.doc == LineCommit(sha[:7], "2026-03-02", "document more retries")
    assert found.sentence() == (
        f"the doc line changed on 2026-03-02 ({sha[:7]} “document more retries”), "
        "the code line is from 2025-11-10: "
        "the code probably needs the change (or the doc edit was wrong)"
    )


def test_the_time_of_day_decides_within_one_date(tmp_path: Path) -> None:
    # Both commits share a date string, so only the author time can order them.
    repo = new_repo(tmp_path / "repo")
    project(repo)
    commit(repo, "morning", "2026-03-02T09:00:00+00:00")
    project(repo, code_name="proj.make_report")
    commit(repo, "evening", "2026-03-02T17:00:00+00:00")

    found = History(repo).direction(doc_line(), code_line())

    assert found is not None
    assert (found.stale, found.doc.date, found.code.date) == ("docs", "2026-03-02", "2026-03-02")


def test_author_time_not_commit_time_decides(tmp_path: Path) -> None:
    # A rebase gives an old change a new committer date; the change itself is still old.
    repo = new_repo(tmp_path / "repo")
    project(repo)
    commit(repo, "docs and code", "2026-01-01T12:00:00+00:00")
    project(repo, code_name="proj.make_report")
    commit(repo, "old change, rebased", "2025-12-01T12:00:00+00:00", committed=NEW)

    found = History(repo).direction(doc_line(), code_line())

    assert found is not None
    assert found.stale == "code"


def test_equal_author_times_say_nothing(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    project(repo)
    commit(repo, "first", NEW)
    project(repo, code_name="proj.make_report")
    commit(repo, "second, same second", NEW)

    assert History(repo).direction(doc_line(), code_line()) is None


# --- when history cannot tell --------------------------------------------------------------


def test_outside_a_repository_nothing_is_said(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    project(root)

    history = History(root)

    assert history.line(doc_line()) is None
    assert history.direction(doc_line(), code_line()) is None
    assert history.blame_calls == 0


def test_without_git_nothing_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = new_repo(tmp_path / "repo")
    project(repo)
    commit(repo, "first", OLD)
    monkeypatch.setenv("PATH", str(tmp_path / "no-binaries-here"))

    history = History(repo)

    assert history.line(doc_line()) is None
    assert history.direction(doc_line(), code_line()) is None


def test_a_file_never_committed_says_nothing(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    write(repo, DOC, "# Tasks", "Committed.")
    commit(repo, "docs only", OLD)
    write(repo, CODE, "from proj import app", "@app.task(name='proj.build_report')")
    write(repo, "app/staged.py", "x = 1", "y = 2")
    git(repo, "add", "app/staged.py")  # In the index, still without a commit.

    history = History(repo)

    assert history.line(Location(DOC, 2)) is not None
    assert history.line(code_line()) is None
    assert history.line(Location("app/staged.py", 2)) is None
    assert history.direction(Location(DOC, 2), code_line()) is None


def test_a_line_edited_but_not_committed_says_nothing(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    project(repo)
    commit(repo, "first", OLD)
    project(repo, code_name="proj.make_report")  # Working tree only.

    history = History(repo)

    assert history.line(code_line()) is None
    assert history.line(Location(CODE, 1)) is not None  # The untouched line still answers.
    assert history.direction(doc_line(), code_line()) is None


def test_both_lines_from_one_commit_say_nothing(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    project(repo)
    commit(repo, "first", OLD)

    history = History(repo)

    assert history.line(doc_line()) == history.line(code_line())
    assert history.direction(doc_line(), code_line()) is None


def test_a_missing_side_says_nothing(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    project(repo)
    commit(repo, "first", OLD)

    history = History(repo)

    assert history.direction(None, code_line()) is None
    assert history.direction(doc_line(), None) is None


def test_a_line_past_the_end_says_nothing_and_spoils_no_other_line(tmp_path: Path) -> None:
    # git blame fails the whole call when one -L range is past the end of the file.
    repo = new_repo(tmp_path / "repo")
    project(repo)
    sha = commit(repo, "first", OLD)

    history = History(repo)
    history.prefetch([Location(DOC, 99), Location(DOC, 0), doc_line()])

    assert history.line(Location(DOC, 99)) is None
    assert history.line(Location(DOC, 0)) is None
    assert history.line(doc_line()) == LineCommit(sha[:7], "2025-11-10", "first")
    assert history.direction(Location(DOC, 99), code_line()) is None


# --- batching ------------------------------------------------------------------------------


def test_prefetch_blames_each_file_once(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    project(repo)
    commit(repo, "first", OLD)
    wanted = [Location(DOC, n) for n in (1, 2, 3)] + [Location(CODE, n) for n in (1, 3)]

    history = History(repo)
    history.prefetch(wanted)

    assert history.blame_calls == 2
    assert all(history.line(location) is not None for location in wanted)
    assert history.direction(doc_line(), Location(CODE, 3)) is None  # Same commit.
    assert history.blame_calls == 2  # Everything above came from the cache.


def test_one_blame_sorts_lines_of_several_commits(tmp_path: Path) -> None:
    # Porcelain prints a commit's details only the first time it appears, so line 3
    # (again the first commit) must borrow them from line 1.
    repo = new_repo(tmp_path / "repo")
    project(repo)
    first = commit(repo, "first", OLD)
    write(repo, DOC, "# Tasks", "Changed.", "End.")
    second = commit(repo, "second", NEW)

    history = History(repo)
    history.prefetch([Location(DOC, 3), Location(DOC, 2), Location(DOC, 1)])

    assert history.blame_calls == 1
    assert history.line(Location(DOC, 1)) == LineCommit(first[:7], "2025-11-10", "first")
    assert history.line(Location(DOC, 2)) == LineCommit(second[:7], "2026-03-02", "second")
    assert history.line(Location(DOC, 3)) == LineCommit(first[:7], "2025-11-10", "first")


# --- where the project lives, what a subject looks like ----------------------------------------


def test_root_may_be_a_sub_folder_of_the_repository(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    root = repo / "services" / "proj"
    project(root)
    commit(repo, "first version", OLD)
    project(root, code_name="proj.make_report")
    sha = commit(repo, "rename model task", NEW)

    found = History(root).direction(doc_line(), code_line())

    assert found is not None
    assert (found.stale, found.code.sha) == ("docs", sha[:7])


def test_subjects_are_one_short_line(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    project(repo)
    commit(repo, "x" * 100 + "\n\nA body that must not show.", OLD)

    found = History(repo).line(doc_line())

    assert found is not None
    assert found.subject == "x" * 71 + "…"
    assert len(found.subject) == 72


def test_direction_is_a_frozen_value() -> None:
    commit_ = LineCommit("abc1234", "2026-03-02", "s")
    direction = Direction("docs", commit_, commit_)

    with pytest.raises(AttributeError):
        direction.stale = "code"  # type: ignore[misc]
