"""The sidebar's unread counts follow a mark as the header's does, in the same frame.

The header's count changes as an article is marked read (ArticleActions); the
sidebar's came with the counts read again after the write, up to a second later on a
big database, so the two disagreed meanwhile. The rows an article counts in (All,
Unread, its feed, its feed's tags and its own categories) change with the header's;
the counts read after the write then replace them all (saved filters' too).
"""

from __future__ import annotations

from collections.abc import Iterable

from reader.core.models import Headline
from reader.core.tags import fold

from ..widgets.sidebar import Item, tag_filter


def counted_in(item: Item, headline: Headline, feed_tags: set[str]) -> bool:
    """Whether `item`'s unread count counts `headline` (saved filters: not known here)."""
    if item.kind in ("all", "unread"):
        return True
    if item.kind == "feed":
        return item.feed is not None and item.feed.id == headline.feed_id
    if item.kind in ("tag", "category"):
        return any(item.filter == tag_filter(t) for t in feed_tags) or any(
            fold(item.label) == fold(t) for t in headline.tags
        )
    return False


def follow_marks(items: list[Item], headlines: Iterable[Headline], read: bool) -> bool:
    """Change the unread counts of `items` for `headlines` marked read (unread): True if
    one changed (the sidebar is then drawn again)."""
    feed_tags = {
        item.feed.id: set(item.feed.tags) for item in items if item.kind == "feed" and item.feed
    }
    step = -1 if read else 1
    changed = False
    for h in headlines:
        tags = feed_tags.get(h.feed_id, set())
        for item in items:
            if item.count is not None and counted_in(item, h, tags):
                item.count = max(0, item.count + step)
                changed = True
    return changed
