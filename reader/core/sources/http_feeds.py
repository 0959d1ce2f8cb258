"""The HTTP feeds source: each feed fetched from its own site, parsed in workers.

The event loop fetches; parsing and text extraction run in workers (processes for a
big refresh: ingest/workers.py), so the fetch loop never waits on a parse.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..models import FetchRequest, FetchResult
from . import CancelFlag

if TYPE_CHECKING:
    from ..config import Config
    from ..ingest.fetch import FetchSettings


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
        asyncio.run(self._fetch(list(requests), on_result, cancel))

    async def _fetch(self, requests: list[FetchRequest],
                     on_result: Callable[[FetchResult], None],
                     cancel: CancelFlag | None) -> None:
        from ..ingest.fetch import fetch_all
        from ..ingest.workers import parse_executor, parse_for_store

        pool = parse_executor(len(requests))
        try:
            task = asyncio.ensure_future(fetch_all(
                requests, self.settings, on_result=on_result, parse_executor=pool,
                parse_fn=parse_for_store,
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
