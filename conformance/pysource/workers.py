"""Bootsteps (``app.steps["worker"].add(MyStep)``) and documented worker classes.

In real code only a registration (``steps[...].add``) makes a Bootstep: a step class that
is never added does not run, which is the drift ``worker.bootstep-missing`` is about. In
doc snippets a step class that is only defined is documented as a bootstep too (pages
often show the class and say in words that it is registered).
"""

from __future__ import annotations

import ast
from typing import Literal

from conformance.model import Bootstep, Worker
from conformance.pysource.context import ModuleContext
from conformance.pysource.values import dotted

STEP_BASES = frozenset({"Step", "StartStopStep", "ConsumerStep"})
WORKER_CLASS_SUFFIXES = ("Config", "Configuration", "Profile", "Worker")

Blueprint = Literal["worker", "consumer"]


def find_bootsteps(ctx: ModuleContext) -> list[Bootstep]:
    """Registered bootsteps (and, in doc snippets, defined step classes)."""
    defined = _step_classes(ctx)
    found: list[Bootstep] = []
    for call, _ in ctx.nodes_of(ast.Call):
        registered = _registration(call)
        if registered is not None:
            name, blueprint = registered
            found.append(Bootstep(name, blueprint, ctx.loc(call), ctx.origin))
    if ctx.is_snippet:
        added = {step.name.rpartition(".")[2] for step in found}
        for node, blueprint in defined.items():
            if node.name not in added:
                found.append(Bootstep(node.name, blueprint, ctx.loc(node), ctx.origin))
    return sorted(found, key=lambda step: step.source.line if step.source else 0)


def find_worker_classes(ctx: ModuleContext) -> list[Worker]:
    """Doc snippets only: classes named like worker set-up (``GpuWorkerConfig``)."""
    if not ctx.is_snippet:
        return []
    steps = _step_classes(ctx)
    return [
        Worker(node.name, "class", source=ctx.loc(node), origin=ctx.origin)
        for node, _ in ctx.nodes_of(ast.ClassDef)
        if node.name.endswith(WORKER_CLASS_SUFFIXES) and node not in steps
    ]


def _step_classes(ctx: ModuleContext) -> dict[ast.ClassDef, Blueprint]:
    classes: dict[ast.ClassDef, Blueprint] = {}
    for node, _ in ctx.nodes_of(ast.ClassDef):
        bases = {(dotted(base) or "").rpartition(".")[2] for base in node.bases}
        if bases & STEP_BASES:
            classes[node] = "consumer" if "ConsumerStep" in bases else "worker"
    return classes


def _registration(call: ast.Call) -> tuple[str, Blueprint] | None:
    """``("MyStep", "worker")`` for ``app.steps["worker"].add(MyStep)``."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "add" and len(call.args) == 1):
        return None
    owner = func.value
    if not (isinstance(owner, ast.Subscript) and isinstance(owner.value, ast.Attribute)):
        return None
    if owner.value.attr != "steps" or not isinstance(owner.slice, ast.Constant):
        return None
    name = dotted(call.args[0])
    if name is None:
        return None
    if owner.slice.value == "worker":
        return name, "worker"
    if owner.slice.value == "consumer":
        return name, "consumer"
    return None
