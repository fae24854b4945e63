"""Environment variables: a documented default is the one the code falls back to.

Judged only where the code says: a variable the code never reads (the shell, Compose or
another service may) and one read without a default (required, or given elsewhere) are
not judged for their default; a variable read with several different defaults is not
either. A documented variable the code never reads is reported only when the code reads
one of a close name (the same words reordered or re-pluralised): then it is a rename.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

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

UNREAD = define(
    "config.env-unread",
    CATEGORY,
    "error",
    "a documented environment variable is read nowhere; the code reads one of a close name",
    why="Setting the documented variable changes nothing: the code reads another name, "
    "so the deployment silently runs with that one's fallback.",
    example="Docs: set `PULSE_SOURCE_PUSHES`; the code reads `PULSE_PUSH_SOURCES`.",
    fix="Document the name the code reads (or read the documented one).",
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


def _tokens(name: str) -> tuple[str, ...]:
    """A variable's words, plural and order aside: PULSE_PUSH_SOURCES ~ PULSE_SOURCE_PUSHES."""
    words = (
        w.removesuffix("ES") if w.endswith("SHES") else w.removesuffix("S") for w in name.split("_")
    )
    return tuple(sorted(words))


def close_reads(name: str, reads: Iterable[str]) -> list[str]:
    """Names the code reads that are the documented ``name`` written differently: the
    same words in another order or number."""
    # Only reordered or re-pluralised words: a near spelling is too often another
    # variable (`PAPERLESS_PORT` and `PAPERLESS_DBPORT`, `..._SCANNER` and `..._UPSCALE`).
    return [r for r in reads if _tokens(r) == _tokens(name)]


def _unread(ctx: Context, reads: dict[str, list[EnvVar]]) -> Iterator[Finding]:
    documented = {e.name for e in ctx.documented.env}
    reported: set[str] = set()
    for doc in ctx.documented.env:
        if doc.name in reads or doc.name in reported or doc.name in ctx.registered:
            continue
        # A close name the docs name too is another variable, not this one renamed.
        close = [r for r in close_reads(doc.name, reads) if r not in documented]
        if len(close) != 1:
            continue
        reported.add(doc.name)
        code = reads[close[0]][0]
        yield drift(
            UNREAD,
            doc.name,
            f"documented environment variable `{doc.name}` is read nowhere; the code reads "
            f"`{close[0]}`",
            documented=doc.name,
            actual=close[0],
            doc=doc.source,
            code=code.source,
        )


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    reads: dict[str, list[EnvVar]] = {}
    for read in ctx.actual.env:
        reads.setdefault(read.name, []).append(read)
    if reads:
        yield from _unread(ctx, reads)
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
