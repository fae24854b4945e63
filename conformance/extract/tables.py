"""Tables, read by their header: which columns a table has tells what its rows are."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import get_args

from conformance.celery_naming import is_seconds_setting, setting_name
from conformance.extract.collect import Collector
from conformance.extract.context import Topic
from conformance.extract.timing import read_timing
from conformance.extract.values import (
    cell_name,
    code_spans,
    entry_name,
    guess_role,
    is_empty,
    parse_bool,
    parse_duration,
    parse_int,
    parse_scalar,
    plain,
    split_names,
    unit_factor,
)
from conformance.model import (
    EnvVar,
    Location,
    Metric,
    MetricType,
    Origin,
    Queue,
    Schedule,
    Service,
    Setting,
    SignalHandler,
    Task,
    Value,
    Worker,
)


@dataclass(frozen=True)
class TableRow:
    cells: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Table:
    """A GFM table: cells are inline text with code spans kept in backticks."""

    header: tuple[str, ...]
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class Columns:
    """A table's header, normalized: lower case, no markup, no ``(unit)``, ``_`` as space."""

    keys: tuple[str, ...]
    raw: tuple[str, ...]
    # Why a row is read so: the header, shown with every item the table states.
    evidence: tuple[str, ...] = ()

    @classmethod
    def of(cls, header: tuple[str, ...]) -> Columns:
        keys = tuple(_normalize(h) for h in header)
        return cls(keys, header, (f"columns: {' | '.join(map(plain, header))}",))

    def find(self, *names: str) -> int | None:
        for name in names:
            if name in self.keys:
                return self.keys.index(name)
        return None


def _normalize(header: str) -> str:
    text = re.sub(r"\([^)]*\)", " ", plain(header).lower()).replace("_", " ")
    return " ".join(text.strip(" :").split())


def row_at(out: Collector, cols: Columns, row: TableRow) -> Location:
    """A row's place, with the header that types its cells as the evidence."""
    return Location(out.path, row.line, cols.evidence)


def cell(row: TableRow, index: int | None) -> str:
    """The cell at ``index``; a missing column or a short row reads as empty."""
    if index is None or index >= len(row.cells):
        return ""
    return row.cells[index]


_TASK_NAME = ("task", "task name")
_ENTRY = ("entry", "beat entry", "schedule name", "entry name")
_TIMING = ("schedule", "when", "frequency", "runs", "runs at", "interval", "cron")
_METRIC_NAME = ("metric", "metric name")
_SETTING_NAME = ("setting", "option", "setting name", "config key")
_SETTING_VALUE = ("value", "default")
_WORKER_NAME = (
    "profile",
    "worker",
    "worker profile",
    "worker name",
    "deployment",
    "process",
    "process type",
    "dyno",
)

OptionReader = Callable[[str, float], Value]


def _read_duration(text: str, factor: float) -> Value:
    return parse_duration(text, factor)


def _read_int(text: str, _factor: float) -> Value:
    return parse_int(text)


def _read_bool(text: str, _factor: float) -> Value:
    return parse_bool(text)


def _read_as_written(text: str, _factor: float) -> Value:
    return plain(text) or None


TASK_OPTION_COLUMNS: dict[str, tuple[str, OptionReader]] = {
    "time limit": ("time_limit", _read_duration),
    "hard time limit": ("time_limit", _read_duration),
    "soft time limit": ("soft_time_limit", _read_duration),
    "retries": ("max_retries", _read_int),
    "max retries": ("max_retries", _read_int),
    "retry delay": ("default_retry_delay", _read_duration),
    "default retry delay": ("default_retry_delay", _read_duration),
    "rate limit": ("rate_limit", _read_as_written),
    "acks late": ("acks_late", _read_bool),
    "ignore result": ("ignore_result", _read_bool),
}


def read_table(table: Table, topics: frozenset[Topic], out: Collector) -> None:
    """Add the items a table's rows state; a table of anything else adds nothing."""
    cols = Columns.of(table.header)
    name = cols.find("name")
    if cols.find("signal") is not None:
        _signals(table, cols, out)
    elif cols.find(*_METRIC_NAME) is not None or (name is not None and Topic.METRICS in topics):
        _metrics(table, cols, out)
    elif _entry_column(cols, topics) is not None and cols.find(*_TIMING) is not None:
        _schedules(table, cols, topics, out)
    elif cols.find(*_SETTING_NAME) is not None and cols.find(*_SETTING_VALUE) is not None:
        _settings(table, cols, out)
    elif _worker_column(cols) is not None and cols.find("queues", "queue") is not None:
        _workers(table, cols, out)
    elif cols.find("service") is not None:
        _services(table, cols, out)
    elif _task_column(cols, topics) is not None:
        _tasks(table, cols, topics, out)
    elif cols.find("queue") is not None or (name is not None and Topic.QUEUES in topics):
        _queues(table, cols, out)


