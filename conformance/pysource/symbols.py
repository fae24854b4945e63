"""Code names: what doc snippets use, and what real modules define.

Doc snippets give uses: ``import``s of non-standard-library modules and ``call``s rooted
at an imported name or at a variable holding an instance of an imported class
(``client = ModelClient(); await client.generate(url)`` -> ``pkg.ModelClient.generate``).
The standard library and the Celery ecosystem (celery, kombu, billiard, vine,
prometheus_client) are left out: they are never the project's names.

Real modules give definitions: the module, its functions, classes (params of
``__init__``, or the fields of a dataclass), methods and attributes (module and class
level assignments, and names imported at module level, since ``from pkg import X`` works
for a re-exported ``X``).
"""

from __future__ import annotations

import ast
import sys

from conformance.model import Symbol
from conformance.pysource.context import ModuleContext, parameters
from conformance.pysource.values import dotted

# Never project names: the standard library and the Celery ecosystem every page uses.
_NOT_PROJECT = frozenset(sys.stdlib_module_names) | {
    "__future__",
    "celery",
    "kombu",
    "billiard",
    "vine",
    "prometheus_client",
}
_DATACLASS_DECORATORS = frozenset({"dataclass", "define", "frozen", "attrs", "attr.s"})


def find_symbols(ctx: ModuleContext) -> list[Symbol]:
    """Uses for doc snippets, definitions for real modules."""
    return _uses(ctx) if ctx.is_snippet else _definitions(ctx)


def _project(target: str) -> bool:
    return target.partition(".")[0] not in _NOT_PROJECT


def _uses(ctx: ModuleContext) -> list[Symbol]:
    symbols: list[Symbol] = []
    for node, _ in ctx.nodes_of(ast.Import, ast.ImportFrom):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            names = [f"{base}.{a.name}" if base else a.name for a in node.names if a.name != "*"]
        symbols += [
            Symbol(name, "import", source=ctx.loc(node), origin=ctx.origin)
            for name in names
            if _project(name) and not node_is_relative(node)
        ]
    local = _defined_here(ctx)
    instances = _instances(ctx, local)
    for call, _ in ctx.nodes_of(ast.Call):
        target = _call_target(ctx, call.func, instances, local)
        if target is None:
            continue
        starred = any(isinstance(a, ast.Starred) for a in call.args)
        symbols.append(
            Symbol(
                target,
                "call",
                positional=None if starred else len(call.args),
                keywords=tuple(k.arg for k in call.keywords if k.arg is not None),
                source=ctx.loc(call),
                origin=ctx.origin,
            )
        )
    return symbols


def node_is_relative(node: ast.AST) -> bool:
    return isinstance(node, ast.ImportFrom) and bool(node.level)


# Names every Celery page uses without importing them; never taken for a project class.
_ECOSYSTEM_CLASSES = frozenset(
    {"Celery", "Queue", "Exchange", "Task", "Signature", "Connection", "Producer", "Consumer"}
)


