"""Article pages: each article's own web page, fetched and extracted.

The fetch is the feeds' own (ingest/fetch.py): the same caps, timeouts, redirects
followed by hand (never to file:// or another scheme), per-host limits and hostile-input
rules, with a size cap of its own for a page. Only http(s) links are fetched: a feed
must not be able to make us read a local file. Extraction (ingest/extract.py) runs in
an executor, never on the fetching loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..models import FetchRequest
from ..sanitize import clean_line
from . import CancelFlag

if TYPE_CHECKING:
    from ..ingest.fetch import Fetcher, FetchSettings

PAGE_MAX_BYTES = 8 * 1024 * 1024  # a news page is well under 2 MB; a 100 MB one is refused
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
PAGES_PER_HOST = 2  # politeness: a news site gets at most two page requests at a time


@dataclass(slots=True)
class PageJob:
    article_id: int
    url: str
    user_agent: str | None = None  # the feed's own (feed-set user_agent=), else ours
    # The cached copy's validators: set, the page is asked for conditionally
    etag: str | None = None
    last_modified: str | None = None


@dataclass(slots=True)
class PageResult:
    """status: "ok" (html and text set), "empty" (a page without article text),
    "not_modified" (a 304 to a conditional request: the cached copy stands),
    "error" (error says why in one line)."""

    article_id: int
    url: str  # where the page was found (after redirects): links in it are relative to it
    status: str
    html: str = ""
    text: str = ""
    error: str | None = None
    http_status: int | None = None
    retry_after: float | None = None  # seconds, from a 429/503
    etag: str | None = None  # the page's validators (ok, empty, not_modified)
    last_modified: str | None = None


def page_settings(settings: FetchSettings) -> FetchSettings:
    """The feed fetcher's settings with a page's size cap and per-host limit."""
    return dataclasses.replace(settings, max_bytes=min(settings.max_bytes, PAGE_MAX_BYTES),
                               per_host=min(settings.per_host, PAGES_PER_HOST))


def refused(url: str) -> str | None:
    """Why `url` is not fetched as an article page, or None when it may be."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "the article's link is not a valid URL"
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return f"the article's link is not a web address: {clean_line(url)[:100]}"
    return None


async def fetch_page(fetcher: Fetcher, job: PageJob,
                     executor: concurrent.futures.Executor) -> PageResult:
    """One article's page, fetched and extracted; every failure is a result."""
    from ..ingest.extract import ExtractionFailed, extract_page
    from ..ingest.fetch import describe_failure

    why = refused(job.url)
    if why:
        return PageResult(job.article_id, job.url, "error", error=why)
    try:
        raw = await fetcher.fetch_raw(FetchRequest(
            job.article_id, job.url.strip(), etag=job.etag, last_modified=job.last_modified,
            user_agent=job.user_agent))
    except Exception as exc:  # fetch_raw makes results of the expected ones
        return PageResult(job.article_id, job.url, "error",
                          error=describe_failure(exc, job.url, fetcher.settings))
    res = raw.result
    if raw.body is None:
        conditional = bool(job.etag or job.last_modified)
        if res.status == "not_modified" and conditional:
            return PageResult(job.article_id, job.url, "not_modified", http_status=304,
                              etag=res.etag, last_modified=res.last_modified)
        error = res.error or f"no page ({res.status})"
        if res.status == "not_modified":  # unasked: there is no copy it could mean
            error = "the server sent no page (304)"
        elif res.status == "gone":  # (the fetcher's reason for 410 speaks of feeds)
            error = "HTTP 410 Gone: the page was removed"
        return PageResult(job.article_id, job.url, "error", error=clean_line(error),
                          http_status=res.http_status, retry_after=res.retry_after)
    final = raw.final_url or job.url
    loop = asyncio.get_running_loop()
    try:
        found = await loop.run_in_executor(executor, extract_page, raw.body,
                                           raw.content_type, final)
    except ExtractionFailed as exc:
        if "no article text" in str(exc):  # this very page has none: keep its validators
            return PageResult(job.article_id, final, "empty", error=clean_line(str(exc)),
                              http_status=res.http_status, etag=res.etag,
                              last_modified=res.last_modified)
        return PageResult(job.article_id, final, "error", error=clean_line(str(exc)),
                          http_status=res.http_status)
    except Exception as exc:  # a page the extractor chokes on is that page's failure
        return PageResult(job.article_id, final, "error", http_status=res.http_status,
                          error=clean_line(f"could not extract the article: {exc}")[:200])
    return PageResult(job.article_id, final, "ok", html=found.html, text=found.text,
                      http_status=res.http_status, etag=res.etag,
                      last_modified=res.last_modified)


async def fetch_pages(jobs: Sequence[PageJob], settings: FetchSettings,
                      on_result: Callable[[PageResult], None],
                      cancel: CancelFlag | None = None, concurrency: int = 4) -> None:
    """Fetch and extract `jobs` (in their order, `concurrency` at a time, at most
    PAGES_PER_HOST to one host); on_result is called on this loop as each is done.
    Once cancel is set no new page is started; those in flight finish."""
    from ..ingest.fetch import open_fetcher

    executor = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="reader-extract")
    try:
        async with open_fetcher(page_settings(settings), executor) as fetcher:
            # The feeds' Accept header asks for feeds first; a page is HTML.
            fetcher.client.headers["Accept"] = PAGE_ACCEPT
            queue = list(reversed(jobs))

            async def worker() -> None:
                while queue and not (cancel is not None and cancel.is_set()):
                    result = await fetch_page(fetcher, queue.pop(), executor)
                    on_result(result)

            await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def fetch_pages_sync(jobs: Sequence[PageJob], settings: FetchSettings,
                     on_result: Callable[[PageResult], None],
                     cancel: CancelFlag | None = None, concurrency: int = 4) -> None:
    """fetch_pages for a caller without an event loop (a thread of its own)."""
    asyncio.run(fetch_pages(jobs, settings, on_result, cancel, concurrency))
