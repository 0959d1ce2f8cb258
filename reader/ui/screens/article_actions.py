"""What the keys do to an article: open it, the next/previous one (J/K), its full text (f),
read/unread, star, mark the view read and undo it, open/pick/copy its link, refresh its feed.

The article the keys act on is the open one in the article pane, else the list's
cursor's. Writes go to the app's one writer thread (ReaderApp.write_db); the list shows
the new flags at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from textual.message import Message
from textual.worker import Worker, get_current_worker
from textual.widget import Widget

from reader.core.errors import ReaderError
from reader.core.models import Article

from ..view_state import ViewState
from .full_article import FullArticleToggle
from ..widgets.article_view import ArticleView, format_when
from ..widgets.headline_list import HeadlineList
from ..widgets.sidebar import Sidebar

if TYPE_CHECKING:
    from textual.app import App


class LinkRead(Message):
    """An article's link, read in a thread, for `use` (the screen hands it back to
    ArticleActions.link_read)."""

    def __init__(self, link: str, use: Callable[[str], None]) -> None:
        super().__init__()
        self.link, self.use = link, use


class ArticleScreen(Protocol):
    """What the article actions use of the screen they are on (MainScreen)."""

    headlines: HeadlineList
    sidebar: Sidebar
    article: ArticleView
    focused: Widget | None

    @property
    def app(self) -> App: ...
    @property
    def library(self): ...
    def run_worker(self, work: Callable, **options) -> Worker: ...
    def post_message(self, message: Message) -> bool: ...
    def add_class(self, *names: str) -> object: ...
    def update_header(self) -> None: ...
    def reload(self) -> None: ...
    def notify(self, message: str, *, severity: str = ...) -> None: ...


class ArticleActions:
    """Built with the screen; its actions (action_toggle_read, ...) call these."""

    def __init__(self, screen: ArticleScreen, view: ViewState) -> None:
        self._screen = screen
        self._view = view
        self.full = FullArticleToggle(screen, view, self._show, self._load)

    def open(self, article_id: int) -> None:
        screen = self._screen
        h = screen.headlines.cached(article_id)
        if screen.app.config.mark_read_on_open and (h is None or not h.read):
            self.set_read([article_id], True)
        self._view.opened_id = article_id
        screen.add_class("has-article")
        screen.run_worker(
            lambda: self._load(article_id),
            name="load_article",
            group="article",
            exclusive=True,
            thread=True,
            exit_on_error=False,
        )

    def _load(self, article_id: int, status: str | None = None) -> None:
        """In a thread: the article, rendered, for the article pane."""
        screen = self._screen
        try:
            article = screen.library.article(article_id)
            full = status is None and self.full.wants_full(article)
            if full and self.full.open_full(article):
                return  # its page is shown (a feed set to full text, or f's choice)
            rendered = screen.library.render(article)
        except ReaderError as exc:
            screen.app.call_from_thread(screen.notify, str(exc), severity="error")
            return
        if get_current_worker().is_cancelled:
            return  # another article was opened meanwhile
        when = format_when(article, screen.app.clock())
        screen.app.call_from_thread(
            self._show, article, rendered.markdown, rendered.links, when, status=status
        )
        if full:
            self.full.fetch_for_open(article)
            return
        self.full.prepare(article)  # its cached page ready for f (full_article.py)

    async def _show(self, article: Article, markdown: str, links: list[str], when: str,
                    **options) -> None:
        """The article pane's show, drawn as one frame: without the batch, the loop drew
        a frame while the body was parsed (the new header over the old body), and laying
        out the screen twice cost a second repaint (bench_full_open.py)."""
        with self._screen.app.batch_update():
            await self._screen.article.show(article, markdown, links, when, **options)

    def step(self, step: int) -> None:
        """J/K: open the next (1) or previous (-1) article of the list, read or not."""
        screen = self._screen
        hl = screen.headlines
        opened = self._view.opened_id
        row = hl.cursor
        if opened is not None and hl.selected_id != opened:
            row = hl.find_row(opened)
            row = hl.cursor if row is None else row
        target = row + step
        if not 0 <= target < len(hl.ids):
            screen.notify("This is the last article" if step > 0 else "This is the first article")
            return
        hl.move_cursor(target, step)
        self.open(hl.ids[target])

    # -- the full article (f): full_article.py ------------------------------------------------

    def toggle_full(self) -> None:
        self.full.toggle()

    def current_id(self) -> int | None:
        """The article the keys act on: the open one in the article pane, else the cursor's."""
        screen = self._screen
        if screen.focused is screen.article and screen.article.article is not None:
            return screen.article.article.id
        return screen.headlines.selected_id

    def set_read(self, ids: list[int], read: bool) -> None:
        screen = self._screen
        self._count_read(ids, read)
        screen.headlines.set_flags(ids, read=read)
        screen.app.write_db(screen.library.set_read, ids, read)

    def _count_read(self, ids: list[int], read: bool) -> None:
        """The header's unread count follows the rows shown as they are marked (see
        ViewLoader.load_counts)."""
        view = self._view
        if view.unread is None:
            return  # (the view's count is still being read)
        hl = self._screen.headlines
        changed = []
        for aid in ids:
            h = hl.cached(aid)
            if (
                h is not None
                and h.read != read
                and (aid == hl.selected_id or hl.find_row(aid) is not None)
            ):
                changed.append(h)
        if changed:
            view.unread = max(0, view.unread + (-1 if read else 1) * len(changed))
            self._screen.update_header()
            # ... and the sidebar's with it (unread_counts.py)
            from .unread_counts import follow_marks

            sidebar = self._screen.sidebar
            if follow_marks(sidebar.all_items, changed, read):
                sidebar.set_items(sidebar.all_items)

    def toggle_read(self) -> None:
        screen = self._screen
        aid = self.current_id()
        if aid is None:
            return
        h = screen.headlines.cached(aid)
        if h is not None:
            self.set_read([aid], not h.read)
        else:
            self._flip_unloaded(aid, "read")

    def star(self) -> None:
        screen = self._screen
        aid = self.current_id()
        if aid is None:
            return
        h = screen.headlines.cached(aid)
        if h is not None:
            starred = not h.starred  # (before set_flags changes h)
            screen.headlines.set_flags([aid], starred=starred)
            screen.app.write_db(screen.library.set_starred, [aid], starred)
        else:
            self._flip_unloaded(aid, "starred")

    def _flip_unloaded(self, aid: int, flag: str) -> None:
        """A row not read yet: its flag is read where it is written (the writer thread,
        in order), and the row shows the new value when it is drawn."""
        headlines = self._screen.headlines
        self._screen.app.write_db(
            self._flip, aid, flag, then=lambda value: headlines.set_flags([aid], **{flag: value})
        )

    def _flip(self, article_id: int, flag: str) -> bool:
        """On the writer thread: turn an article's flag over; its new value."""
        library = self._screen.library
        value = not getattr(library.article(article_id), flag)
        if flag == "read":
            library.set_read([article_id], value)
        else:
            library.set_starred([article_id], value)
        return value

    def mark_all_read(self) -> None:
        screen, view = self._screen, self._view
        if view.query is None:
            return

        def done(ids: list[int]) -> None:
            view.undo_ids = ids
            screen.notify(f"Marked {len(ids):,} read (u undoes)")
            screen.reload()

        screen.app.write_db(screen.library.mark_all_read, view.query, then=done)

    def undo(self) -> None:
        screen, view = self._screen, self._view
        if not view.undo_ids:
            screen.notify("Nothing to undo")
            return
        ids, view.undo_ids = view.undo_ids, []
        screen.headlines.set_flags(ids, read=False)
        screen.app.write_db(
            screen.library.set_read,
            ids,
            False,
            then=lambda _n: (screen.notify(f"Marked {len(ids):,} unread again"), screen.reload()),
        )

    # -- links -------------------------------------------------------------------------------

    def _with_current_link(self, use: Callable[[str], None]) -> None:
        """`use(link)` with the link of the article the keys act on: the open article's at
        once, another's once read in a thread."""
        article = self._screen.article
        aid = self.current_id()
        if aid is None:
            return
        if article.article is not None and article.article.id == aid:
            if article.article.link:
                use(article.article.link)
            return
        self._screen.run_worker(
            lambda: self._read_link(aid, use),
            name="_read_link",
            group="link",
            thread=True,
            exit_on_error=False,
        )

    def _read_link(self, article_id: int, use: Callable[[str], None]) -> None:
        link = self._screen.library.article(article_id).link
        if link:
            self._screen.post_message(LinkRead(link, use))

    def link_read(self, event: LinkRead) -> None:
        event.use(event.link)

    def pick_link(self) -> None:
        """L: the open article's numbered links, to pick one to open."""
        from .pickers import LinkPicker

        from ..links import links_to_offer

        screen = self._screen
        article = screen.article.article
        if self._view.opened_id is None or article is None:
            screen.notify("No links: open an article first (Enter).")
            return
        links, note = links_to_offer(screen.article.links, article.link)
        if note:
            screen.notify(note)
        if not links:
            return

        def chosen(url: str | None) -> None:
            if url:
                screen.app.open_link(url)

        screen.app.push_screen(LinkPicker(links), chosen)

    def open_link(self) -> None:
        self._with_current_link(self._screen.app.open_link)

    def copy_link(self) -> None:
        screen = self._screen

        def copy(link: str) -> None:
            screen.app.copy_to_clipboard(link)
            screen.notify("Link copied")

        self._with_current_link(copy)

    def refresh_feed(self) -> None:
        """r: refresh the feed of the sidebar's item (when it has the focus), else of the
        list's article."""
        screen = self._screen
        sidebar = screen.sidebar
        feed_id = None
        if screen.focused is sidebar and sidebar.current and sidebar.current.feed:
            feed_id = sidebar.current.feed.id
        elif (h := screen.headlines.selected) is not None:
            feed_id = h.feed_id
        if feed_id is None:
            return
        feed = next((i.feed for i in sidebar.all_items if i.feed and i.feed.id == feed_id), None)
        if feed is not None and feed.remote_id and screen.app.syncer.configured:
            # (the server fetches it: never behind its back, as `reader refresh FEED`)
            screen.notify("A synced feed is refreshed by syncing with the server.")
            screen.app.syncer.start(asked=True)
            return
        screen.app.start_refresh([feed_id])

    def share(self) -> None:
        """The palette's "Publish or unpublish": tt-rss's published mark turned over on
        the writer thread (read there, as the row may not be loaded), sent with the next
        sync. Only an article the server has can carry it."""
        aid = self.current_id()
        if aid is None:
            return
        screen = self._screen

        def flip() -> bool | None:
            library = screen.library
            value = not library.article(aid).shared
            return value if library.set_shared([aid], value) else None

        def done(value: bool | None) -> None:
            screen.notify("Not on the sync server: only its articles can be published."
                          if value is None else
                          f"{'Published' if value else 'Unpublished'} (sent with the next sync)")

        screen.app.write_db(flip, then=done)
