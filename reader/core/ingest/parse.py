"""Turn feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into ParsedFeed objects.

fastfeedparser is the fast path: ~100x cheaper than feedparser on real feeds. When it
raises or finds nothing, feedparser (or, for JSON Feed, which feedparser does not
know, a small parser here) gets a second try: it copes with broken markup and odd
encodings that the fast path rejects.

Every string leaving this module has passed through clean_line or clean_text, so
nothing a feed says can reach a terminal as an escape sequence.
"""

from __future__ import annotations

import codecs
import contextlib
import html.entities
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import fastfeedparser

from reader.core.errors import ParseError
from reader.core.models import ParsedEntry, ParsedFeed
from reader.core.sanitize import clean_line, clean_text, needs_cleaning

NOT_A_FEED = "not a feed: no RSS, Atom, RDF or JSON Feed found"
ENTITIES_REFUSED = "feed declares XML entities; refused"

# Limits on what one document may cost. fastfeedparser parses with huge_tree=True, so
# libxml2's own depth and text-node limits are off: a tree costs ~300 bytes an element
# (2M nested <a> took 650 MB), and a feed of 100k entries ~20 s and ~150 MB.
MAX_ENTRIES = 10_000
MAX_ELEMENTS = 200_000
MAX_TEXT_CHARS = 1_000_000  # an article's summary or content; the rest is cut off
MAX_LINE_CHARS = 1_000  # a title, author or tag
TEXT_TRUNCATED = "\n\n[article truncated]"

_LINK_SCHEMES = frozenset(("http", "https"))
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

# ---------------------------------------------------------------- safety & encoding

# An entity declaration that is external (SYSTEM/PUBLIC), a parameter entity, or
# whose value refers to other entities. Neither parser expands these today (tests
# prove it), but refusing them up front keeps that true if a library default
# changes. Plain text entities (<!ENTITY copy "(c)">) stay allowed.
_DANGEROUS_ENTITY = re.compile(
    r"""<!ENTITY\s+(?:%|\S+\s+(?:SYSTEM|PUBLIC)\b|\S+\s+(?:"[^"]*[&%][^"]*"|'[^']*[&%][^']*'))""",
    re.IGNORECASE,
)
_FIRST_ELEMENT = re.compile(r"<[A-Za-z_]")
_XML_DECL = re.compile(
    rb"^((?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._:-]+)([\"'])"
)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF8_NAMES = frozenset(("utf-8", "utf8"))


def _head_text(data: bytes, size: int = 65536) -> str:
    """The start of the document as text, whatever its byte encoding, for sniffing."""
    head = data[:size]
    if head.startswith(_UTF16_BOMS):
        return head.decode("utf-16", "ignore")
    if head.startswith(b"<\x00"):
        return head.decode("utf-16-le", "ignore")
    if head.startswith(b"\x00<"):
        return head.decode("utf-16-be", "ignore")
    return head.decode("latin-1")


# One part of the prolog (what comes before the root element): a BOM, white space, the
# XML declaration or another processing instruction, a comment, or the DOCTYPE with its
# internal subset read as the XML parser reads it, so that a "<b>" or "]>" inside a
# quoted value or a comment does not end it early. Unterminated parts run to the end.
_PROLOG_PART = re.compile(
    r"""\ufeff|\xef\xbb\xbf|\s+|<\?.*?(?:\?>|\Z)|<!--.*?(?:-->|\Z)"""
    r"""|<!DOCTYPE(?:[^\[>"']++|"[^"]*+"?|'[^']*+'?)*+"""
    r"""(?:\[(?:[^\]"'<]++|"[^"]*+"?|'[^']*+'?|<!--.*?(?:-->|\Z)|<\?.*?(?:\?>|\Z)|<)*+\]?)?"""
    r"""[^>]*+>?""",
    re.DOTALL,
)


def _prolog_end(text: str) -> int:
    """Where the root element starts (or the first thing the prolog cannot hold)."""
    pos = 0
    while (m := _PROLOG_PART.match(text, pos)) and m.end() > pos:
        pos = m.end()
    if _FIRST_ELEMENT.match(text, pos):
        return pos
    # Junk before the root: the parsers stop there, but count up to the first element
    # anyway (what this check did before it read the prolog).
    first = _FIRST_ELEMENT.search(text, pos)
    return first.start() if first else len(text)


