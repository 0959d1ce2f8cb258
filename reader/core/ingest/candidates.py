"""Every feed behind a URL, for a person to pick from: the URL itself when it is a feed,
else each feed the web page there links, fetched to show its title and size.

discover.py picks the first feed that works (`reader add`); a dialog shows them all.
"""

from __future__ import annotations

import asyncio

from reader.core.ingest.discover import NO_FEED_FOUND
from reader.core.ingest.feed_links import find_feed_links, looks_like_html
from reader.core.ingest.fetch import FetchSettings, describe_failure, open_fetcher
from reader.core.models import FeedCandidate, FetchRequest, FetchResult
from reader.core.sanitize import clean_line

MOST_CANDIDATES = 12  # a page linking more (one per category) shows the first ones


def _candidate(url: str, result: FetchResult) -> FeedCandidate:
    if result.status != "ok" or result.parsed is None:
        return FeedCandidate(url, error=clean_line(result.error or result.status))
    parsed = result.parsed
    return FeedCandidate(result.new_url or url, clean_line(parsed.title), len(parsed.entries))


async def feed_candidates(
    url: str, settings: FetchSettings | None = None
) -> tuple[list[FeedCandidate], str | None]:
    """(the feeds behind `url`, None), or ([], why none) when the URL fails or is a page
    linking no feed. A page's feeds come in the page's order, failed ones included."""
    settings = settings or FetchSettings()
    async with open_fetcher(settings) as fetcher:
        try:
            raw = await fetcher.fetch_raw(FetchRequest(feed_id=0, url=url))
        except Exception as exc:
            return [], describe_failure(exc, url, settings)
        if raw.body is None:
            return [], clean_line(raw.result.error or raw.result.status)
        if not looks_like_html(raw.body, raw.content_type):
            result = await fetcher.parse(raw)
            if result.status != "ok":
                return [], clean_line(result.error or result.status)
            return [_candidate(url, result)], None
        links = find_feed_links(raw.body, raw.final_url or url)[:MOST_CANDIDATES]
        if not links:
            return [], NO_FEED_FOUND.format(url=url)
        results = await asyncio.gather(
            *(fetcher.fetch(FetchRequest(feed_id=0, url=link)) for link in links)
        )
        return [_candidate(link, result) for link, result in zip(links, results)], None


def feed_candidates_sync(
    url: str, settings: FetchSettings | None = None
) -> tuple[list[FeedCandidate], str | None]:
    return asyncio.run(feed_candidates(url, settings))
