"""Celery command lines, and the files that hold them, read into :class:`Service` items.

One parser (:func:`parse_celery_command`) serves both sides: the docs extractor feeds it the
shell and YAML blocks of a page, the deployment reader the Compose files, Procfiles,
supervisord and systemd units, Kubernetes manifests and shell scripts of the repository.
Nothing here executes anything: command lines are split with :mod:`shlex`, YAML is read
with the safe loader, and environment variables are never looked up.

Every ``services_from_*_text`` function takes the text of one file (or of one block of a
page) and reports lines as ``line within text + line_offset``, so a block that starts on
line 40 of a page is read with ``line_offset=39``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import yaml

from conformance.model import Extraction, Location, Notice, Origin, Service, ServiceRole, Spec

__all__ = [
    "CeleryCommand",
    "YamlProblem",
    "parse_celery_command",
    "parse_celery_commands",
    "services_from_procfile_text",
    "services_from_shell_text",
    "services_from_supervisord_text",
    "services_from_systemd_text",
    "services_from_yaml_text",
    "split_words",
    "yaml_services",
]


@dataclass(frozen=True)
class CeleryCommand:
    """One ``celery`` (or ``flower``) invocation, as its options state it.

    ``role`` is ``"other"`` for every sub-command that is not a long-running service
    (``inspect``, ``call``, ``purge``, ``--version``...). ``unresolved`` names the options
    whose value refers to an environment variable that has no ``${X:-default}``.
    """

    role: ServiceRole
    subcommand: str | None = None
    app: str | None = None
    queues: tuple[str, ...] = ()
    exclude_queues: tuple[str, ...] = ()
    concurrency: int | None = None
    prefetch_multiplier: int | None = None
    pool: str | None = None
    hostname: str | None = None
    beat_embedded: bool = False
    loglevel: str | None = None
    argv: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()

    @property
    def is_service(self) -> bool:
        """A process that keeps running: a worker, beat or Flower."""
        return self.role != "other"

    @property
    def node_name(self) -> str | None:
        """The ``-n`` name without its ``@%h`` host part (``default@%h`` -> ``default``)."""
        if not self.hostname:
            return None
        name = self.hostname.split("@", 1)[0]
        return name if name and "%" not in name else None


# --- the command-line parser ---------------------------------------------------------------

_SUBCOMMAND_ROLES: dict[str, ServiceRole] = {
    "worker": "worker",
    "beat": "beat",
    "flower": "flower",
    "multi": "worker",
}

# Options that take a value (celery's global options, worker, beat, flower, multi). Knowing
# them is what lets ``celery -A proj worker`` and ``celery worker -A proj`` read the same.
_VALUE_OPTIONS = frozenset(
    {
        "-A", "--app", "-b", "--broker", "--result-backend", "--loader", "--config",
        "--workdir", "-Q", "--queues", "-X", "--exclude-queues", "-c", "--concurrency",
        "--prefetch-multiplier", "-P", "--pool", "-n", "--hostname", "-l", "--loglevel",
        "-f", "--logfile", "--pidfile", "-s", "--schedule", "-S", "--scheduler",
        "--max-interval", "--max-tasks-per-child", "--max-memory-per-child", "--autoscale",
        "--time-limit", "--soft-time-limit", "-O", "--statedb", "--uid", "--gid", "--umask",
        "--executable", "-I", "--include", "--heartbeat-interval", "--port", "--address",
        "--broker-api", "--basic-auth", "--url-prefix", "--persistent", "--db",
        "--state-save-interval", "--auth", "--max-workers", "--max-tasks",
        "--purge-offline-workers", "--certfile", "--keyfile", "--ca-certs",
    }
)  # fmt: skip

_ALIASES = {
    "-A": "app", "--app": "app", "-Q": "queues", "--queues": "queues",
    "-X": "exclude_queues", "--exclude-queues": "exclude_queues", "-c": "concurrency",
    "--concurrency": "concurrency", "--prefetch-multiplier": "prefetch_multiplier",
    "-P": "pool", "--pool": "pool", "-n": "hostname", "--hostname": "hostname",
    "-l": "loglevel", "--loglevel": "loglevel",
}  # fmt: skip

_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "|&", "(", ")"})
_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ash", "ksh"})
# Words that run the rest of the line as a command; the value says how many words to skip.
_PREFIX_WORDS = {"exec": 1, "nohup": 1, "time": 1, "command": 1, "nice": 1, "env": 1}
_ONE_ARG_WRAPPERS = frozenset({"gosu", "su-exec", "chpst", "setuidgid"})
_RUNNERS = frozenset({"poetry", "pipenv", "uv", "pdm", "hatch", "rye", "pipx"})
_AGENT_WRAPPERS = frozenset(
    {"newrelic-admin", "ddtrace-run", "opentelemetry-instrument", "scout-apm", "elastic-apm"}
)
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
_CELERY_VARIABLE = re.compile(r"^\$\{?[A-Z_]*CELERY(_BIN)?\}?$")
_DEFAULTED_VARIABLE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}")
_VARIABLE = re.compile(r"\$\{?[A-Za-z_]")
_FD_DUPLICATION = re.compile(r"\d*[<>]&(?:\d+|-)")
_REDIRECTION = re.compile(r"^\d*(?:>>?|<)")


def parse_celery_command(command: str | Sequence[str]) -> CeleryCommand | None:
    """The celery invocation in a command line, or ``None`` when there is none.

    ``command`` is one shell line (continuations already joined) or an argv list such as
    Compose's list form. When the line chains several commands the first worker, beat or
    Flower wins, else the first celery command of any kind (``celery inspect ping`` reads
    as role ``"other"``; ``echo celery`` is no celery command at all).
    """
    found = parse_celery_commands(command)
    for item in found:
        if item.is_service:
            return item
    return found[0] if found else None


def parse_celery_commands(command: str | Sequence[str]) -> tuple[CeleryCommand, ...]:
    """Every celery invocation in a command line, in order (see :func:`parse_celery_command`)."""
    words = split_words(command) if isinstance(command, str) else list(command)
    found: list[CeleryCommand] = []
    for segment in _segments(words):
        found.extend(_commands_in_segment(segment, depth=0))
    return tuple(found)


def split_words(line: str) -> list[str]:
    """Shell words of a line, with ``&&``, ``;``, ``|``... as words of their own.

    A line with an unbalanced quote is split on blanks: a doc snippet may be cut short and
    still name its queues.
    """
    # Continuations join; fd duplications (``2>&1``) would otherwise read as ``&``.
    line = _FD_DUPLICATION.sub(" ", line.replace("\\\n", " ")).replace("&>", ">")
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    # Bash starts a comment only at the start of a word (``a#b`` is one word); shlex
    # would cut ``--broker=redis://h#x`` short, so comments are cut here instead.
    lexer.commenters = ""
    try:
        words = list(lexer)
    except ValueError:
        words = line.split()
    for index, word in enumerate(words):
        if word.startswith("#"):
            return words[:index]
    return words


def _segments(words: Sequence[str]) -> Iterator[list[str]]:
    current: list[str] = []
    for word in words:
        if word in _SEPARATORS:
            if current:
                yield current
            current = []
        else:
            current.append(word)
    if current:
        yield current


def _commands_in_segment(words: list[str], depth: int) -> list[CeleryCommand]:
    index = _command_start(words)
    if index is None or depth > 3:
        return []
    head = words[index]
    name = PurePosixPath(head).name
    rest = words[index + 1 :]
    if name in _SHELLS:
        script = _shell_script(rest)
        if script is None:
            return []
        return [
            command
            for segment in _segments(split_words(script))
            for command in _commands_in_segment(segment, depth + 1)
        ]
    if _PYTHON.match(name) and rest[:2] == ["-m", "celery"]:
        return [_read_celery_args(["celery", *rest[2:]])]
    if _PYTHON.match(name) and rest[:2] == ["-m", "flower"]:
        return [_read_celery_args(["celery", "flower", *rest[2:]])]
    if name in ("celery", "celery.exe") or _CELERY_VARIABLE.match(head):
        return [_read_celery_args(words[index:])]
    if name == "flower":
        return [_read_celery_args(["celery", "flower", *rest])]
    return []


def _command_start(words: list[str]) -> int | None:
    """Index of the word that names the program, past assignments and wrappers."""
    i = 0
    while i < len(words):
        word = words[i]
        name = PurePosixPath(word).name
        if _ASSIGNMENT.match(word) or word == "--":
            i += 1
        elif name in _PREFIX_WORDS or name in ("dumb-init", "tini"):
            i += 1
            while i < len(words) and words[i].startswith("-") and words[i] != "--":
                i += 1
        elif name == "sudo":
            i += 1
            while i < len(words) and words[i].startswith("-"):
                i += 2 if words[i] in ("-u", "-g") else 1
        elif name in _ONE_ARG_WRAPPERS or _is_runner(words, i):
            i += 2
        elif name in _AGENT_WRAPPERS:
            # ``newrelic-admin run-program celery ...``, ``ddtrace-run celery ...``,
            # ``opentelemetry-instrument [--opts] celery ...``: an APM agent in front.
            # Its options may take values (`--traces_exporter console`): the program is
            # the first word after it that names one.
            i += 2 if name == "newrelic-admin" else 1
            while i < len(words) and words[i].startswith("-") and words[i] != "--":
                i += 1
                if i < len(words) and not _names_program(words[i]):
                    i += 1
        elif name == "watchmedo":
            # ``watchmedo auto-restart [options] -- celery ...``: the command follows ``--``.
            if "--" not in words[i:]:
                return None
            i = words.index("--", i) + 1
        else:
            return i
    return None


def _names_program(word: str) -> bool:
    """``celery``, a Python, or a path to one: where a command line starts for real."""
    name = PurePosixPath(word).name
    return name == "celery" or _PYTHON.match(name) is not None or word.startswith("-")


def _is_runner(words: list[str], i: int) -> bool:
    """``poetry run``, ``uv run``, ``pipenv run``... before the real command."""
    name = PurePosixPath(words[i]).name
    return name in _RUNNERS and i + 1 < len(words) and words[i + 1] in ("run", "exec")


def _shell_script(args: list[str]) -> str | None:
    """The script of ``sh -c SCRIPT`` (options such as ``-e``, ``-ex``, ``-lc`` allowed)."""
    for i, arg in enumerate(args):
        if not arg.startswith("-"):
            return None
        if "c" in arg[1:] and not arg.startswith("--"):
            return args[i + 1] if i + 1 < len(args) else None
    return None


def _read_celery_args(argv: list[str]) -> CeleryCommand:
    values: dict[str, list[str]] = {}
    positionals: list[str] = []
    flags: set[str] = set()
    i = 1
    while i < len(argv):
        word = argv[i]
        i += 1
        if _REDIRECTION.match(word):
            i += 1 if _REDIRECTION.fullmatch(word) else 0  # ``> file``: the target too
            continue
        if word == "--" or not word.startswith("-") or word == "-":
            if word != "--":
                positionals.append(word)
            continue
        if word[:1] == "-" and word[2:3] == ":":
            i += 1  # ``celery multi``'s per-node ``-Q:1 a``: not a queue of every node
            continue
        option, value = _split_option(word)
        if value is None and option in _VALUE_OPTIONS:
            value = argv[i] if i < len(argv) else ""
            i += 1
        if value is None:
            flags.add(option)
        elif option in _ALIASES:
            values.setdefault(_ALIASES[option], []).append(value)
    subcommand = positionals[0] if positionals else None
    role: ServiceRole = _SUBCOMMAND_ROLES.get(subcommand or "", "other")
    if subcommand == "multi" and (len(positionals) < 2 or positionals[1] not in _MULTI_STARTS):
        role = "other"
    unresolved = tuple(sorted(k for k, vs in values.items() if any(_has_variable(v) for v in vs)))
    return CeleryCommand(
        role=role,
        subcommand=subcommand,
        app=_last(values, "app"),
        queues=_names(values.get("queues", [])),
        exclude_queues=_names(values.get("exclude_queues", [])),
        concurrency=_integer(_last(values, "concurrency")),
        prefetch_multiplier=_integer(_last(values, "prefetch_multiplier")),
        pool=_last(values, "pool"),
        hostname=_last(values, "hostname"),
        beat_embedded=role == "worker" and bool(flags & {"-B", "--beat"}),
        loglevel=_last(values, "loglevel"),
        argv=tuple(argv),
        unresolved=unresolved,
    )


_MULTI_STARTS = frozenset({"start", "restart"})


def _split_option(word: str) -> tuple[str, str | None]:
    """``--opt=v`` -> (``--opt``, v); ``-Qa,b`` -> (``-Q``, ``a,b``); ``-B`` -> (``-B``, None)."""
    if word.startswith("--"):
        option, sep, value = word.partition("=")
        return option, value if sep else None
    if len(word) > 2 and word[:2] in _VALUE_OPTIONS:
        return word[:2], word[2:].removeprefix("=")
    return word, None


def _with_defaults(value: str) -> str:
    """``${CONCURRENCY:-4}`` -> ``4``: the value a deployment uses when nothing overrides."""
    return _DEFAULTED_VARIABLE.sub(lambda m: m.group(1), value)


def _has_variable(value: str) -> bool:
    return bool(_VARIABLE.search(_with_defaults(value)))


def _last(values: Mapping[str, list[str]], key: str) -> str | None:
    given = values.get(key)
    return _with_defaults(given[-1]) if given else None


def _names(values: list[str]) -> tuple[str, ...]:
    names: list[str] = []
    for value in values:
        for name in _with_defaults(value).split(","):
            name = name.strip()
            if name and name not in names:
                names.append(name)
    return tuple(names)


def _integer(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


# --- from a command to a Service -------------------------------------------------------------


def _service(
    name: str,
    command_text: str | None,
    celery: CeleryCommand | None,
    where: Location,
    origin: Origin,
    role: ServiceRole | None = None,
) -> Service:
    return Service(
        name=name,
        role=role or (celery.role if celery else "other"),
        command=command_text,
        app=celery.app if celery else None,
        queues=celery.queues if celery else (),
        concurrency=celery.concurrency if celery else None,
        prefetch_multiplier=celery.prefetch_multiplier if celery else None,
        source=where,
        origin=origin,
        exclude_queues=celery.exclude_queues if celery else (),
    )


def _command_name(celery: CeleryCommand | None) -> str:
    if celery is None:
        return "service"
    return celery.node_name or celery.role


def _variable_notices(service: Service, celery: CeleryCommand | None) -> list[Notice]:
    if celery is None or not celery.unresolved or service.source is None:
        return []
    options = ", ".join(f"`{option}`" for option in celery.unresolved)
    return [
        Notice(
            "not-judged",
            f"{options} of service `{service.name}` depend on an environment variable",
            service.source.path,
            service.source.line,
        )
    ]


def _extraction(services: list[Service], notices: list[Notice]) -> Extraction:
    return Extraction(Spec(services=tuple(services)), tuple(notices))


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
            name = process or _command_name(celery)
            service = _service(name, logical, celery, where, origin)
            services.append(service)
            notices.extend(_variable_notices(service, celery))
        if process and not celery_found and origin is not Origin.DOCS:
            # An entrypoint branch that starts something else is a named process too, as
            # a Procfile line is: `web`, `release`, a management command.
            others.setdefault(process, _service(process, logical, None, where, origin))
    named = {s.name for s in services}
    services += [s for name, s in others.items() if name not in named]
    return _extraction(services, notices)


def _script_commands(text: str) -> Iterator[tuple[int, str, str | None]]:
    """(line, command, process word) of a script: an entrypoint that dispatches on its
    argument (``case``, ``if [ "$1" = ... ]``, functions) through the shell parser, which
    names each branch's process; anything else line by line."""
    from conformance.deploy.shell import DISPATCH_HINT, shell_commands

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


# --- Procfile, supervisord, systemd ----------------------------------------------------------

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
        service = _service(name, command, celery, Location(path, number + line_offset), origin)
        services.append(service)
        notices.extend(_variable_notices(service, celery))
    return _extraction(services, notices)


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
        service = _service(name, command, celery, Location(path, line + line_offset), origin)
        services.append(service)
        notices.extend(_variable_notices(service, celery))
    return _extraction(services, notices)


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
        name = unit if file_name.endswith(".service") else _command_name(celery)
        service = _service(name, command, celery, Location(path, line + line_offset), origin)
        services.append(service)
        notices.extend(_variable_notices(service, celery))
    return _extraction(services, notices)


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


# --- YAML: Compose files and Kubernetes manifests --------------------------------------------


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
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        documents = list(yaml.safe_load_all(text))
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
            notices.extend(_variable_notices(service, celery))
    return _extraction(services, notices)


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
            service = _service(str(name), text, celery, where, self.origin, role)
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
            service = _service(str(name), text, celery, self.location(keys), self.origin, role)
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
