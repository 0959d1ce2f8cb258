"""Storage against in-memory SQLite (and a file where two connections matter)."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from reader.core.errors import StorageError
from reader.core.models import ParsedEntry
from reader.core.storage.store import SCHEMA_VERSION, Store


def entry(guid=None, link=None, title="t", content="body", published=None, cats=()):
    return ParsedEntry(guid=guid, link=link, title=title, author="a", published=published,
                       updated=None, summary="", content=content, categories=list(cats))


def merge(store, feed_id, entries, now=None):
    return store.write(lambda c: store.merge_entries(c, feed_id, entries,
                                                     [e.content for e in entries], now))


@pytest.fixture
def store():
    s = Store(":memory:")
    yield s
    s.close()


def test_schema_versioned_and_pragmas(tmp_path):
    s = Store(tmp_path / "x.db")
    assert s.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert s.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert s.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    s.close()
    # Reopening does not migrate again or lose anything.
    s2 = Store(tmp_path / "x.db")
    assert s2.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_schema_refused(tmp_path):
    p = tmp_path / "x.db"
    conn = sqlite3.connect(p)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StorageError, match="newer"):
        Store(p)


def test_corrupt_database_message_and_untouched(tmp_path):
    p = tmp_path / "bad.db"
    junk = b"this is not sqlite at all\n" * 200
    p.write_bytes(junk)
    with pytest.raises(StorageError, match="not a usable reader database.*mv"):
        Store(p)
    assert p.read_bytes() == junk


def test_merge_new_update_and_keep_state(store):
    fid = store.add_feed("http://x/feed", title="X", tags=["news"])
    assert merge(store, fid, [entry(guid="1", title="one"), entry(guid="2", title="two")]) == (2, 0)
    ids = store.article_ids()
    assert len(ids) == 2
    one = [i for i in ids if store.article(i).guid == "1"][0]
    store.set_flag([one], "read", True)
    store.set_flag([one], "starred", True)
    # Same content again: nothing new, nothing updated.
    assert merge(store, fid, [entry(guid="1", title="one"), entry(guid="2", title="two")]) == (0, 0)
    # Changed content: updated in place, read and star kept, same id.
    assert merge(store, fid, [entry(guid="1", title="one (fixed)", content="new body")]) == (0, 1)
    a = store.article(one)
    assert (a.title, a.content, a.read, a.starred) == ("one (fixed)", "new body", True, True)
    assert store.count() == 2


def test_one_text_given_as_summary_and_content_is_stored_once(store):
    fid = store.add_feed("http://x/feed")
    both = entry(guid="1", content="<p>the one text</p>")
    both.summary = "<p>the one text</p>"
    apart = entry(guid="2", content="<p>the whole article</p>")
    apart.summary = "a teaser"
    merge(store, fid, [both, apart])
    rows = dict(store.execute("SELECT guid, summary FROM articles").fetchall())
    assert rows == {"1": "", "2": "a teaser"}
    one, two = sorted(store.article_ids(), key=lambda i: store.article(i).guid)
    assert store.article(one).content == "<p>the one text</p>"
    assert (store.article(two).summary, store.article(two).content) == (
        "a teaser", "<p>the whole article</p>")
    # Seen again unchanged: no update (the content hash is of what the feed gave).
    assert merge(store, fid, [both, apart]) == (0, 0)


def test_duplicate_guids_in_one_fetch_stored_once(store):
    fid = store.add_feed("http://x/feed")
    assert merge(store, fid, [entry(guid="1"), entry(guid="1", title="again")]) == (1, 0)


def test_same_article_in_two_feeds_stored_per_feed(store):
    a = store.add_feed("http://a/feed")
    b = store.add_feed("http://b/feed")
    merge(store, a, [entry(guid="same")])
    merge(store, b, [entry(guid="same")])
    assert store.count() == 2


def test_future_dates_do_not_pin_to_top(store):
    fid = store.add_feed("http://x/feed")
    now = time.time()
    merge(store, fid, [entry(guid="future", published=datetime.now(UTC) + timedelta(days=400)),
                       entry(guid="recent", published=datetime.now(UTC) - timedelta(minutes=5))],
          now=now)
    first = store.article(store.article_ids()[0])
    row = store.execute("SELECT max(sort_time) FROM articles").fetchone()[0]
    assert row <= now + 1
    assert first.guid in ("future", "recent")


def test_fts_index_follows_insert_update_delete(store):
    fid = store.add_feed("http://x/feed")
    merge(store, fid, [entry(guid="1", title="Zebra crossing", content="stripes")])
    match = "a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
    assert store.count(match, ['"zebra"']) == 0  # the headline first, the index after
    assert store.update_index() == 1
    assert store.count(match, ['"zebra"']) == 1
    merge(store, fid, [entry(guid="1", title="Giraffe", content="stripes")])
    assert store.index_pending() == 1 and store.update_index() == 1
    assert store.count(match, ['"zebra"']) == 0
    assert store.count(match, ['"giraffe"']) == 1
    store.remove_feed(fid)
    assert store.count(match, ['"giraffe"']) == 0
    assert store.execute("SELECT count(*) FROM articles").fetchone()[0] == 0


def test_retention_cap_keeps_starred_and_leaves_tombstones(store):
    fid = store.add_feed("http://x/feed")
    base = datetime(2026, 1, 1, tzinfo=UTC)
    entries = [entry(guid=str(i), published=base + timedelta(days=i)) for i in range(10)]
    merge(store, fid, entries)
    oldest = [i for i in store.article_ids() if store.article(i).guid == "0"][0]
    store.set_flag([oldest], "starred", True)
    deleted = store.apply_retention(max_per_feed=3)
    assert deleted == 6  # 10 - 3 newest - 1 starred
    assert store.count() == 4
    assert store.article(oldest).starred
    # The deleted ones do not come back as new on the next refresh.
    assert merge(store, fid, entries) == (0, 0)
    assert store.count() == 4


def test_retention_by_age_and_off_by_default(store):
    fid = store.add_feed("http://x/feed")
    old = datetime.now(UTC) - timedelta(days=100)
    merge(store, fid, [entry(guid="old", published=old), entry(guid="new", published=datetime.now(UTC))])
    assert store.apply_retention() == 0
    assert store.apply_retention(max_age_days=30) == 1
    assert [store.article(i).guid for i in store.article_ids()] == ["new"]


def test_categories_are_tags_and_headlines(store):
    fid = store.add_feed("http://x/feed", title="X", tags=["News"])
    merge(store, fid, [entry(guid="1", cats=["Science", "news"])])
    (h,) = store.headlines(store.article_ids())
    assert h.tags == ["News", "Science"]
    assert h.feed_title == "X"
    assert store.all_tags() == ["News"]


def test_feed_counts_and_totals(store):
    fid = store.add_feed("http://x/feed")
    merge(store, fid, [entry(guid=str(i)) for i in range(5)])
    store.set_flag(store.article_ids()[:2], "read", True)
    assert store.feed_counts() == {fid: (3, 5)}
    assert store.totals() == {"total": 5, "unread": 3, "starred": 0}
    (feed,) = store.feeds()
    assert (feed.unread, feed.total) == (3, 5)


def test_mark_read_where_returns_ids_for_undo(store):
    fid = store.add_feed("http://x/feed")
    merge(store, fid, [entry(guid=str(i)) for i in range(4)])
    store.set_flag(store.article_ids()[:1], "read", True)
    ids = store.mark_read_where("1")
    assert len(ids) == 3
    assert store.totals()["unread"] == 0
    store.set_flag(ids, "read", False)
    assert store.totals()["unread"] == 3


def test_reader_not_blocked_by_writer_and_writer_waits(tmp_path):
    path = tmp_path / "x.db"
    s1, s2 = Store(path), Store(path)
    fid = s1.add_feed("http://x/feed")
    merge(s1, fid, [entry(guid="1")])
    conn = s1.conn
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE articles SET title = 'changed'")
    # A reader in another connection is not blocked by the open write transaction.
    assert s2.count() == 1
    assert s2.article(s2.article_ids()[0]).title == "t"
    # A second writer waits (busy timeout) until the first commits, instead of failing.
    done = threading.Event()

    def second_writer():
        s2.set_flag(s2.article_ids(), "read", True)
        done.set()

    t = threading.Thread(target=second_writer)
    t.start()
    time.sleep(0.3)
    assert not done.is_set()
    conn.execute("COMMIT")
    t.join(5)
    assert done.is_set()
    assert s1.article(s1.article_ids()[0]).read


def test_data_version_sees_other_connection(tmp_path):
    path = tmp_path / "x.db"
    s1, s2 = Store(path), Store(path)
    v = s1.data_version()
    s2.add_feed("http://x/feed")
    assert s1.data_version() != v


def test_saved_filters(store):
    store.save_filter("tech", "+tech is:unread")
    store.save_filter("tech", "+tech")
    assert store.saved_filters() == {"tech": "+tech"}
    assert store.delete_filter("tech")
    assert not store.delete_filter("tech")


def test_close_leaves_the_database_file_whole(tmp_path):
    """Closing moves the write-ahead log into the database file and empties it, though
    another thread's connection is still open (the TUI's readers are at its exit): a copy
    of the file alone, as a backup, has every change."""
    import shutil

    path = tmp_path / "r.db"
    s = Store(path)
    fid = s.add_feed("http://127.0.0.1:9/f.xml")
    merge(s, fid, [entry(guid=f"g{i}", content="x" * 2000) for i in range(50)])
    other = threading.Thread(target=lambda: s.conn.execute("SELECT count(*) FROM articles").fetchone())
    other.start()
    other.join()  # (its connection stays open)
    assert (tmp_path / "r.db-wal").stat().st_size > 0
    s.close()
    assert (tmp_path / "r.db-wal").stat().st_size == 0
    shutil.copy(path, tmp_path / "copy.db")
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("SELECT count(*) FROM articles").fetchone()[0] == 50
    copy.close()


def test_close_does_not_wait_for_a_writer(tmp_path):
    """Another process writing (a cron refresh) does not hold up closing: the log is then
    left for the next open to replay."""
    path = tmp_path / "r.db"
    s = Store(path)
    s.add_feed("http://127.0.0.1:9/f.xml")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO feeds (url, added) VALUES ('http://127.0.0.1:9/g.xml', 0)")
    started = time.monotonic()
    s.close()
    assert time.monotonic() - started < 1
    writer.execute("COMMIT")
    writer.close()
    assert Store(path).conn.execute("SELECT count(*) FROM feeds").fetchone()[0] == 2


def test_article_ids_are_not_given_again(tmp_path):
    """After the articles with the highest ids are gone (their feed removed), new articles
    get new ids: a script holding old ids must not reach other articles with them."""
    s = Store(tmp_path / "r.db")
    a = s.add_feed("http://127.0.0.1:9/a.xml")
    merge(s, a, [entry(guid=f"a{i}") for i in range(3)])
    old = {r[0] for r in s.conn.execute("SELECT id FROM articles")}
    s.remove_feed(a)
    b = s.add_feed("http://127.0.0.1:9/b.xml")
    merge(s, b, [entry(guid=f"b{i}") for i in range(3)])
    new = {r[0] for r in s.conn.execute("SELECT id FROM articles")}
    assert new and not new & old
    s.close()
    # ... across a reopen too
    s = Store(tmp_path / "r.db")
    s.remove_feed(b)
    c = s.add_feed("http://127.0.0.1:9/c.xml")
    merge(s, c, [entry(guid="c")])
    assert min(r[0] for r in s.conn.execute("SELECT id FROM articles")) > max(new)
