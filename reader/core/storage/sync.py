"""Sync's tables: the queue of local changes for the server, the small facts of the last
sync (sync_state), and writing what a server sent (feeds, entries, read/starred sets).

The queue: one row per (kind, target). enqueue() replaces an older row with a NEW seq
(delete + insert), so a push that read the old row deletes only what it sent
(delete_sent) and never the newer change. Every write path of storage that changes a
synced thing calls the enqueue helpers here inside its own transaction.

kind       target                   value
read       the article's remote_id  "1" | "0"
starred    the article's remote_id  "1" | "0"
shared     the article's remote_id  "1" | "0"  (tt-rss's "published" mark)
subscribe  the feed's URL           JSON {"title", "category"}
unsubscribe the feed's remote_id    ""
categories the feed's remote_id     JSON list of tags
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..tags import fold
from .db import to_dt

if TYPE_CHECKING:
    from ..models import ParsedEntry, SyncStatus
    from .store import Store

FLAG_KINDS = ("read", "starred", "shared")


@dataclass(frozen=True, slots=True)
class QueuedChange:
    seq: int
    kind: str
    target: str
    value: str
    tries: int


# -- enqueueing (inside the caller's transaction) ----------------------------------------------

def enqueue(conn: sqlite3.Connection, kind: str, target: str, value: str = "") -> None:
    conn.execute("DELETE FROM sync_queue WHERE kind = ? AND target = ?", (kind, target))
    conn.execute("INSERT INTO sync_queue (kind, target, value, created) VALUES (?, ?, ?, ?)",
                 (kind, target, value, time.time()))


def enqueue_flags(conn: sqlite3.Connection, flag: str, value: bool, where: str,
                  params: Sequence = ()) -> None:
    """Queue `flag` = value for the synced articles `where` selects (a condition on
    articles `a`), set-based: call it BEFORE the UPDATE, with the condition that
    selects the rows the UPDATE changes."""
    assert flag in FLAG_KINDS
    select = (f"SELECT a.remote_id FROM articles a WHERE ({where})"
              " AND a.remote_id IS NOT NULL")
    conn.execute(f"DELETE FROM sync_queue WHERE kind = ? AND target IN ({select})",
                 (flag, *params))
    conn.execute(
        "INSERT INTO sync_queue (kind, target, value, created)"
        f" SELECT ?, remote_id, ?, ? FROM ({select})", (flag, "1" if value else "0",
                                                       time.time(), *params))


def feed_sync_ids(conn: sqlite3.Connection, feed_id: int) -> tuple[str | None, str]:
    """(remote_id, url) of a feed."""
    row = conn.execute("SELECT remote_id, url FROM feeds WHERE id = ?", (feed_id,)).fetchone()
    return (row[0], row[1]) if row else (None, "")


def enqueue_categories(conn: sqlite3.Connection, feed_id: int) -> None:
    """A synced feed's tags changed: queue its whole list (a pending subscribe is queued
    again with its new first tag as the category)."""
    remote_id, url = feed_sync_ids(conn, feed_id)
    tags = [t for (t,) in conn.execute(
        "SELECT tag FROM feed_tags WHERE feed_id = ? ORDER BY lower(tag)", (feed_id,))]
    if remote_id is not None:
        enqueue(conn, "categories", remote_id, json.dumps(tags, ensure_ascii=False))
        return
    row = conn.execute("SELECT value FROM sync_queue WHERE kind = 'subscribe' AND target = ?",
                       (url,)).fetchone()
    if row is not None:
        value = json.loads(row[0] or "{}")
        value["category"] = tags[0] if tags else None
        enqueue(conn, "subscribe", url, json.dumps(value, ensure_ascii=False))


def enqueue_subscribe(conn: sqlite3.Connection, url: str, title: str, tags: Sequence[str]) -> None:
    enqueue(conn, "subscribe", url, json.dumps(
        {"title": title, "category": tags[0] if tags else None}, ensure_ascii=False))


def enqueue_unsubscribe(conn: sqlite3.Connection, feed_id: int) -> None:
    """A feed is being removed: a synced one is unsubscribed on the server; one whose
    subscribe was never pushed just loses it. Its articles' pending flags go too."""
    remote_id, url = feed_sync_ids(conn, feed_id)
    conn.execute("DELETE FROM sync_queue WHERE kind = 'subscribe' AND target = ?", (url,))
    if remote_id is None:
        return
    conn.execute("DELETE FROM sync_queue WHERE kind IN ('read', 'starred', 'shared') AND target IN"
                 " (SELECT remote_id FROM articles WHERE feed_id = ? AND remote_id IS NOT NULL)",
                 (feed_id,))
    conn.execute("DELETE FROM sync_queue WHERE kind = 'categories' AND target = ?", (remote_id,))
    enqueue(conn, "unsubscribe", remote_id)


