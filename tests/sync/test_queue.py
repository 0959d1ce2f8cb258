"""The offline queue (storage/sync.py): every write path of a synced thing queues its
change in the same transaction, a newer change replaces an older one, and local feeds
and articles queue nothing. No server: the rows themselves are checked."""

from __future__ import annotations

import json
import sqlite3

import pytest

from reader.core.config import Config
from reader.core.library import Library
from reader.core.models import ParsedEntry
from reader.core.storage import sync as q


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "r.db", Config(sync={"service": "miniflux",
                                                     "url": "http://127.0.0.1:9"}))
    yield library
    library.close()


@pytest.fixture
def synced(lib):
    """Two synced feeds (remote ids f1, f2) with synced articles e1..e3, and a local
    feed with a local article, as a sync leaves them."""
    s = lib.store
    f1 = q.insert_remote_feed(s, "f1", "https://pravda.example.ua/rss", "Правда", "", ["Новини"])
    f2 = q.insert_remote_feed(s, "f2", "https://nhk.example.jp/rss", "NHK", "", [])
    local = s.add_feed("https://local.example.org/rss", "Local")

    def add(feed_id, guid, title, remote_id):
        add_articles(s, feed_id, [(guid, title, remote_id)])
        return s.execute("SELECT id FROM articles WHERE guid = ?", (guid,)).fetchone()[0]

    ids = {"e1": add(f1, "a", "Київ", "e1"), "e2": add(f1, "b", "Львів", "e2"),
           "e3": add(f2, "c", "東京", "e3"), "local": add(local, "d", "Local", None)}
    return {"f1": f1, "f2": f2, "local_feed": local, **ids}


def add_articles(store, feed_id, items):
    """Articles by the refresh's own path (identity, index), then their remote ids."""
    entries = [ParsedEntry(guid, None, title, "", None, None, "", title) for guid, title, _ in items]
    store.write(lambda c: store.merge_entries(c, feed_id, entries, [t for _, t, _ in items]))
    store.write(lambda c: c.executemany(
        "UPDATE articles SET remote_id = ? WHERE feed_id = ? AND key = ?",
        [(rid, feed_id, "g:" + guid) for guid, _, rid in items if rid]))


def rows(lib):
    return [(k, t, v) for _, k, t, v, _ in
            lib.store.execute("SELECT seq, kind, target, value, tries FROM sync_queue ORDER BY seq")]


def test_read_and_star_queue_synced_articles_only(lib, synced):
    lib.set_read([synced["e1"], synced["local"]])
    lib.set_starred([synced["e3"]])
    assert rows(lib) == [("read", "e1", "1"), ("starred", "e3", "1")]


def test_nothing_changed_nothing_queued(lib, synced):
    lib.set_read([synced["e1"]], False)  # unread already
    assert rows(lib) == []


def test_a_newer_change_replaces_the_older_with_a_new_seq(lib, synced):
    lib.set_read([synced["e1"]])
    first = q.due_changes(lib.store, 1e12)[0].seq
    lib.set_read([synced["e1"]], False)
    (change,) = q.due_changes(lib.store, 1e12)
    assert (change.kind, change.target, change.value) == ("read", "e1", "0")
    assert change.seq > first


def test_mark_all_read_and_its_undo_queue_each_synced_article(lib, synced):
    lib.mark_all_read("")
    assert sorted(rows(lib)) == [("read", "e1", "1"), ("read", "e2", "1"), ("read", "e3", "1")]
    assert lib.undo_mark_all_read() == 4
    assert sorted(rows(lib)) == [("read", "e1", "0"), ("read", "e2", "0"), ("read", "e3", "0")]


def test_mark_all_read_of_ten_thousand_is_set_based(lib, synced):
    s = lib.store
    add_articles(s, synced["f2"], [(f"k{i}", f"новина {i}", f"r{i}") for i in range(10_000)])
    assert len(lib.mark_all_read("feedid:%d" % synced["f2"])) == 10_001
    assert q.pending_count(s) == 10_001


