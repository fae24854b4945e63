"""An optional on-disk cache (``.conformance_cache/``), like ruff's and mypy's.

Keyed by the content of what was read: a doc page's extraction by the page's bytes and
path, the static analysis of the code by every source and deploy file's bytes and the
settings that steer it. Entries are JSON written atomically, in a folder named for the
tool's version and this format's number, so an upgrade never reads an old entry (old
folders are removed). A value is rebuilt only from our own model classes (no pickle, no
code): a damaged entry is a miss, never an error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conformance import model
from conformance.fileio import write_atomic

FOLDER = ".conformance_cache"
FORMAT = 2
"""Bump when what an entry holds changes shape."""

# Every class a cached value may contain, by name: nothing else is ever built.
_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in vars(model).values()
    if isinstance(cls, type) and (dataclasses.is_dataclass(cls) or issubclass(cls, enum.Enum))
}


def digest(*parts: bytes | str) -> str:
    """A key from the parts, each length-prefixed so no two sequences collide."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


class Cache:
    """Entries under ``ROOT/.conformance_cache/<version>-<format>/<namespace>/``."""

    def __init__(self, root: Path, version: str) -> None:
        self.base = root / FOLDER
        self.folder = self.base / f"{version}-{FORMAT}"
        self.hits = 0
        self.misses = 0

    def get(self, namespace: str, key: str) -> Any | None:
        path = self.folder / namespace / f"{key}.json"
        try:
            value = self._decode_text(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    @staticmethod
    def _decode_text(text: str) -> Any:
        return json.loads(text, object_hook=_rebuilt)

    def put(self, namespace: str, key: str, value: Any) -> None:
        if not self.folder.is_dir():
            self._start()
        with contextlib.suppress(Exception):  # a cache that cannot write is only slower
            write_atomic(self.folder / namespace / f"{key}.json", json.dumps(encode(value)))

    def _start(self) -> None:
        """A new version's folder: the old ones go, and git is told to ignore it all."""
        with contextlib.suppress(OSError):
            for old in self.base.iterdir() if self.base.is_dir() else ():
                if old.is_dir() and old != self.folder:
                    shutil.rmtree(old, ignore_errors=True)
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self.base / ".gitignore", "# made by conformance\n*\n")


def files_digest(paths: Iterable[Path], root: Path) -> str:
    """One key for the contents (and names) of ``paths``."""
    parts: list[bytes | str] = []
    for path in sorted(paths):
        try:
            data = path.read_bytes()
        except OSError:
            data = b"\0unreadable"
        parts += [path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)]
        parts += [data]
    return digest(*parts)


# What the static analysis may read besides Markdown: sources, settings, deploy files
# and the scripts they start.
_READ_SUFFIXES = frozenset(
    {".py", ".pyi", ".toml", ".cfg", ".ini", ".conf", ".yml", ".yaml", ".json", ".sh", ".env"}
)
_SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__", "site-packages", "venv", "env"})


def project_files(root: Path) -> list[Path]:
    """Every file under ``root`` the static analysis could read (hidden folders, virtual
    environments and our own cache left out)."""
    found: list[Path] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [
            d
            for d in subfolders
            if not d.startswith(".")
            and d not in _SKIPPED_FOLDERS
            and not (Path(folder) / d / "pyvenv.cfg").exists()
        ]
        for name in names:
            path = Path(folder) / name
            if path.suffix in _READ_SUFFIXES or name.startswith(("Dockerfile", "Procfile")):
                found.append(path)
    return found


# --- the codec -------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """JSON-ready data for a value made of model dataclasses, enums, tuples, lists, dicts
    and scalars; every container says what it was, so decoding gives the same value."""
    if isinstance(value, enum.Enum):
        return {"@e": type(value).__name__, "v": value.value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Fields at their defaults are left out (the class fills them in again): most
        # locations have no evidence, most tasks few options, and a smaller entry is a
        # faster warm run.
        fields = {
            f.name: encode(current)
            for f in _fields(type(value))
            if not _is_default(f, current := getattr(value, f.name))
        }
        return {"@": type(value).__name__, "f": fields}
    if isinstance(value, tuple):
        return {"@t": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("@") for k in value):
            return {k: encode(v) for k, v in value.items()}  # as JSON has it: the usual case
        return {"@d": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, frozenset):
        return {"@s": [encode(v) for v in sorted(value, key=repr)]}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


@functools.cache
def _fields(cls: type[Any]) -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(cls)


def _is_default(field: dataclasses.Field[Any], value: Any) -> bool:
    if field.default is not dataclasses.MISSING:
        return bool(type(value) is type(field.default) and value == field.default)
    if field.default_factory is not dataclasses.MISSING:
        empty = field.default_factory()
        return bool(type(value) is type(empty) and value == empty)
    return False


def _rebuilt(data: dict[str, Any]) -> Any:
    """``json.loads``' object hook: each object is rebuilt as the parser closes it, inner
    ones first, so no second walk over the whole value is needed."""
    if "@" in data:
        return _CLASSES[data["@"]](**data["f"])
    if "@t" in data:
        return tuple(data["@t"])
    if "@e" in data:
        return _CLASSES[data["@e"]](data["v"])
    if "@d" in data:
        return {_hashable(k): v for k, v in data["@d"]}
    if "@s" in data:
        return frozenset(_hashable(v) for v in data["@s"])
    return data


def _hashable(value: Any) -> Any:
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value
