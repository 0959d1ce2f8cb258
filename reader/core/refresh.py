"""A refresh: fetch feeds, parse them in workers, store the results as they arrive.

The event loop fetches; parsing and text extraction run in workers (processes for a
big refresh: ingest/workers.py); one writer thread stores the results, so the fetch
loop never blocks on SQLite.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .config import Config
from .errors import StorageError
from .models import Feed, FetchRequest, FetchResult, RefreshSummary

if TYPE_CHECKING:
    from .ingest.fetch import FetchSettings
    from .storage.store import Store

ProgressFn = Callable[[int, int, Feed, FetchResult], None]

# The writer puts results that have arrived into one transaction up to about this many
# entries: big enough that the FTS index is built in few segments, small enough that
# the write lock is never held long (a click in the TUI waits for it).
WRITE_BATCH_ENTRIES = 3000
log = logging.getLogger(__name__)


def _entry_count(result: FetchResult) -> int:
    return len(result.parsed.entries) if result.parsed is not None else 1


class _AnySet:
    """is_set() of several events (None ones ignored): cancel by the caller or by us."""

    def __init__(self, *events: threading.Event | None) -> None:
        self.events = [e for e in events if e is not None]

    def is_set(self) -> bool:
        return any(e.is_set() for e in self.events)


class Refresher:
    """One refresh's work against a store, with the settings in force."""

    def __init__(self, store: Store, config: Config, fetch_settings: FetchSettings) -> None:
        self.store = store
        self.config = config
        self.fetch_settings = fetch_settings

    def refresh_feeds(self, feeds: list[Feed], on_progress: ProgressFn | None = None,
                      cancel: threading.Event | None = None) -> RefreshSummary:
        summary = RefreshSummary()
        if not feeds:
            return summary
        by_id = {f.id: f for f in feeds}
        requests = [FetchRequest(f.id, f.url, f.etag, f.last_modified) for f in feeds]
        # The event loop fetches; parsing and text extraction run in workers (processes
        # for a big refresh: workers.py); one writer thread stores the results, so the
        # fetch loop never blocks on SQLite. The writer takes every result that has
        # arrived into one transaction (a savepoint per feed): a commit per feed cost
        # more than the rows, mostly in merging the many small FTS segments it made.
        results: queue.Queue[FetchResult | None] = queue.Queue()
        done = 0
        # A database that cannot be written (read-only, full, corrupt, locked too long)
        # fails every feed the same way: stop at the first such error and raise it.
        fatal: list[StorageError] = []
        stop = threading.Event()

        def batches() -> Iterator[list[FetchResult]]:
            while (first := results.get()) is not None:
                batch, size = [first], _entry_count(first)
                while size < WRITE_BATCH_ENTRIES:
                    try:
                        item = results.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        yield batch
                        return
                    batch.append(item)
                    size += _entry_count(item)
                yield batch

        def writer() -> None:
            nonlocal done
            for batch in batches():
                if fatal:
                    continue
                try:
                    stored = self.store_results([(by_id[r.feed_id], r) for r in batch])
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

        thread = threading.Thread(target=writer, name="reader-writer", daemon=True)
        thread.start()
        try:
            asyncio.run(self._fetch(requests, results.put, _AnySet(cancel, stop)))
        finally:
            results.put(None)
            thread.join()
        if fatal:
            raise fatal[0]
        self.store.apply_retention(self.config.max_per_feed, self.config.max_age_days)
        return summary

    async def _fetch(self, requests, on_result, cancel) -> None:
        from .ingest.fetch import fetch_all
        from .ingest.workers import parse_executor, parse_for_store

        pool = parse_executor(len(requests))
        try:
            task = asyncio.ensure_future(fetch_all(
                requests, self.fetch_settings, on_result=on_result, parse_executor=pool,
                parse_fn=parse_for_store,
            ))
            if cancel is None:
                await task
                return
            while not task.done():
                if cancel.is_set():
                    task.cancel()
                    break
                await asyncio.wait([task], timeout=0.1)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

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

    @staticmethod
    def _index_texts(result: FetchResult) -> list[str]:
        """The plain text of each fetched entry, for the full-text index."""
        if result.status != "ok" or result.parsed is None:
            return []
        if result.parsed.texts is not None:  # made by the parsing worker
            return result.parsed.texts
        from .ingest.text import html_to_text

        return [html_to_text(e.content or e.summary) for e in result.parsed.entries]

    def store_results(self, pairs: list[tuple[Feed, FetchResult]]) -> list[int]:
        """Write fetch results in one transaction, each feed in a savepoint of its own:
        a feed whose data cannot be stored (result.status becomes "error") is rolled
        back alone. A database error (full, read-only) fails them all: StorageError.
        Returns the number of new articles of each."""
        now = time.time()
        texts = [self._index_texts(result) for _, result in pairs]

        def op(conn) -> list[int]:
            out = []
            to_index: list[tuple[int, str, str]] = []  # indexed once, at the end (index_new)
            for (feed, result), feed_texts in zip(pairs, texts):
                feed_index: list[tuple[int, str, str]] = []
                conn.execute("SAVEPOINT feed")
                try:
                    new = self._apply_result(conn, feed, result, feed_texts, now, feed_index)
                except sqlite3.Error:
                    raise
                except Exception as exc:  # one feed's bad data must not stop the rest
                    conn.execute("ROLLBACK TO feed")
                    result.status, result.error = "error", f"could not store: {exc}"
                    new, feed_index = 0, []
                conn.execute("RELEASE feed")
                to_index.extend(feed_index)
                out.append(new)
            self.store.index_new(conn, to_index)
            return out

        return self.store.write(op)

    def _apply_result(self, conn, feed: Feed, result: FetchResult, texts: list[str],
                      now: float, to_index: list[tuple[int, str, str]]) -> int:
        from .ingest.schedule import next_backoff

        interval = max(self.config.refresh_interval, 1.0) * 60
        fields: dict = {
            "last_fetched": datetime.fromtimestamp(now, UTC),
            "last_status": result.status,
            "last_error": result.error,
        }
        new = 0
        if result.status in ("ok", "not_modified"):
            fields["error_count"] = 0
            fields["next_fetch"] = datetime.fromtimestamp(now + interval, UTC)
            if result.status == "ok":
                fields["etag"] = result.etag
                fields["last_modified"] = result.last_modified
                parsed = result.parsed
                if parsed is not None:
                    if parsed.title:
                        fields["title"] = parsed.title
                    if parsed.link:
                        fields["link"] = parsed.link
                    new, _ = self.store.merge_entries(conn, feed.id, parsed.entries, texts,
                                                      now, to_index, parsed.hashes)
            if result.new_url and result.new_url != feed.url:
                taken = conn.execute(
                    "SELECT 1 FROM feeds WHERE url = ?", (result.new_url,)).fetchone()
                if not taken:
                    fields["url"] = result.new_url
        elif result.status == "gone":
            fields["gone"] = 1
            fields["next_fetch"] = None
        else:
            errors = feed.error_count + 1
            fields["error_count"] = errors
            delay = result.retry_after or next_backoff(errors, interval)
            fields["next_fetch"] = datetime.fromtimestamp(now + delay, UTC)
        self.store.update_feed_fetch(conn, feed.id, **fields)
        return new
