"""Writing a refresh: each feed's fetch bookkeeping and the entries it brought.

The decisions are made elsewhere, as plain data: which stored article an entry is
(ingest/identity.py) and when the feed is fetched next (ingest/schedule.py). Here
they are read for and applied, a batch of feeds in one transaction.

The headlines only: the search index is built after them (indexer.py), from the rows
written here. A new article needs nothing more (its id is above the index's watermark);
an edited one is queued to be indexed again.

Store's store_fetches and merge_entries call in here; it is imported on their first
call: the TUI's process reads, and leaves refreshes to a child process.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..ingest.identity import TAG_SEP, Elsewhere, EntryDecider, EntryIntents
from ..models import Feed, FetchResult, ParsedEntry
from ..tags import fold
from .indexer import mark_changed

if TYPE_CHECKING:
    from ..ingest.schedule import NextFetch
    from .store import Store


@dataclass(slots=True)
class FetchToStore:
    """One feed's fetch, as a refresh hands it to Store.store_fetches."""

    feed: Feed
    result: FetchResult
    next_fetch: NextFetch  # ingest.schedule.after_fetch's decision


def store_fetches(store: Store, fetches: list[FetchToStore], now: float) -> list[int]:
    """Write fetch results in one transaction, each feed in a savepoint of its own:
    a feed whose data cannot be stored (result.status becomes "error") is rolled
    back alone. A database error (full, read-only) fails them all: StorageError.
    Returns the number of new articles of each."""

    def op(conn: sqlite3.Connection) -> list[int]:
        out = []
        for fetch in fetches:
            conn.execute("SAVEPOINT feed")
            try:
                new = _store_fetch(store, conn, fetch, now)
            except sqlite3.Error:
                raise
            except Exception as exc:  # one feed's bad data must not stop the rest
                conn.execute("ROLLBACK TO feed")
                fetch.result.status = "error"
                fetch.result.error = f"could not store: {exc}"
                new = 0
            conn.execute("RELEASE feed")
            out.append(new)
        return out

    return store.write(op)


def _store_fetch(store: Store, conn: sqlite3.Connection, fetch: FetchToStore,
                 now: float) -> int:
    feed, result, plan = fetch.feed, fetch.result, fetch.next_fetch
    fields: dict = {
        "last_fetched": datetime.fromtimestamp(now, UTC),
        "last_status": result.status,
        "last_error": result.error,
        "next_fetch": datetime.fromtimestamp(plan.at, UTC) if plan.at is not None else None,
    }
    if result.status in ("ok", "not_modified"):
        fields["last_ok"] = fields["last_fetched"]
    if plan.error_count is not None:
        fields["error_count"] = plan.error_count
    if plan.gone:
        fields["gone"] = 1
    new = 0
    if result.status == "ok":
        fields["etag"] = result.etag
        fields["last_modified"] = result.last_modified
        parsed = result.parsed
        if parsed is not None:
            if parsed.title:
                fields["title"] = parsed.title
            if parsed.link:
                fields["link"] = parsed.link
            new, _ = merge_entries(conn, feed.id, parsed.entries, None, now,
                                   hashes=parsed.hashes)
    if (result.status in ("ok", "not_modified") and result.new_url
            and result.new_url != feed.url):
        taken = conn.execute(
            "SELECT 1 FROM feeds WHERE url = ?", (result.new_url,)).fetchone()
        if not taken:
            fields["url"] = result.new_url
    store.update_feed_fetch(conn, feed.id, **fields)
    return new


# -- entries ------------------------------------------------------------------------------

def merge_entries(conn: sqlite3.Connection, feed_id: int, entries: list[ParsedEntry],
                  texts: Sequence[str] | None = None, now: float | None = None,
                  to_index: list[tuple[int, str, str]] | None = None,
                  hashes: list[str] | None = None) -> tuple[int, int]:
    """Insert new entries, update changed ones in place (keeping read/star state), as
    ingest/identity.py decides.

    Runs inside the caller's transaction. Returns (new, updated). The search index is
    built later from the rows (indexer.py): `texts` and `to_index` are ignored (tests
    written before that still pass them).
    `hashes`: content_hash of each entry, when the parsing worker made them.
    """
    now = time.time() if now is None else now
    stored = conn.execute(
        "SELECT key, id, content_hash, link, title, published, sort_time"
        " FROM articles WHERE feed_id = ?",
        (feed_id,),
    ).fetchall()
    tombstones = {k for (k,) in conn.execute(
        "SELECT key FROM deleted_articles WHERE feed_id = ?", (feed_id,))}
    decider = EntryDecider(entries, stored, tombstones)
    elsewhere = _in_other_feeds(conn, feed_id, decider.fold_links())
    # (the text is the indexer's now: identity's values carry an empty one)
    intents = decider.decide(_NO_TEXTS * len(entries), now, elsewhere, hashes)
    _apply_entries(conn, feed_id, intents, now)
    return len(intents.inserts), len(intents.edits)


_NO_TEXTS = [""]
# ArticleValues' fields as the article rows hold them: all but `text` (indexer.py's).
_TEXT_FIELD = 9


def _row(values: tuple) -> tuple:
    return values[:_TEXT_FIELD] + values[_TEXT_FIELD + 1:]


