"""The schedule with the store: each feed's interval in force and when it is due.

ingest/schedule.py is the policy, pure; this reads what it needs for it (the config's
interval, a feed's refresh_every, and for refresh_every=auto the feed's recent
publication times) so that Library's due feeds and the next_fetch it shows agree.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .ingest.schedule import due_at, feed_interval, interval_s, is_due

if TYPE_CHECKING:
    from .config import Config
    from .models import Feed
    from .storage.store import Store


def feed_intervals(store: Store, config: Config, feeds: Sequence[Feed],
                   now: float | None = None) -> dict[int, float]:
    """{feed id: its refresh interval in force, seconds}: refresh_every, else the config's."""
    now = now if now is not None else time.time()
    auto = [f.id for f in feeds if (f.settings.refresh_every or 0) < 0]
    published = store.recent_published(auto) if auto else {}
    default = interval_s(config.refresh_interval)
    return {f.id: feed_interval(f.settings.refresh_every, default, published.get(f.id), now)
            for f in feeds}


def due_feeds(store: Store, config: Config, now: float | None = None) -> list[Feed]:
    """The feeds a refresh of the due ones fetches at `now`."""
    now = now if now is not None else time.time()
    feeds = store.feeds(with_counts=False)
    intervals = feed_intervals(store, config, feeds, now)
    return [f for f in feeds if is_due(f, intervals[f.id], now)]


def with_next_fetch(store: Store, config: Config, feeds: list[Feed]) -> list[Feed]:
    """`feeds`, each next_fetch set to when it is due by the intervals in force now
    (the stored one is only a failure's; a feed due at once keeps what it had)."""
    intervals = feed_intervals(store, config, feeds)
    for f in feeds:
        at = due_at(f, intervals[f.id])
        if at:
            f.next_fetch = datetime.fromtimestamp(at, UTC)
    return feeds
