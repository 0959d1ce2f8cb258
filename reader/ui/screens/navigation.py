"""Moving around the main screen: next/previous unread (across feeds), and the panes.

Built with the screen (Navigation); the screen's actions (action_next_unread, ...)
call it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from textual.message import Message
from textual.worker import Worker, get_current_worker

from reader.core.filters import Filter, State

from ..view_state import ViewState

if TYPE_CHECKING:
    from textual.widget import Widget

    from ..widgets.headline_list import HeadlineList
    from ..widgets.sidebar import Sidebar

PANES = ("sidebar", "headlines", "article")
WRAPPED = {  # n at the bottom (N at the top) went on from the other end of the view
    1: "No more unread below: wrapped around to the first unread at the top",
    -1: "No more unread above: wrapped around to the last unread at the bottom",
}


def unread_of(query: Filter) -> Filter:
    """The unread part of a view."""
    return query.and_(State("unread"))


class UnreadFound(Message):
    """The view's unread ids, read in a thread for n/N, and where to look on from."""

    def __init__(
        self, generation: int, ids: set[int], step: int, row: int, cross_feeds: bool,
        wrapped: bool = False,
    ) -> None:
        super().__init__()
        self.generation, self.ids, self.step = generation, ids, step
        self.row, self.cross_feeds, self.wrapped = row, cross_feeds, wrapped


class NavigationScreen(Protocol):
    """What moving around uses of the screen it is on (MainScreen)."""

    headlines: HeadlineList
    sidebar: Sidebar
    focused: Widget | None
    narrow: bool

    @property
    def library(self): ...
    def query_one(self, selector: str) -> Widget: ...
    def set_class(self, add: bool, *names: str) -> object: ...
    def set_focus(self, widget: Widget | None) -> None: ...
    def remove_class(self, *names: str) -> object: ...
    def has_class(self, name: str) -> bool: ...
    def run_worker(self, work: Callable, **options) -> Worker: ...
    def post_message(self, message: Message) -> bool: ...
    def apply_filter(self, text: str, label: str | None = None) -> bool: ...
    def open_article(self, article_id: int) -> None: ...
    def notify(self, message: str) -> None: ...


