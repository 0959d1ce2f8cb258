"""Library's sync methods (a part of Library): what the CLI and the TUI call to sync
with a server and to see how the last sync went. The engine is sync.py; the queue and
the sync tables are storage/sync.py; [sync] is read by sync_config.py."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from .errors import FetchError
from .models import Feed, SyncStatus, SyncSummary
from .sanitize import clean_line

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from .config import Config
    from .storage.store import Store
    from .sync_config import SyncSettings


# Services with Tiny Tiny RSS's "published" mark, known from the config alone (no
# connection, nothing imported): tests/sync check it against each backend's Capabilities.
PUBLISHING_SERVICES = ("ttrss",)


class SyncMethods:
    store: Store
    config: Config

    # -- sync ----------------------------------------------------------------------------------

    @property
    def sync_configured(self) -> bool:
        """[sync] names a service (checked only when used: sync_settings)."""
        from .sync_config import sync_configured

        return sync_configured(self.config.sync)

    def syncs_new_feeds(self, local: bool, url: str) -> bool:
        """Whether a feed added now at `url` is subscribed on the server too (queued):
        with [sync], unless `local`, and for web addresses (a server cannot fetch a file)."""
        return not local and self.sync_configured and url.startswith(("http://", "https://"))

    def add_feed(self, url: str, tags: Iterable[str] = (), title: str | None = None,
                 local: bool = False) -> tuple[Feed, int]: ...  # (Library's)

    def subscribe(self, url: str, title: str = "", tags: Iterable[str] = (), link: str = "",
                  user_title: str = "", local: bool = False) -> tuple[Feed, bool]: ...

    def add_or_queue(self, url: str, tags: Iterable[str] = (), title: str | None = None,
                     local: bool = False) -> tuple[Feed, int, str | None]:
        """add_feed; but when this machine cannot fetch the feed (FetchError: offline, or
        a feed only the server reaches) and it is to be subscribed on the sync server
        anyway, it is subscribed here without articles and queued: the server fetches
        it, the next sync brings its articles (offline first). Returns (feed, articles
        stored, why it was not fetched here, or None when it was)."""
        try:
            feed, new = self.add_feed(url, tags=tags, title=title, local=local)
        except FetchError as exc:
            if not self.syncs_new_feeds(local, url):
                raise
            feed, _ = self.subscribe(url, tags=tags, user_title=title or "")
            return feed, 0, clean_line(str(exc)).removeprefix(
                f"cannot subscribe to {feed.url}: ")
        return feed, new, None

    def sync_settings(self) -> SyncSettings | None:
        """The [sync] section checked, or None when there is none; ConfigError (one line
        naming the key) for a bad one."""
        from .sync_config import sync_configured, sync_settings

        if not sync_configured(self.config.sync):
            return None
        return sync_settings(self.config.sync, str(self.config.path or "config.toml"))

    def sync(self, progress: Callable[[str, int, int], None] | None = None,
             cancel: threading.Event | None = None, *, push_only: bool = False,
             in_child: bool = False) -> SyncSummary:
        """Push the queued changes, pull feeds, entries and read/starred, push again
        (push_only: the first step alone). Blocking: call it from a thread. Never raises
        for the server or the network (SyncSummary.error, one line); ConfigError for a
        bad [sync] or a password_command that fails. `in_child`: run by a child process
        (sync_child.py), for a UI whose event loop must keep the GIL."""
        from .errors import ConfigError

        settings = self.sync_settings()
        if settings is None:
            raise ConfigError("no [sync] section with a service in the config file"
                              " (see README: Sync)")
        if in_child and self.store.path != ":memory:":
            from .sync_child import sync_in_child

            summary = sync_in_child(self.store.path, self.config, on_progress=progress,
                                    cancel=cancel)
            if summary.ok:  # the new articles' search index, as after a refresh
                self.update_index_in_background()
            return summary
        from .sync import run_sync

        return run_sync(self.store, settings, progress, cancel, push_only=push_only,
                        retention=(self.config.max_per_feed, self.config.max_age_days))

    def sync_status(self) -> SyncStatus:
        """How the last sync went and what waits to be pushed (no network; one query).
        Never the password."""
        from .sync import status

        settings = self.sync_settings() if self.sync_configured else None
        return status(self.store, settings)

    def pending_subscriptions(self) -> set[str]:
        """URLs of feeds added here whose subscribe the server has not had yet."""
        from .storage.sync import pending_subscribe_urls

        return pending_subscribe_urls(self.store)

    def sync_pending(self) -> int:
        """Local changes waiting for the server."""
        from .storage.sync import pending_count

        return pending_count(self.store)

    # -- the published mark (tt-rss) -----------------------------------------------------------

    @property
    def sync_publishes(self) -> bool:
        """Whether the [sync] service has a published mark (Tiny Tiny RSS): config only."""
        return self.sync_configured and self.config.sync.get("service") in PUBLISHING_SERVICES

    def set_shared(self, ids: Sequence[int], shared: bool = True) -> int:
        """Publish (or unpublish) articles on the sync server, as tt-rss's "published"
        mark: queued for the server like read and starred. Only articles the server has
        change. ReaderError (one line) when the service has no such mark."""
        from .errors import ReaderError

        if not self.sync_publishes:
            service = self.config.sync.get("service") if self.sync_configured else None
            raise ReaderError(
                (f"{service} has no published mark" if service else "no [sync] section")
                + ": only Tiny Tiny RSS publishes articles (see README: Sync)")
        return self.store.set_flag(ids, "shared", shared)

    def synced_among(self, refs: Sequence[str | int | Feed]) -> list[Feed]:
        """Which of these feeds (refs as refresh_targets takes them) come from the sync
        server: a refresh leaves them out, as they are refreshed by syncing."""
        feeds = (r if isinstance(r, Feed) else self.resolve_feed(r) for r in refs)
        return [f for f in {f.id: f for f in feeds}.values() if f.remote_id]
