"""Turn feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into ParsedFeed objects.

fastfeedparser is the fast path: ~100x cheaper than feedparser on real feeds. When it
raises or finds nothing, feedparser (or, for JSON Feed, which feedparser does not
know, a small parser) gets a second try (fallback.py): it copes with broken markup and
odd encodings that the fast path rejects.

Before either runs, guards.py refuses what a document may not cost or carry and
encoding.py makes its bytes readable to the fast path. Every string leaving this
module has passed through clean_line or clean_text (fields.py), so nothing a feed says
can reach a terminal as an escape sequence.
"""

from __future__ import annotations

from collections.abc import Callable

import fastfeedparser
import fastfeedparser.main as _fastfeedparser_main

from reader.core.errors import ParseError
from reader.core.ingest.dates import date_from_guid
from reader.core.ingest.encoding import html_entities_to_refs, looks_like_json, normalize_encoding
from reader.core.ingest.fallback import parse_json_feed, parse_with_feedparser
from reader.core.ingest.feed_links import looks_like_html
from reader.core.ingest.fields import (
    MAX_LINE_CHARS,
    MAX_TEXT_CHARS,
    parsed_entry,
    plain_title,
    safe_link,
)
from reader.core.ingest.guards import (
    ENTITIES_REFUSED,
    MAX_ELEMENTS,
    MAX_ENTRIES,
    check_limits,
    refuse_entities,
    strip_controls,
    too_many_entries,
)
from reader.core.models import ParsedFeed

# fastfeedparser hands a date it cannot read to dateparser when that is installed (it is:
# trafilatura's htmldate needs it). dateparser reads "the day after tomorrow" as a date
# relative to now, so junk became a real date, and it costs ~0.4 s to import in a worker.
# A feed's date is a date or nothing (dates.py reads the RFC 822 and ISO forms).
_fastfeedparser_main._slow_dateparser = lambda value: None

# What parse_feed promises, importable from here: the function, its refusals, its limits.
__all__ = [
    "ENTITIES_REFUSED",
    "MAX_ELEMENTS",
    "MAX_ENTRIES",
    "MAX_LINE_CHARS",
    "MAX_TEXT_CHARS",
    "NOT_A_FEED",
    "parse_feed",
]

NOT_A_FEED = "not a feed: no RSS, Atom, RDF or JSON Feed found"


def _parse_fast(data: bytes, url: str, all_dated: Callable[[], bool] | bool = True) -> ParsedFeed:
    """`all_dated`: whether every entry has a date element of its own (see
    guards.check_limits); only then can a date be trusted not to come from the guid."""
    # bytes, never str: a str URL would be fetched. Media (thumbnails) are not read.
    r = fastfeedparser.parse(data, include_media=False, include_enclosures=True)
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
            if date_from_guid(guid, published):
                e["published"] = e.get("updated")
    entries = [parsed_entry(e, url, struct_dates=False) for e in raw_entries]
    return ParsedFeed(
        title=plain_title(feed.get("title")),
        link=safe_link(feed.get("link"), url) or "",
        entries=entries,
        parser="fast",
    )


def parse_feed(data: bytes, url: str = "", content_type: str | None = None) -> ParsedFeed:
    """Parse a feed document; raise ParseError (one line) when it is not a feed.

    `url` is where the document came from; relative links are resolved against it.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data or data.isspace():  # not data.strip(), which copies the document
        raise ParseError("not a feed: the document is empty")
    all_dated = check_limits(data)
    data = strip_controls(data)
    # After the stripping: removing a control character can join "<!EN\x01TITY".
    declares_entities = refuse_entities(data)

    fast: ParsedFeed | None = None
    try:
        normalized: bytes | None = normalize_encoding(data, content_type)
    except Exception:  # noqa: BLE001 - a codec named by the server may raise anything
        normalized = None
    if normalized is not None and normalized is not data:
        # Decoded and encoded again: what the fast parser reads is checked too (a
        # charset such as UTF-7 can spell "<!ENTITY" in other bytes).
        declares_entities = refuse_entities(normalized)
    if normalized is not None:
        try:
            fast = _parse_fast(html_entities_to_refs(normalized, declares_entities), url, all_dated)
        except Exception:  # noqa: BLE001 - whatever the fast path chokes on, the fallback tries
            fast = None
    if fast is not None and len(fast.entries) > MAX_ENTRIES:  # what the markup count missed
        raise ParseError(too_many_entries(len(fast.entries)))
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
        if looks_like_json(data):
            slow = parse_json_feed(data, url)
        else:
            slow = parse_with_feedparser(data, url, content_type)
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
