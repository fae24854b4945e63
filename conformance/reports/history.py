"""Which side of a drift probably moved: the doc line or the code line, by git history.

A finding points at a doc line and a code line that disagree. The side whose line was
edited last is probably the one that moved, so the *other* side probably needs the edit:
if the code line is newer, the docs are stale; if the doc line is newer, the code is (or
the doc edit was wrong). :class:`History` asks ``git blame --porcelain`` for the last
commit of each line and compares the author times.

This is a hint for a reviewer, never a verdict, so every doubt ends in silence (``None``)
rather than an error: no git, no repository, an untracked file, a line that is not
committed yet, both lines from one commit, a line past the file's end, a git failure or a
timeout. Nothing here raises.

``git blame`` costs a process and a walk through history per call, so the lines of one
file are blamed together (one ``-L n,n`` per line) and the answers are cached.
"""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Literal

from conformance.model import Location

__all__ = ["Direction", "History", "LineCommit"]

_TIMEOUT = 10.0
"""Seconds per git call: a report must not hang on a huge or broken repository."""

_SHORT_SHA = 7
_MAX_SUBJECT = 72
_ELLIPSIS = "…"

# A porcelain header line: ``<sha> <original line> <final line> [<lines in group>]``.
# SHA-1 repositories have 40 hex digits, SHA-256 ones 64.
_HEADER = re.compile(r"^([0-9a-f]{40}|[0-9a-f]{64}) \d+ (\d+)(?: \d+)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_TZ = re.compile(r"^([+-])(\d\d)(\d\d)$")


@dataclass(frozen=True)
class LineCommit:
    """The last commit that touched a line."""

    sha: str
    """Abbreviated to 7 characters."""
    date: str
    """Author date, ``YYYY-MM-DD``, in the author's own time zone."""
    subject: str
    """The commit's summary line, one line of at most 72 characters."""


@dataclass(frozen=True)
class Direction:
    """Which side of a drift probably needs the edit, and the commits that say so."""

    stale: Literal["docs", "code"]
    doc: LineCommit
    code: LineCommit

    def sentence(self) -> str:
        """Plain text (no Markdown) for a report, naming the newer commit."""
        if self.stale == "docs":
            return (
                f"the code changed on {self.code.date} ({_cite(self.code)}), "
                f"the doc line is from {self.doc.date}: the docs are probably stale"
            )
        return (
            f"the doc line changed on {self.doc.date} ({_cite(self.doc)}), "
            f"the code line is from {self.code.date}: "
            "the code probably needs the change (or the doc edit was wrong)"
        )


def _cite(commit: LineCommit) -> str:
    # A commit may have an empty message (--allow-empty-message): no empty quotes then.
    return f"{commit.sha} “{commit.subject}”" if commit.subject else commit.sha


@dataclass(frozen=True)
class _Blamed:
    """What History keeps per line: the public answer plus what comparing needs."""

    commit: LineCommit
    full_sha: str
    time: int
    """Author time in seconds since the epoch: finer than the date, for ordering."""


class History:
    """Blames lines of one repository, lazily, one `git blame` call per file with several
    -L ranges for all requested lines of that file, results cached.

    ``root`` is the project folder (it may be a sub-folder of the repository); locations
    are relative to it. ``blame_calls`` counts the ``git blame`` processes started, so a
    caller (or a test) can check that prefetching really batches.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blame_calls = 0
        # path -> line -> answer; None is cached too, so a failure is not retried.
        self._cache: dict[str, dict[int, _Blamed | None]] = defaultdict(dict)
        self._in_repo = _is_work_tree(root)

    def line(self, location: Location) -> LineCommit | None:
        """The last commit that touched the line, or None when git cannot say."""
        blamed = self._blamed(location)
        return blamed.commit if blamed else None

    def direction(self, doc: Location | None, code: Location | None) -> Direction | None:
        """Which side probably needs the edit, or None when history does not tell."""
        if doc is None or code is None:
            return None
        self.prefetch([doc, code])
        old_doc, old_code = self._blamed(doc), self._blamed(code)
        if old_doc is None or old_code is None:
            return None
        if old_doc.full_sha == old_code.full_sha or old_doc.time == old_code.time:
            return None  # Both moved together (or indistinguishably): no side to blame.
        stale: Literal["docs", "code"] = "docs" if old_code.time > old_doc.time else "code"
        return Direction(stale, old_doc.commit, old_code.commit)

    def prefetch(self, locations: Iterable[Location]) -> None:
        """Blame each file once for all the given lines not answered yet."""
        wanted: dict[str, set[int]] = defaultdict(set)
        for location in locations:
            if location.line not in self._cache[location.path]:
                wanted[location.path].add(location.line)
        for path, lines in wanted.items():
            self._blame_file(path, sorted(lines))

    def _blamed(self, location: Location) -> _Blamed | None:
        cached = self._cache[location.path]
        if location.line not in cached:
            self._blame_file(location.path, [location.line])
        return cached.get(location.line)

    def _blame_file(self, path: str, lines: list[int]) -> None:
        cached = self._cache[path]
        for number in lines:
            cached[number] = None  # Until blame says otherwise, and if it never does.
        if not self._in_repo:
            return
        # One line past the end makes git fail the whole call, losing the good lines too,
        # so only lines that exist in the working tree (what blame reads) are asked for.
        length = _line_count(self.root / path)
        present = [number for number in lines if 1 <= number <= length]
        if not present:
            return
        self.blame_calls += 1
        output = _blame(self.root, path, present)
        if output is not None:
            cached.update(_parse_porcelain(output, present))


def _run_git(args: list[str], cwd: Path) -> str | None:
    """Git's stdout, or None on any failure: missing git, bad cwd, error, timeout."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, check=False, timeout=_TIMEOUT
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    if done.returncode != 0:
        return None
    # Blame prints the lines' own bytes, which need not be UTF-8.
    return done.stdout.decode("utf-8", errors="replace")


def _is_work_tree(root: Path) -> bool:
    # --show-toplevel fails outside a repository, in a bare one and inside .git itself.
    top = _run_git(["rev-parse", "--show-toplevel"], root)
    return bool(top and top.strip())


def _line_count(path: Path) -> int:
    """Lines as git counts them: a last line without a newline still counts."""
    try:
        data = path.read_bytes()
    except OSError:
        return 0
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _blame(root: Path, path: str, lines: list[int]) -> str | None:
    ranges = [option for number in lines for option in ("-L", f"{number},{number}")]
    # No revision: blame the working tree, so an edited line shows as not committed yet.
    return _run_git(["blame", "--porcelain", *ranges, "--", path], root)


def _parse_porcelain(output: str, lines: Iterable[int]) -> dict[int, _Blamed | None]:
    """Answers for the requested lines from ``git blame --porcelain`` output.

    Porcelain prints a commit's details (author-time, summary...) only the first time it
    appears, so they are gathered per sha before lines are matched to commits.
    """
    line_sha: dict[int, str] = {}
    details: dict[str, dict[str, str]] = defaultdict(dict)
    sha = ""
    # Split on "\n" only: a blamed line may hold "\r", "\f" or "\u2028", which
    # str.splitlines() would treat as line ends and so desynchronise the parse.
    for row in output.split("\n"):
        if row.startswith("\t"):
            continue  # The line's content, which we do not need.
        header = _HEADER.match(row)
        if header:
            sha = header.group(1)
            line_sha[int(header.group(2))] = sha
        elif sha:
            key, _, value = row.partition(" ")
            details[sha].setdefault(key, value)
    return {number: _entry(line_sha.get(number), details) for number in lines}


def _entry(sha: str | None, details: Mapping[str, Mapping[str, str]]) -> _Blamed | None:
    if sha is None or set(sha) == {"0"}:
        return None  # Not blamed, or "Not Committed Yet": the working tree is no history.
    info = details.get(sha, {})
    try:
        time = int(info["author-time"])
    except (KeyError, ValueError):
        return None
    date = _date(time, info.get("author-tz", "+0000"))
    if date is None:
        return None
    commit = LineCommit(sha[:_SHORT_SHA], date, _one_line(info.get("summary", "")))
    return _Blamed(commit, sha, time)


def _date(time: int, tz: str) -> str | None:
    """The author's calendar date (in the author's zone, as ``git log`` shows it)."""
    match = _TZ.match(tz)
    offset = timedelta(0)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        offset = sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
    try:
        return datetime.fromtimestamp(time, timezone(offset)).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def _one_line(subject: str) -> str:
    """A subject safe for one line of plain text, cut to 72 characters with "…"."""
    text = " ".join(_CONTROL.sub(" ", subject).split())
    if len(text) <= _MAX_SUBJECT:
        return text
    return text[: _MAX_SUBJECT - len(_ELLIPSIS)].rstrip() + _ELLIPSIS
