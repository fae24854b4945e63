"""The live probe: run as ``python probe.py`` in a fresh child interpreter.

It imports the user's Celery app and writes, as one JSON document, what Celery itself
knows about it (tasks, queues, routes, beat, signals, bootsteps, metrics, settings).

This file is run by path with whatever interpreter the project uses, which may not have
``conformance`` installed and may be older than ours: it imports only the standard
library, celery/kombu and (if present) prometheus_client, and keeps to Python 3.8 syntax
at run time. Input is one JSON object on stdin::

    {"app": "pkg.mod:attr" | "pkg", "search_paths": ["/abs/dir", ...],
     "monitoring": ["pkg.monitoring", ...], "max_output": 33554432}

Output goes to a duplicate of the original stdout taken before any user code runs; fd 1
and ``sys.stdout`` then point at stderr, so whatever the app prints cannot corrupt it.
Exit status 0 with the document, 3 with ``{"error": {"stage", "type", "message",
"where"}}``.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import json
import os
import re
import sys
import traceback
import types
import weakref
from typing import Any

PROBE_VERSION = 1
DEFAULT_MAX_OUTPUT = 32 * 1024 * 1024
EXIT_FAILED = 3

# Settings always reported, default or not: the ones documentation talks about most.
ALWAYS_SETTINGS = (
    "task_default_queue",
    "timezone",
    "enable_utc",
    "task_time_limit",
    "task_soft_time_limit",
    "worker_prefetch_multiplier",
    "task_acks_late",
    "worker_concurrency",
    "task_default_rate_limit",
    "task_create_missing_queues",
)
# Reported structurally (queues, routes, beat) rather than as opaque setting values.
STRUCTURAL_SETTINGS = ("task_queues", "task_routes", "beat_schedule")
SECRET_WORDS = ("url", "password", "secret", "token", "key")
SECRET_ALLOWED = ("routing_key",)

# Task options read with getattr; the autoretry ones are not Task attributes unless set,
# so their defaults are Celery's own (celery/app/autoretry.py).
TASK_OPTIONS = (
    "max_retries",
    "default_retry_delay",
    "rate_limit",
    "acks_late",
    "ignore_result",
    "track_started",
    "priority",
)
AUTORETRY_DEFAULTS = (("retry_backoff", False), ("retry_backoff_max", 600), ("retry_jitter", True))


class ProbeFailure(Exception):
    """A failure with the stage it happened in; becomes the error document."""

    def __init__(self, stage: str, exc: BaseException, where: str | None = None) -> None:
        super().__init__(stage)
        self.stage = stage
        self.exc = exc
        self.where = where


# --- JSON helpers ------------------------------------------------------------------------


def to_json(value: Any, depth: int = 0) -> Any:
    """A JSON-able copy: timedelta -> seconds, tuples/sets -> lists, objects -> repr."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return (
            value if value == value and value not in (float("inf"), float("-inf")) else repr(value)
        )
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if depth > 20:
        return repr(value)
    if isinstance(value, dict):
        return {str(k): to_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [to_json(v, depth + 1) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    return safe_repr(value)


def safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:  # a broken __repr__ in user code must not stop the probe
        return f"<unrepresentable {type(value).__name__}: {exc}>"


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


# --- locations ---------------------------------------------------------------------------


def code_location(obj: Any) -> tuple[str | None, int | None]:
    """File and first line of a function (the first decorator line, as griffe says)."""
    code = getattr(obj, "__code__", None)
    if code is None:
        return None, None
    return os.path.abspath(code.co_filename), code.co_firstlineno


def class_location(cls: type) -> tuple[str | None, int | None]:
    """File and ``class`` line of a class, found in its module's source.

    ``inspect.getsourcelines`` looks classes up by ``__qualname__``, which Celery's
    bootstep metaclass rewrites, so the line is searched for by name instead.
    """
    module = sys.modules.get(cls.__module__)
    path = getattr(module, "__file__", None)
    if not path:
        return None, None
    path = os.path.abspath(path)
    pattern = re.compile(r"^\s*class\s+" + re.escape(cls.__name__) + r"\b")
    return path, first_matching_line(path, pattern)


def first_matching_line(path: str, pattern: re.Pattern[str]) -> int | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, 1):
                if pattern.match(text):
                    return number
    except OSError:
        return None
    return None


def is_project_file(path: str, roots: list[str]) -> bool:
    # "<frozen importlib._bootstrap>", "<string>"... are not files of anyone's project.
    if not os.path.isabs(path) or not os.path.isfile(path):
        return False
    real = os.path.realpath(path)
    if "site-packages" in real or "dist-packages" in real:
        return False
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def innermost_project_frame(exc: BaseException, roots: list[str]) -> str | None:
    """``file:line`` of the deepest traceback frame inside the user's project."""
    where = None
    if isinstance(exc, SyntaxError) and exc.filename and is_project_file(exc.filename, roots):
        return f"{os.path.abspath(exc.filename)}:{exc.lineno or 1}"
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename and is_project_file(frame.filename, roots):
            where = f"{os.path.abspath(frame.filename)}:{frame.lineno}"
    return where


# --- loading the app ---------------------------------------------------------------------


def set_sys_path(search_paths: list[str]) -> None:
    """Search paths first; drop the probe's own folder so it never shadows user modules."""
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or ".") != here and p not in search_paths]
    sys.path[:] = [*search_paths, *rest]


