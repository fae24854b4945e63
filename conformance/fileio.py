"""Writing files so that an interrupted run never leaves half a file behind."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from conformance.errors import ConformanceError


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file next to ``path``, then rename it into place.

    The file keeps the mode of the file it replaces (a new file gets the umask's default,
    as ``open`` would give it); a symlink is followed, so the link stays a link.
    """
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    if _is_special(path):
        # `-o /dev/null`, `-o /dev/stdout`, a named pipe: written through, never renamed
        # over (a rename would put a regular file where the device was).
        _write_through(path, text)
        return
    mode = _mode_for(path)
    if _is_read_only(path):
        # A rename would replace it anyway (the folder is writable); like `cp` without
        # `-f`, a file someone made read-only is not overwritten behind their back.
        raise ConformanceError(
            "is read-only; not replaced (make it writable or remove it)", str(path)
        )
    folder = path.parent if str(path.parent) else Path(".")
    tmp: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Signals wait until `tmp` is known, so an interrupt can always remove the file.
        with _signals_held():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # mkstemp creates 0600 files: a report is not a secret.
        os.replace(tmp, path)
    except BaseException as exc:  # SIGTERM and SIGHUP arrive here too (see interrupts.py)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ConformanceError(f"cannot write: {exc.strerror or exc}", str(path)) from None
        raise


def _is_special(path: Path) -> bool:
    """An existing file that is not a regular file or a folder: a device, a FIFO, a socket."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _write_through(path: Path, text: str) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as exc:
        raise ConformanceError(f"cannot write: {exc.strerror or exc}", str(path)) from None


def _is_read_only(path: Path) -> bool:
    """An existing regular file without write permission for us (or, as root, for anyone)."""
    try:
        status = path.stat()
    except OSError:
        return False
    if not stat.S_ISREG(status.st_mode):
        return False
    return not os.access(path, os.W_OK) or not status.st_mode & 0o222


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP for the block (delivered right after it), where possible."""
    block = getattr(signal, "pthread_sigmask", None)
    if block is None:  # pragma: no cover - Windows
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = block(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        block(signal.SIG_SETMASK, previous)


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def why_unreadable(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file ("" for a folder), or None when it can.

    Globs match FIFOs, sockets and symlinks that loop; reading a FIFO blocks until
    someone writes to it, so nothing is opened before its mode says it is a regular file.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if path.is_symlink():
            return f"is a symlink that {'loops' if exc.errno == errno.ELOOP else 'points nowhere'}"
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return ""
    if not stat.S_ISREG(mode):
        return f"is not a regular file (a {_file_kind(mode)})"
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return None


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device"


def project_path(path: Path | str, root: Path) -> str:
    """``path`` as locations name it: relative to ``root`` once symlinks are resolved, in
    POSIX form; as given when it lies outside ``root``."""
    given = Path(path)
    try:
        return given.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return given.as_posix()


def shown_path(path: Path, root: Path) -> str:
    """``path`` as reports show it: relative to ``root`` in POSIX form, else as given (no
    resolving: a symlink that loops must still be named)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
