"""Walking a Markdown page: heading context, waivers, and each block to its reader."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from conformance.extract.blocks import read_fence
from conformance.extract.collect import Collector
from conformance.extract.context import Section
from conformance.extract.prose import read_list_item, read_paragraph
from conformance.extract.tables import Table, TableRow, read_table
from conformance.extract.values import plain
from conformance.gcpause import no_cyclic_gc
from conformance.model import Extraction, Waiver

# One pinned preset: CommonMark plus GFM tables, nothing else that could change with a
# markdown-it-py release.
PARSER = MarkdownIt("commonmark").enable("table")

_DIRECTIVE = re.compile(r"<!--\s*conformance\s*:(?P<body>.*?)-->", re.DOTALL)
_RULE_ID = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9-]+\Z")


@dataclass(frozen=True)
class Directive:
    """A waiver comment waiting for the block it applies to."""

    skip: bool
    rules: tuple[str, ...]
    line: int


def extract_text(text: str, path: str) -> Extraction:
    """The documented spec of one page; ``path`` is what items' locations say."""
    out = Collector(path)
    extract_into(text, path, out)
    return out.build()


def extract_into(text: str, path: str, out: Collector) -> None:
    """Add one page's items to ``out`` (pages share it so mentions fold across pages)."""
    out.path = path
    with no_cyclic_gc():
        _Walk(out).blocks(block_tree(PARSER.parse(text)))


@dataclass(slots=True)
class Node:
    """A block of the token stream with its nested blocks; ``inline`` nodes carry the
    inline token. (markdown-it's SyntaxTreeNode does the same but took a third of the
    time of a whole extraction.)"""

    type: str
    token: Token
    children: list[Node]

    @property
    def map(self) -> list[int] | None:
        return self.token.map

    @property
    def content(self) -> str:
        return self.token.content

    @property
    def info(self) -> str:
        return self.token.info

    @property
    def tag(self) -> str:
        return self.token.tag


def block_tree(tokens: list[Token]) -> list[Node]:
    """The top-level blocks of a token stream, containers holding their children."""
    top: list[Node] = []
    stack: list[list[Node]] = [top]
    for token in tokens:
        if token.nesting == 1:
            node = Node(token.type.removesuffix("_open"), token, [])
            stack[-1].append(node)
            stack.append(node.children)
        elif token.nesting == -1:
            stack.pop()
        else:
            stack[-1].append(Node(token.type, token, []))
    return top


class _Walk:
    def __init__(self, out: Collector) -> None:
        self.out = out
        self.section = Section()

    def blocks(self, nodes: list[Node]) -> None:
        pending: list[Directive] = []
        for node in nodes:
            if node.type == "html_block":
                pending.extend(self._directives(node))
                continue
            skip = self._apply(pending, node) if pending else False
            pending = []
            if not skip:
                self.block(node)
        for directive in pending:
            self._bad(directive.line, "a waiver with no block after it applies to nothing")

    def block(self, node: Node) -> None:
        line = _line(node)
        topics = self.section.topics
        if node.type == "heading":
            self.section = self.section.enter(int(node.tag[1:]), plain(_inline_of(node)))
        elif node.type == "paragraph":
            read_paragraph(_inline_of(node), line, topics, self.out)
        elif node.type in ("bullet_list", "ordered_list"):
            for item in node.children:
                self._list_item(item)
        elif node.type == "blockquote":
            self.blocks(node.children)
        elif node.type == "table":
            read_table(_table(node), topics, self.out)
        elif node.type == "fence":
            # map[0] is the opening fence; the code starts on the next line.
            read_fence(node.info, node.content, line + 1, topics, self.out)

    def _list_item(self, item: Node) -> None:
        children = list(item.children)
        if children and children[0].type == "paragraph":
            read_list_item(_inline_of(children[0]), _line(item), self.section.topics, self.out)
            children = children[1:]
        self.blocks(children)

    def _apply(self, pending: list[Directive], node: Node) -> bool:
        """Apply waiting directives to ``node``; True when the node is to be skipped."""
        start, end = node.map if node.map else (0, 0)
        skip = False
        for directive in pending:
            if directive.rules:
                waiver = Waiver(directive.rules, self.out.path, directive.line, start + 1, end)
                self.out.waivers.append(waiver)
            elif node.type == "heading":
                self._bad(directive.line, "`skip` before a heading skips nothing")
            else:
                skip = True
        return skip

    def _directives(self, node: Node) -> list[Directive]:
        found: list[Directive] = []
        for match in _DIRECTIVE.finditer(node.content):
            line = _line(node) + node.content.count("\n", 0, match.start())
            words = match.group("body").replace(",", " ").split()
            if words == ["skip"]:
                found.append(Directive(True, (), line))
            elif len(words) > 1 and words[0] == "ignore" and all(map(_RULE_ID.match, words[1:])):
                found.append(Directive(False, tuple(words[1:]), line))
            else:
                self._bad(
                    line,
                    f"cannot read `conformance: {' '.join(words)}`: write "
                    "`conformance: skip` or `conformance: ignore RULE [RULE...]`",
                )
        return found

    def _bad(self, line: int, message: str) -> None:
        self.out.notice("bad-waiver", message, line)


def _line(node: Node) -> int:
    return node.map[0] + 1 if node.map else 1


def _inline_of(node: Node) -> str:
    """The inline text of a heading, paragraph or cell, code spans kept in backticks."""
    for child in node.children:
        if child.type == "inline":
            return render_inline(child.token)
    return ""


def render_inline(token: Token | None) -> str:
    """Inline text without markup except backticks around code; line breaks kept."""
    if token is None or not token.children:
        return ""
    parts: list[str] = []
    for child in token.children:
        if child.type == "text":
            parts.append(child.content)
        elif child.type == "code_inline":
            parts.append(f"`{child.content}`")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def _table(node: Node) -> Table:
    header: tuple[str, ...] = ()
    rows: list[TableRow] = []
    for part in node.children:
        for tr in part.children:
            cells = tuple(_inline_of(c) for c in tr.children)
            if part.type == "thead":
                header = cells
            else:
                rows.append(TableRow(cells, _line(tr)))
    return Table(header, tuple(rows))
