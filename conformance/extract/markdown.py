"""Walking a Markdown page: heading context, waivers, and each block to its reader."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from conformance.extract.claims import add_claims
from conformance.extract.collect import Collector, demote_to_mentions
from conformance.extract.context import Section
from conformance.extract.generated import marked_sections
from conformance.extract.inline_code import read_inline_calls
from conformance.extract.prose import read_list_item, read_paragraph
from conformance.extract.sentences import (
    env_defaults,
    env_mentions,
    env_name,
    section_default,
)
from conformance.extract.tables import Columns, Table, TableRow, read_env_table, read_table
from conformance.extract.values import code_spans, plain
from conformance.gcpause import no_cyclic_gc
from conformance.model import Extraction, GeneratedSection, Waiver

# One pinned preset: CommonMark plus GFM tables, and the documentation-site syntax
# mdit-py-plugins reads as mkdocs/Material does: admonitions (`!!! note`, `??? tip`),
# definition lists and YAML front matter. Without them an admonition's body after a blank
# line is a code block, and the front matter a paragraph.
MAX_NESTING = 100
"""Block nesting markdown-it follows (lists count two levels, quotes one). Its presets stop
at 20, and what is nested deeper is dropped without a word; 100 reads any real page and
keeps the parser's recursion well inside Python's limit. Deeper content is a notice."""

MAX_INDENTED = 8
"""Indented Markdown inside indented Markdown (a tab in a tab in an admonition's tab…)."""

PARSER = (
    MarkdownIt("commonmark", {"maxNesting": MAX_NESTING})
    .enable("table")
    .use(admon_plugin)
    .use(deflist_plugin)
    .use(front_matter_plugin)
)

_DIRECTIVE = re.compile(r"<!--\s*conformance\s*:(?P<body>.*?)-->", re.DOTALL)
_RULE_ID = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9-]+\Z")


@dataclass(frozen=True)
class Directive:
    """A waiver comment waiting for the block it applies to."""

    skip: bool
    rules: tuple[str, ...]
    line: int


CHUNK_CHARS = 256 * 1024
"""A page larger than this is parsed in pieces cut before top-level headings: markdown-it
keeps a whole page's tokens (about 30 bytes of memory per byte of Markdown), a piece's
tokens are freed once it is walked. The cuts never change what is extracted."""


def extract_text(text: str, path: str, *, chunk_chars: int = CHUNK_CHARS) -> Extraction:
    """The documented spec of one page; ``path`` is what items' locations say."""
    out = Collector(path)
    extract_into(text, path, out, chunk_chars=chunk_chars)
    return out.build()


def extract_into(text: str, path: str, out: Collector, *, chunk_chars: int = CHUNK_CHARS) -> None:
    """Add one page's items to ``out`` (pages share it so mentions fold across pages)."""
    out.path = path
    if "conformance:begin" in text:
        _generated_sections(text, out)
    with no_cyclic_gc():
        _Walk(out, is_celery_page(text, path)).blocks(_top_level_blocks(text, chunk_chars, out))


def _generated_sections(text: str, out: Collector) -> None:
    for section in marked_sections(text):
        if section.problem is not None:
            out.notice("bad-marker", f"generated section: {section.problem}", section.begin)
        else:
            out.add(GeneratedSection(section.kind, section.content, out.at(section.begin)))


def _top_level_blocks(text: str, chunk_chars: int, out: Collector) -> Iterator[Node]:
    """The page's top-level blocks, parsed piece by piece (see :data:`CHUNK_CHARS`);
    token lines are page lines, as if the page had been parsed whole."""
    for first_line, piece in split_before_headings(text, chunk_chars):
        tokens = PARSER.parse(piece)
        if first_line:
            for token in tokens:
                if token.map is not None:
                    token.map = [token.map[0] + first_line, token.map[1] + first_line]
        yield from block_tree(tokens, out)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_ATX_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)$")
_RAW_HTML_START = re.compile(r" {0,3}<(script|pre|style|textarea)(?:[\s>]|$)", re.IGNORECASE)


