"""Live introspection: import the user's Celery app in a child process, read a Spec.

The child runs :mod:`conformance.introspect.probe` by path with the project's own
interpreter, so nothing of the app (prints, Prometheus registries, ``sys.exit``) reaches
this process; it answers with one JSON document that is turned here into model items
with :attr:`Origin.LIVE`.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.interrupts import raise_if_interrupted, stop_on_interrupt
from conformance.model import (
    Bootstep,
    Extraction,
    Location,
    Metric,
    MetricType,
    Notice,
    Origin,
    Queue,
    Route,
    Schedule,
    Setting,
    SignalHandler,
    Spec,
    Task,
)
from conformance.schedules import timing_from_json

PROBE_PATH = Path(__file__).with_name("probe.py")
PROBE_EXIT_FAILED = 3
MAX_OUTPUT = 32 * 1024 * 1024
"""Default cap on the probe's JSON answer, in bytes; an app this large is unusual."""
MAX_OUTPUT_VARIABLE = "CONFORMANCE_PROBE_MAX_OUTPUT"
EXTRA_ENV_VARIABLE = "CONFORMANCE_PROBE_ENV"
STDERR_KEEP = 64 * 1024
"""Only the end of the child's stderr is kept: it is read for the last line."""
PASSED_VARIABLES = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "TEMP",
        "TMP",
        "VIRTUAL_ENV",
        "CONDA_PREFIX",
        "SYSTEMROOT",
        "DJANGO_SETTINGS_MODULE",
    }
)
"""Environment variables the probe child inherits by name (see :func:`child_environment`)."""
PASSED_PREFIXES = ("LC_", "CELERY_")
_CAP_SLACK = 4096  # the error document that replaces an over-long answer
_CAP_HINT = f" (set {MAX_OUTPUT_VARIABLE} to raise the cap)"
_CHUNK = 65536
_POLL_INTERVAL = 0.05  # how often the child is checked while its pipes stay open
_DRAIN_GRACE = 0.5  # seconds to read what is left once the child has exited

_METRIC_TYPES: dict[str, MetricType] = {
    "counter": "counter",
    "gauge": "gauge",
    "histogram": "histogram",
    "summary": "summary",
    "info": "info",
    "enum": "enum",
    "stateset": "enum",  # prometheus_client's Enum is a stateset family
}

_STAGE_WORDS = {
    "import": "cannot import",
    "config": "cannot load its configuration",
    "finalize": "cannot import its task modules",
    "collect": "the probe failed while reading the app",
}


@dataclass(frozen=True)
class LiveResult:
    """What the live probe learnt: the code-side spec and a few raw facts."""

    extraction: Extraction
    default_queue: str
    celery_version: str
    python_version: str


def probe_app(config: Config) -> LiveResult:
    """Import ``config.app`` in a child interpreter and describe it as a live Spec.

    Raises :class:`ConformanceError` with one line naming the cause when the app cannot
    be probed (does not import, missing attribute, timeout, crash, bad output).
    """
    if not config.app:
        raise ConformanceError(
            "no Celery app configured: set `app` in [tool.conformance] or pass --app"
        )
    document = run_probe(config)
    try:
        return result_from_document(document, config)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConformanceError(
            f"{config.app}: probe output has an unexpected shape ({type(exc).__name__}: {exc})"
        ) from None


