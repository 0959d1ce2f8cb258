"""What stays local until a sync: tt-rss's published mark queued like read and starred,
refused where the service has none; retention that never deletes what the server still
holds unread or published, or what has a change waiting; the labels' diff. No server:
the rows themselves are checked (the servers' side: test_engine_marks.py)."""

from __future__ import annotations

import time

import pytest

from reader.core.config import Config
from reader.core.errors import ReaderError
from reader.core.filters import ArticleFacts, matches, parse_filter
from reader.core.library import Library
from reader.core.storage import sync as q
from reader.core.storage import sync_marks

from .test_queue import add_articles, rows


def make(tmp_path, service: str) -> Library:
    return Library(tmp_path / "r.db", Config(sync={"service": service,
                                                   "url": "http://127.0.0.1:9"}))


@pytest.fixture
def lib(tmp_path):
    library = make(tmp_path, "ttrss")
    yield library
    library.close()


@pytest.fixture
def synced(lib):
    """A synced feed with articles e1..e4 (old first) and a local feed with one article."""
    s = lib.store
    feed = q.insert_remote_feed(s, "7", "https://pravda.example.ua/rss", "Правда", "", [])
    local = s.add_feed("https://local.example.org/rss", "Local")
    add_articles(s, feed, [(f"g{n}", f"Новина {n}", f"e{n}") for n in range(1, 5)])
    add_articles(s, local, [("l1", "Local", None)])
    # (sort_time: e1 the oldest, 400 days ago, e4 the newest)
    s.write(lambda c: c.execute(
        "UPDATE articles SET sort_time = ? - 86400 * (500 - 100 * substr(remote_id, 2))"
        " WHERE remote_id IS NOT NULL", (time.time(),)))
    ids = dict(s.execute("SELECT coalesce(remote_id, 'local'), id FROM articles").fetchall())
    return {**ids, "feed": feed, "local_feed": local}


def test_share_is_queued_for_synced_articles_only_and_is_a_filter(lib, synced):
    assert lib.set_shared([synced["e1"], synced["local"]]) == 1
    assert rows(lib) == [("shared", "e1", "1")]
    assert lib.article(synced["e1"]).shared and not lib.article(synced["local"]).shared
    assert lib.article_ids("is:shared") == [synced["e1"]]
    assert synced["e1"] not in lib.article_ids("is:unshared")
    assert lib.set_shared([synced["e1"]], False) == 1   # (the newer change replaces it)
    assert rows(lib) == [("shared", "e1", "0")]
    assert lib.count("is:shared") == 0


def test_is_shared_in_the_python_evaluator():
    facts = ArticleFacts(feed_id=1, feed_title="Правда", feed_url="", feed_tags=[],
                         categories=[], read=False, starred=False, sort_time=0.0,
                         title="Київ", text="", shared=True)
    assert matches(parse_filter("is:shared"), facts)
    assert not matches(parse_filter("is:unshared"), facts)


@pytest.mark.parametrize("service", ["miniflux", "greader", None])
def test_share_where_the_service_has_no_published_mark_is_one_line(tmp_path, service):
    library = Library(tmp_path / "r.db", Config(sync={"service": service,
                                                      "url": "http://127.0.0.1:9"}
                                                if service else {}))
    try:
        with pytest.raises(ReaderError) as caught:
            library.set_shared([1])
        assert "\n" not in str(caught.value) and "Tiny Tiny RSS" in str(caught.value)
        assert library.sync_pending() == 0
    finally:
        library.close()


def test_publishing_services_are_the_backends_with_a_published_capability():
    from reader.core.library_sync import PUBLISHING_SERVICES
    from reader.core.sync import make_backend
    from reader.core.sync_config import SERVICES, SyncSettings

    for service in SERVICES:
        backend = make_backend(SyncSettings(service, "http://127.0.0.1:9"), "")
        try:
            assert backend.capabilities.published == (service in PUBLISHING_SERVICES), service
            assert hasattr(backend, "set_published") == backend.capabilities.published
        finally:
            backend.close()


