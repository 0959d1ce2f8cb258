"""Library end to end against a real loopback HTTP server: what a refresh stores and schedules."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime

import pytest

from reader.core.config import Config
from reader.core.errors import FeedExists, InvalidURL, NotAFeed
from reader.core.library import Library, normalize_url
from reader.core.storage.store import MIGRATIONS, SCHEMA_VERSION, Store, _statements


def rss(items, title="Feed"):
    body = "".join(
        f"<item><title>{t}</title><guid>{g}</guid><link>https://example.org/{g}</link>"
        f"<pubDate>Mon, 0{i + 1} Jun 2026 10:00:00 GMT</pubDate><description>{d}</description></item>"
        for i, (g, t, d) in enumerate(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{body}</channel></rss>'


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "r.db", Config(refresh_interval=10, timeout=3, connect_timeout=2))
    yield library
    library.close()


def titles(lib, query=""):
    return [lib.article(i).title for i in lib.article_ids(query)]


def test_conditional_get_304_costs_no_write(lib, feed_server):
    url = feed_server.route("/f.xml", rss([("1", "one", "x")]), etag='"v1"',
                            last_modified="Mon, 01 Jun 2026 10:00:00 GMT")
    feed, new = lib.add_feed(url)
    assert new == 1 and lib.resolve_feed(feed.id).etag == '"v1"'
    # Count every article write from here on: a 304 must cause none.
    lib.store.write(lambda c: [c.execute(s) for s in (
        "CREATE TABLE audit (what TEXT)",
        "CREATE TRIGGER a1 AFTER UPDATE ON articles BEGIN INSERT INTO audit VALUES ('u'); END",
        "CREATE TRIGGER a2 AFTER INSERT ON articles BEGIN INSERT INTO audit VALUES ('i'); END",
    )])
    summary = lib.refresh()
    assert (summary.not_modified, summary.ok, summary.new_articles) == (1, 0, 0)
    sent = feed_server.requests_to("/f.xml")[-1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Mon, 01 Jun 2026 10:00:00 GMT"
    assert lib.count() == 1
    assert lib.store.execute("SELECT count(*) FROM audit").fetchone()[0] == 0


def test_changed_article_updated_in_place_keeps_state(lib, feed_server):
    url = feed_server.route("/f.xml", rss([("1", "one", "first text")]))
    lib.add_feed(url)
    (aid,) = lib.article_ids()
    lib.set_read([aid])
    lib.set_starred([aid])
    feed_server.route("/f.xml", rss([("1", "one, corrected", "second text"), ("2", "two", "y")]))
    summary = lib.refresh()
    assert summary.new_articles == 1
    a = lib.article(aid)
    assert a.title == "one, corrected" and "second text" in a.content and a.read and a.starred
    assert titles(lib, "corrected") == ["one, corrected"]
    assert titles(lib, "first") == []


def test_gone_stops_polling_and_says_so(lib, feed_server):
    url = feed_server.route("/f.xml", rss([("1", "one", "x")]))
    feed, _ = lib.add_feed(url)
    feed_server.route("/f.xml", b"", status=410)
    summary = lib.refresh()
    assert summary.gone == ["Feed"] and summary.succeeded == 0
    f = lib.resolve_feed(feed.id)
    assert f.gone and f.last_status == "gone" and "410" in f.last_error
    assert lib.due_feeds(now=time.time() + 10 ** 7) == []
    before = len(feed_server.requests_to("/f.xml"))
    lib.refresh()  # all feeds: the gone one is skipped
    assert len(feed_server.requests_to("/f.xml")) == before
    assert lib.count() == 1  # its articles stay readable


def test_permanent_redirect_updates_url_temporary_does_not(lib, feed_server):
    new = feed_server.route("/new.xml", rss([("1", "one", "x")]))
    feed_server.route("/tmp.xml", rss([("1", "one", "x")]))
    old, _ = lib.add_feed(new)
    # Move the feed: the old address now redirects permanently.
    lib.store.write(lambda c: c.execute("UPDATE feeds SET url = ? WHERE id = ?",
                                        (feed_server.url("/old.xml"), old.id)))
    feed_server.redirect("/old.xml", "/new.xml", 301)
    lib.refresh()
    assert lib.resolve_feed(old.id).url == new
    lib.store.write(lambda c: c.execute("UPDATE feeds SET url = ? WHERE id = ?",
                                        (feed_server.url("/t.xml"), old.id)))
    feed_server.redirect("/t.xml", "/tmp.xml", 302)
    lib.refresh()
    assert lib.resolve_feed(old.id).url == feed_server.url("/t.xml")


def test_failures_back_off_exponentially_and_retry_after(lib, feed_server):
    url = feed_server.route("/f.xml", rss([("1", "one", "x")]))
    feed, _ = lib.add_feed(url)
    feed_server.route("/f.xml", b"oops", status=500)
    delays = []
    for _ in range(3):
        start = time.time()
        lib.refresh()
        f = lib.resolve_feed(feed.id)
        delays.append(f.next_fetch.timestamp() - start)
        assert f.last_status == "error" and "500" in f.last_error
    assert lib.resolve_feed(feed.id).error_count == 3
    assert delays[0] < delays[1] < delays[2]
    assert lib.due_feeds() == []
    feed_server.route("/f.xml", b"", status=429, headers={"Retry-After": "7"})
    start = time.time()
    lib.refresh()
    assert abs(lib.resolve_feed(feed.id).next_fetch.timestamp() - start - 7) < 2
    feed_server.route("/f.xml", rss([("1", "one", "x")]))
    lib.refresh()
    f = lib.resolve_feed(feed.id)
    assert f.error_count == 0 and f.last_status == "ok" and f.last_error is None


def test_the_last_fetch_that_worked_is_kept_through_failures(lib, feed_server):
    url = feed_server.route("/f.xml", rss([("1", "one", "x")]))
    feed, _ = lib.add_feed(url)
    worked = lib.resolve_feed(feed.id).last_ok
    assert worked is not None
    feed_server.route("/f.xml", b"oops", status=500)
    lib.refresh()
    failed = lib.resolve_feed(feed.id)
    assert failed.last_status == "error" and failed.last_ok == worked
    assert failed.last_fetched > worked


def test_due_feeds_follow_interval(lib, feed_server):
    url = feed_server.route("/f.xml", rss([("1", "one", "x")]))
    lib.add_feed(url)
    assert lib.due_feeds() == []
    assert len(lib.due_feeds(now=time.time() + 11 * 60)) == 1


def test_retention_applied_after_refresh(tmp_path, feed_server):
    lib = Library(tmp_path / "r.db", Config(max_per_feed=2))
    url = feed_server.route("/f.xml", rss([(str(i), f"t{i}", "x") for i in range(5)]))
    lib.add_feed(url)
    lib.refresh()
    assert lib.count() == 2
    lib.refresh()
    assert lib.count() == 2  # the deleted ones did not come back as new


def test_one_bad_feed_does_not_stop_others(lib, feed_server):
    good = feed_server.route("/good.xml", rss([("1", "one", "x")]))
    lib.add_feed(good)
    lib.subscribe("http://127.0.0.1:9/dead.xml", "Dead")
    summary = lib.refresh()
    assert summary.ok == 1 and len(summary.failed) == 1
    assert summary.failed[0][0] == "Dead" and "connect" in summary.failed[0][1]


def test_add_discovers_feed_from_html_page(lib, feed_server):
    feed_url = feed_server.route("/feed.atom", rss([("1", "one", "x")]))
    page = feed_server.route(
        "/", '<html><head><link rel="alternate" type="application/rss+xml" href="/feed.atom">'
        "</head><body>blog</body></html>", content_type="text/html")
    feed, _ = lib.add_feed(page, tags=["blog"])
    assert feed.url == feed_url and feed.tags == ["blog"]
    with pytest.raises(FeedExists):
        lib.add_feed(page)
    plain = feed_server.route("/plain", "<html><body>no feed</body></html>", content_type="text/html")
    with pytest.raises(NotAFeed):
        lib.add_feed(plain)


def test_subscribe_without_fetching(lib, feed_server):
    url = feed_server.route("/f.xml", rss([("1", "one", "x")]))
    feed, created = lib.subscribe(url, "Mine", ["a"])
    assert created and feed.title == "Mine" and feed_server.requests_to("/f.xml") == []
    again, created = lib.subscribe(url, "", ["b"])
    assert not created and again.tags == ["a", "b"]


def test_feedid_term(lib, feed_server):
    a, _ = lib.add_feed(feed_server.route("/a.xml", rss([("1", "from a", "x")], "A")))
    lib.add_feed(feed_server.route("/b.xml", rss([("2", "from b", "x")], "B")))
    assert titles(lib, f"feedid:{a.id}") == ["from a"]


@pytest.mark.parametrize("url", ["", "example.org/feed", "gopher://x/y", "http:///nohost",
                                 "http://exa mple.org/", "http://example.org:99999/"])
def test_normalize_url_rejects(url):
    with pytest.raises(InvalidURL):
        normalize_url(url)


@pytest.mark.parametrize("spelling", [
    "HTTP://Example.ORG/feeds/rss.xml",
    "http://example.org:80/feeds/rss.xml",
    "http://example.org/feeds/../feeds/./rss.xml",
    "http://example.org/feeds/rss.xml#latest",
    "http://example.org/feeds/rss.xml?",
])
def test_spellings_of_one_url_are_one_feed(spelling):
    """What names the same feed is subscribed once (the path's case and escapes are the
    server's business and are kept)."""
    assert normalize_url(spelling) == "http://example.org/feeds/rss.xml"
    assert normalize_url("https://h.example:443") == "https://h.example/"
    assert normalize_url("file://localhost/tmp/f.xml") == "file:///tmp/f.xml"
    assert normalize_url("http://u:Pw@H.example:8080/A%2Fb?X=Y") == "http://u:Pw@h.example:8080/A%2Fb?X=Y"


def test_local_path_becomes_file_url(tmp_path):
    p = tmp_path / "f.xml"
    p.write_text("x")
    assert normalize_url(str(p)) == p.resolve().as_uri()


def test_forward_migration_from_version_1_keeps_data(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for stmt in _statements(MIGRATIONS[0]):
        conn.execute(stmt)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO feeds (url, title, added) VALUES ('http://x/f', 'Old', 0)")
    conn.execute("INSERT INTO articles (feed_id, key, guid, title, sort_time, first_seen, read)"
                 " VALUES (1, 'g:1', '1', 'kept', 1, 1, 1)")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    indexes = {r[0] for r in store.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "articles_sort_state" in indexes
    a = store.article(store.article_ids()[0])
    assert (a.title, a.read) == ("kept", True)
    assert datetime.now(UTC) > a.first_seen


def test_removing_a_feed_keeps_the_articles_another_feed_carries(lib, feed_server):
    """One article in two feeds is listed once, under the first that had it; removing that
    feed moves it to the other, read and star state and all, instead of losing it (the
    other feed answers 304 and would not bring it back)."""
    body = rss([("1", "one", "x"), ("2", "two", "y"), ("3", "three", "z")])
    a = feed_server.route("/a.xml", body, etag='"a"')
    b = feed_server.route("/b.xml", body, etag='"b"')
    first, new_a = lib.add_feed(a)
    second, new_b = lib.add_feed(b)
    assert (new_a, new_b) == (3, 0)  # listed once, under the first
    two = next(i for i in lib.article_ids() if lib.article(i).title == "two")
    lib.set_starred([two], True)
    lib.set_read([two], True)
    removed, moved = lib.remove_feed(first.id)
    assert (removed.id, moved) == (first.id, 3)
    assert sorted(titles(lib)) == ["one", "three", "two"]
    assert {lib.article(i).feed_id for i in lib.article_ids()} == {second.id}
    moved = lib.article(two)
    assert moved.starred and moved.read
    # The second feed's next refresh sees them as its own: nothing new, nothing twice.
    summary = lib.refresh()
    assert summary.new_articles == 0 and sorted(titles(lib)) == ["one", "three", "two"]
    feed_server.route("/b.xml", body.replace("<title>Feed</title>", "<title>Feed B</title>"),
                      etag='"b2"')
    summary = lib.refresh()
    assert summary.new_articles == 0 and len(lib.article_ids()) == 3
    assert lib.article(two).starred
