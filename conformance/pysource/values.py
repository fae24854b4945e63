"""Evaluate literal Python expressions from an ``ast`` tree, never running anything.

The evaluator knows literals, module constants (``QUEUE = "emails"``), class constants
(``Tasks.CLEANUP``, ``Queues.EMAILS.value``), the schedule and queue constructors that
configuration uses (``crontab``, ``schedule``, ``solar``, ``timedelta``, ``Queue``,
``Exchange``, ``re.compile``) and environment reads with a default.

Decision: ``os.getenv("X", "d")`` / ``os.environ.get("X", "d")`` evaluate to their
default ``"d"`` (the value a fresh deployment without the variable gets; docs usually
state that default), and so do the settings libraries' reads: python-decouple's
``config("X", default=4, cast=int)`` and django-environ's ``env.int("X", default=4)``
(cast as the library casts). Without a default the value is :class:`Unknown`.

Anything else (a call of a user function, a comprehension, ``settings.X``) is
:class:`Unknown` with a reason a notice can show. Containers keep their unknown parts,
so one dynamic beat entry does not hide its neighbours.
"""

from __future__ import annotations

import ast
import operator
from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from conformance.celery_naming import RegexKey
from conformance.schedules import crontab_timing, interval_timing, solar_timing

Lookup = Callable[[str], Any]
"""Resolves a fully dotted name imported from another module (``None`` = unknown)."""


@dataclass(frozen=True)
class Unknown:
    """A value only known at run time, with the reason in words."""

    reason: str


@dataclass(frozen=True)
class QueueValue:
    """A ``kombu.Queue(...)`` call: its name and, when literal, exchange and key."""

    name: str
    exchange: str | None
    routing_key: str | None
    line: int


@dataclass(frozen=True)
class FunctionRef:
    """A module-level function another module's value may be built by, with the
    evaluator of the module that defines it."""

    node: ast.FunctionDef
    evaluator: Evaluator


class SourcedDict(dict[Any, Any]):
    """A dict literal that remembers the (unshifted) line of each key."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[Any, int] = {}

    def put(self, key: Any, value: Any, line: int) -> None:
        self[key] = value
        self.lines[key] = line

    def copy_from(self, other: Mapping[Any, Any]) -> None:
        for key, value in other.items():
            line = other.lines.get(key, 0) if isinstance(other, SourcedDict) else 0
            self.put(key, value, line)


def is_known(value: Any) -> bool:
    """True when no part of ``value`` is :class:`Unknown`."""
    return first_unknown(value) is None


def first_unknown(value: Any) -> Unknown | None:
    """The first :class:`Unknown` inside ``value``, if any."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict):
        for key, item in value.items():
            found = first_unknown(key) or first_unknown(item)
            if found:
                return found
    if isinstance(value, list | tuple):
        for item in value:
            found = first_unknown(item)
            if found:
                return found
    return None


