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
ViewLoader is built with the screen, which passes it what it needs (ViewsScreen).
"""

from __future__ import annotations

import asyncio

import threading
import time
from array import array
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Protocol

from textual.worker import Worker, WorkerState, get_current_worker

from reader.core.errors import ReaderError
from reader.core.filters import Filter

from ..feed_status import feed_of_view, feed_problem
from ..view_state import Catalogue, ViewState
from ..widgets.headline_list import AHEAD, HeadlineList, find_index
from ..widgets.sidebar import Item, Sidebar, build_items
from .navigation import unread_of

if TYPE_CHECKING:
    from textual.app import App

FIRST_ROWS = 200  # ids of a new view read before anything else
SLOW_COUNT = 0.3  # seconds: a saved filter this slow to count twice running shows none
PAINT_WAIT = 0.25  # seconds the rest of a view waits at most for its first rows' frame
SCREEN_MARGIN = 14  # rows past the list's height in a new view's first screenful


class ViewsScreen(Protocol):
    """What reading views and counts uses of the screen it is on (MainScreen)."""

    headlines: HeadlineList
    sidebar: Sidebar
    switch_pending: bool  # a sidebar move is still to show: the cursor is ahead of the view

    @property
    def app(self) -> App: ...  # call_from_thread, main_ready
    @property
    def library(self): ...
    def run_worker(self, work: Callable, **options) -> Worker: ...
    def call_after_refresh(self, callback: Callable, *args) -> bool: ...
    def after_frame(self, callback: Callable, *args) -> None: ...
    def update_header(self) -> None: ...
    def show_filter_error(self, message: str | None) -> None: ...
    def notify(self, message: str, *, severity: str = ...) -> None: ...
    def rows_shown(self) -> None: ...  # a view's first rows are in (or none will come)
    def goto_unread(self, step: int, cross_feeds: bool = ..., start: int | None = ...) -> None: ...


class ViewLoader:
    """Reads the view shown (`view`) and the counts (`catalogue`) in threads."""

    def __init__(self, screen: ViewsScreen, view: ViewState) -> None:
        self._screen = screen
        self.view = view
        self.catalogue = Catalogue()
        self.started = False  # the first counts are in (the app's startup waits for them)
        self.awaiting_rows = False  # a new view's first rows are being read
        self._reloading: Worker | None = None  # the reload being read (see reload)
        self._reload_pending = False
        self._first_reader: ThreadPoolExecutor | None = None  # reads a new view's first rows
        self._first_read: Future | None = None  # ... and its last read
        self._saved_counts: dict[str, int] = {}
        self._slow_filters: dict[str, int] = {}  # saved query -> slow counts in a row

    @property
    def busy(self) -> dict[str, bool]:
        """What is still being read, for MainScreen.busy."""
        return {
            "first rows": self.awaiting_rows
            or (self._first_read is not None and not self._first_read.done()),
            "reload": self._reloading is not None or self._reload_pending,
        }

    def apply_filter(self, text: str, label: str | None = None) -> bool:
        """Show the articles `text` selects. A bad filter shows its error and changes nothing.

        The rows are read in a thread: the first screenful first, then the rest (load_view)."""
        screen, view, lib = self._screen, self.view, self._screen.library
        try:
            query = lib.query(text)
        except ReaderError as exc:
            screen.show_filter_error(str(exc))
            return False
        screen.show_filter_error(self.feed_problem(text))
        generation = view.show(text, label or self.label_for(text), query)
        screen.sidebar.set_active(text)
        self.show_in_sidebar()
        self._reloading, self._reload_pending = None, False  # this one reads fresh data
        self.awaiting_rows = True
        self.load_view(generation, query, first=self._read_first(generation, query))
        return True

    async def first_rows_in(self, timeout: float) -> None:
        """Wait (without blocking the loop) until the view's first rows are shown, or
        none will come, or `timeout` seconds."""
        end = asyncio.get_running_loop().time() + timeout
        while self.awaiting_rows and not (self._first_read is None or self._first_read.done()):
            if asyncio.get_running_loop().time() > end:
                return
            await asyncio.sleep(0.002)

    def _read_first(self, generation: int, query: Filter) -> Future:
        """Read and show the first rows of a view, on the first-rows thread, now. The
        future gives the Event set once they are drawn."""
        if self._first_reader is None:
            self._first_reader = ThreadPoolExecutor(1, thread_name_prefix="first-rows")
        if self._first_read is not None:
            self._first_read.cancel()  # a view asked for and replaced before it started
        screen, view = self._screen, self.view
        lib, hl, painted = screen.library, screen.headlines, threading.Event()

        def read() -> threading.Event | None:
            if generation != view.generation:
                painted.set()
                return painted
            # (At launch the list may not be laid out yet: the terminal's height is
            # a screenful at most.)
            height = hl.size.height or screen.app.size.height
            # A screenful first when that is cheaper than FIRST_ROWS (a common word).
            steps = lib.first_article_ids(query, FIRST_ROWS, height + SCREEN_MARGIN)
            posted = False
            try:
                ids = next(steps)
                # The rows on screen; the list reads those below in a thread once drawn.
                rows = lib.headlines(ids[:height])
                screen.app.call_from_thread(self._first_loaded, generation, ids, rows, painted)
                posted = True
                painted.wait(PAINT_WAIT)  # (the rest after their frame, not beside it)
                more = next(steps, None)
                if more is not None and len(more) > len(ids) and generation == view.generation:
                    rows = lib.headlines(more[len(ids) : len(ids) + AHEAD])
                    screen.app.call_from_thread(self._more_loaded, generation, more, rows)
            except RuntimeError:
                pass  # the app has gone
            except ReaderError as exc:  # too broad for the memory SQLite may take (app.py)
                if not posted:
                    screen.app.call_from_thread(self._first_failed, generation, str(exc))
                    return None  # (nor is the rest read: it would fail the same way)
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
        sidebar, view = self._screen.sidebar, self.view
        if sidebar.pending is not None or self._screen.switch_pending:
            return
        item = sidebar.current
        label = view.label.removeprefix("Feed: ") if view.label.startswith("Feed: ") else view.label
        if item is not None and item.filter == view.filter_text and item.label == label:
            return  # the usual case (a sidebar move): nothing to look for
        sidebar.select_filter(view.filter_text, label)

    def label_for(self, text: str, items: list[Item] | None = None) -> str:
        """The header's name for a view: the sidebar item's that shows it, else the filter,
        with its feedid:N terms named ("Filter: feed “Pixel Kitchen” soup": refining a
        feed's view from the filter box starts from feedid:N)."""
        items = self._screen.sidebar.items if items is None else items
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
        view = self.view
        if self._reloading is not None and self._reloading.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        ):
            self._reload_pending = True
            return
        try:
            query = self._screen.library.query(view.filter_text)
        except ReaderError:
            return
        generation = view.renew(query)
        self._reload_pending = False
        hl = self._screen.headlines
        anchor = (hl.selected_id, hl.cursor, hl.cursor - int(hl.scroll_y))
        self._reloading = self.load_view(generation, query, fresh=True, anchor=anchor)
        self.load_counts()

    def worker_done(self, worker: Worker) -> None:
        """A worker of the screen's "ids" or "counts" group finished (or failed): a reload
        asked for meanwhile goes now."""
        if worker.group == "ids" and worker.state == WorkerState.ERROR:
            self._screen.notify(f"Could not read this view: {worker.error}", severity="error")
            self._screen.rows_shown()  # none will come: the filter box closes all the same
        if worker.group == "ids" and worker.is_finished and worker is self._reloading:
            self._reloading = None
            if self._reload_pending:
                self.reload()
        if worker.group == "counts" and worker.state == WorkerState.ERROR:
            self._screen.notify(f"Could not read the counts: {worker.error}", severity="error")
            if not self.started:  # start the app's timers all the same
                self.started = True
                self._screen.app.main_ready(True)

    def load_view(
        self,
        generation: int,
        query: Filter,
        *,
        first: Future | None = None,
        fresh: bool = False,
        anchor: tuple[int | None, int, int] | None = None,
    ) -> Worker:
        """Read the view in stages (see the module's docstring), in a thread worker of the
        screen; a newer view or reload cancels this one between stages. `first`: the first
        rows' read (_read_first), to wait for. `fresh`: after the data changed, keeping the
        selected article at its place on screen, `anchor` (id, cursor row, screen row)."""
        return self._screen.run_worker(
            partial(self._read_view, generation, query, first, fresh, anchor),
            name="load_view",
            group="ids",
            exclusive=True,
            thread=True,
            exit_on_error=False,
        )

    def _read_view(
        self,
        generation: int,
        query: Filter,
        first: Future | None,
        fresh: bool,
        anchor: tuple[int | None, int, int] | None,
    ) -> None:
        worker = get_current_worker()
        screen = self._screen
        lib, hl = screen.library, screen.headlines

        def post(callback, *args) -> bool:
            if worker.is_cancelled:
                return False
            try:
                screen.app.call_from_thread(callback, generation, *args)
            except RuntimeError:
                return False  # the app has gone
            return True

        if first is not None:
            try:
                painted = first.result()
            except CancelledError:
                return  # a newer view replaced this one before its read started
            if painted is None:
                return  # the first rows could not be read: their error shows
            painted.wait(PAINT_WAIT)
            if worker.is_cancelled:
                return
        try:
            read = self._read_all(query, fresh, worker, post)
        except ReaderError:  # too broad for SQLite's memory (app.py), perhaps only while
            try:  # another search's memory was still held: once more, then why
                read = self._read_all(query, fresh, worker, post)
            except ReaderError as exc:
                post(self._rest_failed, str(exc))
                return
        if read is None:
            return  # cancelled: a newer view or reload is on its way
        unread, every = read
        rows = []
        if anchor is not None:
            # Where set_ids will put the selected article: read its screen here, not there.
            selected, cursor, screen_row = anchor
            row = find_index(every, selected) if selected is not None else None
            if row is None:
                row = min(cursor, max(0, len(every) - 1))
            rows = lib.headlines(hl.wanted_ids(every, max(0, row - max(0, screen_row))))
        post(self._ids_loaded, every, unread, fresh, rows)

    def _read_all(self, query: Filter, fresh: bool, worker: Worker, post: Callable) -> tuple:
        """A view's counts (posted) and all its ids, or None when cancelled meanwhile."""
        lib = self._screen.library
        unread = lib.count(unread_of(query))
        if not fresh and not post(self._counts_in, lib.count_view(query), unread):
            return None
        every = array("q")
        batches = lib.article_id_batches(query)
        try:
            for batch in batches:
                if worker.is_cancelled:
                    return None
                every.extend(batch)
        finally:
            batches.close()
        return unread, every

    def _rest_failed(self, generation: int, message: str) -> None:
        """The rest of a view was too broad to read: the rows shown stay, and why."""
        if generation == self.view.generation:
            hl = self._screen.headlines
            hl.set_ids(list(hl.ids), keep_selection=True, fresh=False)
            self._screen.show_filter_error(message)

    def _first_loaded(
        self, generation: int, ids: list[int], rows: list, painted: threading.Event | None = None
    ) -> None:
        if generation != self.view.generation:
            if painted is not None:
                painted.set()
            return  # a newer view or reload is on its way
        screen = self._screen
        screen.rows_shown()
        screen.headlines.set_ids(ids, keep_selection=False, fresh=False, rows=rows, partial=True)
        screen.update_header()
        self.update_empty_text()
        if painted is not None:
            screen.call_after_refresh(painted.set)

    def _first_failed(self, generation: int, message: str) -> None:
        """A view SQLite could not read within the memory it may take (a search word of a
        letter or two: storage/search.py's too_broad): an empty list and why, not the
        last view's rows."""
        if generation != self.view.generation:
            return
        screen = self._screen
        screen.rows_shown()
        screen.headlines.set_ids([], keep_selection=False)
        self.view.count = self.view.unread = 0
        screen.update_header()
        screen.show_filter_error(message)
        screen.headlines.set_empty_text(message)

    def _more_loaded(self, generation: int, ids: list[int], rows: list) -> None:
        """The rest of the first FIRST_ROWS ids, after a first screenful."""
        hl = self._screen.headlines
        if generation == self.view.generation and hl.partial and len(ids) > len(hl.ids):
            hl.set_ids(ids, keep_selection=True, fresh=False, rows=rows, partial=True)

    def _counts_in(self, generation: int, total: int, unread: int) -> None:
        if generation == self.view.generation:
            self.view.count, self.view.unread = total, unread
            self._screen.update_header()

    def _ids_loaded(
        self, generation: int, ids: array, unread: int, fresh: bool, rows: list
    ) -> None:
        view, screen = self.view, self._screen
        if generation != view.generation:
            return
        screen.rows_shown()
        screen.headlines.set_ids(ids, keep_selection=True, fresh=fresh, rows=rows)
        view.count, view.unread = len(ids), unread
        screen.update_header()
        self.update_empty_text()
        pending = view.take_pending_unread()
        if pending is not None:
            step, start = pending
            if start is None:  # a feed just entered: from its first (last) row, in it only
                screen.goto_unread(step, cross_feeds=False, start=0 if step > 0 else len(ids) - 1)
            else:  # n past the first rows of a view: on from there, as n goes
                screen.goto_unread(step, start=start)

    # -- counts ------------------------------------------------------------------------------

    def load_counts(self, view: bool = False) -> Worker:
        """The sidebar's counts and the totals, in a thread worker of the screen; the
        view's unread count too when `view`.

        Not by default: the header counts the rows the list shows, and load_view counts
        them as it reads them. After a write of our own (the usual caller) the list keeps
        its rows, though the view may no longer hold them (unstarred in Starred, read in
        Unread): the view's count read again then missed the unread rows still shown, so
        ArticleActions.set_read keeps the count instead."""
        return self._screen.run_worker(
            partial(self._read_counts, view),
            name="load_counts",
            group="counts",
            exclusive=True,
            thread=True,
            exit_on_error=False,
        )

    def _read_counts(self, view: bool) -> None:
        worker = get_current_worker()
        lib, app = self._screen.library, self._screen.app
        query, generation = self.view.query, self.view.generation
        feeds = lib.feeds()
        totals = lib.totals()
        tag_counts = lib.tag_unread_counts(totals.get("unread", 0))
        saved = lib.saved_filters()
        tags = lib.tags()
        unread = None if query is None or not view else lib.count(unread_of(query))
        if worker.is_cancelled:
            return  # a newer count is on its way (a thread can't be stopped, only told)
        app.call_from_thread(
            self._counts_loaded,
            build_items(feeds, totals, saved, self._saved_counts, tag_counts, tags),
            Catalogue(feeds, tags, saved, totals, bool(feeds)),
            unread if generation == self.view.generation else None,
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
                counts[name] = lib.count(unread_of(lib.query(text)))
            except ReaderError:
                continue
            slow = time.perf_counter() - start > SLOW_COUNT
            self._slow_filters[text] = self._slow_filters.get(text, 0) + 1 if slow else 0
        if not worker.is_cancelled:
            app.call_from_thread(self._saved_counts_loaded, counts)

    def _counts_loaded(
        self, items: list[Item], catalogue: Catalogue, view_unread: int | None
    ) -> None:
        # In a frame of its own: a reload's rows and counts arrive together, and drawing a
        # new screenful of both lists at once was the longest stall of a refresh.
        self._screen.after_frame(self._items_in, items)
        self.catalogue = catalogue
        has_feeds = bool(catalogue.has_feeds)
        if view_unread is not None and self.view.count is not None:
            self.view.unread = view_unread
        self.view.label = (
            self.label_for(self.view.filter_text, items)
            if self.view.label.startswith(("Filter:", "Feed:"))
            else self.view.label
        )
        self._screen.update_header()
        self.update_empty_text()
        if feed_of_view(self.view.filter_text, catalogue.feeds) is not None:
            self._screen.show_filter_error(self.feed_problem(self.view.filter_text))
        if not self.started:
            self.started = True
            self._screen.app.main_ready(has_feeds)

    def _items_in(self, items: list[Item]) -> None:
        self._screen.sidebar.set_items(items)
        self.show_in_sidebar()

    def feed_problem(self, text: str) -> str | None:
        """Over a failing feed's own view, what went wrong (as of the last count)."""
        return feed_problem(feed_of_view(text, self.catalogue.feeds), self._screen.app.clock())

    def update_empty_text(self) -> None:
        """What the list says when the view is empty."""
        if self.view.filter_text:
            text = "Nothing here: no article matches this view."
        elif self.catalogue.has_feeds is False:
            text = "No subscriptions yet: a adds a feed (`reader add URL` in a shell), I imports."
        else:
            text = "No articles yet: R fetches your feeds."
        self._screen.headlines.set_empty_text(text)

    def _saved_counts_loaded(self, counts: dict[str, int]) -> None:
        self._saved_counts = counts
        # after the items of _counts_loaded, which wait for a frame too
        self._screen.after_frame(self._screen.sidebar.set_saved_counts, counts)
