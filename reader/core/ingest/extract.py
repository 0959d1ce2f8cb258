"""An article's web page -> its main text, as structured HTML and as plain text.

trafilatura finds the main text (navigation, related links, comments, cookie banners
and footers go) and keeps its structure: headings, paragraphs, lists, quotes, code,
tables, images with their alt text, links (page_prep.py takes captions and thumbnail
lists out of the parsed page first). Its HTML then takes the same road as a
feed's content: clean_text here, render_article (content.py) when it is shown,
html_to_text for the search index and `show --json`.

This runs in a worker (a thread of the prefetch, or the CLI's own), never on the
TUI's event loop; trafilatura and lxml are imported on the first page.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from reader.core.ingest.text import html_to_text
from reader.core.sanitize import clean_line, clean_text

MAX_PAGE_CHARS = 3_000_000  # decoded page text handed to the extractor (the fetch caps bytes)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_IMG = re.compile(r"<img\b[^<>]*>", re.IGNORECASE)
_A = re.compile(r"<a\b[^<>]*>", re.IGNORECASE)
_EMBED = re.compile(r"<(?:iframe|embed)\b[^<>]*>", re.IGNORECASE)  # a player's page, linked
_ATTR = re.compile(r"""\b(src|alt|href)\s*=\s*("[^"]*"|'[^']*'|[^\s"'<>]+)""", re.IGNORECASE)


MIN_TEXT_CHARS = 20  # less is a stray caption or a button, not an article
# A short text about signing in, subscribing or cookies is the wall in front of the
# article, not the article. But news briefs are short too, and some are about these very
# things ("Ukrposhta opens its subscription campaign", "residents log in with their bank
# ID"): a wall asks for consent to cookies, or to sign in *and* subscribe; a text that
# only mentions one of those two is a wall only when it is hardly more than a sentence.
WALL_MAX_CHARS = 500
WALL_ALONE_CHARS = 100
_NEEDS_SCRIPTS = re.compile(r"\benable javascript\b|\bjavascript (?:is )?(?:required|disabled)",
                            re.IGNORECASE)
_CONSENT = re.compile(
    r"\b(?:accept (?:all )?cookies|cookie consent|consent to|before you continue)\b",
    re.IGNORECASE)
_SIGN_IN = re.compile(r"\b(?:sign in|log in|login)\b|увійдіть|войдите|ログイン", re.IGNORECASE)
_SUBSCRIBE = re.compile(r"\b(?:subscribe|subscription|subscribers only|paywall)\b"
                        r"|передплат|подписк|会員登録|有料会員", re.IGNORECASE)


def is_wall(text: str) -> bool:
    """Whether a page's main text is a login, consent or paywall notice (see above)."""
    if len(text) >= WALL_MAX_CHARS:
        return False
    if _CONSENT.search(text):
        return True
    sign_in, subscribe = bool(_SIGN_IN.search(text)), bool(_SUBSCRIBE.search(text))
    return (sign_in and subscribe) or ((sign_in or subscribe) and len(text) < WALL_ALONE_CHARS)


class ExtractionFailed(Exception):
    """A page that has no article to give: one line for the user."""


@dataclass(slots=True)
class Extracted:
    html: str  # the main text as HTML (sanitized of controls and escapes)
    text: str  # the same as plain paragraphs


@dataclass(slots=True)
class ArticleBody:
    """An article's body as `reader show --json` gives it: plain text, its links and
    its images (absolute http(s) URLs only)."""

    text: str
    links: list[str] = field(default_factory=list)
    images: list[dict[str, str]] = field(default_factory=list)  # {"url": ..., "alt": ...}


