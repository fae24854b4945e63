"""Task definitions: ``@app.task``, ``@shared_task(...)``, ``@task``, class-based tasks.

Decision on look-alikes: ``@x.task`` and a bare ``@task`` count unless their root name
is imported from a workflow library that has its own ``task`` decorator (Airflow,
Prefect, Invoke, Fabric, Dagster, Luigi). A bare ``@task`` that is not imported at all
counts (doc snippets often leave the import out).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from conformance.celery_naming import TASK_OPTIONS, default_task_name
from conformance.model import Task
from conformance.pysource.context import ModuleContext, Scope, parameters
from conformance.pysource.values import Unknown, dotted, plain, source_text

NOT_CELERY = frozenset({"airflow", "prefect", "invoke", "fabric", "dagster", "luigi"})
# Options with their own field, or that configure the decorator rather than the task.
_NOT_OPTIONS = frozenset({"name", "queue", "bind", "base", "typing", "serializer_cls"})


def find_tasks(ctx: ModuleContext) -> list[Task]:
    """Every task defined in the module; fills ``ctx.task_functions``."""
    tasks: list[Task] = []
    aliases = _decorator_aliases(ctx)
    factories = _factories(ctx)
    for node, _ in ctx.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef):
        if node.name in factories:
            continue  # the factory itself is not a task
        for decorator in node.decorator_list:
            alias = aliases.get(decorator.id) if isinstance(decorator, ast.Name) else None
            made = _from_factory(ctx, factories, decorator)
            if alias is not None or made is not None or is_task_decorator(ctx, decorator):
                used = alias if alias is not None else made if made is not None else decorator
                tasks.append(_function_task(ctx, node, ctx.scopes[id(node)], used))
                break
    tasks += _class_tasks(ctx)
    return tasks


def _decorator_aliases(ctx: ModuleContext) -> dict[str, ast.Call]:
    """Module-level names bound to a configured task decorator, used as ``@name``:
    ``retrying_task = shared_task(autoretry_for=(Exception,), max_retries=3)``."""
    aliases: dict[str, ast.Call] = {}
    for stmt in ctx.tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and isinstance(stmt.value, ast.Call)
            and is_task_decorator(ctx, stmt.value)
        ):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    aliases[target.id] = stmt.value
    return aliases


@dataclass(frozen=True)
class _Factory:
    """A module function that makes task decorators: ``def periodic(name, **options):
    def wrap(fn): return app.task(name=name, **options)(fn); return wrap`` (used as
    ``@periodic("x")``), or ``def make_task(fn): return shared_task(fn)`` (``@make_task``,
    ``direct``). ``inner`` is the task decorator call it returns."""

    function: ast.FunctionDef
    inner: ast.Call
    direct: bool


def _factories(ctx: ModuleContext) -> dict[str, _Factory]:
    """The module's task decorator factories, found from its ``return`` statements (read
    once per module: the package scan asks for them before the tasks)."""
    if ctx.own_factories is not None:
        return ctx.own_factories
    functions = {s.name: s for s in ctx.tree.body if isinstance(s, ast.FunctionDef)}
    found: dict[str, _Factory] = {}
    for node, scope in ctx.nodes_of(ast.Return):
        if scope is None or not isinstance(node.value, ast.Call):
            continue
        outer = scope.qualname.split(".")[0]
        function = functions.get(outer)
        if function is None or outer in found:
            continue
        call = node.value
        if isinstance(call.func, ast.Call) and is_task_decorator(ctx, call.func):
            inner = call.func  # app.task(...)(fn)
        elif call.args and is_task_decorator(ctx, call):
            inner = call  # shared_task(fn)
        else:
            continue
        found[outer] = _Factory(function, inner, direct=scope.qualname == outer)
    ctx.own_factories = found
    return found


def module_factories(ctx: ModuleContext) -> dict[str, _Factory]:
    """The module's task decorator factories by qualified name (for other modules)."""
    if ctx.module is None:
        return {}
    return {f"{ctx.module}.{name}": factory for name, factory in _factories(ctx).items()}


def _factory_named(
    ctx: ModuleContext, factories: dict[str, _Factory], node: ast.expr
) -> _Factory | None:
    """The factory ``node`` names: one of this module, or one imported from another."""
    if isinstance(node, ast.Name) and node.id in factories:
        return factories[node.id]
    text = dotted(node)
    if text is None or text.partition(".")[0] not in ctx.imports:
        return None
    found = ctx.task_factories.get(ctx.resolve_text(text))
    return found if isinstance(found, _Factory) else None


