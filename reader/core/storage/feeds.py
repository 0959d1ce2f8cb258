"""Feed rows: subscriptions, their tags and fetch bookkeeping; saved filters."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable

from ..models import Feed, FeedSettings
from ..tags import fold
from .db import Database, to_dt, to_ts
from .sync import enqueue_categories, enqueue_subscribe, enqueue_unsubscribe, forget_feed


class FeedRows(Database):
    """Feeds, tags and saved filters (part of Store)."""

    _FEED_COLS = (
        "f.id, f.url, coalesce(f.user_title, f.title), f.link, f.etag, f.last_modified, "
        "f.last_fetched, f.last_status, f.last_error, f.error_count, f.next_fetch, f.gone, "
        "f.full_text, f.refresh_every, f.keep, f.user_agent, f.last_ok, f.remote_id"
    )

    def _feed_from_row(self, row, tags: list[str]) -> Feed:
        return Feed(
            id=row[0], url=row[1], title=row[2], link=row[3], tags=tags, etag=row[4],
            last_modified=row[5], last_fetched=to_dt(row[6]), last_status=row[7],
            last_error=row[8], error_count=row[9], next_fetch=to_dt(row[10]), gone=bool(row[11]),
            settings=FeedSettings(full_text=row[12], refresh_every=row[13], keep=row[14],
                                  user_agent=row[15]),
            last_ok=to_dt(row[16]), remote_id=row[17],
        )

    def feed_tags(self) -> dict[int, list[str]]:
        tags: dict[int, list[str]] = {}
        for feed_id, tag in self.execute("SELECT feed_id, tag FROM feed_tags ORDER BY feed_id, lower(tag)"):
            tags.setdefault(feed_id, []).append(tag)
        return tags

    def feeds(self, with_counts: bool = True) -> list[Feed]:
        tags = self.feed_tags()
        rows = self.execute(
            f"SELECT {self._FEED_COLS} FROM feeds f ORDER BY lower(coalesce(f.user_title, f.title, f.url)), f.id"
        ).fetchall()
        feeds = [self._feed_from_row(r, tags.get(r[0], [])) for r in rows]
        if with_counts:
            counts = self.feed_counts()
            for f in feeds:
                f.unread, f.total = counts.get(f.id, (0, 0))
        return feeds

    def feed(self, feed_id: int) -> Feed | None:
        row = self.execute(f"SELECT {self._FEED_COLS} FROM feeds f WHERE f.id = ?", (feed_id,)).fetchone()
        if row is None:
            return None
        tags = [t for (t,) in self.execute("SELECT tag FROM feed_tags WHERE feed_id = ? ORDER BY lower(tag)", (feed_id,))]
        feed = self._feed_from_row(row, tags)
        feed.unread, feed.total = self.feed_counts(feed_id).get(feed_id, (0, 0))
        return feed

    def own_and_user_titles(self) -> dict[int, tuple[str, str | None]]:
        """{feed id: (the feed's own title, the user's title or None)}: Feed.title is the
        user's when there is one, and an OPML export needs both apart."""
        return {fid: (title, user) for fid, title, user in
                self.execute("SELECT id, title, user_title FROM feeds")}

    def feed_by_url(self, url: str) -> Feed | None:
        row = self.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
        return self.feed(row[0]) if row else None

    def feed_counts(self, feed_id: int | None = None) -> dict[int, tuple[int, int]]:
        """{feed_id: (unread, total)} from a covering index scan."""
        sql = "SELECT feed_id, sum(read = 0), count(*) FROM articles"
        params: tuple = ()
        if feed_id is not None:
            sql += " WHERE feed_id = ?"
            params = (feed_id,)
        sql += " GROUP BY feed_id"
        return {fid: (unread or 0, total) for fid, unread, total in self.execute(sql, params)}

    def add_feed(self, url: str, title: str = "", link: str = "", tags: Iterable[str] = (),
                 user_title: str | None = None, subscribe: bool = False) -> int:
        """`subscribe`: queue a subscription on the sync server too (sync.py)."""
        tags = list(tags)

        def op(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO feeds (url, title, link, user_title, added) VALUES (?, ?, ?, ?, ?)",
                (url, title, link, user_title, time.time()),
            )
            feed_id = cur.lastrowid
            self._add_tags(conn, feed_id, tags)
            if subscribe:
                enqueue_subscribe(conn, url, user_title or title, tags)
            return feed_id

        return self.write(op)

    @staticmethod
    def _add_tags(conn: sqlite3.Connection, feed_id: int, tags: Iterable[str]) -> None:
        conn.executemany(
            "INSERT OR IGNORE INTO feed_tags (feed_id, tag, folded) VALUES (?, ?, ?)",
            [(feed_id, t, fold(t)) for t in tags if t],
        )

    def remove_feed(self, feed_id: int, unsubscribe: bool = True) -> int:
        """Delete a feed and its articles, but for those another feed carries too (listed
        once, under this one: article_feeds): they move to that feed, read and star state
        and all. Returns how many moved. A synced feed is unsubscribed on the server
        (queued), unless `unsubscribe` is False (the server removed it)."""

        def op(conn: sqlite3.Connection) -> int:
            if unsubscribe:
                enqueue_unsubscribe(conn, feed_id)
            forget_feed(conn, feed_id)
            moved: set[int] = set()
            for aid, other, key in conn.execute(
                "SELECT af.article_id, af.feed_id, af.key FROM article_feeds af"
                " JOIN articles a ON a.id = af.article_id"
                " WHERE a.feed_id = ? AND af.feed_id != ? ORDER BY af.article_id, af.feed_id",
                (feed_id, feed_id),
            ).fetchall():
                if aid in moved or conn.execute(
                    "SELECT 1 FROM articles WHERE feed_id = ? AND key = ?", (other, key)
                ).fetchone():
                    continue  # (moved already, or that feed has it under its own row)
                conn.execute("UPDATE articles SET feed_id = ?, key = ? WHERE id = ?",
                             (other, key, aid))
                conn.execute("DELETE FROM article_feeds WHERE article_id = ? AND feed_id = ?",
                             (aid, other))
                moved.add(aid)
            conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
            return len(moved)

        return self.write(op)

    def tag_feed(self, feed_id: int, tags: Iterable[str]) -> None:
        tags = list(tags)

        def op(conn: sqlite3.Connection) -> None:
            before = conn.total_changes
            self._add_tags(conn, feed_id, tags)
            if conn.total_changes != before:  # (a synced feed's categories, queued)
                enqueue_categories(conn, feed_id)

        self.write(op)

    def untag_feed(self, feed_id: int, tags: Iterable[str]) -> None:
        """Remove the tags, named in any case (tags.fold)."""
        tags = list(tags)

        def op(conn: sqlite3.Connection) -> None:
            before = conn.total_changes
            conn.executemany("DELETE FROM feed_tags WHERE feed_id = ? AND folded = ?",
                             [(feed_id, fold(t)) for t in tags])
            if conn.total_changes != before:
                enqueue_categories(conn, feed_id)

        self.write(op)

    def set_feed_title(self, feed_id: int, user_title: str | None) -> None:
        self.write(
            lambda c: c.execute("UPDATE feeds SET user_title = ? WHERE id = ?", (user_title, feed_id))
        )

    # -- per-feed settings (core/feed_settings.py says what the values mean) ----------------

    def set_feed_settings(self, feed_id: int, settings: FeedSettings) -> None:
        s = settings
        self.write(lambda c: c.execute(
            "UPDATE feeds SET full_text = ?, refresh_every = ?, keep = ?, user_agent = ?"
            " WHERE id = ?", (s.full_text, s.refresh_every, s.keep, s.user_agent, feed_id)))

    def recent_published(self, feed_ids: Iterable[int], most: int = 20) -> dict[int, list[float]]:
        """{feed id: the publication times of its newest `most` dated articles, newest
        first}: what refresh_every=auto reads a feed's rhythm from."""
        out: dict[int, list[float]] = {}
        for feed_id in feed_ids:
            out[feed_id] = [t for (t,) in self.execute(
                "SELECT published FROM articles WHERE feed_id = ? AND published IS NOT NULL"
                " ORDER BY published DESC LIMIT ?", (feed_id, most))]
        return out

    def update_feed_fetch(self, conn: sqlite3.Connection, feed_id: int, **fields) -> None:
        """Update fetch bookkeeping columns inside a caller's transaction."""
        for when in ("last_fetched", "last_ok"):
            if when in fields:
                fields[when] = to_ts(fields[when])
        if "next_fetch" in fields:
            fields["next_fetch"] = to_ts(fields["next_fetch"])
        cols = ", ".join(f"{k} = ?" for k in fields)
        conn.execute(f"UPDATE feeds SET {cols} WHERE id = ?", (*fields.values(), feed_id))

    # -- saved filters -----------------------------------------------------------------------

    def saved_filters(self) -> dict[str, str]:
        return dict(self.execute("SELECT name, query FROM saved_filters ORDER BY name").fetchall())

    def save_filter(self, name: str, query: str) -> None:
        """Save under `name`, replacing the filter of the same name in any case (tags.fold:
        "війна" and "Війна" are one name; the spelling given last is kept)."""

        def op(conn: sqlite3.Connection) -> None:
            # (saved filters are few: folding each name as it is read costs nothing)
            conn.execute("DELETE FROM saved_filters WHERE fold(name) = ? AND name != ?",
                         (fold(name), name))
            conn.execute("INSERT INTO saved_filters (name, query) VALUES (?, ?)"
                         " ON CONFLICT(name) DO UPDATE SET query = excluded.query", (name, query))

        self.write(op)

    def delete_filter(self, name: str) -> bool:
        """Delete the saved filter named `name` in any case (tags.fold)."""
        return self.write(lambda c: c.execute(
            "DELETE FROM saved_filters WHERE fold(name) = ?", (fold(name),)).rowcount > 0)

    def all_tags(self) -> list[str]:
        """Feed tags, one spelling of each name (tags.fold), in folded order."""
        return [t for (t,) in self.execute(
            "SELECT min(tag) FROM feed_tags GROUP BY folded ORDER BY folded")]

