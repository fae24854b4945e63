"""YAML that starts processes: Compose files and Kubernetes manifests (Helm templates with
their Go templating blanked), read with the safe loader."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import yaml

from conformance.deploy.commandline import (
    CeleryCommand,
    make_service,
    parse_celery_command,
    services_extraction,
    split_words,
    variable_notices,
)
from conformance.model import Extraction, Location, Notice, Origin, Service, ServiceRole, Spec
from conformance.yamlsafe import compose_all, load_all


class YamlProblem(Exception):
    """YAML that does not parse (or asks for a tag the safe loader refuses), with its line."""

    def __init__(self, problem: str, line: int | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


def services_from_yaml_text(
    text: str, *, path: str, line_offset: int = 0, origin: Origin = Origin.DOCS
) -> Extraction:
    """Services of a Compose file (or an excerpt) or of Kubernetes/Helm manifests.

    YAML that does not parse gives a ``unparsed-block`` notice at the line of the problem;
    YAML that is neither Compose nor Kubernetes gives an empty extraction.
    """
    try:
        return yaml_services(text, path=path, line_offset=line_offset, origin=origin)
    except YamlProblem as problem:
        line = problem.line + line_offset if problem.line is not None else None
        notice = Notice("unparsed-block", f"yaml does not parse: {problem.problem}", path, line)
        return Extraction(Spec(), (notice,))


def yaml_services(
    text: str, *, path: str, line_offset: int = 0, origin: Origin = Origin.DOCS
) -> Extraction:
    """Like :func:`services_from_yaml_text`, but YAML that does not parse raises
    :class:`YamlProblem` (its line is within ``text``, without ``line_offset``)."""
    text = _blank_helm_templating(text)
    try:
        nodes = compose_all(text)
        documents = load_all(text)
    except yaml.YAMLError as exc:
        raise _problem(exc) from None
    services: list[Service] = []
    notices: list[Notice] = []
    for node, document in zip(nodes, documents, strict=False):
        if not isinstance(document, dict) or not isinstance(node, yaml.MappingNode):
            continue
        reader = _YamlDocument(node, path, line_offset, origin)
        if isinstance(document.get("services"), dict):
            found = reader.compose(document["services"], ("services",))
        elif "kind" in document and ("apiVersion" in document or "spec" in document):
            found = reader.kubernetes(document)
        elif "kind" not in document and _looks_like_services(document):
            found = reader.compose(document, ())
        else:
            found = []
        for service, celery in found:
            services.append(service)
            notices.extend(variable_notices(service, celery))
    return services_extraction(services, notices)


def _problem(exc: yaml.YAMLError) -> YamlProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return YamlProblem(str(problem), mark.line + 1 if mark is not None else None)


_HELM_LINE = re.compile(r"^\s*\{\{.*\}\}\s*$")
_HELM_INLINE = re.compile(r"\{\{.*?\}\}")


_HELM_MULTILINE = re.compile(r"[ \t]*\{\{(?:(?!\}\}).)*\n(?:(?!\}\}).)*\}\}[ \t]*", re.DOTALL)


def _blank_helm_templating(text: str) -> str:
    """Helm's ``{{ ... }}``: lines of only templating become blank, inline ones a variable,
    so a chart's manifests parse and keep their line numbers."""
    if "{{" not in text:
        return text
    # An action spread over several lines (`{{- include "x" (list\n .Values\n) | nindent 8 }}`)
    # becomes as many blank lines: what it renders is unknown, its lines are kept.
    text = _HELM_MULTILINE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    lines = ["" if _HELM_LINE.match(line) else line for line in text.splitlines()]
    return "\n".join(_HELM_INLINE.sub("$HELM_VALUE", line) for line in lines)


_SERVICE_KEYS = frozenset({"command", "image", "build", "entrypoint"})


def _looks_like_services(document: Mapping[Any, Any]) -> bool:
    """A Compose excerpt without ``services:``: every top-level value a service mapping."""
    entries = [v for k, v in document.items() if not str(k).startswith("x-")]
    return bool(entries) and all(
        isinstance(entry, dict) and _SERVICE_KEYS & set(entry) for entry in entries
    )


