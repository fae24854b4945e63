"""Shell entrypoints as projects write them, read with a real parser (tree-sitter-bash).

An entrypoint script starts different processes by its first argument::

    case "$1" in
      worker) exec celery -A proj worker -Q mail ;;
      beat)   start_beat ;;          # a function defined above
    esac
    if [ "$1" = "flower" ]; then exec celery -A proj flower; fi

:func:`shell_commands` gives every command with the *process word* that selects it
(``worker``, ``beat``, ``flower``): the name Compose's ``command: worker`` or a doc uses.
Function bodies are read where a branch calls them; ``NAME=value`` assignments made
before a command are substituted into it; commented-out branches are comments to the
parser. tree-sitter rather than regular expressions because ``case`` items, nested
``if``s, functions and line continuations are grammar, not lines (bashlex fails on
``case``). The script is parsed, never run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from conformance.deploy.commandline import (
    command_name,
    make_service,
    parse_celery_commands,
    services_extraction,
    variable_notices,
)
from conformance.model import Extraction, Location, Notice, Origin, Service

# Words that make a script worth parsing rather than reading line by line.
DISPATCH_HINT = re.compile(r"^\s*(?:case\b|if\b|elif\b|[A-Za-z_][\w-]*\s*\(\)|function\s)", re.M)
_TEST_WORD = re.compile(r"""^\[\[?\s*"?\$\{?1\}?"?\s*==?\s*["']?(?P<word>[\w.:-]+)["']?\s*\]\]?$""")
_ASSIGNED = re.compile(r"\$\{(?P<a>[A-Za-z_][A-Za-z0-9_]*)\}|\$(?P<b>[A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class ShellCommand:
    """One command of a script: its text (continuations joined, known variables put
    in), its 1-based line, and the process word of the branch that runs it."""

    text: str
    line: int
    process: str | None = None


@lru_cache(maxsize=1)
def _parser() -> Any:
    # Imported here: only scripts with dispatch pay for the parser.
    import tree_sitter_bash
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bash.language()))


def shell_commands(text: str) -> list[ShellCommand]:
    """Every command of the script ``text``, in order, with its process word."""
    tree = _parser().parse(text.encode("utf-8"))
    reader = _Reader()
    reader.collect_functions(tree.root_node)
    reader.walk(tree.root_node, None)
    return reader.commands


class _Reader:
    def __init__(self) -> None:
        self.functions: dict[str, Any] = {}
        self.called: set[str] = set()
        self.variables: dict[str, str] = {}
        self.commands: list[ShellCommand] = []
        self._calling: set[str] = set()  # functions being read (a recursive one stops)

    def collect_functions(self, root: Any) -> None:
        for node in _descendants(root):
            if node.type == "function_definition":
                name = node.child_by_field_name("name")
                body = node.child_by_field_name("body")
                if name is not None and body is not None:
                    self.functions[_text(name)] = body

    def walk(self, node: Any, process: str | None) -> None:
        kind = node.type
        if kind == "function_definition":
            return  # read where it is called (or at the end, if never called)
        if kind in ("if_statement", "elif_clause"):
            # The test's word selects this branch only: `elif`/`else` are other branches.
            chosen = _test_word(node) or process
            for child in node.children:
                branch = child.type in ("elif_clause", "else_clause")
                self.walk(child, process if branch else chosen)
            return
        if kind == "case_item":
            process = _case_word(node) or process
        elif kind == "variable_assignment":
            self._assign(node)
            return
        elif kind == "command":
            self._command(node, process)
            return
        for child in node.children:
            self.walk(child, process)
        if kind == "program":
            for name, body in self.functions.items():
                if name not in self.called:
                    self.walk(body, name)

    def _assign(self, node: Any) -> None:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is not None and value is not None:
            self.variables[_text(name)] = _text(value).strip("\"'")

    def _command(self, node: Any, process: str | None) -> None:
        words = [_text(c) for c in node.children if c.type != "comment"]
        first = words[1] if words and words[0] == "exec" and len(words) > 1 else words[:1]
        name = first if isinstance(first, str) else (first[0] if first else "")
        if name in self.functions and name not in self._calling:
            self.called.add(name)
            self._calling.add(name)
            try:
                self.walk(self.functions[name], process)
            finally:
                self._calling.discard(name)
            return
        if name == "export":
            for child in node.children:
                if child.type == "variable_assignment":
                    self._assign(child)
        line = node.start_point[0] + 1
        joined = re.sub(r"\s*\\\n\s*", " ", _text(node))
        self.commands.append(ShellCommand(self._substitute(joined), line, process))

    def _substitute(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group("a") or match.group("b")
            return self.variables.get(name, match.group(0))

        return _ASSIGNED.sub(value, text)


def _descendants(node: Any) -> list[Any]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(reversed(current.children))
    return found


def _text(node: Any) -> str:
    return node.text.decode("utf-8", "replace") if node.text is not None else ""


def _case_word(item: Any) -> str | None:
    """The first pattern of a ``case`` item that names a process (not ``*``)."""
    for child in item.children:
        if child.type == ")":
            break
        word = _text(child).strip("\"'")
        if child.type in ("word", "extglob_pattern", "string", "raw_string") and re.fullmatch(
            r"[\w.:-]+", word
        ):
            return word
    return None


def _test_word(node: Any) -> str | None:
    """``word`` of ``if [ "$1" = "word" ]`` / ``[[ $1 == word ]]``."""
    condition = node.child_by_field_name("condition")
    candidates = [condition] if condition is not None else []
    candidates += [c for c in node.children if c.type == "test_command"]
    for candidate in candidates:
        match = _TEST_WORD.match(_text(candidate).strip().rstrip(";").strip())
        if match:
            return match.group("word")
    return None


# --- shell scripts and console snippets ------------------------------------------------------

_PROMPT = re.compile(r"^\s*(?:\([^)]*\)\s*)?(?:[\w.@~:/-]*[$%#]|>)\s+")


def services_from_shell_text(
    text: str, *, path: str, line_offset: int = 0, origin: Origin = Origin.DOCS
) -> Extraction:
    """One Service per worker, beat or Flower command in a shell script or console snippet.

    ``$ `` prompts are stripped, ``\\`` continuations joined, comments skipped. The name
    is the ``-n`` node name without ``@%h``, else the role (``"worker"``); the source is
    the first line of the command. Other celery commands (``inspect``, ``call``) are not
    services and are left out.
    """
    services: list[Service] = []
    notices: list[Notice] = []
    others: dict[str, Service] = {}
    for line_number, logical, process in _script_commands(text):
        where = Location(path, line_number + line_offset)
        celery_found = False
        for celery in parse_celery_commands(logical):
            if not celery.is_service:
                continue
            celery_found = True
            name = process or command_name(celery)
            service = make_service(name, logical, celery, where, origin)
            services.append(service)
            notices.extend(variable_notices(service, celery))
        if process and not celery_found and origin is not Origin.DOCS:
            # An entrypoint branch that starts something else is a named process too, as
            # a Procfile line is: `web`, `release`, a management command.
            others.setdefault(process, make_service(process, logical, None, where, origin))
    named = {s.name for s in services}
    services += [s for name, s in others.items() if name not in named]
    return services_extraction(services, notices)


def _script_commands(text: str) -> Iterator[tuple[int, str, str | None]]:
    """(line, command, process word) of a script: an entrypoint that dispatches on its
    argument (``case``, ``if [ "$1" = ... ]``, functions) through the shell parser, which
    names each branch's process; anything else line by line."""
    if DISPATCH_HINT.search(text) is None:
        for line, logical in _logical_lines(text):
            yield line, logical, None
        return
    for command in shell_commands(text):
        yield command.line, _PROMPT.sub("", command.text, count=1), command.process


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, joined text) for each command, continuations joined."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not pending:
            if line.lstrip().startswith("#!") or line.lstrip().startswith("# "):
                continue
            line = _PROMPT.sub("", line, count=1)
            start = number
        else:
            line = re.sub(r"^\s*>\s+", "", line)
        if line.endswith("\\"):
            pending.append(line[:-1].strip())
            continue
        pending.append(line.strip())
        joined = " ".join(part for part in pending if part)
        pending = []
        if joined and not joined.startswith("#"):
            yield start, joined
    if pending:
        yield start, " ".join(part for part in pending if part)
