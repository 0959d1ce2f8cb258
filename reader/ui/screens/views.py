"""Views: what the headline list shows, read off the event loop, and the counts.

A view is one filter string in the core filter language. Its rows arrive in stages,
read off the event loop so that typing, drawing and a search's query overlap: first the
newest FIRST_ROWS ids with the headlines of the first screen (the list and the header
change together, in one frame; a screenful of ids before the FIRST_ROWS when that is
cheaper, see Library.first_article_ids), then the counts for the header, then every id
of the view, packed in an array (8 bytes an id: a million-row view is 8 MB, not the
36 MB of a list of ints). Until the last stage the list is `partial` (G waits for it).
Only the first frame after launch reads on the event loop: it must show headlines.

The first rows are read on a thread of their own, started where the view is asked for
(a thread worker starts only once the event loop gets round to it, 3-15 ms later, often
after a frame), and they post themselves; the thread worker that reads the rest waits
until their frame is drawn, so that its queries don't compete with that frame.

A mixin of MainScreen, kept apart so that each file holds one idea.
"""

from __future__ import annotations

import threading
import time
from array import array
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor

from textual import work
from textual.worker import Worker, WorkerState, get_current_worker

from reader.core.errors import ReaderError
from reader.core.query import Query

from ..widgets.headline_list import AHEAD, find_index
from ..widgets.sidebar import Item, build_items
from .navigation import unread_of

FIRST_ROWS = 200  # ids of a new view read before anything else
SLOW_COUNT = 0.3  # seconds: a saved filter this slow to count twice running shows none
PAINT_WAIT = 0.25  # seconds the rest of a view waits at most for its first rows' frame
SCREEN_MARGIN = 14  # rows past the list's height in a new view's first screenful


