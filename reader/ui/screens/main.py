"""The main screen: sidebar, headline list and article pane, and what ties them.

A view is one filter string in the core filter language; the sidebar, the tag
picker, saved filters and typing at "/" all just set it. Ids for a view are read
in two steps: the first screenful at once (LIMIT), the full ordered list in a
thread, so neither startup nor a filter switch waits on a 100k-row scan.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Input, Static

from reader.core.errors import ReaderError
from reader.core.query import Query
from reader.core.sanitize import clean_line

from ..widgets.article_view import ArticleView, LinkChosen, format_when
from ..widgets.headline_list import HeadlineList
from ..widgets.key_hints import KeyHints
from ..widgets.sidebar import Item, Sidebar, build_items, tag_filter
from .navigation import Navigation, unread_of

FIRST_ROWS = 200  # ids read synchronously when a view opens
NARROW = 100  # below this width the panes stack
WIDE = 150  # from this width the sidebar and article get their full size
FILTER_DELAY = 0.08  # seconds of typing coalesced into one query


class MainScreen(Navigation, Screen):
    BINDINGS = [
        Binding("slash", "edit_filter", "Filter", id="filter"),
        Binding("t", "pick_tag", "Tag", id="pick_tag"),
        Binding("S,ctrl+s", "save_filter", "Save filter", id="save_filter", show=False),
        Binding("n", "next_unread", "Next unread", id="next_unread"),
        Binding("N", "prev_unread", "Previous unread", id="prev_unread", show=False),
        Binding("s", "star", "Star", id="star"),
        Binding("m", "toggle_read", "Read/unread", id="toggle_read"),
        Binding("A", "mark_all_read", "Mark view read", id="mark_all_read", show=False),
        Binding("u", "undo", "Undo mark read", id="undo", show=False),
        Binding("o", "open_link", "Open link", id="open_link"),
        Binding("y", "copy_link", "Copy link", id="copy_link", show=False),
        Binding("r", "refresh_feed", "Refresh feed", id="refresh_feed", show=False),
        Binding("tab", "next_pane", "Next pane", id="next_pane", show=False),
        Binding("shift+tab", "prev_pane", "Previous pane", id="prev_pane", show=False),
        Binding("h,left", "pane_left", "Pane left", id="pane_left", show=False),
        Binding("l,right", "pane_right", "Pane right", id="pane_right", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter_text = ""
        self.view_label = "All"
        self.query_obj: Query | None = None
        self.generation = 0
        self.view_count: int | None = None
        self.view_unread: int | None = None
        self.totals: dict[str, int] = {}
        self.undo_ids: list[int] = []
        self.pending_unread: int | None = None  # n/N across feeds: step to use once loaded
        self.opened_id: int | None = None  # the article asked for (it loads in a thread)
        self._filter_timer = None

    @property
    def library(self):
        return self.app.library

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="header", markup=False)
        with Horizontal(id="panes"):
            yield Sidebar(id="sidebar")
            with Vertical(id="center"):
                yield Input(id="filter", placeholder="filter: +tag feed:name is:unread @7d words")
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

    def on_mount(self) -> None:
        self.apply_filter("", "All")
        self.load_counts()
        self.headlines.focus()
        self.set_timer(0.5, self.warm_up)

    @work(thread=True, group="warm-up", exit_on_error=False)
    def warm_up(self) -> None:
        """After the first paint, load what opening an article needs (Markdown, HTML parsing)."""
        from textual.widgets import Markdown  # noqa: F401

        import reader.core.content  # noqa: F401

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW, "narrow")
        self.set_class(NARROW <= event.size.width < WIDE, "medium")

    @property
    def narrow(self) -> bool:
        return self.has_class("narrow")

    def set_progress(self, text: str) -> None:
        self.query_one("#progress", Static).update(Content(text))

    def update_header(self) -> None:
        parts: list = [(" reader", "bold")]
        if self.app.demo:
            parts.append((" (demo)", "italic"))
        parts += ["  ", (self.view_label, "bold")]
        if self.filter_text and self.filter_text != self.view_label:
            parts.append((f"  [{self.filter_text}]", "dim"))
        if self.view_count is not None:
            parts.append(f"  {self.view_count:,} articles, {self.view_unread or 0:,} unread")
        if self.totals:
            parts.append((f"  │ all: {self.totals.get('unread', 0):,} unread", "dim"))
        self.query_one("#header", Static).update(Content.assemble(*parts))

    # -- views -------------------------------------------------------------------------------

    def apply_filter(self, text: str, label: str | None = None) -> bool:
        """Show the articles `text` selects. A bad filter shows its error and changes nothing."""
        try:
            query = self.library.query(text)
            first = self.library.article_ids(query, limit=FIRST_ROWS)
        except ReaderError as exc:
            self.show_filter_error(str(exc))
            return False
        self.show_filter_error(None)
        self.filter_text, self.query_obj = text, query
        self.view_label = label or self.label_for(text)
        self.sidebar.set_active(text)
        self.generation += 1
        self.view_count = self.view_unread = None
        self.headlines.set_ids(first, keep_selection=False)
        self.update_header()
        self.load_ids(self.generation, query)
        return True

    def label_for(self, text: str) -> str:
        for item in self.sidebar.items:
            if item.selectable and item.filter == text:
                return item.label if item.kind != "feed" else f"Feed: {item.label}"
        return f"Filter: {text}" if text else "All"

    def reload(self) -> None:
        """Data changed: read the view again, keeping the selected article."""
        try:
            self.query_obj = self.library.query(self.filter_text)
        except ReaderError:
            return
        self.generation += 1
        self.load_ids(self.generation, self.query_obj)
        self.load_counts()

    @work(thread=True, exclusive=True, group="ids", exit_on_error=False)
    def load_ids(self, generation: int, query: Query) -> None:
        ids = self.library.article_ids(query)
        unread = self.library.count(unread_of(query))
        self.app.call_from_thread(self._ids_loaded, generation, ids, unread)

    def _ids_loaded(self, generation: int, ids: list[int], unread: int) -> None:
        if generation != self.generation:
            return  # a newer view or reload is on its way
        self.headlines.set_ids(ids, keep_selection=True)
        self.view_count, self.view_unread = len(ids), unread
        self.update_header()
        if self.pending_unread is not None:
            step, self.pending_unread = self.pending_unread, None
            self.goto_unread(step, cross_feeds=False, start=0 if step > 0 else len(ids) - 1)

    @work(thread=True, exclusive=True, group="counts", exit_on_error=False)
    def load_counts(self) -> None:
        query, generation = self.query_obj, self.generation
        feeds = self.library.feeds()
        totals = self.library.totals()
        saved = self.library.saved_filters()
        unread = None if query is None else self.library.count(unread_of(query))
        self.app.call_from_thread(
            self._counts_loaded,
            build_items(feeds, totals, saved),
            totals,
            unread if generation == self.generation else None,
        )

    def _counts_loaded(
        self, items: list[Item], totals: dict[str, int], view_unread: int | None
    ) -> None:
        self.sidebar.set_items(items)
        self.totals = totals
        if view_unread is not None and self.view_count is not None:
            self.view_unread = view_unread
        self.view_label = (
            self.label_for(self.filter_text)
            if self.view_label.startswith(("Filter:", "Feed:"))
            else self.view_label
        )
        self.update_header()

    @on(Sidebar.Selected)
    def _sidebar_selected(self, event: Sidebar.Selected) -> None:
        item = event.item
        label = f"Feed: {item.label}" if item.kind == "feed" else item.label
        if item.filter != self.filter_text:
            self.apply_filter(item.filter, label)

    def go_to_feed(self, feed_id: int) -> None:
        self.sidebar.select_filter(f"feedid:{feed_id}")
        self.apply_filter(f"feedid:{feed_id}")
        self.focus_pane("headlines")

    # -- the filter box ----------------------------------------------------------------------

    def show_filter_error(self, message: str | None) -> None:
        error = self.query_one("#filter-error", Static)
        error.update(Content(message or ""))
        error.display = bool(message)

    def action_edit_filter(self) -> None:
        box = self.query_one("#filter", Input)
        self.query_one("#center").add_class("editing")
        box.value = self.filter_text
        box.focus()
        box.cursor_position = len(box.value)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, lambda: self.apply_filter(event.value))

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        if self.apply_filter(event.value):
            self.close_filter()

    def close_filter(self) -> None:
        self.query_one("#center").remove_class("editing")
        self.headlines.focus()

    def on_key(self, event) -> None:
        if event.key == "escape" and self.focused is self.query_one("#filter", Input):
            event.stop()
            if self._filter_timer is not None:
                self._filter_timer.stop()
            self.query_one("#filter", Input).value = ""
            self.apply_filter("", "All")
            self.sidebar.select_filter("")
            self.close_filter()

    def action_pick_tag(self) -> None:
        from .pickers import TagPicker

        counts: dict[str, int] = {}
        for item in self.sidebar.items:
            if item.kind == "tag":
                counts[item.label] = item.count or 0
        tags = [(clean_line(t), counts.get(clean_line(t), 0)) for t in self.library.tags()]

        def chosen(tag: str | None) -> None:
            if tag:
                self.sidebar.select_filter(tag_filter(tag))
                self.apply_filter(tag_filter(tag), tag)

        self.app.push_screen(TagPicker(tags), chosen)

    def action_save_filter(self) -> None:
        from .pickers import NamePrompt

        text = self.filter_text
        if not text:
            self.notify("Type a filter first (/), then save it.", severity="warning")
            return

        def named(name: str | None) -> None:
            if not name:
                return
            try:
                self.library.save_filter(name, text)
            except ReaderError as exc:
                self.notify(str(exc), severity="error")
                return
            self.view_label = name
            self.notify(f"Saved filter “{name}”")
            self.load_counts()

        self.app.push_screen(NamePrompt("Save this filter as", text), named)

    # -- articles ----------------------------------------------------------------------------

    @on(HeadlineList.Opened)
    def _opened(self, event: HeadlineList.Opened) -> None:
        again = self.opened_id == event.article_id
        self.open_article(event.article_id)
        if self.narrow or again:
            self.focus_pane("article")

    def open_article(self, article_id: int) -> None:
        h = self.headlines.cached(article_id)
        if self.app.config.mark_read_on_open and (h is None or not h.read):
            self.set_read([article_id], True)
        self.opened_id = article_id
        self.add_class("has-article")
        self.load_article(article_id)

    @work(thread=True, exclusive=True, group="article", exit_on_error=False)
    def load_article(self, article_id: int) -> None:
        try:
            article = self.library.article(article_id)
            rendered = self.library.render(article)
        except ReaderError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        when = format_when(article, self.app.clock())
        self.app.call_from_thread(
            self.article.show, article, rendered.markdown, rendered.links, when
        )

    @on(ArticleView.Closed)
    def _article_closed(self) -> None:
        self.focus_pane("headlines")

    @on(LinkChosen)
    def _link_chosen(self, event: LinkChosen) -> None:
        self.app.open_link(event.url)

    def current_id(self) -> int | None:
        """The article the keys act on: the open one in the article pane, else the cursor's."""
        if self.focused is self.article and self.article.article is not None:
            return self.article.article.id
        return self.headlines.selected_id

    def set_read(self, ids: list[int], read: bool) -> None:
        self.headlines.set_flags(ids, read=read)
        self.app.write_db(self.library.set_read, ids, read)

    def action_toggle_read(self) -> None:
        aid = self.current_id()
        if aid is None:
            return
        h = self.headlines.cached(aid)
        read = not h.read if h else not self.library.article(aid).read
        self.set_read([aid], read)

    def action_star(self) -> None:
        aid = self.current_id()
        if aid is None:
            return
        h = self.headlines.cached(aid)
        starred = not h.starred if h else not self.library.article(aid).starred
        self.headlines.set_flags([aid], starred=starred)
        self.app.write_db(self.library.set_starred, [aid], starred)

    def action_mark_all_read(self) -> None:
        if self.query_obj is None:
            return

        def done(ids: list[int]) -> None:
            self.undo_ids = ids
            self.notify(f"Marked {len(ids):,} read (u undoes)")
            self.reload()

        self.app.write_db(self.library.mark_all_read, self.query_obj, then=done)

    def action_undo(self) -> None:
        if not self.undo_ids:
            self.notify("Nothing to undo")
            return
        ids, self.undo_ids = self.undo_ids, []
        self.headlines.set_flags(ids, read=False)
        self.app.write_db(
            self.library.set_read,
            ids,
            False,
            then=lambda _n: (self.notify(f"Marked {len(ids):,} unread again"), self.reload()),
        )

    def _current_link(self) -> str:
        aid = self.current_id()
        if aid is None:
            return ""
        if self.article.article is not None and self.article.article.id == aid:
            return self.article.article.link
        return self.library.article(aid).link

    def action_open_link(self) -> None:
        link = self._current_link()
        if link:
            self.app.open_link(link)

    def action_copy_link(self) -> None:
        link = self._current_link()
        if link:
            self.app.copy_to_clipboard(link)
            self.notify("Link copied")

    def action_refresh_feed(self) -> None:
        feed_id = None
        if self.focused is self.sidebar and self.sidebar.current and self.sidebar.current.feed:
            feed_id = self.sidebar.current.feed.id
        elif (h := self.headlines.selected) is not None:
            feed_id = h.feed_id
        if feed_id is not None:
            self.app.start_refresh([feed_id])
