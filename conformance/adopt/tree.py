"""The repository's files, listed once for every finder of ``conformance init``.

Nothing is imported or executed. Folders no project file lives in are passed over whole
(virtualenvs, ``.git``, ``node_modules``, installed packages, tests, build output): a
test app or a vendored Celery would otherwise pass for the project's own.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from conformance.fileio import why_unreadable

SKIPPED_FOLDERS = frozenset(
    {
        "node_modules",
        "bower_components",
        "site-packages",
        "dist-packages",
        "__pycache__",
        "tests",
        "test",
        "build",
        "dist",
        "venv",
        "virtualenv",
        "htmlcov",
        "vendor",
    }
)
"""Folder names never walked into (hidden folders, ``.git`` and ``.venv`` among them, are
passed over too, as is any folder holding a ``pyvenv.cfg``)."""

MAX_TEXT_BYTES = 2_000_000
"""Files larger than this are no hand-written source, page or deploy file: not read."""


@dataclass(frozen=True)
class RepoFiles:
    """The regular files under ``root`` worth looking at, as sorted POSIX paths relative
    to ``root``."""

    root: Path
    paths: tuple[str, ...]

    @functools.cached_property
    def _index(self) -> frozenset[str]:
        return frozenset(self.paths)

    def has(self, relative: str) -> bool:
        return relative in self._index

    def with_suffix(self, *suffixes: str) -> tuple[str, ...]:
        return tuple(p for p in self.paths if p.lower().endswith(suffixes))

    def text(self, relative: str) -> str | None:
        """The file's text, or ``None`` when it is too large, not UTF-8 or unreadable
        (a finder then simply does not count it)."""
        path = self.root / relative
        try:
            if path.stat().st_size > MAX_TEXT_BYTES:
                return None
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None


def walk_repository(root: Path) -> RepoFiles:
    """Every readable regular file under ``root``, outside the skipped folders."""
    root = root.resolve()
    found: list[str] = []
    # Symlinked folders are not followed: two `ln -s . x` links would loop for ever.
    for folder, subfolders, names in os.walk(root, followlinks=False):
        here = Path(folder)
        subfolders[:] = sorted(d for d in subfolders if not _skipped(here / d))
        for name in names:
            path = here / name
            if why_unreadable(path) is None:
                found.append(path.relative_to(root).as_posix())
    return RepoFiles(root, tuple(sorted(found)))


def _skipped(folder: Path) -> bool:
    name = folder.name
    return (
        name.startswith(".")
        or name in SKIPPED_FOLDERS
        or folder.is_symlink()
        or (folder / "pyvenv.cfg").exists()
    )
