"""The headline list: a virtual list over article ids, rows read a window at a time.

It holds the ordered id list of the current view (ints, cheap even for 100k rows)
and a bounded cache of Headline rows; `render_line` asks for the window it needs.
Nothing here parses markup: every feed string is drawn as plain segments.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip

from reader.core.models import Headline
from reader.core.sanitize import clean_line

from .line_list import LineList

WINDOW = 200  # rows read from SQLite at once
MAX_CACHED = 4000  # headlines kept in memory


def fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` cells (wide characters counted as two)."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def format_time(when: datetime | None, now: datetime, short: bool = False) -> str:
    """HH:MM today, "Mon DD" this year, YYYY-MM-DD before (the year alone when `short`)."""
    if when is None:
        return ""
    local = when.astimezone(now.tzinfo)
    if local.date() == now.date():
        return local.strftime("%H:%M")
    if local.year == now.year:
        return local.strftime("%b %d")
    return local.strftime("%Y" if short else "%Y-%m-%d")


@dataclass(frozen=True)
class Columns:
    time: int
    feed: int
    tags: int


def columns_for(width: int) -> Columns:
    time = 11 if width >= 100 else 7  # with its trailing space
    feed = 0 if width < 50 else max(10, min(22, width // 5))
    tags = 0 if width < 100 else min(24, width // 7)
    return Columns(time, feed, tags)


class HeadlineList(LineList):
    """The centre pane."""

    HELP_TITLE = "Headline list"

    BINDINGS = [Binding("enter", "open", "Open", id="open")]

    COMPONENT_CLASSES = {
        "headline-list--cursor",
        "headline-list--cursor-blurred",
        "headline-list--unread",
        "headline-list--read",
        "headline-list--mark",
        "headline-list--star",
        "headline-list--time",
        "headline-list--feed",
        "headline-list--tags",
    }

    DEFAULT_CSS = """
    HeadlineList > .headline-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    HeadlineList > .headline-list--cursor-blurred { background: $block-cursor-blurred-background; }
    HeadlineList > .headline-list--unread { text-style: bold; }
    HeadlineList > .headline-list--read { color: $text-muted; }
    HeadlineList > .headline-list--mark { color: $accent; }
    HeadlineList > .headline-list--star { color: $warning; }
    HeadlineList > .headline-list--time { color: $text-muted; }
    HeadlineList > .headline-list--feed { color: $secondary; }
    HeadlineList > .headline-list--tags { color: $text-muted; }
    """

    class Highlighted(Message):
        def __init__(self, article_id: int | None) -> None:
            super().__init__()
            self.article_id = article_id

    class Opened(Message):
        def __init__(self, article_id: int) -> None:
            super().__init__()
            self.article_id = article_id

    def __init__(
        self,
        load: Callable[[Sequence[int]], list[Headline]],
        clock: Callable[[], datetime],
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self._load = load
        self._clock = clock
        self.ids: list[int] = []
        self._headlines: dict[int, Headline] = {}
        self._styles: dict[str, Style] | None = None
        self.window_loads = 0  # how many windows were read (tests check it stays small)

    # -- data --------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.ids)

    @property
    def selected_id(self) -> int | None:
        return self.ids[self.cursor] if 0 <= self.cursor < len(self.ids) else None

    @property
    def selected(self) -> Headline | None:
        aid = self.selected_id
        return self.headline(self.cursor) if aid is not None else None

    def set_ids(self, ids: list[int], *, keep_selection: bool = True) -> None:
        """Show a new id list; keep the selected article (and its place on screen) if it's there."""
        old_id = self.selected_id
        screen_row = self.cursor - int(self.scroll_y)
        self.ids = ids
        self._headlines.clear()
        self._strips.clear()
        new_row = 0
        if keep_selection and old_id is not None:
            try:
                new_row = ids.index(old_id)
            except ValueError:
                new_row = min(self.cursor, max(0, len(ids) - 1))
        self.cursor = new_row
        self.update_virtual_size()
        if keep_selection:
            top = max(0, new_row - max(0, screen_row))
            self.scroll_to(y=top, animate=False, immediate=True)
        else:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.scroll_to_cursor()
        self.refresh()
        if self.selected_id != old_id:
            self.post_message(self.Highlighted(self.selected_id))

    def headline(self, row: int) -> Headline | None:
        if not 0 <= row < len(self.ids):
            return None
        aid = self.ids[row]
        h = self._headlines.get(aid)
        if h is None:
            self._load_window(max(0, row - WINDOW // 4), row + WINDOW)
            h = self._headlines.get(aid)
        return h

    def _load_window(self, start: int, end: int) -> None:
        want = [i for i in self.ids[start:end] if i not in self._headlines]
        if not want:
            return
        if len(self._headlines) + len(want) > MAX_CACHED:
            self._headlines.clear()
        self.window_loads += 1
        for h in self._load(want):
            self._headlines[h.id] = h

    def prefetch(self, first: int, last: int) -> None:
        if any(i not in self._headlines for i in self.ids[first : last + 1]):
            self._load_window(max(0, first - WINDOW // 4), last + WINDOW)

    def cached(self, article_id: int) -> Headline | None:
        return self._headlines.get(article_id)

    def set_flags(
        self, ids: Sequence[int], *, read: bool | None = None, starred: bool | None = None
    ) -> None:
        """Change rows in place after a write (no reload, the cursor stays)."""
        for aid in ids:
            h = self._headlines.get(aid)
            if h is None:
                continue
            if read is not None:
                h.read = read
            if starred is not None:
                h.starred = starred
        self.refresh()

    # -- rendering ---------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None

    def _style(self, name: str) -> Style:
        if self._styles is None:
            self._styles = {}
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(f"headline-list--{name}")
        return style

    def row_key(self, row: int, width: int, selected: bool) -> Hashable | None:
        h = self.headline(row)
        if h is None:
            return None
        return (h.id, h.read, h.starred, width, selected, selected and self.has_focus)

    def render_row(self, row: int, width: int, selected: bool, base: Style) -> Strip:
        h = self.headline(row)
        if h is None:
            return Strip.blank(width, base)
        cols = columns_for(width)
        st = self._style
        text_style = base + (st("read") if h.read else st("unread"))
        segments = [
            Segment(" " if h.read else "●", base + st("mark")),
            Segment("★" if h.starred else " ", base + st("star")),
            Segment(" "),
            Segment(
                fit(format_time(h.published, self._clock(), cols.time < 10), cols.time - 1),
                base + st("time"),
            ),
            Segment(" "),
        ]
        used = 3 + cols.time
        if cols.feed:
            segments += [
                Segment(fit(clean_line(h.feed_title), cols.feed), base + st("feed")),
                Segment(" "),
            ]
            used += cols.feed + 1
        # Core strips control characters before storing; this is the second line of defence.
        tags = clean_line(" ".join("+" + t for t in h.tags))
        tags_width = min(cols.tags, cell_len(tags)) if tags and cols.tags else 0
        title_width = max(0, width - used - (tags_width + 1 if tags_width else 0))
        segments.append(Segment(fit(clean_line(h.title), title_width), text_style))
        if tags_width:
            segments += [Segment(" "), Segment(fit(tags, tags_width), base + st("tags"))]
        if selected:
            cursor = st("cursor") if self.has_focus else st("cursor-blurred")
            segments = [Segment(s.text, (s.style or base) + cursor) for s in segments]
        else:
            segments = [Segment(s.text, s.style or base) for s in segments]
        return Strip(segments)

    # -- behaviour ---------------------------------------------------------------------------

    def cursor_moved(self, old: int, new: int) -> None:
        self.post_message(self.Highlighted(self.selected_id))

    def row_clicked(self, row: int) -> None:
        self.action_open()

    def action_open(self) -> None:
        if self.selected_id is not None:
            self.post_message(self.Opened(self.selected_id))

    def find_row(self, article_id: int) -> int | None:
        try:
            return self.ids.index(article_id)
        except ValueError:
            return None
