"""Moving around the main screen: next/previous unread (across feeds), and the panes.

A mixin of MainScreen, kept apart so that each file holds one idea.
"""

from __future__ import annotations

from reader.core.query import Query

PANES = ("sidebar", "headlines", "article")


def unread_of(query: Query) -> Query:
    """The unread part of a view."""
    return Query(query.text, f"({query.where}) AND a.read = 0", query.params, query.fts,
                 query.fts_words)


class Navigation:
    """Needs: headlines, sidebar, article, library, query_obj, filter_text, opened_id,
    narrow, apply_filter, open_article, pending_unread(_from) (all on MainScreen)."""

    def action_next_unread(self) -> None:
        self.goto_unread(1)

    def action_prev_unread(self) -> None:
        self.goto_unread(-1)

    def goto_unread(self, step: int, cross_feeds: bool = True, start: int | None = None) -> None:
        """Move to the next (step 1) or previous (-1) unread article of the view and open it."""
        hl = self.headlines
        if self.query_obj is None:
            return
        row = hl.cursor + step if start is None else start
        # Look through the rows already at hand first; only a long run of read rows
        # costs one query for the view's unread ids.
        unread: set[int] | None = None
        scanned = 0
        while 0 <= row < len(hl.ids):
            aid = hl.ids[row]
            if unread is None and scanned >= 400:
                unread = set(self.library.article_ids(unread_of(self.query_obj)))
            if unread is None:
                h = hl.headline(row)
                hit = h is not None and not h.read
            else:
                cached = hl.cached(aid)
                hit = aid in unread and (cached is None or not cached.read)
            if hit:
                hl.move_cursor(row)
                self.open_article(aid)
                if self.narrow:
                    self.focus_pane("article")
                return
            row += step
            scanned += 1
        if hl.partial:  # only the first rows of the view are in: look on once the rest is
            self.pending_unread, self.pending_unread_from = step, row
            return
        if cross_feeds and self.filter_text.startswith("feedid:") and self._next_feed(step):
            return
        self.notify("No more unread articles")

    def _next_feed(self, step: int) -> bool:
        """n/N at the end of a feed: go on in the next (previous) feed down (up) the sidebar
        that has unread articles, from where the view is in it (the sidebar's cursor: a
        feed under two tags is listed twice). It stops at the last (first) feed."""
        sidebar = self.sidebar
        items = sidebar.items
        here = sidebar.cursor
        if not (0 <= here < len(items) and items[here].filter == self.filter_text):
            here = next((i for i, it in enumerate(items) if it.filter == self.filter_text), None)
            if here is None:
                return False
        rows = range(here + 1, len(items)) if step > 0 else range(here - 1, -1, -1)
        for row in rows:
            item = items[row]
            if item.kind == "feed" and item.filter != self.filter_text and (item.count or 0) > 0:
                sidebar.select_row(row)
                self.apply_filter(item.filter)
                self.pending_unread = step  # acted on when the feed's ids are in
                self.pending_unread_from = None
                return True
        return False

    # -- panes -------------------------------------------------------------------------------

    def focus_pane(self, pane: str) -> None:
        if pane == "article" and self.opened_id is None:
            return
        if self.narrow:
            self.set_class(pane == "sidebar", "show-sidebar")
            self.set_class(pane == "article", "article-open")
        else:
            self.remove_class("show-sidebar", "article-open")
        self.query_one(f"#{pane}").focus()

    def _pane(self) -> str:
        focused = self.focused
        for pane in PANES:
            widget = self.query_one(f"#{pane}")
            if focused is widget or (focused is not None and widget in focused.ancestors):
                return pane
        return "headlines"

    def _step_pane(self, step: int, wrap: bool) -> None:
        panes = [p for p in PANES if p != "article" or self.opened_id is not None]
        here = panes.index(self._pane()) if self._pane() in panes else 1
        target = here + step
        if wrap:
            target %= len(panes)
        if 0 <= target < len(panes):
            self.focus_pane(panes[target])

    def action_next_pane(self) -> None:
        self._step_pane(1, wrap=True)

    def action_prev_pane(self) -> None:
        self._step_pane(-1, wrap=True)

    def action_pane_left(self) -> None:
        self._step_pane(-1, wrap=False)

    def action_pane_right(self) -> None:
        self._step_pane(1, wrap=False)
