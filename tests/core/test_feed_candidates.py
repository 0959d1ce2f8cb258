"""Library.discover: every feed behind an address, for the TUI's add dialog to pick from
(a loopback server; nothing is stored by looking)."""

from __future__ import annotations

import pytest

from reader.core.config import Config
from reader.core.errors import FetchError, NotAFeed
from reader.core.library import Library

PAGE = """<!doctype html><html><head>
<link rel="alternate" type="application/rss+xml" href="/a.xml">
<link rel="alternate" type="application/atom+xml" href="b.atom">
<link rel="alternate" type="application/rss+xml" href="/missing.xml">
</head><body></body></html>"""

RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
<title>Стрічка \x1b[31mА</title><link>https://a.example/</link>
<item><title>Одна</title><link>https://a.example/1</link><guid>1</guid></item>
<item><title>Дві</title><link>https://a.example/2</link><guid>2</guid></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Культура</title><id>urn:c</id><updated>2026-11-20T08:00:00Z</updated>
<entry><title>Виставка</title><id>urn:c:1</id><link href="https://c.example/1"/>
<updated>2026-11-20T08:00:00Z</updated></entry></feed>"""


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "r.db", Config())
    yield library
    library.close()


def test_a_page_gives_each_feed_it_links_failed_ones_too(lib, feed_server):
    a = feed_server.route("/a.xml", RSS)
    b = feed_server.route("/news/b.atom", ATOM, content_type="application/atom+xml")
    feed_server.route("/missing.xml", "no", status=404, content_type="text/plain")
    page = feed_server.route("/news/", PAGE, content_type="text/html")
    lib.subscribe(b)
    found = lib.discover(page)
    assert [c.url for c in found] == [a, feed_server.url("/news/b.atom"),
                                      feed_server.url("/missing.xml")]
    first = found[0]
    assert first.title == "Стрічка А"  # (the escape sequence stripped)
    assert first.entries == 2 and first.error is None and not first.subscribed
    assert found[1].title == "Культура" and found[1].subscribed  # (marked, still listed)
    assert found[-1].error and "404" in found[-1].error and found[-1].entries == 0
    assert [f.url for f in lib.feeds()] == [b]  # looking stored nothing


def test_a_feed_address_gives_itself(lib, feed_server):
    a = feed_server.route("/a.xml", RSS)
    lib.subscribe(a)
    [only] = lib.discover(a)
    assert only.url == a and only.entries == 2 and only.subscribed


def test_none_found_is_one_line(lib, feed_server):
    page = feed_server.route("/", "<html><head></head><body>hi</body></html>",
                             content_type="text/html")
    with pytest.raises(NotAFeed) as exc:
        lib.discover(page)
    assert "no feed found" in str(exc.value) and str(exc.value).count(page) == 1
    gone = feed_server.route("/gone.xml", "x", status=404, content_type="text/plain")
    with pytest.raises(FetchError, match="404"):
        lib.discover(gone)
