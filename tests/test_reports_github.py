"""GitHub workflow commands, read back with a parser that undoes GitHub's escaping."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from conformance.findings import Severity
from conformance.model import Location, Notice
from conformance.reports.github import render_github

from reports_sample import DOC, finding, seed_result


@dataclass(frozen=True)
class Command:
    name: str
    properties: dict[str, str]
    message: str


def unescape(text: str, *, property_value: bool) -> str:
    table = {"%25": "%", "%0D": "\r", "%0A": "\n"}
    if property_value:
        table |= {"%3A": ":", "%2C": ","}
    return re.sub("|".join(table), lambda m: table[m.group()], text)


def parse(line: str) -> Command | None:
    """A workflow command the way the runner reads it; ``None`` for a plain line."""
    match = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
    if match is None:
        return None
    name, raw, data = match.groups()
    properties = {}
    for pair in (raw or "").split(","):
        if pair:
            key, _, value = pair.partition("=")
            properties[key] = unescape(value, property_value=True)
    return Command(name, properties, unescape(data, property_value=False))


def test_each_finding_is_one_annotation_then_a_plain_summary() -> None:
    lines = render_github(seed_result(notices=())).splitlines()
    commands = [parse(line) for line in lines]
    assert all(c is not None for c in commands[:-1]) and commands[-1] is None
    assert lines[-1] == "conformance: 9 errors, 2 warnings, 1 info; 4 items conform (mode: live)"
    renamed = next(c for c in commands if c and c.properties["title"] == "task.renamed")
    assert renamed == Command(
        "error",
        {"file": DOC, "line": "41", "title": "task.renamed"},
        seed_result().findings[1].message,
    )


@pytest.mark.parametrize(
    ("severity", "command"),
    [
        (Severity.ERROR, "error"),  # errors fail the check run's annotations
        (Severity.WARNING, "warning"),
        (Severity.INFO, "notice"),  # GitHub has no "info"
    ],
)
def test_severity_picks_the_command(severity: Severity, command: str) -> None:
    one = finding("task.missing", "x", "x", None, "m", Location(DOC, 1), severity=severity)
    parsed = parse(render_github(seed_result(findings=(one,))).splitlines()[0])
    assert parsed is not None and parsed.name == command


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("docs/a,b:c.md", "100% done"),  # property separators and a percent
        ("docs/x.md", "line one\r\nline two\n::error::forged"),  # newlines cannot forge commands
        ("docs/%0A.md", "%0A stays literal"),  # already-escaped-looking text round-trips
    ],
)
def test_escaping_round_trips(path: str, message: str) -> None:
    one = finding("task.missing", "x", "x", None, message, Location(path, 7))
    lines = render_github(seed_result(findings=(one,), notices=())).splitlines()
    assert len(lines) == 2
    parsed = parse(lines[0])
    assert parsed == Command("error", {"file": path, "line": "7", "title": "task.missing"}, message)


def test_a_finding_without_location_has_no_file() -> None:
    one = finding("route.unknown-task", "x", None, "x", "m")
    parsed = parse(render_github(seed_result(findings=(one,))).splitlines()[0])
    assert parsed is not None and parsed.properties == {"title": "route.unknown-task"}


def test_notices_are_plain_lines_that_cannot_become_commands() -> None:
    notice = Notice("not-judged", "x\n::error file=a::forged", "docs/a.md", 3)
    lines = render_github(seed_result(findings=(), notices=(notice,))).splitlines()
    assert lines[0] == "note: docs/a.md:3: x\\n::error file=a::forged"
    assert [parse(line) for line in lines] == [None, None]
