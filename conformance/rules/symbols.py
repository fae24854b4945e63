"""Code references in doc snippets: imported names exist, calls fit the real signatures.

Only names inside the project are judged (the top-level packages the code spec defines);
stdlib, Celery or Redis calls in a snippet are not ours to check. A call on a name that
is already reported missing is not judged again.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import replace

from conformance.celery_naming import base_name
from conformance.findings import Conforming, Finding
from conformance.model import UNREAD_FOLDERS, Location, Symbol
from conformance.rules.context import Context
from conformance.rules.registry import define, drift

CATEGORY = "symbols"

MISSING = define(
    "symbol.missing",
    CATEGORY,
    "error",
    "a name imported or used in a doc code block does not exist in the codebase",
    why="Copying the snippet fails with ImportError or AttributeError.",
    example="Docs: `from app.core.cache import TaskCache`; `app.core.cache` has no such name.",
    fix="Update the snippet to the real name, or add what it documents.",
)
RENAMED = define(
    "symbol.renamed",
    CATEGORY,
    "error",
    "it exists under a close name (`ProgressTracker` vs `progress_tracker`)",
    why="The snippet uses an old or mistyped name: readers copy a line that cannot work.",
    example="Docs: `from app.core.progress import ProgressTracker`; the module has "
    "`progress_tracker`.",
    fix="Use the real name in the docs (or rename the code, if the docs are right).",
)
SIGNATURE_MISMATCH = define(
    "signature.mismatch",
    CATEGORY,
    "error",
    "a documented call uses a method or parameters the real callable lacks",
    why="The documented call raises AttributeError or TypeError.",
    example="Docs: `client.generate_model(url, on_progress=cb)`; `FalAIClient` has "
    "`process_single_image_sync(image_url, progress_callback)`.",
    fix="Document the real method and parameters, or change the code to match the docs.",
)


def _norm(name: str) -> str:
    return name.replace("_", "").lower()


class _Index:
    def __init__(self, symbols: tuple[Symbol, ...]) -> None:
        self.by_name = {s.name: s for s in symbols if s.kind not in ("import", "call")}
        self.packages = {n.split(".")[0] for n in self.by_name}
        self.classes: dict[str, list[str]] = {}
        for symbol in self.by_name.values():
            if symbol.kind == "class":
                self.classes.setdefault(symbol.name.rpartition(".")[2], []).append(symbol.name)
        self.children: dict[str, list[str]] = {}
        for name in self.by_name:
            parent, _, child = name.rpartition(".")
            if parent:
                self.children.setdefault(parent, []).append(child)

    def longest_prefix(self, dotted: str) -> tuple[Symbol | None, list[str]]:
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            found = self.by_name.get(".".join(parts[:i]))
            if found is not None:
                return found, parts[i:]
        return None, parts

    def close_name(self, parent: str, child: str) -> str | None:
        siblings = [c for c in self.children.get(parent, []) if not c.startswith("__")]
        same = [c for c in siblings if _norm(c) == _norm(child)]
        if same:
            return same[0]
        close = difflib.get_close_matches(child, siblings, n=1, cutoff=0.8)
        return close[0] if close else None


def check(ctx: Context) -> Iterator[Finding | Conforming]:
    index = _Index(ctx.actual.symbols)
    if not index.by_name:
        return  # No code symbols (a spec-only diff): nothing to resolve against.
    worker_classes = {base_name(w.name) for w in ctx.documented.workers if w.kind == "class"}
    broken: set[str] = set()
    reported: set[tuple[str, str]] = set()
    for use in ctx.documented.symbols:
        if use.name.split(".")[0] not in index.packages:
            use = _qualified(index, use)
        if use.name.split(".")[0] not in index.packages:
            continue
        if use.kind == "import" or use.name not in index.by_name:
            finding = _resolve(index, use, worker_classes, broken)
            if finding is not None:
                key = (finding.rule, finding.subject)
                if key not in reported:
                    reported.add(key)
                    yield finding
                continue
            if use.kind == "import":
                # Only a name that exists as written conforms: one left unjudged
                # (inherited from outside, reported by the worker rules) does not.
                if use.name in index.by_name:
                    yield Conforming(CATEGORY, use.name, use.source, index.by_name[use.name].source)
                continue
        if use.kind == "call":
            finding = _check_call(index, use, broken)
            if finding is not None and (finding.rule, finding.subject) not in reported:
                reported.add((finding.rule, finding.subject))
                yield finding

    yield from _prose_paths(ctx, index, {u.name for u in ctx.documented.symbols}, reported)


def _qualified(index: _Index, use: Symbol) -> Symbol:
    """A use of a class the doc never imported (``FalAIClient(...).run()``) as the
    project's one class of that name; left as is when none or several have it."""
    root, dot, rest = use.name.partition(".")
    found = index.classes.get(root, [])
    if len(found) != 1 or not root[:1].isupper():
        return use
    return replace(use, name=f"{found[0]}{dot}{rest}")