_ENV_COLUMNS = (
    "variable",
    "env var",
    "environment variable",
    "env",
    "name",
    "setting",
    "option",
    "key",
    "config key",
    "setting name",
    "variable name",
)


def read_env_table(table: Table, out: Collector) -> None:
    """Rows of a table with a Default column that name environment variables (on any
    page: such tables document configuration, Celery's or not)."""
    from conformance.extract.sentences import env_name

    if not any("efault" in h for h in table.header):
        return
    cols = Columns.of(table.header)
    default_col = cols.find("default", "default value")
    name_col = cols.find(*_ENV_COLUMNS)
    if default_col is None or name_col is None:
        return
    for row in table.rows:
        spans = code_spans(cell(row, name_col)) or [plain(cell(row, name_col))]
        name = env_name(spans[0]) if spans and spans[0] else None
        text = cell(row, default_col)
        if name is None or is_empty(text):
            continue
        value = parse_scalar(code_spans(text)[0] if code_spans(text) else text)
        if value is None or value == "":
            continue
        out.add(EnvVar(name, value, source=row_at(out, cols, row)))


def _entry_column(cols: Columns, topics: frozenset[Topic]) -> int | None:
    found = cols.find(*_ENTRY)
    if found is None and Topic.SCHEDULES in topics:
        found = cols.find("name")
    return found


def _task_column(cols: Columns, topics: frozenset[Topic]) -> int | None:
    found = cols.find(*_TASK_NAME)
    if found is None and Topic.TASKS in topics:
        found = cols.find("name")
    return found


def _tasks(table: Table, cols: Columns, topics: frozenset[Topic], out: Collector) -> None:
    name_col = _task_column(cols, topics)
    queue_col = cols.find("queue")
    option_cols = [
        (index, *TASK_OPTION_COLUMNS[key], unit_factor(cols.raw[index]))
        for index, key in enumerate(cols.keys)
        if key in TASK_OPTION_COLUMNS
    ]
    for row in table.rows:
        name = cell_name(cell(row, name_col))
        if name is None:
            continue
        options: dict[str, Value] = {}
        for index, option, reader, factor in option_cols:
            text = cell(row, index)
            if is_empty(text):
                continue
            value = reader(text, factor)
            if value is None:
                out.notice(
                    "unreadable-value",
                    f"cannot read {option} of task `{name}` from {plain(text)!r}",
                    row.line,
                )
                continue
            options[option] = value
        queue = None if is_empty(cell(row, queue_col)) else cell_name(cell(row, queue_col))
        out.add(Task(name, options=options, queue=queue, source=row_at(out, cols, row)))
        if queue:
            out.add(Queue(queue, source=row_at(out, cols, row)))


def _schedules(table: Table, cols: Columns, topics: frozenset[Topic], out: Collector) -> None:
    entry_col = _entry_column(cols, topics)
    timing_col = cols.find(*_TIMING)
    task_col = cols.find(*_TASK_NAME)
    for row in table.rows:
        name = entry_name(cell(row, entry_col))
        if name is None:
            continue
        task = cell_name(cell(row, task_col)) if task_col is not None else None
        text = cell(row, timing_col)
        timing = read_timing(text)
        if timing is None:
            out.notice(
                "unreadable-schedule",
                f"cannot read the schedule of beat entry `{name}` from {plain(text)!r}",
                row.line,
            )
        out.add(Schedule(name, task, timing, source=row_at(out, cols, row)))
    if task_col is not None and any(k in TASK_OPTION_COLUMNS or k == "queue" for k in cols.keys):
        _tasks(table, cols, topics, out)


_METRIC_TYPES = frozenset(get_args(MetricType))


def _metrics(table: Table, cols: Columns, out: Collector) -> None:
    name_col = cols.find(*_METRIC_NAME, "name")
    type_col = cols.find("type", "kind")
    labels_col = cols.find("labels", "label", "label names")
    doc_col = cols.find("description", "documentation", "help")
    for row in table.rows:
        name = cell_name(cell(row, name_col))
        if name is None:
            continue
        kind = plain(cell(row, type_col)).lower() or None
        if kind is not None and kind not in _METRIC_TYPES:
            out.notice("unreadable-value", f"metric `{name}` has unknown type {kind!r}", row.line)
            kind = None
        labels = None
        if labels_col is not None:
            labels = () if is_empty(cell(row, labels_col)) else split_names(cell(row, labels_col))
        out.add(
            Metric(
                name,
                type=kind,  # type: ignore[arg-type]  # checked against MetricType above
                labels=labels,
                documentation=plain(cell(row, doc_col)) or None,
                source=row_at(out, cols, row),
            )
        )