def split_before_headings(text: str, chunk_chars: int) -> Iterator[tuple[int, str]]:
    """``(first line, piece)`` of ``text`` cut into pieces of about ``chunk_chars``.

    A cut is made only before a line that is a top-level ATX heading (``#`` in column
    0) after a blank line, outside fenced code, HTML comments and raw HTML blocks: such a
    heading always ends whatever came before it (paragraph, list, quote, table), so each
    piece parses exactly as it does inside the whole page.
    """
    if len(text) <= chunk_chars:
        yield 0, text
        return
    # Lines as Markdown counts them (str.splitlines also breaks at \f, \x1c, \u2028...).
    lines = _LINE.findall(text)
    start = 0
    size = 0
    fence: str | None = None
    html_end: str | None = None
    previous_blank = True
    for number, line in enumerate(lines):
        body = line.rstrip("\r\n")
        if (
            fence is None
            and html_end is None
            and previous_blank
            and size >= chunk_chars
            and _ATX_HEADING.match(body)
        ):
            yield start, "".join(lines[start:number])
            start, size = number, 0
        size += len(line)
        if fence is not None:
            closing = _FENCE.match(body)
            if (
                closing
                and closing.group(1)[0] == fence[0]
                and len(closing.group(1)) >= len(fence)
                and not closing.group(2).strip()
            ):
                fence = None
        elif html_end is not None:
            if html_end in body.lower():
                html_end = None
        else:
            opening = _FENCE.match(body)
            raw = _RAW_HTML_START.match(body)
            if opening and not (opening.group(1)[0] == "`" and "`" in opening.group(2)):
                fence = opening.group(1)
            elif body.lstrip(" ").startswith("<!--") and "-->" not in body.split("<!--", 1)[1]:
                html_end = "-->"
            elif raw:
                html_end = f"</{raw.group(1).lower()}>"
                if html_end in body.lower():
                    html_end = None
        previous_blank = not body.strip()
    yield start, "".join(lines[start:])


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


_READS_BLOCKS = frozenset(
    {"blockquote_open", "list_item_open", "admonition_open", "dd_open", "bullet_list_open"}
)
"""Containers whose content markdown-it reads as blocks, and so stops reading at its limit."""


def block_tree(tokens: list[Token], out: Collector | None = None) -> list[Node]:
    """The top-level blocks of a token stream, containers holding their children.

    A container opened at the parser's nesting limit comes back without its content:
    markdown-it skips what it holds. ``out`` gets one notice naming those lines.
    """
    top: list[Node] = []
    stack: list[list[Node]] = [top]
    reported_at: int | None = None  # the level of the container already reported
    for token in tokens:
        if token.nesting == 1:
            node = Node(token.type.removesuffix("_open"), token, [])
            stack[-1].append(node)
            stack.append(node.children)
            if (
                out is not None
                and reported_at is None
                and token.level >= MAX_NESTING - 1
                and token.type in _READS_BLOCKS
                and token.map is not None
            ):
                reported_at = token.level
                _too_deep(token.map, out)
        elif token.nesting == -1:
            stack.pop()
            if token.level == reported_at:
                reported_at = None
        else:
            stack[-1].append(Node(token.type, token, []))
    return top


def _too_deep(
    lines: list[int], out: Collector, limit: int = MAX_NESTING, what: str = "levels"
) -> None:
    first, end = lines[0] + 1, lines[1]
    span = f"line {first}" if end <= first else f"lines {first}-{end}"
    out.notice("too-deep", f"nested more than {limit} {what} deep: {span} skipped", first)


# Prose, lists and tables are read as Celery items only on pages that talk about Celery:
# a contributor guide's "Release tasks" list is not a list of Celery tasks. Code blocks
# are explicit and always read; so is a table with a column only Celery tables have.
_CELERY_PAGE = re.compile(
    r"\b(?:celery|workers?|brokers?|beat|queues?|periodic|crontab|"
    r"background (?:tasks?|jobs?))\b",
    re.IGNORECASE,
)
_CELERY_COLUMNS = frozenset(
    {
        "queue",
        "queues",
        "time limit",
        "soft time limit",
        "retries",
        "max retries",
        "retry delay",
        "rate limit",
        "acks late",
        "schedule",
        "crontab",
        "concurrency",
        "prefetch",
        "signal",
        "metric",
        "labels",
        "beat entry",
        "setting",  # rows count only when they name real Celery settings
    }
)


