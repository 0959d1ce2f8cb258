"""The main screen: sidebar, headline list and article pane, and what ties them.

A view is one filter string in the core filter language; the sidebar, the tag
picker, saved filters and typing at "/" all just set it, and views.py reads it in
a thread. At startup the first screenful is read before the first frame, and the
rest of the view, the sidebar's counts and the app's timers wait for that frame:
the headlines paint first.

The screen is layout, bindings and wiring. The work is its collaborators', built in
__init__, each declaring what it uses of the screen as a Protocol: ViewLoader
(views.py), Navigation, FilterEditor (filter_box.py), SidebarMoves, ArticleActions,
SavedFilters. Textual looks actions up on the screen: the action_* stay here.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Resize
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker

from reader.core.filters import Filter

from ..frames import HeldFrames
from ..view_state import Catalogue, ViewState
from ..widgets.article_images import connect_images, toggle_images
from ..widgets.article_view import ArticleView, LinkChosen
from ..widgets.headline_list import HeadlineList, fit
from ..widgets.key_hints import KeyHints
from ..widgets.sidebar import Sidebar
from .article_actions import ArticleActions, LinkRead
from .feed_actions import FeedActions
from .filter_box import FilterBox, FilterEditor
from .navigation import Navigation, UnreadFound
from .reading import ReadingLayout
from .saved_filters import SavedFilters
from .sidebar_moves import SidebarMoves
from .views import ViewLoader

NARROW = 100  # below this width the panes stack
WIDE = 150  # from this width the sidebar and article get their full size
FIRST_FRAME_WAIT = 0.3  # seconds the first frame waits at most for the first rows
PROGRESS_CELLS = 40  # the width of a running refresh's progress (see set_progress)


class Panes(Horizontal):
    """A container with nothing of its own to draw: BLANK spares the compositor from
    rendering it line by line, which matters when the list scrolls (every row repaints)."""

    BLANK = True


class Column(Vertical):
    BLANK = True


class MainScreen(Screen):
    BLANK = True  # the panes cover it
    # Textual's Screen repaints the whole screen (every line of every pane) when the focus
    # moves; the widgets that gain and lose it restyle and repaint themselves anyway. That
    # full repaint was 5-10 ms of the frame that shows a search's first rows.
    focused: Reactive = Reactive(None, repaint=False)

    BINDINGS = [
        # A priority binding runs as the app receives the key, before it hands on the keys
        # typed after it: else "/rust" typed or pasted in one go gave "rust" to the list,
        # where r refreshes, u undoes, s stars and t opens the tag picker.
        Binding("slash", "edit_filter", "Filter", id="filter", priority=True),
        # The same for t: "tnews" and Enter typed in one go pick the tag news (the picker
        # takes the keys that reach it before its box has the focus, see TypeAhead).
        Binding("t", "pick_tag", "Tag", id="pick_tag", priority=True),
        Binding("S,ctrl+s", "save_filter", "Save filter", id="save_filter", show=False),
        Binding("n", "next_unread", "Next unread", id="next_unread"),
        Binding("N", "prev_unread", "Previous unread", id="prev_unread", show=False),
        Binding("s", "star", "Star", id="star"),
        Binding("m", "toggle_read", "Read/unread", id="toggle_read"),
        Binding("A", "mark_all_read", "Mark view read", id="mark_all_read", show=False),
        Binding("u", "undo", "Undo mark read", id="undo", show=False),
        Binding("o", "open_link", "Open link", id="open_link"),
        Binding("L", "pick_link", "Links", id="pick_link", show=False),
        Binding("e", "app.enclosures", "Play/download enclosure", id="enclosures", show=False),
        Binding("y", "copy_link", "Copy link", id="copy_link", show=False),
        Binding("r", "refresh_feed", "Refresh feed", id="refresh_feed", show=False),
        Binding("f", "full_text", "Full article / feed text", id="full_text", show=False),
        Binding("ctrl+r", "refetch_full", "Fetch the full article again", id="refetch_full",
                show=False),
        Binding("z", "reading('zoom')", "Article full width", id="zoom_article", show=False),
        Binding("ctrl+b", "reading('toggle_sidebar')", "Hide/show sidebar", id="toggle_sidebar",
                show=False),
        Binding("i", "toggle_images", "Images on/off", id="images", show=False),
        # Feeds from inside (FeedActions); the titles name "subscribe" for the palette
        Binding("a", "feed('add')", "Add feed (subscribe)", id="add_feed", show=False),
        Binding("X", "feed('remove')", "Remove feed (unsubscribe)", id="remove_feed", show=False),
        Binding("E", "feed('rename')", "Rename feed", id="rename_feed", show=False),
        Binding("T", "feed('tags')", "Tag or untag feed", id="tag_feed", show=False),
        Binding("I", "feed('import')", "Import feeds (OPML)", id="import_feeds", show=False),
        Binding("F", "feed('view')", "Feeds and failures", id="feeds_view", show=False),
        Binding("tab", "next_pane", "Next pane", id="next_pane", show=False),
        Binding("shift+tab", "prev_pane", "Previous pane", id="prev_pane", show=False),
        Binding("h,left", "pane_left", "Pane left", id="pane_left", show=False),
        Binding("l,right", "pane_right", "Pane right", id="pane_right", show=False),
        Binding(
            "escape", "close_article", "Close article or sidebar", id="close_article", show=False
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = ViewState()
        # Nothing drawn from Enter (or a sidebar move) to the view's first rows
        self.frames = HeldFrames(lambda: self.app.batch_update(), self.set_timer)
        self.views = ViewLoader(self, self.view)
        self.navigation = Navigation(self, self.view)
        self.filter_editor = FilterEditor(self, self.view, self.frames)
        self.sidebar_moves = SidebarMoves(self, self.view, self.frames)
        self.articles = ArticleActions(self, self.view)
        self.reading = ReadingLayout(self, self.view)
        self.saved_filters = SavedFilters(self, self.view, self.filter_editor.filter_to_save)
        self.feed_actions = FeedActions(self, self.view)
        self._progress_cells = 0
        self._after_frames = 0  # callbacks waiting for the next frame (after_frame)

    @property
    def library(self):
        return self.app.library

    @property
    def catalogue(self) -> Catalogue:
        """What the library held at the last count (read by ViewLoader)."""
        return self.views.catalogue

    @property
    def started(self) -> bool:
        """The first counts are in (the app's startup waits for them)."""
        return self.views.started

    @property
    def awaiting_rows(self) -> bool:
        """A new view's first rows are being read."""
        return self.views.awaiting_rows

    @property
    def switch_pending(self) -> bool:
        """A sidebar move is waiting to be shown (tests wait for it)."""
        return self.sidebar_moves.pending

    @property
    def filter_closing(self) -> bool:
        """Enter was pressed in the filter box: it closes with the view's rows."""
        return self.filter_editor.closing

    @property
    def holding_keys(self) -> bool:
        """Keys that reach the filter box are for the list (see FilterBox)."""
        return self.filter_editor.holding_keys

    def after_frame(self, callback: Callable, *args) -> None:
        """call_after_refresh, counted (busy)."""
        self._after_frames += 1

        def run() -> None:
            self._after_frames -= 1
            callback(*args)

        self.call_after_refresh(run)

    @property
    def busy(self) -> list[str]:
        """What the screen is still doing besides its workers (ReaderApp.busy): tests
        wait for none of it, not for a time."""
        checks = {
            "first counts": not self.started,
            "sidebar move": self.switch_pending or self.sidebar.pending is not None,
            **self.views.busy,
            "held keys": self.holding_keys or self.filter_editor.held_keys.busy,
            "filter typed": self.filter_editor.typing,
            "frames held": self.frames.held,
            "after frame": self._after_frames > 0,
            "read-ahead": self.headlines.reading_ahead,
            "n waiting": self.view.pending_unread is not None,
        }
        return [what for what, busy in checks.items() if busy]

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Over the header line while it is open (see reader.tcss). Opening or closing it
        # moves nothing else, and as the first widget (the compositor orders widgets
        # counting from the last) it changes no other's order either: only its line is
        # drawn again. Anywhere else, every close redrew the whole screen (15-90 ms).
        yield FilterBox(
            self.filter_editor,
            id="filter",
            placeholder="filter: +tag feed:name is:unread @7d words",
            select_on_focus=False,
        )
        yield Static(id="header", markup=False)
        with Panes(id="panes"):
            yield Sidebar(
                on_move=self.sidebar_moves.moving,
                on_choose=self.sidebar_moves.chosen,
                id="sidebar",
            )
            with Column(id="center"):
                yield Static(id="filter-error", markup=False)
                yield HeadlineList(self.library.headlines, self.app.clock, id="headlines")
            yield ArticleView(id="article")
        with Horizontal(id="statusbar"):
            yield KeyHints(id="keys")
            yield Static(id="progress", markup=False)

    @property
    def headlines(self) -> HeadlineList:
        return self.query_one(HeadlineList)

    @property
    def sidebar(self) -> Sidebar:
        return self.query_one(Sidebar)

    @property
    def article(self) -> ArticleView:
        return self.query_one(ArticleView)

    async def on_mount(self) -> None:
        # The first screenful is read on the first-rows thread, as any view's is; the
        # first frame waits for it a little (the loop stays free meanwhile): one frame
        # with the rows costs less than an empty one and then another.
        self.apply_filter("", "All")
        self.article.set_measure(self.app.config.measure)
        connect_images(self.article, self.library, self.app.config.images != "off")
        self.headlines.focus()
        await self.views.first_rows_in(FIRST_FRAME_WAIT)
        self.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        self.headlines.read_ahead = True
        self.load_counts()
        self.set_timer(0.5, self.warm_up)

    @work(thread=True, group="warm-up", exit_on_error=False)
    def warm_up(self) -> None:
        """After the first paint, load what opening an article needs (markdown-it, the
        pane's body, HTML parsing)."""
        from ..widgets import article_body  # noqa: F401 - imported for its import cost

        self.library.warm_up()

    def on_unmount(self) -> None:
        self.frames.release()
        self.views.stop_reading()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW, "narrow")
        self.set_class(NARROW <= event.size.width < WIDE, "medium")
        self.navigation.keep_focus_shown()

    @property
    def narrow(self) -> bool:
        return self.has_class("narrow")

    def set_progress(self, text: str, *, running: bool = False) -> None:
        """The right of the status line. While a refresh reports (`running`), the text is
        cut or padded to one width: a new width is a layout pass of the whole screen, and
        a refresh reports every feed."""
        if running:
            text = fit(text, PROGRESS_CELLS)
        content = Content(text)
        cells = content.cell_length
        self.query_one("#progress", Static).update(content, layout=cells != self._progress_cells)
        self._progress_cells = cells

    def update_header(self) -> None:
        parts: list = [(" reader", "bold")]
        if self.app.demo:
            parts.append((" (demo)", "italic"))
        parts += ["  ", (self.view.label, "bold")]
        # The filter behind a named view ("feedid:7" is no news to anyone, though)
        shown = self.view.label in (self.view.filter_text, f"Filter: {self.view.filter_text}")
        if self.view.filter_text and not shown and not self.view.filter_text.startswith("feedid:"):
            parts.append((f"  [{self.view.filter_text}]", "dim"))
        if self.view.count is not None:
            noun = "article" if self.view.count == 1 else "articles"
            parts.append(f"  {self.view.count:,} {noun}, {self.view.unread or 0:,} unread")
        if self.catalogue.totals:
            parts.append((f"  │ all: {self.catalogue.totals.get('unread', 0):,} unread", "dim"))
        # One line, full width: its size never changes, so no layout pass (a full repaint).
        self.query_one("#header", Static).update(Content.assemble(*parts), layout=False)

    def show_filter_error(self, message: str | None) -> None:
        error = self.query_one("#filter-error", Static)
        if not message and not error.display:
            return  # the usual case on every view switch: nothing to redo
        error.update(Content(message or ""))
        error.display = bool(message)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close_article":
            if isinstance(self.focused, Input):
                return False  # a box's own Esc (the filter box cancels)
            if self.focused is self.article and self.article.matches:
                return False  # the article's Esc clears its search first
            if self.navigation.sidebar_over_list():
                return True
            return self.view.opened_id is not None
        if action in ("edit_filter", "pick_tag"):
            # Priority bindings: in a text box these keys are text (feed:example.com/blog);
            # in the article, / searches the article (ArticleView).
            if isinstance(self.focused, Input):
                return False
            return action == "pick_tag" or self.focused is not self.article
        return True

    # -- views (ViewLoader) ------------------------------------------------------------------

    def apply_filter(self, text: str, label: str | None = None) -> bool:
        """Show the articles `text` selects (a bad filter shows its error: False)."""
        return self.views.apply_filter(text, label)

    def reload(self) -> None:
        """Data changed: read the view again, keeping the selected article."""
        self.views.reload()

    def load_view(self, generation: int, query: Filter, **options) -> Worker:
        return self.views.load_view(generation, query, **options)

    def load_counts(self, view: bool = False) -> Worker:
        return self.views.load_counts(view)

    def rows_shown(self) -> None:
        """The view's first rows are in (or none will come): the filter box closes in the
        same frame, the keys typed after the tag picker go."""
        self.views.awaiting_rows = False
        self.filter_editor.rows_shown()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group in ("ids", "counts"):
            self.views.worker_done(event.worker)

    def go_to_feed(self, feed_id: int) -> None:
        self.apply_filter(f"feedid:{feed_id}")
        self.focus_pane("headlines")

    # -- the sidebar (SidebarMoves) and saved filters (SavedFilters) -------------------------

    @on(Sidebar.Selected)
    def _sidebar_selected(self, event: Sidebar.Selected) -> None:
        self.sidebar_moves.selected(event)

    def show_sidebar_move(self) -> None:
        self.sidebar_moves.show_pending()

    @on(Sidebar.DeleteFilter)
    def _delete_filter_asked(self, event: Sidebar.DeleteFilter) -> None:
        self.confirm_delete_filter(event.item.name)

    def confirm_delete_filter(self, name: str) -> None:
        self.saved_filters.confirm_delete(name)

    def show_saved_filter(self, name: str) -> None:
        self.saved_filters.show(name)

    def action_save_filter(self) -> None:
        self.saved_filters.save()

    # -- the filter box and the tag picker (FilterEditor) ------------------------------------

    def action_edit_filter(self) -> None:
        self.filter_editor.edit()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_editor.changed(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.filter_editor.submit(event.value)

    def takes_key(self, event: events.Key) -> bool:
        """Whether a key from the terminal waits (ReaderApp asks): while the filter box
        closes and the keys held meanwhile are pressed again, in order."""
        return self.filter_editor.takes_key(event)

    def action_pick_tag(self) -> None:
        self.filter_editor.pick_tag()

    # -- moving around (Navigation) ----------------------------------------------------------

    def goto_unread(self, step: int, cross_feeds: bool = True, start: int | None = None) -> None:
        self.navigation.goto_unread(step, cross_feeds, start)

    def action_next_unread(self) -> None:
        self.navigation.goto_unread(1)

    def action_prev_unread(self) -> None:
        self.navigation.goto_unread(-1)

    @on(UnreadFound)
    def _unread_found(self, event: UnreadFound) -> None:
        self.navigation.unread_found(event)

    def focus_pane(self, pane: str) -> None:
        self.navigation.focus_pane(pane)

    def action_next_pane(self) -> None:
        self.navigation.step_pane(1, wrap=True)

    def action_prev_pane(self) -> None:
        self.navigation.step_pane(-1, wrap=True)

    def action_pane_left(self) -> None:
        self.navigation.step_pane(-1, wrap=False)

    def action_pane_right(self) -> None:
        self.navigation.step_pane(1, wrap=False)

    def action_close_article(self) -> None:
        """Esc/q in the article, or Esc in the list: the list gets the article's room back."""
        self.navigation.close_article()

    # -- articles (ArticleActions) -----------------------------------------------------------

    @on(HeadlineList.Opened)
    def _opened(self, event: HeadlineList.Opened) -> None:
        again = self.view.opened_id == event.article_id
        self.open_article(event.article_id)
        if self.narrow or again:
            self.focus_pane("article")

    def open_article(self, article_id: int) -> None:
        self.articles.open(article_id)

    def current_id(self) -> int | None:
        """The article the keys act on: the open one in the article pane, else the cursor's."""
        return self.articles.current_id()

    @on(LinkChosen)
    def _link_chosen(self, event: LinkChosen) -> None:
        self.app.open_link(event.url)

    @on(LinkRead)
    def _link_read(self, event: LinkRead) -> None:
        self.articles.link_read(event)

    def action_toggle_read(self) -> None:
        self.articles.toggle_read()

    def action_star(self) -> None:
        self.articles.star()

    def action_mark_all_read(self) -> None:
        self.articles.mark_all_read()

    def action_undo(self) -> None:
        self.articles.undo()

    def action_pick_link(self) -> None:
        self.articles.pick_link()

    def action_open_link(self) -> None:
        self.articles.open_link()

    def action_copy_link(self) -> None:
        self.articles.copy_link()

    def action_refresh_feed(self) -> None:
        self.articles.refresh_feed()

    def action_full_text(self) -> None:
        self.articles.toggle_full()

    def action_refetch_full(self) -> None:
        self.articles.full.refetch()  # (full_article.py)

    @on(ArticleView.Step)
    def _article_step(self, event: ArticleView.Step) -> None:
        self.articles.step(event.step)

    def action_reading(self, what: str) -> None:
        """z, Ctrl+B: the article's whole width, the sidebar (ReadingLayout)."""
        {"zoom": self.reading.zoom, "toggle_sidebar": self.reading.toggle_sidebar}[what]()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.reading.focus_moved(event.widget)

    def action_toggle_images(self) -> None:
        self.notify(toggle_images(self.article))

    def action_feed(self, what: str) -> None:
        """a, X, E, T, I, F: feeds managed from here (FeedActions)."""
        self.feed_actions.run(what)
