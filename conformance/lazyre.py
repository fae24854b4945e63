"""Regular expressions compiled on first use.

The sentence and schedule readers hold about fifty patterns; compiling them all at import
cost every run ~15 ms, including the runs (a code-only check, `conformance rules`) that
never read a sentence. :func:`lazy` returns a stand-in that compiles on its first method
call and then answers as the compiled pattern does.
"""

from __future__ import annotations

import re
from typing import Any, cast


class _Lazy:
    __slots__ = ("_compiled", "_flags", "_text")

    def __init__(self, text: str, flags: int) -> None:
        self._text = text
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self._text, self._flags)
        return getattr(compiled, name)


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A pattern compiled when first used (its methods and attributes, not ``isinstance``:
    pass it to ``re.sub`` and friends as ``.pattern`` or call its own methods)."""
    return cast("re.Pattern[str]", _Lazy(pattern, flags))