def is_celery_app(obj: Any) -> bool:
    from celery import Celery

    try:
        return isinstance(obj, Celery)
    except Exception:
        return False


def app_in_module(module: types.ModuleType) -> Any:
    for attr in ("app", "celery"):
        candidate = getattr(module, attr, None)
        if is_celery_app(candidate):
            return candidate
    found = [v for v in list(vars(module).values()) if is_celery_app(v)]
    unique = list({id(v): v for v in found}.values())
    return unique[0] if len(unique) == 1 else None


def import_module_or_none(name: str) -> types.ModuleType | None:
    """The module, or None if exactly this module does not exist (other errors raise)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def load_app(spec: str, roots: list[str]) -> tuple[Any, str]:
    """Resolve ``spec`` like ``celery -A``; return the app and its module's name."""
    module_name, _, attr = spec.partition(":")
    try:
        submodule = None if attr else import_module_or_none(module_name + ".celery")
        if submodule is not None and app_in_module(submodule) is not None:
            module = submodule
        else:
            module = importlib.import_module(module_name)
    except BaseException as exc:
        raise ProbeFailure("import", exc, innermost_project_frame(exc, roots)) from None
    if attr:
        obj: Any = module
        for part in attr.split("."):
            if not hasattr(obj, part):
                raise ProbeFailure(
                    "app",
                    AttributeError(f"module '{module.__name__}' has no attribute '{attr}'"),
                )
            obj = getattr(obj, part)
        if not is_celery_app(obj):
            raise ProbeFailure(
                "app",
                TypeError(f"'{spec}' is a {type(obj).__name__}, not a Celery app"),
            )
        return obj, module.__name__
    app = app_in_module(module)
    if app is None:
        raise ProbeFailure(
            "app",
            LookupError(f"no Celery app found in {module_name}.celery or {module_name}"),
        )
    return app, module.__name__


def prepare_app(app: Any, roots: list[str]) -> None:
    """Configure, import task modules (autodiscover, include) and finalize."""
    try:
        app.conf.task_default_queue  # noqa: B018 - first access loads config_from_object
    except BaseException as exc:
        raise ProbeFailure("config", exc, innermost_project_frame(exc, roots)) from None
    try:
        # Without this, only the celery.* built-ins are registered (autodiscover is lazy).
        app.loader.import_default_modules()
        app.finalize(auto=True)
    except BaseException as exc:
        raise ProbeFailure("finalize", exc, innermost_project_frame(exc, roots)) from None


# --- tasks -------------------------------------------------------------------------------