def _refuse_entities(data: bytes) -> bool:
    """Raise ParseError for a dangerous entity declaration; return whether the document
    has any "<!ENTITY" at all."""
    utf16 = data.startswith(_UTF16_BOMS) or data[:2] in (b"<\x00", b"\x00<")
    if (b"E\x00N\x00T\x00I\x00T\x00Y" if utf16 else b"<!ENTITY") not in data:
        return False  # the common case: no DTD entities at all, nothing to sniff
    text = _head_text(data, len(data))
    # Only declarations before the root element count: an article may well quote
    # "<!ENTITY" in its text. Every one there counts, even in a comment: only the end
    # of the prolog is read with care (a comment, a processing instruction or an entity
    # value holding "<b>" once ended the search before the declaration after it).
    for m in re.finditer(r"<!ENTITY", text[: _prolog_end(text)]):
        if _DANGEROUS_ENTITY.match(text, m.start()):
            raise ParseError(ENTITIES_REFUSED)
    return True


def _declared_encoding(data: bytes) -> str | None:
    m = _XML_DECL.match(data[:512])
    return m.group(2).decode("ascii").lower() if m else None


def _charset(content_type: str | None) -> str | None:
    m = _CHARSET.search(content_type or "")
    return m.group(1).lower() if m else None


def _set_declared_encoding(data: bytes, encoding: str) -> bytes:
    return _XML_DECL.sub(lambda m: m.group(1) + encoding.encode() + m.group(3), data, count=1)


def _valid_utf8(data: bytes) -> bool:
    """data.decode("utf-8") succeeds. In slices: a few small strings stay in the cache
    where one the size of the document (up to 4 bytes a character) would not."""
    decode = codecs.getincrementaldecoder("utf-8")().decode
    try:
        for i in range(0, len(data), 65536):
            decode(data[i : i + 65536])
        decode(b"", True)  # a sequence cut off at the end
    except UnicodeDecodeError:
        return False
    return True


def _normalize_encoding(data: bytes, content_type: str | None) -> bytes:
    """Return the document as UTF-8 with a declaration that says so, when it can tell.

    The fast parser trusts the declaration blindly: a UTF-8 feed declared as
    ISO-8859-1 comes out as mojibake, and windows-1252 bytes in an undeclared
    feed come out as U+FFFD, both without an error that would trigger the
    fallback. Valid multi-byte UTF-8 almost never happens by accident in a
    legacy encoding, so it is a reliable tell.
    """
    if data.startswith(_UTF16_BOMS) or data[:2] in (b"<\x00", b"\x00<") or data.isascii():
        return data  # UTF-16 (lxml reads the BOM) or plain ASCII: nothing to decide
    declared = _declared_encoding(data)
    if _valid_utf8(data):
        if declared and declared not in _UTF8_NAMES:
            return _set_declared_encoding(data, "utf-8")
        return data
    if declared and declared not in _UTF8_NAMES:
        return data  # a legacy encoding, declared, and the bytes are not UTF-8: believe it
    # Declared (or defaulted to) UTF-8 but it is not. Mostly-UTF-8 with a few bad
    # bytes keeps its UTF-8; otherwise it is a legacy single-byte encoding.
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad  # non-ASCII that decoded
    if good > bad:
        return text.encode("utf-8")
    fallback = _charset(content_type)
    if not fallback or fallback in _UTF8_NAMES:
        fallback = "windows-1252"
    try:
        text = data.decode(fallback, "replace")
    except LookupError:
        text = data.decode("windows-1252", "replace")
    return _set_declared_encoding(text.encode("utf-8"), "utf-8")


# Terminal escape sequences and the C0 controls XML 1.0 forbids. libxml2 drops the
# lone ESC byte and keeps "[2J" as text; removing whole sequences first leaves
# clean titles. A sequence stops at "<" so an unterminated OSC cannot eat markup.
_ESCAPE_BYTES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b<]{0,1024}(?:\x07|\x1b\\)?|\x1b[ -~]?"
)
_C0_BYTES = bytes(c for c in range(32) if c not in (9, 10, 13))


