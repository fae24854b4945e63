"""The spec model: what the docs say and what the code does, in one shape.

Every stage of the pipeline speaks these frozen dataclasses. The Markdown extractor, the
spec-file loader, the live probe and the static analyser each produce a :class:`Spec`;
the rules compare two of them. Every item remembers where it came from (``source``) and
how it was learnt (``origin``), so a finding can point at a line.

Items are immutable. Option and setting values are plain JSON-like values (str, int,
float, bool, None, lists, dicts) so a spec can be written to YAML and read back unchanged.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, TypeAlias

Value: TypeAlias = Any
"""A JSON-like value: str, int, float, bool, None, or lists/dicts of those."""


class Origin(enum.StrEnum):
    """How an item was learnt."""

    DOCS = "docs"
    SPEC = "spec"
    LIVE = "live"
    STATIC = "static"
    RUNTIME = "runtime"  # what a running system reported: workers, a beat database, /metrics


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file: repo-relative POSIX path and 1-based line.

    ``evidence`` says why a doc line was read as a claim (``"cue: 'soft time limit'"``,
    ``"column: Queue"``); it is shown to the reviewer and never part of equality.
    """

    path: str
    line: int
    evidence: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def in_passing(self) -> bool:
        """Whether the evidence is a sentence's cue, a heading or a command's flag rather
        than a listing (a table, a list under its heading, a code block)."""
        return bool(self.evidence) and self.evidence[0].startswith(("cue:", "command:", "heading:"))

    @classmethod
    def parse(cls, text: str) -> Location:
        """Read ``path:line`` (the line is optional and defaults to 1)."""
        path, sep, line = text.rpartition(":")
        if sep and line.isdigit():
            return cls(path, int(line))
        return cls(text, 1)


# --- schedules ---------------------------------------------------------------------------

CronField: TypeAlias = tuple[int, ...]
"""An expanded crontab field: the sorted values at which it fires."""


@dataclass(frozen=True)
class Timing:
    """A schedule in one canonical, comparable form.

    ``kind`` is ``"interval"`` (``every`` seconds, no phase), ``"crontab"`` (expanded
    fields; day_of_week 0 = Sunday, as in Celery) or ``"solar"`` (``event`` at ``lat``/
    ``lon``, kept as text). Two timings are compared with
    :func:`conformance.schedules.same_times`, never by ``==`` on their text.
    """

    kind: Literal["interval", "crontab", "solar"]
    every: float | None = None
    minute: CronField = ()
    hour: CronField = ()
    day_of_week: CronField = ()
    day_of_month: CronField = ()
    month_of_year: CronField = ()
    event: str | None = None