def task_function(task: Any) -> tuple[Any, bool]:
    """The user's function behind a task and whether it is bound (self first)."""
    # autoretry_for replaces run with a wrapper and keeps the original as _orig_run.
    run = getattr(task, "_orig_run", None) or task.run
    bound = inspect.ismethod(run)
    func = run.__func__ if bound else run
    return unwrap(func), bound


def signature_params(func: Any, drop_first: bool) -> list[str]:
    names = _plain_function_params(func)
    if names is not None:
        return names[1:] if drop_first and names else names
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return []
    if drop_first and parameters:
        parameters = parameters[1:]
    names = []
    for param in parameters:
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            names.append("*" + param.name)
        elif param.kind is inspect.Parameter.VAR_KEYWORD:
            names.append("**" + param.name)
        else:
            names.append(param.name)
    return names


def _plain_function_params(func: Any) -> list[str] | None:
    """The parameters of a plain function read from its code object, as
    ``inspect.signature`` names them (20x faster: it runs once per task); ``None`` for
    anything else (a ``__signature__``, a callable object, a builtin)."""
    if type(func) is not types.FunctionType or "__signature__" in func.__dict__:
        return None
    code = func.__code__
    positional, keyword_only = code.co_argcount, code.co_kwonlyargcount
    variables = code.co_varnames
    names = list(variables[:positional])
    extra = positional + keyword_only  # *args, then **kwargs, follow the named ones
    if code.co_flags & inspect.CO_VARARGS:
        names.append("*" + variables[extra])
        extra += 1
    names.extend(variables[positional : positional + keyword_only])
    if code.co_flags & inspect.CO_VARKEYWORDS:
        names.append("**" + variables[extra])
    return names


def task_options(task: Any, limits: tuple[Any, Any]) -> dict[str, Any]:
    """The options the rules compare; ``limits`` = the app's task_time_limit and
    task_soft_time_limit (read once: Celery's settings lookups are slow)."""
    options: dict[str, Any] = {}
    # 5.4 leaves the limits None on the task and applies the conf at run time; 5.7 copies.
    time_limit = getattr(task, "time_limit", None)
    soft_limit = getattr(task, "soft_time_limit", None)
    options["time_limit"] = time_limit if time_limit is not None else limits[0]
    options["soft_time_limit"] = soft_limit if soft_limit is not None else limits[1]
    for name in TASK_OPTIONS:
        options[name] = to_json(getattr(task, name, None))
    options["autoretry_for"] = [
        getattr(exc, "__name__", safe_repr(exc)) for exc in getattr(task, "autoretry_for", ()) or ()
    ]
    for name, default in AUTORETRY_DEFAULTS:
        options[name] = to_json(getattr(task, name, default))
    queue = getattr(type(task), "queue", None)
    if queue is not None:
        options["queue"] = queue_name(queue)
    return options


