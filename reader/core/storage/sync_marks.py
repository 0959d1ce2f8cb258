"""What some sync servers mark beside read and starred, written as the server has it:
tt-rss's published set (articles.shared) and labels (tt-rss, FreshRSS) as the articles'
own categories. Whole sets, as for read and starred (storage/sync.py apply_states): a
pending local change wins until pushed."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..tags import fold
from .db import TAG_SEP, split_tags
from .sync import set_state

if TYPE_CHECKING:
    from .store import Store

def apply_shared(store: Store, shared: Iterable[str]) -> int:
    """The server's whole set of published entries (tt-rss): every synced article's
    shared as the server has it, except where a local change is queued (local wins until
    pushed). Returns how many changed."""
    def op(conn: sqlite3.Connection) -> int:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS sync_shared (id TEXT PRIMARY KEY)"
                     " WITHOUT ROWID")
        conn.execute("DELETE FROM temp.sync_shared")
        conn.executemany("INSERT OR IGNORE INTO temp.sync_shared VALUES (?)",
                         [(i,) for i in shared])
        value = "(remote_id IN (SELECT id FROM temp.sync_shared))"
        n = conn.execute(
            f"UPDATE articles SET shared = {value} WHERE remote_id IS NOT NULL"
            f" AND shared != {value} AND NOT EXISTS (SELECT 1 FROM sync_queue q"
            " WHERE q.kind = 'shared' AND q.target = articles.remote_id)").rowcount
        conn.execute("DELETE FROM temp.sync_shared")
        return n
    return store.write(op)


def apply_labels(store: Store, labels: dict[str, set[str]]) -> int:
    """The server's labels, {name: the ids of every entry carrying it}, as the articles'
    own categories: an article gains a label the server gave it and loses one the server
    took away since the last sync (what that sync saw is kept in sync_state "labels");
    categories of the article's own feed stay. Returns how many articles changed."""
    def op(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM sync_state WHERE key = 'labels'").fetchone()
        if row is not None:
            before = {name: set(ids) for name, ids in json.loads(row[0] or "{}").items()}
        else:  # (the first time: what the pulled entries brought is the server's)
            before = {name: _labelled(conn, name) for name in labels}
        adds: dict[str, set[str]] = {}
        drops: dict[str, set[str]] = {}
        for name in set(before) | set(labels):
            now, was = labels.get(name, set()), before.get(name, set())
            for remote_id in now - was:
                adds.setdefault(remote_id, set()).add(name)
            for remote_id in was - now:
                drops.setdefault(remote_id, set()).add(name)
        if row is not None and not adds and not drops:
            return 0      # (nothing changed: nothing written)
        changed = sum(_relabel(conn, remote_id, adds.get(remote_id, set()),
                               drops.get(remote_id, set()))
                      for remote_id in set(adds) | set(drops))
        set_state(store, {"labels": json.dumps({n: sorted(i) for n, i in labels.items() if i},
                                               ensure_ascii=False)}, conn)
        return changed
    return store.write(op)


def _labelled(conn: sqlite3.Connection, name: str) -> set[str]:
    return {r for (r,) in conn.execute(
        "SELECT a.remote_id FROM article_tags t JOIN articles a ON a.id = t.article_id"
        " WHERE t.folded = ? AND a.remote_id IS NOT NULL", (fold(name),))}


def _relabel(conn: sqlite3.Connection, remote_id: str, add: set[str], drop: set[str]) -> bool:
    row = conn.execute("SELECT id, categories FROM articles WHERE remote_id = ?",
                       (remote_id,)).fetchone()
    if row is None:
        return False   # (not held here)
    aid, categories = row[0], split_tags(row[1])
    gone = {fold(n) for n in drop} - {fold(n) for n in add}
    kept = [c for c in categories if fold(c) not in gone]
    have = {fold(c) for c in kept}
    new = kept + [n for n in sorted(add) if fold(n) not in have]
    if new == categories:
        return False
    conn.execute("UPDATE articles SET categories = ? WHERE id = ?", (TAG_SEP.join(new), aid))
    conn.executemany("DELETE FROM article_tags WHERE article_id = ? AND folded = ?",
                     [(aid, f) for f in gone])
    conn.executemany("INSERT OR IGNORE INTO article_tags (tag, article_id, folded)"
                     " VALUES (?, ?, ?)", [(n, aid, fold(n)) for n in new if fold(n) not in
                                           {fold(c) for c in categories}])
    return True
