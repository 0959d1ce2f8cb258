"""The tt-rss backend's bulk reads: the first sync's pull, the cheap state check, and the
read/starred sets of some feeds (ttrss.py's TTRSSBackend calls these).

What a call costs there (Debian 12's tt-rss, PHP 8.2, 10,000 articles): getHeadlines
spends ~0.4 ms a row whatever is asked (it parses each article for its picture), with
content or without, plus a fixed part that for the virtual feed -4 (every article,
sorted whole) is ~90 ms a call against ~10 ms for one feed; getArticle ~1.4 ms an
article; getCounters ~45 ms for every feed's unread and starred counts at once. So
pages are asked feed by feed, with content where the entries are wanted anyway, a few
at a time (each a PHP worker there).

The state check (state_check): every feed's counts, plus the entries read lately
(tt-rss's "recently read" feed -6: read in the last 24 hours, newest first) and
starred lately (feed -1 sorts by the time of the star, unless the user groups
virtual feeds by feed: then it is read whole).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from .base import EntryBatch, RemoteEntry, RemoteStates, StateCheck

if TYPE_CHECKING:
    from .ttrss import TTRSSBackend

PAGE = 200                   # the most getHeadlines returns in one call
PARALLEL = 4                 # pages asked for at once
ALL_ARTICLES, STARRED, RECENTLY_READ = -4, -1, -6   # tt-rss's virtual feeds
FIRST_SYNC_MOST = 20_000     # starred and unread entries a first sync takes
LATELY_PAGES_MOST = 5        # pages of "read/starred lately" (more after a big push)
T = TypeVar("T")
R = TypeVar("R")


def in_parallel(fn: Callable[[T], R], tasks: Iterable[T], width: int = PARALLEL) -> Iterator[R]:
    """fn over tasks, `width` at a time, results in the tasks' order; at most `width`
    results wait unread (a first sync's pages are not all held in memory at once)."""
    with ThreadPoolExecutor(width) as pool:
        running: deque[Future[R]] = deque()
        for task in tasks:
            running.append(pool.submit(fn, task))
            if len(running) >= width:
                yield running.popleft().result()
        while running:
            yield running.popleft().result()


def counts(backend: TTRSSBackend) -> tuple[dict[str, tuple[int, int]], int]:
    """getCounters: ({feed id: (unread, starred)}, how many entries are starred)."""
    answer = backend._call("getCounters")
    if not isinstance(answer, list):
        raise backend._unexpected("getCounters")
    feeds: dict[str, tuple[int, int]] = {}
    starred = 0
    for row in answer:
        if not isinstance(row, dict) or "kind" in row:
            continue            # (categories)
        if "has_img" in row:    # a feed's own counters (virtual feeds and labels lack it)
            feeds[str(backend._int(row.get("id"), "feed id"))] = (
                _count(row.get("counter")), _count(row.get("markedcounter")))
        elif row.get("id") == STARRED:
            starred = _count(row.get("auxcounter"))
    return feeds, starred


def first_pull(backend: TTRSSBackend, newest: int) -> Iterator[EntryBatch]:
    """A first sync: the newest `newest` entries, every unread one (feed by feed) and
    every starred one, with content. The cursor (the highest id among the newest, read
    first) comes with the last batch only: entries that arrive meanwhile above it come
    again with the next pull, and a pull cut off starts again whole."""
    size = min(PAGE, newest)
    rows = backend._headlines(ALL_ARTICLES, "all_articles", 0, size, **_CONTENT)
    if not rows:
        return
    seen: set[str] = set()

    def fresh(page: list[dict]) -> list[RemoteEntry]:
        entries = [backend._entry(row, "getHeadlines") for row in page]
        entries = [e for e in entries if e.remote_id not in seen]
        seen.update(e.remote_id for e in entries)
        return entries

    first = fresh(rows)
    top = max(int(e.remote_id) for e in first)
    yield EntryBatch(first, "")
    feeds, starred = counts(backend)
    tasks = [(ALL_ARTICLES, "all_articles", skip, size) for skip in range(size, newest, size)
             if len(rows) == size]
    # Starred, then unread, up to FIRST_SYNC_MOST. What this misses (beyond that; rows
    # that moved between pages as articles were read or came meanwhile), the state
    # check that follows finds: those feeds' counts differ, their sets are read, and
    # the engine fetches what it does not hold.
    more = [(STARRED, "all_articles", skip) for skip in range(0, starred, PAGE)]
    more += [(int(feed), "unread", skip) for feed, (unread, _) in feeds.items()
             for skip in range(0, unread, PAGE)]
    tasks += more[:FIRST_SYNC_MOST // PAGE]
    for page in in_parallel(lambda t: backend._headlines(*t, **_CONTENT), tasks):
        entries = fresh(page)
        if entries:
            yield EntryBatch(entries, "")
    yield EntryBatch([], str(top))


def state_check(backend: TTRSSBackend, pushed_read: int, pushed_starred: int) -> StateCheck:
    """Counts, and what was read and starred lately: a page of each, more after this
    session pushed many (its own changes come first there)."""
    feeds, _ = counts(backend)
    read = _lately(backend, RECENTLY_READ, 1 + pushed_read // PAGE)
    if _grouped_by_feed(backend):
        starred = _lately(backend, STARRED, None)
    else:
        starred = _lately(backend, STARRED, 1 + pushed_starred // PAGE)
    return StateCheck(counts=feeds, read_lately=read, starred_lately=starred)


def _grouped_by_feed(backend: TTRSSBackend) -> bool:
    answer = backend._call("getPref", pref_name="VFEED_GROUP_BY_FEED")
    value = answer.get("value") if isinstance(answer, dict) else None
    return value not in (False, None, "", "false", "f", 0, "0")


def _lately(backend: TTRSSBackend, feed_id: int, pages: int | None) -> dict[str, str]:
    """{entry id: feed id} of a virtual feed's first pages (None: all of them)."""
    found: dict[str, str] = {}
    most = None if pages is None else min(pages, LATELY_PAGES_MOST)
    done = 0
    while most is None or done < most:
        page = backend._headlines(feed_id, "all_articles", done * PAGE)
        before = len(found)
        for row in page:
            found[str(backend._int(row.get("id"), "article id"))] = _feed_of(backend, row)
        done += 1
        if len(page) < PAGE or len(found) == before:   # (the end, or a server repeating)
            break
    return found


def feed_states(backend: TTRSSBackend, unread_feeds: Iterable[str],
                starred_feeds: Iterable[str]) -> RemoteStates:
    """The unread ids of some feeds and the starred ids of some, a few pages at a time."""
    tasks = [(backend._int(f, "feed id"), "unread") for f in unread_feeds]
    tasks += [(backend._int(f, "feed id"), "marked") for f in starred_feeds]
    unread: set[str] = set()
    starred: set[str] = set()
    for (_, mode), ids in zip(tasks, in_parallel(lambda t: _all_ids(backend, *t), tasks)):
        (unread if mode == "unread" else starred).update(ids)
    return RemoteStates(unread=frozenset(unread), starred=frozenset(starred))


def all_states(backend: TTRSSBackend) -> RemoteStates:
    """Every unread id (feed by feed: a feed's pages cost a tenth of feed -4's) and
    every starred one (feed -1, archived entries too)."""
    feeds, _ = counts(backend)
    tasks = [(STARRED, "all_articles")]
    tasks += [(int(feed), "unread") for feed, (unread, _) in feeds.items() if unread]
    unread: set[str] = set()
    pages = in_parallel(lambda t: _all_ids(backend, *t), tasks)
    starred = next(pages)
    for ids in pages:
        unread.update(ids)
    return RemoteStates(unread=frozenset(unread), starred=frozenset(starred))


def _all_ids(backend: TTRSSBackend, feed_id: int, view_mode: str) -> set[str]:
    ids: set[str] = set()
    skip = 0
    while True:
        page = backend._headlines(feed_id, view_mode, skip)
        before = len(ids)
        ids.update(str(backend._int(row.get("id"), "article id")) for row in page)
        skip += len(page)
        if len(page) < PAGE or len(ids) == before:   # (the end, or a server repeating)
            return ids


_CONTENT: dict[str, Any] = {"show_content": True, "sanitize": False, "include_attachments": True}


def _feed_of(backend: TTRSSBackend, row: dict) -> str:
    feed = row.get("feed_id")
    return str(backend._int(feed, "feed id")) if feed else "0"


def _count(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    return 0
