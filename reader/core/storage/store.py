"""Store: typed access to the database, the one object the rest of the core holds.

Its parts, one job each: db.py (connections, transactions, errors), schema.py
(tables and migrations), feeds.py (feed rows, tags, saved filters), articles.py
(reading and flagging articles, retention), updates.py (writing a refresh: what
ingest/identity.py and ingest/schedule.py decided). search.py turns filters into
the conditions these read with.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from .articles import ArticleRows
from .db import BUSY_TIMEOUT_S, READ_CACHE_KB, TAG_SEP, WRITE_CACHE_KB
from .feeds import FeedRows
from .schema import MIGRATIONS, SCHEMA_VERSION, _statements

if TYPE_CHECKING:
    from ..models import ParsedEntry
    from .updates import FetchToStore

__all__ = [
    "BUSY_TIMEOUT_S", "MIGRATIONS", "READ_CACHE_KB", "SCHEMA_VERSION", "TAG_SEP",
    "WRITE_CACHE_KB", "Store", "_statements",
]


class Store(FeedRows, ArticleRows):
    """Typed access to the database. Safe to share between threads (one connection each)."""

    # A refresh's writes live in updates.py, imported on first use: the TUI's process
    # only reads (its refreshes run in a child process), so it never loads them.

    def store_fetches(self, fetches: list[FetchToStore], now: float) -> list[int]:
        """updates.store_fetches: a batch of fetch results in one transaction."""
        from .updates import store_fetches

        return store_fetches(self, fetches, now)

    def merge_entries(self, conn: sqlite3.Connection, feed_id: int, entries: list[ParsedEntry],
                      texts: list[str] | None = None, now: float | None = None,
                      to_index: list[tuple[int, str, str]] | None = None,
                      hashes: list[str] | None = None) -> tuple[int, int]:
        """updates.merge_entries: one feed's entries, in the caller's transaction."""
        from .updates import merge_entries

        return merge_entries(conn, feed_id, entries, texts, now, to_index, hashes)

    def update_index(self, cancel=None) -> int:
        """indexer.catch_up: index every article that waits (after a refresh, a sync)."""
        from .indexer import catch_up

        return catch_up(self, cancel)

    def index_pending(self) -> int:
        """indexer.pending_count: how many articles the search index still lacks."""
        from .indexer import pending_count

        return pending_count(self)
