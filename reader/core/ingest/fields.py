"""A parser's entry (fastfeedparser's or feedparser's, both dict-like) to a ParsedEntry,
every field cleaned and capped on the way.

Every string leaving here has passed through clean_line or clean_text, so nothing a
feed says can reach a terminal as an escape sequence.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from reader.core.ingest.dates import dt_from_iso, dt_from_struct
from reader.core.models import Enclosure, ParsedEntry
from reader.core.sanitize import clean_line, clean_text, needs_cleaning
from reader.core.tags import clean_tag

MAX_TEXT_CHARS = 1_000_000  # an article's summary or content; the rest is cut off
MAX_LINE_CHARS = 1_000  # a title, author or tag
TEXT_TRUNCATED = "\n\n[article truncated]"

_LINK_SCHEMES = frozenset(("http", "https"))


def capped_text(value: Any) -> str:
    """clean_text, cut to MAX_TEXT_CHARS."""
    s = value if isinstance(value, str) else clean_text(value)
    if len(s) > MAX_TEXT_CHARS:
        s = s[:MAX_TEXT_CHARS] + TEXT_TRUNCATED
    return clean_text(s) if needs_cleaning(s) else s


_ABSOLUTE_HTTP = re.compile(r"https?://[^/?#\\]", re.IGNORECASE)


def safe_link(value: Any, base: str) -> str | None:
    """An absolute http(s) URL, or None: no javascript:, data:, file: or junk."""
    if not value or not isinstance(value, str):
        return None
    href = clean_line(value)
    if not href or " " in href:
        return None
    if _ABSOLUTE_HTTP.match(href):
        return href  # the common case skips urljoin/urlsplit
    if base:
        try:
            href = urljoin(base, href)
        except ValueError:
            return None
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    if parts.scheme.lower() not in _LINK_SCHEMES or not parts.netloc:
        return None
    return href


# Only the inline tags titles actually carry: "Vec<T> in Rust" keeps its <T>.
_TAG = re.compile(
    r"</?(?:a|abbr|b|big|br|cite|code|del|div|em|font|i|ins|kbd|mark|p|q|s|small|span"
    r"|strike|strong|sub|sup|tt|u|var|wbr)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)


def plain_title(value: Any) -> str:
    # Atom titles may be type="html", and RSS titles are often escaped HTML or
    # escaped twice; markup and entities in a one-line title are noise either way.
    s = value if isinstance(value, str) else ""
    if "<" in s:
        s = _TAG.sub("", s)
    if "&" in s:
        s = html.unescape(s)
    return capped_line(s)


def capped_line(value: Any) -> str:
    """clean_line, cut to MAX_LINE_CHARS: a 30 MB title is an attack, not a title."""
    if (
        type(value) is str
        and len(value) <= MAX_LINE_CHARS
        and value.isprintable()
        and "  " not in value
        and value[:1] != " "
        and value[-1:] != " "
    ):
        return value  # clean_line's fast path, without the calls
    if isinstance(value, str) and len(value) > MAX_LINE_CHARS * 4:
        value = value[: MAX_LINE_CHARS * 4]  # before the regexes see it
    s = clean_line(value)
    return s[: MAX_LINE_CHARS - 1] + "…" if len(s) > MAX_LINE_CHARS else s


def category_names(tags: Any) -> list[str]:
    out: list[str] = []
    for tag in tags or ():
        if isinstance(tag, dict):
            name = tag.get("term") or tag.get("label")
        else:
            name = tag
        # A category is a tag: as tags.clean_tag has it (no double quotes, which no filter
        # could name, so it could never be picked or shown in the sidebar).
        name = clean_tag(capped_line(name)) if isinstance(name, str) else ""
        if name and name not in out:
            out.append(name)
    return out


MAX_ENCLOSURES = 20  # an entry's attachments; a podcast episode has one
_MAX_URL_CHARS = 8192
_MAX_TYPE_CHARS = 100
_MAX_LENGTH = 2**63 - 1  # what SQLite's INTEGER holds


def _length(value: Any) -> int | None:
    """The byte count a feed claims, or None for anything that is not one ("", "abc", -1)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isdecimal() or not value.isascii():
            return None
        value = int(value) if len(value) <= 19 else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and 0 <= value <= _MAX_LENGTH:
        return value
    return None


