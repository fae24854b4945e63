"""Markdown docs → the documented spec.

:func:`extract_docs` reads pages from disk, :func:`extract_text` one page's text. Both
return an :class:`~conformance.model.Extraction`: the items the pages state (one item
per name, its mentions folded together), notices for what could not be read, and the
``<!-- conformance: ignore ... -->`` waivers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.errors import ConformanceError
from conformance.extract.collect import Collector
from conformance.fileio import project_path
from conformance.model import Extraction

if TYPE_CHECKING:
    from conformance.cache import Cache

__all__ = ["extract_docs", "extract_text"]


def extract_text(text: str, path: str, **options: int) -> Extraction:
    """The documented spec of one page's text; ``path`` is what locations say (``options``:
    see :func:`conformance.extract.markdown.extract_text`)."""
    from conformance.extract.markdown import extract_text as extract

    return extract(text, path, **options)


def extract_docs(paths: Sequence[Path], root: Path, cache: Cache | None = None) -> Extraction:
    """The documented spec of ``paths``; locations are relative to ``root``, POSIX.

    With a ``cache``, a page whose bytes (and path) were read before is not read again:
    what it added is taken from the cache, and the pages fold together as usual.
    Raises :class:`ConformanceError` for a page that cannot be read or is not UTF-8.
    """
    out = Collector("")
    for path in paths:
        rel = project_path(path, root)
        if cache is None:
            from conformance.extract.markdown import extract_into

            extract_into(read_page(path, rel), rel, out)
            continue
        from conformance.cache import digest

        data = _read_bytes(path, rel)
        key = digest(rel, data)
        raw = cache.get("pages", key)
        if raw is None:
            # The readers (markdown-it and ours) load only for a page the cache lacks.
            from conformance.extract.markdown import extract_into

            page = Collector(rel)
            extract_into(_decode(data, rel), rel, page)
            raw = page.raw()
            cache.put("pages", key, raw)
        out.take_raw(raw)
    return out.build()


def read_page(path: Path, rel: str) -> str:
    """A page's text; a BOM is dropped."""
    return _decode(_read_bytes(path, rel), rel)


def _read_bytes(path: Path, rel: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConformanceError(f"cannot read: {exc.strerror or exc}", rel) from None


def _decode(data: bytes, rel: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConformanceError(f"not UTF-8 (byte {exc.start})", rel, line) from None
