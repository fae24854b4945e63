"""YAML with a budget for aliases and depth: every YAML we read goes through :class:`BoundedLoader`.

An alias refers to an anchored node without copying it, so a few hundred bytes of
``&a [*b, *b, ...]`` nest into billions of elements as soon as anything walks the result
(a command list turned into words, a spec validated item by item). The loader adds up
the nodes each alias stands for while composing, and stops past :data:`ALIAS_BUDGET` with
a marked YAML error: callers already turn those into a notice (a project's file) or a
located exit 2 (our own spec files). Real files use aliases for a handful of shared
blocks (Compose's ``x-common: &common``), far below the budget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from conformance.nesting import REPORTED_DEPTH

_T = TypeVar("_T")

ALIAS_BUDGET = 10_000
"""Nodes the aliases of one YAML stream may stand for, in total."""
MAX_DEPTH = REPORTED_DEPTH
"""Collections nested deeper than this are refused (PyYAML composes them by recursion:
``[[[[…`` some thousands deep would end in RecursionError, with no line)."""


class AliasBudgetExceeded(yaml.MarkedYAMLError):
    """Aliases that would expand past :data:`ALIAS_BUDGET` nodes."""


class NestedTooDeep(yaml.MarkedYAMLError):
    """Collections nested past :data:`MAX_DEPTH` levels."""


class _BoundedComposer(yaml.composer.Composer):
    """PyYAML's composer, refusing alias expansion past :data:`ALIAS_BUDGET` and nesting
    past :data:`MAX_DEPTH`. Mixed into a loader in front of its parser."""

    def __init__(self) -> None:
        super().__init__()
        self._expanded = 0
        self._depth = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        events: Any = self  # the parser it is mixed with (C or Python) has the events
        if events.check_event(yaml.AliasEvent):
            event = events.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:
                self._expanded += self._size(node)
                if self._expanded > ALIAS_BUDGET:
                    raise AliasBudgetExceeded(
                        problem=f"aliases expand past {ALIAS_BUDGET:,} nodes (an alias bomb?)",
                        problem_mark=event.start_mark,
                    )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = events.peek_event()
                raise NestedTooDeep(
                    problem=f"nested more than {MAX_DEPTH} levels deep",
                    problem_mark=event.start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _size(self, node: yaml.Node) -> int:
        """The nodes ``node`` stands for once its aliases are expanded (memoized: an
        anchored node is counted once however often it is referred to)."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(self._size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(self._size(k) + self._size(v) for k, v in node.value)
        self._sizes[id(node)] = total
        return total


class _PythonEvents(Reader, Scanner, Parser):
    """PyYAML's pure-Python reader, scanner and parser: YAML text to events."""

    def __init__(self, stream: Any) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


class _NoCParser:
    """Stands for libyaml's parser where PyYAML was built without it."""


if TYPE_CHECKING or not yaml.__with_libyaml__:
    _Events = _PythonEvents
    CParser: type = _NoCParser
else:
    # libyaml's scanner and parser, in C: a third of the pure-Python parser's time.
    from yaml.cyaml import CParser
    from yaml.cyaml import CParser as _Events


class BoundedLoader(_BoundedComposer, _Events, SafeConstructor, Resolver):
    """A safe loader (PyYAML's safe constructor) whose nodes are composed here, so the
    alias and depth budgets hold whichever parser produces the events."""

    def __init__(self, stream: Any) -> None:
        _Events.__init__(self, stream)
        _BoundedComposer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


class PureBoundedLoader(_BoundedComposer, _PythonEvents, SafeConstructor, Resolver):
    """The same over the pure-Python parser (tests hold both to the same answers)."""

    def __init__(self, stream: Any) -> None:
        _PythonEvents.__init__(self, stream)
        _BoundedComposer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


def load(text: str, loader: type[BoundedLoader] | None = None) -> Any:
    """``yaml.safe_load`` within the budgets (``loader``: a subclass with more rules)."""
    return _read(text, loader or BoundedLoader, _single)


def load_all(text: str) -> list[Any]:
    """Every document of a stream (``yaml.safe_load_all``) within the budgets."""
    return _read(text, BoundedLoader, _documents)


def compose_all(text: str) -> list[yaml.Node]:
    """The node trees of a stream's documents (for their line numbers), within budget."""
    return _read(text, BoundedLoader, _nodes)


def _read(text: str, loader: type[BoundedLoader], how: Callable[[Any], _T]) -> _T:
    try:
        return _with(loader(text), how)
    except yaml.YAMLError:
        if not issubclass(loader, CParser):
            raise
        # libyaml says less ("found character that cannot start any token", "exceeded
        # maximum nesting depth"): the same text again through the Python parser names
        # the character and our limit. Only on this error path, so it costs nothing else.
        rules = {k: v for k, v in vars(loader).items() if k.startswith("yaml_")}
        pure = type(f"Pure{loader.__name__}", (PureBoundedLoader,), rules)
        return _with(pure(text), how)


def _with(reading: Any, how: Callable[[Any], _T]) -> _T:
    try:
        return how(reading)
    finally:
        reading.dispose()


def _single(reading: Any) -> Any:
    return reading.get_single_data()


def _documents(reading: Any) -> list[Any]:
    found = []
    while reading.check_data():
        found.append(reading.get_data())
    return found


def _nodes(reading: Any) -> list[yaml.Node]:
    found = []
    while reading.check_node():
        found.append(reading.get_node())
    return found
