"""The article's body: Textual's Markdown, with code and tables that wrap visibly.

Textual draws a code block as one long line per line of code, cut at the pane's edge
with its scroll bar hidden: the end of a line was lost without a sign. Here a code
line longer than the pane goes on on the next line, after a "↪". Table cells cut
their words with "…"; here they fold them.
"""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownFence

WRAP_MARK = "↪"


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

    def compose(self):
        yield WrappedCode(self.highlight(self.code, self.lexer, ansi=self.app.native_ansi_color,
                                         dark=self.app.current_theme.dark))

    def set_content(self, content: Content) -> None:
        super().set_content(content)  # (finds no Label of its own to update: fine)
        for code in self.query(WrappedCode):
            code.set_code(content)


class ArticleMarkdown(Markdown):
    # A table cell's word longer than its column is folded onto the next line, not cut
    # with an ellipsis: nothing of a table is lost in a narrow pane.
    DEFAULT_CSS = """
    ArticleMarkdown MarkdownTableContent > .cell,
    ArticleMarkdown MarkdownTableContent > .header { text-overflow: fold; }
    """

    BLOCKS = {**Markdown.BLOCKS, "fence": WrappedFence, "code_block": WrappedFence}