def _from_factory(
    ctx: ModuleContext, factories: dict[str, _Factory], decorator: ast.expr
) -> ast.Call | None:
    """The task decorator call a factory makes for ``decorator``, its parameters put in
    from the arguments the decorator passes (``name=name``, ``**options``)."""
    if not isinstance(decorator, ast.Call):
        factory = _factory_named(ctx, factories, decorator)
        if factory is None or not factory.direct:
            return None
        return _bare(factory.inner)
    factory = _factory_named(ctx, factories, decorator.func)
    if factory is None or factory.direct:
        return None
    args = factory.function.args
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    given: dict[str, ast.expr] = dict(zip(names, decorator.args, strict=False))
    given.update({k.arg: k.value for k in decorator.keywords if k.arg in names})
    extra = [k for k in decorator.keywords if k.arg and k.arg not in names]
    keywords: list[ast.keyword] = []
    for keyword in factory.inner.keywords:
        value = keyword.value
        if keyword.arg is None:  # **options: the decorator's other keywords
            if isinstance(value, ast.Name) and args.kwarg and value.id == args.kwarg.arg:
                keywords += extra
            continue
        if isinstance(value, ast.Name) and value.id in names:
            if value.id not in given:
                continue  # a parameter left at its default: not known here
            value = given[value.id]
        keywords.append(ast.keyword(arg=keyword.arg, value=value))
    made = ast.Call(func=factory.inner.func, args=[], keywords=keywords)
    return ast.copy_location(made, decorator)


def _bare(inner: ast.Call) -> ast.Call:
    """``shared_task(fn)`` as the decorator it stands for: its keywords, no function."""
    keywords = [k for k in inner.keywords if k.arg is not None]
    return ast.copy_location(ast.Call(func=inner.func, args=[], keywords=keywords), inner)


