"""The dispatcher: every format renders, bad requests are clear errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.errors import ConformanceError
from conformance.findings import CheckResult
from conformance.reports import (
    FORMATS,
    render,
    render_github,
    render_json,
    render_junit,
    render_markdown,
    render_pr_comment,
    render_sarif,
    render_text,
)

from reports_sample import seed_result

RENDERERS: dict[str, Callable[[CheckResult], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
    "junit": render_junit,
    "pr-comment": render_pr_comment,
}


def test_formats_are_the_contracts_in_its_order() -> None:
    assert FORMATS == ("text", "markdown", "json", "sarif", "github", "junit", "pr-comment")


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_dispatches_to_the_formats_renderer(fmt: str) -> None:
    text = render(seed_result(), fmt)
    assert text == RENDERERS[fmt](seed_result())
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_colour_reaches_the_text_renderer() -> None:
    assert "\x1b[" in render(seed_result(), "text", color=True)


def test_a_template_reaches_the_markdown_renderer(tmp_path: Path) -> None:
    template = tmp_path / "t.j2"
    template.write_text("{{ result.mode }}\n", encoding="utf-8")
    assert render(seed_result(), "markdown", template=template) == "live\n"


@pytest.mark.parametrize(
    ("fmt", "template", "message"),
    [
        ("html", None, "unknown format 'html'; choose one of text, markdown"),  # not a format
        ("json", Path("t.j2"), "--template applies to --format markdown, not json"),  # misuse
    ],
)
def test_bad_requests_are_conformance_errors(fmt: str, template: Path | None, message: str) -> None:
    with pytest.raises(ConformanceError, match=message):
        render(seed_result(), fmt, template=template)
