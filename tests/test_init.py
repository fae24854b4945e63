"""`conformance init` end to end: four small repositories, the real CLI in a child process.

Each fixture under tests/fixtures/init/ is copied to a temporary folder (the fixtures are
never written), set up with `init --yes`, and then checked statically: the written table
must be exactly what the repository calls for, and the drift planted in the fixture must
be found through it.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from clirun import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "init"


def copy_fixture(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


def written_table(root: Path) -> dict[str, Any]:
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    table: dict[str, Any] = data["tool"]["conformance"]
    return table


def static_findings(root: Path) -> set[tuple[str, str]]:
    done = run_cli(root, "check", "--mode", "static", "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    return {(f["rule"], f["subject"]) for f in report["findings"]}


CASES = {
    "plain": (
        {
            "app": "proj.celery_app:app",
            "docs": ["docs/**/*.md"],
            "monitoring": ["proj.metrics"],
        },
        {("task.missing", "proj.tasks.archive_orders")},
    ),
    "django": (
        {
            "app": "shop.celery:app",
            "docs": ["docs/**/*.md", "README.md"],
            "deploy": ["Procfile"],
        },
        {("schedule.mismatch", "expire-carts")},
    ),
    "srclayout": (
        {
            "app": "mypkg.celery:app",
            "docs": ["docs/**/*.md"],
            "search_paths": ["src"],
            "deploy": ["docker-compose.yml"],
        },
        {
            ("route.mismatch", "mypkg.tasks.send_welcome"),
            ("queue.missing", "mail"),
            ("deploy.queue-unconsumed", "emails"),
        },
    ),
    "monorepo": (
        {
            "app": "svc.worker:app",
            "docs": ["docs/**/*.md", "README.md"],
            "search_paths": ["backend"],
            "monitoring": ["svc.metrics"],
            "deploy": ["backend/Dockerfile"],
        },
        {("metric.missing", "inventory_sync_seconds")},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_init_configures_the_fixture_and_its_drift_is_found(name: str, tmp_path: Path) -> None:
    table, drift = CASES[name]
    root = copy_fixture(name, tmp_path)

    done = run_cli(root, "init", "--yes")

    assert done.returncode == 0, done.stderr
    assert written_table(root) == table
    # One line per key, with the evidence in parentheses, before the first check's summary.
    for key in table:
        assert any(
            line.startswith(f"{key} = ") and "(" in line for line in done.stdout.splitlines()
        )
    assert "wrote [tool.conformance] to pyproject.toml" in done.stdout
    assert "first check (static): " in done.stdout
    assert drift <= static_findings(root)


def test_the_evidence_names_the_app_definition_and_the_deploy_file(tmp_path: Path) -> None:
    root = copy_fixture("django", tmp_path)

    done = run_cli(root, "init", "--yes", "--no-check")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        'app = "shop.celery:app"  (Celery(...) at shop/celery.py:7, settings from '
        "django.conf:settings (CELERY_*); started by Procfile:2: celery -A shop worker, beat)"
    )
    assert 'deploy = ["Procfile"]  (Procfile (procfile): starts worker, beat)' in lines
    # --no-check: the table is written, no check runs.
    assert "first check" not in done.stdout


def test_a_page_that_mentions_nothing_of_the_app_is_left_out(tmp_path: Path) -> None:
    root = copy_fixture("plain", tmp_path)

    done = run_cli(root, "init", "--yes", "--no-check")

    assert "note: pages that mention nothing of the app, left out: README.md" in done.stdout


def test_the_frontend_of_a_monorepo_is_not_read_for_docs(tmp_path: Path) -> None:
    # frontend/README.md says "service worker": not a page of the Python project.
    root = copy_fixture("monorepo", tmp_path)

    run_cli(root, "init", "--yes", "--no-check")

    assert "frontend" not in (root / "pyproject.toml").read_text(encoding="utf-8")


def test_an_existing_pyproject_keeps_every_byte_and_gets_the_table_appended(
    tmp_path: Path,
) -> None:
    root = copy_fixture("srclayout", tmp_path)
    before = (root / "pyproject.toml").read_bytes()

    done = run_cli(root, "init", "--yes", "--no-check")

    assert done.returncode == 0, done.stderr
    assert (root / "pyproject.toml").read_bytes() == before + (
        b"\n[tool.conformance]\n"
        b'app = "mypkg.celery:app"\n'
        b'docs = ["docs/**/*.md"]\n'
        b'search_paths = ["src"]\n'
        b'deploy = ["docker-compose.yml"]\n'
    )


def test_init_then_check_uses_the_table_as_written(tmp_path: Path) -> None:
    # `check` with no options reads the new table (mode auto; the app imports here).
    root = copy_fixture("plain", tmp_path)
    run_cli(root, "init", "--yes", "--no-check")

    done = run_cli(root, "check", "--format", "json")

    assert done.returncode == 1, done.stderr
    rules = {f["rule"] for f in json.loads(done.stdout)["findings"]}
    assert "task.missing" in rules
