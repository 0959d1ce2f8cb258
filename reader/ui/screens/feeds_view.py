"""The feeds view (F): every feed with its last refresh's status and error, when it was
last tried and is next due, its articles and unread ones; failing feeds first (s sorts
otherwise). Enter shows the feed's articles; the feed keys (a, X, E, T, I, r) act on the
highlighted feed as they do in the main screen, and S edits its own settings.

The rows come from the last count (no SQL on the event loop), then from a thread that
reads the feeds again, as after every change made here. Feed titles, URLs and errors
are untrusted: cells are rich Text, never markup (a str cell of DataTable is markup).
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static

from reader.core.models import Feed, SyncStatus
from reader.core.sanitize import clean_line

from ..feed_status import failing, feed_problem, mark, status_text, when
from ..sync_runner import status_line

SORTS = ("failures", "title", "unread")
COLUMNS = ("", "Feed", "Status", "Last tried", "Last success", "Next fetch", "Articles", "Unread", "Error")
TITLE_CELLS = 36  # a feed's title is cut to this many cells here
ERROR_CELLS = 120
CATALOGUE_CHECK = 1.0  # seconds between looks at the main screen's last count


def sort_feeds(feeds: list[Feed], by: str) -> list[Feed]:
    """failures: failing feeds first, the longest failing first; title; unread: most first."""
    title = lambda f: clean_line(f.display_title).casefold()  # noqa: E731
    if by == "failures":
        return sorted(feeds, key=lambda f: (not failing(f), -f.error_count, title(f)))
    if by == "unread":
        return sorted(feeds, key=lambda f: (-f.unread, title(f)))
    return sorted(feeds, key=title)


def next_fetch(feed: Feed, now) -> str:
    if feed.gone:
        return "never (gone)"
    if feed.remote_id:
        return "by the server"  # (its articles come with each sync)
    return when(feed.next_fetch, now)


def _cut(text: str, cells: int) -> str:
    return text if len(text) <= cells else text[: cells - 1] + "…"


class FeedsScreen(Screen[None]):
    HELP_TITLE = "Feeds view"

    BINDINGS = [
        Binding("escape,q,F", "close", "Close the feeds view", id="close_feeds"),
        Binding("enter", "open_feed", "Show its articles", id="open_feed"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
        Binding("g", "move(-1_000_000)", "First feed", show=False),
        Binding("G", "move(1_000_000)", "Last feed", show=False),
        Binding("s", "sort", "Sort: failures, title, unread", id="sort_feeds"),
        Binding("a", "feed('add')", "Add feed (subscribe)", id="add_feed"),
        Binding("X", "feed('remove')", "Remove feed (unsubscribe)", id="remove_feed"),
        Binding("E", "feed('rename')", "Rename feed", id="rename_feed"),
        Binding("T", "feed('tags')", "Tag or untag feed", id="tag_feed"),
        Binding("I", "feed('import')", "Import feeds (OPML)", id="import_feeds"),
        Binding("S", "feed('settings')", "Settings of the feed", id="feed_settings"),
        Binding("r", "refresh_feed", "Refresh feed", id="refresh_feed"),
    ]

    DEFAULT_CSS = """
    FeedsScreen #feeds-summary { height: 1; padding: 0 1; background: $panel; }
    FeedsScreen #feeds-sync { height: auto; padding: 0 1; background: $panel; }
    FeedsScreen #feeds-table { height: 1fr; }
    FeedsScreen #feeds-detail { height: auto; max-height: 6; padding: 0 1; background: $panel; }
    FeedsScreen #feeds-hint { height: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.sort = SORTS[0]
        self.feeds: list[Feed] = []  # as shown, in order
        self.summaries: set[int] = set()  # feeds offered full text (short texts, no setting)

    def compose(self) -> ComposeResult:
        yield Static(id="feeds-summary", markup=False)
        yield Static(id="feeds-sync", markup=False)
        yield DataTable(id="feeds-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="feeds-detail", markup=False)
        yield Static(
            Content(
                "Enter shows it · s sorts · a adds · X removes · E renames · T tags"
                " · S settings · I imports · r refreshes · Esc closes"
            ),
            id="feeds-hint",
        )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        self._catalogue = self.app.main.catalogue
        self.query_one("#feeds-sync").display = self.app.syncer.configured
        self.show(self._catalogue.feeds)
        table.focus()
        self.reload()
        # A refresh or a write counts again on the main screen: its new catalogue shows
        # here too (a comparison, no SQL).
        self.set_interval(CATALOGUE_CHECK, self._catalogue_changed)

    def _catalogue_changed(self) -> None:
        catalogue = self.app.main.catalogue
        if catalogue is not self._catalogue:
            self._catalogue = catalogue
            self.show(catalogue.feeds)

    @work(thread=True, exclusive=True, group="feeds-view", exit_on_error=False)
    def reload(self) -> None:
        """Read the feeds again (after a refresh or a change made here)."""
        feeds = self.app.library.feeds()
        status = self.app.library.sync_status() if self.app.syncer.configured else None
        summaries = {f.id for f in self.app.library.full_text_suggestions()}
        try:
            if status is not None:
                self.app.call_from_thread(self.show_sync, status)
            self.app.call_from_thread(self.show, feeds, summaries)
        except RuntimeError:
            pass  # the app has gone

    def show(self, feeds: list[Feed], summaries: set[int] | None = None) -> None:
        if summaries is not None:
            self.summaries = summaries
        table = self.query_one(DataTable)
        selected = self.selected()
        now = self.app.clock()
        self.feeds = sort_feeds(feeds, self.sort)
        table.clear()
        for feed in self.feeds:
            bad = failing(feed)
            style = "bold red" if bad else ""
            table.add_row(
                Text(mark(feed), style=style),
                Text(_cut(clean_line(feed.display_title), TITLE_CELLS)),
                Text(status_text(feed), style=style),
                Text(when(feed.last_fetched, now)),
                Text(when(feed.last_ok, now)),
                Text(next_fetch(feed, now)),
                Text(f"{feed.total:,}", justify="right"),
                Text(f"{feed.unread:,}", justify="right"),
                Text(_cut(clean_line(feed.last_error or ""), ERROR_CELLS) if bad else ""),
                key=str(feed.id),
            )
        if selected is not None:
            row = next((i for i, f in enumerate(self.feeds) if f.id == selected.id), 0)
            table.move_cursor(row=row)
        bad = sum(failing(f) for f in feeds)
        summary = f"Feeds: {len(feeds)}, {bad} failing" if bad else f"Feeds: {len(feeds)}"
        if self.summaries:
            summary += f", {len(self.summaries)} of summaries only (full text: S)"
        self.query_one("#feeds-summary", Static).update(
            Content(f"{summary}  ·  sorted by {self.sort}")
        )
        self.show_detail()

    def show_sync(self, status: SyncStatus) -> None:
        self.query_one("#feeds-sync", Static).update(Content(status_line(status, self.app.clock())))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        """The highlighted feed in full under the table: its address, tags and whole
        error, which the table's columns cut (or scroll off at 80 columns)."""
        feed = self.selected()
        detail = self.query_one("#feeds-detail", Static)
        detail.display = feed is not None
        if feed is None:
            return
        parts: list = [(clean_line(feed.display_title), "bold"), "  ", clean_line(feed.url)]
        if feed.tags:
            parts.append(("  tags: " + " · ".join(clean_line(t) for t in feed.tags), "dim"))
        if self.app.syncer.configured:
            parts.append(("  synced" if feed.remote_id else "  local (not on the sync server)",
                          "dim"))
        if feed.id in self.summaries:
            parts += ["\n", ("Summaries only (its texts are short): S, then full_text=auto, "
                             "and its articles open on their whole stories", "italic")]
        problem = feed_problem(feed, self.app.clock())
        if problem:
            parts += ["\n", (problem, "red")]
        detail.update(Content.assemble(*parts))

    def selected(self) -> Feed | None:
        table = self.query_one(DataTable)
        if not self.feeds or table.cursor_row < 0 or table.cursor_row >= len(self.feeds):
            return None
        return self.feeds[table.cursor_row]

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        if self.feeds:
            table.move_cursor(row=max(0, min(len(self.feeds) - 1, table.cursor_row + step)))

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_open_feed(self) -> None:
        feed = self.selected()
        if feed is not None:
            self.app.pop_screen()
            self.app.go_to_feed(feed.id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_feed()  # (a click, or Enter on the table)

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.show(self.feeds)

    def action_feed(self, what: str) -> None:
        actions = self.app.main.feed_actions
        if what in ("add", "import"):
            actions.run(what, after=self.reload)
            return
        feed = self.selected()
        if feed is None:
            self.notify("No feeds yet: a adds one.", severity="warning")
            return
        actions.run(what, feed, after=self.reload)

    def action_refresh_feed(self) -> None:
        feed = self.selected()
        if feed is not None:
            self.app.start_refresh([feed.id])