def queue_name(value: Any) -> str | None:
    """The name in any form Celery accepts for a queue."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return queue_name(value.get("queue"))
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else safe_repr(value)


class _Unlikely:
    """An argument no router expects: routers that inspect args fail or change on it."""

    def __repr__(self) -> str:
        return "<conformance probe argument>"


def route_once(app: Any, task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    exec_options = {}
    get_exec_options = getattr(task, "_get_exec_options", None)
    if callable(get_exec_options):
        exec_options = {k: v for k, v in dict(get_exec_options()).items() if v is not None}
    # Router.route mutates the dict it is given: always pass a fresh copy.
    routed = app.amqp.router.route(dict(exec_options), task.name, args, kwargs, task)
    return queue_name(routed.get("queue"))


_ARG_ROUTERS: dict[int, bool] = {}


def routers_read_args(app: Any) -> bool:
    """Whether any of the app's routers is code (a function, a router class): only those
    can answer by the call's arguments. Maps of names and patterns cannot, and then the
    router is asked once per task instead of twice."""
    known = _ARG_ROUTERS.get(id(app))
    if known is None:
        try:
            from celery.app.routes import MapRoute

            known = any(not isinstance(r, MapRoute) for r in app.amqp.routes)
        except Exception:
            known = True
        _ARG_ROUTERS[id(app)] = known
    return known


def task_queue(app: Any, task: Any) -> dict[str, Any]:
    """The queue as send_task resolves it; dynamic if it raises or depends on args."""
    try:
        plain = route_once(app, task, (), {})
        odd = (
            route_once(app, task, (_Unlikely(),), {"conformance_probe": _Unlikely()})
            if routers_read_args(app)
            else plain
        )
    except Exception as exc:
        missing = re.search(r"Queue '(.+)' missing from task_queues", str(exc))
        if missing and type(exc).__name__ == "QueueNotFound":
            return {"queue": missing.group(1), "queue_dynamic": False, "queue_error": describe(exc)}
        return {"queue": None, "queue_dynamic": True, "queue_error": describe(exc)}
    if plain != odd:
        return {"queue": None, "queue_dynamic": True, "queue_error": None}
    return {"queue": plain, "queue_dynamic": False, "queue_error": None}


def collect_tasks(app: Any) -> list[dict[str, Any]]:
    tasks = []
    limits = (app.conf.task_time_limit, app.conf.task_soft_time_limit)
    for name in sorted(app.tasks):
        if name.startswith("celery."):
            continue
        task = app.tasks[name]
        func, bound = task_function(task)
        path, line = code_location(func)
        entry = {
            "name": name,
            "module": getattr(func, "__module__", None),
            "function": getattr(func, "__qualname__", None),
            "file": path,
            "line": line,
            "params": signature_params(func, drop_first=bound),
            "options": task_options(task, limits),
        }
        entry.update(task_queue(app, task))
        tasks.append(entry)
    return tasks


# --- queues and routes -------------------------------------------------------------------


def collect_queues(conf: Any) -> list[dict[str, Any]]:
    declared = conf.task_queues
    if declared is None:
        return [
            {
                "name": conf.task_default_queue,
                "exchange": conf.task_default_exchange,
                "routing_key": conf.task_default_routing_key,
                "declared": False,
            }
        ]
    queues = []
    if isinstance(declared, dict):
        for name, options in declared.items():
            options = options if isinstance(options, dict) else {}
            exchange = options.get("exchange")
            queues.append(
                {
                    "name": str(name),
                    "exchange": queue_name(exchange),
                    "routing_key": options.get("routing_key"),
                    "declared": True,
                }
            )
        return queues
    for queue in declared:
        exchange = getattr(queue, "exchange", None)
        queues.append(
            {
                "name": queue_name(queue),
                "exchange": getattr(exchange, "name", None) if exchange is not None else None,
                "routing_key": getattr(queue, "routing_key", None),
                "declared": True,
            }
        )
    return queues


def collect_routes(conf: Any) -> list[dict[str, Any]]:
    raw = conf.task_routes
    if raw is None:
        return []
    entries = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    routes: list[dict[str, Any]] = []
    for entry in entries:
        if isinstance(entry, dict):
            routes.extend(map_routes(entry))
        elif isinstance(entry, (list, tuple)):
            try:
                routes.extend(map_routes(dict(entry)))
            except (TypeError, ValueError):
                routes.append(router_route(None, f"not a mapping: {safe_repr(entry)}"))
        else:
            routes.append(router_route(entry))
    return routes


def map_routes(mapping: dict[Any, Any]) -> list[dict[str, Any]]:
    routes = []
    for key, value in mapping.items():
        if isinstance(key, re.Pattern):
            task, pattern = key.pattern, "regex"
        else:
            task = str(key)
            # Celery treats a key as a pattern only if it has "*" (fnmatch.translate).
            pattern = "glob" if "*" in task else "exact"
        routes.append(
            {
                "task": task,
                "pattern": pattern,
                "queue": queue_name(value),
                "dynamic": False,
                "where": None,
                "router": None,
            }
        )
    return routes


def router_route(router: Any, problem: str | None = None) -> dict[str, Any]:
    """A router function, object or dotted string: its answer depends on the call."""
    target = router
    if isinstance(router, str):
        description = router
        try:
            from kombu.utils.imports import symbol_by_name

            target = symbol_by_name(router)  # type: ignore[no-untyped-call]
        except Exception:
            target = None
    else:
        name = getattr(router, "__qualname__", None) or type(router).__qualname__
        module = getattr(router, "__module__", None) or type(router).__module__
        description = f"{module}.{name}"
    if target is not None and not hasattr(target, "__code__"):
        method = getattr(target, "route_for_task", None)
        if method is None and callable(target):
            method = type(target).__call__
        target = method
    path, line = code_location(unwrap(target))
    return {
        "task": None,
        "pattern": "exact",
        "queue": None,
        "dynamic": True,
        "where": f"{path}:{line}" if path is not None else None,
        "router": problem or description,
    }


def unwrap(func: Any) -> Any:
    try:
        return inspect.unwrap(func) if func is not None else None
    except ValueError:
        return func


# --- beat --------------------------------------------------------------------------------


def normalize_schedule(value: Any, app: Any) -> dict[str, Any]:
    from celery.schedules import crontab, maybe_schedule, schedule, solar

    try:
        normalized = maybe_schedule(value, app=app)
    except Exception as exc:
        return {"kind": "dynamic", "error": describe(exc)}
    # In 5.7 crontab and solar are not subclasses of schedule: test them first anyway.
    if isinstance(normalized, crontab):
        return {
            "kind": "crontab",
            "minute": sorted(normalized.minute),
            "hour": sorted(normalized.hour),
            "day_of_week": sorted(normalized.day_of_week),
            "day_of_month": sorted(normalized.day_of_month),
            "month_of_year": sorted(normalized.month_of_year),
        }
    if isinstance(normalized, solar):
        return {
            "kind": "solar",
            "event": normalized.event,
            "lat": normalized.lat,
            "lon": normalized.lon,
        }
    if type(normalized) is schedule:
        return {"kind": "interval", "every": normalized.run_every.total_seconds()}
    return {"kind": "dynamic", "error": f"unsupported schedule {safe_repr(normalized)}"}


def collect_beat(app: Any) -> list[dict[str, Any]]:
    entries = app.conf.beat_schedule or {}
    beat = []
    for name, entry in entries.items():
        entry = entry if isinstance(entry, dict) else {}
        task = entry.get("task")
        beat.append(
            {
                "name": str(name),
                "task": task if isinstance(task, str) else None,
                "schedule": normalize_schedule(entry.get("schedule"), app),
            }
        )
    return beat


# --- signals and bootsteps ---------------------------------------------------------------


def is_celery_internal(module: str | None) -> bool:
    return module is not None and module.split(".")[0] in ("celery", "kombu")


def sender_name(sender_key: Any, tasks_by_id: dict[int, str]) -> str | None:
    if isinstance(sender_key, str):
        return sender_key
    if isinstance(sender_key, bytes):
        return sender_key.decode("utf-8", "replace")
    if isinstance(sender_key, int):
        return tasks_by_id.get(sender_key)
    return None


def collect_signals(app: Any) -> list[dict[str, Any]]:
    from celery import signals
    from celery.utils.dispatch import Signal

    tasks_by_id = {id(task): name for name, task in app.tasks.items()}
    seen: set[int] = set()
    handlers = []
    for attr in sorted(vars(signals)):
        signal = getattr(signals, attr)
        # Deprecated aliases (task_sent...) may name the same Signal twice.
        if not isinstance(signal, Signal) or id(signal) in seen:
            continue
        seen.add(id(signal))
        for key, ref in list(signal.receivers):
            receiver = ref() if isinstance(ref, weakref.ReferenceType) else ref
            if not (inspect.isfunction(receiver) or inspect.ismethod(receiver)):
                continue  # dead weakrefs, and vine promises connected by autodiscover
            func = receiver.__func__ if inspect.ismethod(receiver) else receiver
            func = unwrap(func)
            module = getattr(func, "__module__", None)
            if is_celery_internal(module):
                continue
            path, line = code_location(func)
            sender_key = key[1] if isinstance(key, tuple) and len(key) == 2 else None
            handlers.append(
                {
                    "signal": getattr(signal, "name", None) or attr,
                    "handler": getattr(func, "__qualname__", None),
                    "module": module,
                    "file": path,
                    "line": line,
                    "sender": sender_name(sender_key, tasks_by_id),
                }
            )
    return handlers


def collect_bootsteps(app: Any) -> list[dict[str, Any]]:
    steps = []
    for blueprint in sorted(app.steps):
        for step in sorted(app.steps[blueprint], key=lambda s: str(getattr(s, "name", s))):
            cls = step if isinstance(step, type) else type(step)
            path, line = class_location(cls)
            steps.append(
                {
                    "blueprint": blueprint,
                    "name": str(getattr(step, "name", None) or cls.__name__),
                    "module": cls.__module__,
                    "file": path,
                    "line": line,
                }
            )
    return steps


# --- metrics -----------------------------------------------------------------------------


def import_monitoring(modules: list[str], roots: list[str]) -> list[dict[str, Any]]:
    """Import each monitoring module; a failure is recorded, never fatal."""
    errors = []
    for name in modules:
        try:
            importlib.import_module(name)
        except BaseException as exc:
            errors.append(
                {
                    "module": name,
                    "error": describe(exc),
                    "where": innermost_project_frame(exc, roots),
                }
            )
    return errors


def collect_metrics(modules: list[str], package: str) -> list[dict[str, Any]]:
    # A metric object exists only if the app imported prometheus_client: when it did
    # not, there is nothing to find and no reason to pay for the import here.
    metrics_module = sys.modules.get("prometheus_client.metrics")
    MetricWrapperBase = getattr(metrics_module, "MetricWrapperBase", None)
    if not isinstance(MetricWrapperBase, type):
        return []
    scanned = [m for m in modules if m in sys.modules]
    scanned += sorted(
        name for name in list(sys.modules) if name.split(".")[0] == package and name not in scanned
    )
    # The same metric object is usually imported into several modules: keep the module
    # that assigns it (found in its source), else the first that holds it.
    found: dict[int, dict[str, Any]] = {}
    for module_name in scanned:
        module = sys.modules.get(module_name)
        if module is None:
            continue
        for variable, value in list(vars(module).items()):
            if not isinstance(value, MetricWrapperBase):
                continue
            path = getattr(module, "__file__", None)
            line = None
            if path:
                path = os.path.abspath(path)
                assignment = re.compile(r"^" + re.escape(variable) + r"\s*(:[^=]*)?=[^=]")
                line = first_matching_line(path, assignment)
            known = found.get(id(value))
            if known is not None and (known["line"] is not None or line is None):
                continue
            found[id(value)] = {
                "variable": variable,
                "module": module_name,
                "name": value._name,
                "type": value._type,
                "labels": list(value._labelnames),
                "documentation": value._documentation,
                "unit": value._unit,
                "file": path,
                "line": line,
            }
    return sorted(found.values(), key=lambda m: (m["name"], m["module"]))


# --- settings ----------------------------------------------------------------------------


def is_secret(name: str) -> bool:
    lowered = name.lower()
    if "transport_options" in lowered or "use_ssl" in lowered or lowered == "result_backend":
        return True
    if any(allowed in lowered for allowed in SECRET_ALLOWED):
        return False
    return any(word in lowered for word in SECRET_WORDS)


def collect_settings(conf: Any) -> dict[str, Any]:
    from celery.app.defaults import DEFAULTS

    settings: dict[str, Any] = {}
    # Only Celery's own setting names: a config object (a module, Django settings) also
    # exposes its imports and unrelated settings as keys.
    for name in sorted(DEFAULTS):
        if name in STRUCTURAL_SETTINGS or is_secret(name):
            continue
        try:
            value = conf[name]
        except Exception:
            continue
        if name in ALWAYS_SETTINGS or value != DEFAULTS[name]:
            settings[name] = scrub(to_json(value))
    return settings


CREDENTIALS = re.compile(r"(\w[\w+.-]*://)[^/@\s]*@")


def scrub(value: Any) -> Any:
    """Nested secrets too: secret-looking keys dropped, URL credentials masked."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if not is_secret(k)}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return CREDENTIALS.sub(r"\1***@", value)
    return value


