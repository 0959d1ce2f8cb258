"""HTML pages, as feed discovery meets them: telling a page from a feed, and the feeds a
page advertises."""

from __future__ import annotations

import contextlib
from html.parser import HTMLParser
from urllib.parse import urljoin

from reader.core.ingest.encoding import head_text
from reader.core.ingest.fields import safe_link

# Feed MIME types a page may advertise, best first. Generic JSON and XML come last:
# WordPress, for one, links its REST API as rel="alternate" type="application/json".
_FEED_TYPES = {
    "application/rss+xml": 0,
    "application/atom+xml": 0,
    "application/feed+json": 0,
    "application/rdf+xml": 1,
    "application/json": 2,
    "application/xml": 2,
    "text/xml": 2,
}


def looks_like_html(data: bytes, content_type: str | None = None) -> bool:
    """True when the document is an HTML page rather than a feed."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in ("application/xhtml+xml",):
        return True
    head = head_text(data[:2048]).lstrip("\ufeff \t\r\n").lower()
    if head.startswith(("<!doctype html", "<html")):
        return True
    if head.startswith(("<?xml", "<rss", "<feed", "<rdf", "{")):
        return False
    if ctype == "text/html":
        return True
    return "<html" in head or "<head" in head or "<body" in head


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[tuple[int, str]] = []  # (type priority, href)
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and self.base is None and a.get("href"):
            self.base = a["href"].strip()
        if tag != "link":
            return
        rels = a.get("rel", "").lower().split()
        ctype = a.get("type", "").split(";")[0].strip().lower()
        if "alternate" in rels and ctype in _FEED_TYPES and a.get("href", "").strip():
            self.hrefs.append((_FEED_TYPES[ctype], a["href"].strip()))

    handle_startendtag = handle_starttag


def find_feed_links(html: bytes | str, base_url: str) -> list[str]:
    """Feed URLs a page advertises with <link rel="alternate" type="...">, in page order."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    finder = _LinkFinder()
    # HTMLParser is lenient, but junk is junk: keep whatever was found before it.
    with contextlib.suppress(Exception):
        finder.feed(html)
        finder.close()
    base = base_url
    if finder.base:
        base = urljoin(base_url, finder.base)
    out: list[str] = []
    for _, href in sorted(finder.hrefs, key=lambda h: h[0]):  # stable: page order kept
        link = safe_link(href, base)
        if link and link not in out:
            out.append(link)
    return out
