"""`conformance init` choosing the app: deploy files, `--app`, the first of several, the
prompt, and nothing at all. Real repositories in a temporary folder, the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from clirun import run_cli

APP = 'from celery import Celery\n\napp = Celery("{name}", broker="memory://")\n'


def two_apps(root: Path, procfile: str | None) -> Path:
    for name in ("alpha", "beta"):
        package = root / name
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("", encoding="utf-8")
        (package / "celery_app.py").write_text(APP.format(name=name), encoding="utf-8")
    (root / "docs").mkdir()
    (root / "docs" / "workers.md").write_text("# Workers\n\nRun one Celery worker.\n")
    if procfile is not None:
        (root / "Procfile").write_text(procfile, encoding="utf-8")
    return root


def configured_app(root: Path) -> object:
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return data["tool"]["conformance"]["app"]


def test_several_apps_with_yes_take_the_one_a_deploy_file_starts(tmp_path: Path) -> None:
    root = two_apps(tmp_path, "worker: celery -A beta.celery_app worker -l info\n")

    done = run_cli(root, "init", "--yes", "--no-check")

    assert done.returncode == 0, done.stderr
    assert configured_app(root) == "beta.celery_app:app"
    assert "started by Procfile:1: celery -A beta.celery_app worker" in done.stdout
    assert "note: not configured: alpha.celery_app:app" in done.stdout


def test_every_app_the_deploy_files_start_is_configured(tmp_path: Path) -> None:
    procfile = "mail: celery -A alpha.celery_app worker\nmedia: celery -A beta.celery_app worker\n"
    root = two_apps(tmp_path, procfile)

    done = run_cli(root, "init", "--yes", "--no-check")

    assert done.returncode == 0, done.stderr
    assert configured_app(root) == ["alpha.celery_app:app", "beta.celery_app:app"]


def test_several_apps_and_no_deploy_file_take_the_first_and_say_so(tmp_path: Path) -> None:
    root = two_apps(tmp_path, None)

    done = run_cli(root, "init", "--yes", "--no-check")

    assert done.returncode == 0, done.stderr
    assert configured_app(root) == "alpha.celery_app:app"
    assert "note: several Celery apps found; took alpha.celery_app:app (the first)" in done.stdout
    assert "beta.celery_app:app" in done.stdout


def test_app_option_wins_over_the_deploy_files(tmp_path: Path) -> None:
    root = two_apps(tmp_path, "worker: celery -A beta.celery_app worker\n")

    done = run_cli(root, "init", "--app", "alpha.celery_app:app", "--no-check")

    assert done.returncode == 0, done.stderr
    assert configured_app(root) == "alpha.celery_app:app"
    # The Procfile's worker runs beta: it is no deployment of alpha.
    table = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["conformance"]
    assert "deploy" not in table
    assert "note: deploy files that start another app, left out: Procfile" in done.stdout


@pytest.mark.parametrize(
    ("app", "message"),
    [
        ("not an app", "conformance: error: --app: `app` must look like MODULE:ATTRIBUTE"),
        ("gamma.celery_app:app", "conformance: error: --app: module `gamma.celery_app` not found"),
    ],
)
def test_a_bad_app_option_is_exit_2(tmp_path: Path, app: str, message: str) -> None:
    root = two_apps(tmp_path, None)

    done = run_cli(root, "init", "--app", app, "--no-check")

    assert done.returncode == 2
    assert done.stderr.startswith(message)
    assert not (root / "pyproject.toml").exists()


def test_nothing_found_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('no celery here')\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# Nothing\n", encoding="utf-8")

    done = run_cli(tmp_path, "init", "--yes")

    assert done.returncode == 2
    assert done.stderr.startswith(f"conformance: error: {tmp_path.resolve()}: no Celery app found")
    assert done.stderr.count("\n") == 1
    assert not (tmp_path / "pyproject.toml").exists()


def test_apps_in_tests_and_virtualenvs_are_not_candidates(tmp_path: Path) -> None:
    for folder in ("tests", ".venv/lib/site-packages/thing", "node_modules/x"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "celery_app.py").write_text(APP.format(name="x"))

    done = run_cli(tmp_path, "init", "--yes")

    assert done.returncode == 2
    assert "no Celery app found" in done.stderr


def test_an_app_made_by_a_factory_is_found_through_the_deploy_file(tmp_path: Path) -> None:
    (tmp_path / "worker").mkdir()
    (tmp_path / "worker" / "__init__.py").write_text("")
    (tmp_path / "worker" / "factory.py").write_text(
        "from celery import Celery\n\n\ndef make():\n    return Celery('w')\n\n\napp = make()\n"
    )
    (tmp_path / "Procfile").write_text("worker: celery -A worker.factory:app worker\n")

    done = run_cli(tmp_path, "init", "--yes", "--no-check")

    assert done.returncode == 0, done.stderr
    assert configured_app(tmp_path) == "worker.factory:app"


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_on_a_terminal_the_user_picks_by_number(tmp_path: Path) -> None:
    root = two_apps(tmp_path, None)
    main, terminal = os.openpty()  # a real terminal on standard input: isatty() is true
    try:
        os.write(main, b"2\n")
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "init", "--no-check"],
            cwd=root,
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    finally:
        os.close(terminal)
        os.close(main)

    assert done.returncode == 0, done.stderr
    assert "  1. alpha.celery_app:app" in done.stdout
    assert "  2. beta.celery_app:app" in done.stdout
    assert configured_app(root) == "beta.celery_app:app"


def test_a_bare_app_option_is_written_as_given_with_the_app_it_resolves_to(
    tmp_path: Path,
) -> None:
    root = tmp_path / "django"
    shutil.copytree(Path(__file__).parent / "fixtures" / "init" / "django", root)

    done = run_cli(root, "init", "--app", "shop", "--no-check")

    assert done.returncode == 0, done.stderr
    assert configured_app(root) == "shop"
    assert done.stdout.startswith('app = "shop"  (--app; Celery(...) at shop/celery.py:7')


def test_a_missing_root_is_exit_2(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "init", "--root", "nowhere", "--yes")

    assert done.returncode == 2
    assert done.stderr == "conformance: error: nowhere: --root: directory not found\n"
