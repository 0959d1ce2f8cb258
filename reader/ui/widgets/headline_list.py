"""The headline list: a virtual list over article ids, rows read a window at a time.

It holds the ordered ids of the current view (an array of 8-byte ints once the whole
view is in: 8 MB for a million rows) and a bounded cache of Headline rows; `render_line`
asks for the window it needs. While only the first screenful of a view has arrived,
the list is `partial`: G remembers to go to the end once the rest is in.
Nothing here parses markup: every feed string is drawn as plain segments.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip

from reader.core.models import Headline
from reader.core.sanitize import clean_line

from .line_list import LineList

WINDOW = 200  # rows read from SQLite at once
AHEAD = 100  # rows beyond the screen read in a thread before they are needed
MAX_CACHED = 4000  # headlines kept in memory
MIN_CUT_TAG = 5  # cells a cut last tag must have to be shown ("[Рад…"), else only "…"


def fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` cells (wide characters counted as two)."""
    if width <= 0:
        return ""
    cells = cell_len(text)
    if cells <= width:
        return text + " " * (width - cells)
    # A wide character that would straddle the cut leaves a pad space: the ellipsis goes
    # right after the text and the space after it, not "理 …".
    cut = set_cell_size(text, width - 1).rstrip()
    return cut + "…" + " " * (width - 1 - cell_len(cut))


def tag_label(tags: Sequence[str], width: int) -> str:
    """The tags as the article header shows them, each in brackets so that a tag with
    spaces shows where it ends ("[Війна в Україні] [Рада Європи]"), in exactly `width`
    cells: whole tags while they fit, then the next one cut with "…" (or only "…" when
    too little of it would show)."""
    out = ""
    for tag in tags:
        chip = f"[{clean_line(tag)}]"
        joined = f"{out} {chip}" if out else chip
        if cell_len(joined) <= width:
            out = joined
            continue
        if not out or width - cell_len(out) - 1 >= MIN_CUT_TAG:
            return fit(joined, width)  # (fit cuts it, ending in "…")
        return fit(f"{out} …", width)
    return fit(out, width)


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
    """Cell widths of a row's columns; each but the title includes its trailing space."""

    time: int
    feed: int
    title: int  # the title column; the tags column follows it (none if title == rest)
    rest: int  # cells for the title and tags together


