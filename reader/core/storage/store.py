"""SQLite storage: schema, migrations, and every query the app runs.

One database file, WAL mode, so a reader (the TUI) never waits on a writer (a
`reader refresh` in another shell) and a writer waits on busy with a timeout
instead of failing. Each thread gets its own connection.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from ..errors import ArticleNotFound, StorageError
from ..models import Article, Feed, Headline, ParsedEntry

SCHEMA_VERSION = 6
BUSY_TIMEOUT_S = 15.0
READ_CACHE_KB = 4_000  # SQLite page cache of a connection that only reads
WRITE_CACHE_KB = 32_000  # ... and of one that has written
TAG_SEP = "\x1f"  # unit separator: cannot occur in sanitized feed text

# Forward migrations: MIGRATIONS[n] takes a database from user_version n to n+1.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL DEFAULT '',
        user_title TEXT,
        link TEXT NOT NULL DEFAULT '',
        etag TEXT,
        last_modified TEXT,
        last_fetched REAL,
        last_status TEXT,
        last_error TEXT,
        error_count INTEGER NOT NULL DEFAULT 0,
        next_fetch REAL,
        gone INTEGER NOT NULL DEFAULT 0,
        added REAL NOT NULL
    );
    CREATE TABLE feed_tags (
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        tag TEXT NOT NULL COLLATE NOCASE,
        PRIMARY KEY (feed_id, tag)
    ) WITHOUT ROWID;
    CREATE INDEX feed_tags_tag ON feed_tags(tag);
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        guid TEXT NOT NULL,
        link TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        author TEXT NOT NULL DEFAULT '',
        published REAL,
        updated REAL,
        sort_time REAL NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        content TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL DEFAULT '',
        categories TEXT NOT NULL DEFAULT '',
        content_hash TEXT NOT NULL DEFAULT '',
        read INTEGER NOT NULL DEFAULT 0,
        starred INTEGER NOT NULL DEFAULT 0,
        first_seen REAL NOT NULL,
        UNIQUE (feed_id, key)
    );
    CREATE INDEX articles_sort ON articles(sort_time DESC, id DESC);
    CREATE INDEX articles_feed ON articles(feed_id, read, starred);
    CREATE INDEX articles_read ON articles(read, sort_time DESC);
    CREATE INDEX articles_starred ON articles(starred) WHERE starred;
    CREATE TABLE article_tags (
        tag TEXT NOT NULL COLLATE NOCASE,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        PRIMARY KEY (tag, article_id)
    ) WITHOUT ROWID;
    CREATE INDEX article_tags_article ON article_tags(article_id);
    -- Tombstones: an article removed by retention must not come back as new.
    CREATE TABLE deleted_articles (
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        PRIMARY KEY (feed_id, key)
    ) WITHOUT ROWID;
    CREATE TABLE saved_filters (
        name TEXT PRIMARY KEY,
        query TEXT NOT NULL
    );
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END;
    CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END;
    CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END;
    """,
    # 1 -> 2: a covering index in list order, so state and tag filters scan the index
    # in order (and stop at a LIMIT) instead of visiting the large article rows.
    """
    CREATE INDEX IF NOT EXISTS articles_sort_state ON articles(sort_time DESC, id DESC, feed_id, read, starred);
    """,
    # 2 -> 3: articles by link, to find the same article in another feed.
    """
    CREATE INDEX IF NOT EXISTS articles_link ON articles(link) WHERE link != '';
    """,
    # 3 -> 4: articles_sort_state already starts with (sort_time, id), so articles_sort
    # only cost time on every insert; a feed's own view gets an index in list order.
    """
    DROP INDEX IF EXISTS articles_sort;
    CREATE INDEX IF NOT EXISTS articles_feed_sort ON articles(feed_id, sort_time DESC, id DESC);
    """,
    # 4 -> 5: new articles are added to the search index by merge_entries, all of a feed
    # in one statement: the per-row trigger made indexing a refresh cost almost twice as
    # much CPU. (Edits and deletions keep their triggers.)
    """
    DROP TRIGGER IF EXISTS articles_fts_ai;
    """,
    # 5 -> 6: an article that a second feed also carries is listed once, under the first
    # feed that had it; the others are recorded here, each with its own key for it, so
    # that removing the first feed moves the article (its read and star state with it)
    # to another that carries it instead of deleting it.
    """
    CREATE TABLE IF NOT EXISTS article_feeds (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        PRIMARY KEY (article_id, feed_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS article_feeds_feed ON article_feeds(feed_id);
    -- The highest article id ever given: ids are not given again once their articles are
    -- gone (a script holding ids from an earlier `list --json` must not star another).
    CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)
        WITHOUT ROWID;
    INSERT OR IGNORE INTO counters (name, value)
        SELECT 'article_id', coalesce(max(id), 0) FROM articles;
    """,
]


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def _dt(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def _split(value: str) -> list[str]:
    return value.split(TAG_SEP) if value else []


def entry_key(entry: ParsedEntry) -> str:
    """Identity of an entry within its feed: guid, else link, else a hash of title and date."""
    if entry.guid:
        return "g:" + entry.guid
    if entry.link:
        return "l:" + entry.link
    stamp = entry.published.isoformat() if entry.published else ""
    digest = hashlib.sha1(f"{entry.title}\x00{stamp}".encode()).hexdigest()
    return "h:" + digest


def content_hash(entry: ParsedEntry) -> str:
    """What tells an edited entry from an unchanged one (stored as articles.content_hash)."""
    h = hashlib.sha1()
    for part in (entry.title, entry.link or "", entry.author, entry.summary, entry.content):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    h.update(TAG_SEP.join(entry.categories).encode())
    h.update(str(_ts(entry.published)).encode())
    return h.hexdigest()


def _wrap(exc: sqlite3.Error, path: str) -> StorageError:
    msg = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in msg or "malformed" in msg or "corrupt" in msg
    ):
        return StorageError(
            f"{path} is not a usable reader database ({msg}); it was left untouched: "
            f"move it aside (e.g. mv '{path}' '{path}.bad') to start a fresh one"
        )
    if "readonly" in msg or "read-only" in msg:
        return StorageError(f"cannot write to the database {path}: it is read-only")
    if "unable to open" in msg:
        folder = Path(path).parent
        if Path(path).is_file() and not os.access(folder, os.W_OK):
            return StorageError(
                f"cannot open the database {path}: its folder {folder} is read-only, and"
                " SQLite keeps its -wal and -shm files beside the database (make the folder"
                " writable, or copy the database to a folder that is)"
            )
        return StorageError(f"cannot open the database {path}: {msg}")
    if "disk is full" in msg or "database or disk is full" in msg:
        return StorageError(f"cannot write to the database {path}: the disk is full")
    if "locked" in msg or "busy" in msg:
        return StorageError(f"the database {path} stayed locked by another process: {msg}")
    return StorageError(f"database error in {path}: {msg}")


