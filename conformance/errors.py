"""Errors that stop a run before it can be judged (exit status 2)."""

from __future__ import annotations


class ConformanceError(Exception):
    """Bad input: one clear line, ``path:line: what is wrong``, and exit status 2.

    Raise it with the location when there is one; the CLI prints :meth:`line` and never a
    traceback.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def line_text(self) -> str:
        if self.path is None:
            return self.message
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"

    def __str__(self) -> str:
        return self.line_text()


class ConformanceErrors(ConformanceError):
    """Several problems found at once; each is printed on its own line."""

    def __init__(self, errors: list[ConformanceError]) -> None:
        super().__init__("; ".join(e.line_text() for e in errors))
        self.errors = errors
