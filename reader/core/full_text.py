"""Full articles: when an article's page is fetched, and what is done with the result.

- On demand (Library.fetch_full_article: `reader show --full`, the TUI's key): fetched
  when never fetched, when forced, or when a failure's next try has come.
- In the background after a refresh (prefetch): the articles of feeds set to
  full_text=always, and of feeds set to full_text=auto that look like summary feeds,
  newest first, a bounded number a run, a few at a time, at most two to one host.
  Each page is stored as it comes, so a run cut short resumes where it stopped.
- A feed without a setting of its own is never prefetched (DEFAULT_MODE): pages are
  fetched only when asked for. summary_feed_ids() names the feeds "auto" would pick,
  for the UI to offer.

The AUTO rule: a feed is a summary feed when the median length of its own text over
its newest AUTO_SAMPLE articles is under AUTO_MAX_MEDIAN characters, with at least
AUTO_MIN_ARTICLES articles to judge by. (In the 200 feeds of the shared corpus, 74 have
a typical item text under 600 characters: news agencies' leads.)

A failure (network, HTTP status, not a page, no article text) is remembered, with a
next try after a backoff that grows with each failure in a row (retry_at).

Fetched again (forced, or a page without article text tried again), a page is asked
for with the validators it came with (If-None-Match, If-Modified-Since); a 304 keeps
the cached copy and moves its fetched time.
"""

from __future__ import annotations

import statistics
import threading
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from .models import Article, FullArticle
from .storage import full_articles as rows

if TYPE_CHECKING:
    from .ingest.fetch import FetchSettings
    from .sources.article_pages import PageJob, PageResult
    from .storage.store import Store

DEFAULT_MODE = "never"  # a feed without full_text set: fetched on demand only
AUTO_SAMPLE = 20
AUTO_MIN_ARTICLES = 5
AUTO_MAX_MEDIAN = 600
PREFETCH_LIMIT = 200  # pages a background run fetches at most (the rest: next run)
PREFETCH_CONCURRENCY = 4
FIRST_RETRY = timedelta(hours=1)
LAST_RETRY = timedelta(days=7)


def retry_at(now: datetime, tries: int, retry_after: float | None = None) -> datetime:
    """When a page that failed `tries` times in a row is tried again: 1 h, 4 h, 16 h,
    ... up to a week; never before a server's Retry-After."""
    wait = min(LAST_RETRY, FIRST_RETRY * 4 ** max(0, tries - 1))
    if retry_after:
        wait = max(wait, timedelta(seconds=min(retry_after, LAST_RETRY.total_seconds())))
    return now + wait


def is_summary_feed(lengths: list[int]) -> bool:
    """The AUTO rule on the lengths of a feed's newest texts (see the module's doc)."""
    return len(lengths) >= AUTO_MIN_ARTICLES and statistics.median(lengths) < AUTO_MAX_MEDIAN


def summary_feed_ids(store: Store) -> list[int]:
    """Feeds the AUTO rule picks, among those whose mode is not set ("offer these")."""
    return [fid for fid, mode in rows.feed_modes(store).items()
            if mode is None and is_summary_feed(rows.feed_text_lengths(store, fid, AUTO_SAMPLE))]


def _prefetched(store: Store, feed_id: int, mode: str | None) -> bool:
    mode = mode or DEFAULT_MODE
    return mode == "always" or (mode == "auto" and is_summary_feed(
        rows.feed_text_lengths(store, feed_id, AUTO_SAMPLE)))


def prefetch_feed_ids(store: Store) -> list[int]:
    """The feeds whose new articles are prefetched: always, and auto when it is a summary feed."""
    return [fid for fid, mode in rows.feed_modes(store).items()
            if _prefetched(store, fid, mode)]


def is_full_text_feed(store: Store, feed_id: int) -> bool:
    """Whether the feed is one prefetch takes (always; auto while a summary feed): its
    articles open on their page in the TUI."""
    mode = rows.feed_modes(store, feed_id).get(feed_id, "never")
    return _prefetched(store, feed_id, mode)


