"""Reports: a :class:`~conformance.findings.CheckResult` rendered in each output format.

Every renderer is a pure function of the result returning text; writing it (atomically)
is the CLI's job.
"""

from __future__ import annotations

from pathlib import Path

from conformance.errors import ConformanceError
from conformance.findings import CheckResult
from conformance.reports.github import render_github
from conformance.reports.history import History
from conformance.reports.json_report import render_json
from conformance.reports.junit import render_junit
from conformance.reports.markdown import render_markdown, render_pr_comment
from conformance.reports.sarif import render_sarif
from conformance.reports.text import render_text

FORMATS = ("text", "markdown", "json", "sarif", "github", "junit", "pr-comment")
"""Every ``--format`` value: the contract's, in its order, then ours (``pr-comment``)."""

__all__ = [
    "FORMATS",
    "render",
    "render_github",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_pr_comment",
    "render_sarif",
    "render_text",
]


def render(
    result: CheckResult,
    fmt: str,
    *,
    template: Path | None = None,
    color: bool = False,
    history_root: Path | None = None,
) -> str:
    """``result`` in the format ``fmt`` (one of :data:`FORMATS`).

    ``template`` (a Jinja2 file) only applies to ``markdown``; ``color`` only to ``text``;
    ``history_root`` (a project in git) lets the Markdown report say which side of a drift
    moved (git is only run for that format).
    An unknown format, or a template with another format, raises :class:`ConformanceError`.
    """
    if fmt not in FORMATS:
        raise ConformanceError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if template is not None and fmt != "markdown":
        raise ConformanceError(f"--template applies to --format markdown, not {fmt}")
    if fmt == "text":
        return render_text(result, color=color)
    if fmt == "markdown":
        history = History(history_root) if history_root is not None else None
        return render_markdown(result, template=template, history=history)
    if fmt == "pr-comment":
        history = History(history_root) if history_root is not None else None
        return render_pr_comment(result, history=history)
    if fmt == "json":
        return render_json(result)
    if fmt == "sarif":
        return render_sarif(result)
    if fmt == "github":
        return render_github(result)
    return render_junit(result)
