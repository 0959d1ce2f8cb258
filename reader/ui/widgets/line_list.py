"""A cursor list on Textual's line API: only the visible rows are ever rendered.

The base of the headline list and the sidebar. Subclasses say how many rows there
are and how to draw one; this class owns the cursor, scrolling, mouse clicks and
an LRU cache of rendered rows (Strips) keyed on whatever changes a row's look.
"""

from __future__ import annotations

from collections.abc import Hashable

from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .plain_lines import draw_plain, is_plain

# Rendered rows kept: a few screens' worth, each look of a row. A row's key holds its counts
# and flags, so every refresh leaves the old looks behind (dead keys): at 512 the sidebar's
# cache filled for half an hour (~5 KB a row, with the crops Textual caches on each strip).
STRIP_CACHE_SIZE = 160


class LineList(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows of one line each, a cursor, keyboard and mouse navigation."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", id="down", show=False),
        Binding("k,up", "cursor_up", "Up", id="up", show=False),
        Binding("g,home", "cursor_top", "Top", id="top", show=False),
        Binding("G,end", "cursor_bottom", "Bottom", id="bottom", show=False),
        Binding("pagedown,space", "page_down", "Page down", id="page_down", show=False),
        Binding("pageup", "page_up", "Page up", id="page_up", show=False),
    ]

    DEFAULT_CSS = """
    LineList {
        overflow-x: hidden;
        overflow-y: auto;
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.cursor = 0
        self._strips: LRUCache[Hashable, Strip] = LRUCache(STRIP_CACHE_SIZE)
        self._base: Style | None = None  # the widget's own style, looked up once per style change
        self._width: int | None = None  # the content width during a render pass
        self._style_check = True  # restyled since the last render pass: compare signatures
        self._plain = False  # rows need no styling around them (see render_lines)
        self._row_styles: dict[str, Style] = {}
        self._signature: Hashable = None

    # -- for subclasses ----------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        raise NotImplementedError

    def row_key(self, row: int, width: int, selected: bool) -> Hashable | None:
        """What the row's rendering depends on; None to skip the cache."""
        return None

    def render_row(self, row: int, width: int, selected: bool, base: Style) -> Strip:
        raise NotImplementedError

    def is_selectable(self, row: int) -> bool:
        return True

    def cursor_moved(self, old: int, new: int) -> None:
        """Called after the cursor moved (by key, mouse or code)."""

    def row_clicked(self, row: int) -> None:
        """Called after a click put the cursor on `row`."""

    def prefetch(self, first: int, last: int) -> None:
        """Called before rows first..last (inclusive) are drawn; load what they need."""

    def render_empty(self, y: int, width: int, base: Style) -> Strip:
        """Line `y` of the list when it has no rows (a hint, say)."""
        return Strip.blank(width, base)

    def render_filler(self, y: int, width: int, base: Style) -> Strip:
        """Line `y` of the list, below its last row."""
        return Strip.blank(width, base)

    # -- rendering ---------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # Every focus change restyles the widget, though what its rows look like seldom
        # changes: drawn rows are kept unless the styles they are drawn with changed
        # (dropping them redrew the whole list, 10-20 ms at 160x48, on every / and Enter).
        self._style_check = True

    def style_signature(self) -> Hashable:
        """The styles rows are drawn with: rows drawn before are dropped when it changes."""
        return (
            self.rich_style,
            *(self.get_component_rich_style(name) for name in sorted(self.COMPONENT_CLASSES)),
        )

    def styles_changed(self) -> None:
        """The styles of the rows changed: drop what was drawn with the old ones."""
        self._strips.clear()
        self._base = None
        self._row_styles.clear()

    def component_style(self, name: str) -> Style:
        """get_component_rich_style(name), kept until the styles change."""
        style = self._row_styles.get(name)
        if style is None:
            style = self._row_styles[name] = self.get_component_rich_style(name)
        return style

    def on_focus(self) -> None:
        self.refresh_row(self.cursor)

    def on_blur(self) -> None:
        self.refresh_row(self.cursor)

    def update_virtual_size(self) -> None:
        size = Size(self.scrollable_content_region.width, self.row_count)
        if size == self.virtual_size:
            return
        if self.styles.scrollbar_size_vertical == 0:
            # No scrollbar to show or hide, so the new extent changes no layout: skip the
            # layout pass (a full-screen repaint, 20-70 ms at 200x60) a view switch cost.
            self.set_reactive(LineList.virtual_size, size)
            self.refresh()
        else:
            self.virtual_size = size

    def on_resize(self) -> None:
        self.update_virtual_size()
        self._strips.clear()
        self.scroll_to_cursor()

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._style_check:
            self._style_check = False
            signature = self.style_signature()
            if signature != self._signature:
                self._signature = signature
                self.styles_changed()
            self._plain = is_plain(self)
        # The content width, once per pass rather than once per line (it isn't free).
        self._width = width = self.scrollable_content_region.width
        try:
            if not self._plain:
                return super().render_lines(crop)
            # Nothing around or over the rows: they go out as drawn (plain_lines.py); a
            # cached row keeps its filtered version.
            return draw_plain(self, crop, self.render_line, width)
        finally:
            self._width = None

    def render_line(self, y: int) -> Strip:
        width = self._width
        if width is None:
            width = self.scrollable_content_region.width
        row = int(self.scroll_y) + y
        base = self._base
        if base is None:
            base = self._base = self.rich_style
        if row >= self.row_count or width <= 0:
            if self.row_count == 0 and width > 0:
                return self.render_empty(y, width, base)
            return self.render_filler(y, width, base)
        if y == 0:
            self.prefetch(row, min(self.row_count, row + self.size.height) - 1)
        selected = row == self.cursor
        key = self.row_key(row, width, selected)
        strip = self._strips.get(key) if key is not None else None
        if strip is None:
            strip = self.render_row(row, width, selected, base)
            if strip.cell_length != width:
                strip = strip.crop_extend(0, width, base)
            if key is not None:
                self._strips.set(key, strip)
        return strip

    def refresh_row(self, row: int) -> None:
        y = row - int(self.scroll_y)
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def clear_cache(self) -> None:
        self._strips.clear()
        self.refresh()

    def forget_drawn_rows(self) -> None:
        """Drop the rows kept drawn, without a repaint (the app does this when idle). Each
        kept row grows a tree of derived strips (filtered, cropped, each with caches of its
        own) over its life: a soak's memory crept up with them while the cache was full."""
        self._strips.clear()

    # -- cursor ------------------------------------------------------------------------------

    @property
    def page_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def scroll_to_cursor(self) -> None:
        top = int(self.scroll_y)
        height = self.page_height
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def move_cursor(self, row: int, step: int = 1) -> None:
        """Put the cursor on `row` (clamped), skipping unselectable rows in direction `step`."""
        count = self.row_count
        if count == 0:
            self.cursor = 0
            return
        row = max(0, min(count - 1, row))
        probe = row
        while 0 <= probe < count and not self.is_selectable(probe):
            probe += step
        if not 0 <= probe < count:
            probe = row
            while 0 <= probe < count and not self.is_selectable(probe):
                probe -= step
            if not 0 <= probe < count:
                return
        old, self.cursor = self.cursor, probe
        self.refresh_row(old)
        self.refresh_row(probe)
        self.scroll_to_cursor()
        if old != probe:
            self.cursor_moved(old, probe)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1, 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1, -1)

    def action_cursor_top(self) -> None:
        self.move_cursor(0, 1)

    def action_cursor_bottom(self) -> None:
        self.move_cursor(self.row_count - 1, -1)

    def action_page_down(self) -> None:
        height = self.page_height
        self.scroll_to(y=int(self.scroll_y) + height, animate=False, immediate=True)
        self.move_cursor(self.cursor + height, 1)

    def action_page_up(self) -> None:
        height = self.page_height
        self.scroll_to(y=max(0, int(self.scroll_y) - height), animate=False, immediate=True)
        self.move_cursor(self.cursor - height, -1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = int(self.scroll_y) + offset.y
        if 0 <= row < self.row_count and self.is_selectable(row):
            event.stop()
            self.move_cursor(row)
            self.row_clicked(row)
