"""Managing feeds from the main screen (and the feeds view): add, remove, rename, tag,
edit a feed's own settings, import OPML. The dialogs are feed_forms.py's; this asks them, then does the work off
the event loop: writes on the app's writer thread, adding (which fetches) in a thread
worker. Every failure is one line in a toast; nothing changes then.

The feed acted on (target): the sidebar's feed when the sidebar has the focus, else the
feed of the article under the list's cursor, else the feed whose view is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from textual.content import Content

from reader.core.errors import ReaderError
from reader.core.models import Feed
from reader.core.sanitize import clean_line
from reader.core.tags import fold, tag_problem

from ..feed_status import feed_of_view
from ..view_state import Catalogue, ViewState
from ..widgets.headline_list import HeadlineList
from ..widgets.sidebar import Sidebar

if TYPE_CHECKING:
    from textual.app import App

NO_FEED = "No feed here: move to a feed in the sidebar, or to one of its articles."
OPML_MOST_BYTES = 20_000_000  # an OPML file larger than this is not a subscription list


class FeedActionsScreen(Protocol):
    """What managing feeds uses of the screen it is on (MainScreen)."""

    catalogue: Catalogue
    sidebar: Sidebar
    headlines: HeadlineList
    focused: object

    @property
    def app(self) -> App: ...
    @property
    def library(self): ...
    def apply_filter(self, text: str, label: str | None = None) -> bool: ...
    def go_to_feed(self, feed_id: int) -> None: ...
    def load_counts(self) -> object: ...
    def run_worker(self, work: Callable, **options) -> object: ...
    def notify(self, message: str, *, severity: str = ..., timeout: float = ...) -> None: ...


def parse_tags(text: str) -> tuple[list[str], str | None]:
    """Comma-separated tags as typed (a tag may hold spaces: "Війна в Україні"), and the
    first one refused, with why."""
    tags: list[str] = []
    for part in text.split(","):
        if not part.strip():
            continue
        problem = tag_problem(part)
        if problem:
            return [], problem
        tag = clean_line(part)
        if fold(tag) not in {fold(t) for t in tags}:
            tags.append(tag)
    return tags, None


class FeedActions:
    """Built with the screen; `after` callbacks run once a change is written (the feeds
    view reads its rows again)."""

    def __init__(self, screen: FeedActionsScreen, view: ViewState) -> None:
        self._screen = screen
        self._view = view

    # -- which feed --------------------------------------------------------------------------

    def feed(self, feed_id: int) -> Feed | None:
        return next((f for f in self._screen.catalogue.feeds if f.id == feed_id), None)

    def target(self) -> Feed | None:
        screen = self._screen
        sidebar = screen.sidebar
        if screen.focused is sidebar:
            item = sidebar.current
            return self.feed(item.feed.id) if item and item.feed else None
        headline = screen.headlines.selected
        if headline is not None:
            return self.feed(headline.feed_id)
        return feed_of_view(self._view.filter_text, screen.catalogue.feeds)

    def run(self, what: str, feed: Feed | None = None, after: Callable | None = None) -> None:
        """The keys' entry point: "add", "import", "view", or "remove", "rename", "tags",
        "settings" on `feed` (the target when None)."""
        if what == "add":
            self.add(after=after)
        elif what == "import":
            self.import_opml(after=after)
        elif what == "view":
            from .feeds_view import FeedsScreen

            self._screen.app.push_screen(FeedsScreen())
        else:
            feed = feed or self.target()
            if feed is None:
                self._screen.notify(NO_FEED, severity="warning")
                return
            actions = {
                "remove": self.remove,
                "rename": self.rename,
                "tags": self.edit_tags,
                "settings": self.edit_settings,
            }
            actions[what](feed, after=after)

    # -- doing it ----------------------------------------------------------------------------

    def _write(self, fn: Callable, *args, done: Callable, after: Callable | None) -> None:
        """fn(*args) on the writer thread; done(result) on the UI, or the error's line."""
        screen = self._screen

        def guarded():
            try:
                return fn(*args), None
            except ReaderError as exc:
                return None, str(exc)
            except OSError as exc:  # (a file to import)
                return None, f"cannot read {exc.filename or 'the file'}: {exc.strerror or exc}"

        def finished(outcome) -> None:
            result, error = outcome
            if error is not None:
                screen.notify(clean_line(error), severity="error", timeout=8)
            else:
                done(result)
            if after is not None:
                after()

        screen.app.write_db(guarded, then=finished)

    def add(self, url: str = "", after: Callable | None = None) -> None:
        from .feed_forms import AddFeedDialog

        def chosen(feed_url: str | None) -> None:
            if feed_url:
                self._screen.notify(f"Subscribing to {clean_line(feed_url)} …")
                self._screen.run_worker(
                    partial(self._subscribe, feed_url, after),
                    name="add_feed",
                    group="add-feed",
                    thread=True,
                    exit_on_error=False,
                )

        self._screen.app.push_screen(AddFeedDialog(url), chosen)

    def _subscribe(self, url: str, after: Callable | None) -> None:
        """In a thread worker: add_feed fetches the feed, then stores it and its articles
        (with [sync], one this machine cannot fetch is queued for the server instead)."""
        try:
            outcome = self._screen.library.add_or_queue(url) + (None,)
        except ReaderError as exc:
            outcome = (None, 0, None, str(exc))
        except Exception as exc:  # one line, never a traceback
            outcome = (None, 0, None, f"could not subscribe to {url}: {exc}")
        try:
            self._screen.app.call_from_thread(self._subscribed, *outcome, after)
        except RuntimeError:
            pass  # the app has gone

    def _subscribed(self, feed: Feed | None, new: int, not_fetched: str | None,
                    error: str | None, after) -> None:
        screen = self._screen
        if feed is None:
            screen.notify(clean_line(error or "could not subscribe"), severity="error", timeout=8)
        elif not_fetched is not None:
            screen.notify(f"Subscribed to {clean_line(feed.display_title)} on the sync server"
                          f" (not fetched here: {clean_line(not_fetched)}); its articles come"
                          " with the sync", timeout=8)
            screen.load_counts()
            screen.app.syncer.start()
        else:
            noun = "article" if new == 1 else "articles"
            screen.notify(f"Subscribed to “{clean_line(feed.display_title)}”: {new} {noun}")
            screen.load_counts()
            if after is None:
                screen.go_to_feed(feed.id)
        if after is not None:
            after()

    def remove(self, feed: Feed, after: Callable | None = None) -> None:
        from .pickers import Confirm

        title = clean_line(feed.display_title)

        def removed(result: tuple[Feed, int]) -> None:
            if self._view.filter_text == f"feedid:{feed.id}":
                self._screen.apply_filter("", "All")
            moved = result[1]
            kept = f" ({moved} also in another feed kept there)" if moved else ""
            self._screen.notify(f"Unsubscribed from “{title}”{kept}")

        def answered(yes: bool | None) -> None:
            if yes:
                self._write(self._screen.library.remove_feed, feed.id, done=removed, after=after)

        noun = "article" if feed.total == 1 else "articles"
        self._screen.app.push_screen(
            Confirm(
                f"Unsubscribe from “{title}”?",
                f"{clean_line(feed.url)}\nIts {feed.total} {noun} go with it, starred ones too.",
                yes="Remove",
            ),
            answered,
        )

    def rename(self, feed: Feed, after: Callable | None = None) -> None:
        from .feed_forms import FeedPrompt

        def renamed(new: Feed) -> None:
            self._screen.notify(f"Renamed to “{clean_line(new.display_title)}”")

        def typed(text: str | None) -> None:
            if text is not None:
                rename = self._screen.library.rename_feed
                self._write(rename, feed.id, text or None, done=renamed, after=after)

        self._screen.app.push_screen(
            FeedPrompt(
                "Rename this feed",
                f"{clean_line(feed.url)}\nLeave it empty for the feed's own title.",
                clean_line(feed.title),
                "new title, then Enter (Esc cancels)",
                allow_empty=True,
            ),
            typed,
        )

    def edit_tags(self, feed: Feed, after: Callable | None = None) -> None:
        from .feed_forms import FeedPrompt

        lib = self._screen.library
        old = list(feed.tags)

        def write(new: list[str]) -> Feed:
            gone = [t for t in old if fold(t) not in {fold(n) for n in new}]
            added = [t for t in new if fold(t) not in {fold(o) for o in old}]
            if gone:
                lib.untag_feed(feed.id, gone)
            return lib.tag_feed(feed.id, added)

        def tagged(new: Feed) -> None:
            shown = ", ".join(clean_line(t) for t in new.tags) or "none"
            self._screen.notify(f"Tags of “{clean_line(new.display_title)}”: {shown}")

        def typed(text: str | None) -> None:
            if text is None:
                return
            tags, problem = parse_tags(text)
            if problem:
                self._screen.notify(problem, severity="error", timeout=8)
                return
            self._write(write, tags, done=tagged, after=after)

        self._screen.app.push_screen(
            FeedPrompt(
                f"Tags of “{clean_line(feed.display_title)}”",
                "Comma-separated; a tag may have spaces. Delete one to untag the feed.",
                ", ".join(clean_line(t) for t in old),
                "news, Війна в Україні, …",
                allow_empty=True,
            ),
            typed,
        )

    def edit_settings(self, feed: Feed, after: Callable | None = None) -> None:
        """The feed's own settings (Library.set_feed_settings: KEY=VALUE, "default"
        clears one), one change at a time; the dialog lists each with its choices."""
        from .feed_forms import FeedPrompt

        lib = self._screen.library
        parts: list = []
        for view in lib.describe_feed_settings(feed):  # (of the Feed given: no SQL)
            parts += [
                (f"{view.key:<14}", "bold"),
                clean_line(view.shown),
                (f"\n{'':<14}{view.choices}\n", "dim"),
            ]

        def changed(new: Feed) -> None:
            own = [v.key + "=" + clean_line(v.value) for v in lib.describe_feed_settings(new)
                   if v.value is not None]
            shown = ", ".join(own) or "all as the config says"
            self._screen.notify(f"Settings of “{clean_line(new.display_title)}”: {shown}")

        def typed(text: str | None) -> None:
            if text:
                self._write(lib.set_feed_settings, feed.id, [text], done=changed, after=after)

        self._screen.app.push_screen(
            FeedPrompt(
                f"Settings of “{clean_line(feed.display_title)}”",
                Content.assemble(*parts).rstrip(),
                "",
                "KEY=VALUE (refresh_every=2h, keep=default…), Enter",
                check=lib.feed_setting_problem,
            ),
            typed,
        )

    def import_opml(self, after: Callable | None = None) -> None:
        from .feed_forms import FeedPrompt

        lib = self._screen.library

        def read_and_import(path: str):
            file = Path(path).expanduser()
            if file.is_dir():
                raise ReaderError(f"{path} is a folder: give the OPML file in it")
            if file.stat().st_size > OPML_MOST_BYTES:
                raise ReaderError(f"{path} is too large for a list of feeds")
            return lib.import_subscriptions(file.read_bytes())  # (OPML, or newsboat's urls)

        def imported(report) -> None:
            parts = [f"{len(report.added)} new"]
            if report.updated:
                parts.append(f"{len(report.updated)} already subscribed")
            if getattr(report, "saved_filters", None):
                parts.append(f"{len(report.saved_filters)} saved filters")
            if report.skipped:
                first = clean_line(report.problems[0]) if report.problems else ""
                parts.append(f"{report.skipped} skipped ({first})")
            fetching = "; fetching the new ones now" if report.added else ""
            self._screen.notify(f"Imported: {', '.join(parts)}{fetching}", timeout=8)
            if report.added:
                self._screen.app.start_refresh(due_only=True)

        def typed(text: str | None) -> None:
            if text:
                self._write(read_and_import, text, done=imported, after=after)

        self._screen.app.push_screen(
            FeedPrompt(
                "Import feeds from a file",
                "An OPML file (its folders become tags) or newsboat's urls file; its feeds"
                " are subscribed, then fetched.",
                "",
                "~/subscriptions.opml, then Enter (Esc cancels)",
            ),
            typed,
        )
