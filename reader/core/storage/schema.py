"""The database's tables and indexes: forward migrations, one per schema version.

A database records its version in PRAGMA user_version; opening one migrates it
forward, each step in a transaction of its own. A database written by a newer reader
is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3

from ..errors import StorageError

SCHEMA_VERSION = 10

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
    # 6 -> 7: room for the whole story and for living in it.
    # - Per-feed settings (`reader feed-set`); NULL means "as the config says".
    #   full_text: 'always' | 'auto' | 'never'; refresh_every: seconds, or -1 for auto;
    #   keep: the newest N articles (starred ones are never deleted); user_agent.
    # - feeds.last_ok: the last fetch that worked (the feeds view shows it beside a failure).
    # - full_articles: the article's own page, extracted (status 'ok' | 'error' |
    #   'empty'), fetched once and kept; a failure is remembered with its next try.
    # - enclosures: podcasts and other attachments of an article.
    # - last_mark_all_read: the articles the last mark-all-read flipped, so that
    #   `reader undo` (and the TUI's u) can give them back, across processes.
    # - folded: tags as tags.fold() gives them, so names match in any script through an
    #   index (NOCASE folds ASCII only). fold() is registered on every connection (db.py).
    """
    ALTER TABLE feeds ADD COLUMN full_text TEXT;
    ALTER TABLE feeds ADD COLUMN refresh_every REAL;
    ALTER TABLE feeds ADD COLUMN keep INTEGER;
    ALTER TABLE feeds ADD COLUMN user_agent TEXT;
    ALTER TABLE feeds ADD COLUMN last_ok REAL;
    UPDATE feeds SET last_ok = last_fetched WHERE last_status IN ('ok', 'not_modified');
    CREATE TABLE IF NOT EXISTS full_articles (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        url TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        fetched REAL NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        html TEXT NOT NULL DEFAULT '',
        error TEXT,
        tries INTEGER NOT NULL DEFAULT 0,
        next_try REAL
    );
    CREATE INDEX IF NOT EXISTS full_articles_retry ON full_articles(next_try)
        WHERE status != 'ok';
    CREATE TABLE IF NOT EXISTS enclosures (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        type TEXT NOT NULL DEFAULT '',
        length INTEGER,
        PRIMARY KEY (article_id, url)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS last_mark_all_read (article_id INTEGER PRIMARY KEY);
    ALTER TABLE article_tags ADD COLUMN folded TEXT NOT NULL DEFAULT '';
    UPDATE article_tags SET folded = fold(tag);
    CREATE INDEX IF NOT EXISTS article_tags_folded ON article_tags(folded, article_id);
    ALTER TABLE feed_tags ADD COLUMN folded TEXT NOT NULL DEFAULT '';
    UPDATE feed_tags SET folded = fold(tag);
    CREATE INDEX IF NOT EXISTS feed_tags_folded ON feed_tags(folded);
    """,
    # 7 -> 8: sync with a server (issue 12), and validators for full articles' pages.
    # - feeds.remote_id / articles.remote_id: the server's id of a synced feed or entry
    #   (NULL: a local feed, fetched from its site as always).
    # - sync_queue: every local change to a synced article or feed, written in the same
    #   transaction as the change, until the server has it. One row per (kind, target):
    #   a newer change to the same thing replaces the older (a new seq), so a push that
    #   started before it never deletes it.
    # - sync_state: small key/value facts of the last sync (cursors, last success/error).
    # - full_articles.etag / last_modified: a page fetched again asks conditionally.
    """
    ALTER TABLE feeds ADD COLUMN remote_id TEXT;
    CREATE UNIQUE INDEX IF NOT EXISTS feeds_remote ON feeds(remote_id)
        WHERE remote_id IS NOT NULL;
    ALTER TABLE articles ADD COLUMN remote_id TEXT;
    CREATE UNIQUE INDEX IF NOT EXISTS articles_remote ON articles(remote_id)
        WHERE remote_id IS NOT NULL;
    CREATE TABLE IF NOT EXISTS sync_queue (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        value TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL,
        tries INTEGER NOT NULL DEFAULT 0,
        next_try REAL,
        error TEXT,
        UNIQUE (kind, target)
    );
    CREATE TABLE IF NOT EXISTS sync_state (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
    ALTER TABLE full_articles ADD COLUMN etag TEXT;
    ALTER TABLE full_articles ADD COLUMN last_modified TEXT;
    """,
    # 9: articles.shared is Tiny Tiny RSS's "published" mark (the article is in the
    #   user's public feed there), synced both ways like starred. Not named "published":
    #   that column is the article's date.
    """
    ALTER TABLE articles ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;
    """,
    # 10: headlines first, the search index after (issue 13). A refresh commits the
    #   article rows only; the indexer (storage/indexer.py) extracts their plain text and
    #   indexes it afterwards, in batches of its own.
    # - article_text: what articles_fts indexes, (title, text) as they were indexed,
    #   written by the indexer alone (articles.text was written with every headline; the
    #   FTS5 here, 3.40, has no contentless_delete, so a deletion needs these values).
    # - counters 'indexed_id': the watermark: every article up to it is indexed (new ids
    #   only grow); index_queue: indexed articles whose text changed since (an edit, a
    #   full article's page), indexed again. Search finds the rest by a fallback.
    # - an article deleted takes its indexed text, and that its index entry, with it.
    # - articles_fts reads article_text from now on: its index is kept as it is (the
    #   same values), see _fts_reads_article_text; rebuilding it took 31 s at 100k.
    """
    DROP TRIGGER IF EXISTS articles_fts_ad;
    DROP TRIGGER IF EXISTS articles_fts_au;
    CREATE TABLE IF NOT EXISTS article_text (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL DEFAULT ''
    );
    INSERT INTO article_text (id, title, text) SELECT id, title, text FROM articles;
    ALTER TABLE articles DROP COLUMN text;
    CREATE TABLE IF NOT EXISTS index_queue (article_id INTEGER PRIMARY KEY);
    INSERT OR REPLACE INTO counters (name, value)
        SELECT 'indexed_id', max(coalesce((SELECT max(id) FROM articles), 0),
                                 coalesce((SELECT value FROM counters WHERE name = 'article_id'), 0));
    CREATE TRIGGER IF NOT EXISTS articles_text_ad AFTER DELETE ON articles BEGIN
        DELETE FROM article_text WHERE id = old.id;
        DELETE FROM index_queue WHERE article_id = old.id;
    END;
    CREATE TRIGGER IF NOT EXISTS article_text_ad AFTER DELETE ON article_text BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END;
    """,
]


_FTS_ON_ARTICLE_TEXT = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='article_text',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
)


def _fts_reads_article_text(conn: sqlite3.Connection) -> None:
    """Schema 10's index reads its content from article_text, which holds exactly what
    articles.text held: the index itself does not change, only the table it names.
    SQLite's documented way to change a schema without changing what is on disk
    (sqlite.org/lang_altertable.html, "otheralter"): the schema text, then the schema
    cookie one up so that every connection reads it again, in this transaction."""
    cookie = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table'"
                     " AND name = 'articles_fts'", (_FTS_ON_ARTICLE_TEXT,))
        conn.execute(f"PRAGMA schema_version = {int(cookie) + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")


# Steps in Python after a migration's SQL, by the version it starts from.
_AFTER_SQL = {9: _fts_reads_article_text}


def migrate(conn: sqlite3.Connection, path: str) -> None:
    """Bring the database at `conn` (named `path` in errors) to SCHEMA_VERSION."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"{path} was written by a newer reader (schema {version}); upgrade reader"
        )
    while version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < SCHEMA_VERSION:
                for stmt in _statements(MIGRATIONS[version]):
                    conn.execute(stmt)
                if version in _AFTER_SQL:
                    _AFTER_SQL[version](conn)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


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
