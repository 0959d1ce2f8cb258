"""Library's search-index methods (a part of Library): the index is built after the
headlines (storage/indexer.py), here on demand or by a detached process of its own
(indexer_child.py). Search is right either way; these make it fast again."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection

    from .config import Config
    from .filters import Filter
    from .storage.store import Store

# Articles waiting for the index above which a one-off search indexes them first:
# indexing costs ~0.07 ms an article once (100k in 7.4 s), the search's fallback ~0.2 ms
# an article at every search (~20 s right after a refresh of 100k).
INDEX_BEFORE_SEARCH = 5_000


class IndexMethods:
    store: Store
    config: Config

    def full_articles_due(self, feed_ids: Collection[int] | None = None) -> bool: ...

    # -- the search index --------------------------------------------------------------------

    def update_index(self, cancel: threading.Event | None = None) -> int:
        """Index every article that waits (new or changed since), in batches; returns how
        many. Blocking: call it from a thread in a UI."""
        return self.store.update_index(cancel)

    def index_pending(self) -> int:
        """How many articles the search index lacks (search still finds them, slower)."""
        return self.store.index_pending()

    def update_index_in_background(self, pages_of: Collection[int] = ()) -> bool:
        """Start a detached process that indexes what waits, when anything does, and
        return at once (what `reader refresh` does before it exits). `pages_of`: feeds
        whose full-text pages it fetches first (those set to full text with pages
        due). True if started."""
        if self.store.path == ":memory:":
            return False
        pages_of = list(pages_of) if pages_of and self.full_articles_due(pages_of) else []
        if not pages_of and not self.store.index_pending():
            return False
        from .indexer_child import start_detached

        start_detached(self.store.path, pages_of, self.config.settings())
        return True

    def index_before_search(self, query: Filter, most: int | None = None,
                            on_start: Callable[[int], object] | None = None) -> int:
        """For a one-off search (a command): when `query` has full-text words and more
        than `most` articles wait for the index, index them now (once, for every later
        search too) instead of matching each one by one; returns how many waited (0:
        nothing done). `on_start(n)` is called first. A detached indexer running
        meanwhile takes turns with this one, batch by batch."""
        if query.words is None:
            return 0
        waiting = self.store.index_pending()
        if waiting <= (INDEX_BEFORE_SEARCH if most is None else most):
            return 0
        if on_start is not None:
            on_start(waiting)
        self.store.update_index()
        return waiting
