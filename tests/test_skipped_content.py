"""Nothing dropped in silence (issue 14, class 5).

Content we cannot or do not read is a located notice: glob matches that are not regular
files (named pipes, symlinks that loop or dangle), Markdown nested past the parser's
limit. Content the parser can reach is read at any depth it gives: a table twenty-five
block quotes deep, a task in a list nested forty levels. Nothing blocks on a FIFO and no
symlink loop makes a glob walk forever.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.extract import extract_text
from conformance.extract.markdown import MAX_INDENTED, MAX_NESTING

from clirun import run_cli

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and symlinks")


def _project(root: Path, deploy: str = "") -> Path:
    (root / "p").mkdir()
    (root / "p" / "__init__.py").write_text("")
    (root / "p" / "celery.py").write_text(
        'from celery import Celery\napp = Celery("p")\n\n@app.task(name="p.ping")\n'
        "def ping():\n    pass\n"
    )
    (root / "docs").mkdir()
    (root / "docs" / "tasks.md").write_text("# Celery tasks\n\nThe `p.ping` task.\n")
    (root / "pyproject.toml").write_text(
        '[tool.conformance]\napp = "p.celery:app"\ndocs = ["docs/**/*.md"]\nmode = "static"\n'
        + deploy
    )
    return root


def _notices(done_stdout: str) -> set[tuple[str, str]]:
    return {(n["path"], n["message"]) for n in json.loads(done_stdout)["notices"]}


@posix_only
def test_glob_matches_that_are_not_files_are_notices(tmp_path: Path) -> None:
    root = _project(tmp_path)
    docs = root / "docs"
    os.mkfifo(docs / "pipe.md")
    (docs / "loop-a.md").symlink_to("loop-b.md")
    (docs / "loop-b.md").symlink_to("loop-a.md")
    (docs / "gone.md").symlink_to("nowhere.md")
    (docs / "folder.md").mkdir()
    done = run_cli(root, "check", "--format", "json", timeout=30)
    assert done.returncode == 0, done.stderr
    assert {
        ("docs/pipe.md", "Markdown doc is not a regular file (a named pipe): skipped"),
        ("docs/loop-a.md", "Markdown doc is a symlink that loops: skipped"),
        ("docs/loop-b.md", "Markdown doc is a symlink that loops: skipped"),
        ("docs/gone.md", "Markdown doc is a symlink that points nowhere: skipped"),
    } <= _notices(done.stdout)
    # A folder is not content: passed over without a word.
    assert not any(path == "docs/folder.md" for path, _ in _notices(done.stdout))


@posix_only
def test_symlink_loops_under_a_deploy_glob_end_quickly(tmp_path: Path) -> None:
    root = _project(tmp_path, 'deploy = ["deploy/**/*.yml"]\n')
    deploy = root / "deploy"
    deploy.mkdir()
    (deploy / "compose.yml").write_text(
        "services:\n  worker:\n    command: celery -A p.celery worker -Q celery\n"
    )
    (deploy / "hidden").mkdir()
    # Two links back to the folder: a walker that follows them visits 2**40 paths.
    (deploy / "a").symlink_to(".")
    (deploy / "b").symlink_to(".")
    os.mkfifo(deploy / "pipe.yml")
    started = time.monotonic()
    done = run_cli(root, "check", "--format", "json", timeout=60)
    assert time.monotonic() - started < 30
    assert done.returncode == 0, done.stderr
    assert ("deploy/pipe.yml", "deploy file is not a regular file (a named pipe): skipped") in (
        _notices(done.stdout)
    )


@posix_only
def test_a_named_pipe_in_the_package_is_a_notice_not_a_hang(tmp_path: Path) -> None:
    root = _project(tmp_path)
    os.mkfifo(root / "p" / "tasks.py")
    done = run_cli(root, "check", "--format", "json", timeout=30)
    assert done.returncode == 0, done.stderr
    assert ("p/tasks.py", "module is not a regular file (a named pipe): skipped") in (
        _notices(done.stdout)
    )


def _quoted_table(depth: int, task: str) -> str:
    prefix = "> " * depth
    return (
        "# Celery tasks\n\n"
        f"{prefix}| Task | Queue |\n{prefix}| --- | --- |\n{prefix}| `{task}` | `q` |\n"
    )


def test_a_table_deep_in_block_quotes_is_read() -> None:
    # markdown-it's presets stop at 20 levels and drop the rest without a word.
    found = extract_text(_quoted_table(25, "app.deep"), "d.md")
    assert [(t.name, t.queue) for t in found.spec.tasks] == [("app.deep", "q")]
    assert found.notices == ()


def test_a_list_nested_forty_levels_is_read() -> None:
    items = "".join("  " * i + "- level\n" for i in range(40))
    text = f"# Celery tasks\n\n{items}{'  ' * 40}- The `app.nested` task.\n"
    found = extract_text(text, "d.md")
    assert "app.nested" in {m.name for m in found.spec.mentions}


def test_content_past_the_limit_is_a_located_notice() -> None:
    found = extract_text(_quoted_table(MAX_NESTING + 20, "app.deep"), "d.md")
    assert found.spec.tasks == ()
    assert [(n.kind, n.line, n.message) for n in found.notices] == [
        ("too-deep", 3, f"nested more than {MAX_NESTING} levels deep: lines 3-5 skipped")
    ]


def test_a_tab_inside_a_list_item_is_read() -> None:
    # mkdocs content tabs in a list item: the tab's body is indented under the item.
    text = '# Celery tasks\n\n- === "Tab"\n\n      The `app.tabbed` task.\n'
    assert "app.tabbed" in {m.name for m in extract_text(text, "d.md").spec.mentions}


def test_tabs_nested_past_their_limit_are_a_notice() -> None:
    body = "The `app.deep` task.\n"
    for _ in range(MAX_INDENTED + 3):
        body = _wrap("tab", body)
    found = extract_text("# Celery tasks\n\n" + body, "d.md")
    assert "app.deep" not in {m.name for m in found.spec.mentions}
    [notice] = found.notices
    assert notice.kind == "too-deep" and notice.path == "d.md" and notice.line is not None
    assert notice.message.startswith(f"nested more than {MAX_INDENTED} tabs deep: lines ")


# --- generated nesting -----------------------------------------------------------

MARKER = "app.marker"

_WRAPPERS = st.sampled_from(["quote", "bullet", "ordered", "admonition", "tab"])


def _wrap(kind: str, body: str) -> str:
    lines = body.splitlines()
    if kind == "quote":
        return "\n".join("> " + line if line else ">" for line in lines) + "\n"
    if kind == "bullet":
        return "- " + "\n".join(("  " + line) if line else "" for line in lines).lstrip() + "\n"
    if kind == "ordered":
        return "1. " + "\n".join(("   " + line) if line else "" for line in lines).lstrip() + "\n"
    indented = "\n".join(("    " + line) if line else "" for line in lines)
    opener = '!!! note "Note"' if kind == "admonition" else '=== "Tab"'
    return f"{opener}\n\n{indented}\n"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.lists(_WRAPPERS, min_size=0, max_size=160),
    st.sampled_from(["mention", "table", "fence"]),
)
def test_generated_nesting_is_read_or_noticed_never_an_exception(
    wrappers: list[str], shape: str
) -> None:
    if shape == "mention":
        body = f"The `{MARKER}` task.\n"
    elif shape == "table":
        body = f"| Task | Queue |\n| --- | --- |\n| `{MARKER}` | `q` |\n"
    else:
        body = f'```python\n@app.task(name="{MARKER}")\ndef f():\n    pass\n```\n'
    for kind in wrappers:
        body = _wrap(kind, body)
    text = "# Celery tasks\n\n" + body
    started = time.monotonic()
    found = extract_text(text, "d.md")
    assert time.monotonic() - started < 5
    names = {m.name for m in found.spec.mentions} | {t.name for t in found.spec.tasks}
    skipped = [n for n in found.notices if n.kind in ("too-deep", "syntax-error")]
    # Read wherever the parser reaches it; otherwise a located notice says so.
    assert MARKER in names or skipped, (wrappers, found.notices)
    assert all(n.path == "d.md" and n.line for n in skipped)
