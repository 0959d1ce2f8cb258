"""The HTTP feeds source: each feed fetched from its own site, parsed in workers.

The event loop fetches; decompressing and parsing run in workers (processes for a
big refresh: ingest/workers.py), so the fetch loop never waits on a parse, and holds
each body only as it came over the wire (compressed). Results
stream to the consumer and none is kept here: a consumer that falls behind (the
database writer) holds back the parsing and the fetching (fetch_each), so a refresh
of any size holds a bounded number of bodies and parsed feeds.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..models import FetchRequest, FetchResult
from . import CancelFlag

if TYPE_CHECKING:
    from ..config import Config
    from ..ingest.fetch import Fetcher, FetchSettings
    from ..models import ParsedFeed

log = logging.getLogger(__name__)


def fetch_settings(config: Config) -> FetchSettings:
    """The fetcher's settings from the configuration."""
    from ..ingest.fetch import FetchSettings

    return FetchSettings(
        concurrency=config.concurrency,
        per_host=config.per_host,
        connect_timeout=config.connect_timeout,
        timeout=config.timeout,
        max_bytes=int(config.max_body_mb * 1024 * 1024),
    )


class HttpFeeds:
    """Source: feeds over HTTP(S) (and file:// URLs), with conditional requests."""

    def __init__(self, settings: FetchSettings) -> None:
        self.settings = settings

    def fetch(self, requests: Sequence[FetchRequest], on_result: Callable[[FetchResult], None],
              cancel: CancelFlag | None = None) -> None:
        """on_result runs in a thread of its own and may block (see fetch_each)."""
        asyncio.run(self._fetch(list(requests), on_result, cancel))

    async def _fetch(self, requests: list[FetchRequest],
                     on_result: Callable[[FetchResult], None],
                     cancel: CancelFlag | None) -> None:
        from ..ingest.workers import ParsePool, parse_executor, parse_for_store

        pool = parse_executor(len(requests))
        if isinstance(pool, ParsePool) and any(
                not (r.etag or r.last_modified) for r in requests):
            pool.start()  # a feed without validators cannot answer 304: it will parse
        try:
            task = asyncio.ensure_future(fetch_each(
                requests, on_result, self.settings, parse_executor=pool,
                parse_fn=parse_for_store, parse_turns=pool.workers if isinstance(pool, ParsePool) else 2,
            ))
            if cancel is None:
                await task
                return
            while not task.done():
                if cancel.is_set():
                    task.cancel()
                    break
                await asyncio.wait([task], timeout=0.1)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


async def fetch_each(
    requests: list[FetchRequest],
    on_result: Callable[[FetchResult], None],
    settings: FetchSettings | None = None,
    parse_executor: concurrent.futures.Executor | None = None,
    parse_fn: Callable[[bytes, str, str | None], ParsedFeed] | None = None,
    parse_turns: int = 3,
) -> None:
    """Fetch and parse every feed, handing each result to `on_result` and keeping none
    (ingest.fetch.fetch_all returns them all: a refresh of 100 feeds of 1,000 items
    held every parsed feed to its end, its process reaching 0.59 GB).

    `on_result` runs in a thread of its own, one result at a time, and may block: a
    consumer that falls behind holds back the parsing, which holds back the fetching,
    so at most `settings.concurrency` bodies wait to be parsed and `parse_turns` feeds
    are parsed or parsing at once (the parsing workers and one more). A failure of
    on_result is logged; the rest go on.
    """
    from ..ingest.fetch import FetchSettings, open_fetcher

    settings = settings or FetchSettings()
    loop = asyncio.get_running_loop()
    handing = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="reader-hand-over")

    def call(result: FetchResult) -> None:
        try:
            on_result(result)
        except Exception:  # a broken progress display must not lose the batch
            log.exception("on_result failed")

    async def hand_over(result: FetchResult) -> None:
        await loop.run_in_executor(handing, call, result)

    async def one(fetcher: Fetcher, request: FetchRequest) -> None:
        await fetcher.fetch(request, hand_over)  # (not returned: gather would keep it)

    try:
        async with open_fetcher(settings, parse_executor, parse_fn, parse_turns) as fetcher:
            await asyncio.gather(*(one(fetcher, r) for r in requests))
    finally:
        # Cancelled: the results not yet handed over are dropped; the one being handed
        # over is waited for (its consumer keeps draining until the source returns).
        handing.shutdown(wait=True, cancel_futures=True)
