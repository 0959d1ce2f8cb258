"""The connection to the database: opening, pragmas, transactions, errors.

One database file, WAL mode, so a reader (the TUI) never waits on a writer (a
`reader refresh` in another shell) and a writer waits on busy with a timeout
instead of failing. Each thread gets its own connection.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from ..errors import StorageError
from ..tags import fold
from .schema import migrate

BUSY_TIMEOUT_S = 15.0
READ_CACHE_KB = 4_000  # SQLite page cache of a connection that only reads
# ... and of one that has written: a refresh of 30 feeds x 1,000 items took the same CPU
# with 8 MB as with 32 MB, 26 MB less resident (the pages it misses come from the OS's
# cache of the file).
WRITE_CACHE_KB = 8_000
# Between an article's categories in articles.categories: the unit separator, which
# cannot occur in sanitized feed text. ingest/identity.py joins them with the same.
TAG_SEP = "\x1f"
# The counters row that every write which may change a view bumps (Database.write), and
# a page or index write does not (write_aside): the TUI's poll reloads its view only
# when this moved. A row, not a migration: it is made by the first write.
VIEW_CHANGES = "view_changes"
_BUMP_VIEW_CHANGES = (
    f"INSERT INTO counters (name, value) VALUES ('{VIEW_CHANGES}', 1)"
    " ON CONFLICT (name) DO UPDATE SET value = value + 1"
)


def to_ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def to_dt(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def split_tags(value: str) -> list[str]:
    return value.split(TAG_SEP) if value else []


def _fold_sql(value: object) -> object:
    return fold(value) if isinstance(value, str) else value


def wrap_error(exc: sqlite3.Error, path: str) -> StorageError:
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


class Database:
    """Connections to one database file, each thread its own; the base of Store."""

    def __init__(self, path: str | Path = ":memory:", create: bool = True) -> None:
        """`create`: make the database (and its folder) if there is none; else a missing
        file is a StorageError (a command that only reads, given a wrong path, must not
        answer from a new empty database, nor leave one behind)."""
        self.path = str(path)
        self._local = threading.local()
        self._shared: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._own_view_changes = 0  # writes that bumped VIEW_CHANGES through this object
        self._temp_store = "MEMORY"  # FILE once capped (limit_memory): each new connection's
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
            migrate(self.conn, self.path)
        except sqlite3.Error as exc:
            raise wrap_error(exc, self.path) from exc

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
            # tags.fold in SQL: the migration that fills the folded columns uses it, and so
            # can a query on a few rows (feed titles); big tables keep a folded column.
            conn.create_function("fold", 1, _fold_sql, deterministic=True)
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
            conn.execute(f"PRAGMA temp_store = {self._temp_store}")
        except sqlite3.Error as exc:
            raise wrap_error(exc, self.path) from exc
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

    def execute(self, sql: str, params: Sequence | dict = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise wrap_error(exc, self.path) from exc

    def write(self, fn, *args, **kwargs):
        """Run fn(conn, ...) in one IMMEDIATE transaction (waits on busy, then all or nothing).
        It counts as a change of what views list (view_changes)."""
        return self._transaction(True, fn, args, kwargs)

    def write_aside(self, fn, *args, **kwargs):
        """As write, for a write that changes no headline, flag or feed (a full article's
        page, the search index): the TUI's view is not read again for it."""
        return self._transaction(False, fn, args, kwargs)

    def view_changes_elsewhere(self) -> int:
        """How many writes (write, not write_aside) others committed: every process's,
        counted in the database, less this object's own. With data_version, what tells a
        TUI that its view is out of date (its own writes it shows as it makes them)."""
        row = self.execute(f"SELECT value FROM counters WHERE name = '{VIEW_CHANGES}'").fetchone()
        return (row[0] if row else 0) - self._own_view_changes

    def _transaction(self, views: bool, fn, args, kwargs):
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
                    if views:  # (in the write's own transaction: a kill -9 loses both or neither)
                        conn.execute(_BUMP_VIEW_CHANGES)
                    conn.execute("COMMIT")
                    self._own_view_changes += views
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise wrap_error(exc, self.path) from exc
        return result

    def data_version(self) -> int:
        """Changes whenever another connection commits: the TUI polls it to see outside writes."""
        return self.execute("PRAGMA data_version").fetchone()[0]

    def integrity_check(self) -> str:
        return self.execute("PRAGMA integrity_check").fetchone()[0]

    def limit_memory(self, limit_bytes: int, hard_bytes: int | None = None) -> int:
        """Cap what SQLite holds in this process (the page caches of every connection, all
        threads): past it, a connection reuses its cached pages rather than adding more. A
        soft limit: no query fails for it. Returns the limit now in force.

        `hard_bytes`: past it an allocation fails (Python's MemoryError; search.py makes
        that a QueryError): a search word of one or two letters, matched as a prefix,
        made FTS5 gather the positions of every word it starts, 170-360 MB at a million
        articles; a cap for the process, where a soft limit cannot bound that. Temporary
        data then goes to files (the system's cache, not the process): a statement's
        journal of what one UPDATE changed was in memory, ~300 MB for undoing a mark of
        83,000 articles (connections other threads opened before this keep memory: the
        TUI caps first thing, on the thread that writes, and only writes make journals)."""
        if hard_bytes is not None:
            self._temp_store = "FILE"
            self.execute("PRAGMA temp_store = FILE")
            self.execute(f"PRAGMA hard_heap_limit = {int(hard_bytes)}").fetchone()
        return self.execute(f"PRAGMA soft_heap_limit = {int(limit_bytes)}").fetchone()[0]

    def _json_rows(self, sql: str, params: Sequence) -> list:
        return json.loads(self.execute(sql, params).fetchone()[0])

