"""Reports: a :class:`~conformance.findings.CheckResult` rendered in each output format.

Every renderer is a pure function of the result returning text; writing it (atomically)
is the CLI's job. Each format's module is imported only when that format is asked for:
the Markdown report brings Jinja2, croniter and cron-descriptor, which a pre-commit run
printing text never needs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from conformance.errors import ConformanceError
from conformance.findings import CheckResult

if TYPE_CHECKING:
    from conformance.reports.github import render_github
    from conformance.reports.json_report import render_json
    from conformance.reports.junit import render_junit
    from conformance.reports.markdown import render_markdown, render_pr_comment
    from conformance.reports.sarif import render_sarif
    from conformance.reports.text import render_text

FORMATS = ("text", "markdown", "json", "sarif", "github", "junit", "pr-comment")
"""Every ``--format`` value: the contract's, in its order, then ours (``pr-comment``)."""


def _load(name: str) -> Callable[..., str]:
    """The renderer called ``name``, importing only its format's module."""
    module: ModuleType
    if name == "render_text":
        from conformance.reports import text

        module = text
    elif name in ("render_markdown", "render_pr_comment"):
        from conformance.reports import markdown

        module = markdown
    elif name == "render_json":
        from conformance.reports import json_report

        module = json_report
    elif name == "render_sarif":
        from conformance.reports import sarif

        module = sarif
    elif name == "render_github":
        from conformance.reports import github

        module = github
    elif name == "render_junit":
        from conformance.reports import junit

        module = junit
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    renderer: Callable[..., str] = getattr(module, name)
    return renderer


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


def __getattr__(name: str) -> Any:
    """``from conformance.reports import render_markdown`` loads that format's module."""
    return _load(name)


def _renderer(name: str) -> Callable[..., str]:
    return _load(name)


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
        return _renderer("render_text")(result, color=color)
    if fmt in ("markdown", "pr-comment"):
        from conformance.reports.history import History

        history = History(history_root) if history_root is not None else None
        if fmt == "markdown":
            return _renderer("render_markdown")(result, template=template, history=history)
        return _renderer("render_pr_comment")(result, history=history)
    return _renderer(f"render_{fmt.replace('-', '_')}")(result)
