"""The article's body: Textual's Markdown, with code and tables that wrap visibly, and
the blocks its pictures are placed after (article_images.py).

Textual draws a code block as one long line per line of code, cut at the pane's edge
with its scroll bar hidden: the end of a line was lost without a sign. Here a code
line longer than the pane goes on on the next line, after a "↪". Table cells cut
their words with "…"; here they fold them. A table too wide for the pane at a readable
width a column (MIN_COLUMN cells) keeps its columns' own widths (a cell at most
MAX_CELL) and scrolls sideways under a scroll bar (> and < in the pane), where Textual
squeezed 16 columns into 1-3 cells each, their words read downwards.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import partial

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets._markdown import (  # (Textual does not export these two)
    MarkdownTable,
    MarkdownTableContent,
)
from textual.widgets.markdown import MarkdownBlock, MarkdownFence
from textual.worker import get_current_worker

from .staged_markdown import StagedMarkdown

WRAP_MARK = "↪"
MIN_COLUMN = 12  # cells a table's column needs to be read; fewer: the table scrolls
MAX_CELL = 40  # the widest a cell of a scrolling table gets (its text folds)
GUESSES_KEPT = 200  # code blocks whose guessed language is remembered (f back and forth)
_guesses: OrderedDict[str, str] = OrderedDict()


def guessed_language(code: str) -> str:
    """The language Textual's Markdown would guess for `code` (every Pygments lexer
    tried: run it in a thread), remembered."""
    from textual.highlight import guess_language

    language = _guesses.get(code)
    if language is None:
        language = _guesses[code] = guess_language(code, None)
        while len(_guesses) > GUESSES_KEPT:
            _guesses.popitem(last=False)
    return language


def wrap_code(code: Content, width: int) -> list[Content]:
    """Each line of `code` folded to `width` cells; continuation lines start with the
    wrap mark (dim), so that a wrapped line can't pass for two."""
    if width < 4:
        return code.split("\n")
    out: list[Content] = []
    mark = Content.styled(WRAP_MARK, "dim")
    for line in code.split("\n"):
        if line.cell_length <= width:
            out.append(line)
            continue
        first, *rest = line.fold(width)
        out.append(first)
        remainder = Content("").join(rest)
        for piece in remainder.fold(width - 1):
            out.append(mark + piece)
    return out


class WrappedCode(Widget):
    """A code block's highlighted text, wrapped at the widget's width."""

    DEFAULT_CSS = """
    WrappedCode { height: auto; width: 1fr; padding: 1 2; }
    """

    def __init__(self, code: Content) -> None:
        super().__init__()
        self.code = code

    def set_code(self, code: Content) -> None:
        self.code = code
        self.refresh(layout=True)

    # As a Static's, so that a search of the article (article_search.py) covers code too
    @property
    def content(self) -> Content:
        return self.code

    def update(self, content: Content, *, layout: bool = True) -> None:
        self.code = content
        self.refresh(layout=layout)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(wrap_code(self.code, width))

    def render(self) -> Content:
        return Content("\n").join(wrap_code(self.code, self.content_region.width))


class WrappedFence(MarkdownFence):
    """A fenced or indented code block that wraps instead of scrolling out of sight."""

    DEFAULT_CSS = """
    WrappedFence { overflow: hidden hidden; }
    """

    @classmethod
    def highlight(cls, code: str, language: str, ansi: bool = False,
                  dark: bool = False) -> Content:
        # A block that names no language is plain text here: Textual would guess one by
        # running every Pygments lexer over it, on the event loop (3-60 ms a block, and
        # importing them all the first time, a second: an article with code took 0.3 s
        # to show). The guess is made in a thread once the block is shown (on_mount).
        return super().highlight(code, language or "text", ansi, dark)

    def on_mount(self) -> None:
        if not self.lexer and self.code.strip():
            self.run_worker(
                partial(self._colour, self.app.native_ansi_color, self.app.current_theme.dark),
                name="code_colours", group="code-colours", thread=True, exit_on_error=False)

    def _colour(self, ansi: bool, dark: bool) -> None:
        """In a thread: the block's language guessed (as Textual would, from the code
        alone), its text coloured by it, handed to the event loop."""
        language = guessed_language(self.code)
        if language in ("text", "default"):
            return
        coloured = self.highlight(self.code, language, ansi, dark)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._coloured, language, coloured)

    def _coloured(self, language: str, coloured: Content) -> None:
        if self.is_attached:
            self.lexer = language  # (a theme change colours it by the same language)
            self._highlighted_code = coloured
            for code in self.query(WrappedCode):  # (the same text: no layout pass)
                code.update(coloured, layout=False)

    def compose(self):
        yield WrappedCode(self._highlighted_code)  # (made by MarkdownFence's __init__)

    def set_content(self, content: Content) -> None:
        super().set_content(content)  # (finds no Label of its own to update: fine)
        for code in self.query(WrappedCode):
            code.set_code(content)


class WideTableContent(MarkdownTableContent):
    """The grid of a WideTable: squeezed to the pane as Textual does when each column
    gets MIN_COLUMN cells; else at its own width, which the table scrolls."""

    DEFAULT_CSS = f"""
    WideTableContent.-scrolls > .cell, WideTableContent.-scrolls > .header {{
        max-width: {MAX_CELL};
    }}
    """

    def pre_layout(self, layout) -> None:
        super().pre_layout(layout)
        width = self.parent.size.width if self.parent is not None else 0
        scrolls = 0 < width < len(self.headers) * (MIN_COLUMN + 1)
        if scrolls:
            layout.shrink = layout.expand = False
        if scrolls != self.has_class("-scrolls"):
            self.set_class(scrolls, "-scrolls")
            self.styles.width = "auto" if scrolls else "1fr"


class WideTable(MarkdownTable):
    """A Markdown table that scrolls sideways when it is too wide for the pane."""

    DEFAULT_CSS = """
    WideTable { overflow-x: auto; overflow-y: hidden; scrollbar-size-horizontal: 1; }
    """

    def compose(self):
        self._headers, self._rows = self._get_headers_and_rows()
        yield WideTableContent(self._headers, self._rows)

    @property
    def scrolls(self) -> bool:
        return self.max_scroll_x > 0


class ArticleMarkdown(StagedMarkdown):
    """The body: the first screen is mounted with the key, the rest after it
    (staged_markdown.py)."""

    # A table cell's word longer than its column is folded onto the next line, not cut
    # with an ellipsis: nothing of a table is lost in a narrow pane.
    # A paragraph that only names pictures ("[image: alt][n]") gives way to them while
    # they are shown (article_images.py places them after it, and marks it -pictured).
    DEFAULT_CSS = """
    ArticleMarkdown MarkdownTableContent > .cell,
    ArticleMarkdown MarkdownTableContent > .header { text-overflow: fold; }
    ArticleMarkdown > .-pictured { display: none; }
    """

    BLOCKS = {**Markdown.BLOCKS, "fence": WrappedFence, "code_block": WrappedFence,
              "table_open": WideTable}

    def block_at(self, line: int) -> MarkdownBlock | None:
        """The top-level block (paragraph, list, table...) made of Markdown line `line`."""
        for block in self.shown_blocks():
            start, end = block.source_range
            if start <= line < end:
                return block
        return None
