"""Process managers configured in INI files: supervisord ``[program:x]`` sections and
systemd ``.service`` units (``ExecStart``, ``Environment``)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath

from conformance.deploy.commandline import (
    command_name,
    make_service,
    parse_celery_command,
    services_extraction,
    split_words,
    variable_notices,
)
from conformance.model import Extraction, Location, Notice, Origin, Service


def _ini_entries(text: str) -> Iterator[tuple[str, str, str, int]]:
    """(section, key, value, line) of an INI-like file; indented lines continue a value."""
    section = ""
    key: str | None = None
    value = ""
    line = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if key is not None and raw[:1] in (" ", "\t") and stripped:
            value += " " + stripped
            continue
        if key is not None:
            yield section, key, value, line
            key = None
        if not stripped or stripped[0] in "#;":
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
            continue
        for separator in ("=", ":"):
            name, sep, rest = stripped.partition(separator)
            if sep and name.strip() and " " not in name.strip():
                key, value, line = name.strip(), rest.strip(), number
                break
    if key is not None:
        yield section, key, value, line


def services_from_supervisord_text(
    text: str, *, path: str, line_offset: int = 0, origin: Origin = Origin.DOCS
) -> Extraction:
    """One Service per ``[program:NAME]`` section with a ``command=`` (source: that line)."""
    services: list[Service] = []
    notices: list[Notice] = []
    for section, key, value, line in _ini_entries(text):
        if not section.startswith("program:") or key != "command":
            continue
        command = re.sub(r"\s+;.*$", "", value)  # supervisord's inline comments
        celery = parse_celery_command(command)
        name = section.partition(":")[2].strip()
        service = make_service(name, command, celery, Location(path, line + line_offset), origin)
        services.append(service)
        notices.extend(variable_notices(service, celery))
    return services_extraction(services, notices)


def services_from_systemd_text(
    text: str, *, path: str, line_offset: int = 0, origin: Origin = Origin.DOCS
) -> Extraction:
    """One Service per ``ExecStart=`` of a systemd unit, named after the unit file
    (``celery-worker.service`` -> ``celery-worker``; a unit quoted in a doc page is named
    like a shell command: its ``-n`` node name, else its role).

    ``Environment=`` assignments in the unit are substituted into the command (the
    ``$CELERY_BIN -A $CELERY_APP`` style of Celery's own docs); ``EnvironmentFile=`` is
    not read. The ``-``/``@``/``+``/``!``/``:`` prefixes of the command are dropped.
    """
    environment: dict[str, str] = {}
    starts: list[tuple[str, int]] = []
    for section, key, value, line in _ini_entries(_join_continuations(text)):
        if section != "Service":
            continue
        if key == "Environment":
            for assignment in split_words(value):
                name, sep, setting = assignment.partition("=")
                if sep:
                    environment[name] = setting
        elif key == "ExecStart" and value:
            starts.append((value.lstrip("-@+!:"), line))
    file_name = PurePosixPath(path).name
    unit = file_name.removesuffix(".service").removesuffix("@")
    services: list[Service] = []
    notices: list[Notice] = []
    for command, line in starts:
        expanded = _substitute(command, environment)
        celery = parse_celery_command(expanded)
        # A unit quoted in a doc page has no file name of its own: name it like a command.
        name = unit if file_name.endswith(".service") else command_name(celery)
        service = make_service(name, command, celery, Location(path, line + line_offset), origin)
        services.append(service)
        notices.extend(variable_notices(service, celery))
    return services_extraction(services, notices)


def _join_continuations(text: str) -> str:
    """systemd's ``\\`` line continuations joined, keeping every line number in place."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line, extra = lines[i], 0
        while line.rstrip().endswith("\\") and i + extra + 1 < len(lines):
            extra += 1
            line = line.rstrip()[:-1].rstrip() + " " + lines[i + extra].strip()
        out.append(line)
        out.extend([""] * extra)
        i += extra + 1
    return "\n".join(out)


def _substitute(command: str, environment: Mapping[str, str]) -> str:
    def value_of(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return environment.get(name, match.group(0))

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", value_of, command)
