"""Doc text cannot break our Markdown report, and is never rendered as a template.

A page documents tasks whose names are Markdown, HTML and Jinja2 syntax. The report from
the real CLI is parsed with markdown-it and compared with the report of the same page
with harmless names: the structure (every block, every inline element) must be the same,
and each hostile name must come back as the literal text of a code span.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from clirun import run_cli

HOSTILE_NAMES = [
    "{{ 7*7 }}",  # Jinja2 expression: must not become 49
    "{% for x in range(3) %}loop{% endfor %}",  # Jinja2 statement
    "{# a jinja comment #}",
    "`tick` and ``double``",  # backticks of every length
    "a | b | c",  # pipes
    "</details>",  # closing our fold early
    "<details><summary>x",
    "<script>alert(1)</script>",
    "<!-- unclosed comment",
    "# heading",
    "- [link](javascript:alert(1))",
    "**bold** _em_ ~~strike~~",
    "\\`escaped\\",
    "&amp; &lt; &#96;",  # entities must stay text
    "![image](x.png)",
    "1. ordered",
    "---",
    "> quote",
    "```fence",
    " `padded` ",
]
# Names with line breaks are flattened to one line; only the structure is compared.
MULTILINE_NAMES = ["line\n## injected heading", "x\r\n</details>\n\n# h1"]
HOSTILE_CELL = "{{ 7*7 }} `</details><script>x</script>` *and* <b>more</b>"


def page(names: list[str], cell: str) -> str:
    tasks = "".join(
        f"@app.task(name={name!r})\ndef task_{number}():\n    pass\n\n\n"
        for number, name in enumerate(names)
    )
    return (
        "# Background Tasks\n\n```python\nfrom emptyapp import app\n\n\n"
        + tasks
        + "```\n\n## Beat Schedule\n\n| Entry | Task | Schedule |\n| --- | --- | --- |\n"
        + f"| `nightly` | `task_0` | {cell.replace('|', '&#124;')} |\n"
    )


def report_for(root: Path, names: list[str], cell: str) -> str:
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "tasks.md").write_text(page(names, cell))
    (root / "emptyapp.py").write_text("from celery import Celery\napp = Celery('emptyapp')\n")
    (root / "pyproject.toml").write_text(
        '[tool.conformance]\napp = "emptyapp:app"\ndocs = ["docs/*.md"]\n'
    )
    # A fixed "now" (2026-01-01 00:00 UTC) for the beat timeline: a clock time must not
    # look like a template that ran (`{{ 7*7 }}` → 49).
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "SOURCE_DATE_EPOCH": "1767225600"}
    done = run_cli(root, "check", "--mode", "static", "--format", "markdown", env=env, timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    return done.stdout


def tokens(report: str) -> list[Token]:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(report)


def structure(report: str) -> list[tuple[str, ...]]:
    """Every block and inline element, without its text."""
    shape: list[tuple[str, ...]] = []
    for token in tokens(report):
        shape.append((token.type, token.tag, str(token.level)))
        for child in token.children or ():
            shape.append(("  " + child.type, child.tag))
    return shape


def code_spans(report: str) -> list[str]:
    return [
        child.content
        for token in tokens(report)
        for child in token.children or ()
        if child.type == "code_inline"
    ]


def benign(names: list[str]) -> list[str]:
    return [f"tasks.benign_{number}" for number in range(len(names))]


@pytest.mark.parametrize(
    "names",
    [
        # one line each: compared literally too
        HOSTILE_NAMES,
        # with line breaks: folded to one line, structure kept
        HOSTILE_NAMES + MULTILINE_NAMES,
    ],
)
def test_hostile_names_leave_the_report_structure_unchanged(
    tmp_path: Path, names: list[str]
) -> None:
    hostile = report_for(tmp_path / "hostile", names, HOSTILE_CELL)
    harmless = report_for(tmp_path / "harmless", benign(names), "whenever it likes")
    assert structure(hostile) == structure(harmless)
    # the fold of more than 15 bullets is there, and only ours
    html = [t.content.strip() for t in tokens(hostile) if t.type == "html_block"]
    assert html == [
        f"<details>\n<summary>{len(names)} documented items</summary>",
        "</details>",
        f"<details>\n<summary>{len(names)} items in the code</summary>",
        "</details>",
    ]
    assert not any(
        child.type == "html_inline" for t in tokens(hostile) for child in t.children or ()
    )


def test_hostile_names_come_back_literally(tmp_path: Path) -> None:
    report = report_for(tmp_path, HOSTILE_NAMES, HOSTILE_CELL)
    spans = set(code_spans(report))
    for name in HOSTILE_NAMES:
        # CommonMark strips one space from each side of a padded span
        assert name in spans or f" {name} " in spans, name
    # never rendered as a template
    assert "49" not in report
    assert "loop loop loop" not in report.replace("looploop", "loop loop")


def test_hostile_notice_text_is_shown_as_text(tmp_path: Path) -> None:
    report = report_for(tmp_path, HOSTILE_NAMES[:1], HOSTILE_CELL)
    rendered = MarkdownIt("commonmark").enable("table").render(report)
    # the schedule cell reaches the "Not judged" section escaped: its text, not its markup
    assert (
        "<li><code>docs/tasks.md:18</code>: cannot read the schedule of beat entry "
        "<code>nightly</code> from '{{ 7*7 }} &lt;/details&gt;&lt;script&gt;x&lt;/script&gt; "
        "and more'</li>"
    ) in rendered
    assert "<script>" not in rendered
