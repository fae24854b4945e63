"""Environment variables the code reads, with the default a fresh deployment gets.

``os.getenv("X", "4")``, ``os.environ.get("X")``, ``os.environ["X"]``, python-decouple's
``config("X", default=4, cast=int)`` and django-environ's ``env.int("X", default=4)``:
the variable's name must be a literal (or a constant the module knows); the default is
evaluated as :mod:`conformance.pysource.values` evaluates the read itself, cast as the
library casts it. A default computed at run time is recorded as having none known.
"""

from __future__ import annotations

import ast

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
        if not node.args or not evaluator.is_env_read(node):
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


def _read(ctx: ModuleContext, node: ast.AST, name: str, default: object, has: bool) -> EnvVar:
    return EnvVar(name, default, has_default=has, source=ctx.loc(node), origin=ctx.origin)