def forget_feed(conn: sqlite3.Connection, feed_id: int) -> None:
    """A feed is being removed: what the last sync remembered of it goes too."""
    conn.execute("DELETE FROM sync_state WHERE key = ?", (f"cats:{feed_id}",))


# -- the queue, as the engine reads it ------------------------------------------------------

def due_changes(store: Store, now: float) -> list[QueuedChange]:
    return [QueuedChange(*r) for r in store.execute(
        "SELECT seq, kind, target, value, tries FROM sync_queue"
        " WHERE next_try IS NULL OR next_try <= ? ORDER BY seq", (now,))]


def delete_sent(store: Store, seqs: Sequence[int]) -> None:
    """The server has these: only these seqs go (a newer change to the same thing has a
    newer seq and stays)."""
    def op(conn: sqlite3.Connection) -> None:
        for start in range(0, len(seqs), 500):
            chunk = list(seqs[start:start + 500])
            conn.execute(f"DELETE FROM sync_queue WHERE seq IN ({','.join('?' * len(chunk))})",
                         chunk)
    store.write(op)


def retry_later(store: Store, seqs: Sequence[int], error: str, now: float) -> None:
    """Keep these rows, to try again after a backoff that doubles with each try (1 min
    to 6 h)."""
    def op(conn: sqlite3.Connection) -> None:
        for start in range(0, len(seqs), 500):
            chunk = list(seqs[start:start + 500])
            conn.execute(
                "UPDATE sync_queue SET tries = tries + 1, error = ?,"
                " next_try = ? + min(21600, 60 * (1 << min(tries, 9)))"
                f" WHERE seq IN ({','.join('?' * len(chunk))})", (error, now, *chunk))
    store.write(op)


def pending_count(store: Store) -> int:
    return store.execute("SELECT count(*) FROM sync_queue").fetchone()[0]


def pending_subscribe_urls(store: Store) -> set[str]:
    return {u for (u,) in store.execute("SELECT target FROM sync_queue WHERE kind = 'subscribe'")}


# -- sync_state ----------------------------------------------------------------------------

def get_state(store: Store, key: str) -> str | None:
    row = store.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_state(store: Store, values: dict[str, str | None],
              conn: sqlite3.Connection | None = None) -> None:
    def op(c: sqlite3.Connection) -> None:
        c.executemany("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)",
                      list(values.items()))
    if conn is not None:
        op(conn)
    else:
        store.write(op)