def _strip_controls(data: bytes) -> bytes:
    if data.startswith(_UTF16_BOMS) or data[:2] in (b"<\x00", b"\x00<"):
        return data  # UTF-16 has NUL bytes everywhere; clean_* cleans its strings later
    if b"iso-2022" in data[:256].lower():
        return data  # ISO-2022 switches character sets with ESC sequences
    stripped = data.translate(None, _C0_BYTES)
    if len(stripped) == len(data):
        return data
    return _ESCAPE_BYTES.sub(b"", data).translate(None, _C0_BYTES)


# HTML named entities (&nbsp; &eacute; ...) are not XML: libxml2 stops the text at
# the first one, so "A&nbsp;B" became "A". Many real feeds use them anyway, and
# feedparser reads them; rewriting them as character references lets the fast path
# read them too. The five XML entities are left alone.
_HTML_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9]{1,31});")
_CHAR_REFS = {
    name[:-1].encode(): "".join(f"&#{ord(c)};" for c in text).encode()
    for name, text in html.entities.html5.items()
    if name.endswith(";")
}


def _html_entities_to_refs(data: bytes, declares_entities: bool | None = None) -> bytes:
    """`declares_entities`: whether b"<!ENTITY" is in data, when the caller knows."""
    if b"&" not in data or data.startswith(_UTF16_BOMS) or data[:2] in (b"<\x00", b"\x00<"):
        return data
    if declares_entities is None:
        declares_entities = b"<!ENTITY" in data
    if declares_entities:
        return data  # the document defines its own entities: leave them to the parser

    first = _HTML_ENTITY.search(data)
    if first is None:
        return data  # valid XML, the usual case: no copy

    def ref(m: re.Match[bytes]) -> bytes:
        # An unknown name is kept as text rather than ending the text there.
        return _CHAR_REFS.get(m.group(1)) or b"&amp;" + m.group(1) + b";"

    return data[: first.start()] + _HTML_ENTITY.sub(ref, data[first.start() :])


# ---------------------------------------------------------------- limits

_ITEM_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]")
_DATE_TAG = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?(?:pubDate|pubdate|published|issued|date|updated|modified)[\s>]"
)
# "*+": ":" is not in [\w.-], so backtracking into the prefix could never find one.
_ITEM_OR_DATE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*+:)?(item|entry|pubDate|pubdate|published|issued|date|updated|modified)[\s>/]"
)
_CDATA = re.compile(rb"<!\[CDATA\[.*?(?:\]\]>|\Z)", re.DOTALL)


def _too_many_entries(n: int) -> str:
    return f"feed too large: {n:,} entries (the limit is {MAX_ENTRIES:,})"


def _ascii_view(data: bytes) -> bytes:
    """The document's bytes with UTF-16's zero bytes dropped, for counting markup."""
    if data.startswith(b"\xff\xfe"):
        return data[2::2]
    if data.startswith(b"\xfe\xff"):
        return data[3::2]
    if data[:2] == b"<\x00":
        return data[0::2]
    if data[:2] == b"\x00<":
        return data[1::2]
    return data


def _check_limits(data: bytes) -> Callable[[], bool]:
    """Refuse documents too big to parse in bounded memory (ParseError), before parsing.

    Returns a function that tells whether every entry has a date element of its own
    (see _parse_fast): a scan of the whole document that only a few feeds need, so
    it runs only when asked, at most once.
    """
    view = _ascii_view(data)
    if _looks_like_json(view):
        # An item is an object, and so is each author and attachment it has.
        if view.count(b"{") > 4 * MAX_ENTRIES:
            raise ParseError(f"feed too large: more than {4 * MAX_ENTRIES:,} JSON objects")
        return _ALL_DATED
    # bytes.count runs at memory speed; a regex scan of every document cost more than
    # the fast parser itself. Namespaced items (<rss:item>) are caught after parsing.
    # Every item and every element starts with a "<": when there are few of them, no
    # other count is needed.
    tags = view.count(b"<")
    items = view.count(b"<item") + view.count(b"<entry") if tags > MAX_ENTRIES else -1
    if items > MAX_ENTRIES:
        items = len(_ITEM_TAG.findall(view))  # "<itemcount>" is not an item: count exactly
        if items > MAX_ENTRIES:
            raise ParseError(_too_many_entries(items))
    # Each element costs at least 3 bytes ("<a>"), so a small document cannot be too deep.
    # Elements are the "<" that do not start "</".
    elements = tags if len(view) > 3 * MAX_ELEMENTS else 0
    if elements > MAX_ELEMENTS:
        elements -= view.count(b"</")
    if elements > MAX_ELEMENTS:
        # Markup inside CDATA is text, not elements.
        elements -= sum(m.group().count(b"<") for m in _CDATA.finditer(view))
        if elements > MAX_ELEMENTS:
            raise ParseError(f"feed too large: more than {MAX_ELEMENTS:,} XML elements")
    if not tags:
        return _ALL_DATED
    answer: list[bool] = []

    def all_dated() -> bool:
        if not answer:
            has_items = items > 0 if items >= 0 else b"<item" in view or b"<entry" in view
            answer.append(_all_dated(view) if has_items else True)
        return answer[0]

    return all_dated


