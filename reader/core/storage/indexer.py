"""The search index, built after the headlines: what a refresh defers.

A refresh (and a sync, and a full article's page) commits article rows only; this
extracts their plain text and indexes it afterwards, in batches of a transaction each:

- new articles: every id above the watermark (counters 'indexed_id'); ids only grow,
  so a new article is always above it, and nothing is written per article to say so;
- changed ones: ids in index_queue (an edit, a page extracted), indexed again.

A batch is two set-based statements (INSERT ... SELECT into article_text, the index's
content table, then into articles_fts) with the text extraction as an SQL function, and
moves the watermark in the same transaction: a process killed anywhere leaves either the
batch done or nothing of it, and the next run goes on from the watermark.

Until then search finds those rows by a fallback (pending_state, search.py, unindexed.py),
so it is never wrong, only slower while the index is behind.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import StorageError
from .unindexed import plain_text, words_match

if TYPE_CHECKING:
    from .store import Store

# Articles a batch indexes: the write lock is held meanwhile (~0.1-0.15 s for 2,000;
# a refresh's writer batches 3,000 entries), and FTS5 writes a segment per batch, merged
# as it goes. 100k articles from scratch: 7.4 s (5.5 s CPU) in batches of 2,000, 8.5-9.4
# s (5.6-5.9 s CPU) in batches of 500.
BATCH = 2000
_WATERMARK = "SELECT coalesce((SELECT value FROM counters WHERE name = 'indexed_id'), 0)"
# What the index holds of an article: the feed's text, then the page's when extracted.
_TEXT_SQL = (
    "reader_plain_text(CASE WHEN a.content != '' THEN a.content ELSE a.summary END)"
    " || coalesce((SELECT char(30) || f.text FROM full_articles f"
    "  WHERE f.article_id = a.id AND f.status = 'ok'), '')"
)


def register(conn: sqlite3.Connection) -> None:
    """The SQL functions the indexer and the search fallback call, on this connection."""
    conn.create_function("reader_plain_text", 1, plain_text, deterministic=True)
    conn.create_function("reader_words_match", 4, words_match, deterministic=True)


@dataclass(frozen=True, slots=True)
class Pending:
    """What the index lacks: articles above `watermark`, and `queued` ones indexed before
    whose text changed since."""

    watermark: int
    newest: int  # the highest article id there is
    queued: bool

    @property
    def behind(self) -> bool:
        return self.newest > self.watermark or self.queued


def pending_state(store: Store) -> Pending:
    """Where the index stands (three lookups on primary keys)."""
    row = store.execute(
        f"SELECT ({_WATERMARK}), coalesce((SELECT max(id) FROM articles), 0),"
        " EXISTS (SELECT 1 FROM index_queue)").fetchone()
    return Pending(row[0], row[1], bool(row[2]))


def pending_count(store: Store) -> int:
    """How many articles wait for the index."""
    return store.execute(
        f"SELECT (SELECT count(*) FROM articles WHERE id > ({_WATERMARK}))"
        f" + (SELECT count(*) FROM index_queue WHERE article_id <= ({_WATERMARK}))"
    ).fetchone()[0]


def mark_changed(conn: sqlite3.Connection, ids: list[int]) -> None:
    """Index these articles again (their text changed), in the caller's transaction."""
    if ids:
        conn.executemany("INSERT OR IGNORE INTO index_queue (article_id) VALUES (?)",
                         [(i,) for i in ids])


def index_step(store: Store, limit: int = BATCH) -> int:
    """Index up to `limit` articles that wait, in one transaction: the queued ones first
    (their old entries go), then those above the watermark. Returns how many."""

    def op(conn: sqlite3.Connection) -> int:
        register(conn)
        mark = conn.execute(_WATERMARK).fetchone()[0]
        queued = conn.execute(
            "SELECT max(article_id), count(*) FROM (SELECT article_id FROM index_queue"
            " ORDER BY article_id LIMIT ?)", (limit,)).fetchone()
        if queued[1]:
            upto = queued[0]
            # (the delete trigger on article_text takes each old entry out of the index)
            conn.execute("DELETE FROM article_text WHERE id IN"
                         " (SELECT article_id FROM index_queue WHERE article_id <= ?)", (upto,))
            conn.execute(
                f"INSERT INTO article_text (id, title, text) SELECT a.id, a.title, {_TEXT_SQL}"
                " FROM articles a WHERE a.id IN"
                " (SELECT article_id FROM index_queue WHERE article_id <= ?) AND a.id <= ?",
                (upto, mark))
            conn.execute(
                "INSERT INTO articles_fts (rowid, title, text) SELECT id, title, text"
                " FROM article_text WHERE id IN"
                " (SELECT article_id FROM index_queue WHERE article_id <= ?) AND id <= ?",
                (upto, mark))
            conn.execute("DELETE FROM index_queue WHERE article_id <= ?", (upto,))
            return queued[1]
        last = conn.execute(
            "SELECT max(id), count(*) FROM (SELECT id FROM articles WHERE id > ?"
            " ORDER BY id LIMIT ?)", (mark, limit)).fetchone()
        if not last[1]:
            return 0
        conn.execute(
            f"INSERT INTO article_text (id, title, text) SELECT a.id, a.title, {_TEXT_SQL}"
            " FROM articles a WHERE a.id > ? AND a.id <= ?", (mark, last[0]))
        conn.execute(
            "INSERT INTO articles_fts (rowid, title, text) SELECT id, title, text"
            " FROM article_text WHERE id > ? AND id <= ?", (mark, last[0]))
        conn.execute("INSERT OR REPLACE INTO counters (name, value) VALUES ('indexed_id', ?)",
                     (last[0],))
        return last[1]

    # (no view changes: search answers the same before and after, by the fallback)
    return store.write_aside(op)


def catch_up(store: Store, cancel: threading.Event | None = None,
             on_batch: Callable[[int], None] | None = None) -> int:
    """Index every article that waits, batch by batch, until none does (or `cancel`);
    then move the write-ahead log into the database (the checkpoint a refresh's
    headlines no longer wait for). Returns how many were indexed."""
    done = 0
    while not (cancel is not None and cancel.is_set()):
        n = index_step(store, BATCH)
        if not n:
            break
        done += n
        if on_batch is not None:
            on_batch(done)
    if done:
        try:
            store.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except StorageError:  # busy or read-only: the next checkpoint does it
            pass
    return done