def test_tag_and_untag_of_a_synced_feed_queue_its_categories(lib, synced):
    lib.tag_feed(synced["f1"], ["Україна"])
    assert rows(lib) == [("categories", "f1", json.dumps(["Новини", "Україна"],
                                                         ensure_ascii=False))]
    lib.untag_feed(synced["f1"], ["новини"])
    assert rows(lib) == [("categories", "f1", '["Україна"]')]
    lib.tag_feed(synced["local_feed"], ["x"])
    lib.tag_feed(synced["f1"], ["україна"])  # (already has it: nothing changes)
    assert len(rows(lib)) == 1


def test_subscribe_is_queued_when_sync_is_configured(lib, synced):
    feed, created = lib.subscribe("https://new.example.org/feed", "Нова", tags=["Мої"])
    assert created and rows(lib) == [("subscribe", "https://new.example.org/feed",
                                      json.dumps({"title": "Нова", "category": "Мої"},
                                                 ensure_ascii=False))]
    lib.subscribe("https://only-here.example.org/feed", local=True)
    assert len(rows(lib)) == 1
    # a tag change before the push rides along with the subscribe
    lib.untag_feed(feed.id, ["мої"])
    assert json.loads(rows(lib)[0][2]) == {"title": "Нова", "category": None}


def test_import_queues_a_subscribe_for_each_feed(lib):
    report = lib.import_subscriptions(
        b'<opml version="2.0"><body><outline type="rss" xmlUrl="https://a.example/rss" '
        b'text="A"/><outline type="rss" xmlUrl="https://b.example/rss" text="B"/></body></opml>')
    assert len(report.added) == 2
    assert [k for k, _, _ in rows(lib)] == ["subscribe", "subscribe"]


def test_no_sync_section_queues_no_subscribe(tmp_path):
    library = Library(tmp_path / "r.db", Config())
    library.subscribe("https://a.example/rss")
    assert rows(library) == []
    library.close()


def test_remove_unsubscribes_a_synced_feed_and_drops_its_pending_flags(lib, synced):
    lib.set_read([synced["e1"], synced["e3"]])
    lib.remove_feed(synced["f1"])
    assert rows(lib) == [("read", "e3", "1"), ("unsubscribe", "f1", "")]


def test_remove_before_the_subscribe_was_pushed_cancels_it(lib):
    feed, _ = lib.subscribe("https://new.example.org/feed")
    lib.remove_feed(feed.id)
    assert rows(lib) == []
    lib.subscribe("https://local.example.org/x", local=True)
    lib.remove_feed("https://local.example.org/x")
    assert rows(lib) == []


def test_the_change_and_its_queue_row_are_one_transaction(lib, synced):
    """A failure in the middle leaves neither: the queue is never ahead nor behind."""
    lib.store.write(lambda c: c.execute(
        "CREATE TRIGGER boom BEFORE UPDATE OF read ON articles BEGIN"
        " SELECT raise(ABORT, 'boom'); END"))
    with pytest.raises(Exception):
        lib.set_read([synced["e1"]])
    assert rows(lib) == [] and not lib.article(synced["e1"]).read


def test_server_removing_a_feed_queues_nothing(lib, synced):
    lib.store.remove_feed(synced["f2"], unsubscribe=False)
    assert rows(lib) == []


def test_retry_later_backs_off_and_keeps_the_row(lib, synced):
    lib.set_read([synced["e1"]])
    (change,) = q.due_changes(lib.store, 0)
    q.retry_later(lib.store, [change.seq], "HTTP 502", 1000.0)
    assert q.due_changes(lib.store, 1000.0) == []
    assert q.due_changes(lib.store, 1060.0)[0].tries == 1
    q.retry_later(lib.store, [change.seq], "HTTP 502", 1000.0)
    assert q.due_changes(lib.store, 1119.0) == [] and q.due_changes(lib.store, 1120.0)


def test_status_is_one_query_and_never_the_password(lib, synced, monkeypatch):
    monkeypatch.setenv("READER_SYNC_PASSWORD", "hunter2-Пароль")
    lib.set_read([synced["e1"]])
    status = lib.sync_status()
    assert (status.configured, status.service, status.pending) == (True, "miniflux", 1)
    assert (status.synced_feeds, status.local_feeds) == (2, 1)
    assert "hunter2" not in repr(status)


def test_the_database_checks_out_after_all_of_it(lib, synced):
    lib.mark_all_read("")
    lib.remove_feed(synced["f2"])
    conn = sqlite3.connect(lib.store.path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
