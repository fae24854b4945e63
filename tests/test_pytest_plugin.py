"""The pytest plugin, run by ``pytester`` on a copy of a small Celery project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

PROJECT = Path(__file__).resolve().parent / "fixtures" / "gate_project"
A_TEST = "def test_something():\n    assert True\n"


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copytree(PROJECT, pytester.path, dirs_exist_ok=True)
    pytester.makepyfile(test_unrelated=A_TEST)
    return pytester


def add_drift(pytester: pytest.Pytester) -> None:
    doc = pytester.path / "docs" / "tasks.md"
    doc.write_text(
        doc.read_text(encoding="utf-8").replace("| `mail` | 5 |", "| `mail` | 2 |"),
        encoding="utf-8",
    )


def test_it_stays_off_unless_asked(project: pytest.Pytester) -> None:
    add_drift(project)
    result = project.runpytest("-v")
    result.assert_outcomes(passed=1)
    assert "::conformance" not in result.stdout.str()
    assert "conformance: config" not in result.stdout.str()


def test_it_passes_on_a_conforming_project_and_says_what_it_ran(project: pytest.Pytester) -> None:
    result = project.runpytest("--conformance", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            f"conformance: config {project.path / 'pyproject.toml'}, mode static, fail on error, "
            "app proj.celery_app:app",
            "pyproject.toml::conformance PASSED*",
        ]
    )


def test_it_fails_with_the_findings_listed(project: pytest.Pytester) -> None:
    add_drift(project)
    result = project.runpytest("--conformance")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*docs/tasks.md:6: error: task.option-mismatch: task `proj.send_mail`: documented "
            "`max_retries=2`, the code has `max_retries=5`",
            "*1 error, 0 warnings, 0 info*",
            "FAILED pyproject.toml::conformance*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_the_ini_option_turns_it_on(project: pytest.Pytester) -> None:
    add_drift(project)
    project.makeini("[pytest]\nconformance = true\n")
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=1)


@pytest.mark.parametrize(
    ("options", "outcome", "header"),
    [
        # drift is an error, but --conformance-fail-on never lets the item pass
        (["--conformance-fail-on", "never"], {"passed": 2}, "mode static, fail on never"),
        # a live import (a child process) finds the same drift, and the header says live
        (["--conformance-mode", "live"], {"passed": 1, "failed": 1}, "mode live, fail on error"),
    ],
)
def test_options_override_the_configuration(
    project: pytest.Pytester, options: list[str], outcome: dict[str, int], header: str
) -> None:
    add_drift(project)
    result = project.runpytest("--conformance", *options)
    result.assert_outcomes(**outcome)
    result.stdout.fnmatch_lines([f"conformance: config *, {header}, *"])


def test_an_explicit_config_file_is_used_and_named(project: pytest.Pytester) -> None:
    elsewhere = project.path / "ci" / "conformance.toml"
    elsewhere.parent.mkdir()
    # A dedicated file may hold the keys at the top level; paths are relative to it.
    elsewhere.write_text(
        'app = "proj.celery_app:app"\ndocs = ["../docs/*.md"]\n'
        'search_paths = [".."]\nmode = "static"\n',
        encoding="utf-8",
    )
    result = project.runpytest("--conformance", "--conformance-config", str(elsewhere), "-v")
    result.stdout.fnmatch_lines(
        [
            f"conformance: config {elsewhere}, mode static*",
            "ci/conformance.toml::conformance PASSED*",
        ]
    )
    result.assert_outcomes(passed=2)


def test_a_broken_configuration_fails_the_item_in_one_line(project: pytest.Pytester) -> None:
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8") + 'fail_onn = "error"\n', encoding="utf-8"
    )
    result = project.runpytest("--conformance")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*configuration error: *pyproject.toml:*: unknown key `fail_onn`*",
            "*the check could not be judged:*",
        ]
    )
    assert "(did you mean `fail_on`?)" in result.stdout.str()
    assert "Traceback" not in result.stdout.str()