def columns_for(width: int) -> Columns:
    time = 11 if width >= 100 else 7
    feed = 0 if width < 50 else max(10, min(22, width // 5)) + 1
    rest = max(0, width - 3 - time - feed)
    # Titles get a fixed column so that tags line up, like elfeed's; the tags column
    # gets a quarter of what's left (a third on a wide list, up to 40 cells) at the
    # right, titles the rest.
    tags = 0 if rest < 40 else min(40, rest // 3 if rest >= 90 else rest // 4)
    title = rest - tags - 1 if tags else rest
    return Columns(time, feed, title, rest)


class HeadlineList(LineList):
    """The centre pane. A cursor move repaints the two rows it changes and posts nothing:
    the article pane shows what Enter opened, it doesn't follow the cursor."""

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
    HeadlineList > .headline-list--mark { color: $text-accent; }
    HeadlineList > .headline-list--star { color: $text-warning; }
    HeadlineList > .headline-list--time { color: $text-muted; }
    HeadlineList > .headline-list--feed { color: $text-secondary; }
    HeadlineList > .headline-list--tags { color: $text-muted; }
    """

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
        self.ids: Sequence[int] = []
        self.partial = False  # only the first ids of the view are in (the rest are coming)
        self._bottom_pending = False  # G while partial: go to the end when the rest arrives
        self._headlines: dict[int, Headline] = {}
        self._styles: dict[str, Style] | None = None
        self.window_loads = 0  # how many windows were read (tests check it stays small)
        self.empty_text = ""  # shown when the view has no articles
        self.read_ahead = False  # turned on after the first frame (it would only slow it)
        self._ahead_pending = False  # a read-ahead thread is out
        self._window_pending: int | None = None  # a window read is out (its generation)
        self._absent: set[int] = set()  # ids a window read found no article for
        self._cache_generation = 0  # bumped when cached rows are dropped as stale
        self._pass_now: datetime | None = None
        # Drawn as focused before it is: MainScreen moves the focus here from the filter
        # box just after the frame with a search's first rows (see FilterEditor.close).
        self.focus_coming = False

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

    def set_ids(
        self,
        ids: Sequence[int],
        *,
        keep_selection: bool = True,
        fresh: bool = True,
        rows: Iterable[Headline] = (),
        partial: bool = False,
    ) -> None:
        """Show a new id list; keep the selected article (and its place on screen) if it's there.

        `fresh`: the articles may have changed (a reload), so rows read before are dropped.
        `rows`: headlines already read for it (in a thread), so that drawing reads none.
        A row whose look is unchanged is not drawn again (the row cache is keyed on what
        a row shows), and when the rows on screen are the same (the full list of a view
        arriving after its first screenful) nothing is repainted.
        `partial`: only the first ids of the view; the full list follows.
        """
        old_id, old_cursor = self.selected_id, self.cursor
        old_top = int(self.scroll_y)
        height = self.size.height
        old_rows = [self._headlines.get(i) for i in self.ids[old_top : old_top + height]]
        screen_row = self.cursor - old_top
        self.ids = ids
        self.partial = partial
        if fresh:
            self._headlines.clear()
            self._absent.clear()
            self._cache_generation += 1
        for h in rows:
            self._headlines[h.id] = h
        new_row = 0
        if keep_selection and old_id is not None:
            new_row = find_index(ids, old_id)
            if new_row is None:
                new_row = min(self.cursor, max(0, len(ids) - 1))
        if self._bottom_pending and not partial:
            self._bottom_pending = False
            new_row = max(0, len(ids) - 1)
        self.cursor = new_row
        self.update_virtual_size()
        if keep_selection:
            top = max(0, new_row - max(0, screen_row))
            self.scroll_to(y=top, animate=False, immediate=True)
        else:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.scroll_to_cursor()
        top = int(self.scroll_y)
        if (
            new_row != old_cursor
            or top != old_top
            or [self._headlines.get(i) for i in ids[top : top + height]] != old_rows
            or None in old_rows
        ):
            self.refresh()

    def headline(self, row: int) -> Headline | None:
        """The row's headline if it has been read (None until its window arrives)."""
        if not 0 <= row < len(self.ids):
            return None
        return self._headlines.get(self.ids[row])

    def prefetch(self, first: int, last: int) -> None:
        if any(i not in self._headlines for i in self.ids[first : last + 1]):
            self._read_window(max(0, first - WINDOW // 4), last + WINDOW)
        self._read_ahead(first, last)

    def _read_window(self, start: int, end: int) -> None:
        """Rows a frame needs that were not read ahead (a jump: G, a page, a click on the
        scrollbar) are read in a thread too: the event loop never waits for SQLite. They
        show blank for the frame or two until they arrive, then the list repaints."""
        if self._window_pending is not None:
            return  # one at a time: when it is in, the repaint asks for what is still missing
        known, absent = self._headlines, self._absent
        want = [i for i in self.ids[start:end] if i not in known and i not in absent]
        if not want:
            return
        self._window_pending = self._cache_generation
        self.window_loads += 1
        self._load_window(want, self._cache_generation)

    @work(thread=True, group="window", exit_on_error=False)
    def _load_window(self, want: list[int], generation: int) -> None:
        rows: list[Headline] | None = None
        try:
            rows = self._load(want)
        finally:  # even when the read failed: the next window read may go
            try:
                self.app.call_from_thread(self._window_loaded, want, rows, generation)
            except RuntimeError:
                pass  # the app has gone

    def _window_loaded(self, want: list[int], rows: list[Headline] | None,
                       generation: int) -> None:
        self._window_pending = None
        if rows is None:
            return  # the read failed: the next repaint tries again, not this one
        if generation != self._cache_generation:
            self.refresh()  # read before a reload: possibly stale; the repaint asks again
            return
        if len(self._headlines) + len(rows) > MAX_CACHED:
            self._headlines.clear()
        for h in rows:
            self._headlines.setdefault(h.id, h)  # a row already here may carry newer flags
        # Ids whose articles have gone since the list was read (retention, a removed
        # feed) stay blank until the view is read again, rather than asked for each frame.
        self._absent.update(set(want).difference(h.id for h in rows))
        self.refresh()

    def _read_ahead(self, first: int, last: int) -> None:
        """Load the rows just off screen in a thread, so that moving on into them never
        waits for SQLite (a window read is 5-15 ms on 100k articles: a hitch in a repaint)."""
        if self._ahead_pending or not self.read_ahead:
            return
        lo = max(0, first - AHEAD)
        want = [i for i in self.ids[lo : last + 1 + AHEAD] if i not in self._headlines]
        if want:
            self._ahead_pending = True
            self._load_ahead(want, self._cache_generation)

    @work(thread=True, group="read-ahead", exit_on_error=False)
    def _load_ahead(self, want: list[int], generation: int) -> None:
        rows: list[Headline] = []
        try:
            rows = self._load(want)
        finally:  # even when the read failed: the next read-ahead may go
            try:
                self.app.call_from_thread(self._ahead_loaded, rows, generation)
            except RuntimeError:
                pass  # the app has gone

    def _ahead_loaded(self, rows: list[Headline], generation: int) -> None:
        self._ahead_pending = False
        if generation != self._cache_generation:
            return  # read before a reload: possibly stale
        if len(self._headlines) + len(rows) > MAX_CACHED:
            return  # the next window read makes room
        for h in rows:
            self._headlines.setdefault(h.id, h)  # a row already here may carry newer flags

    @property
    def reading_ahead(self) -> bool:
        """A read of rows (ahead of the screen, or for it) is out."""
        return self._ahead_pending or self._window_pending is not None

    def wanted_ids(self, ids: Sequence[int], top: int) -> list[int]:
        """The ids a screen of `ids` from row `top` draws, and the margin read with them."""
        return list(ids[max(0, top - WINDOW // 4) : top + self.size.height + AHEAD])

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
        # Repaint just the rows on screen that changed (their cache keys hold the flags).
        wanted = set(ids)
        top = int(self.scroll_y)
        for row in range(top, min(len(self.ids), top + self.size.height)):
            if self.ids[row] in wanted:
                self.refresh_row(row)

    # -- rendering ---------------------------------------------------------------------------

    def styles_changed(self) -> None:
        super().styles_changed()
        self._styles = None

    def _style(self, name: str) -> Style:
        if self._styles is None:
            self._styles = {}
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(f"headline-list--{name}")
        return style

    def render_lines(self, crop: Region) -> list[Strip]:
        self._pass_now = None  # the clock is read once a pass, not once a row
        return super().render_lines(crop)

    def _now(self) -> datetime:
        if self._pass_now is None:
            self._pass_now = self._clock()
        return self._pass_now

    @property
    def drawn_focused(self) -> bool:
        return self.has_focus or self.focus_coming

    def on_focus(self) -> None:
        self.focus_coming = False  # (LineList.on_focus repaints the cursor row too)

    def row_key(self, row: int, width: int, selected: bool) -> Hashable | None:
        h = self.headline(row)
        if h is None:  # (drawn blank, not cached; a frame drawn in part may need the read)
            self._read_window(max(0, row - WINDOW // 4), row + WINDOW)
            return None
        # All a row shows: a reload then redraws only the rows that changed.
        return (
            h.id,
            h.read,
            h.starred,
            h.title,
            h.feed_title,
            h.published,
            *h.tags,
            width,
            selected,
            selected and self.drawn_focused,
        )

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
            Segment(" ", base),
            Segment(
                fit(format_time(h.published, self._now(), cols.time < 10), cols.time),
                base + st("time"),
            ),
        ]
        if cols.feed:
            feed = fit(clean_line(h.feed_title), cols.feed - 1) + " "
            segments.append(Segment(feed, base + st("feed")))
        # Core strips control characters before storing; this is the second line of defence.
        title = clean_line(h.title)
        tags = bool(h.tags)
        rest = cols.rest
        # Tags go in their column after the title; a title too long for its column takes
        # the tags' room too: tags are dropped before a title is cut.
        if tags and cols.title < rest and cell_len(title) <= cols.title:
            segments += [
                Segment(fit(title, cols.title), text_style),
                Segment(" ", base),
                Segment(tag_label(h.tags, rest - cols.title - 1), base + st("tags")),
            ]
        else:
            segments.append(Segment(fit(title, rest), text_style))
        if selected:
            cursor = st("cursor") if self.drawn_focused else st("cursor-blurred")
            segments = [Segment(s.text, s.style + cursor) for s in segments]
        # The cell length is known (it spares measuring every row); not on a pane too
        # narrow for the fixed columns, where the list crops the row.
        exact = 3 + cols.time + cols.feed + rest == width
        return Strip(segments, width if exact else None)

    def render_empty(self, y: int, width: int, base: Style) -> Strip:
        if y != 1 or not self.empty_text:
            return Strip.blank(width, base)
        return Strip([Segment(fit("  " + self.empty_text, width), base + self._style("read"))])

    def set_empty_text(self, text: str) -> None:
        if text != self.empty_text:
            self.empty_text = text
            if not self.ids:
                self.refresh()

    # -- behaviour ---------------------------------------------------------------------------

    def row_clicked(self, row: int) -> None:
        self.action_open()

    def action_open(self) -> None:
        if self.selected_id is not None:
            self.post_message(self.Opened(self.selected_id))

    def find_row(self, article_id: int) -> int | None:
        return find_index(self.ids, article_id)

    def action_cursor_bottom(self) -> None:
        super().action_cursor_bottom()
        if self.partial:
            self._bottom_pending = True  # (a move in the meantime forgets it: cursor_moved)

    def cursor_moved(self, old: int, new: int) -> None:
        self._bottom_pending = False


def find_index(ids: Sequence[int], article_id: int) -> int | None:
    try:
        return ids.index(article_id)
    except ValueError:
        return None
