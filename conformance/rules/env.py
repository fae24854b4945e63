"""Environment variables: a documented default is the one the code falls back to.

Judged only where the code says: a variable the code never reads (the shell, Compose or
another service may) and one read without a default (required, or given elsewhere) are
not judged; a variable read with several different defaults is not either.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.findings import Conforming, Finding
from conformance.model import EnvVar, Value
from conformance.rules.context import Context
from conformance.rules.registry import define, drift

CATEGORY = "config"

DEFAULT_MISMATCH = define(
    "config.env-default-mismatch",
    CATEGORY,
    "error",
    "a documented environment variable's default differs from the code's fallback",
    why="Operators leave a variable unset because the docs say its default is what they "
    "want; the deployment then runs with the code's fallback instead.",
    example="Docs: `PAPERLESS_TASK_WORKERS` defaults to 2; the code reads "
    '`os.getenv("PAPERLESS_TASK_WORKERS", 1)`.',
    fix="Change the fallback in the code or the default in the docs.",
)

_WORDS = {"yes": "true", "on": "true", "enabled": "true", "no": "false", "off": "false"}
_WORDS |= {"disabled": "false"}


def comparable(value: Value) -> str:
    """A default as text both sides agree on: `True`/"true"/"yes", 1/"1"/1.0 alike."""
    text = str(value).strip().strip("\"'").lower()
    text = _WORDS.get(text, text)
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else str(number)


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    reads: dict[str, list[EnvVar]] = {}
    for read in ctx.actual.env:
        reads.setdefault(read.name, []).append(read)
    judged: set[str] = set()
    for doc in ctx.documented.env:
        if doc.name in judged or not doc.has_default or doc.name not in reads:
            continue
        judged.add(doc.name)
        with_default = [r for r in reads[doc.name] if r.has_default]
        fallbacks = {comparable(r.default) for r in with_default}
        if not fallbacks:
            continue
        match = next(
            (r for r in with_default if comparable(r.default) == comparable(doc.default)), None
        )
        if match is not None:
            yield Conforming(CATEGORY, doc.name, doc.source, match.source)
        elif len(fallbacks) == 1:
            code = with_default[0]
            yield drift(
                DEFAULT_MISMATCH,
                doc.name,
                f"the docs give `{doc.name}` the default `{doc.default}`; the code falls back "
                f"to `{code.default}`",
                documented=f"{doc.name}={doc.default}",
                actual=f"{doc.name}={code.default}",
                doc=doc.source,
                code=code.source,
            )
