"""``conformance init``: set a project up without importing it.

The repository is read (never imported) for its Celery app, the Markdown pages that
describe it, its Prometheus metric modules and its deploy files
(:func:`~conformance.adopt.discover.discover`); the findings become a
``[tool.conformance]`` table in ``<root>/pyproject.toml``
(:func:`~conformance.adopt.write.write_table`, every other byte kept), each key printed
with the evidence for its value. A first check (static, so it is quick and imports
nothing) then shows where the project stands.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from conformance.adopt.choose import Picker
from conformance.adopt.discover import Discovery, discover
from conformance.adopt.pyscan import AppCandidate
from conformance.adopt.tomltext import existing_table_line, has_table, parse_existing
from conformance.adopt.write import write_table
from conformance.errors import ConformanceError

__all__ = ["Discovery", "discover", "run_init"]


def run_init(args: argparse.Namespace) -> int:
    """The ``init`` command; 0 once the table is written, whatever the drift."""
    root = _root(args.root)
    pyproject = root / "pyproject.toml"
    shown = _shown(pyproject)
    if not args.force:
        _refuse_existing(pyproject, shown)  # before the repository is walked
    found = discover(root, given=args.app, pick=None if args.yes else _terminal_picker())
    for entry in found.entries:
        _say(entry.line())
    for note in found.notes:
        _say(f"note: {note}")
    write_table(pyproject, found.entries, force=args.force, shown=shown)
    _say(f"wrote [tool.conformance] to {shown}")
    if args.no_check:
        return 0
    return _first_check(pyproject)


def _say(line: str) -> None:
    # `conformance init | head -3`: a reader that stops reading must not stop the table
    # from being written.
    with contextlib.suppress(BrokenPipeError):
        print(line, flush=True)


def _root(given: Path | None) -> Path:
    root = Path.cwd() if given is None else given
    if not root.is_dir():
        raise ConformanceError("--root: directory not found", str(root))
    return root.resolve()


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _refuse_existing(pyproject: Path, shown: str) -> None:
    try:
        text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConformanceError(f"cannot read: {exc}", shown) from None
    if has_table(parse_existing(text, shown)):
        raise ConformanceError(
            "[tool.conformance] exists; pass --force to replace it",
            shown,
            existing_table_line(text),
        )


def _terminal_picker() -> Picker | None:
    """Asks on the terminal; ``None`` (take the first) when nobody is there to ask."""
    if not sys.stdin.isatty():
        return None
    return _ask


def _ask(candidates: Sequence[AppCandidate]) -> int:
    print("Several Celery apps found, none started by a deploy file:")
    for number, candidate in enumerate(candidates, start=1):
        print(f"  {number}. {candidate.spec}  ({candidate.found_at})")
    while True:
        try:
            answer = input(f"Which one? [1-{len(candidates)}, default 1]: ").strip()
        except EOFError:
            raise ConformanceError("no app chosen; pass --app MODULE:ATTR or --yes") from None
        if not answer:
            return 0
        if answer.isdigit() and 1 <= int(answer) <= len(candidates):
            return int(answer) - 1
        print(f"  please type a number from 1 to {len(candidates)}")


def _first_check(pyproject: Path) -> int:
    from conformance.config import load_config
    from conformance.pipeline import run_check
    from conformance.reports._common import summary_counts

    # The written file, read back as `check` reads it; static: quick, imports nothing.
    config = replace(load_config(pyproject), mode="static")
    try:
        result = run_check(config)
    except ConformanceError as error:
        print(f"conformance: error: first check: {error.line_text()}", file=sys.stderr)
        return 2
    _say(f"first check (static): {summary_counts(result)}")
    rules: dict[str, int] = {}
    for finding in result.findings:
        rules[finding.rule] = rules.get(finding.rule, 0) + 1
    if rules:
        _say("drift: " + ", ".join(f"{rule} ({count})" for rule, count in sorted(rules.items())))
    _say("run `conformance check` for the full report")
    return 0
