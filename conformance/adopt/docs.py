"""The docs side of ``conformance init``: Markdown pages that describe the app.

Candidate pages are the repository's and the Python project's ``README.md``, the pages
of their ``docs/`` (or ``doc/``) folders and the pages an ``mkdocs.yml`` ``nav`` lists.
A page qualifies on a cheap text scan: it names one of the app's tasks, queues, beat
entries or metrics (from a static introspection, nothing imported), or uses the words
``celery``, ``beat`` or ``worker``. A folder whose every page qualifies is written as a
glob, so pages added later are checked too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

import yaml

from conformance.adopt.tree import RepoFiles
from conformance.celery_naming import base_name, is_builtin_task
from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.pipeline import find_files
from conformance.yamlsafe import BoundedLoader
from conformance.yamlsafe import load as bounded_load

_DOC_FOLDERS = ("docs", "doc")
_DOC_FOLDERS_SET = frozenset(_DOC_FOLDERS)
# Pages about the project's history or community, not about what the code does now: a
# changelog naming a task renamed long ago is not drift.
_NOT_DESCRIPTIONS = re.compile(
    r"^(change(s|log)|history|news|releases?|contributing|code_of_conduct|security|"
    r"license|authors|governance)(\.|$)",
    re.IGNORECASE,
)
_WORDS = re.compile(r"\b(celery|beat|workers?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class AppTerms:
    """Names the app defines, as a page would write them."""

    tasks: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    schedules: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()

    def labelled(self) -> Iterable[tuple[str, str]]:
        for label, names in (
            ("task", self.tasks),
            ("queue", self.queues),
            ("beat entry", self.schedules),
            ("metric", self.metrics),
        ):
            for name in names:
                yield label, name


@dataclass(frozen=True)
class DocsChoice:
    patterns: tuple[str, ...]
    reasons: tuple[str, ...]
    """Why, one phrase per pattern."""
    left_out: tuple[str, ...] = ()
    """Candidate pages that mention nothing of the app."""


def app_terms(config: Config) -> AppTerms | None:
    """The app's names from a static introspection of ``config`` (docs not read), or
    ``None`` when the app cannot be introspected (then only the words count)."""
    from conformance.introspect.implementation import introspect

    try:
        spec = introspect(replace(config, mode="static", docs=())).extraction.spec
    except ConformanceError:
        return None
    tasks: dict[str, None] = {}
    for task in spec.tasks:
        if not is_builtin_task(task.name):
            tasks[task.name] = None
            tasks[base_name(task.name)] = None
    return AppTerms(
        tuple(tasks),
        tuple(dict.fromkeys(q.name for q in spec.queues)),
        tuple(dict.fromkeys(s.name for s in spec.schedules)),
        tuple(dict.fromkeys(m.name for m in spec.metrics)),
    )


def choose_docs(
    files: RepoFiles, terms: AppTerms | None, project_dirs: Sequence[str]
) -> DocsChoice:
    """The ``docs`` patterns: the qualifying pages, folders as globs where whole."""
    pages = candidate_pages(files, project_dirs)
    matcher = _Matcher(terms or AppTerms())
    why: dict[str, str] = {}
    left_out: list[str] = []
    for page in pages:
        text = files.text(page)
        reason = matcher.reason(text) if text is not None else None
        if reason is None:
            left_out.append(page)
        else:
            why[page] = reason
    patterns, reasons = _as_patterns(files, why)
    return DocsChoice(tuple(patterns), tuple(reasons), tuple(left_out))


def candidate_pages(files: RepoFiles, project_dirs: Sequence[str]) -> list[str]:
    bases = list(dict.fromkeys([".", *project_dirs]))
    markdown = [p for p in files.with_suffix(".md") if not _NOT_DESCRIPTIONS.match(_name(p))]
    nav = _mkdocs_pages(files, bases)
    found: dict[str, None] = {}
    for page in markdown:
        for base in bases:
            prefix = "" if base == "." else f"{base}/"
            if not page.startswith(prefix):
                continue
            rest = PurePosixPath(page[len(prefix) :]).parts
            if len(rest) == 1 and rest[0].lower().startswith("readme"):
                found[page] = None
            elif len(rest) > 1 and rest[0] in _DOC_FOLDERS:
                site = nav.get(base)
                # With an mkdocs nav, a page it does not list is not published.
                if site is None or not page.startswith(site[0]) or page in site[1]:
                    found[page] = None
    for _, listed in nav.values():
        found.update((page, None) for page in listed if files.has(page))
    return sorted(found)


def _name(path: str) -> str:
    return PurePosixPath(path).name


class _NavLoader(BoundedLoader):
    """mkdocs.yml uses Python tags (``!!python/name:...``, ``!ENV``): read as nothing."""


_NavLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def _mkdocs_pages(files: RepoFiles, bases: Sequence[str]) -> dict[str, tuple[str, set[str]]]:
    """Base folder -> (its docs_dir prefix, the pages its ``mkdocs.yml`` nav lists)."""
    sites: dict[str, tuple[str, set[str]]] = {}
    for base in bases:
        config = "mkdocs.yml" if base == "." else f"{base}/mkdocs.yml"
        text = files.text(config) if files.has(config) else None
        if text is None:
            continue
        try:
            data = bounded_load(text, _NavLoader)
        except yaml.YAMLError:
            continue
        if not isinstance(data, dict) or "nav" not in data:
            continue
        docs_dir = str(data.get("docs_dir") or "docs").strip("/")
        prefix = docs_dir if base == "." else f"{base}/{docs_dir}"
        listed = {f"{prefix}/{page}" for page in _nav_entries(data["nav"])}
        sites[base] = (prefix + "/", listed)
    return sites


def _nav_entries(nav: object) -> Iterable[str]:
    if isinstance(nav, str):
        if nav.endswith(".md") and "://" not in nav:
            yield nav.lstrip("./")
    elif isinstance(nav, list):
        for item in nav:
            yield from _nav_entries(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from _nav_entries(value)


class _Matcher:
    """Finds the first of the app's names in a page, else one of the words."""

    def __init__(self, terms: AppTerms) -> None:
        self.labels: dict[str, str] = {}
        loose: list[str] = []
        quoted: list[str] = []
        for label, name in terms.labelled():
            if not name or name in self.labels:
                continue
            self.labels[name] = label
            (loose if _distinctive(name) else quoted).append(name)
        # Longest first, so `proj.send_mail` wins over `send_mail`.
        self.loose = _alternation(loose, r"(?<![\w.-])(?P<name>{})(?![\w-])")
        # A short everyday word (`mail`, `add`) counts only written as code or quoted.
        self.quoted = _alternation(quoted, r"[`'\"](?P<name>{})[`'\"(]")

    def reason(self, text: str) -> str | None:
        for pattern in (self.loose, self.quoted):
            found = pattern.search(text) if pattern is not None else None
            if found is not None:
                name = found.group("name")
                return f"names {self.labels[name]} `{name}`"
        word = _WORDS.search(text)
        return f"says `{word.group(0).lower()}`" if word else None