def _signals(table: Table, cols: Columns, out: Collector) -> None:
    signal_col = cols.find("signal")
    handler_col = cols.find("handler", "receiver", "function")
    metrics_col = cols.find("records", "metric", "metrics", "records metric")
    for row in table.rows:
        signal = cell_name(cell(row, signal_col))
        if signal is None:
            continue
        handler = cell_name(cell(row, handler_col)) if handler_col is not None else None
        metrics = () if is_empty(cell(row, metrics_col)) else split_names(cell(row, metrics_col))
        out.add(
            SignalHandler(
                signal.removeprefix("celery.signals."),
                handler=handler,
                metrics=metrics,
                source=row_at(out, cols, row),
            )
        )


def _settings(table: Table, cols: Columns, out: Collector) -> None:
    name_col = cols.find(*_SETTING_NAME)
    value_col = cols.find(*_SETTING_VALUE)
    for row in table.rows:
        written = cell_name(cell(row, name_col))
        # Docs of Django projects write the settings as Django reads them: CELERY_X.
        name = (setting_name(written) or setting_name(written, "CELERY")) if written else None
        if name is None:
            continue
        text = cell(row, value_col)
        value = parse_scalar(text)
        if isinstance(value, str) and is_seconds_setting(name):
            # "1 hour", "55 min": a duration with its unit, as people write limits.
            seconds = parse_duration(text)
            value = seconds if seconds is not None else value
        out.add(Setting(name, value, source=row_at(out, cols, row)))


def _worker_column(cols: Columns) -> int | None:
    """The column naming workers: a Worker/Deployment/Process column, or a Service
    column in a table that also gives Concurrency or Prefetch (a worker set-up table)."""
    found = cols.find(*_WORKER_NAME)
    if found is None and cols.find("concurrency", "prefetch", "prefetch multiplier") is not None:
        found = cols.find("service")
    return found


def _workers(table: Table, cols: Columns, out: Collector) -> None:
    name_col = _worker_column(cols)
    queues_col = cols.find("queues", "queue")
    concurrency_col = cols.find("concurrency", "processes")
    prefetch_col = cols.find("prefetch", "prefetch multiplier")
    pool_col = cols.find("pool")
    autoscale_col = cols.find("autoscale")
    for row in table.rows:
        name = cell_name(cell(row, name_col))
        if name is None:
            continue
        out.add(
            Worker(
                name,
                kind="profile",
                queues=split_names(cell(row, queues_col)),
                concurrency=parse_int(cell(row, concurrency_col)),
                prefetch_multiplier=parse_int(cell(row, prefetch_col)),
                source=row_at(out, cols, row),
                pool=None if is_empty(cell(row, pool_col)) else plain(cell(row, pool_col)).lower(),
                autoscale=None
                if is_empty(cell(row, autoscale_col))
                else plain(cell(row, autoscale_col)).replace(" ", ""),
            )
        )


def _services(table: Table, cols: Columns, out: Collector) -> None:
    name_col = cols.find("service")
    command_col = cols.find("command", "cmd", "runs")
    image_col = cols.find("image")
    for row in table.rows:
        name = cell_name(cell(row, name_col))
        if name is None:
            continue
        command = plain(cell(row, command_col)) or None
        parsed = _command_service(command, out.path, row.line)
        role = parsed.role if parsed else guess_role(name, command, plain(cell(row, image_col)))
        out.add(
            Service(
                name,
                role=role,
                command=command,
                app=parsed.app if parsed else None,
                queues=parsed.queues if parsed else (),
                concurrency=parsed.concurrency if parsed else None,
                prefetch_multiplier=parsed.prefetch_multiplier if parsed else None,
                source=row_at(out, cols, row),
            )
        )


def _command_service(command: str | None, path: str, line: int) -> Service | None:
    """What a celery command line in a cell says, read by the shared command parser."""
    if not command or "celery" not in command:
        return None
    from conformance.deploy.shell import services_from_shell_text  # for a command cell

    found = services_from_shell_text(command, path=path, line_offset=line - 1, origin=Origin.DOCS)
    return found.spec.services[0] if found.spec.services else None


def _queues(table: Table, cols: Columns, out: Collector) -> None:
    name_col = cols.find("queue", "name")
    exchange_col = cols.find("exchange")
    key_col = cols.find("routing key")
    for row in table.rows:
        name = cell_name(cell(row, name_col))
        if name is None:
            continue
        exchange = None if is_empty(cell(row, exchange_col)) else cell_name(cell(row, exchange_col))
        key = None if is_empty(cell(row, key_col)) else cell_name(cell(row, key_col))
        out.add(Queue(name, exchange=exchange, routing_key=key, source=row_at(out, cols, row)))
