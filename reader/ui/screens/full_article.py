"""f: the open article's own page, extracted, or the feed's text again.

The page is read from the cache, or fetched (in a thread, "Fetching the full
article…" over the feed's text meanwhile). A failure is one line over the feed's
text; f again then fetches at once (asking the site conditionally when a copy of the
page is kept: Library.fetch_full_article with force).

Opening a cached page is meant to be on screen within 50 ms of the key
(benchmarks/bench_full_open.py): when an article is opened, the thread that read it
also reads its cached page, turns it into Markdown and parses that (`prepare`), and
the pane lays the page out, hidden (widgets/article_body.py), so that
f, on the event loop with no thread to wait for, only shows it. A page stored by
another process (a refresh's prefetch) while its article is open is made ready the
same way (`pages_changed`, from the app's database poll).

An article of a feed set to full text (Library.opens_in_full) opens on its page: the
cached one at once, else the feed's text while it is fetched. f's choice for an article
is remembered for the session: back on it, it opens as it was left.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
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
        # f's choice by article (True: its page), newest last: how it opens next time
        self._chosen: OrderedDict[int, bool] = OrderedDict()

    def wants_full(self, article: Article) -> bool:
        """In the opening thread: open `article` on its page? As f last left it, else
        as its feed is set (full text: always, or auto on a summary feed)."""
        chosen = self._chosen.get(article.id)
        if chosen is not None:
            return chosen
        try:
            return self._screen.library.opens_in_full(article)
        except ReaderError:
            return False

    def open_full(self, article: Article) -> bool:
        """In the opening thread: show `article`'s cached page as it opens (True); False
        when none is cached, for the caller to show the feed's text and then
        `fetch_for_open`."""
        library = self._screen.library
        try:
            full = library.cached_full_article(article.id)
            if full.status != "ok":
                return False
            rendered = library.render_full(article, full)
        except ReaderError:
            return False
        if get_current_worker().is_cancelled:
            return True  # another article was opened meanwhile: nothing to show
        self._ready = (article.id, full, rendered.markdown, rendered.links)
        when, status = self._labels(article, full)
        self._screen.app.call_from_thread(self._show, article, rendered.markdown,
                                          rendered.links, when, full=True, status=status)
        return True

    def fetch_for_open(self, article: Article) -> None:
        """In the opening thread, the feed's text shown: the page fetched (unless a
        failure's retry is not due: then why), and shown, as f does."""
        self._load_full(article, force=False)

    def _choose(self, article_id: int, full: bool) -> None:
        self._chosen[article_id] = full
        self._chosen.move_to_end(article_id)
        while len(self._chosen) > 1000:
            self._chosen.popitem(last=False)

    def prepare(self, article: Article, *, if_open: bool = False) -> None:
        """In the thread that opened `article`: its cached page, rendered, for f.
        if_open: only while it is still the open article (else another's page is ready)."""
        from ..widgets.article_body import parse_ahead  # (markdown-it: not at startup)

        library = self._screen.library
        with self._preparing:
            if if_open and self._view.opened_id != article.id:
                return
            self._ready = None
            try:
                full = library.cached_full_article(article.id)
                if full.status == "ok":
                    rendered = library.render_full(article, full)
                    parse_ahead(rendered.markdown)
                    self._ready = (article.id, full, rendered.markdown, rendered.links)
            except ReaderError:
                pass  # f reads it again, and says what went wrong
            ready = self._ready
        if ready is not None:  # its first screen mounted, hidden, in the pane
            try:
                self._screen.app.call_from_thread(self._screen.article.make_ready,
                                                  article.id, ready[2])
            except RuntimeError:
                pass  # the app is closing

    def pages_changed(self) -> None:
        """Another process stored pages (a refresh's prefetch): the open article's, if it
        had none ready, may be among them; made ready in a thread, so that f shows it at
        once. The view is not read again for this (ReaderApp._changed_elsewhere)."""
        pane = self._screen.article
        article = pane.article
        ready = self._ready
        if (article is None or pane.showing_full or self._view.opened_id != article.id
                or (ready is not None and ready[0] == article.id)):
            return
        self._screen.run_worker(
            lambda: self.prepare(article, if_open=True), name="prepare_full", group="prepare_full",
            exclusive=True, thread=True, exit_on_error=False,
        )

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
        self._choose(article.id, not pane.showing_full)
        if pane.showing_full:
            work = lambda: self._load_feed_text(article.id)  # noqa: E731
        else:
            force = self._failed == article.id
            ready = self._ready_now(article.id) if not force else None
            if ready is not None:  # shown from here: no thread to wait for (and get the GIL)
                screen.run_worker(self._show_full(article, *ready[1:]), name="show_full",
                                  group="article", exclusive=True, exit_on_error=False)
                return
            work = lambda: self._load_full(article, force)  # noqa: E731
        screen.run_worker(
            work, name="load_full", group="article", exclusive=True, thread=True,
            exit_on_error=False,
        )

    def refetch(self) -> None:
        """Ctrl+R: the open article's page fetched again, asking the site whether it
        changed (its ETag / Last-Modified), and shown. If that fails the copy kept
        stays, shown with why."""
        screen = self._screen
        article = screen.article.article
        if article is None or self._view.opened_id != article.id:
            screen.notify("Open an article first (Enter), then Ctrl+R fetches its page again.")
            return
        screen.run_worker(
            lambda: self._refetch(article), name="load_full", group="article", exclusive=True,
            thread=True, exit_on_error=False,
        )

    def _refetch(self, article: Article) -> None:
        """In a thread: the page again (conditionally), else the copy kept, shown."""
        screen, worker = self._screen, get_current_worker()
        library = screen.library
        screen.app.call_from_thread(self.status_for, article.id, "Fetching the page again…")
        try:
            page = library.fetch_full_article(article.id, force=True)
            kept = page if page.status == "ok" else library.cached_full_article(article.id)
            rendered = library.render_full(article, kept) if kept.status == "ok" else None
        except ReaderError as exc:
            page, rendered = FullArticle(article.id, "error", error=str(exc)), None
        if worker.is_cancelled:
            return
        if rendered is None:  # no copy to fall back on: as f's failure
            screen.app.call_from_thread(self._failed_for, article.id, page)
            return
        self._ready = (article.id, kept, rendered.markdown, rendered.links)
        if page.status == "ok":
            when, status = self._labels(article, kept, "fetched again")
        else:
            why = page.error or "the page has no article text"
            when, status = self._labels(article, kept, f"not fetched again ({why}): the copy kept")
        screen.app.call_from_thread(self._show, article, rendered.markdown, rendered.links, when,
                                    full=True, status=status)

    def _ready_now(self, article_id: int) -> tuple[int, FullArticle, str, list[str]] | None:
        """The page made ready for `article_id`, if it is and no preparation is under way
        (then the thread waits for it: _load_full)."""
        if not self._preparing.acquire(blocking=False):
            return None
        try:
            ready = self._ready
        finally:
            self._preparing.release()
        return ready if ready is not None and ready[0] == article_id else None

    async def _show_full(self, article: Article, full: FullArticle, markdown: str,
                         links: list[str]) -> None:
        when, status = self._labels(article, full)
        await self._show(article, markdown, links, when, full=True, status=status)

    def _labels(self, article: Article, full: FullArticle, note: str = "") -> tuple[str, str]:
        """(when, status) of the full article shown; `note`: after where it is from."""
        when = format_when(article, self._screen.app.clock())
        source = source_host(full.url or article.link or "")
        note = f" · {note}" if note else ""
        return when, f"Full article{' from ' + source if source else ''}{note} · f: the feed's text"

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
        when, status = self._labels(article, full)
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
