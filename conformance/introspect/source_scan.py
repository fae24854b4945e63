"""The app package's own source, read statically with the shared recognizers.

Every ``.py`` file of the package is parsed once and scanned with
:func:`conformance.pysource.scan_module`; then modules are linked:

- metric recording sites through imports (``from app.monitoring import X`` then
  ``X.inc()`` inside a function of another module), and helpers of the defining module
  that another module imports or calls (``monitoring.record_task(...)``);
- signal handler metrics named by an imported variable become the family name;
- constants imported from another module of the package (``name=Tasks.CLEANUP``);
- configuration modules named by ``config_from_object("pkg.celeryconfig")`` are read as
  settings modules (with the call's ``namespace=``).

Test folders (``tests``, ``test``) and ``test_*.py`` files are left out: test apps would
otherwise show up as the implementation.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from conformance.celery_naming import setting_name
from conformance.fileio import why_unreadable
from conformance.model import (
    UNREAD_FOLDERS,
    Extraction,
    Location,
    Metric,
    Notice,
    Origin,
    SignalHandler,
    Spec,
    Symbol,
)
from conformance.pysource.context import ModuleContext, build_context
from conformance.pysource.scan import ModuleScan, parse_or_notice, scan_context
from conformance.pysource.tasks import module_factories, registered_classes
from conformance.pysource.values import FunctionRef, dotted


@dataclass(frozen=True)
class ModuleInfo:
    """One scanned module: its file, its own scan (before linking) and its context."""

    module: str
    path: str
    is_package: bool
    scan: ModuleScan
    context: ModuleContext
    config_namespace: str | None = None
    """Set for modules read as configuration (``""`` when without namespace)."""


@dataclass(frozen=True)
class SourceScan:
    """The packages' spec and notices, plus ``literals``: each string literal (and
    setting keyword) found in the source -> its first location, to give code lines to
    items the live probe reports (queue names, beat entry names, setting keys).

    ``modules`` holds every module that parsed; ``broken`` the modules that did not
    (module -> path); ``django_settings`` the Django settings module when the app reads
    ``django.conf:settings`` (``DJANGO_SETTINGS_MODULE``'s default in the source)."""

    extraction: Extraction
    literals: Mapping[str, Location] = field(default_factory=dict)
    modules: Mapping[str, ModuleInfo] = field(default_factory=dict)
    broken: Mapping[str, str] = field(default_factory=dict)
    django_settings: str | None = None


@dataclass(frozen=True)
class _File:
    module: str
    path: str
    is_package: bool
    tree: ast.Module
    # Whether the text names DJANGO_SETTINGS_MODULE: only those modules are searched for
    # its default, so a project without Django pays nothing for the search.
    names_django_settings: bool = False


def scan_package_sources(
    root: Path,
    search_dirs: Sequence[Path],
    package: str | Sequence[str],
    *,
    origin: Origin = Origin.STATIC,
) -> SourceScan:
    """Scan every module of ``package`` (one top-level package or several, found on
    ``search_dirs``), plus the packages holding configuration modules they name
    (``config_from_object("settings.celery")``, ``DJANGO_SETTINGS_MODULE``); paths in
    the result are relative to ``root``. A file that does not parse is a
    ``syntax-error`` notice and is listed in ``broken``."""
    packages = [package] if isinstance(package, str) else list(dict.fromkeys(package))
    files: list[_File] = []
    notices: list[Notice] = []
    broken: dict[str, str] = {}
    for name in packages:
        _add_package(root, search_dirs, name, files, notices, broken)
    contexts = _Contexts(files, origin)
    django = _django_settings_module(contexts, root)
    for extra in _outside_packages(contexts, django):
        if extra not in packages:
            packages.append(extra)
            added: list[_File] = []
            _add_package(root, search_dirs, extra, added, notices, broken, quiet=True)
            files += added
            contexts.add(added)
    hints = _config_hints(contexts, django)
    # Task classes may be registered from another module (an AppConfig's ready()).
    registered = frozenset().union(*(registered_classes(contexts.get(f.module)) for f in files))
    # Task decorator factories may be defined in one module and used in another.
    factories: dict[str, Any] = {}
    for file in files:
        factories.update(module_factories(contexts.get(file.module)))
    for file in files:
        contexts.get(file.module).registered_classes = registered
        contexts.get(file.module).task_factories = factories
    scans = [
        (
            file,
            scan_context(
                contexts.get(file.module),
                config_module=file.module in hints,
                namespace=hints.get(file.module) or None,
            ),
        )
        for file in files
    ]
    extraction = _link(scans)
    modules = {
        file.module: ModuleInfo(
            file.module,
            file.path,
            file.is_package,
            scan,
            contexts.get(file.module),
            hints.get(file.module),
        )
        for file, scan in scans
    }
    # Modules that exist but do not parse: known to be there, contents unknown.
    unparsed = tuple(
        Symbol(module, "unparsed", source=Location(path, 1), origin=origin)
        for module, path in broken.items()
    )
    spec = replace(extraction.spec, symbols=extraction.spec.symbols + unparsed)
    return SourceScan(
        Extraction(spec, tuple(notices) + extraction.notices),
        _literals(contexts, files),
        modules,
        broken,
        django,
    )


def _add_package(
    root: Path,
    search_dirs: Sequence[Path],
    package: str,
    files: list[_File],
    notices: list[Notice],
    broken: dict[str, str],
    *,
    quiet: bool = False,
) -> None:
    found = find_package(search_dirs, package)
    if found is None:
        if not quiet:
            notices.append(
                Notice("not-judged", f"package `{package}` not found on the search paths")
            )
        return
    base, location = found
    parsed, failed = _parse_files(root, base, location)
    files += parsed
    for notice, module in failed:
        notices.append(notice)
        broken[module] = notice.path or ""


def find_package(search_dirs: Sequence[Path], package: str) -> tuple[Path, Path] | None:
    """``(search dir, package dir or module file)`` of the first search dir holding it."""
    for folder in search_dirs:
        candidate = folder / Path(*package.split("."))
        if candidate.is_dir():
            return folder, candidate
        if candidate.with_suffix(".py").is_file():
            return folder, candidate.with_suffix(".py")
    return None


def _parse_files(
    root: Path, base: Path, location: Path
) -> tuple[list[_File], list[tuple[Notice, str]]]:
    paths = [location] if location.is_file() else sorted(location.rglob("*.py"))
    files: list[_File] = []
    failed: list[tuple[Notice, str]] = []
    for path in paths:
        relative = path.relative_to(base)
        if _skipped(relative):
            continue
        shown = _shown(path, root)
        is_package = path.name == "__init__.py"
        parts = relative.with_suffix("").parts
        module = ".".join(parts[:-1] if is_package else parts)
        why = why_unreadable(path)
        if why is not None:
            if why:  # a folder named `x.py` is not a module: passed over
                failed.append((Notice("skipped", f"module {why}: skipped", shown), module))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            failed.append((Notice("syntax-error", f"cannot read: {exc}", shown, 1), module))
            continue
        tree = parse_or_notice(text, path=shown)
        if isinstance(tree, Notice):
            failed.append((tree, module))
            continue
        files.append(_File(module, shown, is_package, tree, "DJANGO_SETTINGS_MODULE" in text))
    return files, failed


def _skipped(relative: Path) -> bool:
    return any(part in UNREAD_FOLDERS or part.startswith(".") for part in relative.parts[:-1]) or (
        relative.name.startswith("test_")
    )


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(_resolved(root)).as_posix()
    except ValueError:
        return path.as_posix()


@functools.lru_cache(maxsize=16)
def _resolved(root: Path) -> Path:
    # Resolving walks every component with lstat: once per root, not once per file.
    return root.resolve()


def config_targets(ctx: ModuleContext) -> list[tuple[ast.Call, str, str]]:
    """``(call, target, namespace)`` of each ``config_from_object("target")`` call with
    a string argument (``"pkg.mod"``, ``"pkg.mod:Class"``, ``"django.conf:settings"``)."""
    found: list[tuple[ast.Call, str, str]] = []
    for node, _ in ctx.nodes_of(ast.Call):
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "config_from_object"):
            continue
        first = node.args[0] if node.args else None
        target = ctx.evaluator.value(first) if first is not None else None
        if isinstance(target, str):
            found.append((node, target, _namespace(ctx, node)))
    return found