def plain(value: Any) -> Any:
    """``value`` as JSON-like data (for :class:`~conformance.model.Setting` values)."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, RegexKey):
        return value.pattern
    if isinstance(value, QueueValue):
        return value.name
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else ``None``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitOr: operator.or_,
}
_ENV_READS = {"os.getenv", "getenv", "os.environ.get", "environ.get"}
_ENVIRON_METHODS = frozenset({"", "str", "int", "bool", "float"})
_TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})


def _cast_env(value: Any, cast: str) -> Any:
    """A default as the library returns it: strings are cast (``"4"`` with ``int`` is
    4, ``"yes"`` with ``bool`` is True); other values are already typed."""
    if not isinstance(value, str):
        return value
    try:
        if cast == "int":
            return int(value)
        if cast == "float":
            return float(value)
        if cast == "bool":
            return value.strip().lower() in _TRUE
    except ValueError:
        return Unknown(f"default {value!r} does not cast to {cast}")
    return value


_CONVERTERS: dict[str, Callable[[Any], Any]] = {"int": int, "float": float, "str": str}
_CRON_FIELDS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")


class Evaluator:
    """Evaluates expression nodes against a module's constants.

    ``names`` maps a module-level name or ``Class.ATTR`` to its value; ``imports`` maps a
    local name to the dotted name it was imported as; ``lookup`` resolves such dotted
    names in other modules of the same package (cross-module constants).
    """

    def __init__(
        self,
        names: Mapping[str, Any],
        imports: Mapping[str, str],
        lookup: Lookup | None = None,
        functions: Mapping[str, ast.FunctionDef] | None = None,
    ) -> None:
        self.names = names
        self.imports = imports
        self.lookup = lookup
        # Module-level functions a value may be built by (``beat_schedule = build()``).
        self.functions: Mapping[str, ast.FunctionDef] = functions or {}
        self.depth = 0
        # Another module's names, for star imports and settings classes of other modules.
        self.star: Callable[[str], Mapping[str, Any] | None] | None = None

    def with_locals(self, local: dict[str, Any]) -> Evaluator:
        """An evaluator that sees ``local`` names before the module's (a function body,
        a comprehension)."""
        names: ChainMap[str, Any] = ChainMap(local, cast(dict[str, Any], self.names))
        inner = Evaluator(names, self.imports, self.lookup)
        inner.functions = self.functions
        inner.depth = self.depth + 1
        return inner

    def callee(self, node: ast.AST) -> str:
        """The called name as written, with an imported root replaced by its origin."""
        text = dotted(node)
        if text is None:
            return "<expression>"
        root, _, rest = text.partition(".")
        target = self.imports.get(root)
        if target is None:
            return text
        return f"{target}.{rest}" if rest else target

    def value(self, node: ast.AST | None) -> Any:
        """The value of ``node``, :class:`Unknown` parts where it cannot be known."""
        if node is None:
            return None
        method = getattr(self, f"_{type(node).__name__.lower()}", None)
        if method is None:
            return Unknown(f"`{_text(node)}` is computed at run time")
        result: Any = method(node)
        return result

    def _constant(self, node: ast.Constant) -> Any:
        return node.value

    def _name(self, node: ast.Name) -> Any:
        return self._named(node.id, node)

    def _attribute(self, node: ast.Attribute) -> Any:
        text = dotted(node)
        if text is None:
            return Unknown(f"`{_text(node)}` is computed at run time")
        if text.endswith((".value", ".name")):
            # Enum members: ``Queues.EMAILS.value`` is the member's own value; the class
            # constant table already maps ``Queues.EMAILS`` to it.
            base, _, attr = text.rpartition(".")
            found = self._named(base, node)
            if not isinstance(found, Unknown):
                return found if attr == "value" else base.rpartition(".")[2]
        return self._named(text, node)

    def _named(self, text: str, node: ast.AST) -> Any:
        if text in self.names:
            return self.names[text]
        root, _, rest = text.partition(".")
        target = self.imports.get(root)
        if target is not None and self.lookup is not None:
            found = self.lookup(f"{target}.{rest}" if rest else target)
            if found is not None:
                return found
        return Unknown(f"`{text}` is not a constant known without running the code")

    def _list(self, node: ast.List | ast.Tuple | ast.Set) -> Any:
        items: list[Any] = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                spread = self.value(element.value)
                if isinstance(spread, list):
                    items.extend(spread)
                else:
                    items.append(Unknown(f"`{_text(element)}` is computed at run time"))
            else:
                items.append(self.value(element))
        return items

    _tuple = _list
    _set = _list

    def _dict(self, node: ast.Dict) -> Any:
        result = SourcedDict()
        for key, item in zip(node.keys, node.values, strict=True):
            if key is None:
                spread = self.value(item)
                if isinstance(spread, dict):
                    result.copy_from(spread)
                else:
                    result.put(f"**{_text(item)}", Unknown(_runtime(item)), item.lineno)
                continue
            result.put(self._key(key), self.value(item), key.lineno)
        return result

    def _key(self, key: ast.expr) -> Any:
        found = self.value(key)
        # Keys must stay hashable; an unknown key is kept as its source text.
        if isinstance(found, list | dict):
            return _text(key)
        return found

    def _unaryop(self, node: ast.UnaryOp) -> Any:
        operand = self.value(node.operand)
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return operand
        if isinstance(node.op, ast.Not) and is_known(operand):
            return not operand
        return Unknown(_runtime(node))

    def _binop(self, node: ast.BinOp) -> Any:
        left, right = self.value(node.left), self.value(node.right)
        apply = _ARITHMETIC.get(type(node.op))
        if apply is None or not (is_known(left) and is_known(right)):
            return first_unknown(left) or first_unknown(right) or Unknown(_runtime(node))
        if isinstance(left, dict) and isinstance(right, dict):
            merged = SourcedDict()
            merged.copy_from(left)
            merged.copy_from(right)
            return merged
        try:
            return apply(left, right)
        except (TypeError, ValueError, ArithmeticError):
            return Unknown(_runtime(node))

    def _joinedstr(self, node: ast.JoinedStr) -> Any:
        parts: list[str] = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(str(part.value))
            elif isinstance(part, ast.FormattedValue) and part.format_spec is None:
                found = self.value(part.value)
                if not is_known(found) or isinstance(found, list | dict):
                    return Unknown(_runtime(node))
                parts.append(str(found))
            else:
                return Unknown(_runtime(node))
        return "".join(parts)

    def _call(self, node: ast.Call) -> Any:
        name = self.callee(node.func)
        last = name.rpartition(".")[2]
        if name in _ENV_READS or name.endswith((".getenv", ".environ.get")):
            return self._env_read(node)
        library_cast = self._env_library(name)
        if library_cast is not None:
            return self._library_env_read(node, library_cast)
        if last in _CONVERTERS and name == last:
            return self._convert(node, _CONVERTERS[last])
        if last == "timedelta":
            return self._timedelta(node)
        if last == "crontab":
            return self._crontab(node)
        if last == "schedule" and name in {"schedule", "celery.schedules.schedule"}:
            return self._interval(node)
        if last == "solar":
            return self._solar(node)
        if name in {"re.compile", "compile"} and node.args:
            pattern = self.value(node.args[0])
            return RegexKey(pattern) if isinstance(pattern, str) else Unknown(_runtime(node))
        if last == "Queue":
            return self._queue(node)
        if last == "Exchange":
            return self.value(_argument(node, 0, "name"))
        if self.depth < _MAX_DEPTH:
            function = self._function(name)
            if function is not None:
                from conformance.pysource.interpret import call_function

                return call_function(function.evaluator, function.node, node, caller=self)
        if name == "dict" and not node.args:
            result = SourcedDict()
            for keyword in node.keywords:
                if keyword.arg is not None:
                    result.put(keyword.arg, self.value(keyword.value), keyword.value.lineno)
            return result
        return Unknown(f"`{_text(node.func)}(...)` is computed at run time")

    def is_env_read(self, node: ast.Call) -> bool:
        """Whether the call reads an environment variable (``os.getenv``, decouple,
        django-environ): its value is then the default a fresh deployment gets."""
        name = self.callee(node.func)
        return (
            name in _ENV_READS
            or name.endswith((".getenv", ".environ.get"))
            or self._env_library(name) is not None
        )

    def _env_library(self, name: str) -> str | None:
        """The cast of a settings library's environment read, or None when ``name`` is
        not one: python-decouple's ``config(...)`` (``"cast"``: its ``cast=``) and
        django-environ's ``env(...)`` / ``env.int(...)`` (an ``Env`` of a module that
        imports ``environ``)."""
        if name == "decouple.config":
            return "cast"
        root, _, method = name.partition(".")
        environ = any(origin.partition(".")[0] == "environ" for origin in self.imports.values())
        if root == "env" and method in _ENVIRON_METHODS and "env" not in self.imports and environ:
            return method or "str"
        return None

    def _library_env_read(self, node: ast.Call, cast: str) -> Any:
        """The default a fresh deployment gets, cast as the library would."""
        default = _argument(node, 1, "default")
        if default is None:
            variable = self.value(node.args[0]) if node.args else "?"
            return Unknown(f"read from the environment variable `{variable}` (no default)")
        value = self.value(default)
        if cast == "cast":
            cast_node = next((k.value for k in node.keywords if k.arg == "cast"), None)
            cast = cast_node.id if isinstance(cast_node, ast.Name) else "str"
        return _cast_env(value, cast)

    def _env_read(self, node: ast.Call) -> Any:
        default = _argument(node, 1, "default")
        if default is None:
            variable = self.value(node.args[0]) if node.args else "?"
            return Unknown(f"read from the environment variable `{variable}` (no default)")
        return self.value(default)

    def _convert(self, node: ast.Call, convert: Callable[[Any], Any]) -> Any:
        if len(node.args) != 1 or node.keywords:
            return Unknown(_runtime(node))
        found = self.value(node.args[0])
        if not is_known(found):
            return found
        try:
            return convert(found)
        except (TypeError, ValueError):
            return Unknown(_runtime(node))

    def _timedelta(self, node: ast.Call) -> Any:
        units = ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks")
        given: dict[str, Any] = {}
        for index, arg in enumerate(node.args[: len(units)]):
            given[units[index]] = self.value(arg)
        for keyword in node.keywords:
            if keyword.arg is None:
                return Unknown(_runtime(node))
            given[keyword.arg] = self.value(keyword.value)
        if not all(isinstance(v, int | float) for v in given.values()):
            return Unknown(_runtime(node))
        try:
            return timedelta(**given).total_seconds()
        except (TypeError, ValueError, OverflowError):
            return Unknown(_runtime(node))

    def _crontab(self, node: ast.Call) -> Any:
        fields: dict[str, Any] = dict.fromkeys(_CRON_FIELDS, "*")
        for index, arg in enumerate(node.args[:5]):
            fields[_CRON_FIELDS[index]] = self.value(arg)
        for keyword in node.keywords:
            if keyword.arg in fields:
                fields[keyword.arg] = self.value(keyword.value)
        if not all(isinstance(v, str | int) or _int_list(v) for v in fields.values()):
            return Unknown(_runtime(node))
        try:
            return crontab_timing(**fields)
        except ValueError as exc:
            return Unknown(f"`{_text(node)}` is not a valid crontab: {exc}")

    def _interval(self, node: ast.Call) -> Any:
        every = self.value(_argument(node, 0, "run_every"))
        try:
            return interval_timing(every)
        except ValueError:
            return Unknown(_runtime(node))

    def _solar(self, node: ast.Call) -> Any:
        event = self.value(_argument(node, 0, "event"))
        lat = self.value(_argument(node, 1, "lat"))
        lon = self.value(_argument(node, 2, "lon"))
        if isinstance(event, str) and isinstance(lat, int | float) and isinstance(lon, int | float):
            try:
                return solar_timing(event, lat, lon)
            except ValueError as exc:
                return Unknown(f"`{_text(node)}` is not a valid solar schedule: {exc}")
        return Unknown(_runtime(node))

    def _queue(self, node: ast.Call) -> Any:
        name = self.value(_argument(node, 0, "name"))
        if not isinstance(name, str):
            return Unknown(_runtime(node))
        exchange = self.value(_argument(node, 1, "exchange"))
        routing_key = self.value(_argument(node, 2, "routing_key"))
        return QueueValue(
            name,
            exchange if isinstance(exchange, str) else None,
            routing_key if isinstance(routing_key, str) else None,
            node.lineno,
        )

    def _function(self, name: str) -> FunctionRef | None:
        if name in self.functions:
            return FunctionRef(self.functions[name], self)
        if self.lookup is not None and "." in name:
            found = self.lookup(name)
            if isinstance(found, FunctionRef):
                return found
        return None

    def _subscript(self, node: ast.Subscript) -> Any:
        container = self.value(node.value)
        key = self.value(node.slice)
        if isinstance(container, Unknown):
            return container
        if isinstance(key, Unknown | list | dict):
            return Unknown(_runtime(node))
        try:
            return container[key]
        except (KeyError, IndexError, TypeError):
            return Unknown(_runtime(node))

    def _compare(self, node: ast.Compare) -> Any:
        left = self.value(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.value(right_node)
            apply = _COMPARISONS.get(type(op))
            if apply is None or not (is_known(left) and is_known(right)):
                return Unknown(_runtime(node))
            try:
                if not apply(left, right):
                    return False
            except TypeError:
                return Unknown(_runtime(node))
            left = right
        return True

    def _boolop(self, node: ast.BoolOp) -> Any:
        result: Any = None
        for part in node.values:
            result = self.value(part)
            if not is_known(result):
                return Unknown(_runtime(node))
            if isinstance(node.op, ast.And) and not result:
                return result
            if isinstance(node.op, ast.Or) and result:
                return result
        return result

    def _ifexp(self, node: ast.IfExp) -> Any:
        test = self.value(node.test)
        if not is_known(test):
            return Unknown(_runtime(node))
        return self.value(node.body if test else node.orelse)

    def _listcomp(self, node: ast.ListComp | ast.SetComp) -> Any:
        found = self._comprehension(node.generators, lambda ev: [ev.value(node.elt)])
        if isinstance(found, Unknown):
            return found
        return [item for part in found for item in part]

    _setcomp = _listcomp

    def _dictcomp(self, node: ast.DictComp) -> Any:
        found = self._comprehension(
            node.generators, lambda ev: [(ev._key(node.key), ev.value(node.value), node.lineno)]
        )
        if isinstance(found, Unknown):
            return found
        result = SourcedDict()
        for part in found:
            for key, item, line in part:
                result.put(key, item, line)
        return result

    def _comprehension(
        self, generators: list[ast.comprehension], produce: Callable[[Evaluator], list[Any]]
    ) -> list[list[Any]] | Unknown:
        """``produce`` once per iteration of known iterables (``for t in TASKS``)."""
        results: list[list[Any]] = []

        def walk(index: int, local: dict[str, Any]) -> Unknown | None:
            inner = self.with_locals(local)
            if index == len(generators):
                results.append(produce(inner))
                return None
            generator = generators[index]
            iterable = inner.value(generator.iter)
            if isinstance(iterable, dict):
                iterable = list(iterable)
            if not isinstance(iterable, list) or generator.is_async:
                return Unknown(f"`{_text(generator.iter)}` is computed at run time")
            for element in iterable:
                bound = dict(local)
                if not bind_target(generator.target, element, bound):
                    return Unknown(_runtime(generator.target))
                keep = [self.with_locals(bound).value(cond) for cond in generator.ifs]
                if not all(is_known(k) for k in keep):
                    return Unknown("a comprehension condition is computed at run time")
                if all(keep):
                    failed = walk(index + 1, bound)
                    if failed is not None:
                        return failed
            return None

        failed = walk(0, {})
        return failed if failed is not None else results


def bind_target(target: ast.expr, value: Any, local: dict[str, Any]) -> bool:
    """Assign ``value`` to a ``for`` target (a name or a tuple of names)."""
    if isinstance(target, ast.Name):
        local[target.id] = value
        return True
    if isinstance(target, ast.Tuple | ast.List) and isinstance(value, list | tuple):
        if len(target.elts) != len(value):
            return False
        return all(bind_target(t, v, local) for t, v in zip(target.elts, value, strict=True))
    return False


_MAX_DEPTH = 8
_COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}


def _int_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, int) for v in value)


def _argument(node: ast.Call, index: int, keyword: str) -> ast.expr | None:
    """The argument at position ``index`` or given as ``keyword=``."""
    for given in node.keywords:
        if given.arg == keyword:
            return given.value
    positional = [a for a in node.args if not isinstance(a, ast.Starred)]
    if index < len(positional) and len(positional) == len(node.args):
        return positional[index]
    return None


def argument(node: ast.Call, index: int, keyword: str) -> ast.expr | None:
    """The argument at position ``index`` or given as ``keyword=`` (``None`` if absent)."""
    return _argument(node, index, keyword)


def _text(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def source_text(node: ast.AST) -> str:
    """Short source text of ``node`` for messages."""
    return _text(node)


def _runtime(node: ast.AST) -> str:
    return f"`{_text(node)}` is computed at run time"
