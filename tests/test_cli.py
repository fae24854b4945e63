"""The command line as a user meets it: every command, and bad input as one clear line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conformance.model import Spec
from conformance.specio import load_spec_text

from clirun import run_cli

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "background-tasks"
DOC = "docs/03-backend/services/background-tasks.md"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(cwd, *args)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(FIXTURES / "gate_project", root)
    return root


def assert_one_clear_line(proc: subprocess.CompletedProcess[str], expected: str) -> None:
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines == [f"conformance: error: {expected}"], proc.stderr
    assert proc.stdout == ""


# --- the commands --------------------------------------------------------------------


def test_a_conforming_project_passes(project: Path) -> None:
    proc = run("check", cwd=project)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.strip().splitlines()[-2].endswith("(mode: static)")
    assert " 0 errors" in proc.stdout or proc.stdout.startswith("0 errors")


def test_extract_writes_a_spec_that_loads_back_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "specs" / "background-tasks.yaml"
    proc = run("extract", DOC, "-o", str(out), cwd=EXAMPLE)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    loaded = load_spec_text(text, str(out))
    assert yaml.safe_load(text)["version"] == 1
    assert any(t.name == "tasks.process_batch" for t in loaded.tasks)
    # The spec written again from what was loaded is the same text: nothing was lost.
    from conformance.specio import dump_spec

    assert dump_spec(loaded) == text


def test_introspect_and_diff_judge_two_spec_files(tmp_path: Path) -> None:
    expected = tmp_path / "expected.yaml"
    actual = tmp_path / "actual.yaml"
    assert run("extract", DOC, "-o", str(expected), cwd=EXAMPLE).returncode == 0
    proc = run("introspect", "--mode", "static", "-o", str(actual), cwd=EXAMPLE)
    assert proc.returncode == 0, proc.stderr
    assert isinstance(load_spec_text(actual.read_text(encoding="utf-8"), "a"), Spec)
    diff = run("diff", str(expected), str(actual), "--format", "json", cwd=tmp_path)
    assert diff.returncode == 1, diff.stderr
    found = {(f["rule"], f["subject"]) for f in json.loads(diff.stdout)["findings"]}
    assert ("task.renamed", "tasks.generate_single_model") in found
    assert ("schedule.mismatch", "cleanup-old-files") in found
    # The implementation against itself: only the checks of the code on its own remain.
    same = run("diff", str(actual), str(actual), "--format", "json", cwd=tmp_path)
    rules = {f["rule"] for f in json.loads(same.stdout)["findings"]}
    assert rules == {
        "route.unknown-task",
        "queue.orphaned",
        "metric.not-integrated",
        "deploy.queue-unconsumed",
    }


def test_rules_lists_every_rule_and_prints_one_page() -> None:
    from conformance.rules import RULES

    listing = run("rules", cwd=EXAMPLE)
    assert listing.returncode == 0
    assert {line.split()[0] for line in listing.stdout.splitlines()} == set(RULES)
    page = run("rules", "task.renamed", cwd=EXAMPLE)
    assert page.stdout.startswith("# task.renamed")
    for section in ("## What it catches", "## Why it matters", "## Example", "## How to fix"):
        assert section in page.stdout


def test_python_dash_m_and_the_console_script_agree() -> None:
    script = Path(sys.executable).with_name("conformance")
    if not script.exists():  # pragma: no cover - the test extra installs the script
        pytest.fail("the console script is not installed next to the interpreter")
    a = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    b = run("--version", cwd=EXAMPLE)
    assert a.stdout == b.stdout and a.stdout.startswith("conformance ")


# --- bad input: exit 2, one clear line, no traceback, no partial report ----------------


def test_a_missing_doc_file(project: Path) -> None:
    assert_one_clear_line(
        run("check", "--docs", "docs/nope.md", cwd=project), "docs/nope.md: Markdown doc not found"
    )


def test_an_unknown_config_key_names_the_closest_one(project: Path) -> None:
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace("mode =", "modes ="), encoding="utf-8")
    line = (
        config.read_text()
        .splitlines()
        .index(next(x for x in config.read_text().splitlines() if x.startswith("modes =")))
        + 1
    )
    assert_one_clear_line(
        run("check", cwd=project),
        f"{config}:{line}: unknown key `modes` (did you mean `mode`?)",
    )


def test_an_app_that_does_not_exist(project: Path) -> None:
    proc = run("check", "--mode", "live", "--app", "nowhere.celery:app", cwd=project)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "nowhere" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_an_app_that_raises_on_import(project: Path) -> None:
    module = project / "proj" / "celery_app.py"
    module.write_text("raise RuntimeError('no broker configured')\n" + module.read_text())
    proc = run("check", "--mode", "live", cwd=project)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "RuntimeError: no broker configured" in proc.stderr


def test_a_bad_block_inside_a_good_doc_is_a_located_notice(project: Path) -> None:
    doc = project / "docs" / "tasks.md"
    doc.write_text(
        doc.read_text() + "\n```python\ndef broken(:\n```\n\n```yaml\nservices: [\n```\n",
        encoding="utf-8",
    )
    proc = run("check", "--format", "json", cwd=project)
    assert proc.returncode == 0, proc.stderr
    notices = {(n["kind"], n["path"], n["line"]) for n in json.loads(proc.stdout)["notices"]}
    lines = doc.read_text().splitlines()
    python_line = lines.index("def broken(:") + 1
    assert ("syntax-error", "docs/tasks.md", python_line) in notices
    assert any(kind == "unparsed-block" and path == "docs/tasks.md" for kind, path, _ in notices)


def test_a_failed_run_leaves_an_existing_report_alone(project: Path) -> None:
    report = project / "report.md"
    report.write_text("yesterday's report\n", encoding="utf-8")
    proc = run("check", "--docs", "docs/nope.md", "--output", "report.md", cwd=project)
    assert proc.returncode == 2
    assert report.read_text(encoding="utf-8") == "yesterday's report\n"


def test_a_spec_file_with_an_unknown_field_is_located(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("version: 1\ntasks:\n  - name: x\n    queu: q\n", encoding="utf-8")
    assert_one_clear_line(
        run("diff", str(spec), str(spec), cwd=tmp_path),
        f"{spec}:3: unknown field `queu` in task",
    )


@pytest.mark.parametrize("command", [["check"], ["extract", "x.md"], ["introspect"]])
def test_a_root_that_does_not_exist_says_so(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "nope"
    done = run(*command, "--root", str(missing), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == f"conformance: error: {missing}: --root: directory not found"


def test_an_app_that_exits_during_import_says_so(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "__init__.py").write_text("")
    (tmp_path / "p" / "celery.py").write_text("import os\nos._exit(0)\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.conformance]\napp = "p.celery:app"\ndocs = []\nmode = "live"\n'
    )
    done = run("check", cwd=tmp_path)
    assert done.returncode == 2
    assert "the app exited during import (exit status 0)" in done.stderr
    assert "not valid JSON" not in done.stderr


def test_a_missing_monitoring_module_is_noted_at_its_config_line(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "__init__.py").write_text("")
    (tmp_path / "p" / "celery.py").write_text('from celery import Celery\napp = Celery("p")\n')
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.conformance]\napp = "p.celery:app"\ndocs = []\n'
        'monitoring = ["p.nomod"]\nmode = "live"\n'
    )
    done = run("check", "--format", "json", cwd=tmp_path)
    notices = json.loads(done.stdout)["notices"]
    (missing,) = [n for n in notices if n["kind"] == "import-error"]
    assert (missing["path"], missing["line"]) == ("pyproject.toml", 7)
