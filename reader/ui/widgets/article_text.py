"""A run of an article's blocks drawn through Textual's line API: one widget, its lines
made once per width and kept, only those on screen turned into Strips.

The body (article_body.py) is one ArticleText, or several with the pictures between
them. The lines come from markdown_lines.py; a wide table's lines are cropped at the
table's own sideways offset (> and < in the pane), a scroll bar line under it.
"""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.geometry import Region, Size
from textual.selection import Selection
from textual.style import Style
from textual.strip import Strip
from textual.widget import Widget

from ..messages import LinkChosen
from .plain_lines import draw_plain, is_plain
from .markdown_lines import WRAP_MARK, Block, Document, Line, Piece

LAYOUTS_KEPT = 3
WHEEL_CELLS = 4  # a wide table's sideways step for a turn of the wheel
STRIPS_KEPT = 400  # lines drawn and kept (a few screens): dropped all at once past it


class ArticleText(Widget):
    """Some blocks of a Document, laid out at the widget's width."""

    DEFAULT_CSS = """
    ArticleText { height: auto; width: 1fr; }
    """

    def __init__(self, document: Document, blocks: list[Block],
                 offsets: dict[int, int] | None = None) -> None:
        super().__init__()
        self.document = document
        self.blocks = blocks
        self.offsets = offsets if offsets is not None else {}  # table number -> x offset
        self._width = -1
        self._lines: list[Line] = []
        self._starts: dict[int, int] = {}  # id of a block -> its first line
        self._strips: dict[int, Strip] = {}
        self._table_widths: dict[int, int] = {}
        # layouts kept by width: made ahead at the pane's width with and without its
        # scroll bar (a page long enough to scroll is a column or two narrower)
        self._layouts: dict[int, tuple[list[Line], dict[int, int], dict[int, int]]] = {}
        self._base = None  # the widget's style during a render pass
        self._plain: bool | None = None  # nothing drawn around the lines (render_lines)
        self._parsed_styles: dict[str, Style] = {}  # (_style_of)
        self._piece_rows: tuple[list[Line], dict[int, list[int]]] | None = None

    # -- laying out ----------------------------------------------------------------------------

    def lines_at(self, width: int) -> list[Line]:
        """The run's lines at `width` (made once per width and change)."""
        if width <= 0:
            return []  # (not laid out yet: nothing to wrap a long text to 4 cells for)
        if width != self._width:
            layout = self._layouts.get(width)
            if layout is None:
                layout = self._layouts[width] = self._layout(width)
                while len(self._layouts) > LAYOUTS_KEPT:
                    del self._layouts[next(iter(self._layouts))]
            self._lines, self._starts, self._table_widths = layout
            self._width = width
            self._strips.clear()
        return self._lines

    def _layout(self, width: int) -> tuple[list[Line], dict[int, int], dict[int, int]]:
        lines: list[Line] = []
        starts: dict[int, int] = {}
        widths: dict[int, int] = {}
        numbers = self.document_tables
        for block in self.blocks:
            if block.hidden:
                continue
            starts[id(block)] = len(lines)
            for line in block.lines(width, numbers):
                table = lines[-1].table if lines else None
                if table is not None and table >= 0 and line.table != table:
                    lines.append(Line(Content(""), table=-1 - table))  # (its bar, under it)
                if line.table is not None:
                    widths[line.table] = max(widths.get(line.table, 0), line.text.cell_length)
                lines.append(line)
        if lines and lines[-1].table is not None and lines[-1].table >= 0:
            lines.append(Line(Content(""), table=-1 - lines[-1].table))
        return lines, starts, widths

    def document_tables(self, piece: Piece) -> int:
        """A table's number in the document (its offset's key)."""
        return self.document.table_number(piece)

    def changed(self, layout: bool = True) -> None:
        """Blocks or their pieces changed (a search's highlights, code coloured)."""
        self._width = -1
        self._layouts.clear()
        self._strips.clear()
        self.refresh(layout=layout)

    def piece_changed(self, piece: Piece) -> None:
        """`piece` looks different but wraps the same (a search's highlights, code's
        colours): its lines made again in the layout shown, not the whole run's."""
        rows = self._rows_of_pieces().get(id(piece), [])
        if self._width <= 0 or not rows:
            self._layouts.clear()  # (not drawn here now: a later layout takes it as it is)
            return
        first, count = rows[0], len(rows)
        lines = [line for line in piece.lines(self._width, self.document_tables(piece))
                 if line.piece is piece]
        if len(lines) != count or rows[-1] - first + 1 != count:
            self.changed(layout=False)
            return
        self._lines[first:first + count] = lines
        self._layouts = {self._width: (self._lines, self._starts, self._table_widths)}
        for y in range(first, first + count):
            self._strips.pop(y, None)
        self.refresh()

    def _rows_of_pieces(self) -> dict[int, list[int]]:
        """id of a piece -> its lines in the layout shown (made once per layout)."""
        if self._piece_rows is None or self._piece_rows[0] is not self._lines:
            rows: dict[int, list[int]] = {}
            for n, line in enumerate(self._lines):
                if line.piece is not None:
                    rows.setdefault(id(line.piece), []).append(n)
            self._piece_rows = (self._lines, rows)
        return self._piece_rows[1]

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()  # (a theme's colours: the lines are drawn again)
        self._parsed_styles.clear()
        self._plain = None

    def _style_of(self, style: str | Style) -> Style:
        """A style the text names ("bold $text-primary"), in the theme's colours."""
        if isinstance(style, Style):
            return style
        parsed = self._parsed_styles.get(style)
        if parsed is None:
            parsed = self._parsed_styles[style] = Style.parse(style, self.app.theme_variables)
        return parsed

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines_at(width))

    def line_of(self, block: Block) -> int | None:
        """The first line of `block` in this run, at the width it was laid out at."""
        self.lines_at(self.content_region.width or self.size.width)
        return self._starts.get(id(block))

    def line_of_piece(self, piece: Piece) -> int | None:
        self.lines_at(self.content_region.width or self.size.width)
        rows = self._rows_of_pieces().get(id(piece))
        return rows[0] if rows else None

    # -- sideways ------------------------------------------------------------------------------

    def wide_tables(self) -> dict[int, int]:
        """Each table here too wide for the run: its number -> how far it scrolls."""
        width = self.content_region.width
        self.lines_at(width)
        return {number: max(0, cells - width) for number, cells in self._table_widths.items()
                if cells > width}

    def table_rows(self, number: int) -> range:
        """The lines of table `number` (its bar too)."""
        rows = [n for n, line in enumerate(self._lines) if line.table in (number, -1 - number)]
        return range(rows[0], rows[-1] + 1) if rows else range(0)

    def scroll_table(self, number: int, x: int) -> None:
        self.offsets[number] = x
        for n in self.table_rows(number):
            self._strips.pop(n, None)
        self.refresh()

    def on_mouse_scroll_right(self, event: events.MouseScrollRight) -> None:
        self._wheel(event, 1)

    def on_mouse_scroll_left(self, event: events.MouseScrollLeft) -> None:
        self._wheel(event, -1)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if event.shift:  # (shift and the wheel: sideways, as Textual scrolls)
            self._wheel(event, 1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if event.shift:
            self._wheel(event, -1)

    def _wheel(self, event: events.MouseEvent, step: int) -> None:
        """The wheel sideways over a wide table: the table scrolled, not the pane."""
        y = int(event.y)
        if not 0 <= y < len(self._lines) or self._lines[y].table is None:
            return
        table = self._lines[y].table
        number = table if table >= 0 else -1 - table
        most = self.wide_tables().get(number)
        if most:
            event.stop()
            self.scroll_table(number, max(0, min(most, self.offsets.get(number, 0)
                                                 + step * WHEEL_CELLS)))

    # -- drawing -------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._plain is None:
            self._plain = is_plain(self)
        self._base = self.rich_style
        try:
            if not self._plain:
                return super().render_lines(crop)
            # Nothing around the lines: drawn as made (plain_lines.py)
            return draw_plain(self, crop, self.render_line, self.size.width)
        finally:
            self._base = None

    def on_resize(self) -> None:
        self._plain = None

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        lines = self.lines_at(width)
        strip = self._strips.get(y)
        if strip is not None:
            return strip
        base = self._base or self.rich_style
        if y >= len(lines):
            return Strip.blank(width, base)
        line = lines[y]
        x = 0
        if line.table is not None and line.table >= 0:  # (a table since widened: it fits)
            most = max(0, self._table_widths.get(line.table, 0) - width)
            x = min(self.offsets.get(line.table, 0), most)
        if line.table is not None and line.table < 0:
            strip = self._bar(-1 - line.table, width, base)
        else:
            text = line.text
            selection = self.text_selection
            span = selection.get_span(y) if selection is not None else None
            if span is not None:  # (mouse selection: drawn as Textual draws its own)
                start, end = span
                selected = Style.from_styles(
                    self.screen.get_component_styles("screen--selection"))
                text = text.stylize(selected, start, len(text) if end == -1 else end)
            if x and line.indent:  # a table scrolled sideways: its quote bars stay
                head, tail = text[:line.indent], text[line.indent:]
                strip = Strip.join([self._strip_of(head),
                                    self._strip_of(tail).crop(x, x + width - line.indent)])
            else:
                strip = self._strip_of(text).crop(x, x + width)
            strip = strip.crop_extend(0, width, base)
        strip = strip.apply_offsets(x, y)  # (where the mouse is, in the text: selecting)
        if len(self._strips) >= STRIPS_KEPT:
            self._strips.clear()
        self._strips[y] = strip
        return strip

    def _strip_of(self, text: Content) -> Strip:
        return Strip([_segment(part, style.rich_style if style else None)
                      for part, style in text.render(self.visual_style, "", self._style_of)])

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text under a mouse selection as it was written: a paragraph's wrapped
        lines joined again, a folded code line whole, no bullets, bars or indentation."""
        lines = self.lines_at(self.content_region.width)
        out: list[str] = []
        previous: Line | None = None
        for y, line in enumerate(lines):
            span = selection.get_span(y)
            if span is None:
                continue
            start, end = span
            plain = line.text.plain
            piece = line.piece
            text = plain[max(start, line.indent):len(plain) if end == -1 else end]
            if piece is not None and piece.kind == "code":
                edge = (previous_piece(lines, y) is not piece
                        or y + 1 >= len(lines) or lines[y + 1].piece is not piece)
                if edge and not plain.strip():
                    continue  # (the padding above and below the code)
                text = text.removeprefix("  ").rstrip()
                if text.startswith(WRAP_MARK) and previous is not None and previous.piece is piece:
                    out[-1] += text[len(WRAP_MARK):]
                    previous = line
                    continue
            if previous is not None and piece is not None and previous.piece is piece and (
                    piece.kind == "text") and out:
                out[-1] += " " + text
            else:
                out.append(text.rstrip() if piece is None or piece.kind != "code" else text)
            previous = line
        return "\n".join(out), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._strips.clear()
        self.refresh()

    def _bar(self, number: int, width: int, base) -> Strip:
        """A scrolling table's bar: the part of the table in view, of its whole width."""
        whole = max(width, self._table_widths.get(number, width))
        most = max(0, whole - width)
        x = min(self.offsets.get(number, 0), most)
        size = max(1, width * width // whole)
        start = width - size if x >= most else x * width // whole
        track = "─" * start + "━" * size + "─" * max(0, width - start - size)
        text = Content.styled(track[:width], "$text-primary 60%")
        segments = [_segment(t, s.rich_style if s else None)
                    for t, s in text.render(self.visual_style, "", self._style_of)]
        return Strip(segments).crop_extend(0, width, base)

    def action_link(self, number: int) -> None:
        """A link in the text clicked: named by its number in the document."""
        links = self.document.links
        if isinstance(number, int) and 0 <= number < len(links):
            self.post_message(LinkChosen(links[number]))


def _segment(text: str, style):
    from rich.segment import Segment

    return Segment(text, style)


def previous_piece(lines: list[Line], y: int) -> Piece | None:
    return lines[y - 1].piece if y > 0 else None
