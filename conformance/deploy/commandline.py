"""Celery command lines read into :class:`CeleryCommand`, and from there into Services.

One parser (:func:`parse_celery_command`) serves every deploy format and both sides: the
docs extractor feeds it the shell and YAML blocks of a page, the deployment reader the
files of the repository. Command lines are split with :mod:`shlex`; nothing is executed
and environment variables are never looked up (``${VAR:-default}`` gives the default).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from conformance.model import Extraction, Location, Notice, Origin, Service, ServiceRole, Spec


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
    autoscale: str | None = None
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
    "-l": "loglevel", "--loglevel": "loglevel", "--autoscale": "autoscale",
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
        autoscale=_last(values, "autoscale"),
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


def make_service(
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
        pool=celery.pool if celery else None,
        autoscale=celery.autoscale if celery else None,
    )


def command_name(celery: CeleryCommand | None) -> str:
    if celery is None:
        return "service"
    return celery.node_name or celery.role


def variable_notices(service: Service, celery: CeleryCommand | None) -> list[Notice]:
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


def services_extraction(services: list[Service], notices: list[Notice]) -> Extraction:
    return Extraction(Spec(services=tuple(services)), tuple(notices))