def is_task_decorator(ctx: ModuleContext, decorator: ast.expr) -> bool:
    """Whether ``decorator`` is Celery's task decorator (see the module docstring)."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    text = dotted(target)
    if text is None:
        return False
    root = text.partition(".")[0]
    origin = ctx.imports.get(root)
    if origin is not None and origin.partition(".")[0] in NOT_CELERY:
        return False
    resolved = ctx.resolve(target) or text
    last = resolved.rpartition(".")[2]
    if resolved.startswith("celery.") and last in {"shared_task", "task"}:
        return True
    if "." not in text:
        return text in {"shared_task", "task"} and origin is None
    return text.endswith(".task")


def _function_task(
    ctx: ModuleContext,
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    scope: Scope,
    decorator: ast.expr,
) -> Task:
    keywords = (
        {k.arg: k.value for k in decorator.keywords if k.arg}
        if isinstance(decorator, ast.Call)
        else {}
    )
    default = default_task_name(ctx.module, node.name) if ctx.module else node.name
    name = _string_option(ctx, keywords.get("name"), "task name", default) or default
    bind = _is_true(ctx, keywords.get("bind"))
    ctx.task_functions[scope.qualname] = name
    first_line = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    inherited, base_queue = _base_class_options(ctx, keywords.get("base"))
    return Task(
        name=name,
        options={**inherited, **_options(ctx, keywords)},
        queue=_string_option(ctx, keywords.get("queue"), "task queue", base_queue),
        params=parameters(node.args, drop_first=bind),
        function=ctx.qualify(node.name),
        source=ctx.loc(first_line),
        origin=ctx.origin,
    )


def _base_class_options(
    ctx: ModuleContext, base: ast.expr | None
) -> tuple[dict[str, Any], str | None]:
    """The options (and queue) a ``base=`` task class of this module sets as class
    attributes, its own bases in the module first: ``class DatabaseTask(Task):
    max_retries = 7`` gives every ``@app.task(base=DatabaseTask)`` seven retries."""
    if base is None:
        return {}, None
    classes = ctx.top_classes
    chain: list[str] = []

    def visit(name: str | None) -> None:
        node = classes.get(name or "")
        if node is None or node.name in chain:
            return
        for parent in node.bases:
            visit(dotted(parent))
        chain.append(node.name)

    visit(dotted(base))
    options: dict[str, Any] = {}
    queue: str | None = None
    for name in chain:
        for option in TASK_OPTIONS:
            value = ctx.names.get(f"{name}.{option}")
            if option not in _NOT_OPTIONS and value is not None and not isinstance(value, Unknown):
                options[option] = plain(value)
        found = ctx.names.get(f"{name}.queue")
        queue = found if isinstance(found, str) else queue
    return options, queue


def _options(ctx: ModuleContext, keywords: dict[str, ast.expr]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key, node in keywords.items():
        if key not in TASK_OPTIONS or key in _NOT_OPTIONS:
            continue
        if key in {"autoretry_for", "throws", "dont_autoretry_for"}:
            options[key] = _exception_names(node)
            continue
        value = ctx.evaluator.value(node)
        if isinstance(value, Unknown):
            ctx.notice("not-judged", f"task option `{key}`: {value.reason}", node)
            continue
        options[key] = plain(value)
    return options


def _exception_names(node: ast.expr) -> list[str]:
    """Exception classes as written: ``(ConnectionError, requests.Timeout)``."""
    elements = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    return [dotted(e) or source_text(e) for e in elements]


def _string_option(
    ctx: ModuleContext, node: ast.expr | None, what: str, default: str | None
) -> str | None:
    if node is None:
        return default
    value = ctx.evaluator.value(node)
    if isinstance(value, str):
        return value
    reason = value.reason if isinstance(value, Unknown) else "not a string"
    ctx.notice("not-judged", f"{what}: {reason}", node)
    return default


def _is_true(ctx: ModuleContext, node: ast.expr | None) -> bool:
    return node is not None and ctx.evaluator.value(node) is True


def _class_tasks(ctx: ModuleContext) -> list[Task]:
    classes = {
        node.name: node
        for node, scope in ctx.nodes_of(ast.ClassDef)
        if scope is None and any(_is_task_base(base) for base in node.bases)
    }
    tasks: list[Task] = []
    for call, _ in ctx.nodes_of(ast.Call):
        registered = _registered_class(call)
        if registered is None or registered not in classes:
            continue
        node = classes.pop(registered)
        tasks.append(_class_task(ctx, node))
    for name in list(classes):
        if ctx.module and f"{ctx.module}.{name}" in ctx.registered_classes:
            tasks.append(_class_task(ctx, classes.pop(name)))
    return tasks


def registered_classes(ctx: ModuleContext) -> set[str]:
    """Dotted names of the classes this module registers as tasks (imported or its own)."""
    found: set[str] = set()
    for call, _ in ctx.nodes_of(ast.Call):
        name = _registered_class(call)
        if name is not None:
            origin = ctx.imports.get(name)
            found.add(origin if origin else ctx.qualify(name))
    return found


def _is_task_base(base: ast.expr) -> bool:
    text = dotted(base)
    return text is not None and text.rpartition(".")[2] == "Task"


def _registered_class(call: ast.Call) -> str | None:
    """``X`` of ``app.register_task(X())`` / ``(X)`` and ``app.tasks.register(X())``."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and call.args):
        return None
    is_register = func.attr == "register_task" or (
        func.attr == "register"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "tasks"
    )
    if not is_register:
        return None
    target = call.args[0]
    if isinstance(target, ast.Call):
        target = target.func
    return target.id if isinstance(target, ast.Name) else None


def _class_task(ctx: ModuleContext, node: ast.ClassDef) -> Task:
    default = default_task_name(ctx.module, node.name) if ctx.module else node.name
    declared = ctx.names.get(f"{node.name}.name")
    name = declared if isinstance(declared, str) else default
    options: dict[str, Any] = {}
    for option in TASK_OPTIONS:
        value = ctx.names.get(f"{node.name}.{option}")
        if option not in _NOT_OPTIONS and value is not None and not isinstance(value, Unknown):
            options[option] = plain(value)
    queue = ctx.names.get(f"{node.name}.queue")
    params: tuple[str, ...] = ()
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == "run":
            params = parameters(stmt.args, drop_first=True)
            ctx.task_functions[f"{node.name}.run"] = name
    first_line = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return Task(
        name=name,
        options=options,
        queue=queue if isinstance(queue, str) else None,
        params=params,
        function=ctx.qualify(node.name),
        source=ctx.loc(first_line),
        origin=ctx.origin,
    )
