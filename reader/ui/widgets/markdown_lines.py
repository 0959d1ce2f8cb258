"""An article's Markdown as lines of text: blocks laid out at a width, with no widgets.

The article pane draws its body through Textual's line API (article_text.py): one
widget holds a run of blocks and draws the lines on screen, where Textual's Markdown
made a widget per paragraph, list item, cell and code block (100-160 for a long page),
each styled, laid out and painted on its own: 20-60 ms of the event loop between f and
its frame. Here a document is parsed (markdown-it, as Textual's Markdown parses it)
into top-level Blocks, each made of Pieces (a paragraph, a heading, a code block, a
table, a rule) with the prefix lists and quotes give them; laying a Block out at a
width is wrapping its Pieces' Content.

Everything is Content built from the tokens' text, never markup. A link's address is
kept in the document's `links`: the line names it by number (link(N)), never by URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it.token import Token
from rich.cells import cell_len
from textual.content import Content, Span
from textual.style import Style

WRAP_MARK = "↪"
TAB_SIZE = 8
MIN_TEXT = 10  # cells of text a nested line keeps however deep (_fitted)
MAX_NESTING = 130  # blocks in blocks markdown-it reads: more than the 120 tags the HTML
# converter keeps (content.py flattens deeper ones); the preset's 20 dropped their text
MIN_COLUMN = 12  # cells a table's column needs to be read; fewer: the table scrolls
MAX_CELL = 40  # the widest a cell of a scrolling table gets (its text folds)
BULLETS = "•◦▪▫‣"
QUOTE_BAR = "▌ "
CODE_STYLE = "on $boost"
HEADING_STYLES = {
    "h1": "bold $markdown-h1-color", "h2": "bold underline $markdown-h2-color",
    "h3": "bold $markdown-h3-color", "h4": "bold italic", "h5": "italic", "h6": "dim italic",
}
INLINE_STYLES = {"em": "italic", "strong": "bold", "s": "strike"}
CODE_SPAN = "$text-accent on $boost"
LINK = "underline $text-primary"


@dataclass
class Line:
    """A line of the laid-out document: its text (prefix included) and, for a table that
    scrolls sideways, the table's number (its offset crops the line)."""

    text: Content
    table: int | None = None
    piece: Piece | None = None  # the piece whose text the line shows (searching)
    indent: int = 0  # cells of prefix (bullets, bars, indentation) before the text


@dataclass(eq=False)
class Piece:
    """A leaf of the document: a paragraph or heading ("text"), code, a table, a rule.
    `first`/`rest`: the prefix of its first and other lines (list bullets, quote bars)."""

    kind: str
    content: Content
    first: Content = field(default_factory=Content)
    rest: Content = field(default_factory=Content)
    style: str = ""
    rows: list[list[Content]] = field(default_factory=list)  # a table's, its header first
    language: str = ""  # a code block's, as written ("" when it names none)
    code: str = ""  # a code block's text
    shown: Content | None = None  # the content as drawn (a search's highlights)
    shown_cells: dict[tuple[int, int], Content] = field(default_factory=dict)  # (a table's)
    gap_before: bool = False  # a blank line (its prefix only) over it

    @property
    def drawn(self) -> Content:
        return self.shown if self.shown is not None else self.content

    def drawn_rows(self) -> list[list[Content]]:
        if not self.shown_cells:
            return self.rows
        return [[self.shown_cells.get((r, c), cell) for c, cell in enumerate(row)]
                for r, row in enumerate(self.rows)]

    def lines(self, width: int, table_number: int) -> list[Line]:
        first, rest = _fitted(self.first, width), _fitted(self.rest, width)
        gap = [Line(_bars(rest))] if self.gap_before else []
        return gap + self._lines(first, rest, width, table_number)

    def _lines(self, first: Content, rest: Content, width: int, table_number: int) -> list[Line]:
        inner = max(4, width - first.cell_length)
        if self.kind == "rule":
            return [Line(first + Content.styled("─" * inner, "$secondary"))]
        if self.kind == "code":
            return [Line((first if n == 0 else rest) + text, piece=self,
                         indent=(first if n == 0 else rest).cell_length)
                    for n, text in enumerate(code_lines(self.drawn, inner))]
        if self.kind == "table":
            return [Line((first if n == 0 else rest) + text, table_number if scrolls else None,
                         self, (first if n == 0 else rest).cell_length)
                    for n, (text, scrolls) in enumerate(table_lines(self.drawn_rows(), inner))]
        text = self.drawn.stylize_before(self.style) if self.style else self.drawn
        out = []
        for n, row in enumerate(text.wrap(inner) or [Content("")]):
            prefix = first if n == 0 else rest
            out.append(Line(prefix + row, piece=self, indent=prefix.cell_length))
        return out


