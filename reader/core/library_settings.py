"""Library's per-feed settings methods (a part of Library, kept apart for its size):
what `reader feed-set`, `reader feeds` and the TUI's feed editor call. The text of the
settings is feed_settings.py's; when a feed is due, feed_schedule.py's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .models import Feed

if TYPE_CHECKING:
    from .config import Config
    from .feed_settings import SettingView
    from .models import FeedSettings
    from .storage.store import Store


class FeedSettingMethods:
    store: Store
    config: Config

    def resolve_feed(self, ref: str | int) -> Feed: ...  # (Library's)

    def feeds(self) -> list[Feed]: ...  # (Library's)

    # -- feed settings -----------------------------------------------------------------------

    def feed_settings(self, ref: str | int) -> FeedSettings:
        return self.resolve_feed(ref).settings

    def set_feed_settings(self, ref: str | int, changes: dict[str, str] | Iterable[str]) -> Feed:
        """Apply changes ({"keep": "50", "refresh_every": "auto"}, or "KEY=VALUE" texts;
        "default" clears one), all checked before any is stored; FeedSettingError (one
        line) names a bad key or value (core/feed_settings.py)."""
        from .feed_settings import apply_changes, split_pair

        if not isinstance(changes, dict):
            changes = dict(split_pair(pair) for pair in changes)
        feed = self.resolve_feed(ref)
        self.store.set_feed_settings(feed.id, apply_changes(feed.settings, changes))
        return self._scheduled([self.store.feed(feed.id)])[0]

    def feed_setting_problem(self, pair: str) -> str | None:
        """What is wrong with a KEY=VALUE text (one line), or None: set_feed_settings'
        checks without a feed or the database (the TUI's dialog stays open on one)."""
        from .feed_settings import FeedSettingError, parse_value, split_pair

        try:
            parse_value(*split_pair(pair))
        except FeedSettingError as exc:
            return str(exc)
        return None

    def describe_feed_settings(self, ref: str | int | Feed) -> list[SettingView]:
        """Each setting of a feed for a person: key, value (None: default), shown (the
        value or "default (<what the config gives>)"), choices."""
        from .feed_settings import describe

        return describe((ref if isinstance(ref, Feed) else self.resolve_feed(ref)).settings,
                        self.config)

    def failing_feeds(self) -> list[Feed]:
        """Feeds whose last fetch failed (error_count > 0) or that are gone (410)."""
        return [f for f in self.feeds() if f.error_count or f.gone]

    def due_feeds(self, now: float | None = None) -> list[Feed]:
        """The feeds a refresh of the due ones fetches, by the intervals in force now
        (ingest/schedule.py)."""
        from .feed_schedule import due_feeds

        # (synced feeds are not fetched from their sites: their articles come from sync())
        return [f for f in due_feeds(self.store, self.config, now) if not f.remote_id]

    def _scheduled(self, feeds: list[Feed]) -> list[Feed]:
        """`feeds`, next_fetch as the intervals in force now make it."""
        from .feed_schedule import with_next_fetch

        return with_next_fetch(self.store, self.config, feeds)
