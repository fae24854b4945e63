"""Big pages are parsed in pieces; the pieces never change what is extracted."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.extract.markdown import extract_text, split_before_headings

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    [
        *ROOT.glob("examples/**/docs/**/*.md"),
        *ROOT.glob("tests/fixtures/**/*.md"),
    ]
)


def whole(text: str) -> object:
    return extract_text(text, "docs/page.md", chunk_chars=len(text) + 1)


def pieces(text: str) -> object:
    return extract_text(text, "docs/page.md", chunk_chars=1)  # cut at every safe heading


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_fixture_page_extracts_the_same_in_pieces(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert pieces(text) == whole(text)


def test_pieces_are_cut_only_before_safe_headings() -> None:
    text = (
        "# A\n\npara\n\n"
        "```python\n\n# not a heading: inside a fence\n```\n\n"
        "<!--\n\n# inside a comment\n-->\n\n"
        "<pre>\n\n# inside raw html\n</pre>\n\n"
        "para\n# right after a paragraph line: no blank line, no cut\n\n"
        "# B\n\ntext\n"
    )
    starts = [first for first, _ in split_before_headings(text, 1)]
    lines = text.split("\n")
    assert [lines[i] for i in starts] == ["# A", "# B"]
    assert "".join(piece for _, piece in split_before_headings(text, 1)) == text


def test_line_numbers_stay_page_lines_across_pieces() -> None:
    sections = "".join(f"# Section {i}\n\n| Queue |\n| --- |\n| `q{i}` |\n\n" for i in range(200))
    extraction = extract_text(sections, "docs/page.md", chunk_chars=64)
    lines = sections.split("\n")
    for queue in extraction.spec.queues:
        assert queue.source is not None
        assert f"`{queue.name}`" in lines[queue.source.line - 1]


BLOCKS = st.sampled_from(
    [
        "# Tasks\n",
        "## Beat schedule\n",
        "- `cleanup` runs every hour\n",
        "| Task | Queue |\n| --- | --- |\n| `tasks.x` | `q` |\n",
        "```python\n@app.task(name='tasks.y', time_limit=5)\ndef y():\n    pass\n",
        "```\n",
        "<!-- conformance: ignore task.missing -->\n",
        "<!--\n",
        "-->\n",
        "<pre>\n",
        "</pre>\n",
        "> quoted `tasks.z`\n",
        "\n",
        "text with `send_alert`\n",
        "    # indented\n",
        "\r\n",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(BLOCKS, max_size=40))
def test_any_page_extracts_the_same_in_pieces(blocks: list[str]) -> None:
    text = "".join(blocks)
    assert pieces(text) == whole(text)