class Store:
    """Typed access to the database. Safe to share between threads (one connection each)."""

    def __init__(self, path: str | Path = ":memory:", create: bool = True) -> None:
        """`create`: make the database (and its folder) if there is none; else a missing
        file is a StorageError (a command that only reads, given a wrong path, must not
        answer from a new empty database, nor leave one behind)."""
        self.path = str(path)
        self._local = threading.local()
        self._shared: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        # Whether this opening makes the database (a caller whose first write fails can
        # take away what it made: discard_if_new).
        self.created = self.path != ":memory:" and not Path(self.path).exists()
        if self.created and not create:
            raise StorageError(
                f"no database at {self.path} (`reader add URL` or `reader import FILE` makes one)"
            )
        if self.path != ":memory:":
            parent = Path(self.path).parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot create the folder {parent}: {exc.strerror}") from exc
        try:
            self._migrate(self.conn)
        except sqlite3.Error as exc:
            raise _wrap(exc, self.path) from exc

    # -- connections -------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,  # autocommit; explicit BEGIN for transactions
                check_same_thread=self.path != ":memory:",
            )
            conn.execute("PRAGMA foreign_keys = ON")
            if self.path != ":memory:":
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                if mode != "wal":
                    self._refuse_foreign(conn)  # before WAL, which rewrites the header
                    conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            # Each thread has its own connection and so its own page cache: keep readers'
            # small (the OS caches the file anyway; 32 MB each made the TUI 150 MB after a
            # few searches). A connection that writes gets WRITE_CACHE_KB (see write()).
            conn.execute(f"PRAGMA cache_size = -{READ_CACHE_KB}")
            conn.execute("PRAGMA temp_store = MEMORY")
        except sqlite3.Error as exc:
            raise _wrap(exc, self.path) from exc
        return conn

    def _refuse_foreign(self, conn: sqlite3.Connection) -> None:
        """StorageError for another program's SQLite database: our tables (and WAL mode)
        would change a file that is not ours."""
        if conn.execute("PRAGMA user_version").fetchone()[0] == 0 and conn.execute(
            "SELECT count(*) FROM sqlite_master"
        ).fetchone()[0]:
            conn.close()
            raise StorageError(
                f"{self.path} is an SQLite database of some other program, not reader's; "
                "it was left untouched: give another path with --db or $READER_DB"
            )

    @property
    def conn(self) -> sqlite3.Connection:
        if self.path == ":memory:":
            if self._shared is None:
                self._shared = self._connect()
            return self._shared
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def discard_if_new(self) -> None:
        """Close, and delete the database when this Store made it and nothing is in it yet:
        a first `reader add` that fails leaves no empty database behind."""
        if not self.created or self.conn.execute("SELECT 1 FROM feeds LIMIT 1").fetchone():
            return
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(self.path + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        """Close this thread's connection, having moved what the write-ahead log holds into
        the database file and emptied the log, when that needs no waiting (another
        process may be writing): the file alone is then whole (a copy of it, as a backup,
        misses nothing) and the log takes no room. The connections of other threads are
        left to the process's end: they may be in use."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            if self.path != ":memory:":
                try:
                    conn.execute("PRAGMA busy_timeout = 0")
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                except sqlite3.Error:
                    pass  # busy, read-only, gone: the log is replayed at the next open
            conn.close()
            self._local.conn = None
        if self._shared is not None:
            self._shared.close()
            self._shared = None

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"{self.path} was written by a newer reader (schema {version}); upgrade reader"
            )
        while version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Re-read inside the write lock: another process may have migrated meanwhile.
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version < SCHEMA_VERSION:
                    for stmt in _statements(MIGRATIONS[version]):
                        conn.execute(stmt)
                    version += 1
                    conn.execute(f"PRAGMA user_version = {version}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def execute(self, sql: str, params: Sequence | dict = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise _wrap(exc, self.path) from exc

    def write(self, fn, *args, **kwargs):
        """Run fn(conn, ...) in one IMMEDIATE transaction (waits on busy, then all or nothing)."""
        conn = self.conn
        if getattr(self._local, "writing_conn", None) is not conn:
            # index and FTS updates want a bigger cache than reads
            conn.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KB}")
            self._local.writing_conn = conn
        with self._lock:
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = fn(conn, *args, **kwargs)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise _wrap(exc, self.path) from exc
        return result

    def data_version(self) -> int:
        """Changes whenever another connection commits: the TUI polls it to see outside writes."""
        return self.execute("PRAGMA data_version").fetchone()[0]

    def integrity_check(self) -> str:
        return self.execute("PRAGMA integrity_check").fetchone()[0]

    # -- feeds -------------------------------------------------------------------------------

    _FEED_COLS = (
        "f.id, f.url, coalesce(f.user_title, f.title), f.link, f.etag, f.last_modified, "
        "f.last_fetched, f.last_status, f.last_error, f.error_count, f.next_fetch, f.gone"
    )

    def _feed_from_row(self, row, tags: list[str]) -> Feed:
        return Feed(
            id=row[0], url=row[1], title=row[2], link=row[3], tags=tags, etag=row[4],
            last_modified=row[5], last_fetched=_dt(row[6]), last_status=row[7],
            last_error=row[8], error_count=row[9], next_fetch=_dt(row[10]), gone=bool(row[11]),
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

    def tag_unread_counts(self) -> dict[str, int]:
        """{tag, lower case: its unread articles}, counted as the tag's view (+tag) selects
        them: the articles of feeds with the tag and those whose own categories hold it.
        Read from the unread articles: ~5 ms for 1,000 of them, ~100 ms for 8,000 (see
        Library.tag_unread_counts)."""
        rows = self.execute(
            "SELECT tag, count(*) FROM ("
            " SELECT lower(ft.tag) AS tag, a.id AS id FROM articles a"
            "  CROSS JOIN feed_tags ft ON ft.feed_id = a.feed_id WHERE a.read = 0"
            " UNION"
            " SELECT lower(t.tag), a.id FROM articles a"
            "  CROSS JOIN article_tags t ON t.article_id = a.id"
            "  WHERE a.read = 0 AND lower(t.tag) IN (SELECT lower(tag) FROM feed_tags)"
            ") GROUP BY tag"
        ).fetchall()
        return dict(rows)

    def totals(self) -> dict[str, int]:
        row = self.execute(
            "SELECT count(*), coalesce(sum(read = 0), 0), coalesce(sum(starred), 0) FROM articles"
        ).fetchone()
        return {"total": row[0], "unread": row[1], "starred": row[2]}

    def add_feed(self, url: str, title: str = "", link: str = "", tags: Iterable[str] = (),
                 user_title: str | None = None) -> int:
        def op(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO feeds (url, title, link, user_title, added) VALUES (?, ?, ?, ?, ?)",
                (url, title, link, user_title, time.time()),
            )
            feed_id = cur.lastrowid
            self._add_tags(conn, feed_id, tags)
            return feed_id

        return self.write(op)

    @staticmethod
    def _add_tags(conn: sqlite3.Connection, feed_id: int, tags: Iterable[str]) -> None:
        conn.executemany(
            "INSERT OR IGNORE INTO feed_tags (feed_id, tag) VALUES (?, ?)",
            [(feed_id, t) for t in tags if t],
        )

    def remove_feed(self, feed_id: int) -> int:
        """Delete a feed and its articles, but for those another feed carries too (listed
        once, under this one: article_feeds): they move to that feed, read and star state
        and all. Returns how many moved."""

        def op(conn: sqlite3.Connection) -> int:
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
        self.write(self._add_tags, feed_id, list(tags))

    def untag_feed(self, feed_id: int, tags: Iterable[str]) -> None:
        self.write(
            lambda c: c.executemany(
                "DELETE FROM feed_tags WHERE feed_id = ? AND tag = ?", [(feed_id, t) for t in tags]
            )
        )

    def set_feed_title(self, feed_id: int, user_title: str | None) -> None:
        self.write(
            lambda c: c.execute("UPDATE feeds SET user_title = ? WHERE id = ?", (user_title, feed_id))
        )

    def update_feed_fetch(self, conn: sqlite3.Connection, feed_id: int, **fields) -> None:
        """Update fetch bookkeeping columns inside a caller's transaction."""
        if "last_fetched" in fields:
            fields["last_fetched"] = _ts(fields["last_fetched"])
        if "next_fetch" in fields:
            fields["next_fetch"] = _ts(fields["next_fetch"])
        cols = ", ".join(f"{k} = ?" for k in fields)
        conn.execute(f"UPDATE feeds SET {cols} WHERE id = ?", (*fields.values(), feed_id))

    # -- articles: ingest ---------------------------------------------------------------------

    def merge_entries(self, conn: sqlite3.Connection, feed_id: int, entries: list[ParsedEntry],
                      texts: list[str], now: float | None = None,
                      to_index: list[tuple[int, str, str]] | None = None,
                      hashes: list[str] | None = None) -> tuple[int, int]:
        """Insert new entries, update changed ones in place (keeping read/star state).

        Runs inside the caller's transaction. Returns (new, updated). New articles go
        into the search index here, or, given `to_index`, are appended to it as
        (rowid, title, text) for the caller to index (index_new) before it commits.
        `hashes`: content_hash of each entry, when the parsing worker made them.
        """
        now = time.time() if now is None else now
        stored = conn.execute(
            "SELECT key, id, content_hash, link, title, published FROM articles WHERE feed_id = ?",
            (feed_id,),
        ).fetchall()
        existing = {key: (aid, h) for key, aid, h, *_ in stored}
        tombstones = {k for (k,) in conn.execute(
            "SELECT key FROM deleted_articles WHERE feed_id = ?", (feed_id,))}
        keys = [entry_key(e) for e in entries]
        rekey = self._rekeyed(stored, entries, keys, existing, tombstones)
        new = updated = 0
        indexed: list[tuple[int, str, str]] = []  # new rows for the search index
        inserts: list[tuple] = []
        tag_rows: list[tuple[str, int]] = []
        also: list[tuple[int, int, str]] = []  # (article, this feed, key): article_feeds
        elsewhere = self._in_other_feeds(conn, feed_id, [
            e for e, k in zip(entries, keys) if k not in existing and k not in rekey and e.link])
        # New rows get their ids here, so that all of them (and their tags and index
        # entries) are written with a few executemany calls instead of a call per row.
        # This runs under the write lock (Store.write), so no one else inserts meanwhile.
        # Past the highest id ever given, not only the highest there is (counters).
        next_id = conn.execute(
            "SELECT max(coalesce((SELECT max(id) FROM articles), 0),"
            " coalesce((SELECT value FROM counters WHERE name = 'article_id'), 0)) + 1"
        ).fetchone()[0]
        seen: set[str] = set()
        # Entries are newest first in most feeds; spread first_seen so order is stable.
        for i, (entry, text, key) in enumerate(zip(entries, texts, keys)):
            if key in seen or key in tombstones:
                continue
            seen.add(key)
            if key in rekey:
                # The same article under a new GUID: it keeps its row, and so its state.
                aid, old_hash = existing.pop(rekey[key])
                conn.execute("UPDATE articles SET key = ? WHERE id = ?", (key, aid))
                existing[key] = (aid, old_hash)
            elif key not in existing and entry.link and (other := next((
                aid for guid, title, aid in elsewhere.get(entry.link, ())
                if guid == (entry.guid or key) or title == entry.title
            ), None)) is not None:
                also.append((other, feed_id, key))
                continue  # one article in two feeds is listed once, under the first
            chash = hashes[i] if hashes else content_hash(entry)
            published = _ts(entry.published)
            updated_ts = _ts(entry.updated)
            # "is not None": a date of 1 January 1970 is a date (0.0), not a missing one.
            sort_time = next((t for t in (published, updated_ts) if t is not None), now - i * 1e-3)
            if sort_time > now + 3600:  # a date in the future: don't pin it to the top forever
                sort_time = now
            if published is None and updated_ts is None and key in existing:
                # Undated: it keeps the place it got when first seen, even when edited.
                sort_time = conn.execute(
                    "SELECT sort_time FROM articles WHERE id = ?", (existing[key][0],)
                ).fetchone()[0]
            cats = TAG_SEP.join(dict.fromkeys(c for c in entry.categories if c))
            # A feed with one text per item gives it as both summary and content; it is
            # stored once (readers take `content or summary`): a sixth of the bytes of a
            # big refresh, written twice over (WAL, then the database).
            summary = "" if entry.summary == entry.content else entry.summary
            row = (entry.guid or key, entry.link or "", entry.title, entry.author, published,
                   updated_ts, sort_time, summary, entry.content, text, cats, chash)
            if key in existing:
                aid, old_hash = existing[key]
                if old_hash == chash:
                    continue
                conn.execute(
                    "UPDATE articles SET guid=?, link=?, title=?, author=?, published=?, updated=?,"
                    " sort_time=?, summary=?, content=?, text=?, categories=?, content_hash=?"
                    " WHERE id = ?",
                    (*row, aid),
                )
                conn.execute("DELETE FROM article_tags WHERE article_id = ?", (aid,))
                updated += 1
            else:
                aid = next_id
                next_id += 1
                inserts.append((aid, *row, feed_id, key, now))
                indexed.append((aid, entry.title, text))
                new += 1
            if cats:
                tag_rows.extend((c, aid) for c in cats.split(TAG_SEP))
        if inserts:
            conn.executemany(
                "INSERT INTO articles (id, guid, link, title, author, published, updated,"
                " sort_time, summary, content, text, categories, content_hash, feed_id, key,"
                " first_seen) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                inserts,
            )
            conn.execute("INSERT OR REPLACE INTO counters (name, value) VALUES ('article_id', ?)",
                         (next_id - 1,))
        if tag_rows:  # after the rows they refer to (a foreign key)
            conn.executemany(
                "INSERT OR IGNORE INTO article_tags (tag, article_id) VALUES (?, ?)", tag_rows)
        if also:
            conn.executemany(
                "INSERT OR IGNORE INTO article_feeds (article_id, feed_id, key) VALUES (?, ?, ?)",
                also)
        if to_index is not None:
            to_index.extend(indexed)
        else:
            self.index_new(conn, indexed)
        return new, updated

    @staticmethod
    def index_new(conn: sqlite3.Connection, rows: list[tuple[int, str, str]]) -> None:
        """Add new articles, (rowid, title, text), to the search index, in the caller's
        transaction. One statement for many: FTS5 writes its pending terms to disk as a
        new segment at every commit, savepoint and release, and merges segments later,
        so indexing a whole refresh batch at once costs far less than a feed at a time."""
        if rows:
            conn.executemany("INSERT INTO articles_fts (rowid, title, text) VALUES (?, ?, ?)", rows)

    @staticmethod
    def _rekeyed(stored: list[tuple], entries: list[ParsedEntry], keys: list[str],
                 existing: dict, tombstones: set[str]) -> dict[str, str]:
        """{new key: old key} for entries whose GUID changed while they stayed the same
        article: the same link (or, without links, the same title and date) as exactly
        one stored article that this fetch no longer lists under its old key."""
        fresh = [i for i, k in enumerate(keys) if k not in existing and k not in tombstones]
        if not fresh:
            return {}
        current = set(keys)

        def idents(link: str | None, title: str, published: float | None) -> list[tuple]:
            out = [("l", link)] if link else []
            if title and published is not None:
                out.append(("t", title, published))
            return out

        gone: dict[tuple, list[str]] = {}
        for key, _, _, link, title, published in stored:
            if key not in current:
                for ident in idents(link, title, published):
                    gone.setdefault(ident, []).append(key)
        if not gone:
            return {}
        counts: dict[tuple, int] = {}
        for e in entries:
            for ident in idents(e.link, e.title, _ts(e.published)):
                counts[ident] = counts.get(ident, 0) + 1
        out: dict[str, str] = {}
        taken: set[str] = set()
        for i in fresh:
            e = entries[i]
            for ident in idents(e.link, e.title, _ts(e.published)):
                old = gone.get(ident, [])
                if len(old) == 1 and counts[ident] == 1 and old[0] not in taken:
                    out[keys[i]] = old[0]
                    taken.add(old[0])
                    break
        return out

    @staticmethod
    def _in_other_feeds(conn: sqlite3.Connection, feed_id: int,
                        entries: list[ParsedEntry]) -> dict[str, list[tuple[str, str, int]]]:
        """{link: [(guid, title, id), ...]} of the articles other feeds have under the links of
        `entries`: the same link and the same GUID or title is the same article (a link
        alone may be a site's home page)."""
        links = list(dict.fromkeys(e.link for e in entries if e.link))
        found: dict[str, list[tuple[str, str, int]]] = {}
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

    def apply_retention(self, max_per_feed: int = 0, max_age_days: float = 0) -> int:
        """Delete old articles (never starred ones), leaving tombstones. Returns how many."""
        if not max_per_feed and not max_age_days:
            return 0

        def op(conn: sqlite3.Connection) -> int:
            doomed: list[tuple[int, int, str]] = []
            if max_age_days:
                cutoff = time.time() - max_age_days * 86400
                doomed += conn.execute(
                    "SELECT id, feed_id, key FROM articles WHERE starred = 0 AND sort_time < ?",
                    (cutoff,),
                ).fetchall()
            if max_per_feed:
                doomed += conn.execute(
                    "SELECT id, feed_id, key FROM (SELECT id, feed_id, key, starred, row_number()"
                    " OVER (PARTITION BY feed_id ORDER BY sort_time DESC, id DESC) AS n"
                    " FROM articles) WHERE n > ? AND starred = 0",
                    (max_per_feed,),
                ).fetchall()
            unique = {d[0]: d for d in doomed}
            conn.executemany(
                "INSERT OR IGNORE INTO deleted_articles (feed_id, key) VALUES (?, ?)",
                [(f, k) for _, f, k in unique.values()],
            )
            conn.executemany("DELETE FROM articles WHERE id = ?", [(i,) for i in unique])
            return len(unique)

        return self.write(op)

    # -- articles: reading --------------------------------------------------------------------

    def article_ids(self, where: str = "1", params: Sequence = (), limit: int | None = None,
                    *, within: int | None = None) -> list[int]:
        """Ids in list order. With a limit (a screenful, what the TUI reads beside its
        drawing) they come back as one row of JSON (see headlines); without one, as rows.
        (The aggregate takes the rows in the subquery's order, which its LIMIT keeps from
        being flattened away; tests/core/test_search_plan.py checks that.) `within`: only
        among the newest `within` articles (the walk down the list index stops there)."""
        if within is not None:
            edge = self.execute(
                "SELECT sort_time, id FROM articles ORDER BY sort_time DESC, id DESC"
                " LIMIT 1 OFFSET ?", (max(0, within - 1),)).fetchone()
            if edge is not None:
                where, params = f"(a.sort_time, a.id) >= (?, ?) AND ({where})", [*edge, *params]
        sql = f"SELECT a.id FROM articles a WHERE {where} ORDER BY a.sort_time DESC, a.id DESC"
        if limit is None:
            return [r[0] for r in self.execute(sql, params)]
        return self._json_rows(f"SELECT json_group_array(id) FROM ({sql} LIMIT {int(limit)})",
                               params)

    def count(self, where: str = "1", params: Sequence = ()) -> int:
        return self.execute(f"SELECT count(*) FROM articles a WHERE {where}", params).fetchone()[0]

    def article_id_batches(self, where: str = "1", params: Sequence = (),
                           size: int = 10_000) -> Iterator[list[int]]:
        """article_ids() a batch at a time, from one statement (one snapshot of the data)."""
        cur = self.execute(
            f"SELECT a.id FROM articles a WHERE {where} ORDER BY a.sort_time DESC, a.id DESC",
            params,
        )
        try:
            while rows := cur.fetchmany(size):
                yield [r[0] for r in rows]
        except sqlite3.Error as exc:
            raise _wrap(exc, self.path) from exc
        finally:
            cur.close()

    # What the TUI reads while drawing or next to its drawing thread. Each row of a result
    # is a step of SQLite of its own, and Python gives up the GIL for each step: when
    # another thread of the process is busy, getting it back waits up to 5 ms a row
    # (200 ids took 1.5 s beside a busy thread). These read their rows as one row of JSON.

    def headlines(self, ids: Sequence[int]) -> list[Headline]:
        """Light rows for the given ids, in the given order: three reads of one row each
        (see above), and only the feeds of these rows (reading every feed and tag each
        time cost ~10 ms with 1,000 feeds)."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = {
            r[0]: r
            for r in self._json_rows(
                # the time as text: JSON keeps 15 digits, and it takes printf's ! for 17
                "SELECT json_group_array(json_array(id, feed_id, title, printf('%!.17g', sort_time),"
                f" read, starred, categories)) FROM articles WHERE id IN ({marks})",
                list(ids),
            )
        }
        feed_ids = sorted({r[1] for r in rows.values()})
        fmarks = ",".join("?" * len(feed_ids))
        titles = {
            fid: title or url
            for fid, title, url in self._json_rows(
                "SELECT json_group_array(json_array(id, coalesce(user_title, title), url))"
                f" FROM feeds WHERE id IN ({fmarks})",
                feed_ids,
            )
        }
        tags: dict[int, list[str]] = {}
        for fid, tag in self._json_rows(
            "SELECT json_group_array(json_array(feed_id, tag)) FROM (SELECT feed_id, tag"
            f" FROM feed_tags WHERE feed_id IN ({fmarks}) ORDER BY feed_id, lower(tag))",
            feed_ids,
        ):
            tags.setdefault(fid, []).append(tag)
        out = []
        for i in ids:
            r = rows.get(i)
            if r is None:
                continue
            feed_tags = tags.get(r[1], [])
            lowered = {t.lower() for t in feed_tags}
            cats = [c for c in _split(r[6]) if c.lower() not in lowered]
            out.append(Headline(
                id=r[0], feed_id=r[1], feed_title=titles.get(r[1], ""), title=r[2],
                published=_dt(float(r[3])), read=bool(r[4]), starred=bool(r[5]),
                tags=feed_tags + cats,
            ))
        return out

    def _json_rows(self, sql: str, params: Sequence) -> list:
        return json.loads(self.execute(sql, params).fetchone()[0])

    def article(self, article_id: int) -> Article:
        r = self.execute(
            "SELECT a.id, a.feed_id, coalesce(f.user_title, nullif(f.title, ''), f.url), a.guid, a.link, a.title,"
            " a.author, a.published, a.updated, a.summary, a.content, a.categories, a.read,"
            " a.starred, a.first_seen, a.sort_time"
            " FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id = ?",
            (article_id,),
        ).fetchone()
        if r is None:
            raise ArticleNotFound(f"no article with id {article_id}")
        feed_tags = [t for (t,) in self.execute("SELECT tag FROM feed_tags WHERE feed_id = ? ORDER BY lower(tag)", (r[1],))]
        return Article(
            id=r[0], feed_id=r[1], feed_title=r[2], guid=r[3], link=r[4], title=r[5], author=r[6],
            published=_dt(r[7]) or _dt(r[15]), updated=_dt(r[8]), summary=r[9], content=r[10],
            categories=_split(r[11]), feed_tags=feed_tags, read=bool(r[12]), starred=bool(r[13]),
            first_seen=_dt(r[14]),
        )

    def articles(self, ids: Sequence[int]) -> list[Article]:
        return [self.article(i) for i in ids]

    def existing_ids(self, ids: Sequence[int]) -> set[int]:
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        return {r[0] for r in self.execute(f"SELECT id FROM articles WHERE id IN ({marks})", list(ids))}

    def set_flag(self, ids: Sequence[int], flag: str, value: bool) -> int:
        assert flag in ("read", "starred")
        ids = list(ids)

        def op(conn: sqlite3.Connection) -> int:
            n = 0
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                n += conn.execute(
                    f"UPDATE articles SET {flag} = ? WHERE id IN ({marks}) AND {flag} != ?",
                    (int(value), *chunk, int(value)),
                ).rowcount
            return n

        return self.write(op)

    def mark_read_where(self, where: str, params: Sequence = ()) -> list[int]:
        """Mark every unread article matching the filter read; return their ids (for undo)."""

        def op(conn: sqlite3.Connection) -> list[int]:
            ids = [r[0] for r in conn.execute(
                f"SELECT a.id FROM articles a WHERE ({where}) AND a.read = 0", params)]
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                conn.execute(f"UPDATE articles SET read = 1 WHERE id IN ({marks})", chunk)
            return ids

        return self.write(op)

    # -- saved filters -----------------------------------------------------------------------

    def saved_filters(self) -> dict[str, str]:
        return dict(self.execute("SELECT name, query FROM saved_filters ORDER BY name").fetchall())

    def save_filter(self, name: str, query: str) -> None:
        self.write(lambda c: c.execute(
            "INSERT INTO saved_filters (name, query) VALUES (?, ?)"
            " ON CONFLICT(name) DO UPDATE SET query = excluded.query", (name, query)))

    def delete_filter(self, name: str) -> bool:
        return self.write(
            lambda c: c.execute("DELETE FROM saved_filters WHERE name = ?", (name,)).rowcount > 0)

    def all_tags(self) -> list[str]:
        """Feed tags, case-insensitively unique, sorted."""
        return [t for (t,) in self.execute(
            "SELECT tag FROM feed_tags GROUP BY tag COLLATE NOCASE ORDER BY lower(tag)")]


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (triggers contain ';' inside BEGIN...END)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