def _ALL_DATED() -> bool:
    return True


def _all_dated(view: bytes) -> bool:
    # One exact scan for both kinds of tag: dates before the first item are the channel's.
    kinds = _ITEM_OR_DATE.findall(view)
    try:
        first = next(i for i, k in enumerate(kinds) if k in (b"item", b"entry"))
    except StopIteration:
        return True
    exact_items = sum(1 for k in kinds if k in (b"item", b"entry"))
    return len(kinds) - first - exact_items >= exact_items


def _date_from_guid(guid: str, published: str) -> bool:
    """Whether fastfeedparser made `published` up from the guid: it reads an RSS guid
    as a date when an item has none, so guid "1" became the 1st of this month and
    guid "2030" a date in 2030."""
    from dateutil import parser as dateutil_parser  # fastfeedparser's own dependency

    try:
        guessed = dateutil_parser.parse(guid)
        if guessed.tzinfo is None:
            guessed = guessed.replace(tzinfo=UTC)
        stated = _dt_from_iso(published)
        return stated is not None and abs((guessed - stated).total_seconds()) < 1
    except (ValueError, OverflowError, TypeError):
        return False


# ---------------------------------------------------------------- field helpers


def _text(value: Any) -> str:
    s = value if isinstance(value, str) else clean_text(value)
    if len(s) > MAX_TEXT_CHARS:
        s = s[:MAX_TEXT_CHARS] + TEXT_TRUNCATED
    return clean_text(s) if needs_cleaning(s) else s


