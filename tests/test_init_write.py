"""`conformance init` writing pyproject.toml: every other byte kept, an existing table
refused without --force and replaced with it."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from conformance.adopt.tomltext import table_headers
from conformance.adopt.write import Entry, render_table, updated_text

from clirun import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "init"

ODD = (
    "# Project file, formatted by hand.\r\n"
    "[tool.black]\r\n"
    "line-length   =   88   # odd spacing stays\r\n"
    "\r\n"
    "[ project ]\r\n"
    'name="proj"\r\n'
    'description = """\r\n'
    "[tool.conformance]\r\n"
    'is only text in a string"""\r\n'
    "classifiers = [\r\n"
    '    ["nested"],\r\n'
    '  "Programming Language :: Python",   # a comment\r\n'
    "]\r\n"
    "\r\n"
    "[tool.isort]\r\n"
    "profile = 'black'"  # no newline at the end
)


def plain_copy(tmp_path: Path) -> Path:
    root = tmp_path / "plain"
    shutil.copytree(FIXTURES / "plain", root)
    return root


TABLE = (
    "[tool.conformance]\r\n"
    'app = "proj.celery_app:app"\r\n'
    'docs = ["docs/**/*.md"]\r\n'
    'monitoring = ["proj.metrics"]\r\n'
)


def test_odd_formatting_comments_and_other_tables_keep_every_byte(tmp_path: Path) -> None:
    root = plain_copy(tmp_path)
    (root / "pyproject.toml").write_bytes(ODD.encode())

    done = run_cli(root, "init", "--yes", "--no-check")

    assert done.returncode == 0, done.stderr
    # The file's own CRLF line ends are used; a missing last newline is added first.
    assert (root / "pyproject.toml").read_bytes() == (ODD + "\r\n\r\n" + TABLE).encode()


EXISTING = (
    "[project]\n"
    "name = 'proj'\n"
    "\n"
    "[tool.conformance]   # set up by hand\n"
    'app = "old.module:app"\n'
    'docs = ["old/*.md"]\n'
    "\n"
    "# ruff's settings\n"
    "[tool.ruff]\n"
    "line-length = 100\n"
    "\n"
    "[tool.conformance.rules]\n"
    '"task.undocumented" = "off"\n'
    "\n"
    "[tool.mypy]\n"
    "strict = true\n"
)


def test_an_existing_table_is_exit_2_with_its_line(tmp_path: Path) -> None:
    root = plain_copy(tmp_path)
    (root / "pyproject.toml").write_text(EXISTING)

    done = run_cli(root, "init", "--yes")

    assert done.returncode == 2
    assert done.stderr == (
        "conformance: error: pyproject.toml:4: [tool.conformance] exists; "
        "pass --force to replace it\n"
    )
    assert (root / "pyproject.toml").read_text() == EXISTING


def test_force_replaces_the_table_in_place_and_keeps_the_rest(tmp_path: Path) -> None:
    root = plain_copy(tmp_path)
    (root / "pyproject.toml").write_text(EXISTING)

    done = run_cli(root, "init", "--yes", "--force", "--no-check")

    assert done.returncode == 0, done.stderr
    assert (root / "pyproject.toml").read_text() == (
        "[project]\n"
        "name = 'proj'\n"
        "\n" + TABLE.replace("\r\n", "\n") + "\n"
        "# ruff's settings\n"
        "[tool.ruff]\n"
        "line-length = 100\n"
        "\n"
        "[tool.mypy]\n"
        "strict = true\n"
    )


def test_a_table_written_as_dotted_keys_is_not_replaced_blindly(tmp_path: Path) -> None:
    root = plain_copy(tmp_path)
    text = "[project]\nname = 'proj'\n\n[tool]\nconformance.app = 'old:app'\n"
    (root / "pyproject.toml").write_text(text)

    done = run_cli(root, "init", "--yes", "--force")

    assert done.returncode == 2
    assert done.stderr.startswith("conformance: error: pyproject.toml:5: [tool.conformance] is")
    assert (root / "pyproject.toml").read_text() == text


def test_invalid_toml_is_exit_2_with_its_line(tmp_path: Path) -> None:
    root = plain_copy(tmp_path)
    (root / "pyproject.toml").write_text("[project]\nname = \n")

    done = run_cli(root, "init", "--yes")

    assert done.returncode == 2
    assert done.stderr.startswith("conformance: error: pyproject.toml:2: not valid TOML")


def test_root_option_writes_into_that_folder(tmp_path: Path) -> None:
    root = plain_copy(tmp_path)

    done = run_cli(tmp_path, "init", "--root", "plain", "--yes", "--no-check")

    assert done.returncode == 0, done.stderr
    assert "wrote [tool.conformance] to plain/pyproject.toml" in done.stdout
    assert (root / "pyproject.toml").read_text() == TABLE.replace("\r\n", "\n")


# --- the splice, function by function ------------------------------------------------------


ENTRIES = (Entry("app", "p.c:app", "why"), Entry("docs", ("docs/**/*.md",), "why"))


def test_headers_inside_strings_and_multiline_arrays_are_not_headers() -> None:
    headers = table_headers(ODD)

    assert [(h.line + 1, h.keys) for h in headers] == [
        (2, ("tool", "black")),
        (5, ("project",)),
        (15, ("tool", "isort")),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[project]\nname = 'x'",
        "[project]\nname = 'x'\n",
        "[project]\nname = 'x'\n\n",
        "[tool.black]\nx = 1\n[project]\nname = 'x'\n[tool.isort]\ny = 2\n",
        "[tool.conformance.rules]\n'task.missing' = 'off'\n[tool.other]\nz = 1\n",
    ],
)
def test_the_result_holds_the_same_data_plus_the_table(text: str) -> None:
    new = updated_text(text, render_table(ENTRIES))
    data = tomllib.loads(new)
    before = tomllib.loads(text)

    before.setdefault("tool", {})["conformance"] = {"app": "p.c:app", "docs": ["docs/**/*.md"]}
    assert data == before
    if "conformance" not in text:
        assert new.startswith(text)


def test_a_long_list_is_written_one_entry_a_line() -> None:
    pages = tuple(f"docs/section-{n}/page.md" for n in range(6))

    rendered = render_table([Entry("docs", pages, "why")])

    assert rendered.startswith('[tool.conformance]\ndocs = [\n    "docs/section-0/page.md",\n')
    assert tomllib.loads(rendered)["tool"]["conformance"]["docs"] == list(pages)
