"""Doc edits as a GitHub pull-request review: one comment with a ```` ```suggestion ````
block per changed span, so a reviewer applies each with one click.

The output is the JSON body of GitHub's "create a review" call
(``POST /repos/{owner}/{repo}/pulls/{number}/reviews``): ``event: COMMENT`` and
``comments`` with ``path``, ``line`` (and ``start_line`` for several lines), ``side:
RIGHT`` and the suggestion. Lines are those of the file in the pull request's head, which
is what ``conformance fix`` read.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from conformance.fixes.plan import DocEdit

FENCE = "```"


def review(before: Mapping[str, str], after: Mapping[str, str], edits: Sequence[DocEdit]) -> str:
    """The review JSON for the files that changed (``before``/``after``: path → text)."""
    comments: list[dict[str, Any]] = []
    for path in sorted(after):
        old = before[path].splitlines()
        new = after[path].splitlines()
        why = {edit.line: edit.rule for edit in edits if edit.path == path}
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            if tag == "insert":
                # GitHub suggests on existing lines: take the line before (or after) along.
                if i1 > 0:
                    i1, j1 = i1 - 1, j1 - 1
                else:
                    i2, j2 = i2 + 1, j2 + 1
            rules = sorted({why[n] for n in range(i1 + 1, i2 + 1) if n in why})
            comments.append(_comment(path, i1 + 1, i2, new[j1:j2], rules))
    body = {
        "event": "COMMENT",
        "body": f"conformance: {len(comments)} suggested doc edits (the code is the truth).",
        "comments": comments,
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def _comment(
    path: str, first: int, last: int, lines: list[str], rules: list[str]
) -> dict[str, Any]:
    reason = ", ".join(f"`{r}`" for r in rules) if rules else "a generated section"
    fence = FENCE
    while fence in "\n".join(lines):
        fence += "`"
    text = "\n".join(lines)
    comment: dict[str, Any] = {
        "path": path,
        "line": last,
        "side": "RIGHT",
        "body": f"conformance ({reason}): the code says otherwise.\n\n{fence}suggestion\n"
        f"{text}{chr(10) if lines else ''}{fence}",
    }
    if first < last:
        comment["start_line"] = first
        comment["start_side"] = "RIGHT"
    return comment
