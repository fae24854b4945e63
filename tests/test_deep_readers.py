"""Deep nesting in the files we read is one located error or notice (issue 14, class 4).

``tomllib``, ``json`` and PyYAML's composer recurse into nested arrays; ``[[[[…`` some
thousands deep ends in RecursionError. Each reader catches it where it reads and names
the line, and never reports an internal error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conformance.nesting import REPORTED_DEPTH, too_deep_line
from conformance.yamlsafe import NestedTooDeep, load

from clirun import run_cli

DEEP = 20_000


def brackets(n: int = DEEP) -> str:
    return "[" * n + "]" * n


def _project(root: Path, extra: str = "") -> Path:
    (root / "p").mkdir()
    (root / "p" / "__init__.py").write_text("")
    (root / "p" / "celery.py").write_text('from celery import Celery\napp = Celery("p")\n')
    (root / "docs").mkdir()
    (root / "docs" / "p.md").write_text("# Celery\n")
    (root / "pyproject.toml").write_text(
        f'[tool.conformance]\napp = "p.celery:app"\ndocs = ["docs/*.md"]\nmode = "static"\n{extra}'
    )
    return root


def test_the_plain_parsers_do_recurse() -> None:
    # Why the readers catch it: each of these raises RecursionError on such input.
    import tomllib

    for parse in (tomllib.loads, json.loads, yaml.safe_load):
        text = f"x = {brackets()}" if parse is tomllib.loads else brackets()
        with pytest.raises(RecursionError):
            parse(text)


def test_deep_toml_config_is_a_located_error(tmp_path: Path) -> None:
    root = _project(tmp_path, f"\nextra = {brackets()}\n")
    done = run_cli(root, "check")
    assert done.returncode == 2
    assert done.stderr == (
        f"conformance: error: {root / 'pyproject.toml'}:6: not valid TOML: nested more than "
        f"{REPORTED_DEPTH} levels deep\n"
    )


def test_a_deep_json_baseline_is_a_located_error(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "base.json").write_text('{"schema": 1,\n "findings":\n' + brackets() + "}")
    done = run_cli(root, "check", "--baseline", "base.json")
    assert done.returncode == 2
    assert done.stderr == (
        "conformance: error: base.json:3: baseline is not valid JSON: nested more than "
        f"{REPORTED_DEPTH} levels deep\n"
    )


def test_a_deep_spec_file_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(f"version: 1\ntasks:\n  - {brackets()}\n")
    done = run_cli(tmp_path, "diff", "spec.yaml", "spec.yaml")
    assert done.returncode == 2
    assert done.stderr == (
        f"conformance: error: spec.yaml:3: not valid YAML: nested more than "
        f"{REPORTED_DEPTH} levels deep\n"
    )


def test_deep_project_files_are_notices_and_the_run_goes_on(tmp_path: Path) -> None:
    root = _project(tmp_path, 'deploy = ["docker-compose.yml", "Dockerfile"]\n')
    (root / "docker-compose.yml").write_text(
        f"services:\n  worker:\n    build: .\n    command: {brackets()}\n"
    )
    (root / "Dockerfile").write_text(f"FROM python\nCMD {brackets()}\n")
    (root / "docs" / "p.md").write_text(f"# Celery\n\n```yaml\nx: {brackets()}\n```\n")
    done = run_cli(root, "check", "--format", "json")
    assert done.returncode == 0, done.stderr
    notices = {
        (n["path"], n["line"], n["message"].split(";")[0])
        for n in json.loads(done.stdout)["notices"]
    }
    deep = f"nested more than {REPORTED_DEPTH} levels deep"
    assert ("docker-compose.yml", 4, f"yaml does not parse: {deep}") in notices
    assert ("docs/p.md", 4, f"yaml does not parse: {deep}") in notices


def test_nesting_below_the_limit_still_loads() -> None:
    assert load(f"x: {brackets(REPORTED_DEPTH - 2)}")["x"] is not None
    with pytest.raises(NestedTooDeep):
        load(f"x: {brackets(REPORTED_DEPTH + 1)}")


@pytest.mark.parametrize(
    ("text", "toml", "line"),
    [
        ("a = 1\nb = " + brackets(200), True, 2),
        # brackets inside strings and comments do not count
        ('a = "' + "[" * 500 + '"\n# ' + "[" * 500 + "\nb = 1", True, None),
        ("a = '" + "[" * 500 + "'", True, None),
        ('{"a": "' + "{" * 500 + '\\"' + "{" * 5 + '"}', False, None),
        ('{"a":\n\n' + "{" * 101, False, 3),
        # a quote is not a string delimiter in JSON
        ("'\n" + "[" * 101, False, 2),
    ],
)
def test_too_deep_line(text: str, toml: bool, line: int | None) -> None:
    assert too_deep_line(text, comments=toml) == line
