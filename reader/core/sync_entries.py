"""A server's entries as a refresh's parsed entries: the same sanitizer and caps, so synced articles are stored, searched and filtered as
any feed's are (storage.sync.store_entries writes them by the same identity rules)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from .ingest.fields import capped_line, capped_text, plain_title, safe_link
from .ingest.identity import entry_key
from .models import Enclosure, ParsedEntry
from .sanitize import clean_line
from .sources.sync.base import RemoteEntry
from .storage.sync import FeedBatch
from .tags import clean_tag


def _when(ts: float | None) -> datetime | None:
    if ts is None:
        return None
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def parsed_entry(entry: RemoteEntry) -> ParsedEntry:
    """As the feed parser makes an entry (ingest/fields.py): titles and authors one
    capped line, links http(s) only, the content capped and cleaned."""
    link = safe_link(entry.url, "")
    guid = capped_line(entry.guid)
    if not guid and not link:
        # (nothing else names it: the server's id does, so that it stays one article)
        guid = "sync:" + capped_line(entry.remote_id)
    labels = [t for t in (clean_tag(x) for x in entry.labels[:100]) if t]
    enclosures = []
    for x in entry.enclosures[:50]:
        url = safe_link(x.url, link or "")
        if url:
            enclosures.append(Enclosure(url, capped_line(x.type)[:200],
                                        x.length if isinstance(x.length, int) else None))
    return ParsedEntry(
        guid=guid or None, link=link, title=plain_title(entry.title),
        author=capped_line(entry.author), published=_when(entry.published),
        updated=_when(entry.updated), summary="", content=capped_text(entry.content_html),
        categories=labels, enclosures=enclosures)


def feed_batches(entries: Sequence[RemoteEntry], feeds: dict[str, int]) -> tuple[list[FeedBatch], int]:
    """The entries by local feed (`feeds`: {remote feed id: feed id}); how many belong to
    no feed held here (they are left out)."""
    by_feed: dict[int, FeedBatch] = {}
    orphans = 0
    for entry in entries:
        feed_id = feeds.get(entry.feed_remote_id)
        if feed_id is None:
            orphans += 1
            continue
        parsed = parsed_entry(entry)
        batch = by_feed.setdefault(feed_id, FeedBatch(feed_id, [], []))
        batch.entries.append(parsed)
        batch.remote.append((entry_key(parsed), clean_line(entry.remote_id), bool(entry.read),
                             bool(entry.starred), bool(entry.shared)))
    return list(by_feed.values()), orphans
