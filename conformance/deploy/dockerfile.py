"""Dockerfiles: the process an image starts (``ENTRYPOINT`` + ``CMD``), as a Service.

Read with ``dockerfile-parse`` (instructions, continuations, exec and shell forms), from
memory: nothing is written and nothing is built. Docker's rules: an exec-form
``ENTRYPOINT`` receives ``CMD`` as arguments; a shell-form ``ENTRYPOINT`` ignores
``CMD``; without ``ENTRYPOINT`` the ``CMD`` is the command. The last instruction of each
kind counts, in the last stage; a stage built ``FROM`` an earlier stage inherits its
command.
"""

from __future__ import annotations

import io
import json
import shlex
from pathlib import PurePosixPath

from conformance.deploy.commandline import (
    make_service,
    parse_celery_command,
    services_extraction,
    variable_notices,
)
from conformance.model import Extraction, Location, Notice, Origin


def services_from_dockerfile_text(
    text: str, *, path: str, line_offset: int = 0, origin: Origin = Origin.STATIC
) -> Extraction:
    from dockerfile_parse import DockerfileParser  # only when a Dockerfile is configured

    parser = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8")))
    stages: dict[str, dict[str, tuple[str, int]]] = {}  # `FROM … AS name` → its command
    last: dict[str, tuple[str, int]] = {}
    for instruction in parser.structure:
        kind = instruction["instruction"]
        if kind in ("ENTRYPOINT", "CMD"):
            last[kind] = (instruction["value"], instruction["startline"] + 1)
        elif kind == "FROM":
            # A stage built on an earlier one inherits its command; on an image, the
            # image's command is unknown.
            words = instruction["value"].split()
            base = words[0].lower() if words else ""
            last = dict(stages.get(base, {}))
            if len(words) == 3 and words[1].lower() == "as":
                stages[words[2].lower()] = last
    if not last:
        return services_extraction([], [])
    command, line = _command(last)
    if command is None:
        notice = Notice("not-judged", "the image's command is not readable", path, line)
        return services_extraction([], [notice])
    celery = parse_celery_command(command)
    name = PurePosixPath(path).name
    service = make_service(name, command, celery, Location(path, line + line_offset), origin)
    return services_extraction([service], variable_notices(service, celery))


def _command(last: dict[str, tuple[str, int]]) -> tuple[str | None, int]:
    entry = last.get("ENTRYPOINT")
    cmd = last.get("CMD")
    line = (entry or cmd or ("", 1))[1]
    if entry is None:
        return (_as_text(cmd[0]) if cmd else None), line
    entry_argv = _exec_form(entry[0])
    if entry_argv is None:  # shell form: CMD is ignored
        return entry[0], line
    if cmd is None:
        return shlex.join(entry_argv), line
    cmd_argv = _exec_form(cmd[0])
    tail = shlex.join(cmd_argv) if cmd_argv is not None else f"/bin/sh -c {shlex.quote(cmd[0])}"
    return f"{shlex.join(entry_argv)} {tail}".strip(), line


def _exec_form(value: str) -> list[str] | None:
    """The JSON array of the exec form, or None for the shell form."""
    if not value.lstrip().startswith("["):
        return None
    try:
        argv = json.loads(value)
    except (ValueError, RecursionError):  # not JSON (or absurdly deep): the shell form
        return None
    return [str(a) for a in argv] if isinstance(argv, list) else None


def _as_text(value: str) -> str | None:
    argv = _exec_form(value)
    if argv is not None:
        return shlex.join(argv)
    return value.strip() or None


def entrypoint_script(text: str, context: PurePosixPath) -> PurePosixPath | None:
    """The repository path of the script an image's ``ENTRYPOINT`` runs, when a ``COPY``
    (or ``ADD``) of the build context put it there: ``COPY docker/entrypoint.sh
    /entrypoint.sh`` + ``ENTRYPOINT ["/entrypoint.sh"]`` → ``<context>/docker/entrypoint.sh``.
    ``None`` when the entrypoint is not a script copied from the context."""
    from dockerfile_parse import DockerfileParser

    parser = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8")))
    copies: list[tuple[list[str], str]] = []
    workdir = PurePosixPath("/")
    entry: str | None = None
    for instruction in parser.structure:
        kind, value = instruction["instruction"], instruction["value"]
        if kind == "WORKDIR":
            workdir = workdir / value.strip()
        elif kind in ("COPY", "ADD"):
            words = [w for w in (_exec_form(value) or shlex.split(value)) if not w.startswith("--")]
            if len(words) >= 2:
                copies.append((words[:-1], str(workdir / words[-1])))
        elif kind == "ENTRYPOINT":
            argv = _exec_form(value) or shlex.split(value)
            entry = next((w for w in argv if w.endswith(".sh")), None)
            entry = str(workdir / entry) if entry else None
    if entry is None:
        return None
    target = PurePosixPath(entry)
    for sources, dest in reversed(copies):
        destination = PurePosixPath(dest)
        for source in sources:
            if destination == target:
                return context / source
            # `COPY . /app` or `COPY docker/ /app/docker/`: the script sits inside.
            if target.is_relative_to(destination):
                return context / source / target.relative_to(destination)
    return None