def _distinctive(name: str) -> bool:
    return any(ch in name for ch in "._-") or len(name) >= 8


def _alternation(names: Sequence[str], template: str) -> re.Pattern[str] | None:
    if not names:
        return None
    ordered = sorted(names, key=len, reverse=True)
    return re.compile(template.format("|".join(re.escape(n) for n in ordered)))


def _as_patterns(files: RepoFiles, why: dict[str, str]) -> tuple[list[str], list[str]]:
    """``folder/**/*.md`` for each outermost folder (not the root) whose every page, as
    ``check`` will expand the glob, qualifies; the other pages one by one."""
    folders = sorted(
        {str(parent) for page in why for parent in PurePosixPath(page).parents if str(parent)}
        - {"."},
        key=lambda f: (f.count("/"), f),
    )
    globbed: list[str] = []
    for folder in folders:
        # Only documentation folders: `backend/**/*.md` would take in any Markdown file
        # a package ever gets.
        if any(folder.startswith(f"{g}/") for g in globbed) or not _DOC_FOLDERS_SET & set(
            folder.split("/")
        ):
            continue
        pattern = f"{folder}/**/*.md"
        expanded = find_files(files.root, [pattern], what="Markdown doc", required=False)
        pages = {p.relative_to(files.root).as_posix() for p in expanded}
        if pages and pages <= why.keys():
            globbed.append(folder)
    patterns: list[str] = []
    reasons: list[str] = []
    for folder in globbed:
        inside = sorted(p for p in why if p.startswith(f"{folder}/"))
        patterns.append(f"{folder}/**/*.md")
        count = f"{len(inside)} page" + ("s" if len(inside) != 1 else "")
        each = "which " if len(inside) == 1 else "each of which "
        reasons.append(f"{folder}/: {count}, {each}mentions the app")
    for page in sorted(why):
        if not any(page.startswith(f"{folder}/") for folder in globbed):
            patterns.append(page)
            reasons.append(f"{page} {why[page]}")
    return patterns, reasons
