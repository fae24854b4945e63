"""Pausing Python's cyclic garbage collector while a check builds its (acyclic) data."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Run the block with the cyclic collector off; nestable.

    A check allocates millions of small objects that hold no cycles (Markdown tokens, ast
    nodes, frozen dataclasses). Each allocation burst triggers a collection over the whole
    heap that finds nothing: it made a 100,000-row table 2-3x slower, its time per MB grow
    with size, and a 1,000-task static check 25% slower. Reference counting still frees
    everything; the collector is back on when the outermost block ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
