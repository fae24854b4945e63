"""Gathering a page's items, and folding repeated mentions of one item into one.

A page names a task in a table, in a sentence and in a code block: the documented spec
holds one task with everything those mentions state, located at the first mention. When
two mentions disagree the first wins and a ``doc-conflict`` notice says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from conformance.model import (
    SECTIONS,
    Extraction,
    Item,
    Location,
    Mention,
    Metric,
    Notice,
    Schedule,
    Setting,
    SignalHandler,
    Spec,
    Task,
    Waiver,
)
from conformance.schedules import same_times

_SECTION_OF: dict[type[Any], str] = {cls: name for name, cls in SECTIONS.items()}


@dataclass
class Collector:
    """The mutable bag one page's extraction fills; :meth:`build` freezes it."""

    path: str
    items: dict[str, list[Item]] = field(default_factory=lambda: {s: [] for s in SECTIONS})
    notices: list[Notice] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    _mentioned: set[str] = field(default_factory=set)

    def at(self, line: int) -> Location:
        return Location(self.path, line)

    def add(self, item: Item) -> None:
        self.items[_SECTION_OF[type(item)]].append(item)

    def mention(self, name: str, line: int) -> None:
        """A name used in passing; only its first place is kept (a page may repeat a
        name thousands of times)."""
        if name not in self._mentioned:
            self._mentioned.add(name)
            self.items["mentions"].append(Mention(name, self.at(line)))

    def notice(self, kind: str, message: str, line: int | None) -> None:
        self.notices.append(Notice(kind, message, self.path, line))

    def raw(self) -> tuple[dict[str, list[Item]], list[Notice], list[Waiver]]:
        """What the pages added so far, before folding (what a cache keeps of a page)."""
        return self.items, self.notices, self.waivers

    def take_raw(self, raw: tuple[dict[str, list[Item]], list[Notice], list[Waiver]]) -> None:
        """Add one page's :meth:`raw` contents, as if the page had been read into this
        collector: a name mentioned on an earlier page keeps its first place."""
        items, notices, waivers = raw
        for section, found in items.items():
            if section != "mentions":
                self.items[section].extend(found)
                continue
            for mention in found:
                name = mention.name if isinstance(mention, Mention) else None
                if name is not None and name not in self._mentioned:
                    self._mentioned.add(name)
                    self.items["mentions"].append(mention)
        self.notices.extend(notices)
        self.waivers.extend(waivers)

    def absorb(self, extraction: Extraction) -> None:
        """Take in what a code-block scanner found."""
        for _, item in extraction.spec.items():
            self.add(item)
        self.notices.extend(extraction.notices)
        self.waivers.extend(extraction.waivers)

    def build(self) -> Extraction:
        self._demote_placeholders()
        sections: dict[str, Any] = {
            name: tuple(self._fold(name, items)) for name, items in self.items.items()
        }
        return Extraction(Spec(**sections), tuple(self.notices), tuple(self.waivers))

    def _demote_placeholders(self) -> None:
        """Items named like placeholders (`my_task`, `YourQueue`, `<name>`) are examples
        wherever they stand: kept as mentions, with a notice, never judged as claims."""
        for section, items in self.items.items():
            if section == "mentions":
                continue
            kept: list[Item] = []
            for item in items:
                names = item_names(item)
                if any(is_placeholder(n) for n in names):
                    self.items["mentions"] += example_mentions(item)
                    line = item.source.line if item.source else None
                    shown = next(n for n in names if is_placeholder(n))
                    self.notice(
                        "illustrative",
                        f"`{shown}` looks like a placeholder: read as a mention, not a claim",
                        line,
                    )
                else:
                    kept.append(item)
            self.items[section] = kept

    def _fold(self, section: str, items: list[Item]) -> list[Item]:
        key, merge = _FOLDING.get(section, (_whole, _keep_first))
        if section == "signals":
            items = _drop_bare_signals(items)
        merged: dict[Hashable, Item] = {}
        for item in items:
            k = key(item)
            if k in merged:
                merged[k] = _listed_if_either(merge(merged[k], item, self), item)
            else:
                merged[k] = item
        return list(merged.values())


def _listed_if_either(folded: Item, item: Item) -> Item:
    """An item a listing states is listed, whatever sentence named it first: the folded
    item keeps its first place and takes the listing's evidence."""
    first, later = folded.source, item.source
    if first is None or later is None or not first.in_passing or later.in_passing:
        return folded
    return replace(folded, source=Location(first.path, first.line, later.evidence))


_PLACEHOLDER = re.compile(
    r"(?:my|your|example|placeholder)(?:_\w*)?"
    r"|foo|bar|baz|qux|spam|eggs"
    r"|(?:My|Your|Example|Foo|Bar)(?:[A-Z]\w*)?"
)


_SLOT = re.compile(r"<[\w\- ]+>|\{[\w\- ]+\}")


def is_placeholder(name: str) -> bool:
    """`my_task`, `YourSerializer`, `foo`, `<queue>`, `{name}`, `...`: a name written to
    be replaced, judged by its last part."""
    last = name.replace(":", ".").rpartition(".")[2]
    if _SLOT.fullmatch(name) or _SLOT.fullmatch(last) or "..." in name or "XXX" in name:
        return True
    return _PLACEHOLDER.fullmatch(last) is not None