def _bars(prefix: Content) -> Content:
    """A prefix's quote bars alone (a blank line in a quote keeps its bar)."""
    return prefix.rstrip() if QUOTE_BAR.strip() in prefix.plain else Content("")


def _fitted(prefix: Content, width: int) -> Content:
    """A prefix (bullets, quote bars) that leaves the text a third of the width at least:
    nested deeper than the pane is wide, its outer levels give way to its inner ones."""
    room = width - max(MIN_TEXT, width // 3)
    if prefix.cell_length <= room:
        return prefix
    return Content.styled("…", "dim") + prefix[len(prefix) - max(0, room - 1):]


@dataclass(eq=False)
class Block:
    """A top-level block of the document (a paragraph, list, quote, table...) and the
    Markdown lines it was made of."""

    kind: str
    source_range: tuple[int, int]
    pieces: list[Piece]
    hidden: bool = False  # a paragraph naming only pictures, drawn as the pictures

    def lines(self, width: int, table_numbers: Callable[[Piece], int]) -> list[Line]:
        out: list[Line] = []
        if self.kind in ("h1", "h2"):
            out.append(Line(Content("")))
        for piece in self.pieces:
            out += piece.lines(width, table_numbers(piece))
        out.append(Line(Content("")))  # the margin under each block
        return out


def code_lines(code: Content, width: int) -> list[Content]:
    """A code block's lines, folded at `width` (its padding taken) behind a dim wrap
    mark, so that a wrapped line can't pass for two; on the code's background."""
    inner = max(4, width - 4)
    pad = Content.styled("  ", CODE_STYLE)
    out = [Content.styled(" " * width, CODE_STYLE)]
    mark = Content.styled(WRAP_MARK, "dim")
    for line in code.split("\n"):
        line = line.expand_tabs(TAB_SIZE)  # (a tab is a control character to the terminal)
        rows = [line] if line.cell_length <= inner else _fold_marked(line, inner, mark)
        for row in rows:
            gap = Content.styled(" " * max(0, inner - row.cell_length), CODE_STYLE)
            out.append(pad + row.stylize_before(CODE_STYLE) + gap + pad)
    out.append(Content.styled(" " * width, CODE_STYLE))
    return out


def _fold_marked(line: Content, width: int, mark: Content) -> list[Content]:
    first, *rest = fold_cells(line, width)
    out = [first]
    for piece in fold_cells(Content("").join(rest), width - 1):
        out.append(mark + piece)
    return out


def fold_cells(line: Content, width: int) -> list[Content]:
    """`line` cut every `width` cells, a character never split, nothing dropped: a
    zero-width character (a combining accent, a joiner) stays with the one before it
    (Content.fold kept only the first piece of a line holding one)."""
    cuts = [0]
    used = 0
    for index, char in enumerate(line.plain):
        cells = cell_len(char)
        if used + cells > width and used:
            cuts.append(index)
            used = 0
        used += cells
    cuts.append(len(line.plain))
    return [line[start:end] for start, end in zip(cuts, cuts[1:])] or [line]


def table_lines(rows: list[list[Content]], width: int) -> list[tuple[Content, bool]]:
    """A table's lines: its header, a rule, its rows, cells folded in their columns.
    Squeezed to `width` when each column keeps MIN_COLUMN cells; else each column at its
    own width (a cell at most MAX_CELL) and the lines wider than `width` (True: the
    table scrolls sideways)."""
    count = max((len(row) for row in rows), default=0)
    if not count:
        return []
    natural = [max(1, max((row[i].cell_length for row in rows if i < len(row)), default=1))
               for i in range(count)]
    gaps = 3 * (count - 1)
    scrolls = False
    if sum(natural) + gaps <= width:
        widths = natural  # (fits as it is)
    elif width < count * (MIN_COLUMN + 1):
        widths = [min(MAX_CELL, n) for n in natural]  # too many columns: it scrolls
        scrolls = sum(widths) + gaps > width
    else:
        widths = _squeeze(natural, width - gaps)
    rule = Content.styled("─┼─".join("─" * w for w in widths), "dim")
    sep = Content.styled(" │ ", "dim")
    out: list[tuple[Content, bool]] = []
    for n, row in enumerate(rows):
        cells = [(row[i] if i < len(row) else Content("")).wrap(w, overflow="fold")
                 for i, w in enumerate(widths)]
        height = max(len(c) for c in cells)
        for y in range(height):
            parts = []
            for cell, w in zip(cells, widths):
                text = cell[y] if y < len(cell) else Content("")
                if n == 0:
                    text = text.stylize_before("bold $text-primary")
                parts.append(text + " " * (w - text.cell_length))
            out.append((sep.join(parts), scrolls))
        if n == 0:
            out.append((rule, scrolls))
    return out


def _squeeze(natural: list[int], room: int) -> list[int]:
    """Column widths that fit `room`: the narrow columns keep theirs, the rest share."""
    widths = list(natural)
    room = max(len(widths), room)
    while sum(widths) > room:
        widest = max(widths)
        others = sum(w for w in widths if w != widest)
        count = sum(1 for w in widths if w == widest)
        target = max(1, (room - others) // count) if room > others else max(1, widest - 1)
        if target >= widest:
            target = widest - 1
        widths = [min(w, target) if w == widest else w for w in widths]
    return widths


# -- tokens -> blocks ---------------------------------------------------------------------


class Builder:
    """markdown-it's tokens -> Blocks; the links the document's text names."""

    def __init__(self) -> None:
        self.links: list[str] = []
        self.blocks: list[Block] = []

    def build(self, tokens: list[Token]) -> list[Block]:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            end = _closing(tokens, index)
            pieces: list[Piece] = []
            self._pieces(tokens[index:end + 1], Content(""), Content(""), pieces, 0)
            kind = token.tag if token.type == "heading_open" else token.type.removesuffix("_open")
            start, stop = token.map if token.map else (0, 0)
            if pieces:
                self.blocks.append(Block(kind, (start, stop), pieces))
            index = end + 1
        return self.blocks

    def _pieces(self, tokens: list[Token], first: Content, rest: Content,
                out: list[Piece], depth: int, tight: bool = False) -> None:
        """The leaves of `tokens` (whole blocks), with the prefixes they are under; a
        blank line between two blocks of a quote or a loose list's item, as between
        top-level ones (not between a tight list's items)."""
        index = 0
        while index < len(tokens):
            token = tokens[index]
            end = _closing(tokens, index)
            kind = token.type
            inner = tokens[index + 1:end]
            before = len(out)
            if kind in ("paragraph_open", "heading_open"):
                content = self.inline(inner[0] if inner else None)
                style = HEADING_STYLES.get(token.tag, "") if kind == "heading_open" else ""
                out.append(Piece("text", content, first, rest, style))
            elif kind in ("fence", "code_block"):
                code = token.content.rstrip("\n")
                language = token.info.strip().split(" ")[0] if kind == "fence" else ""
                out.append(Piece("code", highlighted(code, language), first, rest,
                                 language=language, code=code))
            elif kind == "hr":
                out.append(Piece("rule", Content(""), first, rest))
            elif kind == "html_block":
                out.append(Piece("text", Content(token.content.rstrip("\n")), first, rest))
            elif kind == "table_open":
                out.append(Piece("table", Content(""), first, rest, rows=self._rows(inner)))
            elif kind == "blockquote_open":
                bar = Content.styled(QUOTE_BAR, "$text-primary 50%")
                self._pieces(inner, first + bar, rest + bar, out, depth)
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self._list(token, inner, first, rest, out, depth)
            elif kind == "inline":  # (a tight list's item: its paragraph is hidden)
                out.append(Piece("text", self.inline(token), first, rest))
            if index and len(out) > before and not tight:
                out[before].gap_before = True
            first = rest  # only the first piece of an item is behind its bullet
            index = end + 1

    def _list(self, token: Token, tokens: list[Token], first: Content, rest: Content,
              out: list[Piece], depth: int) -> None:
        ordered = token.type == "ordered_list_open"
        number = int(token.attrs.get("start", 1)) if ordered else 0
        items = []
        index = 0
        while index < len(tokens):
            end = _closing(tokens, index)
            items.append(tokens[index + 1:end])
            index = end + 1
        label_width = len(f"{number + len(items) - 1}. ") if ordered else 2
        for n, item in enumerate(items):
            label = (f"{number + n}. ".rjust(label_width) if ordered
                     else BULLETS[depth % len(BULLETS)] + " ")
            bullet = Content.styled(label, "$text-primary")
            pad = Content(" " * label_width)
            before = len(out)
            tight = bool(item) and item[0].hidden  # (markdown-it hides a tight item's <p>)
            self._pieces(item, first + bullet, rest + pad, out, depth + 1, tight)
            if len(out) == before:  # an empty item: its bullet alone
                out.append(Piece("text", Content(""), first + bullet, rest + pad))
            elif n and not tight:  # (a loose list: items apart)
                out[before].gap_before = True
            first = rest

    def _rows(self, tokens: list[Token]) -> list[list[Content]]:
        rows: list[list[Content]] = []
        for index, token in enumerate(tokens):
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "inline" and rows:
                rows[-1].append(self.inline(token))
        return rows

    def inline(self, token: Token | None) -> Content:
        """An inline token's children -> Content: emphasis, code, links (by number)."""
        if token is None:
            return Content("")
        text: list[str] = []
        length = 0
        spans: list[Span] = []
        open_at: list[tuple[int, str | Style]] = []  # (where it starts, style)

        def add(piece: str, style: str | None = None) -> None:
            nonlocal length
            if piece:
                if style:
                    spans.append(Span(length, length + len(piece), style))
                text.append(piece)
                length += len(piece)

        for child in token.children or []:
            kind = child.type
            if kind in ("text", "html_inline"):
                add(child.content)
            elif kind == "softbreak":
                add(" ")
            elif kind == "hardbreak":
                add("\n")
            elif kind == "code_inline":
                add(child.content, CODE_SPAN)
            elif kind == "image":
                add(f"[image: {child.content}]" if child.content else "[image]", "dim italic")
            elif kind.endswith("_open") and kind[:-5] in INLINE_STYLES:
                open_at.append((length, INLINE_STYLES[kind[:-5]]))
            elif kind == "link_open":
                self.links.append(str(child.attrs.get("href", "")))
                meta = Style.from_meta({"@click": f"link({len(self.links) - 1})"})
                open_at.append((length, LINK))
                open_at.append((length, meta))
            elif kind.endswith("_close") and open_at:
                for _ in range(2 if kind == "link_close" else 1):
                    if open_at:
                        start, style = open_at.pop()
                        if length > start:
                            spans.append(Span(start, length, style))
        return Content("".join(text), spans)


def _closing(tokens: list[Token], index: int) -> int:
    """The index of the token that closes the one at `index` (itself if it is a leaf)."""
    if tokens[index].nesting != 1:
        return index
    level = 0
    for n in range(index, len(tokens)):
        level += tokens[n].nesting
        if level == 0:
            return n
    return len(tokens) - 1


def highlighted(code: str, language: str) -> Content:
    """Code coloured by the language it names; plain when it names none (the language is
    guessed in a thread later: article_text.py)."""
    if not language:
        return Content(code)
    from textual.highlight import highlight

    try:
        return highlight(code, language=language)
    except Exception:  # an unknown language name: the code as written  # noqa: BLE001
        return Content(code)


@dataclass
class Document:
    """A parsed article body: its blocks and the links its text names."""

    markdown: str
    blocks: list[Block]
    links: list[str]
    tables: dict[int, int] = field(default_factory=dict)  # id of a table piece -> number

    def __post_init__(self) -> None:
        for block in self.blocks:
            for piece in block.pieces:
                if piece.kind == "table":
                    self.tables[id(piece)] = len(self.tables)

    def table_number(self, piece: Piece) -> int:
        return self.tables.get(id(piece), -1)

    def pieces(self) -> list[Piece]:
        """The text a search reads, in reading order (not the pictures' paragraphs while
        they are drawn as pictures)."""
        return [piece for block in self.blocks if not block.hidden for piece in block.pieces
                if piece.kind in ("text", "code", "table")]

    def block_at(self, line: int) -> Block | None:
        """The top-level block made of Markdown line `line`."""
        for block in self.blocks:
            start, end = block.source_range
            if start <= line < end:
                return block
        return None

    @classmethod
    def parse(cls, markdown: str) -> Document:
        from markdown_it import MarkdownIt

        tokens = MarkdownIt("gfm-like", {"maxNesting": MAX_NESTING}).parse(markdown)
        if any(token.level >= MAX_NESTING - 1 for token in tokens):
            # nested past the limit: markdown-it drops what is deeper, so the text is
            # shown as written instead, a paragraph per blank-line-separated part
            return cls(markdown, _as_written(markdown), [])
        builder = Builder()
        blocks = builder.build(tokens)
        return cls(markdown, blocks, builder.links)


def _as_written(markdown: str) -> list[Block]:
    """The Markdown's text as it is written, a block per blank-line-separated part."""
    blocks = []
    line = 0
    for part in markdown.split("\n\n"):
        lines = part.count("\n") + 1
        if part.strip():
            blocks.append(Block("paragraph", (line, line + lines),
                                [Piece("text", Content(part.strip()))]))
        line += lines + 1
    return blocks