def run_probe(config: Config) -> dict[str, Any]:
    """Run the probe child and return its JSON document (errors become exceptions)."""
    app = cast(str, config.app)
    search_dirs = [str(d) for d in config.search_dirs]
    request = {
        "app": app,
        "search_paths": search_dirs,
        "monitoring": list(config.monitoring),
        "max_output": output_cap(),
    }
    stdout, stderr, status = _run_child(config, json.dumps(request).encode())
    if status < 0:
        name = _signal_name(-status)
        raise ConformanceError(f"{app}: the probe was killed by signal {name}{_tail(stderr)}")
    if not stdout.strip():
        # Nothing came back: the import ended the process (`sys.exit`, `os._exit`).
        raise ConformanceError(
            f"{app}: the app exited during import (exit status {status}) before the probe "
            f"could answer{_tail(stderr)}"
        )
    try:
        document = json.loads(stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ConformanceError(
            f"{app}: probe output is not valid JSON (exit status {status}){_tail(stderr)}"
        ) from None
    if not isinstance(document, dict):
        raise ConformanceError(f"{app}: probe output is not a JSON object")
    error = document.get("error")
    if isinstance(error, dict):
        raise ConformanceError(_error_line(app, error, config))
    if status != 0:
        raise ConformanceError(f"{app}: the probe exited with status {status}{_tail(stderr)}")
    return document


def _run_child(config: Config, request: bytes) -> tuple[bytes, bytes, int]:
    python = _interpreter(config)
    env = child_environment(config, os.environ)
    try:
        # A session of its own: on timeout the whole group (the app's helpers too) goes.
        child = subprocess.Popen(
            [python, str(PROBE_PATH)],
            cwd=config.root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise ConformanceError(
            f"cannot run the live probe: interpreter not found: {python}"
        ) from None
    except OSError as exc:
        raise ConformanceError(f"cannot run the live probe with {python}: {exc}") from None
    try:
        with stop_on_interrupt(lambda: _kill_group(child)):
            stdout, stderr = _exchange(child, request, config.timeout, output_cap() + _CAP_SLACK)
    except subprocess.TimeoutExpired:
        raise_if_interrupted()
        raise ConformanceError(
            f"{config.app}: did not finish importing within {config.timeout:g} s"
        ) from None
    except _OutputOverflow:
        raise_if_interrupted()
        raise ConformanceError(
            f"{config.app}: probe output exceeds {output_cap()} bytes{_CAP_HINT}"
        ) from None
    finally:
        # Every way out (answer, error, timeout, overflow, Ctrl-C, SIGTERM) ends the whole
        # group: whatever the app started at import must not outlive the run. The leader
        # is reaped only afterwards, so its group id cannot have been handed on.
        _kill_group(child)
        child.wait()
        for pipe in (child.stdin, child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()
    raise_if_interrupted()  # the child was killed for it: not a crash to report
    return stdout, stderr, child.returncode


class _OutputOverflow(Exception):
    """The child wrote more to its result channel than the cap allows."""


def _exchange(
    child: subprocess.Popen[bytes], request: bytes, timeout: float, cap: int
) -> tuple[bytes, bytes]:
    """``communicate`` with limits: at most ``cap`` bytes of stdout are kept (more is an
    overflow), only the last :data:`STDERR_KEEP` bytes of stderr (an app may log without
    end), and everything within ``timeout`` seconds."""
    assert child.stdin and child.stdout and child.stderr
    deadline = time.monotonic() + timeout
    out = bytearray()
    err = bytearray()
    with selectors.DefaultSelector() as selector:
        if request:
            selector.register(child.stdin, selectors.EVENT_WRITE)
        else:
            child.stdin.close()
        selector.register(child.stdout, selectors.EVENT_READ, out)
        selector.register(child.stderr, selectors.EVENT_READ, err)
        sent = 0
        ended_at: float | None = None
        while selector.get_map():
            now = time.monotonic()
            left = deadline - now
            if left <= 0:
                raise subprocess.TimeoutExpired(child.args, timeout)
            if ended_at is None and _has_exited(child):
                # The probe has answered and gone; a process the app forked may still
                # hold the pipes open. Its group goes now, and what is left in the pipes
                # is read for a moment (a daemon that left the group is not waited for).
                ended_at = now
                _kill_group(child)
            elif ended_at is not None and now - ended_at > _DRAIN_GRACE:
                break
            for key, _events in selector.select(min(left, _POLL_INTERVAL)):
                if key.fileobj is child.stdin:
                    try:
                        sent += os.write(key.fd, request[sent : sent + _CHUNK])
                    except BrokenPipeError:
                        sent = len(request)
                    if sent >= len(request):
                        selector.unregister(child.stdin)
                        child.stdin.close()
                    continue
                chunk = os.read(key.fd, _CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                buffer: bytearray = key.data
                buffer += chunk
                if buffer is out and len(out) > cap:
                    raise _OutputOverflow
                if buffer is err and len(err) > 2 * STDERR_KEEP:
                    del err[:-STDERR_KEEP]
    # Pipes closed but the process may linger (it closed them itself): same deadline.
    while not _has_exited(child):
        if time.monotonic() >= deadline:
            raise subprocess.TimeoutExpired(child.args, timeout)
        time.sleep(0.01)
    return bytes(out), bytes(err[-STDERR_KEEP:])


def _has_exited(child: subprocess.Popen[bytes]) -> bool:
    """Whether the child has ended, without reaping it (``WNOWAIT``): while it is an
    unreaped zombie its process group id stays its own, safe to kill."""
    if child.returncode is not None:
        return True
    waitid = getattr(os, "waitid", None)
    if waitid is None:  # pragma: no cover - platforms without waitid
        return child.poll() is not None
    try:
        info = waitid(os.P_PID, child.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def output_cap() -> int:
    """The most bytes the probe may send back: :data:`MAX_OUTPUT`, or
    ``$CONFORMANCE_PROBE_MAX_OUTPUT`` when that is a positive integer."""
    raw = os.environ.get(MAX_OUTPUT_VARIABLE, "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return MAX_OUTPUT


def child_environment(config: Config, parent: Mapping[str, str]) -> dict[str, str]:
    """The probe child's whole environment, built rather than inherited.

    Passed: the basics a Python process and the app need to start
    (:data:`PASSED_VARIABLES`), Celery's and Django's own variables
    (:data:`PASSED_PREFIXES`), and the names listed in ``$CONFORMANCE_PROBE_ENV``.
    Set: ``PYTHONPATH`` = the search paths only, ``PYTHONDONTWRITEBYTECODE=1`` (no
    ``__pycache__`` in the project), ``PYTHONIOENCODING=utf-8``. Everything else (CI
    tokens, cloud credentials, our own settings) stays out of reach of the app's code.
    """
    extra = set(parent.get(EXTRA_ENV_VARIABLE, "").replace(",", " ").split())
    env = {
        name: value
        for name, value in parent.items()
        if name in PASSED_VARIABLES or name.startswith(PASSED_PREFIXES) or name in extra
    }
    env["PYTHONPATH"] = os.pathsep.join(str(d) for d in config.search_dirs)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)


def _interpreter(config: Config) -> str:
    python = config.python
    if not python:
        return sys.executable
    if os.sep in python or (os.altsep and os.altsep in python):
        # No resolve(): a venv's python is a symlink and only works under its own path.
        return os.path.abspath(config.root / python)
    return shutil.which(python) or python


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _tail(stderr: bytes) -> str:
    """The child's last stderr line, which usually says why it died."""
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return f": {lines[-1].strip()[:300]}" if lines else ""


def _error_line(app: str, error: Mapping[str, Any], config: Config) -> str:
    stage = str(error.get("stage") or "")
    kind = str(error.get("type") or "Error")
    message = str(error.get("message") or "")
    where = error.get("where")
    at = f" (at {_location(where, config)})" if isinstance(where, str) and where else ""
    if stage in _STAGE_WORDS:
        return f"{app}: {_STAGE_WORDS[stage]}: {kind}: {message}{at}"
    if stage == "celery":
        python = _interpreter(config)
        return f"{app}: celery does not import with {python}: {kind}: {message}"
    if stage == "input":
        return f"{app}: the probe rejected its request: {kind}: {message}"
    if stage == "output" and kind == "OutputTooLarge":
        return f"{app}: {message}{_CAP_HINT}"
    return f"{app}: {message}{at}"


def _config_location(config: Config, key: str) -> Location | None:
    if config.source is None:
        return None
    try:
        path = config.source.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        path = config.source.as_posix()
    return Location(path, config.key_lines.get(key, 1))


def _location(where: str, config: Config) -> Location:
    parsed = Location.parse(where)
    return Location(config.rel(parsed.path), parsed.line)


def _source(entry: Mapping[str, Any], config: Config) -> Location | None:
    path = entry.get("file")
    if not isinstance(path, str) or not path:
        return None
    line = entry.get("line")
    return Location(config.rel(path), line if isinstance(line, int) and line > 0 else 1)


# --- document -> model -------------------------------------------------------------------


def result_from_document(document: Mapping[str, Any], config: Config) -> LiveResult:
    """Turn the probe's JSON document into a :class:`LiveResult`."""
    notices: list[Notice] = []
    spec = Spec(
        tasks=tuple(_task(t, config) for t in document["tasks"]),
        queues=tuple(_queue(q) for q in document["queues"] if q.get("declared")),
        routes=tuple(_route(r, config, notices) for r in document["routes"]),
        schedules=tuple(_schedule(b, notices) for b in document["beat"]),
        signals=tuple(_signal(s, config) for s in document["signals"]),
        metrics=tuple(_metric(m, config) for m in document["metrics"]),
        bootsteps=tuple(_bootstep(b, config) for b in document["bootsteps"]),
        settings=tuple(
            Setting(name, value, origin=Origin.LIVE)
            for name, value in sorted(document["settings"].items())
        ),
    )
    for failed in document.get("monitoring_errors", []):
        where = failed.get("where")
        location = _location(where, config) if isinstance(where, str) and where else None
        if location is None and config.source is not None:
            # A module that is not there: the config line that names it.
            location = _config_location(config, "monitoring")
        notices.append(
            Notice(
                "import-error",
                f"monitoring module `{failed['module']}` does not import: {failed['error']}",
                location.path if location else None,
                location.line if location else None,
            )
        )
    versions = document.get("versions", {})
    return LiveResult(
        extraction=Extraction(spec, tuple(notices)),
        default_queue=str(document["default_queue"]),
        celery_version=str(versions.get("celery", "")),
        python_version=str(versions.get("python", "")),
    )


def _task(entry: Mapping[str, Any], config: Config) -> Task:
    module, qualname = entry.get("module"), entry.get("function")
    function = f"{module}.{qualname}" if module and qualname else None
    return Task(
        name=entry["name"],
        options=dict(entry.get("options", {})),
        queue=None if entry.get("queue_dynamic") else entry.get("queue"),
        params=tuple(entry.get("params", ())),
        function=function,
        source=_source(entry, config),
        origin=Origin.LIVE,
    )


def _queue(entry: Mapping[str, Any]) -> Queue:
    return Queue(
        name=entry["name"],
        exchange=entry.get("exchange"),
        routing_key=entry.get("routing_key"),
        origin=Origin.LIVE,
    )


def _route(entry: Mapping[str, Any], config: Config, notices: list[Notice]) -> Route:
    where = entry.get("where")
    source = _location(where, config) if isinstance(where, str) and where else None
    if not entry.get("dynamic"):
        return Route(
            task=entry["task"],
            queue=entry.get("queue"),
            pattern=entry.get("pattern", "exact"),
            origin=Origin.LIVE,
        )
    router = str(entry.get("router") or "a router")
    notices.append(
        Notice(
            "not-judged",
            f"task_routes uses router `{router}`: the queues it picks depend on the call",
            source.path if source else None,
            source.line if source else None,
        )
    )
    return Route(task=router, queue=None, dynamic=True, source=source, origin=Origin.LIVE)


def _schedule(entry: Mapping[str, Any], notices: list[Notice]) -> Schedule:
    raw = entry.get("schedule") or {}
    why = raw.get("error") or "not a crontab, interval or solar schedule"
    try:
        timing = timing_from_json(raw)
    except ValueError as exc:
        timing, why = None, str(exc)
    if timing is None:
        notices.append(
            Notice(
                "not-judged",
                f"beat entry `{entry['name']}`: schedule only known at run time ({why})",
            )
        )
    return Schedule(name=entry["name"], task=entry.get("task"), timing=timing, origin=Origin.LIVE)


def _signal(entry: Mapping[str, Any], config: Config) -> SignalHandler:
    return SignalHandler(
        signal=entry["signal"],
        handler=entry.get("handler"),
        module=entry.get("module"),
        sender=entry.get("sender"),
        source=_source(entry, config),
        origin=Origin.LIVE,
    )


def _metric(entry: Mapping[str, Any], config: Config) -> Metric:
    return Metric(
        name=entry["name"],
        type=_METRIC_TYPES.get(str(entry.get("type"))),
        labels=tuple(entry.get("labels", ())),
        documentation=entry.get("documentation"),
        variable=entry.get("variable"),
        source=_source(entry, config),
        origin=Origin.LIVE,
    )


def _bootstep(entry: Mapping[str, Any], config: Config) -> Bootstep:
    blueprint: Literal["worker", "consumer"] = (
        "consumer" if entry.get("blueprint") == "consumer" else "worker"
    )
    return Bootstep(
        name=entry["name"], blueprint=blueprint, source=_source(entry, config), origin=Origin.LIVE
    )