def _namespace(ctx: ModuleContext, node: ast.Call) -> str:
    for keyword in node.keywords:
        if keyword.arg == "namespace":
            value = ctx.evaluator.value(keyword.value)
            return value if isinstance(value, str) else ""
    return ""


def _config_hints(contexts: _Contexts, django: str | None) -> dict[str, str]:
    """Module -> namespace ("" for none) of modules named by ``config_from_object``.

    ``config_from_object("django.conf:settings", namespace="CELERY")`` points at Django's
    settings: the ``DJANGO_SETTINGS_MODULE`` default the source sets, else modules
    called ``settings`` (or in a ``settings`` package)."""
    hints: dict[str, str] = {}
    django_namespace: str | None = None
    for module in contexts.modules():
        for _, target, namespace in config_targets(contexts.get(module)):
            name = target.partition(":")[0]
            if name == "django.conf":
                django_namespace = namespace
            elif name in contexts.files:
                hints[name] = namespace
    if django_namespace is not None:
        if django is not None and django in contexts.files:
            hints.setdefault(django, django_namespace)
        else:
            for module in contexts.modules():
                if "settings" in module.split("."):
                    hints.setdefault(module, django_namespace)
    return hints


def _django_settings_module(contexts: _Contexts, root: Path) -> str | None:
    """The default the source gives ``DJANGO_SETTINGS_MODULE``
    (``os.environ.setdefault(...)`` or an assignment), in the package or in the
    project's ``manage.py``."""
    for module in contexts.modules():
        if not contexts.files[module].names_django_settings:
            continue
        found = _settings_default(contexts.get(module))
        if found:
            return found
    manage = root / "manage.py"
    if manage.is_file():
        try:
            tree = ast.parse(manage.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            return None
        ctx = build_context(
            tree, path="manage.py", line_offset=0, origin=contexts.origin, module="manage"
        )
        return _settings_default(ctx)
    return None


def _settings_default(ctx: ModuleContext) -> str | None:
    for node, _ in ctx.nodes_of(ast.Call):
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "setdefault"
            and (dotted(func.value) or "").endswith("environ")
            and len(node.args) == 2
            and ctx.evaluator.value(node.args[0]) == "DJANGO_SETTINGS_MODULE"
        ):
            value = ctx.evaluator.value(node.args[1])
            if isinstance(value, str):
                return value
    for node, _ in ctx.nodes_of(ast.Assign):
        target = node.targets[0]
        if (
            isinstance(target, ast.Subscript)
            and (dotted(target.value) or "").endswith("environ")
            and ctx.evaluator.value(target.slice) == "DJANGO_SETTINGS_MODULE"
        ):
            value = ctx.evaluator.value(node.value)
            if isinstance(value, str):
                return value
    return None


