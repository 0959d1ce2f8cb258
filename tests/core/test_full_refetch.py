"""A cached page fetched again asks conditionally: the page's ETag and Last-Modified
are kept with it, sent back as If-None-Match / If-Modified-Since, and a 304 keeps
the cached text (its fetched time moves). A real server on 127.0.0.1 counts the
conditional requests and answers them."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import main
from reader.core.config import Config
from reader.core.library import Library

PAGES = Path(__file__).resolve().parent.parent / "data" / "pages"
ETAG = '"uk-v1"'
MODIFIED = "Sat, 05 Dec 2026 08:00:00 GMT"
EMPTY_PAGE = "<html><head><title>Вхід</title></head><body><nav>Меню</nav></body></html>"


def rss(items: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<item><title>Новина {g}</title><link>{link}</link><guid>{g}</guid>"
        f"<pubDate>0{i + 1} Dec 2026 10:00:00 GMT</pubDate><description>Анонс.</description></item>"
        for i, (g, link) in enumerate(items))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Агенція</title><link>http://127.0.0.1/</link>{body}</channel></rss>")


@pytest.fixture
def lib(tmp_path: Path):
    library = Library(tmp_path / "refetch.db", Config(timeout=2.0, connect_timeout=2.0))
    try:
        yield library
    finally:
        library.close()


def serve_page(feed_server, path: str, body: bytes | str, etag: str | None = ETAG,
               modified: str | None = MODIFIED) -> str:
    return feed_server.route(path, body, content_type="text/html; charset=utf-8", etag=etag,
                             last_modified=modified)


def subscribe(lib: Library, feed_server, items: list[tuple[str, str]]) -> dict[str, int]:
    feed, _ = lib.add_feed(feed_server.route("/feed.xml", rss(items)))
    return {lib.article(i).guid: i for i in lib.article_ids(f"feed:{feed.id}")}


def conditional(feed_server, path: str) -> list[dict[str, str]]:
    """The headers of the requests for `path` that carried a validator."""
    return [r.headers for r in feed_server.requests_to(path)
            if "if-none-match" in r.headers or "if-modified-since" in r.headers]


def age_fetched(lib: Library, article_id: int) -> None:
    """Move the cached copy's fetched time an hour back (so that a new one shows)."""
    lib.store.write(lambda conn: conn.execute(
        "UPDATE full_articles SET fetched = fetched - 3600 WHERE article_id = ?", (article_id,)))


def test_the_validators_are_kept_and_a_304_keeps_the_copy(lib, feed_server):
    link = serve_page(feed_server, "/uk.html", (PAGES / "uk_news.html").read_bytes())
    ids = subscribe(lib, feed_server, [("uk", link)])
    first = lib.fetch_full_article(ids["uk"])
    assert first.status == "ok" and (first.etag, first.last_modified) == (ETAG, MODIFIED)
    assert conditional(feed_server, "/uk.html") == []  # the first fetch asks for the page
    age_fetched(lib, ids["uk"])
    before = lib.cached_full_article(ids["uk"]).fetched

    again = lib.fetch_full_article(ids["uk"], force=True)

    asked = conditional(feed_server, "/uk.html")
    assert len(asked) == 1
    assert asked[0]["if-none-match"] == ETAG and asked[0]["if-modified-since"] == MODIFIED
    assert again.status == "ok" and "щонайменше дві тисячі електромонтерів" in again.text
    kept = lib.cached_full_article(ids["uk"])
    assert kept.text == first.text and kept.html == first.html
    assert kept.fetched > before  # the copy was confirmed just now
    assert [a.id for a in lib.articles("електромонтерів")] == [ids["uk"]]  # still indexed


def test_a_changed_page_replaces_the_copy_and_its_validators(lib, feed_server):
    link = serve_page(feed_server, "/ja.html", (PAGES / "ja_news.html").read_bytes())
    ids = subscribe(lib, feed_server, [("ja", link)])
    assert lib.fetch_full_article(ids["ja"]).status == "ok"
    serve_page(feed_server, "/ja.html", (PAGES / "uk_news.html").read_bytes(), etag='"v2"',
               modified="Sun, 06 Dec 2026 09:00:00 GMT")

    changed = lib.fetch_full_article(ids["ja"], force=True)

    assert len(conditional(feed_server, "/ja.html")) == 1  # asked; the server said: changed
    assert changed.status == "ok" and "електромонтерів" in changed.text
    kept = lib.cached_full_article(ids["ja"])
    assert "新千歳空港" not in kept.text and kept.etag == '"v2"'
    assert kept.last_modified == "Sun, 06 Dec 2026 09:00:00 GMT"


def test_last_modified_alone_is_enough(lib, feed_server):
    link = serve_page(feed_server, "/en.html", (PAGES / "en_news.html").read_bytes(), etag=None)
    ids = subscribe(lib, feed_server, [("en", link)])
    assert lib.fetch_full_article(ids["en"]).etag is None
    assert lib.fetch_full_article(ids["en"], force=True).status == "ok"
    (asked,) = conditional(feed_server, "/en.html")
    assert asked["if-modified-since"] == MODIFIED and "if-none-match" not in asked


