"""Library: the one entry point to storage, fetching, filtering and OPML.

The CLI and the TUI call only this (and the data objects it returns).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config, default_db_path
from .errors import (
    AmbiguousFeed,
    FeedExists,
    FeedNotFound,
    FetchError,
    NotAFeed,
)
from .filters import SQLITE_MAX_INT, Filter, parse_filter, quoted_tag_hint
from .models import Article, Feed, FeedCandidate, Headline, RefreshSummary
from .sanitize import clean_line
from .storage import search
from .storage.store import Store
from .library_enclosures import EnclosureMethods
from .library_full import FullArticleMethods
from .library_opml import OpmlMethods
from .library_index import IndexMethods
from .library_settings import FeedSettingMethods
from .library_sync import SyncMethods
from .tags import clean_tag, fold
from .urls import normalize_url

if TYPE_CHECKING:
    from .refresh import ProgressFn
    from .ingest.content import RenderedArticle
    from .ingest.fetch import FetchSettings
    from .image_cache import ImageCache
    from .models import ImageRef, ImageResult

# fetch (httpx, the parsers), content (BeautifulSoup) and opml are imported where they
# are used: the TUI shows its first headlines before any of them is needed.


log = logging.getLogger(__name__)


TAG_COUNT_MOST = 20_000  # unread articles up to which tags are counted as their views are


# (library_full.py, _settings.py, _enclosures.py, _sync.py, _index.py, _opml.py)
class Library(FullArticleMethods, FeedSettingMethods, EnclosureMethods, SyncMethods,
              IndexMethods, OpmlMethods):
    def __init__(self, db_path: str | Path | None = None, config: Config | None = None,
                 create: bool = True) -> None:
        """`create`: False for a caller that only reads: no database there is an error
        (StorageError) rather than a new empty one."""
        self.config = config or Config()
        self.store = Store(db_path if db_path is not None else default_db_path(), create=create)
        self.image_cache: ImageCache | None = None  # (made by the first image())

    def close(self) -> None:
        self.store.close()

    @property
    def fetch_settings(self) -> FetchSettings:
        from .sources.http_feeds import fetch_settings

        return fetch_settings(self.config)

    # -- feeds -------------------------------------------------------------------------------

    def feeds(self) -> list[Feed]:
        """Every feed; next_fetch is when it is due by the intervals in force now."""
        return self._scheduled(self.store.feeds())

    def resolve_feed(self, ref: str | int) -> Feed:
        """A feed by id, URL, or unique (case-insensitive) title prefix."""
        ref_s = str(ref).strip()
        if ref_s.isdecimal() and int(ref_s) <= SQLITE_MAX_INT:
            feed = self.store.feed(int(ref_s))
            if feed:
                return feed
        feed = self.store.feed_by_url(ref_s)
        if feed:
            return feed
        feeds = self.store.feeds(with_counts=False)
        wanted = fold(ref_s)  # (the one rule for names: "унн" is "УНН")
        exact = [f for f in feeds if fold(f.title) == wanted]
        matches = exact or [f for f in feeds if wanted and fold(f.title).startswith(wanted)]
        if len(matches) == 1:
            return self.store.feed(matches[0].id)
        if len(matches) > 1:
            names = ", ".join(f"{f.id} ({f.title})" for f in matches[:5])
            more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
            raise AmbiguousFeed(f"'{ref_s}' matches several feeds: {names}{more}; use an id")
        raise FeedNotFound(f"no feed matches '{ref_s}' (give an id, a URL or a title prefix)")

    def feed_by_url(self, url: str) -> Feed | None:
        """The feed subscribed at `url` (spelled as normalize_url spells it), or None."""
        return self.store.feed_by_url(url)

    def add_feed(self, url: str, tags: Iterable[str] = (), title: str | None = None,
                 local: bool = False) -> tuple[Feed, int]:
        """Subscribe: fetch the URL (finding the feed an HTML page links), store it and its
        articles; on the sync server too (queued) when there is one, unless `local`.

        Returns (feed, number of articles stored). Nothing is stored when anything fails.
        """
        url = normalize_url(url)
        if self.store.feed_by_url(url):
            raise FeedExists(f"already subscribed to {url}")
        from .ingest.discover import discover_sync

        feed_url, result = discover_sync(url, self.fetch_settings)
        if result.status != "ok" or result.parsed is None:
            reason = result.error or result.status
            if "no feed" in reason or "not a feed" in reason:
                raise NotAFeed(reason if url in reason else f"{url}: {reason}")
            raise FetchError(f"cannot subscribe to {url}: {reason}")
        if feed_url != url and self.store.feed_by_url(feed_url):
            raise FeedExists(f"already subscribed to {feed_url} (the feed {url} links)")
        tags = [tag for tag in map(clean_tag, tags) if tag]
        parsed = result.parsed
        feed_id = self.store.add_feed(
            feed_url, title=parsed.title, link=parsed.link, tags=tags,
            user_title=clean_line(title) if title else None, subscribe=self.syncs_new_feeds(local, feed_url),
        )
        new = self._refresher().store_one(self.store.feed(feed_id), result)
        return self.store.feed(feed_id), new

    def subscribe(self, url: str, title: str = "", tags: Iterable[str] = (), link: str = "",
                  user_title: str = "", local: bool = False) -> tuple[Feed, bool]:
        """Store a subscription without fetching it (the next refresh does).

        Returns (feed, created); an existing subscription only gains the tags.
        """
        url = normalize_url(url)
        tags = [tag for tag in map(clean_tag, tags) if tag]
        existing = self.store.feed_by_url(url)
        if existing:
            self.store.tag_feed(existing.id, tags)
            return self.store.feed(existing.id), False
        feed_id = self.store.add_feed(url, title=clean_line(title), link=clean_line(link), tags=tags,
                                      user_title=clean_line(user_title) or None,
                                      subscribe=self.syncs_new_feeds(local, url))
        return self.store.feed(feed_id), True

    def remove_feed(self, ref: str | int) -> tuple[Feed, int]:
        """Unsubscribe; returns the feed and how many of its articles moved to another feed
        that carries them too (Store.remove_feed)."""
        feed = self.resolve_feed(ref)
        return feed, self.store.remove_feed(feed.id)

    def tag_feed(self, ref: str | int, tags: Iterable[str]) -> Feed:
        feed = self.resolve_feed(ref)
        self.store.tag_feed(feed.id, [tag for tag in map(clean_tag, tags) if tag])
        return self.store.feed(feed.id)

    def untag_feed(self, ref: str | int, tags: Iterable[str]) -> Feed:
        feed = self.resolve_feed(ref)
        self.store.untag_feed(feed.id, [clean_line(t).lstrip("+-") for t in tags])
        return self.store.feed(feed.id)

    def rename_feed(self, ref: str | int, title: str | None) -> Feed:
        feed = self.resolve_feed(ref)
        self.store.set_feed_title(feed.id, clean_line(title) if title else None)
        return self.store.feed(feed.id)

    def tags(self) -> list[str]:
        """Every name a +TAG selects: feed tags, then the articles' own categories that no
        feed tag names (one spelling of each by tags.fold; each part in folded order). A
        category holding a double quote is left out: no filter can name it (tags.py)."""
        feed_tags = self.store.all_tags()
        taken = {fold(t) for t in feed_tags}
        return feed_tags + [c for c in self.store.category_names()
                            if fold(c) not in taken and '"' not in c]

    def feed_titles(self) -> dict[int, str]:
        """Each feed's display title (its URL when it has none) by id: an Article's
        feed_title is "" for a feed without a title."""
        return {f.id: f.display_title for f in self.store.feeds(with_counts=False)}

    def discard_if_new(self) -> None:
        """Close, and delete the database when this Library made it and nothing is in it
        yet: a first `reader add` that fails leaves no empty database behind."""
        self.store.discard_if_new()

    # -- feeds from the TUI ------------------------------------------------------------------

    def discover(self, url: str) -> list[FeedCandidate]:
        """The feeds behind `url` to pick from (fetched, nothing stored): the URL itself
        when it is a feed, else each feed the page links, failed ones with their error.
        InvalidURL for a malformed URL; NotAFeed or FetchError (one line) for none."""
        from .ingest.candidates import feed_candidates_sync

        url = normalize_url(url)
        found, why = feed_candidates_sync(url, self.fetch_settings)
        if why is not None:
            if "no feed" in why or "not a feed" in why:
                raise NotAFeed(why if url in why else f"{url}: {why}")
            raise FetchError(f"cannot subscribe to {url}: {why}")
        for candidate in found:
            candidate.subscribed = self.store.feed_by_url(candidate.url) is not None
        return found

    # -- refresh -----------------------------------------------------------------------------

    def refresh(
        self,
        refs: Sequence[str | int | Feed] | None = None,
        *,
        due_only: bool = False,
        on_progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        in_child: bool = False, index: bool = True, pages: bool = True,
    ) -> RefreshSummary:
        """Fetch feeds now: the ones named, the due ones, or all (gone feeds only when
        named); `refs` as refresh_targets takes them. `in_child`: run by a child process
        (refresh_child.py), for a UI, whose event loop would otherwise share the GIL with
        the refresh's threads; an in-memory database is refreshed here all the same.
        `index`: False leaves the search index to update_index(_in_background);
        `pages`: False leaves the full-text pages of these feeds to prefetch_full_articles
        (or update_in_background)."""
        feeds = self.refresh_targets(refs, due_only=due_only)
        if in_child and self.store.path != ":memory:":
            from .refresh_child import refresh_in_child

            return refresh_in_child(self.store.path, self.config, [f.id for f in feeds],
                                    self.store.feed, on_progress=on_progress, cancel=cancel)
        summary = self._refresher().refresh_feeds(feeds, on_progress=on_progress, cancel=cancel)
        if pages and not (cancel is not None and cancel.is_set()):
            # (feeds set to full text: full_text.py)
            self.prefetch_full_articles(cancel=cancel, feed_ids=[f.id for f in feeds])
        if index:
            self.update_index(cancel)  # (the pages' text too: after them)
        return summary

    def refresh_targets(self, refs: Sequence[str | int | Feed] | None = None, *,
                        due_only: bool = False) -> list[Feed]:
        """The feeds a refresh of `refs` would fetch (see refresh). A ref is an id, a URL
        or a title prefix (resolve_feed), or a Feed, taken as it is (a list this gave)."""
        if refs:  # each feed once, however many ways it was named
            feeds = (r if isinstance(r, Feed) else self.resolve_feed(r) for r in refs)
            # (a synced feed, even named, is refreshed by syncing: see synced_among)
            return [f for f in {f.id: f for f in feeds}.values() if not f.remote_id]
        if due_only:
            return self.due_feeds()
        # (a synced feed's articles come from the sync server: sync(), not fetched here)
        return [f for f in self.store.feeds(with_counts=False) if not f.gone and not f.remote_id]

    def _refresher(self):
        from .refresh import Refresher
        from .sources.http_feeds import HttpFeeds

        return Refresher(self.store, self.config, HttpFeeds(self.fetch_settings))

    # -- articles ----------------------------------------------------------------------------

    def query(self, text: str | Filter) -> Filter:
        """The filter a string makes (QueryError names a bad term); a Filter as it is."""
        return text if isinstance(text, Filter) else parse_filter(text)

    def article_ids(self, query: str | Filter = "", limit: int | None = None) -> list[int]:
        return search.article_ids(self.store, self.query(query), limit)

    def first_article_ids(self, query: str | Filter, limit: int, first: int) -> Iterator[list[int]]:
        """article_ids(query, limit), in one step or two (search.first_article_ids)."""
        return search.first_article_ids(self.store, self.query(query), limit, first)

    def count(self, query: str | Filter = "") -> int:
        return search.count(self.store, self.query(query))

    def count_view(self, query: str | Filter = "") -> int:
        """count(), the index counting a plain search's matches itself (search.count_view)."""
        return search.count_view(self.store, self.query(query))

    def article_id_batches(self, query: str | Filter = "", size: int = 10_000) -> Iterator[list[int]]:
        """Every id of a view in list order, `size` at a time (search.article_id_batches)."""
        return search.article_id_batches(self.store, self.query(query), size)

    def headlines(self, ids: Sequence[int]) -> list[Headline]:
        return self.store.headlines(ids)

    def articles(self, query: str | Filter = "", limit: int | None = None) -> list[Article]:
        return self.store.articles(self.article_ids(query, limit))

    def article(self, article_id: int) -> Article:
        return self.store.article(int(article_id))

    def check_ids(self, ids: Iterable[int | str]) -> list[int]:
        """Validate ids the user typed; raises ArticleNotFound naming the first unknown one."""
        from .errors import ArticleNotFound

        out = []
        for i in ids:
            s = str(i).strip()
            if not s.isdecimal():  # (isdigit() takes "²", which int() does not)
                raise ArticleNotFound(f"'{s}' is not an article id (ids are numbers; see reader list)")
            if int(s) > SQLITE_MAX_INT:  # no row has it, and SQLite could not even look
                raise ArticleNotFound(f"no article with id {s}")
            out.append(int(s))
        known = self.store.existing_ids(out)
        for i in out:
            if i not in known:
                raise ArticleNotFound(f"no article with id {i}")
        return out

    def set_read(self, ids: Sequence[int], read: bool = True) -> int:
        return self.store.set_flag(ids, "read", read)

    def set_starred(self, ids: Sequence[int], starred: bool = True) -> int:
        return self.store.set_flag(ids, "starred", starred)

    def mark_all_read(self, query: str | Filter = "") -> list[int]:
        """Mark everything the filter shows read; returns the ids changed (pass to set_read to undo)."""
        return search.mark_read(self.store, self.query(query))

    def warm_up(self) -> None:
        """Pay the first-use costs of rendering an article (imports, the HTML parser)
        before the first one is opened."""
        from .ingest.content import render_article

        render_article("<p></p>", "")

    def render(self, article: Article) -> RenderedArticle:
        from .ingest.content import render_article

        return render_article(article.content or article.summary, article.link)

    def totals(self) -> dict[str, int]:
        return self.store.totals()

    def tag_unread_counts(self, unread: int) -> dict[str, int] | None:
        """Store.tag_unread_counts, unless there are more than TAG_COUNT_MOST unread
        articles (`unread`, from totals): a second or more at 80,000. None then: the
        caller counts a tag's feeds only."""
        return self.store.tag_unread_counts() if unread <= TAG_COUNT_MOST else None

    def data_version(self) -> int:
        return self.store.data_version()

    def view_changes_elsewhere(self) -> int:
        """A count that moves with every write by another process that may change a
        view's rows, and not with a full article's page or the search index
        (Database.write_aside): with data_version, the TUI's poll tells the two apart."""
        return self.store.view_changes_elsewhere()

    # -- memory (H8) -------------------------------------------------------------------------

    def limit_memory(self, mb: float, hard_mb: float | None = None) -> int:
        """Keep SQLite's caches in this process under `mb` MB: a long-running TUI's page
        caches (one per thread) otherwise grow with the database, to 32 + 4 MB a thread.
        `hard_mb`: all SQLite may hold in this process; a search that needs more is a
        QueryError (a bare word of a letter or two, at a million articles: 170-360 MB).
        Returns the soft limit in force, in bytes."""
        hard = None if hard_mb is None else int(hard_mb * 1_000_000)
        return self.store.limit_memory(int(mb * 1_000_000), hard)

    # -- images ------------------------------------------------------------------------------

    def article_images(self, article: Article, markdown: str, links: Sequence[str]) -> list[ImageRef]:
        """The images the article shows (markdown and links as render() made them): the
        lead image first; no network."""
        from .ingest.image_refs import image_refs

        return image_refs(markdown, links, article.enclosures)

    def image(self, url: str, max_width: int, max_height: int,
              feed_id: int | None = None) -> ImageResult:
        """An image for the article pane, scaled to fit max_width x max_height pixels,
        from the disk cache or fetched (image_cache.load_image) with the user_agent of
        the feed `feed_id` when it has one, as its pages are. Blocking: in a thread."""
        import dataclasses

        from .image_cache import ImageCache, load_image

        if self.image_cache is None:
            self.image_cache = ImageCache.default()
        settings = self.fetch_settings
        feed = self.store.feed(feed_id) if feed_id is not None else None
        if feed is not None and feed.settings.user_agent:
            settings = dataclasses.replace(settings, user_agent=feed.settings.user_agent)
        return load_image(self.image_cache, url, settings, max_width, max_height)

    def keep_images(self, folder: str | Path, pictures: dict[str, bytes]) -> None:
        """Keep this library's images in `folder`, starting with `pictures` ({url: bytes}):
        the demo's own, drawn rather than fetched, so it shows them offline."""
        from .image_cache import ImageCache

        self.image_cache = ImageCache(folder)
        for url, data in pictures.items():
            self.image_cache.put(url, data)

    # -- tags --------------------------------------------------------------------------------

    def empty_result_hint(self, query: str | Filter) -> str | None:
        """For a filter that found nothing, one line saying what was probably meant (a
        multi-word tag typed without quotes: +Війна в Україні), or None. The CLI prints it
        beside "no articles match"."""
        text = query.text if isinstance(query, Filter) else query
        return quoted_tag_hint(text, self.store.known_tags)

    # -- saved filters -----------------------------------------------------------------------

    def saved_filters(self) -> dict[str, str]:
        return self.store.saved_filters()

    def save_filter(self, name: str, query: str) -> None:
        parse_filter(query)  # refuse to save a broken filter
        self.store.save_filter(clean_line(name), query)

    def delete_filter(self, name: str) -> bool:
        return self.store.delete_filter(name)

    # -- undo (H6) ----------------------------------------------------------------------------

    def undo_mark_all_read(self) -> int | None:
        """Mark unread again what the last mark_all_read (in any process) marked read;
        how many, or None when there is nothing to undo. Once: a second call gives None."""
        return self.store.undo_mark_all_read()