def _dt_from_iso(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    s = value.strip()
    try:
        dt = datetime.fromisoformat(s[:-1] + "+00:00" if s[-1:] in "Zz" else s)
    except ValueError:
        try:
            dt = parsedate_to_datetime(s)  # RFC 822, for JSON feeds that use it
        except (TypeError, ValueError, IndexError):
            return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(UTC)
    except OverflowError:  # year 1 with a positive offset, and the like
        return None


def _dt_from_struct(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)  # feedparser normalizes to UTC
    except (ValueError, OverflowError):
        return None


_ABSOLUTE_HTTP = re.compile(r"https?://[^/?#\\]", re.IGNORECASE)


def _link(value: Any, base: str) -> str | None:
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


def _title(value: Any) -> str:
    # Atom titles may be type="html", and RSS titles are often escaped HTML or
    # escaped twice; markup and entities in a one-line title are noise either way.
    s = value if isinstance(value, str) else ""
    if "<" in s:
        s = _TAG.sub("", s)
    if "&" in s:
        s = html.unescape(s)
    return _line(s)


def _line(value: Any) -> str:
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


def _categories(tags: Any) -> list[str]:
    out: list[str] = []
    for tag in tags or ():
        if isinstance(tag, dict):
            name = tag.get("term") or tag.get("label")
        else:
            name = tag
        name = _line(name) if isinstance(name, str) else ""
        if name and name not in out:
            out.append(name)
    return out


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


def _entry(e: Any, base: str, struct_dates: bool, rss: bool = False) -> ParsedEntry:
    """Map one fastfeedparser or feedparser entry (both dict-like) to ParsedEntry."""
    # dict.get, not e.get: feedparser's get("updated_parsed") quietly answers with
    # the published date when there is no updated one.
    if struct_dates:
        published = _dt_from_struct(dict.get(e, "published_parsed"))
        updated = _dt_from_struct(dict.get(e, "updated_parsed"))
        if rss and published is None:
            # feedparser files RSS's dc:date under "updated"; fastfeedparser, like
            # the RSS specs, calls it the publication date. Agree with the fast path.
            published, updated = updated, None
    else:
        published_text, updated_text = dict.get(e, "published"), dict.get(e, "updated")
        published = _dt_from_iso(published_text)
        # Atom entries often say the same for both.
        updated = published if updated_text == published_text else _dt_from_iso(updated_text)
    summary = e.get("summary") or e.get("description") or ""
    content = _content(e) or summary
    summary_text = _text(summary)
    # Many feeds give one text for both: check and copy it once.
    content_text = summary_text if content is summary else _text(content)
    link = _link(e.get("link"), base)
    # fastfeedparser uses the link when there is no id; feedparser does not. Doing
    # the same on both paths keeps an entry's identity stable whichever parser ran.
    guid = clean_line(e.get("id") or "") or clean_line(e.get("link") or "") or None
    return ParsedEntry(
        guid=guid,
        link=link,
        title=_title(e.get("title")),
        author=_line(e.get("author") or ""),
        # RDF's dc:date and Atom's lone <updated> are the only date some feeds give.
        published=published or updated,
        updated=updated,
        summary=summary_text,
        content=content_text,
        categories=_categories(e.get("tags")),
    )


# ---------------------------------------------------------------- the parsers


def _parse_fast(data: bytes, url: str, all_dated: Callable[[], bool] | bool = True) -> ParsedFeed:
    # bytes, never str: a str URL would be fetched. Media and enclosures are not read.
    r = fastfeedparser.parse(data, include_media=False, include_enclosures=False)
    feed = r.get("feed") or {}
    raw_entries = r.get("entries") or ()
    dated = all_dated if isinstance(all_dated, bool) else None  # asked only when it matters
    for e in raw_entries:
        guid, published = e.get("id"), e.get("published")
        if published and isinstance(guid, str) and not guid.startswith(("http://", "https://")):
            if dated is None:
                dated = all_dated()  # type: ignore[operator]
            if dated:
                break
            if _date_from_guid(guid, published):
                e["published"] = e.get("updated")
    entries = [_entry(e, url, struct_dates=False) for e in raw_entries]
    return ParsedFeed(
        title=_title(feed.get("title")),
        link=_link(feed.get("link"), url) or "",
        entries=entries,
        parser="fast",
    )


def _parse_feedparser(data: bytes, url: str, content_type: str | None) -> ParsedFeed | None:
    # No base URL on purpose: feedparser would then "resolve" RSS guids like
    # "item-3" into URLs. Links are resolved in _link instead.
    headers = {"content-type": content_type} if content_type else {}
    import feedparser  # only for the few feeds the fast path cannot read: ~0.1 s to import

    r = feedparser.parse(data, response_headers=headers, sanitize_html=True)
    feed = r.get("feed") or {}
    if not r.get("version") and not r.get("entries"):
        return None
    rss = str(r.get("version") or "").startswith("rss")
    return ParsedFeed(
        title=_title(feed.get("title")),
        link=_link(feed.get("link"), url) or "",
        entries=[_entry(e, url, struct_dates=True, rss=rss) for e in r.get("entries") or ()],
        parser="fallback",
    )


def _json_author(item: dict[str, Any]) -> str:
    authors = item.get("authors")
    if isinstance(authors, list) and authors:
        first = authors[0]
    else:
        first = item.get("author")
    if isinstance(first, dict):
        return _line(first.get("name") or "")
    return _line(first) if isinstance(first, str) else ""


def _parse_json_feed(data: bytes, url: str) -> ParsedFeed | None:
    """JSON Feed 1.0/1.1 (jsonfeed.org), tolerant of wrong types in any field."""
    try:
        doc = json.loads(data.removeprefix(_UTF8_BOM).decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        return None

    def text(v: Any) -> str:
        return v if isinstance(v, str) else ""

    if len(doc["items"]) > MAX_ENTRIES:
        raise ParseError(_too_many_entries(len(doc["items"])))
    entries = []
    for item in doc["items"]:
        if not isinstance(item, dict):
            continue
        summary = text(item.get("summary"))
        content = text(item.get("content_html")) or text(item.get("content_text")) or summary
        guid = item.get("id")
        if guid is None or guid == "":
            guid = item.get("url")  # as fastfeedparser does
        tags = item.get("tags") if isinstance(item.get("tags"), list) else []
        published = _dt_from_iso(item.get("date_published"))
        updated = _dt_from_iso(item.get("date_modified"))
        entries.append(
            ParsedEntry(
                guid=clean_line(guid) if isinstance(guid, (str, int)) and guid != "" else None,
                link=_link(text(item.get("url")), url),
                title=_title(text(item.get("title"))),
                author=_json_author(item),
                published=published or updated,
                updated=updated,
                summary=_text(summary),
                content=_text(content),
                categories=_categories([t for t in tags if isinstance(t, str)]),
            )
        )
    return ParsedFeed(
        title=_title(text(doc.get("title"))),
        link=_link(text(doc.get("home_page_url")), url) or "",
        entries=entries,
        parser="fallback",
    )


# data.removeprefix(_UTF8_BOM).lstrip()[:1] == b"{", without copying the document.
_JSON_START = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\n\r\x0b\x0c]*+\{")


def _looks_like_json(data: bytes) -> bool:
    return _JSON_START.match(data) is not None


def parse_feed(data: bytes, url: str = "", content_type: str | None = None) -> ParsedFeed:
    """Parse a feed document; raise ParseError (one line) when it is not a feed.

    `url` is where the document came from; relative links are resolved against it.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data or data.isspace():  # not data.strip(), which copies the document
        raise ParseError("not a feed: the document is empty")
    all_dated = _check_limits(data)
    data = _strip_controls(data)
    # After the stripping: removing a control character can join "<!EN\x01TITY".
    declares_entities = _refuse_entities(data)

    fast: ParsedFeed | None = None
    try:
        normalized: bytes | None = _normalize_encoding(data, content_type)
    except Exception:  # noqa: BLE001 - a codec named by the server may raise anything
        normalized = None
    if normalized is not None and normalized is not data:
        # Decoded and encoded again: what the fast parser reads is checked too (a
        # charset such as UTF-7 can spell "<!ENTITY" in other bytes).
        declares_entities = _refuse_entities(normalized)
    if normalized is not None:
        try:
            fast = _parse_fast(
                _html_entities_to_refs(normalized, declares_entities), url, all_dated
            )
        except Exception:  # noqa: BLE001 - whatever the fast path chokes on, the fallback tries
            fast = None
    if fast is not None and len(fast.entries) > MAX_ENTRIES:  # what the markup count missed
        raise ParseError(_too_many_entries(len(fast.entries)))
    if fast is not None and fast.entries:
        # fastfeedparser drops Atom <summary type="xhtml">; feedparser keeps it.
        lost_text = any(not (e.summary or e.content) for e in fast.entries) and b"xhtml" in data
        # fastfeedparser ignores <content:encoded> in RSS 1.0 (RDF) items; feedparser reads it.
        lost_content = b"rdf:RDF" in data[:4096] and b"content:encoded" in data
        if not (lost_text or lost_content):
            return fast

    if fast is None and looks_like_html(data, content_type):
        raise ParseError("not a feed: the document is an HTML page")

    try:
        if _looks_like_json(data):
            slow = _parse_json_feed(data, url)
        else:
            slow = _parse_feedparser(data, url, content_type)
    except ParseError:
        raise
    except Exception:  # noqa: BLE001 - a document neither parser reads is not a feed
        slow = None
    if slow is not None and slow.entries and len(slow.entries) >= len(fast.entries if fast else []):
        return slow
    if fast is not None and fast.entries:
        return fast
    # An empty feed is still a feed when a parser recognised it and found a title.
    for candidate in (fast, slow):
        if candidate is not None and candidate.title:
            return candidate
    raise ParseError(NOT_A_FEED)


# ---------------------------------------------------------------- discovery


def looks_like_html(data: bytes, content_type: str | None = None) -> bool:
    """True when the document is an HTML page rather than a feed."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in ("application/xhtml+xml",):
        return True
    head = _head_text(data[:2048]).lstrip("\ufeff \t\r\n").lower()
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
        link = _link(href, base)
        if link and link not in out:
            out.append(link)
    return out
