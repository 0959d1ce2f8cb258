"""What the sync's cheap state check reads and writes (core/sync_states.py): each synced
feed's unread and starred counts here, the flags of a few articles by remote id, and
the server's read/starred sets applied to some feeds only.

For a server that cannot say what changed (tt-rss): its per-feed counts are compared
with these, and only the feeds that differ are read whole.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store

_CHUNK = 500


def feed_counts(store: Store) -> dict[str, tuple[int, int]]:
    """{feed remote_id: (unread, starred)} over the articles that have a remote id."""
    return {r: (int(u or 0), int(s or 0)) for r, u, s in store.execute(
        "SELECT f.remote_id, sum(NOT a.read), sum(a.starred) FROM articles a"
        " JOIN feeds f ON f.id = a.feed_id"
        " WHERE a.remote_id IS NOT NULL AND f.remote_id IS NOT NULL GROUP BY f.remote_id")}


def flags_by_remote_id(store: Store, ids: Iterable[str]) -> dict[str, tuple[bool, bool]]:
    """{remote_id: (read, starred)} of the articles here among `ids`."""
    ids = list(ids)
    found: dict[str, tuple[bool, bool]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for remote_id, read, starred in store.execute(
                "SELECT remote_id, read, starred FROM articles WHERE remote_id IN"
                f" ({','.join('?' * len(chunk))})", chunk):
            found[remote_id] = (bool(read), bool(starred))
    return found


def apply_lately(store: Store, read: Iterable[str], starred: Iterable[str]) -> int:
    """Entries the server marked read / starred lately, as it has them now: read /
    starred here too, except where a local change is queued. Returns how many changed."""
    def op(conn: sqlite3.Connection) -> int:
        n = 0
        for flag, ids in (("read", list(read)), ("starred", list(starred))):
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start:start + _CHUNK]
                n += conn.execute(
                    f"UPDATE articles SET {flag} = 1 WHERE {flag} = 0 AND remote_id IN"
                    f" ({','.join('?' * len(chunk))}) AND NOT EXISTS (SELECT 1 FROM sync_queue q"
                    f" WHERE q.kind = '{flag}' AND q.target = articles.remote_id)",
                    chunk).rowcount
        return n
    return store.write(op)


def feeds_with_queued_flags(store: Store) -> set[str]:
    """The remote feeds of articles whose read or starred change is still queued (their
    counts here and there differ until it is pushed)."""
    return {r for (r,) in store.execute(
        "SELECT DISTINCT f.remote_id FROM sync_queue q JOIN articles a ON a.remote_id = q.target"
        " JOIN feeds f ON f.id = a.feed_id"
        " WHERE q.kind IN ('read', 'starred') AND f.remote_id IS NOT NULL")}


def apply_feed_states(store: Store, unread_feeds: Iterable[str], starred_feeds: Iterable[str],
                      unread: Iterable[str], starred: Iterable[str]) -> int:
    """As storage.sync.apply_states, for some remote feeds only: `unread` is the server's
    whole unread set of the articles of `unread_feeds`, `starred` its whole starred set
    of those of `starred_feeds` (local wins while a change is queued). Returns how many
    flags changed."""
    def op(conn: sqlite3.Connection) -> int:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS sync_feed_ids"
                     " (kind TEXT, id TEXT, PRIMARY KEY (kind, id)) WITHOUT ROWID")
        conn.execute("DELETE FROM temp.sync_feed_ids")
        for kind, ids in (("read feed", unread_feeds), ("starred feed", starred_feeds),
                          ("unread", unread), ("starred", starred)):
            conn.executemany("INSERT OR IGNORE INTO temp.sync_feed_ids VALUES (?, ?)",
                             [(kind, i) for i in ids])
        n = 0
        for flag, kind, when_in in (("read", "unread", 0), ("starred", "starred", 1)):
            value = (f"(CASE WHEN remote_id IN (SELECT id FROM temp.sync_feed_ids WHERE"
                     f" kind = '{kind}') THEN {when_in} ELSE {1 - when_in} END)")
            n += conn.execute(
                f"UPDATE articles SET {flag} = {value} WHERE remote_id IS NOT NULL"
                f" AND {flag} != {value} AND feed_id IN (SELECT id FROM feeds WHERE remote_id"
                f" IN (SELECT id FROM temp.sync_feed_ids WHERE kind = '{flag} feed'))"
                " AND NOT EXISTS (SELECT 1 FROM sync_queue q"
                f" WHERE q.kind = '{flag}' AND q.target = articles.remote_id)").rowcount
        conn.execute("DELETE FROM temp.sync_feed_ids")
        return n
    return store.write(op)
