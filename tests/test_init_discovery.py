"""What `conformance init` finds, read in-process from real files in a temporary folder:
deploy files of every format, mkdocs nav pages, import roots."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conformance.adopt import discover
from conformance.adopt.pyscan import module_location

FIXTURES = Path(__file__).parent / "fixtures" / "init"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def entry(root: Path, key: str) -> object:
    found = discover(root)
    return next((e.value for e in found.entries if e.key == key), None)


def plain(tmp_path: Path) -> Path:
    root = tmp_path / "plain"
    shutil.copytree(FIXTURES / "plain", root)
    return root


DEPLOY_FILES = {
    "deploy/k8s/worker.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: worker\n          image: proj\n"
        '          command: ["celery", "-A", "proj.celery_app", "worker", "-Q", "reports"]\n'
    ),
    "deploy/k8s/web.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: web\n          image: proj\n"
        '          command: ["gunicorn", "proj.wsgi"]\n'
    ),
    "docker/entrypoint.sh": (
        '#!/bin/sh\nset -e\ncase "$1" in\n  worker)\n    exec celery -A proj.celery_app worker\n'
        "    ;;\n  web)\n    exec gunicorn proj.wsgi\n    ;;\nesac\n"
    ),
    "deploy/supervisord.conf": (
        "[program:worker]\ncommand=celery -A proj.celery_app worker -Q default\n"
    ),
    "deploy/celery-beat.service": (
        "[Unit]\nDescription=beat\n\n[Service]\nExecStart=/usr/bin/celery -A proj.celery_app beat\n"
    ),
    "bin/start-worker": "#!/usr/bin/env bash\nexec celery -A proj.celery_app worker -Q default\n",
    # Not deploy files of the app: a web image, an illustration in the docs, a health check.
    "Dockerfile.web": 'FROM python:3.12\nCMD ["gunicorn", "proj.wsgi"]\n',
    "docs/examples/docker-compose.yml": (
        "services:\n  worker:\n    command: celery -A proj.celery_app worker\n"
    ),
    "scripts/healthcheck.sh": "#!/bin/sh\ncelery -A proj.celery_app inspect ping\n",
    "bin/manage": "#!/usr/bin/env python\nprint('celery worker')\n",
}


def test_deploy_files_of_every_format_that_start_celery_are_found(tmp_path: Path) -> None:
    root = write(plain(tmp_path), DEPLOY_FILES)

    assert entry(root, "deploy") == (
        "bin/start-worker",
        "deploy/celery-beat.service",
        "deploy/k8s/worker.yaml",
        "deploy/supervisord.conf",
        "docker/entrypoint.sh",
    )


def test_compose_starting_workers_through_an_entrypoint_script_is_found(tmp_path: Path) -> None:
    root = write(
        plain(tmp_path),
        {
            "docker-compose.yml": (
                "services:\n  worker:\n    build: .\n    entrypoint: ./entrypoint.sh\n"
                "    command: worker\n"
            ),
            "entrypoint.sh": (
                '#!/bin/sh\ncase "$1" in\n  worker) exec celery -A proj.celery_app worker ;;\nesac\n'
            ),
        },
    )

    assert entry(root, "deploy") == ("docker-compose.yml", "entrypoint.sh")


def test_mkdocs_nav_decides_which_pages_are_published(tmp_path: Path) -> None:
    root = write(
        plain(tmp_path),
        {
            "mkdocs.yml": (
                "site_name: Reports\n"
                "markdown_extensions:\n"
                "  - pymdownx.emoji:\n"
                "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
                "nav:\n"
                "  - Home: index.md\n"
                "  - Tasks: tasks.md\n"
                "  - External: https://example.com/celery.md\n"
            ),
            "docs/index.md": "# Reports\n\nThe workers build reports.\n",
            "docs/drafts.md": "# Draft\n\nA celery idea, not published.\n",
        },
    )

    # queues.md and drafts.md are not in the nav: the folder is not globbed.
    assert entry(root, "docs") == ("docs/index.md", "docs/tasks.md")


def test_changelogs_are_not_descriptions_of_the_code(tmp_path: Path) -> None:
    root = write(plain(tmp_path), {"docs/CHANGELOG.md": "Renamed the celery task `old_name`.\n"})

    # Left out, so `docs/**/*.md` (which would take it in) becomes the pages one by one.
    assert entry(root, "docs") == ("docs/queues.md", "docs/tasks.md")


@pytest.mark.parametrize(
    ("files", "path", "expected"),
    [
        (["src/pkg/__init__.py", "src/pkg/celery.py"], "src/pkg/celery.py", ("src", "pkg.celery")),
        (
            ["backend/svc/__init__.py", "backend/svc/a/__init__.py", "backend/svc/a/w.py"],
            "backend/svc/a/w.py",
            ("backend", "svc.a.w"),
        ),
        # A namespace package (no __init__.py) imports from the folder that starts the project.
        (
            ["api/pyproject.toml", "api/app/workers/celery_app.py"],
            "api/app/workers/celery_app.py",
            ("api", "app.workers.celery_app"),
        ),
        (
            ["app/workers/celery_app.py"],
            "app/workers/celery_app.py",
            (".", "app.workers.celery_app"),
        ),
        (["worker.py"], "worker.py", (".", "worker")),
        (["pkg/__init__.py"], "pkg/__init__.py", (".", "pkg")),
        (["my project/app.py"], "my project/app.py", None),
    ],
)
def test_module_location(
    tmp_path: Path, files: list[str], path: str, expected: tuple[str, str] | None
) -> None:
    write(tmp_path, dict.fromkeys(files, ""))

    assert module_location(tmp_path, path) == expected
