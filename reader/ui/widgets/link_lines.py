"""The numbered links under the article ("[3] https://..."), drawn through the line API.

A full page can name a few hundred links. As one Static, every open of it wrapped the
whole list to lay the pane out (13 ms of a 50 ms budget for one page of the benchmark);
here a link's height is arithmetic on its length, and only the lines on screen are made.
A line names its link by number (open_link(N)), never by URL.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from textual.geometry import Size
from textual.strip import Strip
from textual.style import Style
from textual.widget import Widget

from reader.core.sanitize import clean_line

from ..messages import LinkChosen


class LinkLines(Widget):
    """A heading ("Links") and a line (folded when long) per link."""

    DEFAULT_CSS = """
    LinkLines { height: auto; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.links: list[str] = []
        self._texts: list[tuple[str, str]] = []  # ("[n] ", the link) per link
        self._rows: list[tuple[int, int, int]] = []  # (link, start, end) of each line
        self._width = -1

    def show(self, links: list[str]) -> None:
        self.links = links
        self._texts = [(f"[{n}] ", clean_line(url)) for n, url in enumerate(links, 1)]
        self._width = -1
        self.display = bool(links)
        self.refresh(layout=True)

    def _lay_out(self, width: int) -> list[tuple[int, int, int]]:
        if width != self._width:
            rows: list[tuple[int, int, int]] = []
            for n, (label, url) in enumerate(self._texts):
                room = max(8, width - len(label))
                if url.isascii():  # (the common case: a cell a character)
                    starts = range(0, max(1, len(url)), room)
                else:
                    starts = _fold_starts(url, room)
                ends = [*starts[1:], len(url)]
                rows += [(n, start, end) for start, end in zip(starts, ends)]
            self._rows, self._width = rows, width
        return self._rows

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 + len(self._lay_out(width)) if self._texts else 0

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        rows = self._lay_out(width)
        base = self.rich_style
        if y == 0:
            return Strip([Segment("Links", base + Style(bold=True).rich_style)]).extend_cell_length(
                width, base)
        if y - 1 >= len(rows):
            return Strip.blank(width, base)
        n, start, end = rows[y - 1]
        label, url = self._texts[n]
        link = base + (Style(underline=True) + Style.from_meta(
            {"@click": f"open_link({n + 1})"})).rich_style
        first = start == 0
        segments = [Segment(label if first else " " * len(label), base),
                    Segment(url[start:end], link)]
        return Strip(segments).crop_extend(0, width, base)

    def action_open_link(self, number: int) -> None:
        if isinstance(number, int) and 1 <= number <= len(self.links):
            self.post_message(LinkChosen(self.links[number - 1]))


def _fold_starts(text: str, room: int) -> list[int]:
    """Where each line of `text` folded at `room` cells starts."""
    starts = [0]
    used = 0
    for index, char in enumerate(text):
        cells = cell_len(char)
        if used + cells > room and used:
            starts.append(index)
            used = 0
        used += cells
    return starts
