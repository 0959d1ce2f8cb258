"""f: the open article's own page, extracted, or the feed's text again.

The page is read from the cache, or fetched (in a thread, "Fetching the full
article…" over the feed's text meanwhile). A failure is one line over the feed's
text; f again then fetches at once (asking the site conditionally when a copy of the
page is kept: Library.fetch_full_article with force).

Opening a cached page is meant to be on screen within 50 ms of the key
(benchmarks/bench_full_open.py): when an article is opened, the thread that read it
also reads its cached page, turns it into Markdown and parses that (`prepare`), so
that f has only the pane's own work left to do (and the pane mounts the first screen
first: widgets/staged_markdown.py).
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from textual.worker import get_current_worker

from reader.core.errors import ReaderError
from reader.core.models import Article, FullArticle
from reader.core.sanitize import clean_line

from ..widgets.article_view import format_when

if TYPE_CHECKING:
    from ..view_state import ViewState
    from .article_actions import ArticleScreen

Show = Callable[..., Awaitable[None]]


def source_host(url: str) -> str:
    try:
        return clean_line(urlsplit(url).hostname or "").removeprefix("www.")
    except ValueError:
        return ""


class FullArticleToggle:
    """ArticleActions' f (toggle), and the cached page made ready when an article opens
    (prepare)."""

    def __init__(self, screen: ArticleScreen, view: ViewState, show: Show,
                 load_feed_text: Callable[[int], None]) -> None:
        self._screen = screen
        self._view = view
        self._show = show  # ArticleActions._show: the pane's show, as one frame
        self._load_feed_text = load_feed_text
        self._failed: int | None = None  # the article whose full text failed last
        # The open article's cached page, as Markdown: (article id, page, markdown, links)
        self._ready: tuple[int, FullArticle, str, list[str]] | None = None
        # Held while a page is prepared: f then waits for it instead of doing it twice
        self._preparing = threading.Lock()

    def prepare(self, article: Article) -> None:
        """In the thread that opened `article`: its cached page, rendered, for f."""
        from ..widgets.staged_markdown import parse_ahead  # (Markdown: not at startup)

        library = self._screen.library
        with self._preparing:
            self._ready = None
            try:
                full = library.cached_full_article(article.id)
                if full.status == "ok":
                    rendered = library.render_full(article, full)
                    parse_ahead(rendered.markdown)
                    self._ready = (article.id, full, rendered.markdown, rendered.links)
            except ReaderError:
                pass  # f reads it again, and says what went wrong

    def toggle(self) -> None:
        """f: the open article's page (fetched in a thread the first time), or the
        feed's text again. A failure is one line over the feed's text; f again then
        tries again at once."""
        screen = self._screen
        pane = screen.article
        article = pane.article
        if article is None or self._view.opened_id != article.id:
            screen.notify("Open an article first (Enter), then f shows its full text.")
            return
        if pane.showing_full:
            work = lambda: self._load_feed_text(article.id)  # noqa: E731
        else:
            force = self._failed == article.id
            work = lambda: self._load_full(article, force)  # noqa: E731
        screen.run_worker(
            work, name="load_full", group="article", exclusive=True, thread=True,
            exit_on_error=False,
        )

    def _load_full(self, article: Article, force: bool) -> None:
        """In a thread: the prepared page, else the cached one, else fetched (saying so
        meanwhile)."""
        screen, worker = self._screen, get_current_worker()
        with self._preparing:  # (f pressed while the page is being made ready: wait for it)
            ready = self._ready
        if ready is not None and ready[0] == article.id and not force:
            _, full, markdown, links = ready
        else:
            full, markdown, links = self._read_or_fetch(article, force)
        if worker.is_cancelled:
            return
        if markdown is None:
            screen.app.call_from_thread(self._failed_for, article.id, full)
            return
        if self._failed == article.id:
            self._failed = None  # had now: f toggles again, without fetching
        when = format_when(article, screen.app.clock())
        source = source_host(full.url or article.link or "")
        status = f"Full article{' from ' + source if source else ''} · f: the feed's text"
        screen.app.call_from_thread(self._show, article, markdown, links, when,
                                    full=True, status=status)

    def _read_or_fetch(self, article: Article,
                       force: bool) -> tuple[FullArticle, str | None, list[str]]:
        screen = self._screen
        library = screen.library
        try:
            full = library.cached_full_article(article.id)
            if full.status != "ok" or force:
                screen.app.call_from_thread(
                    self.status_for, article.id, "Fetching the full article…"
                )
                full = library.fetch_full_article(article.id, force=force)
            if full.status != "ok":
                return full, None, []
            rendered = library.render_full(article, full)
        except ReaderError as exc:
            return FullArticle(article.id, "error", error=str(exc)), None, []
        self._ready = (article.id, full, rendered.markdown, rendered.links)
        return full, rendered.markdown, rendered.links

    def status_for(self, article_id: int, text: str | None) -> None:
        pane = self._screen.article
        if pane.article is not None and pane.article.id == article_id:
            pane.set_status(text)

    def _failed_for(self, article_id: int, full: FullArticle) -> None:
        self._failed = article_id
        if full.status == "empty":
            why = "the page has no article text"
        else:
            why = full.error or "it could not be fetched"
        self.status_for(
            article_id, f"No full article: {why}. The feed's text is shown (f tries again)."
        )
