"""Static introspection: the spec live mode would report, worked out from source alone.

Nothing of the app is imported. For each configured app (``MODULE:ATTR`` or ``-A pkg``,
resolved with :func:`conformance.celery_naming.app_module_candidates`):

1. **Which modules Celery loads.** The app module, what it imports at import time
   (transitively, with parent packages), the ``include=`` / ``imports`` settings and
   ``autodiscover_tasks([...])`` targets (``<pkg>.tasks``, or ``<pkg>`` walked up one
   level as Celery does). ``autodiscover_tasks()`` without packages reads Django's
   ``INSTALLED_APPS`` when the app uses Django settings (as Celery's Django fix-up does)
   and finds nothing otherwise (Celery without Django finds nothing either). Only tasks,
   signal handlers and configuration of these modules count, as only they run.
2. **Configuration, in Celery's precedence.** Modules named by ``config_from_object``
   (``"pkg.mod"``, ``"pkg.mod:Class"``, a class or imported module, Django's
   ``"django.conf:settings"`` read from ``DJANGO_SETTINGS_MODULE``'s default with the
   call's ``namespace``) are the lower layer; ``Celery(...)`` keywords, ``conf.update``
   and ``conf.X = ...`` override them (Celery keeps them as pre-configuration).
   ``task_routes``/``task_queues`` of the upper layer replace the lower layer's; beat
   entries are merged by name, the later one winning.
3. **Tasks as Celery names and configures them**: effective options with
   :func:`~conformance.celery_naming.effective_option`, queues with
   :func:`~conformance.celery_naming.resolve_queue`.

What only run time knows stays dynamic (``Task.queue`` ``None`` behind a router
function, ``Schedule.timing`` ``None``, ``Setting.dynamic``) with a ``not-judged``
notice; the rules skip such items. Several apps give the union of their specs.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from conformance.celery_naming import (
    TASK_OPTIONS,
    app_module_candidates,
    effective_option,
    resolve_queue,
)
from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.introspect.source_scan import ModuleInfo, SourceScan, config_targets
from conformance.model import (
    Extraction,
    Notice,
    Origin,
    Queue,
    Route,
    Schedule,
    Setting,
    Spec,
    Task,
)
from conformance.pysource.config import ConfigItems, class_config, django_settings_hooks
from conformance.pysource.context import ModuleContext, import_time_modules
from conformance.pysource.values import dotted


@dataclass(frozen=True)
class _Layer:
    """Configuration items of one precedence layer."""

    settings: tuple[Setting, ...] = ()
    routes: tuple[Route, ...] = ()
    queues: tuple[Queue, ...] = ()
    schedules: tuple[Schedule, ...] = ()

    def plus(self, other: _Layer) -> _Layer:
        return _Layer(
            self.settings + other.settings,
            self.routes + other.routes,
            self.queues + other.queues,
            self.schedules + other.schedules,
        )


def static_extraction(config: Config, source: SourceScan) -> Extraction:
    """The implementation's spec from source alone: the union over the configured apps.

    Raises :class:`ConformanceError` when an app module or a configuration module the
    app names does not exist.
    """
    combined = Extraction(Spec(), source.extraction.notices)
    for app in config.app_list:
        combined = combined.merge(app_extraction(config, source, app))
    if len(config.app_list) == 1:
        return Extraction(combined.spec, unique_items(combined.notices))
    return Extraction(unique_spec(combined.spec), unique_items(combined.notices))


_NOT_PROJECT_DIRS = frozenset(
    {"node_modules", "site-packages", "tests", "test", "migrations", "docs", "build", "dist"}
)


def packages_with_module(search_dirs: Sequence[Path], related: str, depth: int = 4) -> list[str]:
    """Dotted names of the packages under ``search_dirs`` that have a ``related`` module
    (``pkg/tasks.py`` or ``pkg/tasks/``), at most ``depth`` folders down; virtualenvs,
    hidden folders and tests are passed over."""
    found: dict[str, None] = {}
    for top in search_dirs:
        stack: list[tuple[Path, tuple[str, ...]]] = [(top, ())]
        while stack:
            folder, parts = stack.pop()
            if parts and (
                (folder / related).with_suffix(".py").is_file()
                or (folder / related / "__init__.py").is_file()
            ):
                found[".".join(parts)] = None
            if len(parts) >= depth:
                continue
            try:
                children = sorted(p for p in folder.iterdir() if p.is_dir())
            except OSError:
                continue
            for child in children:
                if (
                    child.name.startswith((".", "_"))
                    or child.name in _NOT_PROJECT_DIRS
                    or (child / "pyvenv.cfg").exists()
                    or not (child / "__init__.py").is_file()
                ):
                    continue
                stack.append((child, (*parts, child.name)))
    return sorted(found)


def _known_strings(tree: ast.Module, name: str) -> list[str]:
    """The string entries written for the module-level list ``name``: its literal's string
    elements (a starred or computed element is skipped), and constants later added with
    ``append``/``extend``/``+=``, in order, without repeats."""
    found: dict[str, None] = {}

    def add_all(node: ast.AST | None) -> None:
        if isinstance(node, ast.List | ast.Tuple):
            for element in node.elts:
                if isinstance(element, ast.Constant) and isinstance(element.value, str):
                    found[element.value] = None

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            found.clear()  # a later assignment starts the list again
            add_all(node.value)
        elif (
            isinstance(node, ast.AugAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
        ):
            add_all(node.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
            and node.args
        ):
            if node.func.attr == "append":
                add_all(ast.List(elts=[node.args[0]]))
            elif node.func.attr == "extend":
                add_all(node.args[0])
    return list(found)


def missing_packages(config: Config, source: SourceScan) -> list[str]:
    """Top-level packages on the search paths that the apps load task or configuration
    modules from (``include=``, ``INSTALLED_APPS``, ``autodiscover_tasks([...])``) but
    that ``source`` did not scan; both modes scan them too, so they agree on the code."""
    wanted: list[str] = []
    for app in config.app_list:
        try:
            module = resolve_app_module(config, source, app)
        except ConformanceError:
            continue
        if module is not None:
            reader = _AppReader(config, source, module)
            with contextlib.suppress(ConformanceError):
                reader.loaded()
            wanted += reader.unscanned
    scanned = {name.partition(".")[0] for name in (*source.modules, *source.broken)}
    tops = dict.fromkeys(name.partition(".")[0] for name in wanted)
    return [
        top for top in tops if top not in scanned and _importable_elsewhere(top, config.search_dirs)
    ]


def app_extraction(config: Config, source: SourceScan, app: str) -> Extraction:
    """One app's spec (without the scan's own notices, which the caller adds once)."""
    module = resolve_app_module(config, source, app)
    if module is None:
        # The app module does not parse: its syntax-error notice says where.
        return Extraction(_code_only(source.extraction.spec))
    return _AppReader(config, source, module).read()


def resolve_app_module(config: Config, source: SourceScan, app: str) -> str | None:
    """The module holding ``app``, as ``celery -A`` finds it; ``None`` when that module
    exists but does not parse. Raises :class:`ConformanceError` when no candidate module
    exists."""
    candidates = app_module_candidates(app)
    existing = [m for m, _ in candidates if m in source.modules or m in source.broken]
    for module, attr in candidates:
        if module in source.broken:
            return None
        info = source.modules.get(module)
        if info is not None and _defines_app(info.context, attr):
            return module
    if existing:
        module, attr = candidates[0]
        info = source.modules.get(module)
        if ":" in app and attr and info is not None and _bound_nowhere(info.context, attr):
            # The same clear stop as the live import's AttributeError.
            raise ConformanceError(f"module '{module}' has no attribute '{attr}'", app)
        # The attribute is made at run time (or imported oddly): the module still is
        # where the app lives.
        return existing[0]
    where = str(config.source) if config.source else None
    raise ConformanceError(
        f"app `{app}`: module `{candidates[0][0]}` not found on the search paths", where
    )


def _bound_nowhere(ctx: ModuleContext, attr: str) -> bool:
    """Whether the module surely has no ``attr``: never assigned, imported, defined,
    star-imported, and no ``globals()``/``setattr``/module ``__getattr__`` that could make
    it at run time."""
    name = attr.partition(".")[0]
    if name in ctx.names or name in ctx.imports or ctx.star_imported:
        return False
    dynamic = ("globals", "setattr", "vars")
    for node in ast.walk(ctx.tree):
        defined = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        if (
            (defined and getattr(node, "name", None) in (name, "__getattr__"))
            # bound some way we do not model (a loop, `global`, a walrus)
            or (isinstance(node, ast.Name) and node.id == name)
            or (isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names))
            or (isinstance(node, ast.Call) and dotted(node.func) in dynamic)
        ):
            return False
    return True


def _defines_app(ctx: ModuleContext, attr: str | None) -> bool:
    if attr is None:
        return bool(_celery_variables(ctx))
    return attr.partition(".")[0] in ctx.names or attr.partition(".")[0] in ctx.imports


def _celery_variables(ctx: ModuleContext) -> list[str]:
    found = []
    for stmt in ctx.tree.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            callee = ctx.resolve(stmt.value.func) or ""
            if callee.rpartition(".")[2] == "Celery":
                found += [t.id for t in stmt.targets if isinstance(t, ast.Name)]
    return found


class _AppReader:
    def __init__(self, config: Config, source: SourceScan, app_module: str) -> None:
        self.config = config
        self.source = source
        self.app_module = app_module
        self.notices: list[Notice] = []
        self.unscanned: list[str] = []

    def read(self) -> Extraction:
        loaded, lower, upper = self.loaded()
        settings_items = lower.settings + upper.settings
        settings = _settings_map(settings_items)
        default_queue = settings.get("task_default_queue", "celery")
        if not isinstance(default_queue, str):
            default_queue = "celery"
        if "task_default_queue" not in settings:
            settings_items += (Setting("task_default_queue", default_queue, origin=_ORIGIN),)
        routes = upper.routes or lower.routes
        queues = upper.queues or lower.queues
        paths = {self.source.modules[m].path for m in loaded if m in self.source.modules}
        code = self.source.extraction.spec
        tasks = tuple(
            self.task(t, routes, settings, default_queue)
            for t in code.tasks
            if t.source is not None and t.source.path in paths
        )
        spec = replace(
            _code_only(code),
            tasks=tasks,
            queues=queues,
            routes=routes,
            schedules=_last_by_name(lower.schedules + upper.schedules),
            signals=tuple(s for s in code.signals if s.source and s.source.path in paths),
            settings=settings_items,
        )
        return Extraction(spec, tuple(self.notices))

    def loaded(self) -> tuple[list[str], _Layer, _Layer]:
        """The modules Celery loads for this app and its two configuration layers."""
        loaded = self.reachable([self.app_module])
        lower, upper, config_modules = self.configuration(loaded)
        # Task modules can import more modules that configure more: follow to a fixpoint.
        for _ in range(_MAX_ROUNDS):
            settings = _settings_map(lower.settings + upper.settings)
            more = self.task_modules(loaded, settings)
            grown = self.reachable([*loaded, *more, *config_modules])
            if set(grown) == set(loaded):
                break
            loaded = grown
            lower, upper, config_modules = self.configuration(loaded)
        return loaded, lower, upper

    # --- which modules run -------------------------------------------------------------

    def reachable(self, start: Iterable[str]) -> list[str]:
        """``start`` and everything it imports at import time, with parent packages,
        in discovery order (only modules of the scanned packages)."""
        seen: dict[str, None] = {}
        stack = list(start)
        while stack:
            module = stack.pop()
            for name in _with_parents(module):
                if name in seen or name not in self.source.modules:
                    continue
                seen[name] = None
                ctx = self.source.modules[name].context
                stack += [m for m in import_time_modules(ctx) if m in self.source.modules]
        return list(seen)

    def task_modules(self, loaded: Sequence[str], settings: dict[str, Any]) -> list[str]:
        """Modules Celery imports for tasks: ``include``, ``imports``, autodiscovery."""
        found: list[str] = []
        for key in ("include", "imports"):
            value = settings.get(key)
            names = [value] if isinstance(value, str) else value
            if isinstance(names, list):
                found += [n for n in names if isinstance(n, str)]
        for module in loaded:
            ctx = self.source.modules[module].context
            # Module level, or inside a function module level calls: the app factory
            # (`app = create_application()`, readthedocs).
            run = _called_at_import(ctx)
            for node, scope in ctx.nodes_of(ast.Call):
                func = node.func
                if (
                    (scope is None or scope.qualname in run)
                    and isinstance(func, ast.Attribute)
                    and func.attr == "autodiscover_tasks"
                ):
                    found += self.autodiscovered(ctx, node, settings)
        self.unscanned += [
            name
            for name in found
            if name not in self.source.modules and name not in self.source.broken
        ]
        return found

    def autodiscovered(
        self, ctx: ModuleContext, node: ast.Call, settings: dict[str, Any]
    ) -> list[str]:
        packages_node = _argument(node, 0, "packages")
        related_node = _argument(node, 1, "related_name")
        related = ctx.evaluator.value(related_node) if related_node is not None else "tasks"
        if not isinstance(related, str):
            self.notice("autodiscover_tasks: related_name is computed at run time", ctx, node)
            return []
        # No packages, `None` or `lambda: settings.INSTALLED_APPS`: Django's apps.
        if (
            packages_node is None
            or (isinstance(packages_node, ast.Constant) and packages_node.value is None)
            or _installed_apps_lambda(packages_node)
        ):
            packages = self.installed_apps()
        else:
            value = ctx.evaluator.value(packages_node)
            packages = [p for p in value if isinstance(p, str)] if isinstance(value, list) else []
            if not isinstance(value, list) or len(packages) != len(value):
                # `lambda: discover_plugins(settings.PLUGINS)`: only run time knows which
                # packages. As for an unknown INSTALLED_APPS, every package with such a
                # module stands in: claiming fewer would report real tasks as missing.
                packages += packages_with_module(self.config.search_dirs, related)
                self.notice(
                    f"autodiscover_tasks: `{ast.unparse(packages_node)[:60]}` is computed at "
                    f"run time: approximated by the packages that have a `{related}` module",
                    ctx,
                    node,
                )
        return [self.related_module(p, related) for p in packages]

    def installed_apps(self) -> list[str]:
        """``INSTALLED_APPS`` of the Django settings module (Celery's Django fix-up);
        without Django settings, ``autodiscover_tasks()`` discovers nothing."""
        django = self.source.django_settings
        info = self.source.modules.get(django) if django else None
        if info is None:
            return []
        value = info.context.names.get("INSTALLED_APPS")
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            # ``apps.shop.apps.ShopConfig`` names an AppConfig: its package is the app.
            return [_app_package(v, self.source.modules) for v in value]
        known = _known_strings(info.context.tree, "INSTALLED_APPS")
        if known:
            # `[..., *env_apps]`: the written entries are the project's own apps; what
            # only run time adds comes from the environment, outside the project.
            self.notice(
                "INSTALLED_APPS is partly computed at run time: autodiscovery follows its "
                f"{len(known)} written entries",
                info.context,
                1,
            )
            return [_app_package(v, self.source.modules) for v in known]
        # Unknown (settings assembled by star imports, `+=` of run-time values...): the
        # project's packages with a `tasks` module stand in for it. Claiming fewer tasks
        # would report real ones as missing; this can only add ones that may be registered.
        packages = packages_with_module(self.config.search_dirs, "tasks")
        self.notice(
            "INSTALLED_APPS is computed at run time: autodiscovery approximated by the "
            f"{len(packages)} packages on the search paths that have a `tasks` module",
            info.context,
            1,
        )
        return packages

    def related_module(self, package: str, related: str) -> str:
        if package not in self.source.modules and "." in package:
            package = package.rpartition(".")[0]
        return f"{package}.{related}" if related else package

    # --- configuration -----------------------------------------------------------------

    def configuration(self, loaded: Sequence[str]) -> tuple[_Layer, _Layer, list[str]]:
        lower = _Layer()
        config_modules: list[str] = []
        for module in loaded:
            ctx = self.source.modules[module].context
            for call, target, namespace in config_targets(ctx):
                layer, named = self.config_object(ctx, call, target, namespace)
                lower = lower.plus(layer)
                config_modules += named
            for call in _object_configs(ctx):
                layer, named = self.config_class(ctx, call)
                lower = lower.plus(layer)
                config_modules += named
        upper = _Layer()
        for module in loaded:
            if module in config_modules:
                continue
            upper = upper.plus(_layer_of(self.source.modules[module]))
        return lower, upper, config_modules

    def config_object(
        self, ctx: ModuleContext, call: ast.Call, target: str, namespace: str
    ) -> tuple[_Layer, list[str]]:
        module, _, attr = target.partition(":")
        if module == "django.conf":
            module = self.source.django_settings or ""
            if module not in self.source.modules:
                hinted = [
                    name
                    for name, info in self.source.modules.items()
                    if info.config_namespace is not None and "settings" in name.split(".")
                ]
                if not hinted:
                    self.notice(
                        "Django settings module not found: its settings are not judged", ctx, call
                    )
                    return _Layer(), []
                return _merge_layers(self.source.modules[h] for h in hinted), hinted
            return _layer_of(self.source.modules[module]).plus(self.settings_hooks(module)), [
                module
            ]
        if module in self.source.broken:
            return _Layer(), []
        info = self.source.modules.get(module)
        if info is None:
            if _is_silent(ctx, call) or _importable_elsewhere(module, self.config.search_dirs):
                return _Layer(), []
            raise ConformanceError(
                f"config_from_object names `{module}`, which is not on the search paths",
                ctx.path,
                ctx.line(call),
            )
        if attr:
            return _class_layer(info.context, attr, namespace), [module]
        return _layer_of(info), [module]

    def settings_hooks(self, settings_module: str) -> _Layer:
        """What plugins change on Django's settings object (see
        :func:`~conformance.pysource.config.django_settings_hooks`), in every module of
        the scan: Django imports its installed apps before the worker starts."""
        namespace = self.source.modules[settings_module].config_namespace or "CELERY"
        layer = _Layer()
        for name, info in self.source.modules.items():
            if name != settings_module:
                layer = layer.plus(_items_layer(django_settings_hooks(info.context, namespace)))
        return layer

    def config_class(self, ctx: ModuleContext, call: ast.Call) -> tuple[_Layer, list[str]]:
        """``config_from_object(Config)`` (a class here or imported) or
        ``config_from_object(celeryconfig)`` (an imported module)."""
        text = dotted(call.args[0]) or ""
        namespace = ""
        for keyword in call.keywords:
            if keyword.arg == "namespace":
                value = ctx.evaluator.value(keyword.value)
                namespace = value if isinstance(value, str) else ""
        resolved = ctx.resolve_text(text)
        if resolved in self.source.modules:
            return _layer_of(self.source.modules[resolved]), [resolved]
        if text in _class_names(ctx):
            return _class_layer(ctx, text, namespace), []
        module, _, name = resolved.rpartition(".")
        info = self.source.modules.get(module)
        if info is not None and name in _class_names(info.context):
            return _class_layer(info.context, name, namespace), []
        self.notice(
            f"config_from_object({text}): not followed, its settings are not judged", ctx, call
        )
        return _Layer(), []

    # --- tasks -------------------------------------------------------------------------

    def task(
        self,
        task: Task,
        routes: tuple[Route, ...],
        settings: dict[str, Any],
        default_queue: str,
    ) -> Task:
        queue = resolve_queue(task.name, routes, task_queue=task.queue, default_queue=default_queue)
        if queue is None:
            self.notices.append(
                Notice(
                    "not-judged",
                    f"queue of task `{task.name}` is chosen by a router at run time",
                    task.source.path if task.source else None,
                    task.source.line if task.source else None,
                )
            )
        explicit = dict(task.options)
        options = {name: effective_option(name, explicit, settings) for name in TASK_OPTIONS}
        return replace(task, queue=queue, options=options)

    def notice(
        self, message: str, ctx: ModuleContext | None, at: ast.AST | int | None = None
    ) -> None:
        if ctx is None:
            self.notices.append(Notice("not-judged", message))
        else:
            self.notices.append(
                Notice("not-judged", message, ctx.path, ctx.line(at) if at is not None else 1)
            )


_ORIGIN = Origin.STATIC
_MAX_ROUNDS = 5


def _called_at_import(ctx: ModuleContext) -> set[str]:
    """Module-level functions that module-level code calls (so their bodies run when the
    module is imported)."""
    return {
        node.func.id
        for node, scope in ctx.nodes_of(ast.Call)
        if scope is None and isinstance(node.func, ast.Name)
    }


def _installed_apps_lambda(node: ast.expr | None) -> bool:
    """``lambda: settings.INSTALLED_APPS`` (the Django idiom), or any lambda returning a
    name that ends in INSTALLED_APPS."""
    if not isinstance(node, ast.Lambda):
        return False
    text = dotted(node.body) if isinstance(node.body, ast.Attribute | ast.Name) else None
    return bool(text) and str(text).rpartition(".")[2] == "INSTALLED_APPS"


def _with_parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _argument(node: ast.Call, index: int, keyword: str) -> ast.expr | None:
    for given in node.keywords:
        if given.arg == keyword:
            return given.value
    return node.args[index] if index < len(node.args) else None


def _app_package(entry: str, modules: Any) -> str:
    if entry in modules:
        return entry
    head, _, tail = entry.rpartition(".")
    # "shop.apps.ShopConfig": the AppConfig's module is ``shop.apps``, the app ``shop``.
    if head.endswith(".apps") and tail[:1].isupper():
        return head.rpartition(".")[0]
    return entry


def _is_silent(ctx: ModuleContext, call: ast.Call) -> bool:
    return any(k.arg == "silent" and ctx.evaluator.value(k.value) is True for k in call.keywords)


def _importable_elsewhere(module: str, search_dirs: Sequence[Path]) -> bool:
    """A configuration module outside the scanned packages that still exists as a file."""
    relative = Path(*module.split("."))
    return any(
        (d / relative).with_suffix(".py").is_file() or (d / relative / "__init__.py").is_file()
        for d in search_dirs
    )


def _object_configs(ctx: ModuleContext) -> list[ast.Call]:
    calls = []
    for node, _ in ctx.nodes_of(ast.Call):
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "config_from_object"
            and node.args
            and isinstance(node.args[0], ast.Name | ast.Attribute)
            and not isinstance(ctx.evaluator.value(node.args[0]), str)
        ):
            calls.append(node)
    return calls


def _class_names(ctx: ModuleContext) -> set[str]:
    return {stmt.name for stmt in ctx.tree.body if isinstance(stmt, ast.ClassDef)}


def _class_layer(ctx: ModuleContext, name: str, namespace: str) -> _Layer:
    items = class_config(ctx, name, namespace or None)
    return _items_layer(items)


def _items_layer(items: ConfigItems) -> _Layer:
    return _Layer(
        tuple(items.settings), tuple(items.routes), tuple(items.queues), tuple(items.schedules)
    )


def _layer_of(info: ModuleInfo) -> _Layer:
    spec = info.scan.extraction.spec
    return _Layer(spec.settings, spec.routes, spec.queues, spec.schedules)


def _merge_layers(infos: Iterable[ModuleInfo]) -> _Layer:
    layer = _Layer()
    for info in infos:
        layer = layer.plus(_layer_of(info))
    return layer


def _settings_map(settings: Iterable[Setting]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for setting in settings:
        if setting.dynamic:
            found.pop(setting.name, None)
        else:
            found[setting.name] = setting.value
    return found


def _last_by_name(schedules: tuple[Schedule, ...]) -> tuple[Schedule, ...]:
    by_name: dict[str, Schedule] = {}
    for schedule in schedules:
        by_name.pop(schedule.name, None)
        by_name[schedule.name] = schedule
    return tuple(by_name.values())


def _code_only(spec: Spec) -> Spec:
    """The parts both modes take from the source as a whole (canvas, metrics, symbols,
    worker classes, bootsteps, queues named at call sites, environment reads); the
    Celery-registered parts are left empty."""
    return Spec(
        canvas=spec.canvas,
        metrics=spec.metrics,
        symbols=spec.symbols,
        workers=spec.workers,
        bootsteps=spec.bootsteps,
        dispatches=spec.dispatches,
        env=spec.env,
    )


def unique_spec(spec: Spec) -> Spec:
    """``spec`` with repeated items dropped (several apps share modules)."""
    return Spec(**{name: unique_items(items) for name, items in _sections(spec)})


def _sections(spec: Spec) -> list[tuple[str, tuple[Any, ...]]]:
    from dataclasses import fields

    return [(f.name, getattr(spec, f.name)) for f in fields(spec)]


def unique_items(items: Sequence[Any]) -> tuple[Any, ...]:
    """``items`` without repeats (several apps share modules), first one kept."""
    kept: list[Any] = []
    seen: set[str] = set()
    for item in items:
        key = repr(item)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return tuple(kept)
