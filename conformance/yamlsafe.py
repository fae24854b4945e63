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

from typing import Any

import yaml

from conformance.nesting import REPORTED_DEPTH

ALIAS_BUDGET = 10_000
"""Nodes the aliases of one YAML stream may stand for, in total."""
MAX_DEPTH = REPORTED_DEPTH
"""Collections nested deeper than this are refused (PyYAML composes them by recursion:
``[[[[…`` some thousands deep would end in RecursionError, with no line)."""


class AliasBudgetExceeded(yaml.MarkedYAMLError):
    """Aliases that would expand past :data:`ALIAS_BUDGET` nodes."""


class NestedTooDeep(yaml.MarkedYAMLError):
    """Collections nested past :data:`MAX_DEPTH` levels."""


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing alias expansion past :data:`ALIAS_BUDGET`."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._expanded = 0
        self._depth = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
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
                event = self.peek_event()  # type: ignore[no-untyped-call]
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


def load(text: str) -> Any:
    """``yaml.safe_load`` within the alias budget."""
    return yaml.load(text, Loader=BoundedLoader)


def load_all(text: str) -> list[Any]:
    """Every document of a stream (``yaml.safe_load_all``) within the alias budget."""
    return list(yaml.load_all(text, Loader=BoundedLoader))


def compose_all(text: str) -> list[yaml.Node]:
    """The node trees of a stream's documents (for their line numbers), within budget."""
    return list(yaml.compose_all(text, Loader=BoundedLoader))
