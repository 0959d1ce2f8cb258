"""The refresh's writer: many rows in few statements, every value stored as it came."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest

from reader.core.library import Library
from reader.core.models import Enclosure, FetchResult, ParsedEntry, ParsedFeed
from reader.core.storage.updates import ROWS_PER_STATEMENT, STATEMENT_ROWS

N = ROWS_PER_STATEMENT * 2 + 37  # full statements and a shorter last one


def entries(n: int = N, site: str = "news") -> list[ParsedEntry]:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        out.append(ParsedEntry(
            guid=f"urn:uk:{i}", link=f"https://{site}.example.ua/{i}",
            title=f"Новина {i}: ニュース {i}", author="Олена Коваль",
            published=start - timedelta(minutes=i), updated=None,
            summary=f"<p>Київ, день {i}. Тревога: «нуль» — ok</p>",
            content=f"<p>Київ, день {i}. Тревога: «нуль» — ok</p>",
            categories=["Україна", f"тег{i % 5}"] if i % 3 else [],
            enclosures=[Enclosure(f"https://cdn.example.ua/{i}.mp3", "audio/mpeg", 1000 + i)]
            if i % 4 == 0 else [],
        ))
    return out


@pytest.fixture
def lib(tmp_path):
    lib = Library(tmp_path / "w.db")
    yield lib
    lib.close()


def store(lib: Library, parsed: list[ParsedEntry]) -> list[str]:
    """Store a new feed's fetch; the SQL statements SQLite ran for it."""
    feeds = len(lib.store.feeds())
    feed = lib.store.feed(lib.store.add_feed(f"https://news.example.ua/rss{feeds}"))
    ran: list[str] = []
    lib.store.conn.set_trace_callback(ran.append)
    try:
        result = FetchResult(feed.id, feed.url, "ok",
                             parsed=ParsedFeed("Новини", "https://news.example.ua", parsed))
        (new,) = lib._refresher().store_results([(feed, result)], started=time.time())
    finally:
        lib.store.conn.set_trace_callback(None)
    assert new == len(parsed)
    return ran


def test_new_articles_are_inserted_a_few_hundred_rows_a_statement(lib):
    """An executemany runs its statement once a row, and Python's sqlite3 gives up the
    GIL around each run: beside a busy fetch loop the writer waited for it once a row."""
    ran = store(lib, entries())
    inserts = [s for s in ran if s.startswith("INSERT INTO articles ")]
    assert len(inserts) <= N // ROWS_PER_STATEMENT + 3 * (len(STATEMENT_ROWS) - 1)
    tags = [s for s in ran if s.startswith("INSERT OR IGNORE INTO article_tags")]
    assert 1 <= len(tags) <= 2 * N // ROWS_PER_STATEMENT + 3 * (len(STATEMENT_ROWS) - 1)
    assert 1 <= len([s for s in ran if "INTO enclosures" in s]) <= N // 4 // 64 + 3 * 3


def test_feeds_of_any_length_share_a_few_prepared_statements(lib):
    """Each prepared statement stays in the connection's cache (one of 256 rows is
    ~0.3 MB): feeds of every length must not each make one of their own."""
    ran = []
    for n in range(1, 300, 7):
        ran += store(lib, entries(n, site=f"site{n}"))
    # (the trace shows each statement with its values: count its rows by their keys)
    sizes = {s.count("'g:urn:uk:") for s in ran if s.startswith("INSERT INTO articles ")}
    assert sizes == set(STATEMENT_ROWS)


def test_every_row_is_stored_as_it_came(lib):
    parsed = entries()
    store(lib, parsed)
    rows = lib.store.conn.execute(
        "SELECT guid, link, title, author, content FROM articles ORDER BY id").fetchall()
    assert rows == [(e.guid, e.link, e.title, e.author, e.content) for e in parsed]
    tags = lib.store.conn.execute(
        "SELECT a.guid, t.tag FROM article_tags t JOIN articles a ON a.id = t.article_id"
        " ORDER BY a.id, t.tag").fetchall()
    assert tags == sorted(((e.guid, c) for e in parsed for c in e.categories),
                          key=lambda r: (int(r[0].rsplit(":", 1)[1]), r[1]))
    enclosures = lib.store.conn.execute(
        "SELECT a.guid, x.url, x.type, x.length FROM enclosures x"
        " JOIN articles a ON a.id = x.article_id ORDER BY a.id").fetchall()
    assert enclosures == [(e.guid, x.url, x.type, x.length) for e in parsed for x in e.enclosures]
    ids = [r[0] for r in lib.store.conn.execute("SELECT id FROM articles ORDER BY id")]
    assert ids == list(range(ids[0], ids[0] + N))  # ids given in order, none skipped


def test_an_older_sqlite_with_fewer_variables_gets_smaller_statements(lib):
    """SQLite before 3.32 allows 999 variables a statement: 256 rows of 15 would fail."""
    lib.store.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    parsed = entries()
    ran = store(lib, parsed)
    sizes = {s.count("'g:urn:uk:") for s in ran if s.startswith("INSERT INTO articles ")}
    assert max(sizes) == 64  # 64 rows x 15 values = 960
    count = lib.store.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert count == len(parsed)
