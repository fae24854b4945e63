"""Procfiles (Heroku, honcho, foreman): one named process per ``name: command`` line."""

from __future__ import annotations

import re

from conformance.deploy.commandline import (
    make_service,
    parse_celery_command,
    services_extraction,
    variable_notices,
)
from conformance.model import Extraction, Location, Notice, Origin, Service

_PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_.-]+)\s*:\s*(.+)$")


def services_from_procfile_text(
    text: str, *, path: str, line_offset: int = 0, origin: Origin = Origin.DOCS
) -> Extraction:
    """One Service per ``name: command`` line of a Procfile (non-celery lines as ``other``)."""
    services: list[Service] = []
    notices: list[Notice] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        match = _PROCFILE_LINE.match(raw.strip())
        if raw.lstrip().startswith("#") or not match:
            continue
        name, command = match.group(1), match.group(2).strip()
        celery = parse_celery_command(command)
        service = make_service(name, command, celery, Location(path, number + line_offset), origin)
        services.append(service)
        notices.extend(variable_notices(service, celery))
    return services_extraction(services, notices)
