"""The Celery command-line parser and the text readers built on it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from conformance.deploy.commandline import (
    CeleryCommand,
    parse_celery_command,
    parse_celery_commands,
)
from conformance.deploy.ini import services_from_supervisord_text, services_from_systemd_text
from conformance.deploy.manifests import services_from_yaml_text
from conformance.deploy.procfile import services_from_procfile_text
from conformance.deploy.shell import services_from_shell_text
from conformance.model import Extraction, Origin, Service

APP = "app.workers.celery_app"


def _fields(command: CeleryCommand) -> dict[str, Any]:
    return {
        "role": command.role,
        "app": command.app,
        "queues": command.queues,
        "exclude_queues": command.exclude_queues,
        "concurrency": command.concurrency,
        "prefetch_multiplier": command.prefetch_multiplier,
        "pool": command.pool,
        "hostname": command.hostname,
        "beat_embedded": command.beat_embedded,
        "loglevel": command.loglevel,
    }


def _expected(role: str, **given: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "role": role,
        "app": None,
        "queues": (),
        "exclude_queues": (),
        "concurrency": None,
        "prefetch_multiplier": None,
        "pool": None,
        "hostname": None,
        "beat_embedded": False,
        "loglevel": None,
    }
    base.update(given)
    return base


PARSER_ROWS: list[tuple[str | Sequence[str], dict[str, Any] | None]] = [
    # the plainest worker
    ("celery -A proj worker", _expected("worker", app="proj")),
    # options after the sub-command read the same as before it
    ("celery worker -A proj -Q a", _expected("worker", app="proj", queues=("a",))),
    # --opt=value forms
    (
        "celery --app=proj worker --queues=a,b --concurrency=4 --prefetch-multiplier=1",
        _expected("worker", app="proj", queues=("a", "b"), concurrency=4, prefetch_multiplier=1),
    ),
    # repeated -Q accumulates, duplicates once
    ("celery -A p worker -Q a -Q b,a", _expected("worker", app="p", queues=("a", "b"))),
    # short options glued to their value
    ("celery -Ap worker -Qa,b -c4", _expected("worker", app="p", queues=("a", "b"), concurrency=4)),
    # -X, -P, -n, -l, -B
    (
        "celery -A p worker -X slow -P gevent -n fast@%h -l INFO -B",
        _expected(
            "worker",
            app="p",
            exclude_queues=("slow",),
            pool="gevent",
            hostname="fast@%h",
            loglevel="INFO",
            beat_embedded=True,
        ),
    ),
    # --beat long form
    ("celery -A p worker --beat", _expected("worker", app="p", beat_embedded=True)),
    # -B on beat itself is not "embedded"
    ("celery -A p beat -S redbeat.RedBeatScheduler", _expected("beat", app="p")),
    # beat with options
    (
        "celery -A p beat --loglevel=warning -s /tmp/x",
        _expected("beat", app="p", loglevel="warning"),
    ),
    # python -m celery
    ("python -m celery -A p worker", _expected("worker", app="p")),
    # versioned interpreter path
    ("/usr/bin/python3.11 -m celery -A p beat", _expected("beat", app="p")),
    # celery from a virtualenv path
    ("/srv/venv/bin/celery -A p worker -c 2", _expected("worker", app="p", concurrency=2)),
    # exec and environment assignments before the command
    (
        "FOO=1 C_FORCE_ROOT=true exec celery -A p worker",
        _expected("worker", app="p"),
    ),
    # env with options
    ("env -i PATH=/bin celery -A p worker", _expected("worker", app="p")),
    # sh -c recursion with a chain inside
    (
        "sh -c 'cd /app && celery -A p worker -Q q1'",
        _expected("worker", app="p", queues=("q1",)),
    ),
    # bash -lc, nested two levels
    (
        """bash -lc "sh -c 'celery -A p beat'" """,
        _expected("beat", app="p"),
    ),
    # a chain: the service wins over the preparatory command
    (
        "python manage.py migrate && celery -A p worker; echo done",
        _expected("worker", app="p"),
    ),
    # the worker comes after a celery command that is not a service
    (
        "celery -A p purge -f && celery -A p worker -Q x",
        _expected("worker", app="p", queues=("x",)),
    ),
    # backgrounded with &
    ("celery -A p beat & celery -A p worker", _expected("beat", app="p")),
    # Flower as a celery sub-command
    ("celery -A p flower --port=5555", _expected("flower", app="p")),
    # Flower as its own program
    ("flower -A p --port=5555", _expected("flower", app="p")),
    # Flower via python -m
    ("python -m flower --broker=redis://r:6379/0", _expected("flower")),
    # global broker option before the sub-command takes its value
    ("celery -b redis://r:6379/0 -A p worker", _expected("worker", app="p")),
    # argv list (Compose list form)
    (["celery", "-A", "p", "worker", "-Q", "a"], _expected("worker", app="p", queues=("a",))),
    # argv list running a shell script
    (["/bin/sh", "-c", "celery -A p worker -c 3"], _expected("worker", app="p", concurrency=3)),
    # wrappers that drop privileges or run in a tool's environment
    ("gosu app celery -A p worker", _expected("worker", app="p")),
    # poetry run
    ("poetry run celery -A p worker", _expected("worker", app="p")),
    # APM agents in front (treeherder: newrelic-admin run-program)
    (
        "exec newrelic-admin run-program celery -A p worker -Q a",
        _expected("worker", app="p", queues=("a",)),
    ),
    ("ddtrace-run celery -A p worker", _expected("worker", app="p")),
    (
        "opentelemetry-instrument --traces_exporter console celery -A p worker",
        _expected("worker", app="p"),
    ),
    # watchmedo auto-restart -- celery
    (
        "watchmedo auto-restart -d . -p '*.py' -R -- celery -A p worker",
        _expected("worker", app="p"),
    ),
    # ${VAR:-default} gives the default
    (
        "celery -A p worker -c ${CONC:-6} -Q ${Q:-a,b}",
        _expected("worker", app="p", concurrency=6, queues=("a", "b")),
    ),
    # a bare variable stays as written and is not a number
    ("celery -A p worker -c $CONC", _expected("worker", app="p")),
    # $CELERY_BIN as the program (Celery's own systemd docs)
    ("${CELERY_BIN} -A p worker", _expected("worker", app="p")),
    # celery multi start: a worker; per-node -Q:1 is no queue of every node
    ("celery multi start w1 w2 -A p -Q:1 a -c 3", _expected("worker", app="p", concurrency=3)),
    # celery multi stop is not a service
    ("celery multi stopwait w1 -A p", _expected("other", app="p")),
    # a comment ends the command; a # inside a word does not
    (
        "celery -A p worker -b redis://h/0#x -Q a # -Q b",
        _expected("worker", app="p", queues=("a",)),
    ),
    # an unbalanced quote still reads
    ("celery -A p worker -Q a 'oops", _expected("worker", app="p", queues=("a",))),
    # redirections and fd duplication are no options and no chain
    (
        "celery -A p worker > w.log 2>&1 -Q a | tee x",
        _expected("worker", app="p", queues=("a",)),
    ),
    # a backslash-newline inside the text (a YAML block scalar) is a continuation
    ("celery -A p worker \\\n  -Q a", _expected("worker", app="p", queues=("a",))),
    # negatives: celery commands that are not services have role other
    ("celery -A p inspect ping", _expected("other", app="p")),
    # celery call
    ("celery -A p call tasks.add --args='[1, 2]'", _expected("other", app="p")),
    # celery --version
    ("celery --version", _expected("other")),
    # no celery at all
    ("echo celery", None),
    # a word that only contains celery
    ("pip install celery[redis]", None),
    # an empty line
    ("", None),
    # uvicorn
    ("uvicorn app.main:app --port 8000", None),
    # python -m something else
    ("python -m app.report", None),
]


@pytest.mark.parametrize(("command", "expected"), PARSER_ROWS)
def test_parse_celery_command(
    command: str | Sequence[str], expected: dict[str, Any] | None
) -> None:
    parsed = parse_celery_command(command)
    if expected is None:
        assert parsed is None
    else:
        assert parsed is not None
        assert _fields(parsed) == expected


@pytest.mark.parametrize(
    ("hostname", "node"),
    [
        ("default@%h", "default"),  # the usual form
        ("fast", "fast"),  # no host part
        ("%h", None),  # only the host
        ("%n@%h", None),  # a placeholder is no name
    ],
)
def test_node_name(hostname: str, node: str | None) -> None:
    parsed = parse_celery_command(["celery", "worker", "-n", hostname])
    assert parsed is not None
    assert parsed.node_name == node


def test_parse_all_commands_keeps_order_and_argv() -> None:
    found = parse_celery_commands("celery -A p beat & celery -A p worker -Q a")
    assert [c.role for c in found] == ["beat", "worker"]
    assert found[1].argv == ("celery", "-A", "p", "worker", "-Q", "a")


def test_unresolved_variables_are_named() -> None:
    parsed = parse_celery_command("celery -A $APP worker -Q $QUEUES -c ${C:-2}")
    assert parsed is not None
    assert parsed.unresolved == ("app", "queues")
    assert parsed.queues == ("$QUEUES",)
    assert parsed.concurrency == 2


# --- text readers ------------------------------------------------------------------------

Reader = Callable[..., Extraction]


def _summary(services: Sequence[Service]) -> list[tuple[str, str, tuple[str, ...], int]]:
    return [(s.name, s.role, s.queues, s.source.line if s.source else 0) for s in services]


TEXT_ROWS: list[tuple[Reader, str, int, list[tuple[str, str, tuple[str, ...], int]]]] = [
    # console snippet: prompts, a continuation with a PS2 prompt, a non-service, comments
    (
        services_from_shell_text,
        "# start the workers\n"
        "$ celery -A p worker -Q a,b \\\n"
        ">   -n fast@%h\n"
        "(venv) $ celery -A p beat\n"
        "$ celery -A p inspect active\n"
        "user@host:~$ celery -A p worker\n",
        10,
        [
            ("fast", "worker", ("a", "b"), 12),
            ("beat", "beat", (), 14),
            ("worker", "worker", (), 16),
        ],
    ),
    # a shell block with no celery command
    (services_from_shell_text, "pip install -r requirements.txt\nmake test\n", 0, []),
    # Procfile: every process, celery or not
    (
        services_from_procfile_text,
        "web: gunicorn app:app\n# comment\nworker: celery -A p worker -Q q\n",
        0,
        [("web", "other", (), 1), ("worker", "worker", ("q",), 3)],
    ),
    # supervisord: only [program:] sections with command=
    (
        services_from_supervisord_text,
        "[supervisord]\nnodaemon=true\n[program:w]\ncommand = celery -A p worker -Q q ; note\n"
        "[group:all]\nprograms=w\n",
        0,
        [("w", "worker", ("q",), 4)],
    ),
    # systemd: Environment= substituted, name from the path, leading - dropped
    (
        services_from_systemd_text,
        "[Service]\nEnvironment=QUEUES=a,b\nExecStart=-/usr/bin/celery -A p worker -Q ${QUEUES}\n",
        0,
        [("celery-worker", "worker", ("a", "b"), 3)],
    ),
    # systemd unit quoted in a doc page: named by -n, else the role
    (
        services_from_systemd_text,
        "[Service]\nExecStart=/usr/bin/celery -A p beat\nExecStart=/bin/ls\n",
        40,
        [("beat", "beat", (), 42), ("service", "other", (), 43)],
    ),
    # compose excerpt without services: (a doc block)
    (
        services_from_yaml_text,
        "worker:\n  image: backend\n  command: celery -A p worker -Q a\nflower:\n"
        "  image: mher/flower\n",
        20,
        [("worker", "worker", ("a",), 21), ("flower", "flower", (), 24)],
    ),
    # YAML that is neither Compose nor Kubernetes
    (services_from_yaml_text, "broker_url: redis://\ntask_acks_late: true\n", 0, []),
    # Helm templating lines are blanked, line numbers kept
    (
        services_from_yaml_text,
        "{{- if .Values.worker.enabled }}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
        "  name: {{ .Release.Name }}-worker\nspec:\n  template:\n    spec:\n      containers:\n"
        "        - name: worker\n          image: {{ .Values.image }}\n"
        "          args: [celery, -A, p, worker, -Q, jobs]\n{{- end }}\n",
        0,
        [("$HELM_VALUE-worker", "worker", ("jobs",), 10)],
    ),
]


@pytest.mark.parametrize(("reader", "text", "offset", "expected"), TEXT_ROWS)
def test_text_readers(
    reader: Reader,
    text: str,
    offset: int,
    expected: list[tuple[str, str, tuple[str, ...], int]],
) -> None:
    path = "systemd/celery-worker.service" if "Environment" in text else "doc.md"
    extraction = reader(text, path=path, line_offset=offset, origin=Origin.DOCS)
    assert _summary(extraction.spec.services) == expected
    assert all(s.origin is Origin.DOCS and s.source is not None for s in extraction.spec.services)
    assert all(s.source.path == path for s in extraction.spec.services if s.source)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        # an unclosed flow sequence
        ("services:\n  w:\n    command: [celery\n  x: 1\n", 4, "expected ','"),
        # a tag the safe loader refuses: nothing is constructed
        (
            "services:\n  w:\n    command: !!python/object/apply:os.system ['touch pwned']\n",
            3,
            "could not determine a constructor",
        ),
        # a tab where indentation is expected
        ("services:\n\tw: {}\n", 2, "found character '\\t'"),
    ],
)
def test_yaml_that_does_not_parse_is_a_notice(text: str, line: int, problem: str) -> None:
    extraction = services_from_yaml_text(text, path="docs/x.md", line_offset=30, origin=Origin.DOCS)
    assert extraction.spec.services == ()
    [notice] = extraction.notices
    assert notice.kind == "unparsed-block"
    assert notice.message.startswith("yaml does not parse: ")
    assert problem in notice.message
    assert (notice.path, notice.line) == ("docs/x.md", line + 30)


def test_compose_service_fields_and_command_text() -> None:
    text = (
        "services:\n"
        "  w:\n"
        "    entrypoint: [/bin/sh, -c]\n"
        "    command: ['exec celery -A p worker -Q a -c 3 --prefetch-multiplier 2']\n"
    )
    [service] = services_from_yaml_text(text, path="c.yml", origin=Origin.STATIC).spec.services
    assert service == Service(
        name="w",
        role="worker",
        command="/bin/sh -c 'exec celery -A p worker -Q a -c 3 --prefetch-multiplier 2'",
        app="p",
        queues=("a",),
        concurrency=3,
        prefetch_multiplier=2,
        source=service.source,
        origin=Origin.STATIC,
    )
    assert str(service.source) == "c.yml:2"


def test_unresolved_queue_variable_gives_a_notice() -> None:
    extraction = services_from_procfile_text(
        "worker: celery -A p worker -Q $QUEUES\n", path="Procfile", origin=Origin.STATIC
    )
    [notice] = extraction.notices
    assert notice.kind == "not-judged"
    assert "`queues` of service `worker`" in notice.message
    assert notice.location == "Procfile:1"