class Navigation:
    def __init__(self, screen: NavigationScreen, view: ViewState) -> None:
        self._screen = screen
        self._view = view

    def goto_unread(
        self,
        step: int,
        cross_feeds: bool = True,
        start: int | None = None,
        unread: set[int] | None = None,
        wrapped: bool = False,
    ) -> None:
        """Move to the next (step 1) or previous (-1) unread article of the view and open it.

        The rows at hand are looked through first; rows not read yet or a long run of read
        rows cost one query for the view's unread ids (`unread`), in a thread, after which
        this goes on from where it stopped. Past the last (first) row it goes on from the
        other end, as newsboat does, and says so (`wrapped`: it has)."""
        screen, view = self._screen, self._view
        hl = screen.headlines
        if view.query is None:
            return
        row = hl.cursor + step if start is None else start
        scanned = 0
        while 0 <= row < len(hl.ids):
            aid = hl.ids[row]
            cached = hl.cached(aid)
            if unread is None:
                if cached is None or scanned >= 400:
                    self._find_unread(view.generation, view.query, step, row, cross_feeds,
                                      wrapped)
                    return
                hit = not cached.read
            else:
                hit = aid in unread and (cached is None or not cached.read)
            if hit:
                hl.move_cursor(row)
                screen.open_article(aid)
                if screen.narrow:
                    self.focus_pane("article")
                if wrapped:
                    screen.notify(WRAPPED[step])
                return
            row += step
            scanned += 1
        if hl.partial:  # only the first rows of the view are in: look on once the rest is
            view.pending_unread, view.pending_unread_from = step, row
            return
        if cross_feeds and view.filter_text.startswith("feedid:") and self._next_feed(step):
            return
        if not wrapped and hl.ids:
            other_end = 0 if step > 0 else len(hl.ids) - 1
            self.goto_unread(step, False, start=other_end, unread=unread, wrapped=True)
            return
        screen.notify("No more unread articles")

    def _find_unread(
        self, generation: int, query: Filter, step: int, row: int, cross_feeds: bool,
        wrapped: bool = False,
    ) -> None:
        screen = self._screen

        def find() -> None:
            ids = set(screen.library.article_ids(unread_of(query)))
            if not get_current_worker().is_cancelled:
                screen.post_message(UnreadFound(generation, ids, step, row, cross_feeds,
                                                wrapped))

        screen.run_worker(
            find,
            name="_find_unread",
            group="unread",
            exclusive=True,
            thread=True,
            exit_on_error=False,
        )

    def unread_found(self, event: UnreadFound) -> None:
        if self._view.is_current(event.generation):
            self.goto_unread(event.step, event.cross_feeds, start=event.row, unread=event.ids,
                             wrapped=event.wrapped)

    def _next_feed(self, step: int) -> bool:
        """n/N at the end of a feed: go on in the next (previous) feed down (up) the sidebar
        that has unread articles, from where the view is in it (the sidebar's cursor: a
        feed under two tags is listed twice). It stops at the last (first) feed."""
        view = self._view
        sidebar = self._screen.sidebar
        items = sidebar.items
        here = sidebar.cursor
        if not (0 <= here < len(items) and items[here].filter == view.filter_text):
            here = next((i for i, it in enumerate(items) if it.filter == view.filter_text), None)
            if here is None:
                return False
        rows = range(here + 1, len(items)) if step > 0 else range(here - 1, -1, -1)
        for row in rows:
            item = items[row]
            if item.kind == "feed" and item.filter != view.filter_text and (item.count or 0) > 0:
                sidebar.select_row(row)
                self._screen.apply_filter(item.filter)
                view.pending_unread = step  # acted on when the feed's ids are in
                view.pending_unread_from = None
                return True
        return False

    # -- panes -------------------------------------------------------------------------------

    def focus_pane(self, pane: str) -> None:
        screen = self._screen
        if pane == "article" and self._view.opened_id is None:
            return
        self._show_pane(pane)
        # Now, not after the keys already queued (Widget.focus waits its turn): the key
        # typed next is bound from the pane that has the focus when it arrives.
        screen.set_focus(screen.query_one(f"#{pane}"))

    def _show_pane(self, pane: str) -> None:
        """On a narrow terminal one pane shows at a time: `pane`'s (the list's unless it is
        the sidebar or the article, shown over it)."""
        screen = self._screen
        if screen.narrow:
            screen.set_class(pane == "sidebar", "show-sidebar")
            screen.set_class(pane == "article", "article-open")
        else:
            screen.remove_class("show-sidebar", "article-open")

    def keep_focus_shown(self) -> None:
        """After a resize: the pane with the focus stays on screen. Resized to narrow with
        the article (or the sidebar) focused, it was hidden and kept the keys (j/k/Enter
        did nothing until Tab); it is shown over the list now, as l or Enter shows it."""
        focused = self._screen.focused
        if focused is None:
            return
        for pane in PANES:
            widget = self._screen.query_one(f"#{pane}")
            if focused is widget or widget in focused.ancestors:
                if pane != "article" or self._view.opened_id is not None:
                    self._show_pane(pane)
                return

    def _pane(self) -> str:
        focused = self._screen.focused
        for pane in PANES:
            widget = self._screen.query_one(f"#{pane}")
            if focused is widget or (focused is not None and widget in focused.ancestors):
                return pane
        return "headlines"

    def step_pane(self, step: int, wrap: bool) -> None:
        """Tab/Shift+Tab (`wrap`), l/h: the next pane to the right (step 1) or left (-1)."""
        panes = [p for p in PANES if p != "article" or self._view.opened_id is not None]
        here = panes.index(self._pane()) if self._pane() in panes else 1
        target = here + step
        if wrap:
            target %= len(panes)
        if 0 <= target < len(panes):
            self.focus_pane(panes[target])

    def sidebar_over_list(self) -> bool:
        """The sidebar is shown over the list (narrow terminals) and has the focus."""
        screen = self._screen
        return (
            screen.narrow and screen.has_class("show-sidebar") and screen.focused is screen.sidebar
        )

    def close_article(self) -> None:
        """Esc/q in the article, or Esc in the list: the list gets the article's room back.
        Esc in the sidebar shown over the list (narrow terminals) closes the sidebar."""
        if self.sidebar_over_list():
            self.focus_pane("headlines")
            return
        self._view.opened_id = None
        self._screen.remove_class("has-article")
        self.focus_pane("headlines")