# --- items -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """A Celery task.

    ``name`` is the registered name (code) or the name as the docs write it (docs: may be
    bare, ``process_batch``, or dotted, ``tasks.process_batch``). ``options`` holds only
    what was stated: for docs what the page says, for code the effective value of every
    option we compare (``time_limit``, ``soft_time_limit``, ``max_retries``,
    ``default_retry_delay``, ``retry_backoff``, ``rate_limit``, ``acks_late``...).
    ``queue`` is the queue the task goes to: for docs a directly stated queue, for code
    the queue Celery's own router resolves.
    """

    name: str
    options: Mapping[str, Value] = field(default_factory=dict)
    queue: str | None = None
    params: tuple[str, ...] = ()
    function: str | None = None
    source: Location | None = None
    origin: Origin = Origin.DOCS


@dataclass(frozen=True)
class Queue:
    name: str
    exchange: str | None = None
    routing_key: str | None = None
    source: Location | None = None
    origin: Origin = Origin.DOCS


@dataclass(frozen=True)
class Route:
    """One ``task_routes`` entry. ``task`` is a name, a glob or (``regex``) a pattern.

    ``dynamic`` routes come from router functions whose answer depends on the call; their
    ``queue`` is ``None`` and no rule judges them.
    """

    task: str
    queue: str | None
    pattern: Literal["exact", "glob", "regex"] = "exact"
    dynamic: bool = False
    source: Location | None = None
    origin: Origin = Origin.DOCS


@dataclass(frozen=True)
class Schedule:
    """A beat entry. ``timing`` is ``None`` when it is only known at run time."""

    name: str
    task: str | None = None
    timing: Timing | None = None
    source: Location | None = None
    origin: Origin = Origin.DOCS
    # False for an entry a beat database keeps but beat does not run (disabled, expired).
    enabled: bool = True


@dataclass(frozen=True)
class CanvasFlow:
    """A chord, chain or group built somewhere, with the task names it uses.

    ``context`` is the task (or function) that builds the flow, when known: it is how a
    documented flow finds its counterpart in the code.
    """

    primitive: Literal["chord", "chain", "group", "link"]
    header: tuple[str, ...] = ()
    callback: str | None = None
    context: str | None = None
    source: Location | None = None
    origin: Origin = Origin.DOCS


@dataclass(frozen=True)
class SignalHandler:
    """A receiver connected to a Celery signal, and what its body does."""

    signal: str
    handler: str | None = None
    module: str | None = None
    sender: str | None = None
    metrics: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    source: Location | None = None
    origin: Origin = Origin.DOCS


MetricType: TypeAlias = Literal["counter", "gauge", "histogram", "summary", "info", "enum"]


@dataclass(frozen=True)
class Metric:
    """A Prometheus metric family, named as Prometheus exposes it (counters without
    ``_total``). ``recorded_at`` lists the code places that record it (``.inc()``,
    ``.observe()``, ``.labels()``...); ``variable`` is the Python name holding it."""

    name: str
    type: MetricType | None = None
    labels: tuple[str, ...] | None = None
    documentation: str | None = None
    variable: str | None = None
    recorded_at: tuple[Location, ...] = ()
    source: Location | None = None
    origin: Origin = Origin.DOCS
    # A metric a library exposes by itself (prometheus_client's defaults, Flower,
    # celery-exporter, django-prometheus, prometheus-fastapi-instrumentator): it makes a
    # documented one known, and is never itself undocumented or not integrated.
    exported_by: str | None = None


SymbolKind: TypeAlias = Literal[
    "import", "call", "module", "class", "function", "method", "attribute", "unparsed"
]
"""``unparsed``: a module that exists but could not be read (a syntax error): its
contents are unknown, so nothing inside it is judged missing."""


UNREAD_FOLDERS = frozenset({"tests", "test", "__pycache__", "node_modules", "migrations"})
"""Package folders the static scan leaves out (test apps would pass for the
implementation): a documented name inside one is not judged, never reported missing."""


@dataclass(frozen=True)
class Symbol:
    """A code name.

    Documented symbols are uses: an ``import`` of a project name or a ``call`` on it
    (``name`` is the dotted target, ``positional`` and ``keywords`` what the call passes).
    Code symbols are definitions (``module``, ``class``, ``function``, ``method``,
    ``attribute``) with their ``params`` in order, ``*args``/``**kwargs`` written so; a
    class also has its ``bases`` (dotted, ``?`` for a base that cannot be named), so a
    method it inherits is found, and one it may inherit from outside is not judged.
    """

    name: str
    kind: SymbolKind
    params: tuple[str, ...] = ()
    positional: int | None = None
    keywords: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    source: Location | None = None
    origin: Origin = Origin.DOCS


@dataclass(frozen=True)
class Worker:
    """Worker set-up: a configuration ``class`` or a ``profile`` (a kind of worker with
    its queues, concurrency and prefetch)."""

    name: str
    kind: Literal["profile", "class"] = "profile"
    queues: tuple[str, ...] = ()
    concurrency: int | None = None
    prefetch_multiplier: int | None = None
    source: Location | None = None
    origin: Origin = Origin.DOCS
    pool: str | None = None
    autoscale: str | None = None


@dataclass(frozen=True)
class Bootstep:
    name: str
    blueprint: Literal["worker", "consumer"] = "worker"
    source: Location | None = None
    origin: Origin = Origin.DOCS


ServiceRole: TypeAlias = Literal["worker", "beat", "flower", "other"]


@dataclass(frozen=True)
class Service:
    """A deployed process: a Compose service, a Procfile line, a systemd unit...

    ``dynamic`` marks what the deployment runs but we could not read (a deploy file that
    does not parse, a Go-templated manifest): its processes and queues are unknown, so no
    rule may conclude from the deployment that something is absent.
    """

    name: str
    role: ServiceRole = "other"
    command: str | None = None
    app: str | None = None
    queues: tuple[str, ...] = ()
    concurrency: int | None = None
    prefetch_multiplier: int | None = None
    source: Location | None = None
    origin: Origin = Origin.DOCS
    dynamic: bool = False
    # `-X a,b`: queues a worker leaves out of what it would consume otherwise.
    exclude_queues: tuple[str, ...] = ()
    pool: str | None = None  # `-P gevent`
    autoscale: str | None = None  # `--autoscale=10,3` (max,min)


def queues_unknown(process: Service | Worker) -> bool:
    """Whether a worker's ``-Q`` comes from a variable only run time knows
    (``-Q $QUEUES``, a Helm value we could not resolve): it may consume any queue."""
    return any("$" in queue for queue in process.queues)


@dataclass(frozen=True)
class Setting:
    """An app setting under its lower-case Celery name (``task_time_limit``)."""

    name: str
    value: Value = None
    dynamic: bool = False
    source: Location | None = None
    origin: Origin = Origin.DOCS


@dataclass(frozen=True)
class Dispatch:
    """A call site that sends a task to a queue it names: ``t.apply_async(queue="q")``,
    ``t.s().set(queue="q")``, ``t.signature(options={"queue": "q"})``,
    ``app.send_task("name", queue="q")``. The queue is used even if no route says so.
    ``dynamic``: the queue is computed at run time."""

    queue: str | None = None
    task: str | None = None
    dynamic: bool = False
    source: Location | None = None
    origin: Origin = Origin.DOCS


@dataclass(frozen=True)
class EnvVar:
    """An environment variable and its default: documented ("`WORKERS` defaults to 4",
    a Default column) or read by the code (``os.getenv("WORKERS", 4)``, decouple,
    django-environ). ``has_default`` is false for a read without one (required, or
    ``None``); ``default`` is then ``None``."""

    name: str
    default: Value = None
    has_default: bool = True
    source: Location | None = None
    origin: Origin = Origin.DOCS


@dataclass(frozen=True)
class Mention:
    """A name the docs use in passing: inline code in a sentence, a heading or a table
    cell on any configured page. It makes the item it resolves to *documented* (no
    ``*.undocumented`` finding) and claims nothing about it: a mention that resolves to
    nothing is never a finding."""

    name: str
    source: Location | None = None
    origin: Origin = Origin.DOCS
    # "text": a code span in the docs' text; "example": a name from an illustrative block
    # or with a placeholder shape (`my_task`), read only to count its item documented.
    kind: Literal["text", "example"] = "text"


@dataclass(frozen=True)
class RunningWorker:
    """A worker that answered Celery's remote control (``inspect``): ``name`` is its node
    name (``celery@host``), ``queues`` what it consumes, ``tasks`` what it has registered."""

    name: str
    queues: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    concurrency: int | None = None
    pool: str | None = None
    prefetch_multiplier: int | None = None
    source: Location | None = None
    origin: Origin = Origin.RUNTIME


@dataclass(frozen=True)
class ExposedMetric:
    """A metric family a running ``/metrics`` endpoint exposes (named as Prometheus
    exposes it, counters without ``_total``)."""

    name: str
    type: MetricType | None = None
    labels: tuple[str, ...] = ()
    source: Location | None = None
    origin: Origin = Origin.RUNTIME


@dataclass(frozen=True)
class GeneratedSection:
    """A doc section between ``<!-- conformance:begin KIND -->`` and
    ``<!-- conformance:end -->``: ``text`` is what the page holds there, to be compared
    with what ``conformance fix`` would write (``docs.generated-stale``)."""

    name: str
    text: str = ""
    source: Location | None = None
    origin: Origin = Origin.DOCS


Item: TypeAlias = (
    Task
    | Queue
    | Route
    | Schedule
    | CanvasFlow
    | SignalHandler
    | Metric
    | Symbol
    | Worker
    | Bootstep
    | Service
    | Setting
    | Dispatch
    | EnvVar
    | Mention
    | GeneratedSection
    | RunningWorker
    | ExposedMetric
)

SECTIONS: dict[str, type[Any]] = {
    "tasks": Task,
    "queues": Queue,
    "routes": Route,
    "schedules": Schedule,
    "canvas": CanvasFlow,
    "signals": SignalHandler,
    "metrics": Metric,
    "symbols": Symbol,
    "workers": Worker,
    "bootsteps": Bootstep,
    "services": Service,
    "settings": Setting,
    "dispatches": Dispatch,
    "env": EnvVar,
    "mentions": Mention,
    "generated": GeneratedSection,
    "running": RunningWorker,
    "exposed": ExposedMetric,
}
"""Spec YAML section name → item class, in the order sections are written."""


@dataclass(frozen=True)
class Spec:
    """Everything known about one side (the docs or the code)."""

    tasks: tuple[Task, ...] = ()
    queues: tuple[Queue, ...] = ()
    routes: tuple[Route, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    canvas: tuple[CanvasFlow, ...] = ()
    signals: tuple[SignalHandler, ...] = ()
    metrics: tuple[Metric, ...] = ()
    symbols: tuple[Symbol, ...] = ()
    workers: tuple[Worker, ...] = ()
    bootsteps: tuple[Bootstep, ...] = ()
    services: tuple[Service, ...] = ()
    settings: tuple[Setting, ...] = ()
    dispatches: tuple[Dispatch, ...] = ()
    env: tuple[EnvVar, ...] = ()
    mentions: tuple[Mention, ...] = ()
    generated: tuple[GeneratedSection, ...] = ()
    # Reported by a running system (`--workers`, `--metrics-url`); empty unless asked for.
    running: tuple[RunningWorker, ...] = ()
    exposed: tuple[ExposedMetric, ...] = ()

    def merge(self, other: Spec) -> Spec:
        """Both specs' items, ``self``'s first."""
        return replace(
            self,
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)},
        )

    def items(self) -> Iterator[tuple[str, Item]]:
        """Every item with its section name."""
        for f in fields(self):
            for item in getattr(self, f.name):
                yield f.name, item

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def setting(self, name: str, default: Value = None) -> Value:
        """The last value given for a setting, or ``default``."""
        for item in reversed(self.settings):
            if item.name == name and not item.dynamic:
                return item.value
        return default


@dataclass(frozen=True)
class Notice:
    """Something a run could not judge or had to skip. Never changes the exit status."""

    kind: str
    message: str
    path: str | None = None
    line: int | None = None

    @property
    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line or 1}"


@dataclass(frozen=True)
class Waiver:
    """``<!-- conformance: ignore RULE... -->`` in a doc: findings of those rules whose doc
    location lies in lines ``start``..``end`` (the next block or table row) are waived.
    ``line`` is the comment's own line, for the "unused waiver" notice."""

    rules: tuple[str, ...]
    path: str
    line: int
    start: int
    end: int


@dataclass(frozen=True)
class Extraction:
    """A spec together with the notices (and doc waivers) found while building it."""

    spec: Spec
    notices: tuple[Notice, ...] = ()
    waivers: tuple[Waiver, ...] = ()

    def merge(self, other: Extraction) -> Extraction:
        return Extraction(
            self.spec.merge(other.spec),
            self.notices + other.notices,
            self.waivers + other.waivers,
        )


@dataclass(frozen=True)
class Introspection:
    """The implementation's spec, the mode actually used, and run-level notices (such as
    a fallback from live to static): what ``conformance.introspect`` hands the rules."""

    extraction: Extraction
    mode: str
    notices: tuple[Notice, ...] = ()
