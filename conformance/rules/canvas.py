"""Canvas: the documented chord/chain exists in the code, with the documented callback."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.celery_naming import base_name
from conformance.findings import Conforming, Finding
from conformance.model import CanvasFlow
from conformance.rules.context import Context
from conformance.rules.registry import define, drift

CATEGORY = "canvas"

CALLBACK_MISMATCH = define(
    "canvas.callback-mismatch",
    CATEGORY,
    "error",
    "a documented chord/chain callback differs from the code's",
    why="The callback is where results are gathered: readers who follow the docs look "
    "for (or call) a task that is not what runs.",
    example="Docs: `chord(header)(finalize_batch.s())`; code: `finalize_batch_results.s()`.",
    fix="Use the same callback name on both sides.",
)
PRIMITIVE_MISMATCH = define(
    "canvas.primitive-mismatch",
    CATEGORY,
    "error",
    "documented chord, code uses group/chain/none, or the reverse",
    why="A chord waits for every header task and needs a result backend; a group does "
    "not: failure handling and ordering differ.",
    example="Docs: the batch fans out with a `chord`; the code starts a plain `group`.",
    fix="Build the documented primitive, or document the one used.",
)


def _flow_key(ctx: Context, name: str | None) -> str:
    """A task name as the code knows it (for pairing flows across both sides)."""
    if not name:
        return ""
    matched = ctx.task_matching.actual_for(name)
    if matched is None:
        for pair in ctx.task_matching.pairs:
            if base_name(pair.documented.name) == base_name(name) or (
                pair.documented.function and base_name(pair.documented.function) == base_name(name)
            ):
                matched = pair.actual
                break
    if matched is not None:
        return base_name(matched.function or matched.name)
    resolved = ctx.resolve_actual_name(name)
    if resolved:
        task = ctx.registered[resolved]
        return base_name(task.function or task.name)
    return base_name(name)


def paired_flows(ctx: Context) -> list[tuple[CanvasFlow, CanvasFlow]]:
    """Documented flows with their code counterparts: same building task, else the
    same header tasks."""
    pairs: list[tuple[CanvasFlow, CanvasFlow]] = []
    used: set[int] = set()
    for doc in ctx.documented.canvas:
        doc_context = _flow_key(ctx, doc.context)
        doc_header = {_flow_key(ctx, h) for h in doc.header}
        best = None
        for i, code in enumerate(ctx.actual.canvas):
            same_context = bool(doc_context) and doc_context == _flow_key(ctx, code.context)
            # A page may tell one flow twice (a sentence and a snippet): both describe
            # the flow their task builds. Only a pairing by header is one to one.
            if i in used and not same_context:
                continue
            same_header = bool(doc_header) and doc_header == {
                _flow_key(ctx, h) for h in code.header
            }
            if same_context or same_header:
                best = i
                if same_context:
                    break
        if best is not None:
            used.add(best)
            pairs.append((doc, ctx.actual.canvas[best]))
    return pairs


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    paired = paired_flows(ctx)
    paired_docs = {id(d) for d, _ in paired}
    said: set[tuple[int, str, str]] = set()
    for doc, code in paired:
        what = (id(code), doc.primitive, _flow_key(ctx, doc.callback))
        if what in said:
            continue  # The same flow told again, the same way: judged once.
        said.add(what)
        subject = doc.callback or doc.context or doc.primitive
        ok = True
        if doc.primitive != code.primitive:
            ok = False
            yield drift(
                PRIMITIVE_MISMATCH,
                subject,
                f"the docs build a {doc.primitive}{_in(doc)}, the code builds a {code.primitive}",
                documented=doc.primitive,
                actual=code.primitive,
                doc=doc.source,
                code=code.source,
            )
        if (
            doc.callback
            and code.callback
            and _flow_key(ctx, doc.callback) != _flow_key(ctx, code.callback)
        ):
            ok = False
            actual_name = ctx.resolve_actual_name(code.callback) or code.callback
            yield drift(
                CALLBACK_MISMATCH,
                doc.callback,
                f"the {code.primitive}{_in(doc)} calls back `{actual_name}`, not the "
                f"documented `{doc.callback}`",
                documented=doc.callback,
                actual=actual_name,
                doc=doc.source,
                code=code.source,
            )
        if ok:
            yield Conforming(CATEGORY, subject, doc.source, code.source)

    for doc in ctx.documented.canvas:
        if id(doc) in paired_docs or not doc.context:
            continue
        builder = ctx.task_matching.actual_for(doc.context) or (
            ctx.registered.get(ctx.resolve_actual_name(doc.context) or "")
        )
        if builder is None:
            continue  # The building task itself is missing: the task rules say so.
        yield drift(
            PRIMITIVE_MISMATCH,
            doc.callback or doc.context,
            f"the docs build a {doc.primitive} in `{doc.context}`; `{builder.name}` builds "
            "no canvas flow",
            documented=doc.primitive,
            actual=None,
            doc=doc.source,
            code=builder.source,
        )


def _in(flow: CanvasFlow) -> str:
    return f" in `{flow.context}`" if flow.context else ""
