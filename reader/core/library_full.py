"""Library's full-article methods (a part of Library, kept apart for its size): what
the CLI and the TUI call to fetch, show and search an article's own page.
The policy is full_text.py's; the cache is storage/full_articles.py."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from .models import Article, Feed, FullArticle

if TYPE_CHECKING:
    from collections.abc import Collection

    from .ingest.content import RenderedArticle
    from .ingest.extract import ArticleBody
    from .ingest.fetch import FetchSettings
    from .storage.store import Store


class FullArticleMethods:
    store: Store
    fetch_settings: FetchSettings

    # -- full articles -----------------------------------------------------------------------

    def cached_full_article(self, article_id: int) -> FullArticle:
        """The cached page of an article (no network; status "none" when never fetched)."""
        from .full_text import cached

        return cached(self.store, int(article_id))

    def fetch_full_article(self, article_id: int, force: bool = False) -> FullArticle:
        """The article's page: cached, or fetched now (blocking: call it from a thread)
        when never fetched, when `force`, or when a failure's next try has come. A page
        that cannot be had is status "error" (or "empty") with a one-line error, never an
        exception (ArticleNotFound for an id that is no article)."""
        from .full_text import fetch_one

        article = self.store.article(int(article_id))
        feed = self.store.feed(article.feed_id)
        agent = feed.settings.user_agent if feed is not None else None
        return fetch_one(self.store, self.fetch_settings, article, force, agent)

    def render_full(self, article: Article, full: FullArticle) -> RenderedArticle:
        """What the article pane shows for the page (as render(article) for the feed's
        text): its links relative to the page's own address."""
        from .ingest.content import render_article

        return render_article(full.html, full.url or article.link)

    def article_body(self, article: Article, full: FullArticle | None = None) -> ArticleBody:
        """The body as `show --json` gives it: .text (plain, no header, no link list),
        .links, .images ({"url", "alt"}); from the page when `full` is an "ok" one."""
        from .ingest.extract import body_of

        if full is not None and full.status == "ok":
            return body_of(full.html, full.url or article.link)
        return body_of(article.content or article.summary, article.link)

    def prefetch_full_articles(self, limit: int | None = None,
                               cancel: threading.Event | None = None,
                               feed_ids: Collection[int] | None = None) -> int:
        """The background job: fetch the due pages of the feeds set to full text
        (full_text.py says which; of `feed_ids` only, when given), newest first; returns
        how many were extracted. Blocking; cancel stops it starting more."""
        from .full_text import PREFETCH_LIMIT, prefetch

        agents: dict[int, str | None] = {}

        def agent(feed_id: int) -> str | None:  # read only when there are pages to fetch
            if not agents:
                agents.update((f.id, f.settings.user_agent)
                              for f in self.store.feeds(with_counts=False))
            return agents.get(feed_id)

        return prefetch(self.store, self.fetch_settings,
                        PREFETCH_LIMIT if limit is None else limit, cancel, agent, feed_ids)

    def full_articles_due(self, feed_ids: Collection[int] | None = None) -> bool:
        """Whether prefetch_full_articles(feed_ids=...) has pages to fetch now."""
        from .full_text import pages_due

        return bool(pages_due(self.store, 1, feed_ids))

    def opens_in_full(self, article: Article) -> bool:
        """Whether the TUI opens this article on its page rather than the feed's text:
        its feed is set to full text (always; auto while it looks like a summary feed),
        the feeds whose pages are prefetched."""
        from .full_text import is_full_text_feed

        return is_full_text_feed(self.store, article.feed_id)

    def full_text_suggestions(self) -> list[Feed]:
        """Feeds with no full_text setting that look like summary feeds (the AUTO rule
        of full_text.py): the ones to offer full_text=auto or always."""
        from .full_text import summary_feed_ids

        ids = set(summary_feed_ids(self.store))
        return [f for f in self.store.feeds(with_counts=False) if f.id in ids]