def _defined_here(ctx: ModuleContext) -> frozenset[str]:
    """Names a snippet defines itself (classes, functions): never the project's."""
    return frozenset(
        node.name for node, _ in ctx.nodes_of(ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    )


def _unimported_class(text: str, ctx: ModuleContext, local: frozenset[str]) -> bool:
    """``FalAIClient`` used in a snippet that never imports it: written as is, and
    resolved by the rules to the project's one class of that name, if there is one."""
    root = text.partition(".")[0]
    return (
        root[:1].isupper()
        and root not in ctx.imports
        and root not in local
        and root not in _ECOSYSTEM_CLASSES
        and not root.isupper()
    )


def _instances(ctx: ModuleContext, local: frozenset[str]) -> dict[str, str]:
    """Variable -> dotted class, for ``x = Imported(...)`` and ``with Imported() as x``."""
    instances: dict[str, str] = {}

    def bind(target: ast.expr | None, value: ast.expr) -> None:
        if isinstance(value, ast.Await):
            value = value.value
        if not (isinstance(target, ast.Name) and isinstance(value, ast.Call)):
            return
        text = dotted(value.func)
        if text is not None and "." not in text and _unimported_class(text, ctx, local):
            instances[target.id] = text
            return
        if text is None or text.partition(".")[0] not in ctx.imports:
            return
        resolved = ctx.resolve_text(text)
        # Only a class call makes an instance; ``x = helper()`` could return anything.
        if _project(resolved) and resolved.rpartition(".")[2][:1].isupper():
            instances[target.id] = resolved

    for node, _ in ctx.nodes_of(ast.Assign, ast.AnnAssign, ast.withitem):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            bind(node.targets[0], node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            bind(node.target, node.value)
        elif isinstance(node, ast.withitem):
            bind(node.optional_vars, node.context_expr)
    return instances


def _call_target(
    ctx: ModuleContext, func: ast.expr, instances: dict[str, str], local: frozenset[str]
) -> str | None:
    text = dotted(func)
    if text is None:
        # ``Client(...).method(...)``: a method called on a fresh instance.
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
            owner = _call_target(ctx, func.value.func, {}, local)
            if owner is not None and owner.rpartition(".")[2][:1].isupper():
                return f"{owner}.{func.attr}"
        return None
    root, _, rest = text.partition(".")
    if root in instances:
        return f"{instances[root]}.{rest}" if rest else None
    if root in ctx.imports:
        resolved = ctx.resolve_text(text)
        return resolved if _project(resolved) else None
    if _unimported_class(text, ctx, local):
        return text  # ``Client(...)`` or ``Client.for_profile(...)``
    return None


def _definitions(ctx: ModuleContext) -> list[Symbol]:
    assert ctx.module is not None
    module = ctx.module
    symbols = [Symbol(module, "module", source=ctx.loc(1), origin=ctx.origin)]
    for stmt in ctx.tree.body:
        symbols += _statement(ctx, stmt, module, in_class=False)
    return symbols


def _statement(ctx: ModuleContext, stmt: ast.stmt, prefix: str, in_class: bool) -> list[Symbol]:
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
        static = any(dotted(d) == "staticmethod" for d in stmt.decorator_list)
        return [
            Symbol(
                f"{prefix}.{stmt.name}",
                "method" if in_class else "function",
                params=parameters(stmt.args, drop_first=in_class and not static),
                source=ctx.loc(min([stmt.lineno, *(d.lineno for d in stmt.decorator_list)])),
                origin=ctx.origin,
            )
        ]
    if isinstance(stmt, ast.ClassDef):
        name = f"{prefix}.{stmt.name}"
        found = [
            Symbol(
                name,
                "class",
                params=_class_params(stmt),
                bases=_bases(ctx, stmt),
                source=ctx.loc(stmt),
                origin=ctx.origin,
            )
        ]
        for inner in stmt.body:
            found += _statement(ctx, inner, name, in_class=True)
        return found
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = [t for target in stmt.targets for t in _names(target)]
    elif isinstance(stmt, ast.AnnAssign):
        targets = [stmt.target]
    elif isinstance(stmt, ast.Import | ast.ImportFrom) and not in_class:
        return [
            Symbol(f"{prefix}.{local}", "attribute", source=ctx.loc(stmt), origin=ctx.origin)
            for local in _imported_names(stmt)
        ]
    elif isinstance(stmt, ast.If | ast.Try) and not in_class:
        blocks = [stmt.body, stmt.orelse]
        if isinstance(stmt, ast.Try):
            blocks += [h.body for h in stmt.handlers]
        return [
            s
            for block in blocks
            for inner in block
            for s in _statement(ctx, inner, prefix, in_class)
        ]
    return [
        Symbol(f"{prefix}.{t.id}", "attribute", source=ctx.loc(stmt), origin=ctx.origin)
        for t in targets
        if isinstance(t, ast.Name)
    ]


def _names(target: ast.expr) -> list[ast.expr]:
    if isinstance(target, ast.Tuple | ast.List):
        return [n for element in target.elts for n in _names(element)]
    return [target]


def _imported_names(stmt: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(stmt, ast.Import):
        return [a.asname for a in stmt.names if a.asname]
    return [a.asname or a.name for a in stmt.names if a.name != "*"]


def _bases(ctx: ModuleContext, node: ast.ClassDef) -> tuple[str, ...]:
    """The class's bases as dotted names: imported ones by where they come from, local
    ones in their module; ``?`` for an expression (``Generic[T]``, a call)."""
    bases: list[str] = []
    for base in node.bases:
        text = dotted(base)
        if text is None:
            bases.append("?")
        elif text == "object":
            continue
        elif text.partition(".")[0] in ctx.imports:
            bases.append(ctx.resolve_text(text))
        else:
            bases.append(f"{ctx.module}.{text}" if ctx.module else text)
    return tuple(bases)


def _class_params(node: ast.ClassDef) -> tuple[str, ...]:
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__":
            return parameters(stmt.args, drop_first=True)
    decorators = {
        (dotted(d.func if isinstance(d, ast.Call) else d) or "") for d in node.decorator_list
    }
    if any(
        d.rpartition(".")[2] in _DATACLASS_DECORATORS or d in _DATACLASS_DECORATORS
        for d in decorators
    ):
        return tuple(
            stmt.target.id
            for stmt in node.body
            if isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and "ClassVar" not in ast.unparse(stmt.annotation)
        )
    return ()
