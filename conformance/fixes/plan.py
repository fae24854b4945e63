"""Findings → doc edits, taking the implementation as the truth.

Each edit replaces one piece of text on one doc line: a task's documented name by its
registered name, an option's value in its table cell or next to its name, a queue, a
schedule phrase, a setting's value, a callback or code name. An edit is planned only
where the line shows the documented text exactly once (or the table's header says which
cell holds it); everything else is left to a person and listed as not fixable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from conformance.extract.tables import TASK_OPTION_COLUMNS, Columns
from conformance.extract.values import plain, unit_factor
from conformance.findings import Finding


@dataclass(frozen=True)
class DocEdit:
    """Replace ``old`` by ``new`` on ``line`` of ``path`` (within table cell ``cell`` when
    set: the 0-based column of a ``| a | b |`` row)."""

    path: str
    line: int
    old: str
    new: str
    rule: str
    subject: str
    cell: int | None = None


@dataclass(frozen=True)
class Plan:
    edits: tuple[DocEdit, ...]
    unfixable: tuple[Finding, ...]


# Rules whose documented and actual values are names: the doc's name becomes the code's.
_NAME_RULES = frozenset(
    {
        "task.renamed",
        "task.qualified-name",
        "canvas.callback-mismatch",
        "route.mismatch",
        "schedule.task-mismatch",
    }
)
# A documented item the code lacks: its table row is struck through, not deleted.
_REMOVED = frozenset(
    {
        "task.missing",
        "schedule.missing",
        "queue.missing",
        "metric.missing",
        "worker.profile-missing",
        "deploy.service-missing",
    }
)
# Not here: symbol.renamed. A code name in a snippet is used again further down
# (`tracker = ProgressTracker(...)`); renaming one line would leave the snippet wrong.


def plan_edits(findings: Iterable[Finding], lines_of: dict[str, Sequence[str]]) -> Plan:
    """The edits that make the docs say what the code does.

    ``lines_of`` holds the text of every doc file that may be edited (path → lines): a
    finding on any other file (a spec file, a page outside ``docs``) is not fixable here.
    """
    edits: list[DocEdit] = []
    unfixable: list[Finding] = []
    for finding in findings:
        doc = finding.doc
        lines = lines_of.get(doc.path) if doc is not None else None
        if doc is None or lines is None or not 0 < doc.line <= len(lines):
            unfixable.append(finding)
            continue
        if finding.rule in _REMOVED and _named_elsewhere(finding, lines_of):
            # Struck here, it would still be claimed there: a person decides.
            unfixable.append(finding)
            continue
        planned = list(_edits_for(finding, lines[doc.line - 1]))
        if finding.rule == "task.option-mismatch":
            # The same option written as a keyword where the docs define the task
            # (`@app.task(name="t", time_limit=3600)` in a snippet).
            planned.extend(_keyword_edits(finding, lines_of))
        if not planned and _from_a_paragraph(finding, lines[doc.line - 1]):
            planned = list(_in_paragraph(finding, lines))
        if planned:
            edits.extend(planned)
            if finding.rule in _EVERYWHERE:
                edits.extend(_elsewhere(planned[0], lines_of))
        else:
            unfixable.append(finding)
    return Plan(tuple(_unique(edits)), tuple(unfixable))


# A task's documented name is one item however often the docs write it; renaming it on
# the finding's line only would leave the other mentions naming a task that is gone.
_EVERYWHERE = frozenset({"task.renamed", "task.qualified-name", "canvas.callback-mismatch"})


def _from_a_paragraph(finding: Finding, line: str) -> bool:
    """Whether the claim was read from a sentence (its cue is the evidence), not from a
    table row or a code block, whose items each have their own line."""
    assert finding.doc is not None
    evidence = finding.doc.evidence
    return not line.lstrip().startswith("|") and any(e.startswith("cue:") for e in evidence)


def _in_paragraph(finding: Finding, lines: Sequence[str]) -> Iterator[DocEdit]:
    """A claim read from a paragraph is placed at the paragraph's first line; its words may
    be on a later one. The first later line (before a blank line) that has them."""
    assert finding.doc is not None
    start = finding.doc.line
    for number in range(start + 1, min(start + 30, len(lines) + 1)):
        line = lines[number - 1]
        if not line.strip():
            return
        moved = replace(finding, doc=replace(finding.doc, line=number))
        planned = list(_edits_for(moved, line))
        if planned:
            yield from planned
            return


def _elsewhere(edit: DocEdit, lines_of: dict[str, Sequence[str]]) -> Iterator[DocEdit]:
    """The same rename on every other line of the doc files that writes the full name
    once (a line that writes it twice is left alone: which one is meant is unclear), and,
    when the function itself was renamed, its bare name where the docs use it
    (`` `generate_single_model` task``, ``generate_single_model.s(...)``)."""
    renames = [(edit.old, edit.new)] if "." in edit.old else []
    short_old, short_new = edit.old.rsplit(".", 1)[-1], edit.new.rsplit(".", 1)[-1]
    if short_old != short_new:
        renames.append((short_old, short_new))
    for old, new in renames:
        for path, lines in lines_of.items():
            for number, line in enumerate(lines, start=1):
                if (path, number) != (edit.path, edit.line) and _count(old, line) == 1:
                    yield DocEdit(path, number, old, new, edit.rule, edit.subject)


def _unique(edits: list[DocEdit]) -> Iterator[DocEdit]:
    seen: set[tuple[str, int, str, str, int | None]] = set()
    for edit in edits:
        key = (edit.path, edit.line, edit.old, edit.new, edit.cell)
        if key not in seen:
            seen.add(key)
            yield edit


def _edits_for(finding: Finding, line: str) -> Iterator[DocEdit]:
    assert finding.doc is not None
    doc, actual, documented = finding.doc, finding.actual, finding.documented
    if finding.rule in _REMOVED:
        yield from _struck(finding, line)
        return
    if not actual or not documented:
        return
    if finding.rule in _NAME_RULES:
        old, new = _names(documented, actual, line)
        if old is not None and new is not None:
            yield DocEdit(doc.path, doc.line, old, new, finding.rule, finding.subject)
    elif finding.rule == "task.option-mismatch":
        yield from _option_edits(finding, line)
    elif finding.rule == "config.mismatch":
        yield from _setting_edits(finding, line)
    elif finding.rule == "schedule.mismatch" and _count(documented, line) == 1:
        yield DocEdit(doc.path, doc.line, documented, actual, finding.rule, finding.subject)


def _named_elsewhere(finding: Finding, lines_of: dict[str, Sequence[str]]) -> bool:
    """Whether a doc line other than the finding's has the subject's name as a word (a
    sentence, a command's `-n batch@%h`): it may claim it there too."""
    assert finding.doc is not None
    return any(
        _count(finding.subject, line)
        for path, lines in lines_of.items()
        for number, line in enumerate(lines, start=1)
        if (path, number) != (finding.doc.path, finding.doc.line)
    )


def _struck(finding: Finding, line: str) -> Iterator[DocEdit]:
    """What the code no longer has, marked rather than deleted: the table row's name,
    struck through (the docs keep the history; the row claims nothing any more)."""
    assert finding.doc is not None
    cells = _cells(line)
    name = f"`{finding.subject}`"
    if cells and cells[0].strip() == name:
        yield DocEdit(
            finding.doc.path,
            finding.doc.line,
            name,
            f"~~{name}~~",
            finding.rule,
            finding.subject,
            0,
        )


def _count(text: str, line: str) -> int:
    """Occurrences of ``text`` on ``line`` as a whole word (``3`` is not in ``3D``)."""
    return len(re.findall(rf"(?<![\w.]){re.escape(text)}(?![\w])", line))


def _names(documented: str, actual: str, line: str) -> tuple[str | None, str | None]:
    """The documented name as the line writes it, and the actual name in the same form.

    In a code span (`` `tasks.a` ``) a task is named by its registered name, so the whole
    name is written; in code (``finalize_batch.s(...)``, ``from x import Name``) it is an
    identifier, so only the last part of the actual name is.
    """
    short_doc, short_actual = documented.rsplit(".", 1)[-1], actual.rsplit(".", 1)[-1]
    if _count(f"`{documented}`", line) == 1:
        return documented, actual
    if _count(documented, line) == 1 and "." in documented:
        return documented, actual
    if _count(short_doc, line) == 1:
        return short_doc, short_actual
    return None, None


def _pairs(text: str) -> dict[str, str]:
    """``time_limit=300, max_retries=0`` → {option: value}."""
    found = {}
    for part in text.split(", "):
        name, sep, value = part.partition("=")
        if sep:
            found[name.strip()] = value.strip()
    return found


def _option_edits(finding: Finding, line: str) -> Iterator[DocEdit]:
    assert finding.doc is not None and finding.documented and finding.actual
    doc = finding.doc
    documented, actual = _pairs(finding.documented), _pairs(finding.actual)
    columns = _columns(doc.evidence)
    cells = _cells(line)
    for option, old_value in documented.items():
        new_value = actual.get(option)
        if new_value is None:
            continue
        column = _column_of(option, columns) if columns and cells else None
        if column is not None and column < len(cells):
            header = columns.raw[column] if columns else ""
            edit = _cell_edit(cells[column], old_value, new_value, option, header)
            if edit is not None:
                yield DocEdit(doc.path, doc.line, *edit, finding.rule, finding.subject, column)
            continue
        if _count(old_value, line) == 1:
            yield DocEdit(doc.path, doc.line, old_value, new_value, finding.rule, finding.subject)


def _keyword_edits(finding: Finding, lines_of: dict[str, Sequence[str]]) -> Iterator[DocEdit]:
    """``option=old`` → ``option=new`` on the doc lines that name the task and write the
    keyword once."""
    assert finding.documented and finding.actual
    names = {finding.subject, finding.subject.rsplit(".", 1)[-1]}
    actual = _pairs(finding.actual)
    for option, old_value in _pairs(finding.documented).items():
        new_value = actual.get(option)
        if new_value is None:
            continue
        keyword = re.compile(
            rf"(?<![\w.]){re.escape(option)}\s*=\s*{re.escape(old_value)}(?![\w.])"
        )
        for path, lines in lines_of.items():
            for number, line in enumerate(lines, start=1):
                found = keyword.findall(line)
                if len(found) == 1 and any(_count(name, line) for name in names):
                    new = f"{option}={new_value}" if "=" in found[0] else found[0]
                    old = found[0]
                    yield DocEdit(
                        path, number, old, new.replace(" ", ""), finding.rule, finding.subject
                    )


def _setting_edits(finding: Finding, line: str) -> Iterator[DocEdit]:
    """``task_time_limit=3600`` written as ``task_time_limit = 3600`` or in a table row."""
    assert finding.doc is not None and finding.documented and finding.actual
    doc = finding.doc
    for name, old_value in _pairs(finding.documented).items():
        new_value = _pairs(finding.actual).get(name)
        if new_value is None or name not in line:
            continue
        after = line.split(name, 1)[1]
        if _count(old_value, after) == 1 and _count(old_value, line) == 1:
            yield DocEdit(doc.path, doc.line, old_value, new_value, finding.rule, finding.subject)


def _columns(evidence: tuple[str, ...]) -> Columns | None:
    for item in evidence:
        if item.startswith("columns: "):
            return Columns.of(tuple(item.removeprefix("columns: ").split(" | ")))
    return None


def _column_of(option: str, columns: Columns | None) -> int | None:
    if columns is None:
        return None
    for index, key in enumerate(columns.keys):
        known = TASK_OPTION_COLUMNS.get(key)
        if known is not None and known[0] == option:
            return index
    return None


def _cells(line: str) -> list[str]:
    """The cells of a table row (``| a | b |``), or none for any other line."""
    stripped = line.strip()
    if not stripped.startswith("|"):
        return []
    parts = re.split(r"(?<!\\)\|", stripped)
    return parts[1:-1] if stripped.endswith("|") else parts[1:]


def _cell_edit(
    cell: str, old_value: str, new_value: str, option: str, header: str
) -> tuple[str, str] | None:
    """The cell's bare number, in the header's unit, when it is the documented value.

    A cell with its own unit (``1 h``) is left to a person: which unit to write is a
    choice of style, not a fact.
    """
    number = plain(cell)
    if re.fullmatch(r"\d+(?:\.\d+)?", number) is None:
        return None
    factor = unit_factor(header) if option != "max_retries" else 1
    try:
        old, new = float(old_value), float(new_value)
    except ValueError:
        return None
    if float(number) * factor != old:
        return None
    scaled = new / factor
    return number, str(int(scaled)) if scaled == int(scaled) else f"{scaled:g}"
