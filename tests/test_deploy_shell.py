"""The shell entrypoint reader: which command each process word runs (tree-sitter-bash)."""

from __future__ import annotations

from conformance.deploy.shell import shell_commands

SCRIPT = """#!/bin/bash
set -e
QUEUES="mail,reports"
export LEVEL=info

start() {
    exec celery -A proj worker \\
        -Q "$QUEUES" --loglevel=$LEVEL
}

loop() { loop; }

case "$1" in
    worker|workers)
        start
        ;;
    spin) loop ;;
    # legacy)
    #     exec celery -A proj worker -Q legacy
    #     ;;
    *)
        exec "$@"
        ;;
esac

if [[ $1 == beat ]]; then
    exec celery -A proj beat
elif [ "$1" = "flower" ]; then
    exec celery -A proj flower
else
    echo "unknown"
fi
"""


def _by_process() -> dict[str | None, list[str]]:
    found: dict[str | None, list[str]] = {}
    for command in shell_commands(SCRIPT):
        found.setdefault(command.process, []).append(command.text)
    return found


def test_case_items_if_branches_and_functions_name_their_commands() -> None:
    found = _by_process()
    # The function's body, continuation joined, variables put in, under the calling item.
    assert found["worker"] == ['exec celery -A proj worker -Q "mail,reports" --loglevel=info']
    assert found["beat"] == ["exec celery -A proj beat"]
    assert found["flower"] == ["exec celery -A proj flower"]


def test_else_branches_comments_and_catch_alls_name_nothing() -> None:
    found = _by_process()
    assert "legacy" not in found  # commented out
    assert 'echo "unknown"' in found[None]  # the else branch is not "beat"
    assert 'exec "$@"' in found[None]  # `*)` names no process


def test_a_recursive_function_is_read_once() -> None:
    assert _by_process()["spin"] == ["loop"]


def test_lines_are_those_of_the_script() -> None:
    lines = {c.text.split()[-1]: c.line for c in shell_commands(SCRIPT) if "celery" in c.text}
    assert lines["beat"] == 27
    assert lines["flower"] == 29
