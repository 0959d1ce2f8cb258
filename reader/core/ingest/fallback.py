"""The second try at a document the fast path could not read: feedparser, which copes
with broken markup and odd encodings, and a small JSON Feed parser (feedparser does
not know JSON Feed). Both are slow next to the fast path and rarely needed."""

from __future__ import annotations

import json
from typing import Any

from reader.core.errors import ParseError
from reader.core.ingest.dates import dt_from_iso
from reader.core.ingest.encoding import UTF8_BOM
from reader.core.ingest.fields import (
    capped_line,
    capped_text,
    category_names,
    enclosure_list,
    parsed_entry,
    plain_title,
    safe_link,
)
from reader.core.ingest.guards import MAX_ENTRIES, too_many_entries
from reader.core.models import ParsedEntry, ParsedFeed
from reader.core.sanitize import clean_line


def parse_with_feedparser(data: bytes, url: str, content_type: str | None) -> ParsedFeed | None:
    """None when feedparser recognises no feed at all."""
    # No base URL on purpose: feedparser would then "resolve" RSS guids like
    # "item-3" into URLs. Links are resolved in safe_link instead.
    headers = {"content-type": content_type} if content_type else {}
    import feedparser  # only for the few feeds the fast path cannot read: ~0.1 s to import

    r = feedparser.parse(data, response_headers=headers, sanitize_html=True)
    feed = r.get("feed") or {}
    if not r.get("version") and not r.get("entries"):
        return None
    rss = str(r.get("version") or "").startswith("rss")
    return ParsedFeed(
        title=plain_title(feed.get("title")),
        link=safe_link(feed.get("link"), url) or "",
        entries=[parsed_entry(e, url, struct_dates=True, rss=rss) for e in r.get("entries") or ()],
        parser="fallback",
    )


def _json_author(item: dict[str, Any]) -> str:
    authors = item.get("authors")
    if isinstance(authors, list) and authors:
        first = authors[0]
    else:
        first = item.get("author")
    if isinstance(first, dict):
        return capped_line(first.get("name") or "")
    return capped_line(first) if isinstance(first, str) else ""


def parse_json_feed(data: bytes, url: str) -> ParsedFeed | None:
    """JSON Feed 1.0/1.1 (jsonfeed.org), tolerant of wrong types in any field."""
    try:
        doc = json.loads(data.removeprefix(UTF8_BOM).decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        return None

    def text(v: Any) -> str:
        return v if isinstance(v, str) else ""

    if len(doc["items"]) > MAX_ENTRIES:
        raise ParseError(too_many_entries(len(doc["items"])))
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
        published = dt_from_iso(item.get("date_published"))
        updated = dt_from_iso(item.get("date_modified"))
        entries.append(
            ParsedEntry(
                guid=clean_line(guid) if isinstance(guid, (str, int)) and guid != "" else None,
                link=safe_link(text(item.get("url")), url),
                title=plain_title(text(item.get("title"))),
                author=_json_author(item),
                published=published or updated,
                updated=updated,
                summary=capped_text(summary),
                content=capped_text(content),
                categories=category_names([t for t in tags if isinstance(t, str)]),
                enclosures=enclosure_list(
                    item.get("attachments") if isinstance(item.get("attachments"), list) else (),
                    url),
            )
        )
    return ParsedFeed(
        title=plain_title(text(doc.get("title"))),
        link=safe_link(text(doc.get("home_page_url")), url) or "",
        entries=entries,
        parser="fallback",
    )
