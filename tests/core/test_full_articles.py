"""Full articles: pages fetched from a real server on 127.0.0.1, extracted, cached,
searched; every kind of bad page a one-line failure that is remembered, never a loop."""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reader.core.config import Config
from reader.core.full_text import (
    AUTO_MIN_ARTICLES,
    is_summary_feed,
    retry_at,
)
from reader.core.library import Library

PAGES = Path(__file__).resolve().parent.parent / "data" / "pages"


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def rss(items: list[tuple[str, str, str]], title: str = "Agency") -> str:
    """items: (guid, link, description)."""
    body = "".join(
        f"<item><title>Story {g}</title><link>{link}</link><guid>{g}</guid>"
        f"<pubDate>{1 + i:02d} Nov 2026 10:00:00 GMT</pubDate>"
        f"<description>{desc}</description></item>"
        for i, (g, link, desc) in enumerate(items)
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://127.0.0.1/</link>{body}</channel></rss>")


@pytest.fixture
def lib(tmp_path: Path):
    library = Library(tmp_path / "full.db", Config(timeout=2.0, connect_timeout=2.0))
    try:
        yield library
    finally:
        library.close()


def subscribe(lib: Library, feed_server, items, path: str = "/feed.xml", title: str = "Agency"):
    url = feed_server.route(path, rss(items, title))
    feed, _ = lib.add_feed(url)
    ids = {lib.article(i).guid: i for i in lib.article_ids(f"feed:{feed.id}")}
    return feed, ids


def html_route(feed_server, path: str, name: str) -> str:
    return feed_server.route(path, page(name), content_type="text/html; charset=utf-8")


# -- extraction -------------------------------------------------------------------------------


def test_pages_in_three_languages_keep_the_story_and_lose_the_rest(lib, feed_server):
    links = {lang: html_route(feed_server, f"/{lang}.html", f"{lang}_news.html")
             for lang in ("uk", "ja", "en")}
    _, ids = subscribe(lib, feed_server, [(k, v, "A lead.") for k, v in links.items()])

    uk = lib.fetch_full_article(ids["uk"])
    assert uk.status == "ok" and uk.error is None and uk.fetched is not None
    assert "щонайменше дві тисячі електромонтерів" in uk.text
    for noise in ("Погоджуюсь", "Читайте також", "Давно пора", "Усі права захищені", "Політика"):
        assert noise not in uk.text
    assert "<h2>Що передбачає програма</h2>" in uk.html and "<li>" in uk.html
    assert "<blockquote>" in uk.html

    ja = lib.fetch_full_article(ids["ja"])
    assert ja.status == "ok" and "新千歳空港では7日" in ja.text
    assert "クッキー" not in ja.text and "アクセスランキング" not in ja.text

    en = lib.fetch_full_article(ids["en"])
    assert en.status == "ok" and "<table>" in en.html and "Eastern suburbs" in en.text
    assert "Accept all" not in en.text and "Fix the potholes" not in en.text
    assert "Ferry workers" not in en.text


def test_render_full_goes_through_the_feeds_renderer(lib, feed_server):
    link = html_route(feed_server, "/a/uk.html", "uk_news.html")
    _, ids = subscribe(lib, feed_server, [("uk", link, "A lead.")])
    article = lib.article(ids["uk"])
    full = lib.fetch_full_article(article.id)
    shown = lib.render_full(article, full)
    assert "## Що передбачає програма" in shown.markdown
    assert "- відновлення магістральних мереж" in shown.markdown
    assert "> Децентралізація генерації" in shown.markdown
    assert "[image: Ремонт підстанції під Києвом][1]" in shown.markdown
    # the page's relative image is resolved against the page's own address
    assert shown.links[0] == feed_server.url("/images/2026/12/energy-substation.jpg")
    assert "https://www.mev.gov.ua/reports" in shown.links


def test_code_stays_code(lib, feed_server):
    link = html_route(feed_server, "/blog.html", "en_blog.html")
    _, ids = subscribe(lib, feed_server, [("b", link, "A lead.")])
    article = lib.article(ids["b"])
    markdown = lib.render_full(article, lib.fetch_full_article(article.id)).markdown
    assert "```\nwith conn:\n    conn.executemany(" in markdown
    assert "`synchronous=NORMAL`" in markdown
    assert not markdown.startswith("#")  # the page's <h1> is the title, shown above


def test_cached_is_local_and_says_none_before_a_fetch(lib, feed_server):
    link = html_route(feed_server, "/en.html", "en_news.html")
    _, ids = subscribe(lib, feed_server, [("en", link, "A lead.")])
    assert lib.cached_full_article(ids["en"]).status == "none"
    lib.fetch_full_article(ids["en"])
    feed_server.routes.pop("/en.html")  # offline from here on
    cached = lib.cached_full_article(ids["en"])
    assert cached.status == "ok" and "Eastern suburbs" in cached.text
    assert lib.fetch_full_article(ids["en"]).status == "ok"
    assert len(feed_server.requests_to("/en.html")) == 1


def test_pages_in_other_encodings(lib, feed_server):
    uk = page("uk_news.html").decode("utf-8").replace('charset="utf-8"', 'charset="windows-1251"')
    ja = page("ja_news.html").decode("utf-8").replace("charset=utf-8", "charset=Shift_JIS")
    header = feed_server.route("/cp1251.html", uk.encode("cp1251"),
                               content_type="text/html; charset=windows-1251")
    meta_only = feed_server.route("/cp1251-meta.html", uk.encode("cp1251"), content_type="text/html")
    sjis = feed_server.route("/sjis.html", ja.encode("cp932", "replace"), content_type="text/html")
    undeclared = feed_server.route(
        "/sjis-undeclared.html", ja.replace("; charset=Shift_JIS", "").encode("cp932", "replace"),
        content_type="text/html")
    _, ids = subscribe(lib, feed_server, [("h", header, "x"), ("m", meta_only, "x"),
                                          ("j", sjis, "x"), ("u", undeclared, "x")])
    for guid, words in (("h", "електромонтерів"), ("m", "електромонтерів"), ("j", "新千歳空港"),
                        ("u", "新千歳空港")):
        full = lib.fetch_full_article(ids[guid])
        assert full.status == "ok", full.error
        assert words in full.text


def test_escapes_and_controls_in_a_page_are_stripped(lib, feed_server):
    hostile = page("en_news.html").replace(
        b"After nearly six hours", b"After \x1b]52;c;ZXZpbA==\x07nearly\x1b[2J six\x07 hours")
    link = feed_server.route("/evil.html", hostile, content_type="text/html")
    _, ids = subscribe(lib, feed_server, [("e", link, "x")])
    full = lib.fetch_full_article(ids["e"])
    assert full.status == "ok"
    for s in (full.text, full.html):
        assert "\x1b" not in s and "\x07" not in s
    assert "After nearly six hours" in full.text


# -- failures ---------------------------------------------------------------------------------


FAILURES = {
    # path: (route options, what the one line says)
    "/gone404": ({"body": b"nope", "status": 404, "content_type": "text/html"}, "HTTP 404"),
    "/gone410": ({"body": b"", "status": 410, "content_type": "text/html"},
                 "HTTP 410 Gone: the page was removed"),
    "/broken500": ({"body": b"oops", "status": 500, "content_type": "text/html"}, "HTTP 500"),
    "/file.pdf": ({"body": b"%PDF-1.7 ...", "content_type": "application/pdf"},
                  "not a web page (application/pdf)"),
    "/login": ({"body": page("login_wall.html"), "content_type": "text/html"}, "paywall"),
    "/consent": ({"body": page("consent_wall.html"), "content_type": "text/html"}, "consent"),
    "/app": ({"body": page("script_shell.html"), "content_type": "text/html"}, "JavaScript"),
    "/empty": ({"body": b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
                "content_type": "text/html"}, "no article text"),
    "/to-file": ({"status": 302, "headers": {"Location": "file:///etc/passwd"},
                  "content_type": None}, "redirect to a non-HTTP URL refused"),
    "/to-ftp": ({"status": 301, "headers": {"Location": "ftp://127.0.0.1/x"},
                 "content_type": None}, "redirect to a non-HTTP URL refused"),
    "/slow": ({"body": page("en_news.html"), "content_type": "text/html", "delay": 4.0},
              "timed out"),
    "/huge": ({"body": b"<html>", "content_type": "text/html",
               "content_length": 100 * 1024 * 1024}, "larger than"),
    "/bomb": ({"body": gzip.compress(b"<p>" + b" " * (20 * 1024 * 1024)), "encoding": "gzip",
               "precompressed": True, "content_type": "text/html"}, "larger than 8 MiB"),
}


@pytest.mark.parametrize("path", sorted(FAILURES))
def test_a_bad_page_is_one_line_remembered_and_loses_nothing(lib, feed_server, path):
    options, says = FAILURES[path]
    link = feed_server.route(path, **options)
    _, ids = subscribe(lib, feed_server, [("x", link, "The feed's own lead stays.")])
    aid = ids["x"]
    before = lib.article(aid)

    started = time.monotonic()
    full = lib.fetch_full_article(aid)
    assert time.monotonic() - started < 3.5  # the fetch's time budget (2 s) holds
    assert full.status in ("error", "empty")
    assert says in full.error and "\n" not in full.error and len(full.error) < 300
    assert full.next_try is not None and full.next_try > datetime.now(UTC) + timedelta(minutes=50)

    after = lib.article(aid)
    assert (after.content, after.summary, after.title) == (before.content, before.summary,
                                                            before.title)
    assert lib.render(after).markdown == "The feed's own lead stays."
    assert [a.id for a in lib.articles("lead stays")] == [aid]

    hits = len(feed_server.requests_to(path))
    again = lib.fetch_full_article(aid)  # remembered: no second request before next_try
    assert again.status == full.status and again.error == full.error
    assert len(feed_server.requests_to(path)) == hits
    assert lib.cached_full_article(aid).status == full.status
    lib.fetch_full_article(aid, force=True)  # an explicit retry does ask again
    assert len(feed_server.requests_to(path)) > hits


class _Endless(BaseHTTPRequestHandler):
    """/feed.xml: one item linking /endless; /endless: a page that never ends."""

    protocol_version = "HTTP/1.1"
    feed = b""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        try:
            if self.path == "/feed.xml":
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(self.feed)))
                self.end_headers()
                self.wfile.write(self.feed)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<p>more words and more words</p>" * 2000
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass  # the reader hung up: what this page provokes


