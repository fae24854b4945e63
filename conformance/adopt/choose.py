"""Which Celery app ``conformance init`` configures, and why.

Order of evidence: ``--app`` as given; else the apps the deploy files start (``-A``
resolved as ``celery -A`` resolves it, :func:`~conformance.celery_naming.app_module_candidates`);
else the only app; else the user picks (or, without a terminal or with ``--yes``, the
first in sorted order, said out loud with the others).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from conformance.adopt.deployfiles import DeployFile, Start
from conformance.adopt.pyscan import AppCandidate
from conformance.celery_naming import app_module_candidates
from conformance.config import check_app_spec
from conformance.errors import ConformanceError
from conformance.introspect.source_scan import find_package

Picker = Callable[[Sequence[AppCandidate]], int]
"""Asks the user; returns the index of the chosen candidate."""


@dataclass(frozen=True)
class AppChoice:
    apps: tuple[AppCandidate, ...]
    reasons: tuple[str, ...]
    """Why, one phrase per app (same order as ``apps``)."""
    passed_over: tuple[AppCandidate, ...] = ()
    picked_first: bool = False
    """Several candidates and nobody to ask: the first was taken."""

    @property
    def search_paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(app.search_path for app in self.apps))


def started_candidate(
    start: Start, candidates: Sequence[AppCandidate], root: Path, search_paths: Sequence[str]
) -> AppCandidate | None:
    """The app ``celery -A <start.app>`` loads: a found ``Celery(...)`` when one matches
    Celery's lookup order, else the ``-A`` value itself when its module exists (an app
    made by a factory function is still the app), else ``None``."""
    found = _resolved(start.app, candidates)
    if found is not None:
        return found
    try:
        check_app_spec(start.app)
    except ConformanceError:
        return None
    return _existing_module(start.app, root, search_paths)


def _resolved(app: str, candidates: Sequence[AppCandidate]) -> AppCandidate | None:
    for module, attribute in app_module_candidates(app):
        for candidate in candidates:
            if candidate.module == module and (
                attribute is None or candidate.spec.partition(":")[2] == attribute
            ):
                return candidate
    return None


def _existing_module(spec: str, root: Path, search_paths: Sequence[str]) -> AppCandidate | None:
    dirs = [(path, (root / path).resolve()) for path in search_paths]
    for module, _ in app_module_candidates(spec):
        for shown, folder in dirs:
            found = find_package([folder], module)
            if found is not None:
                location = found[1]
                file = location / "__init__.py" if location.is_dir() else location
                relative = file.relative_to(root).as_posix() if file.is_relative_to(root) else ""
                return AppCandidate(spec, module, relative, None, shown)
    return None


def choose_apps(
    candidates: Sequence[AppCandidate],
    deploy: Sequence[DeployFile],
    *,
    root: Path,
    search_paths: Sequence[str],
    given: str | None = None,
    pick: Picker | None = None,
) -> AppChoice:
    """The app(s) to configure. Raises :class:`ConformanceError` when there is none, or
    when ``given`` is malformed or names a module that is nowhere in the repository."""
    if given is not None:
        return _given(given, candidates, root, search_paths)
    started: dict[AppCandidate, list[Start]] = {}
    for file in deploy:
        for start in file.starts:
            found = started_candidate(start, candidates, root, search_paths)
            if found is not None:
                started.setdefault(found, []).append(start)
    if started:
        # Each app a deploy file starts runs in production: all of them are the
        # implementation (``app`` takes a list), the others are not deployed.
        apps = tuple(sorted(started, key=lambda a: a.spec))
        reasons = tuple(_started_reason(app, started[app]) for app in apps)
        others = tuple(c for c in candidates if c not in started)
        return AppChoice(apps, reasons, others)
    if not candidates:
        raise ConformanceError(
            "no Celery app found: no module-level `X = Celery(...)` in the Python files and "
            "no `celery -A` in deploy files; pass --app MODULE:ATTR",
            str(root),
        )
    ordered = sorted(candidates, key=lambda a: a.spec)
    if len(ordered) == 1:
        return AppChoice((ordered[0],), (ordered[0].found_at,))
    if pick is not None:
        index = pick(ordered)
        chosen = ordered[index]
        others = tuple(c for c in ordered if c != chosen)
        return AppChoice((chosen,), (f"{chosen.found_at}; chosen",), others)
    first = ordered[0]
    reason = f"{first.found_at}; the first of {len(ordered)} apps, none started by a deploy file"
    return AppChoice((first,), (reason,), tuple(ordered[1:]), picked_first=True)


def _started_reason(app: AppCandidate, starts: Sequence[Start]) -> str:
    # One phrase per file and `-A` value: "started by docker-compose.yml:18: celery -A
    # proj worker, beat", not one per Compose service.
    grouped: dict[tuple[str, str], list[Start]] = {}
    for start in starts:
        grouped.setdefault((start.path, start.app), []).append(start)
    said = []
    for (path, value), group in grouped.items():
        line = f":{group[0].line}" if group[0].line else ""
        roles = ", ".join(dict.fromkeys(s.role for s in group))
        said.append(f"started by {path}{line}: celery -A {value} {roles}")
    return "; ".join([app.found_at, *said])


def _given(
    given: str, candidates: Sequence[AppCandidate], root: Path, search_paths: Sequence[str]
) -> AppChoice:
    check_app_spec(given, "--app")
    # Resolved as `celery -A` resolves it, for the evidence; written as given.
    found = _resolved(given, candidates) or _existing_module(given, root, search_paths)
    if found is None:
        module = app_module_candidates(given)[0][0]
        raise ConformanceError(
            f"module `{module}` not found in the repository (searched: {', '.join(search_paths)})",
            "--app",
        )
    others = tuple(c for c in candidates if c != found)
    return AppChoice((replace(found, spec=given),), (f"--app; {found.found_at}",), others)