def test_a_page_without_validators_is_fetched_whole_again(lib, feed_server):
    link = serve_page(feed_server, "/plain.html", (PAGES / "en_news.html").read_bytes(),
                      etag=None, modified=None)
    ids = subscribe(lib, feed_server, [("p", link)])
    lib.fetch_full_article(ids["p"])
    assert lib.fetch_full_article(ids["p"], force=True).status == "ok"
    assert len(feed_server.requests_to("/plain.html")) == 2
    assert conditional(feed_server, "/plain.html") == []


def test_a_failure_sends_no_validators_and_loses_nothing(lib, feed_server):
    """A 503 on a refetch keeps the copy and its validators; an error row has none to
    send (nothing was cached), so a retry asks for the whole page."""
    link = serve_page(feed_server, "/x.html", (PAGES / "en_news.html").read_bytes())
    bad = feed_server.route("/bad.html", b"down", status=500, content_type="text/plain")
    ids = subscribe(lib, feed_server, [("x", link), ("b", bad)])
    lib.fetch_full_article(ids["x"])
    feed_server.route("/x.html", b"down", status=503, content_type="text/plain")
    assert lib.fetch_full_article(ids["x"], force=True).status == "error"
    kept = lib.cached_full_article(ids["x"])
    assert kept.status == "ok" and kept.etag == ETAG

    assert lib.fetch_full_article(ids["b"]).status == "error"
    assert lib.cached_full_article(ids["b"]).etag is None
    lib.fetch_full_article(ids["b"], force=True)
    assert conditional(feed_server, "/bad.html") == []


def test_an_empty_page_is_retried_conditionally_by_the_prefetch(lib, feed_server):
    """A page with no article text keeps its validators; its retry (the backoff's, in
    the prefetch) asks conditionally, and a 304 means it still has none: one more try,
    a longer wait, no extraction."""
    link = serve_page(feed_server, "/login.html", EMPTY_PAGE)
    ids = subscribe(lib, feed_server, [("e", link)])
    feed = lib.article(ids["e"]).feed_id
    lib.set_feed_settings(feed, {"full_text": "always"})
    assert lib.prefetch_full_articles() == 0
    empty = lib.cached_full_article(ids["e"])
    assert empty.status == "empty" and empty.etag == ETAG
    first_wait = empty.next_try - empty.fetched
    lib.store.write(lambda conn: conn.execute(  # its next try has come
        "UPDATE full_articles SET next_try = 0, fetched = fetched - 7200"))

    assert lib.prefetch_full_articles() == 0

    (asked,) = conditional(feed_server, "/login.html")
    assert asked["if-none-match"] == ETAG
    again = lib.cached_full_article(ids["e"])
    assert again.status == "empty" and again.next_try is not None
    assert again.next_try - again.fetched > first_wait  # the backoff grew
    assert lib.prefetch_full_articles() == 0  # not due: nothing asked
    assert len(feed_server.requests_to("/login.html")) == 2


def test_a_304_nobody_asked_for_is_an_error(lib, feed_server):
    link = feed_server.route("/odd.html", b"", status=304, content_type=None)
    ids = subscribe(lib, feed_server, [("o", link)])
    full = lib.fetch_full_article(ids["o"])
    assert full.status == "error" and "304" in full.error


def test_show_refetch_asks_conditionally_and_prints_the_copy(tmp_path, feed_server):
    config = tmp_path / "config.toml"
    config.write_text("[fetch]\ntimeout = 2.0\nconnect_timeout = 2.0\n")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["--db", str(tmp_path / "r.db"), "--config", str(config),
                                    *args], catch_exceptions=False)

    link = serve_page(feed_server, "/uk.html", (PAGES / "uk_news.html").read_bytes())
    assert run("add", feed_server.route("/feed.xml", rss([("uk", link)]))).exit_code == 0
    (aid,) = [a["id"] for a in json.loads(run("list", "--json").output)]
    assert run("show", str(aid), "--full").exit_code == 0
    cached = run("show", str(aid), "--full")  # cached: no request at all
    assert cached.exit_code == 0 and len(feed_server.requests_to("/uk.html")) == 1

    again = run("show", str(aid), "--refetch", "--json")

    assert again.exit_code == 0, again.output
    obj = json.loads(again.output)
    assert obj["full"] is True and "щонайменше дві тисячі електромонтерів" in obj["text"]
    assert len(conditional(feed_server, "/uk.html")) == 1


def test_show_refetch_of_a_gone_page_keeps_the_copy_and_says_so(tmp_path, feed_server):
    config = tmp_path / "config.toml"
    config.write_text("[fetch]\ntimeout = 2.0\nconnect_timeout = 2.0\n")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["--db", str(tmp_path / "r.db"), "--config", str(config),
                                    *args], catch_exceptions=False)

    link = serve_page(feed_server, "/en.html", (PAGES / "en_news.html").read_bytes())
    run("add", feed_server.route("/feed.xml", rss([("en", link)])))
    (aid,) = [a["id"] for a in json.loads(run("list", "--json").output)]
    assert run("show", str(aid), "--full").exit_code == 0
    feed_server.route("/en.html", b"gone", status=404, content_type="text/plain")
    started = time.monotonic()
    r = run("show", str(aid), "--full", "--refetch")
    assert r.exit_code == 1 and "404" in r.output and time.monotonic() - started < 30
    assert "Eastern suburbs" in r.output  # the copy kept, as the TUI shows it
    assert "the copy kept was shown" in r.output
    assert "Eastern suburbs" in run("show", str(aid), "--full").output  # the copy stayed