def test_an_endless_page_stops_at_the_cap_or_the_clock(tmp_path):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    httpd.daemon_threads = True
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    _Endless.feed = rss([("x", base + "/endless", "lead")]).encode()
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    library = Library(tmp_path / "e.db", Config(timeout=2.0, connect_timeout=2.0))
    try:
        f, _ = library.add_feed(base + "/feed.xml")
        (aid,) = library.article_ids(f"feed:{f.id}")
        started = time.monotonic()
        full = library.fetch_full_article(aid)
        assert time.monotonic() - started < 3.5
        assert full.status == "error"
        assert "larger than" in full.error or "timed out" in full.error
    finally:
        library.close()
        httpd.shutdown()
        httpd.server_close()


def test_a_link_that_is_not_http_is_never_fetched(lib, feed_server, tmp_path):
    secret = tmp_path / "secret.html"
    secret.write_bytes(page("en_news.html"))
    _, ids = subscribe(lib, feed_server, [("f", secret.as_uri(), "lead")])
    lib.store.execute("UPDATE articles SET link = ? WHERE id = ?", (secret.as_uri(), ids["f"]))
    full = lib.fetch_full_article(ids["f"])
    assert full.status == "error" and "not a web address" in full.error
    assert "Eastern suburbs" not in full.text


