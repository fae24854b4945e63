"""The deploy side of ``conformance init``: files that start a worker, beat or Flower.

A file is told apart and read exactly as ``check`` will read it
(:func:`~conformance.deploy.read.deploy_format`, then
:func:`~conformance.deploy.read.read_deploy_files`), so a file listed here is one the
check understands. Only files that start a Celery process are kept: a web image's
Dockerfile or a frontend's Compose file says nothing about the workers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from conformance.adopt.tree import RepoFiles
from conformance.deploy.read import deploy_format, read_deploy_files
from conformance.errors import ConformanceError

_DEPLOY_SUFFIXES = (".yml", ".yaml", ".service", ".conf", ".ini", ".sh", ".dockerfile")
_SHELL_SHEBANG = re.compile(r"#!\S*\b(ba|da|z|k)?sh\b|#!\S*\benv\s+(ba|da|z|k)?sh\b")
_MENTIONS_CELERY = re.compile(r"celery|flower", re.IGNORECASE)
# A Compose file in the docs shows how one could deploy; it is not the deployment.
_NOT_DEPLOY_FOLDERS = frozenset({"docs", "doc"})


@dataclass(frozen=True)
class Start:
    """One process a deploy file starts for an app (``celery -A proj worker``)."""

    app: str
    role: str
    path: str
    line: int | None


@dataclass(frozen=True)
class DeployFile:
    path: str
    kind: str
    roles: tuple[str, ...]
    """The Celery processes it starts (worker, beat, flower), in order, once each."""
    starts: tuple[Start, ...]
    unreadable: bool = False
    """YAML that does not parse but names Celery: the check reads it as unknown
    processes, which is still better than not knowing the file exists."""


def find_deploy_files(files: RepoFiles) -> tuple[DeployFile, ...]:
    found: list[DeployFile] = []
    for relative in files.paths:
        path = PurePosixPath(relative)
        name = path.name
        if not _may_be_deploy_file(name) or _NOT_DEPLOY_FOLDERS & set(path.parts[:-1]):
            continue
        text = files.text(relative)
        if text is None:
            continue
        # An extension-less script counts when it is a shell script, not any `#!`.
        if _extensionless_script(name) and not _SHELL_SHEBANG.match(text):
            continue
        kind = deploy_format(name, text)
        # Compose may start workers through an entrypoint script without the word
        # `celery` in it; every other format names Celery itself when it starts it.
        if kind is None or (kind != "compose" and not _MENTIONS_CELERY.search(text)):
            continue
        described = _described(files, relative, kind, text)
        if described is not None:
            found.append(described)
    return tuple(found)


def _may_be_deploy_file(name: str) -> bool:
    lower = name.lower()
    return (
        lower.endswith(_DEPLOY_SUFFIXES)
        or name.startswith("Procfile")
        or lower == "dockerfile"
        or lower.startswith("dockerfile.")
        or "." not in name
    )


def _extensionless_script(name: str) -> bool:
    return "." not in name and not name.startswith(("Procfile", "Dockerfile"))


def _described(files: RepoFiles, relative: str, kind: str, text: str) -> DeployFile | None:
    try:
        extraction = read_deploy_files([relative], files.root)
    except ConformanceError:
        return None
    services = extraction.spec.services
    roles = tuple(dict.fromkeys(s.role for s in services if s.role != "other"))
    unreadable = any(s.dynamic for s in services) and bool(_MENTIONS_CELERY.search(text))
    if not roles and not unreadable:
        return None
    starts = tuple(
        Start(s.app, s.role, relative, s.source.line if s.source else None)
        for s in services
        # `-A $APP` names no app until run time.
        if s.role != "other" and s.app and "$" not in s.app
    )
    return DeployFile(relative, kind, roles, starts, unreadable)
