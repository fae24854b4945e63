"""Helm chart templates: simple ``.Values`` references put in from the chart's values.

A template such as ``args: ["-Q", "{{ .Values.worker.queues }}"]`` says what the worker
consumes only once the chart's ``values.yaml`` is read. References that are a plain path
(``{{ .Values.a.b }}``, with ``quote``/``| quote``/``| default x`` around it) are replaced
by the value when ``values.yaml`` has a scalar there; everything else (conditionals,
``include``, ``toYaml``) is left to the YAML reader, which blanks Go templating out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from conformance.yamlsafe import load as bounded_load

_REFERENCE = re.compile(
    r"\{\{-?\s*(?:quote\s+)?\.Values\.(?P<path>[A-Za-z0-9_.]+)"
    r"(?:\s*\|\s*(?:quote|default\s+(?P<default>\"[^\"]*\"|[\w.-]+)))*\s*-?\}\}"
)


def chart_values(template: Path) -> dict[str, Any] | None:
    """The ``values.yaml`` of the chart a file in ``templates/`` belongs to, if any."""
    if template.parent.name != "templates":
        return None
    values = template.parent.parent / "values.yaml"
    try:
        loaded = bounded_load(values.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return loaded if isinstance(loaded, dict) else None


def put_values(text: str, values: dict[str, Any]) -> str:
    """``text`` with each simple ``.Values`` reference replaced by its scalar value."""

    def value(match: re.Match[str]) -> str:
        found: Any = values
        for key in match.group("path").split("."):
            found = found.get(key) if isinstance(found, dict) else None
        if found is None and match.group("default"):
            found = match.group("default").strip('"')
        if isinstance(found, bool):
            return "true" if found else "false"
        if isinstance(found, str | int | float):
            return str(found)
        return match.group(0)

    return _REFERENCE.sub(value, text)