# --- main --------------------------------------------------------------------------------


def probe(request: dict[str, Any]) -> dict[str, Any]:
    try:
        import celery
    except BaseException as exc:
        raise ProbeFailure("celery", exc) from None

    roots = [os.path.realpath(p) for p in request.get("search_paths", [])]
    monitoring = [str(m) for m in request.get("monitoring", [])]
    app, module_name = load_app(str(request["app"]), roots)
    prepare_app(app, roots)
    try:
        monitoring_errors = import_monitoring(monitoring, roots)
        package = module_name.split(".")[0]
        return {
            "probe": PROBE_VERSION,
            "versions": {"celery": celery.__version__, "python": sys.version.split()[0]},
            "app": {"main": app.main, "module": module_name, "package": package},
            "default_queue": app.conf.task_default_queue,
            "tasks": collect_tasks(app),
            "queues": collect_queues(app.conf),
            "routes": collect_routes(app.conf),
            "beat": collect_beat(app),
            "signals": collect_signals(app),
            "bootsteps": collect_bootsteps(app),
            "metrics": collect_metrics(monitoring, package),
            "monitoring_errors": monitoring_errors,
            "settings": collect_settings(app.conf),
        }
    except ProbeFailure:
        raise
    except BaseException as exc:
        raise ProbeFailure("collect", exc, innermost_project_frame(exc, roots)) from None