def test_retention_keeps_what_the_server_holds_unread_published_or_waiting(lib, synced):
    lib.set_read([synced["e1"], synced["e2"], synced["e3"]])
    lib.store.write(lambda c: c.execute("DELETE FROM sync_queue"))   # (as pushed)
    lib.set_shared([synced["e2"]])
    lib.store.write(lambda c: c.execute("DELETE FROM sync_queue"))
    lib.set_read([synced["e3"]], False)
    lib.set_read([synced["e3"]], True)   # a change still waiting for the server
    lib.store.write(lambda c: c.execute("UPDATE articles SET sort_time = 0 WHERE remote_id"
                                        " = 'e4' OR remote_id IS NULL"))
    # e4 is unread on the server, e2 published, e3 has a change queued: all stay; e1 (read,
    # nothing waiting) and the local article (old) go
    assert lib.store.apply_retention(max_age_days=30) == 2
    left = {r for (r,) in lib.store.execute("SELECT coalesce(remote_id, 'local') FROM articles")}
    assert left == {"e2", "e3", "e4"}
    assert rows(lib) == [("read", "e3", "1")]


def test_retention_keeps_a_published_article_the_server_lost(lib, synced):
    lib.set_read([synced["e1"], synced["e2"]])
    lib.set_shared([synced["e2"]])
    lib.store.write(lambda c: c.execute("DELETE FROM sync_queue"))   # (as pushed)
    # The server lost e1 and e2: they became local articles, their marks kept.
    lib.store.write(lambda c: c.execute("UPDATE articles SET remote_id = NULL, sort_time = 0"
                                        " WHERE remote_id IN ('e1', 'e2')"))
    lib.store.apply_retention(max_age_days=30)
    left = {i for (i,) in lib.store.execute("SELECT id FROM articles")}
    assert synced["e2"] in left and synced["e1"] not in left
    assert lib.article(synced["e2"]).shared


def test_a_feeds_keep_spares_them_too(lib, synced):
    lib.set_read([synced[f"e{n}"] for n in range(1, 5)])
    lib.store.write(lambda c: c.execute("DELETE FROM sync_queue"))
    lib.set_read([synced["e1"]], False)
    lib.store.write(lambda c: c.execute("UPDATE feeds SET keep = 1 WHERE id = ?",
                                        (synced["feed"],)))
    assert lib.store.apply_retention() == 2      # e2 and e3: read, old, nothing waiting
    left = {r for (r,) in lib.store.execute("SELECT remote_id FROM articles WHERE feed_id = ?",
                                            (synced["feed"],))}
    assert left == {"e1", "e4"}     # e1 unread on the server, e4 the newest


def test_labels_follow_the_server_and_the_feeds_own_categories_stay(lib, synced):
    s = lib.store
    s.write(lambda c: c.execute(
        "UPDATE articles SET categories = 'Політика' WHERE remote_id = 'e1'"))
    s.write(lambda c: c.execute(
        "INSERT INTO article_tags (tag, article_id, folded) VALUES ('Політика', ?, 'політика')",
        (synced["e1"],)))
    assert sync_marks.apply_labels(s, {"Важливо": {"e1", "e2"}, "後で読む": {"e3"}}) == 3
    assert lib.article(synced["e1"]).categories == ["Політика", "Важливо"]
    assert lib.count("+важливо") == 2 and lib.count("+後で読む") == 1
    # the server took Важливо off e1 and gave it to e4; 後で読む is gone altogether
    assert sync_marks.apply_labels(s, {"Важливо": {"e2", "e4"}}) == 3
    assert lib.article(synced["e1"]).categories == ["Політика"]
    assert sorted(lib.article(i).title for i in lib.article_ids("+ВАЖЛИВО")) == [
        "Новина 2", "Новина 4"]
    assert lib.count("+後で読む") == 0
    assert sync_marks.apply_labels(s, {"Важливо": {"e2", "e4"}}) == 0    # nothing new: nothing written
    assert s.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
