"""The deployment side: the files that start workers, beat and Flower, read into Services.

The configured ``deploy`` patterns are globs relative to the project root. Each file's
format is told by its name, then by its content; every format is read by the matching
reader of :mod:`conformance.deploy`. Nothing is executed and YAML is safe-loaded.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

import yaml

from conformance.deploy.commandline import make_service, parse_celery_commands
from conformance.deploy.dockerfile import entrypoint_script, services_from_dockerfile_text
from conformance.deploy.ini import services_from_supervisord_text, services_from_systemd_text
from conformance.deploy.manifests import YamlProblem, yaml_services
from conformance.deploy.procfile import services_from_procfile_text
from conformance.deploy.shell import services_from_shell_text
from conformance.errors import ConformanceError
from conformance.fileio import shown_path, why_unreadable
from conformance.model import EnvVar, Extraction, Location, Notice, Origin, Service, Spec
from conformance.yamlsafe import load as bounded_load

__all__ = ["deploy_format", "read_deploy_files"]

Reader = Callable[..., Extraction]

_KUBERNETES = re.compile(r"^(kind|apiVersion)\s*:", re.MULTILINE)
_SUPERVISORD = re.compile(r"^\s*\[program:", re.MULTILINE)
_SYSTEMD = re.compile(r"^\s*\[Service\]", re.MULTILINE)
_YAML_SUFFIXES = (".yml", ".yaml")


def deploy_format(name: str, text: str) -> str | None:
    """``compose``, ``kubernetes``, ``procfile``, ``dockerfile``, ``supervisord``,
    ``systemd``, ``shell``, or ``None`` for a file that is none of these."""
    lower = name.lower()
    if lower.endswith(_YAML_SUFFIXES):
        if lower.startswith(("docker-compose", "compose")):
            return "compose"
        if _KUBERNETES.search(text):
            return "kubernetes"
        return "compose" if re.search(r"^services\s*:", text, re.MULTILINE) else None
    if name.startswith("Procfile"):
        return "procfile"
    if lower == "dockerfile" or lower.startswith("dockerfile.") or lower.endswith(".dockerfile"):
        return "dockerfile"
    if lower.endswith(".service") or (lower.endswith(".conf") and _SYSTEMD.search(text)):
        return "systemd"
    if lower.endswith((".conf", ".ini")) and _SUPERVISORD.search(text):
        return "supervisord"
    if lower.endswith(".sh") or text.startswith("#!"):
        return "shell"
    return None


_READERS: dict[str, Reader] = {
    "compose": yaml_services,
    "kubernetes": yaml_services,
    "procfile": services_from_procfile_text,
    "supervisord": services_from_supervisord_text,
    "systemd": services_from_systemd_text,
    "shell": services_from_shell_text,
    "dockerfile": services_from_dockerfile_text,
}


def read_deploy_files(
    patterns: Sequence[str], root: Path, *, origin: Origin = Origin.STATIC
) -> Extraction:
    """The Services started by the deployment files matching ``patterns`` (globs relative
    to ``root``), with paths relative to ``root``.

    A pattern without wildcards that names no file and a file that cannot be read raise
    :class:`ConformanceError`. A glob that matches nothing, a file of no known format and
    YAML that does not parse (or uses a tag the safe loader refuses) give a notice; the
    last also an unknown (``dynamic``) service, so the deploy rules hold back.
    """
    root = root.resolve()
    result = Extraction(Spec())
    notices: list[Notice] = []
    seen: set[Path] = set()
    for pattern in patterns:
        files = _expand(pattern, root, notices)
        if not files:
            if not glob.has_magic(pattern):
                raise ConformanceError("deploy file not found", pattern)
            notices.append(Notice("not-found", f"deploy pattern `{pattern}` matches no file"))
        for file in files:
            if file in seen:
                continue
            seen.add(file)
            extraction, notice = _read_one(file, shown_path(file, root), origin)
            spec = _through_entrypoints(extraction.spec, file, root)
            result = result.merge(Extraction(spec, extraction.notices, extraction.waivers))
            notices.extend([notice] if notice else [])
    return Extraction(result.spec, result.notices + tuple(notices), result.waivers)


def _through_entrypoints(spec: Spec, file: Path, root: Path) -> Spec:
    """Compose services whose ``entrypoint`` is a dispatching script and whose
    ``command`` is one of its words (``entrypoint: ./docker/entrypoint.sh``,
    ``command: worker-mail``) run what that branch runs: its celery worker, beat or
    Flower, read from the script."""
    if not any(s.role == "other" and s.command for s in spec.services):
        return spec
    folder = file.parent
    images = _image_entrypoints(spec, file, root) if file.suffix in _YAML_SUFFIXES else {}
    services = tuple(_dispatched(s, folder, root, images.get(s.name)) for s in spec.services)
    return replace(spec, services=services)


def _image_entrypoints(spec: Spec, compose: Path, root: Path) -> dict[str, Path]:
    """Service → the entrypoint script of the image the Compose file ``compose`` builds for
    it (``build:`` context and Dockerfile), for services whose ``command`` is one word.
    The file is loaded again for its ``build:`` keys, only when such a service exists."""
    single = {
        s.name for s in spec.services if s.role == "other" and len((s.command or "").split()) == 1
    }
    if not single:
        return {}
    folder = compose.parent
    try:
        document = bounded_load(compose.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    services = document.get("services") if isinstance(document, dict) else None
    found: dict[str, Path] = {}
    for name, body in (services or {}).items() if isinstance(services, dict) else ():
        build = body.get("build") if isinstance(body, dict) else None
        if name not in single or build is None:
            continue
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = (
            "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        )
        context_dir = (folder / str(context)).resolve()
        try:
            text = (context_dir / str(dockerfile)).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        script = entrypoint_script(text, PurePosixPath("."))
        if script is not None:
            found[name] = (context_dir / script).resolve()
    return found


def _dispatched(service: Service, folder: Path, root: Path, image_script: Path | None) -> Service:
    words = (service.command or "").split()
    if service.role != "other":
        return service
    if len(words) == 1 and image_script is not None:
        script, word = image_script, words[0]
    elif len(words) == 2 and words[0].endswith(".sh"):
        script, word = (folder / words[0]).resolve(), words[1]
    else:
        return service
    if not script.is_relative_to(root) or not script.is_file():
        return service
    try:
        text = script.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return service
    from conformance.deploy.shell import shell_commands

    for command in shell_commands(text):
        if command.process != word:
            continue
        for celery in parse_celery_commands(command.text):
            if celery.is_service and service.source is not None:
                # The Compose service, running what the branch runs.
                return make_service(
                    service.name, service.command, celery, service.source, service.origin
                )
    return service


def _expand(pattern: str, root: Path, notices: list[Notice]) -> list[Path]:
    if not glob.has_magic(pattern):
        candidate = root / pattern
        return [candidate.resolve()] if candidate.is_file() else []
    # pathlib's `**` does not descend into symlinked folders; glob.glob's does, and two
    # `ln -s . x` links make it walk 2**40 paths.
    relative = Path(pattern)
    base = root
    if relative.is_absolute():
        base, relative = Path(relative.anchor), relative.relative_to(relative.anchor)
    # As glob.glob does, `*` and `**` do not match hidden names (.git, .venv) unless the
    # pattern itself names one.
    hidden_ok = any(part.startswith(".") for part in relative.parts)
    found: set[Path] = set()
    for match in base.glob(relative.as_posix()):
        if not hidden_ok and any(p.startswith(".") for p in match.relative_to(base).parts):
            continue
        why = why_unreadable(match)
        if why is None:
            found.add(match.resolve())
        elif why:
            notices.append(
                Notice("skipped", f"deploy file {why}: skipped", shown_path(match, root))
            )
    return sorted(found)


# `${VAR:-default}` / `${VAR-default}`: shells, Compose and Dockerfiles alike.
_ENV_DEFAULT = re.compile(r"\$\{(?P<name>[A-Z][A-Z0-9_]*):?-(?P<default>[^}\s]*)\}")


def env_defaults(text: str, path: str, origin: Origin) -> tuple[EnvVar, ...]:
    """The fallbacks a deploy file gives environment variables (``${WORKERS:-4}``): the
    value a deployment runs with when the variable is unset, like ``os.getenv``'s."""
    found: list[EnvVar] = []
    for match in _ENV_DEFAULT.finditer(text):
        default = match.group("default").strip("\"'")
        if default:
            line = text.count("\n", 0, match.start()) + 1
            found.append(EnvVar(match["name"], default, source=Location(path, line), origin=origin))
    return tuple(found)