def _outside_packages(contexts: _Contexts, django: str | None) -> list[str]:
    """Top-level packages of configuration modules that are not scanned yet."""
    wanted: list[str] = []
    for module in contexts.modules():
        for _, target, _ in config_targets(contexts.get(module)):
            name = target.partition(":")[0]
            if name != "django.conf":
                wanted.append(name)
    if django:
        wanted.append(django)
    scanned = {module.partition(".")[0] for module in contexts.files}
    return [
        top
        for top in dict.fromkeys(name.partition(".")[0] for name in wanted)
        if top not in scanned
    ]


class _Contexts:
    """One :class:`ModuleContext` per module, built on first use; its constants serve
    ``lookup`` of names imported from other modules of the package."""

    def __init__(self, files: Sequence[_File], origin: Origin) -> None:
        self.files = {file.module: file for file in files}
        self.origin = origin
        self.cache: dict[str, ModuleContext] = {}
        self.busy: set[str] = set()

    def modules(self) -> list[str]:
        return list(self.files)

    def add(self, files: Sequence[_File]) -> None:
        self.files.update((file.module, file) for file in files)

    def get(self, module: str) -> ModuleContext:
        if module not in self.cache:
            file = self.files[module]
            self.busy.add(module)
            try:
                self.cache[module] = build_context(
                    file.tree,
                    path=file.path,
                    line_offset=0,
                    origin=self.origin,
                    module=module,
                    is_package=file.is_package,
                    lookup=self.lookup,
                    star=self.star,
                )
            finally:
                self.busy.discard(module)
        return self.cache[module]

    def star(self, module: str) -> dict[str, Any] | None:
        """What ``from module import *`` binds (``None``: not ours, or an import cycle)."""
        if module not in self.files or module in self.busy:
            return None
        return self.get(module).names

    def lookup(self, name: str) -> Any:
        module, rest = name, ""
        while module and module not in self.files:
            module, _, last = module.rpartition(".")
            rest = f"{last}.{rest}" if rest else last
        # A cycle of imports (a constant defined through itself) stays unknown.
        if not module or not rest or module in self.busy:
            return None
        ctx = self.get(module)
        if rest in ctx.names:
            return ctx.names[rest]
        function = ctx.evaluator.functions.get(rest)
        return FunctionRef(function, ctx.evaluator) if function is not None else None