def item_names(item: Item) -> list[str]:
    """The names an item carries (its own, and the task a route or beat entry names)."""
    names = [getattr(item, "name", None), getattr(item, "task", None)]
    return [n for n in names if isinstance(n, str) and n]


def example_mentions(item: Item) -> list[Mention]:
    """An illustrative item's names, kept only as mentions: they count their items
    documented and claim nothing."""
    return [Mention(name, item.source, kind="example") for name in item_names(item)]


def demote_to_mentions(scratch: Collector, out: Collector) -> list[str]:
    """Move what ``scratch`` read into ``out`` as mentions only (plus its waivers and
    parse notices); the names demoted from claims, in order."""
    demoted: list[str] = []
    for section, items in scratch.items.items():
        for item in items:
            out.items["mentions"] += example_mentions(item)
            if section != "mentions":
                demoted += [n for n in item_names(item) if n not in demoted]
    out.notices.extend(scratch.notices)
    out.waivers.extend(scratch.waivers)
    return demoted


def _whole(item: Item) -> Hashable:
    # Same item mentioned twice: everything but where it was said.
    return tuple(
        getattr(item, f.name) for f in fields(item) if f.name not in {"source", "recorded_at"}
    )


def _by_name(item: Item) -> Hashable:
    name: str = getattr(item, "name")  # noqa: B009 - every folded-by-name item has one
    return name


def _keep_first(first: Item, _later: Item, _out: Collector) -> Item:
    return first


def _fill(first: Item, later: Item) -> Item:
    """``first`` with the fields it left empty taken from ``later``."""
    missing = {
        f.name: getattr(later, f.name)
        for f in fields(first)
        if getattr(first, f.name) in (None, ()) and getattr(later, f.name) not in (None, ())
    }
    return replace(first, **missing) if missing else first


def _merge_task(first: Item, later: Item, out: Collector) -> Item:
    assert isinstance(first, Task) and isinstance(later, Task)
    options = dict(first.options)
    for name, value in later.options.items():
        if name not in options:
            options[name] = value
        elif options[name] != value:
            _conflict(out, f"task `{first.name}` option {name}", options[name], value, later)
    if first.queue and later.queue and first.queue != later.queue:
        _conflict(out, f"task `{first.name}` queue", first.queue, later.queue, later)
    filled = _fill(first, later)
    assert isinstance(filled, Task)
    return replace(filled, options=options)


def _merge_schedule(first: Item, later: Item, out: Collector) -> Item:
    assert isinstance(first, Schedule) and isinstance(later, Schedule)
    if first.task and later.task and first.task != later.task:
        _conflict(out, f"beat entry `{first.name}` task", first.task, later.task, later)
    if first.timing and later.timing and not same_times(first.timing, later.timing):
        _conflict(out, f"beat entry `{first.name}` schedule", "one time", "another", later)
    return _fill(first, later)


def _merge_metric(first: Item, later: Item, out: Collector) -> Item:
    assert isinstance(first, Metric) and isinstance(later, Metric)
    if first.type and later.type and first.type != later.type:
        _conflict(out, f"metric `{first.name}` type", first.type, later.type, later)
    both_labelled = first.labels is not None and later.labels is not None
    if both_labelled and set(first.labels or ()) != set(later.labels or ()):
        _conflict(out, f"metric `{first.name}` labels", first.labels, later.labels, later)
    return _fill(first, later)


def _merge_setting(first: Item, later: Item, out: Collector) -> Item:
    assert isinstance(first, Setting) and isinstance(later, Setting)
    if not first.dynamic and not later.dynamic and first.value != later.value:
        _conflict(out, f"setting `{first.name}`", first.value, later.value, later)
    return first


def _merge_fill(first: Item, later: Item, _out: Collector) -> Item:
    return _fill(first, later)


def _conflict(out: Collector, what: str, first: object, later: object, item: Item) -> None:
    # Pages share one collector and fold at the end: the notice belongs to the page of the
    # later statement, not to whichever page was read last.
    source = getattr(item, "source", None)
    path, line = (source.path, source.line) if isinstance(source, Location) else (out.path, None)
    message = f"{what} is stated twice: {first!r} first, then {later!r}; the first is used"
    out.notices.append(Notice("doc-conflict", message, path, line))


def _signal_key(item: Item) -> Hashable:
    assert isinstance(item, SignalHandler)
    return (item.signal, item.handler)


def _drop_bare_signals(items: list[Item]) -> list[Item]:
    """A sentence naming ``task_failure`` adds nothing when a handler for it is shown."""
    handled = {i.signal for i in items if isinstance(i, SignalHandler) and i.handler}
    return [
        i
        for i in items
        if not (isinstance(i, SignalHandler) and not i.handler and i.signal in handled)
    ]


_Key = Callable[[Item], Hashable]
_Merge = Callable[[Item, Item, Collector], Item]

_FOLDING: Mapping[str, tuple[_Key, _Merge]] = {
    "tasks": (_by_name, _merge_task),
    "queues": (_by_name, _merge_fill),
    "schedules": (_by_name, _merge_schedule),
    "metrics": (_by_name, _merge_metric),
    "signals": (_signal_key, _merge_fill),
    "workers": (lambda i: (_by_name(i), getattr(i, "kind")), _merge_fill),  # noqa: B009
    "bootsteps": (_by_name, _merge_fill),
    "services": (_by_name, _merge_fill),
    "settings": (_by_name, _merge_setting),
}