def _apply_entries(conn: sqlite3.Connection, feed_id: int, intents: EntryIntents,
                   now: float) -> None:
    """Write identity's intents."""
    if intents.rekeys:
        conn.executemany("UPDATE articles SET key = ? WHERE id = ?",
                         [(key, aid) for aid, key in intents.rekeys])
    tag_rows: list[tuple[str, int]] = []
    if intents.edits:
        conn.executemany(
            "UPDATE articles SET guid=?, link=?, title=?, author=?, published=?, updated=?,"
            " sort_time=?, summary=?, content=?, categories=?, content_hash=?"
            " WHERE id = ?",
            [(*_row(values), aid) for aid, values in intents.edits],
        )
        mark_changed(conn, [aid for aid, _ in intents.edits])
        conn.executemany("DELETE FROM article_tags WHERE article_id = ?",
                         [(aid,) for aid, _ in intents.edits])
        for aid, values in intents.edits:
            if values.categories:
                tag_rows.extend((c, aid) for c in values.categories.split(TAG_SEP))
    ids = range(0)
    if intents.inserts:
        # New rows get their ids here, so that all of them (and their tags and index
        # entries) are written with a few executemany calls instead of a call per row.
        # This runs under the write lock (Store.write), so no one else inserts
        # meanwhile. Past the highest id ever given, not only the highest there is
        # (counters).
        next_id = conn.execute(
            "SELECT max(coalesce((SELECT max(id) FROM articles), 0),"
            " coalesce((SELECT value FROM counters WHERE name = 'article_id'), 0)) + 1"
        ).fetchone()[0]
        ids = range(next_id, next_id + len(intents.inserts))
        rows = [(aid, *_row(values), feed_id, key, now)
                for aid, (key, values) in zip(ids, intents.inserts)]
        for aid, (_, values) in zip(ids, intents.inserts):
            if values.categories:
                tag_rows.extend((c, aid) for c in values.categories.split(TAG_SEP))
        insert_rows(
            conn,
            "INSERT INTO articles (id, guid, link, title, author, published, updated,"
            " sort_time, summary, content, categories, content_hash, feed_id, key,"
            " first_seen) VALUES ",
            rows,
        )
        conn.execute("INSERT OR REPLACE INTO counters (name, value) VALUES ('article_id', ?)",
                     (next_id + len(rows) - 1,))
    _write_enclosures(conn, intents, ids)
    if tag_rows:  # after the rows they refer to (a foreign key)
        insert_rows(conn, "INSERT OR IGNORE INTO article_tags (tag, article_id, folded) VALUES ",
                    [(tag, aid, fold(tag)) for tag, aid in tag_rows])
    if intents.folds:
        insert_rows(conn, "INSERT OR IGNORE INTO article_feeds (article_id, feed_id, key) VALUES ",
                    [(aid, feed_id, key) for aid, key in intents.folds])


# Rows per INSERT statement (insert_rows). Each row of an executemany is a step of its
# own, and Python's sqlite3 lets the GIL go around every step: in a refresh the writer
# then waits to get it back from the fetch loop once a row. Multi-row VALUES take it a
# few hundred rows at a time, as many as the build's variable limit allows (250,000
# here; 32,766 by default since SQLite 3.32, 999 before).
# Only these sizes: each prepared statement stays in the connection's cache, and one of
# 256 rows is ~0.3 MB there (a statement for every remainder a feed left cost the
# corpus's refresh ~15 MB more resident).
STATEMENT_ROWS = (256, 64, 16, 4, 1)
ROWS_PER_STATEMENT = STATEMENT_ROWS[0]


def insert_rows(conn: sqlite3.Connection, head: str, rows: Sequence[tuple]) -> None:
    """`head` ("INSERT ... VALUES ") with every row of `rows` (all of one width), in
    statements of STATEMENT_ROWS rows each, the biggest first."""
    if not rows:
        return
    width = len(rows[0])
    most = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width
    one = "(" + ",".join("?" * width) + ")"
    start = 0
    for size in (n for n in STATEMENT_ROWS if n <= most):
        sql = None
        while len(rows) - start >= size:
            sql = sql or head + ",".join([one] * size)
            conn.execute(sql, [value for row in rows[start:start + size] for value in row])
            start += size


def _write_enclosures(conn: sqlite3.Connection, intents: EntryIntents,
                      insert_ids: Sequence[int]) -> None:
    """An edited article's enclosures are replaced by what the entry lists now."""
    if intents.edits:
        conn.executemany("DELETE FROM enclosures WHERE article_id = ?",
                         [(aid,) for aid, _ in intents.edits])
    rows = [(aid, x.url, x.type, x.length)
            for aid, found in intents.edit_enclosures.items() for x in found]
    rows += [(insert_ids[i], x.url, x.type, x.length)
             for i, found in intents.insert_enclosures.items() for x in found]
    if rows:
        insert_rows(conn, "INSERT OR IGNORE INTO enclosures (article_id, url, type, length)"
                    " VALUES ", rows)

def _in_other_feeds(conn: sqlite3.Connection, feed_id: int, links: list[str]) -> Elsewhere:
    """{link: [(guid, title, id), ...]} of the articles other feeds have under `links`
    (identity decides which are the same article)."""
    found: Elsewhere = {}
    for start in range(0, len(links), 500):
        chunk = links[start:start + 500]
        # "link != ''" lets SQLite use the partial index articles_link; without it every
        # lookup scanned the whole table (quadratic: hours for 100k articles).
        rows = conn.execute(
            "SELECT link, guid, title, id FROM articles WHERE link != '' AND feed_id != ?"
            f" AND link IN ({','.join('?' * len(chunk))})",
            (feed_id, *chunk),
        )
        for link, guid, title, aid in rows:
            found.setdefault(link, []).append((guid, title, aid))
    return found
