"""Searching the open article: its box, and the matches highlighted where they stand.

The article body's text is pieces (paragraphs, list items, headings, code, table cells),
each a Content, seen through article_body.PieceView. A search restyles the Content of
those that match and keeps their originals to put back; nothing is parsed, so the
article's text stays text whatever it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from textual.content import Content
from textual.geometry import Region
from textual.widgets import Input

MATCH_STYLE = "reverse"
CURRENT_STYLE = "bold reverse $warning"
MAX_MATCHES = 2_000  # a one-letter search of a long article highlights this many at most


class SearchBox(Input):
    """The box at the foot of the article pane while `/` searches it."""

    DEFAULT_CSS = """
    SearchBox, SearchBox:focus {
        dock: bottom;
        display: none;
        height: 1;
        border: none;
        padding: 0 1;
        background: $panel-lighten-1;
    }
    SearchBox.-open { display: block; }
    """


class TextWidget(Protocol):
    """What a search uses of a piece of the text (article_body.PieceView)."""

    @property
    def content(self) -> object: ...
    @property
    def content_region(self) -> Region: ...
    @property
    def region(self) -> Region: ...
    @property
    def is_attached(self) -> bool: ...
    def update(self, content: Content, *, layout: bool = ...) -> None: ...


@dataclass(frozen=True)
class Match:
    widget: TextWidget
    start: int
    end: int


class ArticleMatches:
    """The matches of one search in the widgets given: highlighted, one of them current."""

    def __init__(self) -> None:
        self.query = ""
        self.matches: list[Match] = []
        self.current = -1
        self._originals: dict[TextWidget, Content] = {}

    def __bool__(self) -> bool:
        return bool(self.matches)

    def search(self, widgets: Iterable[TextWidget], query: str) -> None:
        """Highlight every match of `query` (case folded, literal) in `widgets`."""
        self.clear()
        self.query = query
        if not query.strip():
            return
        pattern = re.compile(re.escape(query), re.IGNORECASE)
        for widget in widgets:
            content = widget.content
            if not isinstance(content, Content) or not content.plain:
                continue
            found = [
                Match(widget, m.start(), m.end())
                for m in pattern.finditer(content.plain)
                if m.end() > m.start()
            ]
            if found:
                self._originals[widget] = content
                self.matches += found[: MAX_MATCHES - len(self.matches)]
            if len(self.matches) >= MAX_MATCHES:
                break
        self.current = 0 if self.matches else -1
        self._paint(self._originals)

    def step(self, step: int) -> Match | None:
        """Make the next (previous) match current, wrapping round; it."""
        if not self.matches:
            return None
        old = self.matches[self.current].widget
        self.current = (self.current + step) % len(self.matches)
        new = self.matches[self.current].widget
        self._paint({old, new})
        return self.matches[self.current]

    @property
    def current_match(self) -> Match | None:
        return self.matches[self.current] if self.matches else None

    def _paint(self, widgets: Iterable[TextWidget]) -> None:
        current = self.current_match
        for widget in widgets:
            content = self._originals[widget]
            for match in self.matches:
                if match.widget is widget:
                    style = CURRENT_STYLE if match == current else MATCH_STYLE
                    content = content.stylize(style, match.start, match.end)
            widget.update(content, layout=False)

    def clear(self) -> None:
        """Put every highlighted widget's own Content back."""
        for widget, content in self._originals.items():
            if widget.is_attached:
                widget.update(content, layout=False)
        self._originals.clear()
        self.matches = []
        self.current = -1
        self.query = ""

    def forget(self) -> None:
        """The widgets are gone (a new article): nothing to put back."""
        self._originals.clear()
        self.matches = []
        self.current = -1
        self.query = ""

    def line_of(self, match: Match) -> int:
        """The line of `match` within its widget, as the widget wraps its text now."""
        width = match.widget.content_region.width or match.widget.size.width
        content = self._originals.get(match.widget)
        if not width or content is None:
            return 0
        line = 0
        offset = 0
        for paragraph in content.split("\n"):
            length = len(paragraph.plain) + 1
            if match.start < offset + length:
                rows = paragraph.wrap(width)
                seen = 0
                for row in rows:
                    seen += len(row.plain) + 1  # (the space the wrap took)
                    if match.start - offset < seen:
                        return line
                    line += 1
                return max(0, line - 1)
            line += max(1, len(paragraph.wrap(width)))
            offset += length
        return line
