"""Signals that end a run: Ctrl-C, a CI runner's cancel (SIGTERM), a closed terminal (SIGHUP).

Python turns SIGINT into :class:`KeyboardInterrupt`, so ``finally`` blocks run (the live
probe's process group is killed, a half-written temporary file is removed). SIGTERM and
SIGHUP would end the process on the spot and skip all of that; :func:`signals_as_interrupts`
makes them raise :class:`Interrupted` too, and the CLI exits with ``128 + signal``, as a
shell reports a process ended by that signal.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

HANDLED = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return 128 + self.signum

    @property
    def signal_name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return str(self.signum)


def exit_status(interrupt: KeyboardInterrupt) -> int:
    """128 + the signal's number; a bare KeyboardInterrupt counts as SIGINT (130)."""
    if isinstance(interrupt, Interrupted):
        return interrupt.exit_status
    return 128 + int(signal.SIGINT)


# What to stop at once when a signal arrives: work running in another thread (the live
# probe waits for its child in a worker thread) cannot see the main thread's exception.
# Plain dict operations are atomic, so the handler needs no lock a thread might hold.
_stoppers: dict[int, Callable[[], None]] = {}
_received: list[Interrupted] = []


@contextmanager
def stop_on_interrupt(stop: Callable[[], None]) -> Iterator[None]:
    """Within the block, a signal calls ``stop`` (from the main thread) before it raises."""
    key = id(stop)
    _stoppers[key] = stop
    try:
        yield
    finally:
        _stoppers.pop(key, None)


def raise_if_interrupted() -> None:
    """In a worker thread: end like the main thread does if a signal has stopped the run."""
    if _received:
        raise _received[0]


@contextmanager
def signals_as_interrupts() -> Iterator[None]:
    """Within the block, SIGINT/SIGTERM/SIGHUP raise :class:`Interrupted` once.

    A second signal while the first one's clean-up runs is ignored: clean-up is short
    (kill a process group, unlink a file) and must not be cut in half by an impatient
    second Ctrl-C. Outside the main thread (a test runner calling ``main``) nothing is
    installed: only the main thread may set handlers, and it is not ours to take.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    raised: list[bool] = []
    can_defer = hasattr(signal, "setitimer")

    def handler(signum: int, frame: FrameType | None) -> None:
        if raised:
            return
        if not _received:
            _received.append(Interrupted(signum))
            for stop in list(_stoppers.values()):
                with contextlib.suppress(Exception):
                    stop()
        if can_defer and _in_import_machinery(frame):
            # An exception raised inside importlib (a module lock's clean-up callback)
            # is swallowed and can leave the import lock held: every other thread that
            # imports then waits for ever. Raise a moment later, out of there.
            signal.setitimer(signal.ITIMER_REAL, 0.01)
            return
        raised.append(True)
        raise _received[0]

    def retry(signum: int, frame: FrameType | None) -> None:
        if _received and not raised:
            handler(_received[0].signum, frame)

    if can_defer:
        previous_alarm = signal.signal(signal.SIGALRM, retry)

    # A signal the caller chose to ignore (``nohup`` ignores SIGHUP) stays ignored.
    previous = {
        number: old for number in HANDLED if (old := signal.getsignal(number)) is not signal.SIG_IGN
    }
    for number in previous:
        signal.signal(number, handler)
    try:
        yield
    finally:
        _received.clear()
        for number, old in previous.items():
            signal.signal(number, old if old is not None else signal.SIG_DFL)
        if can_defer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous_alarm)


def _in_import_machinery(frame: FrameType | None) -> bool:
    """Whether the interrupted code is importlib's own (frozen) bootstrap code."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False