def _read_one(file: Path, path: str, origin: Origin) -> tuple[Extraction, Notice | None]:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConformanceError(f"cannot read: {exc}", path) from None
    kind = deploy_format(file.name, text)
    if kind is None:
        notice = Notice("skipped", "not a deploy file format conformance reads", path, 1)
        return Extraction(Spec()), notice
    if kind == "kubernetes" and "{{" in text:
        from conformance.deploy.helm import chart_values, put_values

        values = chart_values(file)
        text = put_values(text, values) if values is not None else text
    env = Spec(env=env_defaults(text, path, origin))
    try:
        found = _READERS[kind](text, path=path, origin=origin)
        return Extraction(found.spec.merge(env), found.notices, found.waivers), None
    except YamlProblem as problem:
        # A project's own file (a Helm template, Compose with Jinja tags) is not our input
        # to fix: the run goes on, and what the file starts is unknown rather than absent.
        unknown = Service(
            name=path, dynamic=True, source=Location(path, problem.line or 1), origin=origin
        )
        notice = Notice(
            "unreadable",
            f"yaml does not parse: {problem.problem}; the processes this file starts are "
            "unknown, so no deploy finding relies on their absence",
            path,
            problem.line or 1,
        )
        return Extraction(Spec(services=(unknown,)).merge(env)), notice
