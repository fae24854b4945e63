"""Start the live probe: a child interpreter that imports the user's Celery app.

The child runs :mod:`conformance.introspect.probe` by path with the project's own
interpreter, in a process group of its own, with an environment built rather than
inherited. It is started as early as the run allows (before the readers are imported)
and answers with one JSON document, which :mod:`conformance.introspect.live` turns into
model items. This module imports nothing of the model, so that starting costs nothing.
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
import threading
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from conformance.config import Config
from conformance.errors import ConformanceError
from conformance.interrupts import raise_if_interrupted, stop_on_interrupt

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
_ATOMIC_WRITE = 4096  # POSIX: a write of at most PIPE_BUF bytes to an empty pipe never blocks

_STAGE_WORDS = {
    "import": "cannot import",
    "config": "cannot load its configuration",
    "finalize": "cannot import its task modules",
    "collect": "the probe failed while reading the app",
}


def launch_probe(config: Config) -> LaunchedProbe:
    """Start the probe child for ``config.app`` now; :meth:`LaunchedProbe.document` waits
    for its answer. Started first thing, it imports the app while we read the docs."""
    if not config.app:
        raise ConformanceError(
            "no Celery app configured: set `app` in [tool.conformance] or pass --app"
        )
    return LaunchedProbe(config)


def launch_probes(config: Config) -> tuple[LaunchedProbe, ...]:
    """One probe child per configured app, all started now (none in static mode). The
    caller closes them, or hands them to ``introspect``, which does."""
    if config.mode == "static":
        return ()
    started: list[LaunchedProbe] = []
    try:
        for app in config.app_list:
            started.append(launch_probe(replace(config, app=app, apps=(app,))))
    except BaseException:
        for probe in started:
            probe.close()
        raise
    return tuple(started)


class LaunchedProbe:
    """A probe child at work. Its whole process group is killed however the run ends:
    on :meth:`document`, on :meth:`close` (call it when the answer is no longer wanted),
    and from the signal handler on Ctrl-C, SIGTERM or SIGHUP."""

    def __init__(self, config: Config) -> None:
        self.config = config
        # The timeout counts from the start: the import runs while we do other work.
        self._deadline = time.monotonic() + config.timeout
        self._child: subprocess.Popen[bytes] | None = None
        self._reaping = threading.Lock()
        self._launch_error: ConformanceError | None = None
        self._stops = contextlib.ExitStack()
        request = {
            "app": config.app,
            "search_paths": [str(d) for d in config.search_dirs],
            "monitoring": list(config.monitoring),
            "max_output": output_cap(),
        }
        self._request = json.dumps(request).encode()
        python = _interpreter(config)
        try:
            # A session of its own: on timeout the whole group (the app's helpers too) goes.
            self._child = subprocess.Popen(
                [python, str(PROBE_PATH)],
                cwd=config.root,
                env=child_environment(config, os.environ),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except FileNotFoundError:
            self._launch_error = ConformanceError(
                f"cannot run the live probe: interpreter not found: {python}"
            )
            return
        except OSError as exc:
            self._launch_error = ConformanceError(f"cannot run the live probe with {python}: {exc}")
            return
        child = self._child
        try:
            self._stops.enter_context(stop_on_interrupt(lambda: _kill_group(child)))
            if len(self._request) <= _ATOMIC_WRITE and child.stdin is not None:
                # Fits in an empty pipe at once: the child can start before we wait for it.
                with contextlib.suppress(BrokenPipeError):
                    os.write(child.stdin.fileno(), self._request)
                child.stdin.close()
                self._request = b""
        except BaseException:  # a signal now: nobody holds this probe yet to close it
            self.close()
            raise

    def stop(self) -> None:
        """Kill the child's group now, from any thread; whoever waits for the answer
        then gets an error at once instead of waiting for the import to finish."""
        with self._reaping:
            if self._child is not None:
                _kill_group(self._child)

    def close(self) -> None:
        """End the child and its group (once; later calls do nothing)."""
        with self._reaping:
            child = self._child
            if child is None:
                return
            self._child = None
            # The leader is reaped only after its group is killed, so its group id
            # cannot have been handed on (nor killed by `stop` once reaped: the lock).
            _kill_group(child)
            child.wait()
        for pipe in (child.stdin, child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()
        self._stops.close()

    def document(self) -> dict[str, Any]:
        """The child's JSON answer; waits for it (errors become
        :class:`ConformanceError`) and ends the child's group."""
        app = cast(str, self.config.app)
        stdout, stderr, status = self._answer()
        if status < 0:
            name = _signal_name(-status)
            raise ConformanceError(f"{app}: the probe was killed by signal {name}{_tail(stderr)}")
        if not stdout.strip():
            # Nothing came back: the import ended the process (`sys.exit`, `os._exit`).
            raise ConformanceError(
                f"{app}: the app exited during import (exit status {status}) before the "
                f"probe could answer{_tail(stderr)}"
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
            raise ConformanceError(_error_line(app, error, self.config))
        if status != 0:
            raise ConformanceError(f"{app}: the probe exited with status {status}{_tail(stderr)}")
        return document

    def _answer(self) -> tuple[bytes, bytes, int]:
        if self._launch_error is not None:
            raise self._launch_error
        child = self._child
        if child is None:
            raise ConformanceError(f"{self.config.app}: the probe was already closed")
        config = self.config
        try:
            stdout, stderr = _exchange(
                child, self._request, self._deadline, config.timeout, output_cap() + _CAP_SLACK
            )
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
            # Every way out (answer, error, timeout, overflow, Ctrl-C, SIGTERM) ends the
            # whole group: whatever the app started at import must not outlive the run.
            self.close()
        raise_if_interrupted()  # the child was killed for it: not a crash to report
        assert child.returncode is not None
        return stdout, stderr, child.returncode


class _OutputOverflow(Exception):
    """The child wrote more to its result channel than the cap allows."""


def _exchange(
    child: subprocess.Popen[bytes], request: bytes, deadline: float, timeout: float, cap: int
) -> tuple[bytes, bytes]:
    """``communicate`` with limits: at most ``cap`` bytes of stdout are kept (more is an
    overflow), only the last :data:`STDERR_KEEP` bytes of stderr (an app may log without
    end), and everything by ``deadline`` (``timeout`` seconds after the start)."""
    assert child.stdin and child.stdout and child.stderr
    out = bytearray()
    err = bytearray()
    with selectors.DefaultSelector() as selector:
        if request:
            selector.register(child.stdin, selectors.EVENT_WRITE)
        elif not child.stdin.closed:
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
    at = f" (at {_shown_where(where, config)})" if isinstance(where, str) and where else ""
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


def _shown_where(where: str, config: Config) -> str:
    """``path:line`` from the probe, with the path as reports show it."""
    path, sep, line = where.rpartition(":")
    if not (sep and line.isdigit()):
        path, line = where, "1"
    return f"{config.rel(path)}:{int(line)}"
