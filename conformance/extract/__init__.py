"""Markdown docs → the documented spec.

:func:`extract_docs` reads pages from disk, :func:`extract_text` one page's text. Both
return an :class:`~conformance.model.Extraction`: the items the pages state (one item
per name, its mentions folded together), notices for what could not be read, and the
``<!-- conformance: ignore ... -->`` waivers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from conformance.errors import ConformanceError
from conformance.extract.collect import Collector
from conformance.extract.markdown import extract_into, extract_text
from conformance.model import Extraction

__all__ = ["extract_docs", "extract_text"]


def extract_docs(paths: Sequence[Path], root: Path) -> Extraction:
    """The documented spec of ``paths``; locations are relative to ``root``, POSIX.

    Raises :class:`ConformanceError` for a page that cannot be read or is not UTF-8.
    """
    out = Collector("")
    for path in paths:
        rel = relative_path(path, root)
        extract_into(read_page(path, rel), rel, out)
    return out.build()


def read_page(path: Path, rel: str) -> str:
    """A page's text; a BOM is dropped."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConformanceError(f"cannot read: {exc.strerror or exc}", rel) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConformanceError(f"not UTF-8 (byte {exc.start})", rel, line) from None


def relative_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
