"""What ``conformance init`` writes, found in the repository without importing it.

:func:`discover` runs the finders (:mod:`~conformance.adopt.pyscan`,
:mod:`~conformance.adopt.deployfiles`, :mod:`~conformance.adopt.docs`), picks the app
(:mod:`~conformance.adopt.choose`) and returns the table's entries, each with the
evidence for its value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance.adopt.choose import AppChoice, Picker, choose_apps, started_candidate
from conformance.adopt.deployfiles import DeployFile, find_deploy_files
from conformance.adopt.docs import app_terms, choose_docs
from conformance.adopt.pyscan import MetricModule, PythonFindings, scan_python
from conformance.adopt.tree import walk_repository
from conformance.adopt.write import Entry
from conformance.config import Config


@dataclass(frozen=True)
class Discovery:
    entries: tuple[Entry, ...]
    notes: tuple[str, ...] = ()
    """Things worth saying that are no key: candidates passed over, files not parsed."""


def discover(root: Path, *, given: str | None = None, pick: Picker | None = None) -> Discovery:
    files = walk_repository(root)
    python = scan_python(files)
    deploy = find_deploy_files(files)
    search_paths = tuple(dict.fromkeys([".", *python.search_paths]))
    choice = choose_apps(
        python.apps, deploy, root=files.root, search_paths=search_paths, given=given, pick=pick
    )
    chosen_paths = choice.search_paths
    ours = tuple(f for f in deploy if _runs_chosen(f, choice, python, files.root, search_paths))
    others = tuple(f.path for f in deploy if f not in ours)
    deploy = ours
    config = Config(
        root=files.root,
        apps=tuple(app.spec for app in choice.apps),
        search_paths=chosen_paths,
        docs=(),
    )
    docs = choose_docs(files, app_terms(config), [p for p in chosen_paths if p != "."])
    entries = [_app_entry(choice)]
    if docs.patterns:
        entries.append(Entry("docs", docs.patterns, "; ".join(_some(docs.reasons, "pages"))))
    else:
        entries.append(Entry("docs", (), "no README or docs page mentions the app"))
    if chosen_paths != (".",):
        folders = ", ".join(f"{p}/" for p in chosen_paths)
        entries.append(Entry("search_paths", chosen_paths, f"the app's code is under {folders}"))
    metrics = [m for m in python.metrics if m.search_path in chosen_paths]
    if metrics:
        entries.append(_monitoring_entry(metrics))
    if deploy:
        entries.append(_deploy_entry(deploy))
    notes = _notes(choice, python, docs.left_out)
    if others:
        notes += (f"deploy files that start another app, left out: {', '.join(others)}",)
    return Discovery(tuple(entries), notes)


def _runs_chosen(
    file: DeployFile,
    choice: AppChoice,
    python: PythonFindings,
    root: Path,
    search_paths: Sequence[str],
) -> bool:
    """Whether the file starts a chosen app, or an app only run time names (``-A $APP``):
    the workers of another app would be taken for this one's."""
    chosen = {app.module for app in choice.apps}
    started = [started_candidate(s, python.apps, root, search_paths) for s in file.starts]
    known = [app for app in started if app is not None]
    return not known or any(app.module in chosen for app in known)


def _app_entry(choice: AppChoice) -> Entry:
    if len(choice.apps) == 1:
        return Entry("app", choice.apps[0].spec, choice.reasons[0])
    pairs = zip(choice.apps, choice.reasons, strict=True)
    why = "; ".join(f"{app.spec}: {reason}" for app, reason in pairs)
    return Entry("app", tuple(app.spec for app in choice.apps), why)


def _monitoring_entry(metrics: list[MetricModule]) -> Entry:
    modules = tuple(dict.fromkeys(m.module for m in metrics))
    why = "; ".join(f"{m.constructor}(...) at {m.path}:{m.line}" for m in metrics)
    return Entry("monitoring", modules, why)


def _deploy_entry(deploy: tuple[DeployFile, ...]) -> Entry:
    parts = []
    for file in deploy:
        said = [f"starts {', '.join(file.roles)}"] if file.roles else []
        if file.unreadable:
            said.append("does not parse, read as unknown processes")
        parts.append(f"{file.path} ({file.kind}): {', '.join(said)}")
    return Entry("deploy", tuple(f.path for f in deploy), "; ".join(parts))


SHOWN = 5
"""Evidence shown per key: the first few items say why; a hundred would hide the rest."""


def _some(items: Sequence[str], what: str) -> list[str]:
    if len(items) <= SHOWN:
        return list(items)
    return [*items[: SHOWN - 1], f"and {len(items) - SHOWN + 1} more {what}"]


def _notes(choice: AppChoice, python: PythonFindings, left_out: tuple[str, ...]) -> tuple[str, ...]:
    notes: list[str] = []
    if choice.picked_first:
        notes.append(
            f"several Celery apps found; took {choice.apps[0].spec} (the first); "
            "pass --app MODULE:ATTR to take another"
        )
    if choice.passed_over:
        listed = ", ".join(f"{c.spec} ({c.found_at})" for c in choice.passed_over)
        notes.append(f"not configured: {listed}")
    if left_out:
        listed = ", ".join(_some(left_out, "pages"))
        notes.append(f"pages that mention nothing of the app, left out: {listed}")
    if python.unparsed:
        first = python.unparsed[0]
        notes.append(
            f"{len(python.unparsed)} Python file(s) do not parse and were not searched "
            f"(first: {first.path}:{first.line})"
        )
    return tuple(notes)
