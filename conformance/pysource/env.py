"""Environment variables the code reads, with the default a fresh deployment gets.

``os.getenv("X", "4")``, ``os.environ.get("X")``, ``os.environ["X"]``, python-decouple's
``config("X", default=4, cast=int)`` and django-environ's ``env.int("X", default=4)``:
the variable's name must be a literal (or a constant the module knows); the default is
evaluated as :mod:`conformance.pysource.values` evaluates the read itself, cast as the
library casts it. A default computed at run time is recorded as having none known.
"""

from __future__ import annotations

import ast
import re

from conformance.model import EnvVar
from conformance.pysource.context import ModuleContext
from conformance.pysource.values import is_known


def find_env_reads(ctx: ModuleContext) -> list[EnvVar]:
    found: list[EnvVar] = []
    evaluator = ctx.evaluator
    for node, _ in ctx.nodes_of(ast.Call, ast.Subscript):
        if isinstance(node, ast.Subscript):
            # os.environ["X"]: required, no default.
            if evaluator.callee(node.value) in {"os.environ", "environ"}:
                name = evaluator.value(node.slice)
                if isinstance(name, str) and name:
                    found.append(_read(ctx, node, name, None, False))
            continue
        if not node.args:
            continue
        if not evaluator.is_env_read(node):
            helper = _helper_read(ctx, node)
            if helper is not None:
                found.append(helper)
            continue
        name = evaluator.value(node.args[0])
        if not isinstance(name, str) or not name:
            continue
        has_default = len(node.args) > 1 or any(k.arg == "default" for k in node.keywords)
        default = evaluator.value(node) if has_default else None
        if has_default and not is_known(default):
            continue  # computed at run time: nothing to compare
        # None and "" are how code says "unset": not a default a deployment runs with.
        given = has_default and default is not None and default != ""
        found.append(_read(ctx, node, name, default if given else None, given))
    return found


_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\Z")


def _helper_read(ctx: ModuleContext, node: ast.Call) -> EnvVar | None:
    """``env.json("X", default=...)`` through an ``Env`` imported from elsewhere, a
    project's own ``__get_float("X", 0.0)``: any call given a literal variable name
    first may read it (its default is not known here). Counting too many reads only
    makes ``config.env-unread`` more careful."""
    first = node.args[0]
    if not isinstance(first, ast.Constant):
        return None
    name = first.value
    if not isinstance(name, str) or not _ENV_NAME.match(name):
        return None
    return _read(ctx, node, name, None, False)


def _read(ctx: ModuleContext, node: ast.AST, name: str, default: object, has: bool) -> EnvVar:
    return EnvVar(name, default, has_default=has, source=ctx.loc(node), origin=ctx.origin)