def is_html(content_type: str | None, data: bytes) -> bool:
    """Whether a response is a web page: its type says so, or, without a type, it looks like one."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind:
        return kind in _HTML_TYPES
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head


# A declared charset that leaves more than this share of the text as U+FFFD is wrong (a
# server that says utf-8 for every page, of a windows-1251 site): a browser shows such a
# page right by its <meta>, or by detection. A stray bad byte or two is not that.
MAX_REPLACED_SHARE = 0.005


def decode_page(data: bytes, content_type: str | None) -> str:
    """The page as text: the header's charset, else the page's <meta charset>, else
    UTF-8 when it is valid, else what trafilatura's detection finds (Shift_JIS,
    windows-1251... declared nowhere; 10-30 ms, and rare). A declared charset that
    does not decode the page (MAX_REPLACED_SHARE) gives way to the next way."""
    candidates = []
    m = _HEADER_CHARSET.search(content_type or "")
    if m:
        candidates.append(m.group(1))
    m = _META_CHARSET.search(data[:8192])
    if m:
        candidates.append(m.group(1).decode("ascii"))
    if data.startswith(codecs.BOM_UTF8):
        candidates.insert(0, "utf-8-sig")
    first_try = None
    for name in candidates:
        try:
            codecs.lookup(name)
        except LookupError:
            continue
        text = data.decode(name, "replace")
        if text.count("\ufffd") <= len(text) * MAX_REPLACED_SHARE:
            return text
        first_try = first_try or text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from trafilatura.utils import decode_file

        detected = decode_file(data)
    if first_try is not None and first_try.count("\ufffd") <= detected.count("\ufffd"):
        return first_try
    return detected


def extract_page(data: bytes, content_type: str | None, url: str) -> Extracted:
    """The article in a fetched page. ExtractionFailed when it is not a page or has no
    article text (a login or consent wall, an empty shell filled in by scripts)."""
    if not is_html(content_type, data):
        kind = (content_type or "").split(";", 1)[0].strip() or "unknown type"
        raise ExtractionFailed(f"not a web page ({clean_line(kind)[:60]})")
    # Escapes out before the parser, which drops the ESC but would keep the rest of it.
    page = clean_text(decode_page(data, content_type)[:MAX_PAGE_CHARS])
    html = extract_html(page, url)
    text = html_to_text(html, paragraphs=True)
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise ExtractionFailed("no article text found on the page")
    if len(text) < WALL_MAX_CHARS and _NEEDS_SCRIPTS.search(text):
        raise ExtractionFailed("the page shows its text only with JavaScript")
    if is_wall(text):
        raise ExtractionFailed("the page is a login, consent or paywall page, not the article")
    return Extracted(html=html, text=text)


def extract_html(page: str, url: str = "") -> str:
    """trafilatura's main text of `page` as HTML ("" when it finds none)."""
    import trafilatura
    from trafilatura.utils import load_html

    from reader.core.ingest.page_prep import prepare_page, restore_marks, without_marks

    try:
        tree = load_html(without_marks(page))
        if tree is None:
            return ""
        prepare_page(tree)
        out = trafilatura.extract(
            tree,
            url=url or None,
            output_format="html",
            include_comments=False,
            include_tables=True,
            include_images=True,
            include_links=True,
            include_formatting=True,
            # With its fallback extractors (fast=False): on real pages that lose most of
            # their text without them (F1 0.41 -> 0.95 on one), at ~1.5 ms more a page.
            fast=False,
            deduplicate=False,
        )
    except (ValueError, TypeError, RecursionError, MemoryError):
        return ""  # lxml gave up on the document: there is no article to show
    return _tidy_html(clean_text(restore_marks(out or "")))


# trafilatura writes code as <pre>, inline code too, and a block of it as <pre><pre>.
_NESTED_PRE = re.compile(r"<pre>\s*<pre>(.*?)</pre>\s*</pre>", re.DOTALL)
_INLINE_PRE = re.compile(r"<pre>([^<>\n]{0,200})</pre>")
# The title; images before it stay. A page made for printing puts its header first: the
# site's logo and the page's address, before the title: all three go.
_LEADING_H1 = re.compile(r"^(\s*<html>\s*<body>(?:\s*<img\b[^<>]*>)*)\s*<h1>.*?</h1>", re.DOTALL)
_PRINT_HEADER = re.compile(
    r"^(\s*<html>\s*<body>)(?:\s*<img\b[^<>]*>)*"
    r"\s*(?:<p>\s*https?://[^\s<>]+\s*</p>|https?://[^\s<>]+)\s*<h1>.*?</h1>",
    re.DOTALL,
)


def _tidy_html(html: str) -> str:
    """Code as code, and no leading <h1>: the title is the article's own, shown above it."""
    html = _NESTED_PRE.sub(r"<pre><code>\1</code></pre>", html)
    html = _INLINE_PRE.sub(r"<code>\1</code>", html)
    html, printed = _PRINT_HEADER.subn(r"\1", html, count=1)
    return html if printed else _LEADING_H1.sub(r"\1", html, count=1)


def body_of(html: str, base_url: str) -> ArticleBody:
    """Plain text, links and images of article HTML (a feed's content or an extracted
    page), for `reader show --json`: no header, no numbered link list."""
    text = html_to_text(html, paragraphs=True) if "<" in html else clean_text(html).strip()
    links: list[str] = []
    images: list[dict[str, str]] = []
    for tag in _A.finditer(html):
        attrs = _attrs(tag.group(0))
        url = _absolute(attrs.get("href", ""), base_url)
        if url and url not in links:
            links.append(url)
    if "<iframe" in html or "<embed" in html or "<IFRAME" in html or "<EMBED" in html:
        from reader.core.ingest.inline import watch_url

        for tag in _EMBED.finditer(html):
            attrs = _attrs(tag.group(0))
            url = _absolute(attrs.get("src", ""), base_url)
            if url and watch_url(url) not in links:
                links.append(watch_url(url))
    for tag in _IMG.finditer(html):
        attrs = _attrs(tag.group(0))
        url = _absolute(attrs.get("src", ""), base_url)
        if url and all(i["url"] != url for i in images):
            images.append({"url": url, "alt": clean_line(attrs.get("alt", ""))})
    return ArticleBody(text=text, links=links, images=images)


def _attrs(tag: str) -> dict[str, str]:
    import html as html_lib

    out: dict[str, str] = {}
    for m in _ATTR.finditer(tag):
        out.setdefault(m.group(1).lower(), html_lib.unescape(m.group(2).strip("\"'")))
    return out


def _absolute(raw: str, base_url: str) -> str | None:
    raw = clean_line(raw)
    if not raw or raw.startswith("#"):
        return None
    try:
        url = urljoin(base_url, raw) if base_url else raw
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url
