"""Claims: the form between a sentence and the spec.

A sentence, list item or table row *claims* something when it ties a subject to a value
with evidence: "`tasks.resize` has a soft time limit of 10 minutes" is the claim
(task ``tasks.resize``, ``soft_time_limit``, 600, ``cue: 'soft time limit of 10
minutes'``). Readers of shapes (:mod:`conformance.extract.sentences`) yield claims; this
module turns the claims of one unit of text into spec items, one item per subject, its
evidence kept on the item's location so the reviewer sees why we read it so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from conformance.extract.collect import Collector
from conformance.model import (
    Bootstep,
    CanvasFlow,
    EnvVar,
    Item,
    Location,
    Queue,
    Service,
    Setting,
    SignalHandler,
    Task,
    Value,
    Worker,
)

ClaimKind = Literal[
    "task", "setting", "signal", "canvas", "worker", "bootstep", "service", "env", "queue"
]


@dataclass(frozen=True, slots=True)
class Claim:
    """``subject`` (of ``kind``) has ``attribute`` = ``value``, read at ``line`` because
    of ``evidence``. ``attribute`` is ``""`` for a claim that the subject exists."""

    kind: ClaimKind
    subject: str
    attribute: str
    value: Value
    evidence: str
    line: int


def add_claims(claims: Iterable[Claim], out: Collector) -> None:
    """One item per (kind, subject) of ``claims``, all of its attributes together."""
    grouped: dict[tuple[ClaimKind, str], list[Claim]] = {}
    for claim in claims:  # usually none: a generator that yields nothing costs little
        grouped.setdefault((claim.kind, claim.subject), []).append(claim)
    for (kind, subject), group in grouped.items():
        evidence = tuple(dict.fromkeys(c.evidence for c in group))
        where = Location(out.path, group[0].line, evidence)
        values = {c.attribute: c.value for c in group if c.attribute}
        for item in _BUILDERS[kind](subject, values, where):
            out.add(item)


def _task(subject: str, values: dict[str, Value], where: Location) -> list[Item]:
    queue = values.pop("queue", None)
    items: list[Item] = [Task(subject, options=values, queue=queue, source=where)]
    if queue:
        items.append(Queue(queue, source=where))
    return items


def _setting(subject: str, values: dict[str, Value], where: Location) -> list[Item]:
    return [Setting(subject, values.get("value"), source=where)]


def _signal(subject: str, values: dict[str, Value], where: Location) -> list[Item]:
    return [SignalHandler(subject, metrics=tuple(values.get("metrics", ())), source=where)]


def _canvas(subject: str, values: dict[str, Value], where: Location) -> list[Item]:
    return [
        CanvasFlow(
            values.get("primitive", "chord"),
            header=tuple(values.get("header", ())),
            callback=values.get("callback"),
            context=subject,
            source=where,
        )
    ]


def _worker(subject: str, values: dict[str, Value], where: Location) -> list[Item]:
    return [
        Worker(
            subject,
            kind=values.get("kind", "profile"),
            queues=tuple(values.get("queues", ())),
            concurrency=values.get("concurrency"),
            prefetch_multiplier=values.get("prefetch_multiplier"),
            source=where,
        )
    ]


def _bootstep(subject: str, values: dict[str, Value], where: Location) -> list[Item]:
    return [Bootstep(subject, source=where)]


def _service(subject: str, values: dict[str, Value], where: Location) -> list[Item]:
    return [Service(subject, role=values.get("role", "other"), source=where)]


def _env(subject: str, values: dict[str, Value], where: Location) -> list[Item]:
    return [EnvVar(subject, values.get("default"), "default" in values, source=where)]


def _queue(subject: str, values: dict[str, Value], where: Location) -> list[Item]:
    return [Queue(subject, source=where)]


_BUILDERS: dict[ClaimKind, Callable[[str, dict[str, Any], Location], list[Item]]] = {
    "task": _task,
    "setting": _setting,
    "signal": _signal,
    "canvas": _canvas,
    "worker": _worker,
    "bootstep": _bootstep,
    "service": _service,
    "env": _env,
    "queue": _queue,
}