def forget_account(store: Store) -> None:
    """Another server or user: the old one's ids mean nothing there. Synced feeds stay
    as local ones; the old queue and cursor go."""
    def op(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE feeds SET remote_id = NULL WHERE remote_id IS NOT NULL")
        conn.execute("UPDATE articles SET remote_id = NULL WHERE remote_id IS NOT NULL")
        conn.execute("DELETE FROM sync_queue")
        conn.execute("DELETE FROM sync_state")
    store.write(op)


def status_row(store: Store, status: SyncStatus) -> SyncStatus:
    """Fill `status` from the database in one query."""
    row = store.execute(
        "SELECT (SELECT count(*) FROM sync_queue),"
        " (SELECT count(*) FROM feeds WHERE remote_id IS NOT NULL),"
        " (SELECT count(*) FROM feeds WHERE remote_id IS NULL AND url NOT IN"
        "  (SELECT target FROM sync_queue WHERE kind = 'subscribe')),"
        " (SELECT json_group_object(key, value) FROM sync_state"
        "  WHERE key IN ('last_success', 'last_attempt', 'last_error', 'gone')"
        "  OR key LIKE 'note:%')"
        ).fetchone()
    state = json.loads(row[3] or "{}")
    status.pending, status.synced_feeds, status.local_feeds = row[0], row[1], row[2]
    status.last_success = to_dt(float(state["last_success"])) if state.get("last_success") else None
    status.last_attempt = to_dt(float(state["last_attempt"])) if state.get("last_attempt") else None
    status.last_error = state.get("last_error") or None
    status.notes = [v for k, v in sorted(state.items()) if k.startswith("note:") and v]
    status.gone = int(state["gone"]) if str(state.get("gone") or "").isdigit() else 0
    return status


# -- feeds from the server -----------------------------------------------------------------

def synced_feeds(store: Store) -> dict[str, tuple[int, str]]:
    """{remote_id: (feed id, url)} of the synced feeds."""
    return {r: (i, u) for i, u, r in store.execute(
        "SELECT id, url, remote_id FROM feeds WHERE remote_id IS NOT NULL")}


def local_feed_ids_by_url(store: Store) -> dict[str, int]:
    return {u: i for i, u in store.execute("SELECT id, url FROM feeds WHERE remote_id IS NULL")}


def adopt_feed(store: Store, feed_id: int, remote_id: str) -> bool:
    """A local feed is the server's `remote_id` from now on (False: another feed is)."""
    def op(conn: sqlite3.Connection) -> bool:
        if conn.execute("SELECT 1 FROM feeds WHERE remote_id = ? AND id != ?",
                        (remote_id, feed_id)).fetchone():
            return False
        conn.execute("UPDATE feeds SET remote_id = ? WHERE id = ?", (remote_id, feed_id))
        return True
    return store.write(op)


def insert_remote_feed(store: Store, remote_id: str, url: str, title: str, link: str,
                       tags: Sequence[str]) -> int:
    def op(conn: sqlite3.Connection) -> int:
        feed_id = conn.execute(
            "INSERT INTO feeds (url, title, link, added, remote_id) VALUES (?, ?, ?, ?, ?)",
            (url, title, link, time.time(), remote_id)).lastrowid
        conn.executemany("INSERT OR IGNORE INTO feed_tags (feed_id, tag, folded) VALUES (?, ?, ?)",
                         [(feed_id, t, fold(t)) for t in tags])
        set_state(store, {f"cats:{feed_id}": json.dumps(list(tags), ensure_ascii=False)}, conn)
        return feed_id
    return store.write(op)


def update_remote_feed(store: Store, feed_id: int, title: str, tags: Sequence[str] | None,
                       before: Sequence[str] = ()) -> None:
    """The server's title, and its categories as tags: added to the feed's tags, and
    the ones the server had before (`before`) but has no more taken away. A tag of the
    feed's own that the server never had stays (Miniflux keeps one category a feed; a
    second tag lives here). A pending local change of the tags wins (tags None)."""
    def op(conn: sqlite3.Connection) -> None:
        if title:
            conn.execute("UPDATE feeds SET title = ? WHERE id = ? AND title != ?",
                         (title, feed_id, title))
        if tags is None:
            return
        now = {fold(t) for t in tags}
        conn.executemany("DELETE FROM feed_tags WHERE feed_id = ? AND folded = ?",
                         [(feed_id, f) for f in {fold(t) for t in before} - now])
        have = {f for (f,) in conn.execute("SELECT folded FROM feed_tags WHERE feed_id = ?",
                                           (feed_id,))}
        conn.executemany("INSERT OR IGNORE INTO feed_tags (feed_id, tag, folded) VALUES (?, ?, ?)",
                         [(feed_id, t, fold(t)) for t in tags if fold(t) not in have])
        set_state(store, {f"cats:{feed_id}": json.dumps(list(tags), ensure_ascii=False)}, conn)
    store.write(op)


def categories_pushed(store: Store, remote_id: str) -> None:
    """The server took the feed's tags as its categories (as many as it holds): none of
    the tags counts as the server's own until the next pull says which it kept."""
    store.write(lambda c: c.execute(
        "DELETE FROM sync_state WHERE key = (SELECT 'cats:' || id FROM feeds"
        " WHERE remote_id = ?)", (remote_id,)))


def categories_before(store: Store) -> dict[int, list[str]]:
    """{feed id: the server's categories of it at the last sync}."""
    return {int(k[5:]): json.loads(v) for k, v in store.execute(
        "SELECT key, value FROM sync_state WHERE key LIKE 'cats:%'")}


def pending_category_targets(store: Store) -> set[str]:
    return {t for (t,) in store.execute("SELECT target FROM sync_queue WHERE kind = 'categories'")}


# -- entries and states from the server ------------------------------------------------------

@dataclass(slots=True)
class FeedBatch:
    """A pull's entries of one feed: parsed as a refresh parses (sanitized), and for
    each (identity key, remote_id, read, starred, shared). (Their plain text is the
    indexer's, after: storage/indexer.py.)"""
    feed_id: int
    entries: list[ParsedEntry]
    remote: list[tuple[str, str, bool, bool, bool]]


def store_entries(store: Store, batches: Iterable[FeedBatch],
                  cursor_state: dict[str, str | None]) -> tuple[int, int]:
    """One batch of a pull, with its cursor, in one transaction: each feed's entries by
    the same identity rules as a refresh (Store.merge_entries), then each entry's
    remote_id and its read/starred as the server has them, except where a local change
    is still queued (or was made before this pull linked the article to the server's:
    _queue_marks_made_before). Returns (new articles, flags changed)."""
    def op(conn: sqlite3.Connection) -> tuple[int, int]:
        new = changed = 0
        now = time.time()
        for batch in batches:
            added, _ = store.merge_entries(conn, batch.feed_id, batch.entries, now=now)
            new += added
            for key, remote_id, read, starred, shared in batch.remote:
                aid, linked = _article_for(conn, batch.feed_id, key, remote_id)
                if aid is None:
                    continue  # (deleted here before: a tombstone keeps it out)
                if linked:
                    _queue_marks_made_before(conn, aid, remote_id, read=read,
                                             starred=starred, shared=shared)
                flips = _apply_flags(conn, aid, remote_id, read=read, starred=starred,
                                     shared=shared)
                if not linked:  # (an article linked by this pull is new here, not changed:
                    changed += flips  # a first sync said "310 new, 303 changed")
        set_state(store, cursor_state, conn)
        return new, changed
    return store.write(op)


def _article_for(conn: sqlite3.Connection, feed_id: int, key: str,
                 remote_id: str) -> tuple[int | None, bool]:
    """(the article that is this entry, whether it was linked to it just now)."""
    row = conn.execute("SELECT id FROM articles WHERE remote_id = ?", (remote_id,)).fetchone()
    if row is not None:
        return row[0], False
    row = (conn.execute("SELECT id FROM articles WHERE feed_id = ? AND key = ?",
                        (feed_id, key)).fetchone()
           or conn.execute("SELECT article_id FROM article_feeds WHERE feed_id = ? AND key = ?",
                           (feed_id, key)).fetchone())
    if row is None:
        return None, False
    linked = conn.execute("UPDATE articles SET remote_id = ? WHERE id = ? AND remote_id IS NULL",
                          (remote_id, row[0])).rowcount
    return row[0], bool(linked)


def _queue_marks_made_before(conn: sqlite3.Connection, aid: int, remote_id: str,
                             **server: bool) -> None:
    """An article held here before the server's copy was pulled (a feed added here, or
    adopted): a mark set here meanwhile had no server id to be queued under, and the
    server's older state would undo it. Queued now (so it is pushed, and wins until
    then). A mark the server has and this article lacks is the server's: an article is
    fetched here unread and unstarred."""
    here = conn.execute("SELECT read, starred, shared FROM articles WHERE id = ?",
                        (aid,)).fetchone()
    for flag, value in zip(("read", "starred", "shared"), here):
        if value and not server[flag]:
            enqueue(conn, flag, remote_id, "1")


def _apply_flags(conn: sqlite3.Connection, aid: int, remote_id: str, **flags: bool) -> int:
    n = 0
    for flag, value in flags.items():
        n += conn.execute(
            f"UPDATE articles SET {flag} = ? WHERE id = ? AND {flag} != ? AND NOT EXISTS"
            " (SELECT 1 FROM sync_queue WHERE kind = ? AND target = ?)",
            (int(value), aid, int(value), flag, remote_id)).rowcount
    return n


def apply_states(store: Store, unread: Iterable[str], starred: Iterable[str]) -> int:
    """The server's whole sets: every synced article's read and starred as the server
    has them, except where a local change is queued (local wins until pushed). Set-based
    through a temporary table. Returns how many flags changed."""
    def op(conn: sqlite3.Connection) -> int:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS sync_ids"
                     " (kind TEXT, id TEXT, PRIMARY KEY (kind, id)) WITHOUT ROWID")
        conn.execute("DELETE FROM temp.sync_ids")
        conn.executemany("INSERT OR IGNORE INTO temp.sync_ids VALUES ('unread', ?)",
                         [(i,) for i in unread])
        conn.executemany("INSERT OR IGNORE INTO temp.sync_ids VALUES ('starred', ?)",
                         [(i,) for i in starred])
        n = 0
        for flag, kind, when_in in (("read", "unread", 0), ("starred", "starred", 1)):
            value = f"(CASE WHEN remote_id IN (SELECT id FROM temp.sync_ids WHERE kind = '{kind}')" \
                    f" THEN {when_in} ELSE {1 - when_in} END)"
            n += conn.execute(
                f"UPDATE articles SET {flag} = {value} WHERE remote_id IS NOT NULL"
                f" AND {flag} != {value} AND NOT EXISTS (SELECT 1 FROM sync_queue q"
                f" WHERE q.kind = '{flag}' AND q.target = articles.remote_id)").rowcount
        conn.execute("DELETE FROM temp.sync_ids")
        return n
    return store.write(op)