_CELERY_PATH = re.compile(
    r"\b(?:celery|workers?|queues?|beat|periodic|background|tasks|jobs)\b", re.IGNORECASE
)


def is_celery_page(text: str, path: str = "") -> bool:
    """Whether a page talks about Celery (see :data:`_CELERY_PAGE`), or its path says
    so (``docs/celery/...``, ``docs/background-tasks.md``, ``docs/tasks.md``)."""
    words = re.sub(r"[\W_]+", " ", path)
    return _CELERY_PAGE.search(text) is not None or _CELERY_PATH.search(words) is not None


class _Walk:
    def __init__(self, out: Collector, celery_page: bool = True) -> None:
        self.out = out
        self.section = Section()
        self.celery_page = celery_page
        # The environment variable the open heading names (`WORKERS=<num>`), if any.
        self.variable: str | None = None
        # Indented Markdown (tabs, definitions) is parsed again, once per level.
        self.indented_depth = 0

    def blocks(self, nodes: Iterable[Node], after: Node | None = None) -> None:
        """Read ``nodes`` in order; ``after`` is the block read just before them (a list
        item's first paragraph), which may open an indented tab or definition."""
        pending: list[Directive] = []
        prose_follows = after is not None and _opens_indented(after)
        for node in nodes:
            if node.type == "html_block":
                pending.extend(self._directives(node))
                continue
            skip = self._apply(pending, node) if pending else False
            pending = []
            if node.type == "code_block" and prose_follows:
                # mkdocs content tabs (`=== "Tab"`) and `: definition` paragraphs go on
                # in indented lines: Markdown, not code, on every documentation site.
                self._indented_markdown(node)
                continue
            prose_follows = _opens_indented(node)
            if not skip:
                self.block(node)
        for directive in pending:
            self._bad(directive.line, "a waiver with no block after it applies to nothing")

    def block(self, node: Node) -> None:
        example = self.section.illustrative
        if example is None or node.type == "heading":
            self._block(node)
            return
        # An example's names are mentions (generous), never claims: read the block as
        # usual into a scratch collector, then keep only the names.
        real, self.out = self.out, Collector(self.out.path)
        try:
            self._block(node)
        finally:
            scratch, self.out = self.out, real
        demoted = demote_to_mentions(scratch, real)
        if demoted:
            real.notice(
                "illustrative",
                f"an example (under “{example}”): {', '.join(f'`{n}`' for n in demoted[:5])}"
                f"{' …' if len(demoted) > 5 else ''} read as mentions, not claims",
                _line(node),
            )

    def _block(self, node: Node) -> None:
        line = _line(node)
        topics = self.section.topics
        if node.type == "heading":
            text = _inline_of(node)
            self.section = self.section.enter(int(node.tag[1:]), plain(text))
            add_mentions(text, line, self.out)
            spans = code_spans(text)
            self.variable = env_name(spans[0]) if spans else None
        elif node.type == "paragraph":
            text = _inline_of(node)
            if "{{" in text or "{%" in text:
                text = self._without_macros(text, line)
            add_mentions(text, line, self.out)
            self._env_claims(text, line)
            if self.celery_page:
                read_paragraph(text, line, topics, self.out)
                read_inline_calls(text, line, self.out)
        elif node.type in ("bullet_list", "ordered_list"):
            for item in node.children:
                self._list_item(item)
        elif node.type in ("blockquote", "admonition", "dl", "dd"):
            self.blocks(c for c in node.children if c.type != "admonition_title")
        elif node.type == "dt":
            add_mentions(_inline_of(node), line, self.out)
        elif node.type == "table":
            table = _without_struck_rows(_table(node))
            for row in table.rows:
                for cell in row.cells:
                    add_mentions(cell, row.line, self.out)
            if self.celery_page or _CELERY_COLUMNS & set(Columns.of(table.header).keys):
                read_table(table, topics, self.out)
            read_env_table(table, self.out)
        elif node.type == "fence":
            # map[0] is the opening fence; the code starts on the next line.
            # The code readers (Python source, shell, INI, Procfile) load with the first
            # fence: a page of tables and prose, the usual edit, never needs them.
            from conformance.extract.blocks import read_fence

            read_fence(node.info, node.content, line + 1, topics, self.out)

    def _env_claims(self, text: str, line: int) -> None:
        """Environment variables' defaults, on every page: "`X` defaults to 4", and
        "Defaults to 4." under a heading that names the variable."""
        if "`" in text and "efault" in text:
            add_claims(env_defaults(text, line), self.out)
        if "`" in text and ("ariable" in text or "env var" in text.lower()):
            add_claims(env_mentions(text, line), self.out)
        if self.variable is not None and "efault" in text:
            add_claims(section_default(text, line, self.variable), self.out)

    def _without_macros(self, text: str, line: int) -> str:
        """Template macros (mkdocs-macros, Jinja: `{{ var }}`, `{% include %}`) are left
        out, with a notice: what they expand to is not on the page."""
        kept = _MACRO.sub(" ", text)
        if kept != text:
            self.out.notice(
                "macro", "template macros ({{ … }}, {% … %}) are not expanded: skipped", line
            )
        return kept

    def _indented_markdown(self, node: Node) -> None:
        if self.indented_depth >= MAX_INDENTED:
            # Each level parses its content again: past a few, the cost grows with the
            # square of the depth (and the recursion with it). No page nests tabs so deep.
            _too_deep(node.map or [_line(node) - 1, _line(node)], self.out, MAX_INDENTED, "tabs")
            return
        self.indented_depth += 1
        try:
            self._parse_indented(node)
        finally:
            self.indented_depth -= 1

    def _parse_indented(self, node: Node) -> None:
        offset = _line(node) - 1
        tokens = PARSER.parse(node.content)
        for token in tokens:
            if token.map is not None:
                token.map = [token.map[0] + offset, token.map[1] + offset]
        self.blocks(block_tree(tokens, self.out))

    def _list_item(self, item: Node) -> None:
        children = list(item.children)
        if children and children[0].type == "paragraph":
            add_mentions(_inline_of(children[0]), _line(item), self.out)
            self._env_claims(_inline_of(children[0]), _line(item))
        first = children[0] if children and children[0].type == "paragraph" else None
        if first is not None and self.celery_page:
            read_list_item(_inline_of(first), _line(item), self.section.topics, self.out)
        # Its text is prose (read above, or not a Celery page); nested blocks still count.
        self.blocks(children[1:] if first is not None else children, after=first)

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


