"""``conformance fix``: edit the docs so they say what the code does.

The implementation is the truth: a check runs, each finding that a doc edit settles
becomes one (:mod:`conformance.fixes.plan`), and the edits are shown as a unified diff
(``--diff``, the default) or written (``--write``, each file atomically). Only the doc
files the configuration lists are touched; code, spec files and deployment files never
are. Findings no edit can settle are listed for a person.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.fileio import write_atomic
from conformance.findings import Finding
from conformance.fixes.apply import apply_edits, unified_diff
from conformance.fixes.plan import DocEdit, Plan, plan_edits
from conformance.fixes.sections import regenerate
from conformance.fixes.suggestions import review
from conformance.reports._common import one_line, plural
from conformance.rules.context import Context
from conformance.rules.generated import render_section

__all__ = ["DocEdit", "Plan", "plan_edits", "run_fix"]


def run_fix(config: Config, *, write: bool, suggestions: bool = False) -> int:
    """Plan and show (or write) the doc edits; the exit status is 1 when ``--diff`` has
    edits to show (like ``ruff --diff``), else 0."""
    from conformance.pipeline import find_files, run_check

    result = run_check(config)
    paths = find_files(config.root, config.docs, what="Markdown doc", required=False)
    texts = {config.rel(path): _read(path, config.rel(path)) for path in paths}
    plan = plan_edits(result.findings, {p: t.splitlines() for p, t in texts.items()})
    changed: dict[str, str] = {}
    skipped: list[DocEdit] = []
    sections = 0
    ctx = Context(result.documented, result.actual)
    for path in sorted(texts):
        mine = [e for e in plan.edits if e.path == path]
        applied = apply_edits(texts[path], mine)
        skipped.extend(applied.skipped)
        # Generated sections last: their content is written whole, whatever edits said.
        text, written = regenerate(applied.text, lambda kind: render_section(kind, ctx))
        sections += written
        if text != texts[path]:
            changed[path] = text
    if write:
        for path, text in changed.items():
            write_atomic(config.root / path, text)
    elif suggestions:
        sys.stdout.write(review({p: texts[p] for p in changed}, changed, plan.edits))
        sys.stdout.flush()
    else:
        sys.stdout.write("".join(unified_diff(p, texts[p], t) for p, t in changed.items()))
        sys.stdout.flush()
    _tell(plan, changed, skipped, write, sections)
    return 1 if changed and not (write or suggestions) else 0


def _read(path: Path, shown: str) -> str:
    try:
        # newline="" keeps \r\n files as they are: an edit changes words, not line ends.
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConformanceError(f"cannot read: {exc}", shown) from None


def _tell(
    plan: Plan, changed: dict[str, str], skipped: Sequence[DocEdit], write: bool, sections: int
) -> None:
    """What was done and what is left, on standard error (standard output is the diff)."""
    edits = len(plan.edits) - len(skipped)
    verb = "made" if write else "to make"
    written = f", {plural(sections, 'generated section')} written" if sections else ""
    print(
        f"conformance fix: {plural(edits, 'edit')} {verb} in "
        f"{plural(len(changed), 'file')}{written}",
        file=sys.stderr,
    )
    for edit in skipped:
        print(
            f"{edit.path}:{edit.line}: note: skipped: the line no longer reads "
            f"{one_line(edit.old)!r} (the file changed since the check)",
            file=sys.stderr,
        )
    if plan.unfixable:
        print(
            f"{plural(len(plan.unfixable), 'finding')} need a person (no doc edit settles them):",
            file=sys.stderr,
        )
        for finding in plan.unfixable:
            print(f"  {_line(finding)}", file=sys.stderr)


def _line(finding: Finding) -> str:
    place = str(finding.location) if finding.location else "-"
    return f"{one_line(place)}: {finding.rule}: {one_line(finding.message)}"
