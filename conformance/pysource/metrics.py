"""Prometheus metrics: definitions (``X = Counter("name", "doc", ["label"])``) and the
places that record them (``X.labels(...).inc()``, ``with X.time():``...).

A constructor counts when it is imported from ``prometheus_client``, or, when the name
is not imported at all (doc snippets), when it is given a name and a documentation
string; so ``collections.Counter(words)`` is not a metric.

Recording sites are found by the receiver of a recording method. A variable defined as a
metric in the same module may use any recording method; any other name (imported, or
unbound in a snippet) only counts with an unambiguous one (``labels``, ``inc``, ``dec``,
``observe``, ``count_exceptions``, ``set_function``), so ``event.set()`` and
``logger.info()`` are not taken for metrics.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from conformance.model import Location, Metric
from conformance.prometheus_naming import METRIC_TYPES, family_name
from conformance.pysource.context import ModuleContext, Scope
from conformance.pysource.values import Unknown, argument, dotted

RECORDING_METHODS = frozenset(
    {
        "inc",
        "dec",
        "set",
        "observe",
        "labels",
        "time",
        "info",
        "state",
        "set_function",
        "count_exceptions",
    }
)
UNAMBIGUOUS_METHODS = frozenset(
    {"inc", "dec", "observe", "labels", "set_function", "count_exceptions"}
)
_POSITIONS = ("name", "documentation", "labelnames", "namespace", "subsystem", "unit")


@dataclass(frozen=True)
class MetricUse:
    """One recording site. ``receiver`` is the name as written (``TASKS``,
    ``monitoring.TASKS``); ``target`` the same with its imported root resolved."""

    receiver: str
    target: str
    location: Location
    function: str | None
    local: bool
    certain: bool


def find_metric_definitions(ctx: ModuleContext) -> list[Metric]:
    """Metric families assigned to names; fills ``ctx.metric_variables``."""
    metrics: list[Metric] = []
    for node, _ in ctx.nodes_of(ast.Assign, ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if len(targets) != 1 or not isinstance(node.value, ast.Call):
            continue
        variable = dotted(targets[0])
        metric_type = metric_constructor(ctx, node.value)
        if variable is None or metric_type is None:
            continue
        metric = _metric(ctx, node.value, metric_type, variable)
        if metric is not None:
            ctx.metric_variables[variable] = metric.name
            metrics.append(metric)
    return metrics + _collected_families(ctx)


# A custom collector's ``collect()`` yields these; prometheus_client exposes each family
# whenever the collector is registered, so it is recorded where it is built.
_FAMILIES = {
    "CounterMetricFamily": "counter",
    "GaugeMetricFamily": "gauge",
    "HistogramMetricFamily": "histogram",
    "GaugeHistogramMetricFamily": "histogram",
    "SummaryMetricFamily": "summary",
    "InfoMetricFamily": "info",
    "StateSetMetricFamily": "enum",
}


def _collected_families(ctx: ModuleContext) -> list[Metric]:
    found: list[Metric] = []
    for call, _ in ctx.nodes_of(ast.Call):
        resolved = ctx.resolve(call.func) or ""
        metric_type = _FAMILIES.get(resolved.rpartition(".")[2])
        if metric_type is None or not resolved.startswith("prometheus_client"):
            continue
        name = ctx.evaluator.value(argument(call, 0, "name"))
        if not isinstance(name, str):
            ctx.notice("not-judged", "a collected metric family: its name is not known", call)
            continue
        labels_node = argument(call, 3, "labels")
        labels = ctx.evaluator.value(labels_node) if labels_node is not None else []
        known = isinstance(labels, list) and all(isinstance(v, str) for v in labels)
        unit = ctx.evaluator.value(argument(call, 4, "unit"))
        documentation = ctx.evaluator.value(argument(call, 1, "documentation"))
        found.append(
            Metric(
                name=family_name(name, metric_type, unit=_text_or_empty(unit)),
                type=metric_type,  # type: ignore[arg-type]
                labels=tuple(labels) if known else None,
                documentation=documentation if isinstance(documentation, str) else None,
                recorded_at=(ctx.loc(call),),
                source=ctx.loc(call),
                origin=ctx.origin,
            )
        )
    return found


def metric_constructor(ctx: ModuleContext, call: ast.Call) -> str | None:
    """The metric type when ``call`` builds a Prometheus metric (see the docstring)."""
    resolved = ctx.resolve(call.func)
    if resolved is None:
        return None
    last = resolved.rpartition(".")[2]
    if last not in METRIC_TYPES:
        return None
    if resolved.startswith("prometheus_client"):
        return METRIC_TYPES[last]
    root = (dotted(call.func) or "").partition(".")[0]
    described = len(call.args) >= 2 or any(k.arg == "documentation" for k in call.keywords)
    return METRIC_TYPES[last] if root not in ctx.imports and described else None


def _metric(ctx: ModuleContext, call: ast.Call, metric_type: str, variable: str) -> Metric | None:
    given = {
        key: ctx.evaluator.value(node)
        for index, key in enumerate(_POSITIONS)
        if (node := argument(call, index, key)) is not None
    }
    name = given.get("name")
    if not isinstance(name, str):
        reason = name.reason if isinstance(name, Unknown) else "no name"
        ctx.notice("not-judged", f"metric `{variable}`: {reason}", call)
        return None
    parts = {k: given.get(k) for k in ("namespace", "subsystem", "unit")}
    for key, value in parts.items():
        if value is not None and not isinstance(value, str):
            ctx.notice("not-judged", f"metric `{variable}`: {key} is not known", call)
    labels: tuple[str, ...] | None = ()
    if "labelnames" in given:
        found = given["labelnames"]
        if isinstance(found, list) and all(isinstance(v, str) for v in found):
            labels = tuple(found)
        else:
            labels = None
            ctx.notice("not-judged", f"metric `{variable}`: label names are not known", call)
    documentation = given.get("documentation")
    return Metric(
        name=family_name(
            name,
            metric_type,
            namespace=_text_or_empty(parts["namespace"]),
            subsystem=_text_or_empty(parts["subsystem"]),
            unit=_text_or_empty(parts["unit"]),
        ),
        type=metric_type,  # type: ignore[arg-type]
        labels=labels,
        documentation=documentation if isinstance(documentation, str) else None,
        variable=variable,
        source=ctx.loc(call),
        origin=ctx.origin,
    )


def _text_or_empty(value: object) -> str:
    return value if isinstance(value, str) else ""


def find_metric_uses(ctx: ModuleContext) -> list[MetricUse]:
    """Every recording site, one per receiver and line.

    Imported receivers are kept with any recording method (``certain=False`` unless the
    method is unambiguous): the package scan confirms them against the metrics defined
    in the module they come from."""
    uses: dict[tuple[str, int], MetricUse] = {}
    for call, scope in ctx.nodes_of(ast.Call):
        receiver, methods = _receiver(call.func)
        if receiver is None or not methods or methods[-1] not in RECORDING_METHODS:
            continue
        local = receiver in ctx.metric_variables
        imported = receiver.partition(".")[0] in ctx.imports
        unambiguous = bool(UNAMBIGUOUS_METHODS.intersection(methods))
        if not (local or imported or (ctx.is_snippet and unambiguous)):
            continue
        key = (receiver, call.lineno)
        if key not in uses:
            uses[key] = MetricUse(
                receiver=receiver,
                target=ctx.resolve_text(receiver),
                location=ctx.loc(call),
                function=_qualname(scope),
                local=local,
                certain=local or unambiguous,
            )
    return list(uses.values())


def _receiver(func: ast.expr) -> tuple[str | None, list[str]]:
    """``("X", ["labels", "inc"])`` for ``X.labels(...).inc``."""
    methods: list[str] = []
    node: ast.expr = func
    while True:
        if isinstance(node, ast.Attribute) and node.attr in RECORDING_METHODS:
            methods.append(node.attr)
            node = node.value
            if isinstance(node, ast.Call):
                node = node.func
                continue
            return dotted(node), list(reversed(methods))
        return None, []


def _qualname(scope: Scope | None) -> str | None:
    return scope.qualname if scope is not None else None