# A paragraph after which indented lines continue it: a content tab's title line or a
# definition (`: text`, as mkdocs' def_list writes it after a heading).
_OPENS_INDENTED = re.compile(r'===\+?\s+"[^"]*"\s*\Z|:\s')

_MACRO = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)

_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_NAME = re.compile(r"[\w.:\-/<>]+")


def add_mentions(text: str, line: int, out: Collector) -> None:
    """Every code span of ``text`` that could be a name (no spaces) as a Mention, on the
    line it sits on (``text`` keeps the block's line breaks)."""
    at, counted = line, 0  # line numbers counted forward once: linear in the text
    for match in _CODE_SPAN.finditer(text):
        name = match.group(1).strip().removesuffix("()")
        if name and _NAME.fullmatch(name):
            at += text.count("\n", counted, match.start())
            counted = match.start()
            out.mention(name, at)


def _without_struck_rows(table: Table) -> Table:
    """A row whose first cell is struck through (``~~`old_task`~~``, as ``conformance fix``
    marks what the code no longer has) documents a removal: it names and claims nothing."""
    kept = tuple(
        row for row in table.rows if not (row.cells and row.cells[0].strip().startswith("~~"))
    )
    return table if len(kept) == len(table.rows) else replace(table, rows=kept)


def _opens_indented(node: Node) -> bool:
    return node.type == "paragraph" and _OPENS_INDENTED.match(_raw_inline(node)) is not None


def _line(node: Node) -> int:
    return node.map[0] + 1 if node.map else 1


def _raw_inline(node: Node) -> str:
    """The inline source of a paragraph, as written."""
    return next((c.content for c in node.children if c.type == "inline"), "")


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