class _YamlDocument:
    """One YAML document: loaded values, and its node tree for line numbers."""

    def __init__(self, root: yaml.Node, path: str, line_offset: int, origin: Origin) -> None:
        self.root = root
        self.path = path
        self.line_offset = line_offset
        self.origin = origin

    def location(self, keys: Sequence[str | int]) -> Location:
        """Where the value at ``keys`` starts (a mapping entry: the line of its key)."""
        node = self.root
        line = node.start_mark.line
        for key in keys:
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode) and isinstance(key, str):
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                        line, child = key_node.start_mark.line, value_node
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(key, int)
                and key < len(node.value)
            ):
                child = node.value[key]
                line = child.start_mark.line
            if child is None:
                break  # a merged (``<<: *anchor``) entry: keep the nearest line known
            node = child
        return Location(self.path, line + 1 + self.line_offset)

    def compose(
        self, services: Mapping[Any, Any], at: tuple[str, ...]
    ) -> list[tuple[Service, CeleryCommand | None]]:
        found: list[tuple[Service, CeleryCommand | None]] = []
        for name, body in services.items():
            if not isinstance(body, dict) or str(name).startswith("x-"):
                continue
            entrypoint, command = body.get("entrypoint"), body.get("command")
            celery = _compose_celery(entrypoint, command)
            image = str(body.get("image") or "")
            role: ServiceRole | None = None
            if (celery is None or not celery.is_service) and "flower" in image.lower():
                role = "flower"
            text = _command_text(entrypoint, command)
            where = self.location((*at, str(name)))
            service = make_service(str(name), text, celery, where, self.origin, role)
            found.append((service, celery))
        return found

    def kubernetes(self, document: Mapping[Any, Any]) -> list[tuple[Service, CeleryCommand | None]]:
        metadata = document.get("metadata")
        owner = metadata.get("name") if isinstance(metadata, dict) else None
        matches: list[tuple[tuple[str | int, ...], Mapping[Any, Any], CeleryCommand | None]] = []
        for keys, container in _containers(document, ()):
            celery = _compose_celery(container.get("command"), container.get("args"))
            image = str(container.get("image") or "")
            if celery is not None or "flower" in image.lower():
                matches.append((keys, container, celery))
        found: list[tuple[Service, CeleryCommand | None]] = []
        for keys, container, celery in matches:
            own_name = container.get("name")
            name = owner if owner and len(matches) == 1 else own_name or owner or "container"
            role: ServiceRole | None = None
            if (celery is None or not celery.is_service) and "flower" in str(
                container.get("image") or ""
            ):
                role = "flower"
            text = _command_text(container.get("command"), container.get("args"))
            service = make_service(str(name), text, celery, self.location(keys), self.origin, role)
            found.append((service, celery))
        return found


def _containers(
    value: Any, keys: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], Mapping[Any, Any]]]:
    """Every entry of a ``containers:`` list, wherever the workload kind nests its pod spec."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "containers" and isinstance(child, list):
                for index, container in enumerate(child):
                    if isinstance(container, dict):
                        yield (*keys, "containers", index), container
            elif key != "initContainers":
                yield from _containers(child, (*keys, str(key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _containers(child, (*keys, index))


def _argv(value: Any) -> list[str]:
    if isinstance(value, str):
        return split_words(value)
    if isinstance(value, list):
        return [str(word) for word in value if word is not None]
    return []


def _compose_celery(entrypoint: Any, command: Any) -> CeleryCommand | None:
    """The celery command Compose (or a pod) would run: entrypoint + command, then either
    alone (an entrypoint script that ends in ``exec "$@"`` hides the celery in ``command``)."""
    for words in (_argv(entrypoint) + _argv(command), _argv(command), _argv(entrypoint)):
        if words:
            celery = parse_celery_command(words)
            if celery is not None:
                return celery
    return None


def _command_text(entrypoint: Any, command: Any) -> str | None:
    parts = [
        value if isinstance(value, str) else shlex.join(_argv(value))
        for value in (entrypoint, command)
        if value
    ]
    return " ".join(part.strip() for part in parts) or None
