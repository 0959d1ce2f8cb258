"""The search index brought up to date by a process of its own, detached: what
`reader refresh` leaves behind when it exits with the headlines stored (unless
--wait-index); with --pages, first the full-text pages of the feeds it refreshed
(those set to full text: full_text.py), whose text the index then takes too. Search is
right meanwhile (storage/indexer.py's fallback); this makes it fast again. Killed at
any point, it leaves whole batches and whole pages only, and the next run (a refresh, a
search, another of these) goes on from there.

    python -m reader.core.indexer_child DB_PATH [--pages FEED_IDS SETTINGS_JSON]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Collection


def start_detached(db_path: str, pages_of: Collection[int] = (),
                   settings: dict[str, object] | None = None) -> None:
    """Start the indexer for the database at `db_path` and return at once: a session
    of its own (a terminal's Ctrl+C or hang-up for the command does not reach it), no
    terminal, nothing to wait for. `pages_of`: feeds whose due full-text pages it
    fetches first, with `settings` (Config.settings(): the fetcher's limits)."""
    pages = []
    if pages_of:
        # (never [sync] nor the keys: a command line is visible to every local user)
        fetch = {k: v for k, v in (settings or {}).items() if k not in ("sync", "keys")}
        pages = ["--pages", ",".join(map(str, pages_of)), json.dumps(fetch)]
    subprocess.Popen(
        [sys.executable, "-m", "reader.core.indexer_child", db_path, *pages],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, close_fds=True,
    )


def _main() -> int:
    from .errors import ReaderError
    from .storage.store import Store

    if hasattr(os, "nice"):
        os.nice(5)  # background work: what the user runs next gets the CPU first
    try:
        store = Store(sys.argv[1], create=False)
        try:
            if sys.argv[2:3] == ["--pages"]:
                _fetch_pages(store, [int(i) for i in sys.argv[3].split(",")],
                             json.loads(sys.argv[4]))
            store.update_index()
        finally:
            store.close()
    except ReaderError:
        return 1  # (gone, read-only, locked: search's fallback stays right; the next run)
    return 0


def _fetch_pages(store, feed_ids: list[int], settings: dict) -> None:
    from .config import Config
    from .full_text import prefetch
    from .sources.http_feeds import fetch_settings

    agents = {f.id: f.settings.user_agent for f in store.feeds(with_counts=False)}
    prefetch(store, fetch_settings(Config(**settings)), user_agents=agents.get,
             feed_ids=feed_ids)


if __name__ == "__main__":
    sys.exit(_main())
