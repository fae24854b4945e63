"""Fenced code blocks, dispatched by their info string to the shared scanners.

Python goes to :mod:`conformance.pysource`, Compose YAML and command lines to
:mod:`conformance.deploy`: the same readers the code side uses, so a doc snippet and
the project's own files are understood alike. Nothing is ever run. Indented code
blocks are ignored: they carry no language, and guessing one would invent items.
"""

from __future__ import annotations

import re
from typing import Protocol

from conformance.deploy.ini import services_from_supervisord_text, services_from_systemd_text
from conformance.deploy.procfile import services_from_procfile_text
from conformance.deploy.shell import services_from_shell_text
from conformance.extract.collect import Collector
from conformance.extract.context import Topic
from conformance.model import Extraction, Location, Origin, Queue, Symbol, Worker
from conformance.pysource import scan_source

PYTHON = frozenset({"python", "py", "python3", "py3"})
PYCON = frozenset({"pycon", "python-console", "pytb-console"})
YAML = frozenset({"yaml", "yml", "docker-compose", "compose"})
SHELL = frozenset({"bash", "sh", "shell", "console", "zsh", "shell-session", "shellsession"})
PLAIN = frozenset({"", "text", "txt", "plain", "plaintext"})
PROCFILE = frozenset({"procfile"})
INI = frozenset({"ini", "dosini", "conf", "cfg", "supervisord", "systemd"})

# A line that runs celery: optional prompt, env assignments, exec/poetry/uv wrappers.
_CELERY_LINE = re.compile(
    r"^\s*(?:\$\s*)?(?:\w+=\S*\s+)*(?:(?:exec|poetry run|uv run|pipenv run)\s+)?"
    r"(?:python\s+-m\s+)?celery\s",
    re.MULTILINE,
)
_PROMPT = re.compile(r"(?:>>>|\.\.\.)(?: |$)")


def language(info: str) -> str:
    """The block's language: the info string's first word, lower case, braces dropped."""
    words = info.strip().strip("{}").split()
    return words[0].lower().lstrip(".") if words else ""


class Scanner(Protocol):
    def __call__(
        self, text: str, *, path: str, line_offset: int = ..., origin: Origin = ...
    ) -> Extraction: ...


def read_fence(
    info: str, code: str, first_line: int, topics: frozenset[Topic], out: Collector
) -> None:
    """Add what a fenced block states. ``first_line`` is the page line of its first
    code line; scanners report page lines through ``line_offset``."""
    lang = language(info)
    if lang in PYCON:
        code = strip_prompts(code)
    scanner = scanner_for(lang, code)
    if scanner is None:
        return
    try:
        found = scanner(code, path=out.path, line_offset=first_line - 1, origin=Origin.DOCS)
    except (RecursionError, MemoryError):
        # CPython's parser gives up on very deep nesting (``1+1+...`` 100,000 times) with
        # these instead of SyntaxError; the page is still read, the block is not.
        what = "python" if scanner is scan_source else lang
        out.notice("syntax-error", f"{what} does not parse: nested too deeply", first_line)
        return
    if scanner is scan_source and Topic.WORKERS in topics:
        found = _with_worker_classes(found)
    out.absorb(found)
    _consumed_queues(found, out)


def _consumed_queues(found: Extraction, out: Collector) -> None:
    """A documented worker command's `-Q` queues are documented queues: a worker told to
    consume a queue the code never declares, routes or sends to waits on nothing."""
    for service in found.spec.services:
        if service.role != "worker" or service.source is None:
            continue
        where = Location(service.source.path, service.source.line, ("command: -Q",))
        for queue in service.queues:
            out.add(Queue(queue, source=where))


def _yaml_services(
    text: str, *, path: str, line_offset: int = 0, origin: Origin = Origin.DOCS
) -> Extraction:
    # PyYAML loads only for a page that has a YAML block.
    from conformance.deploy.manifests import services_from_yaml_text

    return services_from_yaml_text(text, path=path, line_offset=line_offset, origin=origin)


def scanner_for(lang: str, code: str) -> Scanner | None:
    """The reader for a block of ``lang``; ``None`` for blocks we do not read."""
    if lang in PYTHON or lang in PYCON:
        return scan_source
    if lang in YAML:
        return _yaml_services
    if lang in PROCFILE:
        return services_from_procfile_text
    if lang in INI and "[program:" in code:
        return services_from_supervisord_text
    if lang in INI and "ExecStart" in code:
        return services_from_systemd_text
    if lang in SHELL or (lang in PLAIN and _CELERY_LINE.search(code)):
        return services_from_shell_text
    return None


def strip_prompts(code: str) -> str:
    """A console session as the code it typed: ``>>> ``/``... `` prompts dropped, output
    lines blanked so line numbers stay those of the page. Without prompts: as is."""
    lines = code.split("\n")
    if not any(_PROMPT.match(line) for line in lines):
        return code
    return "\n".join(line[4:] if _PROMPT.match(line) else "" for line in lines)


def _with_worker_classes(found: Extraction) -> Extraction:
    """Under a worker heading a class defined in a block is a worker configuration class
    (bootsteps excepted): the heading says what the class is for."""
    known = {w.name for w in found.spec.workers} | {b.name for b in found.spec.bootsteps}
    added = tuple(
        Worker(symbol.name.rpartition(".")[2], kind="class", source=symbol.source)
        for symbol in found.spec.symbols
        if _is_class(symbol)
        and symbol.name.rpartition(".")[2] not in known
        and not symbol.name.endswith("Step")
    )
    if not added:
        return found
    spec = found.spec.merge(type(found.spec)(workers=added))
    return Extraction(spec, found.notices, found.waivers)


def _is_class(symbol: Symbol) -> bool:
    return symbol.kind == "class"