def error_document(stage: str, exc: BaseException, where: str | None) -> dict[str, Any]:
    message = str(exc)
    if isinstance(exc, SystemExit):
        message = f"the app called sys.exit({exc.code!r})"
    return {
        "error": {
            "stage": stage,
            "type": type(exc).__name__,
            "message": message,
            "where": where,
        }
    }


def encode(document: dict[str, Any], limit: int) -> tuple[bytes, int]:
    try:
        data = json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        failed = error_document("output", exc, None)
        return json.dumps(failed).encode("utf-8"), EXIT_FAILED
    if len(data) > limit:
        too_big = {
            "error": {
                "stage": "output",
                "type": "OutputTooLarge",
                "message": f"probe output exceeds {limit} bytes",
                "where": None,
            }
        }
        return json.dumps(too_big).encode("utf-8"), EXIT_FAILED
    return data, 0 if "error" not in document else EXIT_FAILED


def main() -> None:
    # Keep the real stdout for the JSON; everything the app writes goes to stderr.
    channel = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    limit = DEFAULT_MAX_OUTPUT
    try:
        request = json.loads(sys.stdin.read())
        if not isinstance(request, dict) or not isinstance(request.get("app"), str):
            raise ValueError("the request must be a JSON object with an `app` string")
        limit = int(request.get("max_output") or DEFAULT_MAX_OUTPUT)
        set_sys_path([os.path.abspath(p) for p in request.get("search_paths", [])])
        document = probe(request)
    except ProbeFailure as failure:
        document = error_document(failure.stage, failure.exc, failure.where)
    except BaseException as exc:
        document = error_document("input", exc, None)
    data, status = encode(document, limit)
    with os.fdopen(channel, "wb") as out:
        out.write(data)
    sys.stderr.flush()
    # Skip interpreter shutdown: the app's atexit hooks and non-daemon threads must
    # neither print over our result nor keep the child alive.
    os._exit(status)


if __name__ == "__main__":
    main()
