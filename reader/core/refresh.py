"""A refresh: fetch feeds from a source, store the results as they arrive.

The source fetches (sources/: HTTP feeds, parsed in workers); one writer thread
stores the results, so fetching never blocks on SQLite. What the results change is
decided by ingest/identity.py (which article each entry is) and ingest/schedule.py
(when each feed is fetched next); storage applies it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from .config import Config
from .errors import StorageError
from .ingest.schedule import after_fetch, feed_interval, interval_s
from .models import Feed, FetchRequest, FetchResult, RefreshSummary
from .storage.updates import FetchToStore

if TYPE_CHECKING:
    from .sources import Source
    from .storage.store import Store

ProgressFn = Callable[[int, int, Feed, FetchResult], None]

# The writer puts results that have arrived into one transaction up to about this many
# entries: big enough that the FTS index is built in few segments, small enough that
# the write lock is never held long (a click in the TUI waits for it).
WRITE_BATCH_ENTRIES = 3000
# Entries waiting for the writer, at most (beyond one feed): a writer that falls behind
# holds the source back instead of parsed feeds piling up in memory (a refresh of 100k
# articles held them all: 0.6 GB). Each is ~7 KB in memory; this also bounds a batch.
WAITING_ENTRIES = 1000
log = logging.getLogger(__name__)


def _entry_count(result: FetchResult) -> int:
    return len(result.parsed.entries) if result.parsed is not None else 1


class _Handoff:
    """Results from the source to the writer thread, at most `limit` entries waiting:
    put() blocks past it (in the source's thread: back-pressure), unless nothing is
    waiting (one feed bigger than the limit still goes) or the writer has ended."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: deque[FetchResult | None] = deque()
        self._entries = 0
        self._closed = False  # the writer is gone: nothing blocks, nothing is kept
        self._cond = threading.Condition()

    def put(self, item: FetchResult | None) -> None:
        size = 0 if item is None else _entry_count(item)
        with self._cond:
            while (item is not None and not self._closed and self._items
                   and self._entries + size > self.limit):
                self._cond.wait()
            if self._closed:
                return
            self._items.append(item)
            self._entries += size
            self._cond.notify_all()

    def get(self, wait: bool = True) -> FetchResult | None:
        """The next item; with wait=False, IndexError when none is waiting."""
        with self._cond:
            while wait and not self._items:
                self._cond.wait()
            item = self._items.popleft()
            self._entries -= 0 if item is None else _entry_count(item)
            self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._items.clear()
            self._cond.notify_all()


class _AnySet:
    """is_set() of several events (None ones ignored): cancel by the caller or by us."""

    def __init__(self, *events: threading.Event | None) -> None:
        self.events = [e for e in events if e is not None]

    def is_set(self) -> bool:
        return any(e.is_set() for e in self.events)


class Refresher:
    """One refresh's work against a store, with the settings in force."""

    def __init__(self, store: Store, config: Config, source: Source | None = None) -> None:
        """`source`: where the articles come from; HTTP feeds by default."""
        self.store = store
        self.config = config
        if source is None:
            from .sources.http_feeds import HttpFeeds, fetch_settings

            source = HttpFeeds(fetch_settings(config))
        self.source = source

    def refresh_feeds(self, feeds: list[Feed], on_progress: ProgressFn | None = None,
                      cancel: threading.Event | None = None) -> RefreshSummary:
        summary = RefreshSummary()
        if not feeds:
            return summary
        # Each feed's schedule counts from when this refresh began, not from when its
        # result was stored: else it is a few seconds short of due at the timer's next
        # tick and waits a whole extra interval (ingest/schedule.py).
        started = time.time()
        by_id = {f.id: f for f in feeds}
        requests = [FetchRequest(f.id, f.url, f.etag, f.last_modified,
                                 user_agent=f.settings.user_agent) for f in feeds]
        # The source fetches (and parses, in workers); one writer thread stores the
        # results, so the fetch loop never blocks on SQLite. The writer takes every
        # result that has arrived into one transaction (a savepoint per feed): a commit
        # per feed cost more than the rows, mostly in merging the many small FTS
        # segments it made.
        results = _Handoff(WAITING_ENTRIES)
        done = 0
        # A database that cannot be written (read-only, full, corrupt, locked too long)
        # fails every feed the same way: stop at the first such error and raise it.
        fatal: list[StorageError] = []
        stop = threading.Event()

        def batches() -> Iterator[list[FetchResult]]:
            item = None
            while (first := results.get()) is not None:
                batch, size = [first], _entry_count(first)
                while size < WRITE_BATCH_ENTRIES:
                    try:
                        item = results.get(wait=False)
                    except IndexError:
                        break
                    if item is None:
                        yield batch
                        return
                    batch.append(item)
                    size += _entry_count(item)
                yield batch
                batch = first = item = None  # not held while waiting for the next

        def write_all() -> None:
            nonlocal done
            for batch in batches():
                if fatal:
                    continue
                try:
                    stored = self.store_results([(by_id[r.feed_id], r) for r in batch],
                                                started=started)
                except StorageError as exc:
                    fatal.append(exc)
                    stop.set()
                    continue
                for result, new in zip(batch, stored):
                    feed = by_id[result.feed_id]
                    self._tally(summary, feed, result, new)
                    done += 1
                    if on_progress:
                        try:
                            on_progress(done, len(feeds), feed, result)
                        except Exception:  # a broken progress display must not stop the writes
                            log.exception("on_progress failed")
                del batch  # before waiting for the next: a batch is megabytes

        def writer() -> None:
            try:
                write_all()
            finally:
                # However the writer ends, the source must never wait for it again.
                stop.set()
                results.close()

        thread = threading.Thread(target=writer, name="reader-writer", daemon=True)
        thread.start()
        try:
            self.source.fetch(requests, results.put, _AnySet(cancel, stop))
        finally:
            results.put(None)
            thread.join()
        if fatal:
            raise fatal[0]
        self.store.apply_retention(self.config.max_per_feed, self.config.max_age_days)
        return summary

    def _interval(self, feed: Feed) -> float:
        """The feed's interval as backoff counts from it (auto: the config's)."""
        every = feed.settings.refresh_every
        return feed_interval(every if every is None or every > 0 else None,
                             interval_s(self.config.refresh_interval))

    @staticmethod
    def _tally(summary: RefreshSummary, feed: Feed, result: FetchResult, new: int) -> None:
        if result.status == "ok":
            summary.ok += 1
            summary.new_articles += new
        elif result.status == "not_modified":
            summary.not_modified += 1
        elif result.status == "gone":
            summary.gone.append(feed.display_title)
            summary.failed.append((feed.display_title, result.error or "410 Gone"))
        else:
            summary.failed.append((feed.display_title, result.error or "failed"))

    def store_one(self, feed: Feed, result: FetchResult) -> int:
        """One feed's fetch stored and indexed at once (a feed just added: a few
        articles, searched for next). Returns the number of new articles."""
        new = self.store_results([(feed, result)])[0]
        self.store.update_index()
        return new

    def store_results(self, pairs: list[tuple[Feed, FetchResult]],
                      started: float | None = None) -> list[int]:
        """Write fetch results in one transaction, each feed in a savepoint of its own:
        a feed whose data cannot be stored (result.status becomes "error") is rolled
        back alone. A database error (full, read-only) fails them all: StorageError.
        `started`: when the fetches began (now if not given), each feed's last_fetched.
        Returns the number of new articles of each."""
        now = started if started is not None else time.time()
        return self.store.store_fetches([
            FetchToStore(feed, result, after_fetch(
                result.status, result.retry_after, feed.error_count, self._interval(feed), now))
            for feed, result in pairs
        ], now)