def _link(scans: Sequence[tuple[_File, ModuleScan]]) -> Extraction:
    index: dict[str, Metric] = {}
    for file, scan in scans:
        for metric in scan.extraction.spec.metrics:
            if metric.variable:
                index[f"{file.module}.{metric.variable}"] = metric
    extra: dict[str, list[Location]] = {key: [] for key in index}
    references = {file.module: scan.references for file, scan in scans}
    for file, scan in scans:
        for use in scan.metric_uses:
            if use.function is None:
                continue
            if not use.local and use.target in extra:
                extra[use.target].append(use.location)
            elif use.local and use.function not in scan.counted_functions:
                helper = f"{file.module}.{use.function.partition('.')[0]}"
                if _used_elsewhere(helper, file.module, references):
                    extra[f"{file.module}.{use.receiver}"].append(use.location)
    recorded_by = _metrics_by_function(scans, index)
    combined = Extraction(Spec())
    for file, scan in scans:
        spec = scan.extraction.spec
        metrics = tuple(_with_uses(file.module, m, extra) for m in spec.metrics)
        signals = tuple(
            _signal_metrics(s, scan.imports, index, scan.handler_calls, recorded_by)
            for s in spec.signals
        )
        spec = replace(spec, metrics=metrics, signals=signals)
        combined = combined.merge(Extraction(spec, scan.extraction.notices))
    return combined


def _used_elsewhere(helper: str, module: str, references: Mapping[str, frozenset[str]]) -> bool:
    return any(helper in refs for other, refs in references.items() if other != module)


def _with_uses(module: str, metric: Metric, extra: Mapping[str, list[Location]]) -> Metric:
    added = extra.get(f"{module}.{metric.variable}", [])
    if not added:
        return metric
    return replace(metric, recorded_at=tuple(sorted({*metric.recorded_at, *added})))


def _metrics_by_function(
    scans: Sequence[tuple[_File, ModuleScan]], index: Mapping[str, Metric]
) -> dict[str, list[str]]:
    """``module.function`` → the metric names its body records (helpers such as
    ``monitoring.record_failure`` that signal handlers call)."""
    found: dict[str, list[str]] = {}
    for file, scan in scans:
        for use in scan.metric_uses:
            if use.function is None:
                continue
            key = f"{file.module}.{use.receiver}" if use.local else use.target
            metric = index.get(key)
            if metric is not None:
                names = found.setdefault(f"{file.module}.{use.function.partition('.')[0]}", [])
                names.append(metric.name)
    return found


def _signal_metrics(
    handler: SignalHandler,
    imports: Mapping[str, str],
    index: Mapping[str, Metric],
    handler_calls: Mapping[str, tuple[str, ...]],
    recorded_by: Mapping[str, list[str]],
) -> SignalHandler:
    names = []
    for name in handler.metrics:
        target = imports.get(name.partition(".")[0])
        if target is not None:
            rest = name.partition(".")[2]
            metric = index.get(f"{target}.{rest}" if rest else target)
            name = metric.name if metric is not None else name
        names.append(name)
    for callee in handler_calls.get(handler.handler or "", ()):
        names.extend(recorded_by.get(callee, ()))
    return replace(handler, metrics=tuple(dict.fromkeys(names)))


def _literals(contexts: _Contexts, files: Sequence[_File]) -> dict[str, Location]:
    """First location of every string literal, keyword-argument name and assigned name
    (settings also under their Celery name: ``CELERY_TASK_TIME_LIMIT`` ->
    ``task_time_limit``)."""
    found: dict[str, Location] = {}
    for file in files:
        ctx = contexts.get(file.module)
        for node, _ in ctx.nodes_of(ast.Constant, ast.keyword, ast.Assign, ast.AnnAssign):
            names: list[str | None] = []
            if isinstance(node, ast.Constant):
                if isinstance(node.value, str) and len(node.value) <= 200:
                    names = [node.value]
            elif isinstance(node, ast.keyword):
                if node.arg:
                    names = [node.arg, setting_name(node.arg)]
            else:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    last = (dotted(target) or "").rpartition(".")[2]
                    if last:
                        names += [last, setting_name(last), setting_name(last, "CELERY")]
            for name in names:
                # Files come in path order and nodes in source order: first one wins.
                if name and name not in found:
                    found[name] = Location(file.path, node.lineno)
    return found