def enclosure_list(items: Any, base: str) -> list[Enclosure]:
    """Enclosures from a parser's dicts (RSS <enclosure> and JSON Feed attachments as
    {url|href, type|mime_type, length|size_in_bytes}; Atom rel="enclosure" links):
    http(s) URLs only, resolved against `base`, each once, cleaned and capped."""
    out: list[Enclosure] = []
    seen: set[str] = set()
    for item in items or ():
        if not isinstance(item, dict):
            continue
        href = item.get("url") or item.get("href")
        if not isinstance(href, str) or len(href) > _MAX_URL_CHARS:
            continue
        url = safe_link(href, base)
        if url is None or url in seen:
            continue
        seen.add(url)
        kind = item.get("type") or item.get("mime_type") or ""
        kind = capped_line(kind)[:_MAX_TYPE_CHARS] if isinstance(kind, str) else ""
        length = item.get("length")
        if length is None:
            length = item.get("size_in_bytes")
        out.append(Enclosure(url=url, type=kind, length=_length(length)))
        if len(out) == MAX_ENCLOSURES:
            break
    return out


def _entry_enclosures(e: Any, base: str) -> list[Enclosure]:
    # RSS and JSON Feed attachments come as "enclosures" from both parsers; Atom's
    # rel="enclosure" links do from feedparser, and only as links from fastfeedparser.
    found = e.get("enclosures")
    links = [link for link in e.get("links") or () if type(link) is dict
             and link.get("rel") == "enclosure"] if "links" in e else None
    if not found and not links:
        return []  # most entries: checked in a few hundred nanoseconds
    return enclosure_list([*(found or ()), *(links or ())], base)


def _page_link(e: Any, enclosures: list[Enclosure], base: str) -> str | None:
    """The entry's link; not its enclosure's, which fastfeedparser gives as the link of an
    Atom entry whose rel="enclosure" link comes before its page's."""
    link = safe_link(e.get("link"), base)
    if link is None or not any(link == x.url for x in enclosures):
        return link
    for other in e.get("links") or ():
        if isinstance(other, dict) and other.get("rel") in (None, "alternate"):
            page = safe_link(other.get("href"), base)
            if page is not None:
                return page
    return link


# fastfeedparser hands back type="xhtml" content still inside its Atom element.
_XHTML_WRAPPER = re.compile(r"\A\s*<content\b[^>]*>(.*)</content>\s*\Z", re.DOTALL)


def _content(entry: Any) -> str:
    for part in entry.get("content") or ():
        if isinstance(part, dict) and part.get("value"):
            value = str(part["value"])
            if part.get("type") == "xhtml" and value.startswith("<content"):
                m = _XHTML_WRAPPER.match(value)
                value = m.group(1) if m else value
            return value
    return ""


def parsed_entry(e: Any, base: str, struct_dates: bool, rss: bool = False) -> ParsedEntry:
    """Map one fastfeedparser or feedparser entry (both dict-like) to ParsedEntry."""
    # dict.get, not e.get: feedparser's get("updated_parsed") quietly answers with
    # the published date when there is no updated one.
    if struct_dates:
        published = dt_from_struct(dict.get(e, "published_parsed"))
        updated = dt_from_struct(dict.get(e, "updated_parsed"))
        if rss and published is None:
            # feedparser files RSS's dc:date under "updated"; fastfeedparser, like
            # the RSS specs, calls it the publication date. Agree with the fast path.
            published, updated = updated, None
    else:
        published_text, updated_text = dict.get(e, "published"), dict.get(e, "updated")
        published = dt_from_iso(published_text)
        # Atom entries often say the same for both.
        updated = published if updated_text == published_text else dt_from_iso(updated_text)
    summary = e.get("summary") or e.get("description") or ""
    content = _content(e) or summary
    summary_text = capped_text(summary)
    # Many feeds give one text for both: check and copy it once.
    content_text = summary_text if content is summary else capped_text(content)
    enclosures = _entry_enclosures(e, base)
    link = _page_link(e, enclosures, base) if enclosures else safe_link(e.get("link"), base)
    # fastfeedparser uses the link when there is no id; feedparser does not. Doing
    # the same on both paths keeps an entry's identity stable whichever parser ran.
    guid = clean_line(e.get("id") or "") or clean_line(e.get("link") or "") or None
    return ParsedEntry(
        guid=guid,
        link=link,
        title=plain_title(e.get("title")),
        author=capped_line(e.get("author") or ""),
        # RDF's dc:date and Atom's lone <updated> are the only date some feeds give.
        published=published or updated,
        updated=updated,
        summary=summary_text,
        content=content_text,
        categories=category_names(e.get("tags")),
        enclosures=enclosures,
    )