def store_result(store: Store, result: PageResult, now: datetime | None = None) -> FullArticle:
    """A fetched page into the cache (or its failure, with its next try). What the
    caller gets back is what happened, even when an earlier good copy stays stored."""
    now = now or datetime.now(UTC)
    if result.status == "ok":
        saved = rows.save_ok(store, result.article_id, result.url, result.html, result.text, now,
                             result.etag, result.last_modified)
    elif result.status == "not_modified":
        saved = rows.save_not_modified(store, result.article_id, now, result.etag,
                                       result.last_modified, lambda tries: retry_at(now, tries))
    else:
        error = result.error or "no article text found on the page"
        saved = rows.save_failure(store, result.article_id, result.url, result.status, error,
                                  now, lambda tries: retry_at(now, tries, result.retry_after),
                                  result.etag, result.last_modified)
        if saved is not None and saved.status == "ok":  # a refetch failed; the copy stays
            return FullArticle(result.article_id, result.status, url=result.url, error=error,
                               fetched=now)
    if saved is None:
        return FullArticle(result.article_id, "error", url=result.url,
                           error="the article was deleted meanwhile")
    return saved


def page_job(article_id: int, link: str, user_agent: str | None,
             have: FullArticle | None) -> PageJob:
    """The fetch of an article's page: conditional when a copy of it is cached (a page
    extracted, or one found to have no article text)."""
    from .sources.article_pages import PageJob

    if have is None or have.status not in ("ok", "empty"):
        return PageJob(article_id, link, user_agent)
    return PageJob(article_id, link, user_agent, have.etag, have.last_modified)


def cached(store: Store, article_id: int) -> FullArticle:
    return rows.get(store, article_id) or FullArticle(article_id, "none")


def fetch_one(store: Store, settings: FetchSettings, article: Article, force: bool = False,
              user_agent: str | None = None) -> FullArticle:
    """The article's page: from the cache unless forced or a failure is due again;
    else fetched (blocking), stored and returned. Never raises for a page's problems."""
    from .sources.article_pages import fetch_pages_sync

    now = datetime.now(UTC)
    have = rows.get(store, article.id)
    if have is not None and not force:
        if have.status == "ok" or (have.next_try is not None and have.next_try > now):
            return have
    if not article.link:
        return FullArticle(article.id, "error", error="the article has no link to fetch")
    got: list[PageResult] = []
    fetch_pages_sync([page_job(article.id, article.link, user_agent, have)], settings,
                     got.append)
    return store_result(store, got[0])


def pages_due(store: Store, limit: int = PREFETCH_LIMIT,
              feed_ids: Collection[int] | None = None) -> list[tuple]:
    """The pages prefetch would fetch now (article id, link, feed id, validators): of
    the prefetched feeds (among `feed_ids`, when given), newest first."""
    ids = prefetch_feed_ids(store)
    if feed_ids is not None:
        wanted = set(feed_ids)
        ids = [i for i in ids if i in wanted]
    return rows.to_fetch(store, ids, datetime.now(UTC), limit) if ids else []


def prefetch(store: Store, settings: FetchSettings, limit: int = PREFETCH_LIMIT,
             cancel: threading.Event | None = None,
             user_agents: Callable[[int], str | None] | None = None,
             feed_ids: Collection[int] | None = None) -> int:
    """The background job: fetch the due pages of the prefetched feeds (of `feed_ids`
    only, when given: the feeds a refresh fetched), newest first, at most `limit`;
    returns how many were extracted. Blocking (run it in a thread or a process of its
    own); cancel stops it starting new pages."""
    from .sources.article_pages import PageJob, fetch_pages_sync

    due = pages_due(store, limit, feed_ids)
    if not due:
        return 0
    agent = user_agents or (lambda _feed_id: None)
    # (only a page found empty before has validators here: an extracted one is not due)
    jobs = [PageJob(aid, link, agent(fid), etag, modified)
            for aid, link, fid, etag, modified in due]
    done = 0

    def stored(result: PageResult) -> None:
        nonlocal done
        done += store_result(store, result).status == "ok"

    fetch_pages_sync(jobs, settings, stored, cancel, PREFETCH_CONCURRENCY)
    return done