def held_remote_ids(store: Store, ids: Iterable[str]) -> set[str]:
    """Which of these entry ids an article here has."""
    ids = list(ids)
    held: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        held.update(r for (r,) in store.execute(
            f"SELECT remote_id FROM articles WHERE remote_id IN ({','.join('?' * len(chunk))})",
            chunk))
    return held



# -- articles the server no longer has ----------------------------------------------------

GONE_KEY = "gone"   # sync_state: how many articles were kept here when the server lost them


def marks_taken_away(store: Store, flag: str, kept: Iterable[str],
                     feeds: Iterable[str] | None = None) -> list[str]:
    """The synced articles marked `flag` (starred, shared) here that the server's set
    `kept` lacks and whose change is not queued: what applying that set would unmark.
    `feeds` (remote ids): the set is about these feeds' articles only. Read from the
    marked articles here (a few hundred, say), so a sync where nothing would be taken
    away writes nothing and asks the server nothing."""
    assert flag in ("starred", "shared")
    kept = kept if isinstance(kept, (set, frozenset)) else set(kept)
    only = None if feeds is None else set(feeds)
    return sorted(remote_id for remote_id, feed in store.execute(
        f"SELECT a.remote_id, f.remote_id FROM articles a JOIN feeds f ON f.id = a.feed_id"
        # (`+remote_id`: the starred ones by their partial index, not every synced one)
        f" WHERE a.{flag} AND +a.remote_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
        f" sync_queue q WHERE q.kind = '{flag}' AND q.target = a.remote_id)")
        if remote_id not in kept and (only is None or feed in only))


def unlink_gone(store: Store, remote_ids: Sequence[str]) -> int:
    """Entries the server no longer has: their articles become local ones (no remote
    id, so later syncs leave their read/starred alone), their queued flags go (nothing
    there to set), and the count in sync_state grows (`sync --status`). Returns how
    many articles were unlinked."""
    def op(conn: sqlite3.Connection) -> int:
        n = 0
        for start in range(0, len(remote_ids), 500):
            chunk = list(remote_ids[start:start + 500])
            marks = ",".join("?" * len(chunk))
            conn.execute(f"DELETE FROM sync_queue WHERE kind IN ('read', 'starred', 'shared')"
                         f" AND target IN ({marks})", chunk)
            n += conn.execute(f"UPDATE articles SET remote_id = NULL WHERE remote_id IN"
                              f" ({marks})", chunk).rowcount
        if n:
            row = conn.execute("SELECT value FROM sync_state WHERE key = ?",
                               (GONE_KEY,)).fetchone()
            before = int(row[0]) if row and str(row[0]).isdigit() else 0
            set_state(store, {GONE_KEY: str(before + n)}, conn)
        return n
    return store.write(op) if remote_ids else 0