def test_a_failed_refetch_keeps_the_good_copy(lib, feed_server):
    link = html_route(feed_server, "/en.html", "en_news.html")
    _, ids = subscribe(lib, feed_server, [("en", link, "A lead.")])
    assert lib.fetch_full_article(ids["en"]).status == "ok"
    feed_server.route("/en.html", b"down", status=503, content_type="text/plain")
    failed = lib.fetch_full_article(ids["en"], force=True)
    assert failed.status == "error" and "503" in failed.error
    kept = lib.cached_full_article(ids["en"])
    assert kept.status == "ok" and "Eastern suburbs" in kept.text
    assert [a.id for a in lib.articles("Bellini")] == [ids["en"]]


def test_backoff_grows_and_respects_retry_after():
    now = datetime(2026, 12, 7, tzinfo=UTC)
    waits = [retry_at(now, n) - now for n in (1, 2, 3, 4, 10)]
    assert waits[0] == timedelta(hours=1) and waits[1] == timedelta(hours=4)
    assert waits == sorted(waits) and waits[-1] == timedelta(days=7)
    assert retry_at(now, 1, retry_after=6 * 3600) - now == timedelta(hours=6)


# -- search -----------------------------------------------------------------------------------


def test_the_full_text_is_searchable_and_survives_a_changed_feed(lib, feed_server):
    link = html_route(feed_server, "/uk.html", "uk_news.html")
    feed, ids = subscribe(lib, feed_server, [("uk", link, "Коротко про програму.")])
    aid = ids["uk"]
    assert lib.articles("електромонтерів") == []
    lib.fetch_full_article(aid)
    assert [a.id for a in lib.articles("електромонтерів")] == [aid]
    assert [a.id for a in lib.articles("Коротко")] == [aid]  # the feed's own text too

    # The feed edits the item: its new text is indexed, and the page's text stays.
    feed_server.route("/feed.xml", rss([("uk", link, "Оновлено: новий текст анонсу.")]))
    lib.refresh([feed.id])
    assert lib.render(lib.article(aid)).markdown == "Оновлено: новий текст анонсу."
    assert [a.id for a in lib.articles("Оновлено")] == [aid]
    assert lib.articles("Коротко") == []
    assert [a.id for a in lib.articles("електромонтерів")] == [aid]
    check = lib.store.execute(
        "INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    assert check is not None  # (raises when the index and the table disagree)


def test_a_deleted_article_takes_its_page_along(lib, feed_server):
    link = html_route(feed_server, "/en.html", "en_news.html")
    feed, ids = subscribe(lib, feed_server, [("en", link, "A lead.")])
    lib.fetch_full_article(ids["en"])
    lib.remove_feed(feed.id)
    assert lib.store.execute("SELECT count(*) FROM full_articles").fetchone()[0] == 0
    assert lib.articles("Bellini") == []


# -- when pages are fetched -------------------------------------------------------------------


def test_prefetch_takes_feeds_set_to_always_newest_first_within_the_limit(lib, feed_server):
    items = [(f"p{i}", html_route(feed_server, f"/p{i}.html", "en_news.html"), "lead")
             for i in range(5)]
    always, ids = subscribe(lib, feed_server, items)
    other_items = [("o1", html_route(feed_server, "/o1.html", "uk_news.html"), "lead")]
    subscribe(lib, feed_server, other_items, path="/other.xml", title="Other")

    assert lib.prefetch_full_articles() == 0  # no feed is set to full text
    lib.set_feed_settings(always.id, {"full_text": "always"})
    assert lib.prefetch_full_articles(limit=2) == 2
    got = {g for g, i in ids.items() if lib.cached_full_article(i).status == "ok"}
    assert got == {"p4", "p3"}  # the newest (the later pubDate) first
    assert lib.prefetch_full_articles() == 3  # resumes with the rest
    assert lib.prefetch_full_articles() == 0
    assert feed_server.requests_to("/o1.html") == []


def test_a_refresh_prefetches_and_failures_are_not_retried_in_a_loop(lib, feed_server):
    good = html_route(feed_server, "/good.html", "ja_news.html")
    bad = feed_server.route("/bad.html", b"x", status=500, content_type="text/html")
    feed, ids = subscribe(lib, feed_server, [("g", good, "lead"), ("b", bad, "lead")])
    lib.set_feed_settings(feed.id, {"full_text": "always"})
    lib.refresh([feed.id])
    assert lib.cached_full_article(ids["g"]).status == "ok"
    assert lib.cached_full_article(ids["b"]).status == "error"
    lib.refresh([feed.id])
    lib.refresh([feed.id])
    assert len(feed_server.requests_to("/bad.html")) == 1
    assert len(feed_server.requests_to("/good.html")) == 1


def test_a_refresh_of_one_feed_prefetches_that_feeds_pages_only(lib, feed_server):
    one, ids = subscribe(lib, feed_server,
                         [("a", html_route(feed_server, "/a.html", "uk_news.html"), "lead")])
    other, other_ids = subscribe(
        lib, feed_server, [("b", html_route(feed_server, "/b.html", "en_news.html"), "lead")],
        path="/other.xml", title="Other")
    for feed in (one, other):
        lib.set_feed_settings(feed.id, {"full_text": "always"})
    lib.refresh([one.id])
    assert lib.cached_full_article(ids["a"]).status == "ok"
    assert feed_server.requests_to("/b.html") == []  # (its feed was not refreshed)
    assert lib.full_articles_due([other.id]) and not lib.full_articles_due([one.id])


def test_prefetch_is_polite_to_one_host(lib, feed_server):
    items = []
    for i in range(6):
        feed_server.route(f"/s{i}.html", page("en_news.html"), content_type="text/html",
                          delay=0.2)
        items.append((f"s{i}", feed_server.url(f"/s{i}.html"), "lead"))
    feed, _ = subscribe(lib, feed_server, items)
    lib.set_feed_settings(feed.id, {"full_text": "always"})
    feed_server.peak_in_flight = 0
    assert lib.prefetch_full_articles() == 6
    assert feed_server.peak_in_flight <= 2


def test_prefetch_stops_when_cancelled(lib, feed_server):
    items = [(f"c{i}", html_route(feed_server, f"/c{i}.html", "en_news.html"), "lead")
             for i in range(4)]
    feed, _ = subscribe(lib, feed_server, items)
    lib.set_feed_settings(feed.id, {"full_text": "always"})
    cancel = threading.Event()
    cancel.set()
    assert lib.prefetch_full_articles(cancel=cancel) == 0
    assert not any(r.path.startswith("/c") for r in feed_server.requests)


def test_the_auto_rule_picks_summary_feeds(lib, feed_server):
    assert is_summary_feed([100] * AUTO_MIN_ARTICLES)
    assert not is_summary_feed([100] * (AUTO_MIN_ARTICLES - 1))  # too few to judge
    assert not is_summary_feed([100, 200, 3000, 4000, 5000])

    link = html_route(feed_server, "/s.html", "uk_news.html")
    short = [(f"s{i}", f"{link}?{i}", "Короткий анонс новини.") for i in range(6)]
    summary, ids = subscribe(lib, feed_server, short, path="/short.xml", title="Short")
    long_text = "Повний текст статті. " * 60
    subscribe(lib, feed_server, [(f"l{i}", f"{link}?l{i}", long_text) for i in range(6)],
              path="/long.xml", title="Long")
    assert [f.id for f in lib.full_text_suggestions()] == [summary.id]

    lib.set_feed_settings(summary.id, {"full_text": "auto"})
    assert lib.prefetch_full_articles() == 6  # auto + a summary feed: fetched
    assert all(lib.cached_full_article(i).status == "ok" for i in ids.values())
    assert lib.full_text_suggestions() == []  # set now: nothing more to offer


def test_the_auto_rule_judges_the_feeds_text_not_a_page_fetched(lib, feed_server):
    """The lengths come from the search index's text when it has the article (a page's
    text after it is not the feed's), else from the feed's HTML: the same figures."""
    from reader.core.ingest.text import html_to_text
    from reader.core.storage.full_articles import feed_text_lengths

    link = html_route(feed_server, "/p.html", "uk_news.html")
    leads = [f"&lt;p&gt;Анонс {i}: уряд ухвалив &lt;b&gt;рішення&lt;/b&gt;.&lt;/p&gt;"
             for i in range(6)]
    feed, ids = subscribe(lib, feed_server,
                          [(f"a{i}", f"{link}?{i}", lead) for i, lead in enumerate(leads)])
    expected = sorted(len(html_to_text(a.content or a.summary))
                      for a in lib.articles(f"feedid:{feed.id}"))
    assert expected[0] > 20  # (the leads' text, without their tags)
    assert sorted(feed_text_lengths(lib.store, feed.id, 20)) == expected  # (indexed)
    assert lib.fetch_full_article(ids["a0"]).status == "ok"
    lib.update_index()  # (the page's text is indexed after the feed's)
    assert sorted(feed_text_lengths(lib.store, feed.id, 20)) == expected
    lib.store.write(lambda c: c.execute("DELETE FROM article_text"))  # (as if not indexed)
    assert sorted(feed_text_lengths(lib.store, feed.id, 20)) == expected


def test_the_tuis_refresh_prefetches_in_its_child_process(lib, feed_server):
    link = html_route(feed_server, "/child.html", "uk_news.html")
    feed, ids = subscribe(lib, feed_server, [("c", link, "lead")])
    lib.set_feed_settings(feed.id, {"full_text": "always"})
    lib.refresh([feed.id], in_child=True)
    # The refresh reports once the headlines are stored; the child goes on to the pages.
    deadline = time.monotonic() + 60
    while lib.cached_full_article(ids["c"]).status == "none" and time.monotonic() < deadline:
        time.sleep(0.05)
    full = lib.cached_full_article(ids["c"])
    assert full.status == "ok" and "електромонтерів" in full.text


def test_the_tuis_refresh_reports_before_the_pages_are_fetched(lib, feed_server):
    link = feed_server.route("/slow.html", page("uk_news.html"),
                             content_type="text/html; charset=utf-8", delay=30)
    feed, ids = subscribe(lib, feed_server, [("s", link, "lead")])
    lib.set_feed_settings(feed.id, {"full_text": "always"})
    cancel = threading.Event()
    summary = lib.refresh([feed.id], in_child=True, cancel=cancel)
    assert summary.succeeded == 1  # told at once, not after the 30-second page
    assert lib.cached_full_article(ids["s"]).status == "none"
    cancel.set()  # the app quits: the child still fetching pages is ended


def test_pages_are_asked_for_as_html_with_the_feeds_user_agent(lib, feed_server):
    link = html_route(feed_server, "/ua.html", "en_news.html")
    feed, ids = subscribe(lib, feed_server, [("u", link, "lead")])
    lib.set_feed_settings(feed.id, {"user_agent": "Mozilla/5.0 (compatible; test)"})
    lib.fetch_full_article(ids["u"])
    (request,) = feed_server.requests_to("/ua.html")
    assert request.headers["user-agent"] == "Mozilla/5.0 (compatible; test)"
    assert request.headers["accept"].startswith("text/html")
