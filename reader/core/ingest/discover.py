"""Find the feed behind a URL: the URL itself when it is a feed, else a feed the web page
there links."""

from __future__ import annotations

import asyncio

from reader.core.ingest.feed_links import find_feed_links, looks_like_html
from reader.core.ingest.fetch import FetchSettings, describe_failure, open_fetcher
from reader.core.models import FetchRequest, FetchResult

NO_FEED_FOUND = "no feed found at {url} (the page links none)"


async def discover(url: str, settings: FetchSettings | None = None) -> tuple[str, FetchResult]:
    """Find the feed behind `url`: the URL itself if it is a feed, else a feed the page links.

    Returns (feed_url, result). feed_url is where the feed lives now (after a
    permanent redirect, the new URL); result.status is "error" when none was found.
    """
    settings = settings or FetchSettings()
    async with open_fetcher(settings) as fetcher:
        req = FetchRequest(feed_id=0, url=url)
        try:
            raw = await fetcher.fetch_raw(req)
        except Exception as exc:
            return url, FetchResult(0, url, "error", error=describe_failure(exc, url, settings))
        if raw.body is None:
            return url, raw.result
        if not looks_like_html(raw.body, raw.content_type):
            result = await fetcher.parse(raw)
            return (result.new_url or url), result
        candidates = find_feed_links(raw.body, raw.final_url or url)
        if not candidates:
            why = NO_FEED_FOUND.format(url=url)
            return url, FetchResult(0, url, "error", http_status=raw.result.http_status, error=why)
        failures: list[FetchResult] = []
        for candidate in candidates:
            result = await fetcher.fetch(FetchRequest(feed_id=0, url=candidate))
            if result.status == "ok":
                return (result.new_url or candidate), result
            failures.append(result)
        why = f"no feed found at {url}: the feed the page links failed: {failures[0].error}"
        return url, FetchResult(0, url, "error", error=why)


def discover_sync(url: str, settings: FetchSettings | None = None) -> tuple[str, FetchResult]:
    return asyncio.run(discover(url, settings))
