"""Library's search-index methods (a part of Library): the index is built after the
headlines (storage/indexer.py), here on demand or by a detached process of its own
(indexer_child.py). Search is right either way; these make it fast again."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .storage.store import Store


class IndexMethods:
    store: Store

    # -- the search index --------------------------------------------------------------------

    def update_index(self, cancel: threading.Event | None = None) -> int:
        """Index every article that waits (new or changed since), in batches; returns how
        many. Blocking: call it from a thread in a UI."""
        return self.store.update_index(cancel)

    def index_pending(self) -> int:
        """How many articles the search index lacks (search still finds them, slower)."""
        return self.store.index_pending()

    def update_index_in_background(self) -> bool:
        """Start a detached process that indexes what waits, when anything does, and
        return at once (what `reader refresh` does before it exits). True if started."""
        if self.store.path == ":memory:" or not self.store.index_pending():
            return False
        from .indexer_child import start_detached

        start_detached(self.store.path)
        return True
