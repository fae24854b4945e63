"""Sentences and list items: precise rather than eager.

Prose names items only in a few fixed shapes (a backticked name at the start of a list
item under the right heading, "`x` runs on the `q` queue", a backticked entry with a
schedule phrase...). Anything looser is left alone: a missed item is a gap in the spec,
an invented one is a false finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from conformance.celery_naming import SIGNAL_NAMES, is_setting
from conformance.extract.claims import add_claims
from conformance.extract.collect import Collector
from conformance.extract.context import Topic
from conformance.extract.sentences import chords, unit_claims
from conformance.extract.values import NAME, code_spans, looks_like_entry, looks_like_task
from conformance.model import Location, Metric, Queue, Route, Schedule, SignalHandler, Task
from conformance.schedules import find_schedule_phrase

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\d(*_])")
_LEADING_NAME = re.compile(r"\s*`(?P<name>[^`]+)`")
_TASK_ON_QUEUE = re.compile(
    r"`(?P<task>[^`]+)`[^`.;]*?\b(?:on|in|to|into|through)\s+the\s+`(?P<queue>[^`]+)`\s+queue\b"
)
_ROUTE_ITEM = re.compile(
    r"\s*`(?P<task>[^`]+)`\s*(?:→|->|=>|:|(?:goes|is routed|routes|is sent|go)?\s*to(?:\s+the)?)"
    r"\s*`(?P<queue>[^`]+)`"
)
_METRIC_ITEM = re.compile(
    r"\s*`(?P<name>[^`]+)`\s*\((?P<type>counter|gauge|histogram|summary|info|enum)\b"
    r"(?P<rest>[^)]*)\)",
    re.IGNORECASE,
)
_QUEUE_NAME = re.compile(r"[A-Za-z0-9_.:-]+\Z")


def sentences(text: str, line: int) -> Iterator[tuple[str, int]]:
    """A paragraph's sentences, each with the page line it starts on."""
    # Lines are counted from the previous sentence on, not from the paragraph's start:
    # a long one-line paragraph of many sentences would otherwise cost its length squared.
    start = 0
    for boundary in _SENTENCE_END.finditer(text):
        yield text[start : boundary.start()], line
        line += text.count("\n", start, boundary.end())
        start = boundary.end()
    yield text[start:], line


def read_paragraph(text: str, line: int, topics: frozenset[Topic], out: Collector) -> None:
    for sentence, sentence_line in sentences(text, line):
        _read_unit(sentence, sentence_line, topics, out, list_item=False)
    if "`" in text:
        add_claims(chords(text, line), out)


def read_list_item(text: str, line: int, topics: frozenset[Topic], out: Collector) -> None:
    _read_unit(text, line, topics, out, list_item=True)


def _read_unit(
    text: str, line: int, topics: frozenset[Topic], out: Collector, *, list_item: bool
) -> None:
    if "`" not in text:
        return
    entry = _schedule(text, line, topics, out)
    _task_on_queue(text, line, out)
    add_claims(unit_claims(text, line, topics), out)
    if Topic.TASKS in topics:
        _leading_task(text, line, out, entry)
    if Topic.SIGNALS in topics:
        _signals(text, line, out)
    if list_item and Topic.QUEUES in topics:
        _queue_item(text, line, out)
    if list_item and Topic.METRICS in topics:
        _metric_item(text, line, out)


def _schedule(text: str, line: int, topics: frozenset[Topic], out: Collector) -> str | None:
    """Add the beat entry a text states; its name, so it is not taken for a task too."""
    names = [n for n in code_spans(text) if NAME.match(n)]
    entry = next((n for n in names if looks_like_entry(n)), None)
    if entry is None and Topic.SCHEDULES in topics and names:
        entry = names[0]
    # Looking for the phrase is the costly part: only where an entry is named.
    found = find_schedule_phrase(text) if entry is not None else None
    if entry is None or found is None:
        return None
    tasks_context = bool(topics & {Topic.TASKS, Topic.SCHEDULES})
    task = next(
        (n for n in names if n != entry and looks_like_task(n, tasks_context=tasks_context)),
        None,
    )
    # The phrase as written is the evidence (a list of entries is still a listing).
    where = Location(out.path, line, (f"phrase: {found[1]!r}",))
    out.add(Schedule(entry, task, found[0], source=where))
    return entry


def _task_on_queue(text: str, line: int, out: Collector) -> None:
    match = _TASK_ON_QUEUE.search(text)
    if match is None:
        return
    task, queue = match.group("task"), match.group("queue")
    if not looks_like_task(task, tasks_context=True) or not _QUEUE_NAME.match(queue):
        return
    where = Location(out.path, line, (f"cue: {match.group(0)[len(task) + 2 :].strip()!r}",))
    out.add(Task(task, queue=queue, source=where))
    out.add(Queue(queue, source=where))


def _leading_task(text: str, line: int, out: Collector, entry: str | None) -> None:
    match = _LEADING_NAME.match(text)
    if match is None or match.group("name") == entry:
        return
    name = match.group("name").removesuffix("()")
    if (
        looks_like_task(name, tasks_context=True)
        and not is_setting(name.rpartition(".")[2])
        and name not in SIGNAL_NAMES
        and not name.endswith((".delay", ".apply_async", ".s", ".si"))
    ):
        out.add(Task(name, source=out.at(line)))


def _signals(text: str, line: int, out: Collector) -> None:
    for name in code_spans(text):
        signal = name.removeprefix("celery.signals.").removesuffix(".connect")
        if signal in SIGNAL_NAMES:
            out.add(SignalHandler(signal, source=out.at(line)))


def _queue_item(text: str, line: int, out: Collector) -> None:
    route = _ROUTE_ITEM.match(text)
    if route is not None:
        task, queue = route.group("task"), route.group("queue")
        is_glob = "*" in task
        if (is_glob or looks_like_task(task, tasks_context=True)) and _QUEUE_NAME.match(queue):
            pattern: Literal["glob", "exact"] = "glob" if is_glob else "exact"
            out.add(Route(task, queue, pattern=pattern, source=out.at(line)))
            out.add(Queue(queue, source=out.at(line)))
            return
    leading = _LEADING_NAME.match(text)
    if leading is not None and _QUEUE_NAME.match(leading.group("name")):
        out.add(Queue(leading.group("name"), source=out.at(line)))


def _metric_item(text: str, line: int, out: Collector) -> None:
    match = _METRIC_ITEM.match(text)
    if match is None or not NAME.match(match.group("name")):
        return
    rest = match.group("rest")
    labels = tuple(code_spans(rest)) if "label" in rest.lower() else None
    out.add(
        Metric(
            match.group("name"),
            type=match.group("type").lower(),  # type: ignore[arg-type]  # the regex's choices
            labels=labels,
            source=out.at(line),
        )
    )