_PATH = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?::[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?")


def _prose_paths(
    ctx: Context, index: _Index, in_code: set[str], reported: set[tuple[str, str]]
) -> Iterator[Finding]:
    """Dotted paths the docs write in passing (`pkg.module.func`, `pkg.module:Class`) are
    claims that the name exists. Judged only in its most certain form: the module is one
    the code has, at least two levels deep, and only its last attribute is missing. Not
    judged: a bare package (`users.User` is Django's app-label style), settings constants
    (UPPER_CASE, often re-exported by star imports), task names (the task rules judge
    those) and a module the scan could not read."""
    for mention in ctx.documented.mentions:
        if mention.kind != "text" or not _PATH.fullmatch(mention.name):
            continue
        path = mention.name.replace(":", ".")
        if path in in_code or path in ctx.registered or path.split(".")[0] not in index.packages:
            continue
        found, rest = index.longest_prefix(path)
        if found is None or found.kind != "module" or len(rest) != 1 or found.name.count(".") < 1:
            continue
        attr = rest[0]
        if attr.isupper() or attr in UNREAD_FOLDERS or f"{found.name}.__getattr__" in index.by_name:
            continue
        finding = _absent(index, found, attr, mention.name, mention.source, " (named in the text)")
        if (finding.rule, finding.subject) not in reported:
            reported.add((finding.rule, finding.subject))
            yield finding


def _resolve(
    index: _Index, use: Symbol, worker_classes: set[str], broken: set[str]
) -> Finding | None:
    """A finding if the name (or its first missing part) does not exist."""
    if any(use.name == b or use.name.startswith(b + ".") for b in broken):
        return None  # Already reported through the name it hangs on.
    found, rest = index.longest_prefix(use.name)
    if not rest:
        return None
    if found is None:
        return None  # Not even the top package: not the project's (filtered earlier).
    if found.kind in ("attribute", "function", "method", "unparsed"):
        return None  # A value, or a module we could not read: its members are unknown.
    if found.kind == "module" and (rest[0] in UNREAD_FOLDERS or rest[0].startswith("test_")):
        return None  # `pkg.tests.factories`: a folder the static scan does not read.
    if found.kind == "class" and use.kind == "call" and len(rest) == 1:
        return None  # A method call: _check_call judges it with the signature.
    if found.kind == "class" and _member(index, found, rest[0]) is not None:
        return None  # Inherited (perhaps from outside the project): not judged further.
    if f"{found.name}.__getattr__" in index.by_name:
        return None  # The module or class answers any name.
    missing = f"{found.name}.{rest[0]}"
    broken.add(missing)
    if rest[0] in worker_classes or base_name(use.name) in worker_classes:
        return None  # worker.class-missing reports documented worker classes.
    return _absent(index, found, rest[0], use.name, use.source)


def _absent(
    index: _Index, found: Symbol, attr: str, subject: str, doc: Location | None, said: str = ""
) -> Finding:
    """``found.attr`` does not exist: `symbol.renamed` when ``found`` has a close name,
    else `symbol.missing`."""
    missing = f"{found.name}.{attr}"
    close = index.close_name(found.name, attr)
    if close is not None:
        return drift(
            RENAMED,
            subject,
            f"`{missing}`{said} does not exist; `{found.name}` has `{close}`",
            documented=missing,
            actual=f"{found.name}.{close}",
            doc=doc,
            code=index.by_name[f"{found.name}.{close}"].source,
        )
    what = "module" if found.kind == "module" else "class"
    return drift(
        MISSING,
        subject,
        f"`{missing}`{said} does not exist (no `{attr}` in {what} `{found.name}`)",
        documented=missing,
        doc=doc,
        code=found.source,
    )


_UNKNOWN = Symbol("?", "attribute")
"""What a lookup answers when a base class lies outside the project: not judged."""


def _member(
    index: _Index, owner: Symbol, name: str, seen: frozenset[str] = frozenset()
) -> Symbol | None:
    """``owner.name`` through the class and its bases; ``_UNKNOWN`` when a base that
    could define it is outside the project (or the class answers any name)."""
    own = index.by_name.get(f"{owner.name}.{name}")
    if own is not None:
        return own
    if f"{owner.name}.__getattr__" in index.by_name or owner.name in seen:
        return _UNKNOWN
    for base in owner.bases:
        parent = index.by_name.get(base)
        if parent is None or parent.kind != "class":
            return _UNKNOWN
        found = _member(index, parent, name, seen | {owner.name})
        if found is not None:
            return found
    return None


def _methods(index: _Index, owner: Symbol) -> list[str]:
    """Public methods of ``owner`` and of its project bases."""
    names: dict[str, None] = {}
    for child in index.children.get(owner.name, []):
        if not child.startswith("_") and index.by_name[f"{owner.name}.{child}"].kind == "method":
            names[child] = None
    for base in owner.bases:
        parent = index.by_name.get(base)
        if parent is not None and parent.kind == "class" and parent is not owner:
            names.update(dict.fromkeys(_methods(index, parent)))
    return sorted(names)


def _init_params(index: _Index, cls: Symbol) -> tuple[str, ...] | None:
    """What calling the class takes, or None when that cannot be known."""
    if f"{cls.name}.__init__" in index.by_name or not cls.bases:
        return cls.params  # its own __init__, dataclass fields, or object's nothing
    init = _member(index, cls, "__init__")
    if init is None or init is _UNKNOWN:
        return None if init is _UNKNOWN else ()
    return init.params


def _check_call(index: _Index, use: Symbol, broken: set[str]) -> Finding | None:
    if any(use.name == b or use.name.startswith(b + ".") for b in broken):
        return None
    target = index.by_name.get(use.name)
    if target is None:
        owner, rest = index.longest_prefix(use.name)
        if owner is None or owner.kind != "class" or len(rest) != 1:
            return None
        inherited = _member(index, owner, rest[0])
        if inherited is _UNKNOWN:
            return None  # A base outside the project may define it: not ours to judge.
        if inherited is not None:
            target = inherited
        else:
            methods = _methods(index, owner)
            listed = (
                ", ".join(f"`{m}({', '.join(_member_params(index, owner, m))})`" for m in methods)
                or "no public methods"
            )
            return drift(
                SIGNATURE_MISMATCH,
                use.name,
                f"`{base_name(owner.name)}` has no method `{rest[0]}`; its methods: {listed}",
                documented=f"{base_name(owner.name)}.{rest[0]}",
                actual=", ".join(f"{base_name(owner.name)}.{m}" for m in methods) or None,
                doc=use.source,
                code=owner.source,
            )
    if target.kind == "class":
        params = _init_params(index, target)
    elif target.kind in ("function", "method"):
        params = target.params
    else:
        return None
    if params is None:
        return None
    problem = signature_problem(params, use.positional, use.keywords)
    if problem is None:
        return None
    return drift(
        SIGNATURE_MISMATCH,
        use.name,
        f"`{base_name(use.name)}({', '.join(params)})` {problem}",
        documented=_call_text(use),
        actual=f"{base_name(target.name)}({', '.join(params)})",
        doc=use.source,
        code=target.source,
    )


def _member_params(index: _Index, owner: Symbol, name: str) -> tuple[str, ...]:
    found = _member(index, owner, name)
    return () if found is None or found is _UNKNOWN else found.params


def signature_problem(
    params: tuple[str, ...], positional: int | None, keywords: tuple[str, ...]
) -> str | None:
    """Why a call with ``positional`` arguments and ``keywords`` cannot bind, or None."""
    star_args = any(p.startswith("*") and not p.startswith("**") and p != "*" for p in params)
    star_kwargs = any(p.startswith("**") for p in params)
    if "*" in params:
        positional_params = params[: params.index("*")]
    else:
        positional_params = tuple(p for p in params if not p.startswith("*"))
    names = {p.lstrip("*") for p in params if p != "*"}
    unknown = [k for k in keywords if k not in names]
    if unknown and not star_kwargs:
        return "takes no " + ", ".join(f"`{k}`" for k in unknown)
    if positional is not None and not star_args and positional > len(positional_params):
        return f"takes {len(positional_params)} positional arguments, the docs pass {positional}"
    return None


def _call_text(use: Symbol) -> str:
    args = ["…"] * (use.positional or 0) + [f"{k}=…" for k in use.keywords]
    return f"{base_name(use.name)}({', '.join(args)})"