class Views:
    """Needs (on MainScreen): app, library, headlines, sidebar, update_header,
    show_filter_error, goto_unread, rows_shown, switch_pending and the view state set in
    MainScreen.__init__."""

    def apply_filter(self, text: str, label: str | None = None, *, now: bool = False) -> bool:
        """Show the articles `text` selects. A bad filter shows its error and changes nothing.

        The rows are read in a thread; `now` reads the first screenful here (the first
        frame after launch) and leaves the rest for later (load_view)."""
        try:
            query = self.library.query(text)
            first = self.library.article_ids(query, FIRST_ROWS) if now else None
        except ReaderError as exc:
            self.show_filter_error(str(exc))
            return False
        self.show_filter_error(None)
        self.filter_text, self.query_obj = text, query
        self.view_label = label or self.label_for(text)
        self.sidebar.set_active(text)
        self.show_in_sidebar()
        self.generation += 1
        self._reloading, self._reload_pending = None, False  # this one reads fresh data
        self.view_count = self.view_unread = None
        if first is not None:
            self._first_loaded(self.generation, first, [])
        else:
            self.awaiting_rows = True
            self.load_view(self.generation, query, first=self._read_first(self.generation, query))
        return True

    def _read_first(self, generation: int, query: Query) -> Future:
        """Read and show the first rows of a view, on the first-rows thread, now. The
        future gives the Event set once they are drawn."""
        if self._first_reader is None:
            self._first_reader = ThreadPoolExecutor(1, thread_name_prefix="first-rows")
        if self._first_read is not None:
            self._first_read.cancel()  # a view asked for and replaced before it started
        lib, hl, painted = self.library, self.headlines, threading.Event()

        def read() -> threading.Event:
            if generation != self.generation:
                painted.set()
                return painted
            # A screenful first when that is cheaper than FIRST_ROWS (a common word).
            steps = lib.first_article_ids(query, FIRST_ROWS, hl.size.height + SCREEN_MARGIN)
            posted = False
            try:
                ids = next(steps)
                # The rows on screen; the list reads those below in a thread once drawn.
                rows = lib.headlines(ids[: hl.size.height])
                self.app.call_from_thread(self._first_loaded, generation, ids, rows, painted)
                posted = True
                painted.wait(PAINT_WAIT)  # (the rest after their frame, not beside it)
                more = next(steps, None)
                if more is not None and len(more) > len(ids) and generation == self.generation:
                    rows = lib.headlines(more[len(ids) : len(ids) + AHEAD])
                    self.app.call_from_thread(self._more_loaded, generation, more, rows)
            except RuntimeError:
                pass  # the app has gone
            finally:
                steps.close()
                if not posted:
                    painted.set()  # nothing to draw: the rest need not wait
            return painted

        self._first_read = self._first_reader.submit(read)
        return self._first_read

    def stop_reading(self) -> None:
        """The screen goes: no more first rows."""
        if self._first_reader is not None:
            self._first_reader.shutdown(wait=False, cancel_futures=True)

    def show_in_sidebar(self) -> None:
        """Put the sidebar's cursor on the item that names the view shown, if one does (a
        filter typed at / may match none: the cursor stays). Not while the cursor is ahead
        of the view (a move whose view is still to come)."""
        sidebar = self.sidebar
        if sidebar.pending is not None or self.switch_pending:
            return
        item = sidebar.current
        label = (
            self.view_label.removeprefix("Feed: ")
            if self.view_label.startswith("Feed: ")
            else self.view_label
        )
        if item is not None and item.filter == self.filter_text and item.label == label:
            return  # the usual case (a sidebar move): nothing to look for
        sidebar.select_filter(self.filter_text, label)

    def label_for(self, text: str, items: list[Item] | None = None) -> str:
        """The header's name for a view: the sidebar item's that shows it, else the filter,
        with its feedid:N terms named ("Filter: feed “Pixel Kitchen” soup": refining a
        feed's view from the filter box starts from feedid:N)."""
        items = self.sidebar.items if items is None else items
        for item in items:
            if item.selectable and item.filter == text:
                return item.view_label
        if not text:
            return "All"
        feeds = {item.filter: item.label for item in items if item.kind == "feed"}
        terms = [f"feed “{feeds[t]}”" if t in feeds else t for t in text.split(" ")]
        return "Filter: " + " ".join(terms)

    def reload(self) -> None:
        """Data changed: read the view again, keeping the selected article.

        One reload at a time: what changes while one is read is read by the next, once it
        is done (during a refresh a million-row view takes longer to read than the refresh
        takes to write again, and a reload cancelled by the next never showed anything)."""
        if self._reloading is not None and self._reloading.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        ):
            self._reload_pending = True
            return
        try:
            self.query_obj = self.library.query(self.filter_text)
        except ReaderError:
            return
        self.generation += 1
        self._reload_pending = False
        hl = self.headlines
        anchor = (hl.selected_id, hl.cursor, hl.cursor - int(hl.scroll_y))
        self._reloading = self.load_view(self.generation, self.query_obj, fresh=True, anchor=anchor)
        self.load_counts()

    def view_worker_done(self, worker: Worker) -> None:
        """A view's reader finished (or failed): a reload asked for meanwhile goes now."""
        if worker is self._reloading:
            self._reloading = None
            if self._reload_pending:
                self.reload()

    @work(thread=True, exclusive=True, group="ids", exit_on_error=False)
    def load_view(
        self,
        generation: int,
        query: Query,
        *,
        first: Future | None = None,
        fresh: bool = False,
        anchor: tuple[int | None, int, int] | None = None,
    ) -> None:
        """Read the view in stages (see the module's docstring); a newer view or reload
        cancels this one between stages. `first`: the first rows' read (_read_first), to
        wait for. `fresh`: after the data changed, keeping the selected article at its
        place on screen, `anchor` (id, cursor row, screen row)."""
        worker = get_current_worker()
        lib, hl = self.library, self.headlines

        def post(callback, *args) -> bool:
            if worker.is_cancelled:
                return False
            try:
                self.app.call_from_thread(callback, generation, *args)
            except RuntimeError:
                return False  # the app has gone
            return True

        if first is not None:
            try:
                painted = first.result()
            except CancelledError:
                return  # a newer view replaced this one before its read started
            painted.wait(PAINT_WAIT)
            if worker.is_cancelled:
                return
        unread = lib.count(unread_of(query))
        if not fresh and not post(self._counts_in, lib.count_view(query), unread):
            return
        every = array("q")
        batches = lib.article_id_batches(query)
        try:
            for batch in batches:
                if worker.is_cancelled:
                    return
                every.extend(batch)
        finally:
            batches.close()
        rows = []
        if anchor is not None:
            # Where set_ids will put the selected article: read its screen here, not there.
            selected, cursor, screen_row = anchor
            row = find_index(every, selected) if selected is not None else None
            if row is None:
                row = min(cursor, max(0, len(every) - 1))
            rows = lib.headlines(hl.wanted_ids(every, max(0, row - max(0, screen_row))))
        post(self._ids_loaded, every, unread, fresh, rows)

    def _first_loaded(
        self, generation: int, ids: list[int], rows: list, painted: threading.Event | None = None
    ) -> None:
        if generation != self.generation:
            if painted is not None:
                painted.set()
            return  # a newer view or reload is on its way
        self.rows_shown()
        self.headlines.set_ids(ids, keep_selection=False, fresh=False, rows=rows, partial=True)
        self.update_header()
        self.update_empty_text()
        if painted is not None:
            self.call_after_refresh(painted.set)

    def _more_loaded(self, generation: int, ids: list[int], rows: list) -> None:
        """The rest of the first FIRST_ROWS ids, after a first screenful."""
        hl = self.headlines
        if generation == self.generation and hl.partial and len(ids) > len(hl.ids):
            hl.set_ids(ids, keep_selection=True, fresh=False, rows=rows, partial=True)

    def _counts_in(self, generation: int, total: int, unread: int) -> None:
        if generation == self.generation:
            self.view_count, self.view_unread = total, unread
            self.update_header()

    def _ids_loaded(
        self, generation: int, ids: array, unread: int, fresh: bool, rows: list
    ) -> None:
        if generation != self.generation:
            return
        self.rows_shown()
        self.headlines.set_ids(ids, keep_selection=True, fresh=fresh, rows=rows)
        self.view_count, self.view_unread = len(ids), unread
        self.update_header()
        self.update_empty_text()
        if self.pending_unread is not None:
            step, self.pending_unread = self.pending_unread, None
            start, self.pending_unread_from = self.pending_unread_from, None
            if start is None:  # a feed just entered: from its first (last) row, in it only
                self.goto_unread(step, cross_feeds=False, start=0 if step > 0 else len(ids) - 1)
            else:  # n past the first rows of a view: on from there, as n goes
                self.goto_unread(step, start=start)

    # -- counts ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="counts", exit_on_error=False)
    def load_counts(self, view: bool = False) -> None:
        """The sidebar's counts and the totals; the view's unread count too when `view`.

        Not by default: the header counts the rows the list shows, and load_view counts
        them as it reads them. After a write of our own (the usual caller) the list keeps
        its rows, though the view may no longer hold them (unstarred in Starred, read in
        Unread): the view's count read again then missed the unread rows still shown, so
        MainScreen.set_read keeps the count instead."""
        worker = get_current_worker()
        query, generation = self.query_obj, self.generation
        feeds = self.library.feeds()
        totals = self.library.totals()
        tag_counts = self.library.tag_unread_counts(totals.get("unread", 0))
        saved = self.library.saved_filters()
        unread = None if query is None or not view else self.library.count(unread_of(query))
        if worker.is_cancelled:
            return  # a newer count is on its way (a thread can't be stopped, only told)
        self.app.call_from_thread(
            self._counts_loaded,
            build_items(feeds, totals, saved, self._saved_counts, tag_counts),
            totals,
            unread if generation == self.generation else None,
            bool(feeds),
        )
        # Saved filters' counts come after: each is a query of its own (1-80 ms on 100k
        # articles, seconds on a cold cache). One slow twice running is left without.
        counts: dict[str, int] = {}
        for name, text in saved.items():
            if worker.is_cancelled:
                return
            if self._slow_filters.get(text, 0) >= 2:
                continue
            start = time.perf_counter()
            try:
                counts[name] = self.library.count(unread_of(self.library.query(text)))
            except ReaderError:
                continue
            slow = time.perf_counter() - start > SLOW_COUNT
            self._slow_filters[text] = self._slow_filters.get(text, 0) + 1 if slow else 0
        if not worker.is_cancelled:
            self.app.call_from_thread(self._saved_counts_loaded, counts)

    def _counts_loaded(
        self, items: list[Item], totals: dict[str, int], view_unread: int | None, has_feeds: bool
    ) -> None:
        # In a frame of its own: a reload's rows and counts arrive together, and drawing a
        # new screenful of both lists at once was the longest stall of a refresh.
        self.call_after_refresh(self._items_in, items)
        self.totals = totals
        if view_unread is not None and self.view_count is not None:
            self.view_unread = view_unread
        self.view_label = (
            self.label_for(self.filter_text, items)
            if self.view_label.startswith(("Filter:", "Feed:"))
            else self.view_label
        )
        self.update_header()
        self.has_feeds = has_feeds
        self.update_empty_text()
        if not self.started:
            self.started = True
            self.app.main_ready(has_feeds)

    def _items_in(self, items: list[Item]) -> None:
        self.sidebar.set_items(items)
        self.show_in_sidebar()

    def update_empty_text(self) -> None:
        """What the list says when the view is empty."""
        if self.filter_text:
            text = "Nothing here: no article matches this view."
        elif self.has_feeds is False:
            text = "No subscriptions yet: `reader add URL` in a shell, then R here to fetch."
        else:
            text = "No articles yet: R fetches your feeds."
        self.headlines.set_empty_text(text)

    def _saved_counts_loaded(self, counts: dict[str, int]) -> None:
        self._saved_counts = counts
        # after the items of _counts_loaded, which wait for a frame too
        self.call_after_refresh(self.sidebar.set_saved_counts, counts)
