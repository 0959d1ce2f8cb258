"""Sources: where a refresh's articles come from.

A Source turns fetch requests (one per feed: its URL and the validators of its last
fetch) into fetch results (one per request: a status and, when there is something
new, the parsed feed with its entries). HTTP feeds are the one source today
(http_feeds.py); what the refresh does with the results (identity, scheduling,
storage) is the same whatever the source, so a new one plugs in here:

- a sync backend (a server that keeps the feeds, read state and stars: Miniflux,
  FreshRSS, ...) answers the requests from the server's copy instead of each site,
  with results of the same shape;
- a full-article source fetches each entry's page and hands back the entries with
  their content filled in.

Refresher (core/refresh.py) takes any Source; it calls fetch() from a thread of its
own, stores the results in a writer thread while fetch() runs, and never calls two
fetches of one Source at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ..models import FetchRequest, FetchResult


class CancelFlag(Protocol):
    def is_set(self) -> bool: ...


class Source(Protocol):
    def fetch(self, requests: Sequence[FetchRequest], on_result: Callable[[FetchResult], None],
              cancel: CancelFlag | None = None) -> None:
        """Fetch every request; call on_result once per request, from any thread, as
        each result is ready (the results of requests not fetched when cancel is set
        may never come). on_result may block while the writer catches up (Refresher
        keeps a bounded number of results waiting): hold back, do not pile up.
        Returns when all are done or, soon after cancel is set, when the rest are
        abandoned. A request's failure is a result (status "error"), never
        an exception."""
        ...
