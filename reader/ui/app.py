"""ReaderApp: wiring. Global keys, the keymap from config, the background fetcher,
the database watcher and the one writer thread. The panes live in screens/main.py."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from threading import Event

from textual import events
from textual.app import App, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker

from reader.core.config import Config
from reader.core.library import Library

from .keymap import binding_ids, key_label, keymap_clashes
from . import memory
from .keys import typed_apart
from .messages import DatabaseChecked, FeedsDue, RefreshProgress, SyncDone, SyncProgress, WriteDone
from .screens.main import MainScreen
from .refresh_runner import RefreshRunner
from .sync_runner import SyncRunner
from .widgets.line_list import LineList

# Imported where they are used, not before the first frame: the command palette's
# providers, the help screen, links, the pickers and the welcome screen.


def _feed_commands():
    from .commands import FeedCommands

    return FeedCommands


def _saved_filter_commands():
    from .commands import SavedFilterCommands

    return SavedFilterCommands


POLL_SECONDS = 1.5  # how often to look for writes by another process
DUE_CHECK_SECONDS = 60.0  # how often background refresh asks which feeds are due
SQLITE_MEMORY_MB = 16  # SQLite's caches in the TUI's process, all connections together
SQLITE_HARD_MB = 64  # all SQLite may hold in it: past that a search fails (search.too_broad)


class ReaderApp(App[None]):
    CSS_PATH = "reader.tcss"
    TITLE = "reader"
    COMMANDS = App.COMMANDS | {_feed_commands, _saved_filter_commands}  # Textual calls them
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("R", "refresh_all", "Refresh all", id="refresh_all"),
    ]

    def __init__(
        self,
        library: Library,
        config: Config,
        *,
        demo: bool = False,
        now: datetime | None = None,
        background_refresh: bool = True,
        watch_db: bool = True,
        tune_gc: bool = False,
    ) -> None:
        super().__init__()
        self.library = library
        self.config = config
        self.demo = demo
        self.clock: Callable[[], datetime] = (
            (lambda: now) if now else (lambda: datetime.now().astimezone())
        )
        self.background_refresh = background_refresh
        self.watch_db = watch_db
        self.tune_gc = tune_gc
        # None: $BROWSER or the system's browser (links.py); tests put a recorder here.
        self.url_opener: Callable[[str], bool] | None = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader-ui-write")
        self.cancelled = Event()  # set as the app ends: background work stops
        self._seen_version: tuple[int, int] | None = None  # (_changed_elsewhere's, its thread's)
        self._writes_pending = 0  # writes queued whose WriteDone is not handled yet
        self._polling = False  # a look for outside writes is on the writer thread
        self._failures = 0
        self._last_key = 0.0  # (time.monotonic) when the last key came from the terminal
        self.refresher = RefreshRunner(self)  # R, r and the due timer (in a child process)
        self.syncer = SyncRunner(self)  # [sync]: the server's feeds, in the background

    def get_default_screen(self) -> Screen:
        return MainScreen()

    @property
    def main(self) -> MainScreen:
        screen = self.screen_stack[0]  # the base screen; dialogs stack above it
        assert isinstance(screen, MainScreen)
        return screen

    def on_mount(self) -> None:
        if self.config.theme in self.available_themes:
            self.theme = self.config.theme
        elif self.config.theme:
            self.notify(f"unknown theme {self.config.theme!r} in config.toml", severity="warning")
        self.apply_keymap(self.config.keys)
        # SQLite's page caches (one per thread) grew with the database for as long as the
        # app ran; a soft cap for the process, set on the writer thread (not the loop's),
        # and a hard one: a search word of a letter took 360 MB at 1M articles.
        self._writer.submit(self.library.limit_memory, SQLITE_MEMORY_MB, SQLITE_HARD_MB)
        if self.watch_db:
            self.poll_database()  # (the first look takes the version to compare with)

    def tidy_memory(self) -> None:
        """Garbage and free memory back, unless a key came just now (see memory.py)."""
        if time.monotonic() - self._last_key > memory.IDLE_SECONDS:
            for rows in self.main.query(LineList):
                rows.forget_drawn_rows()
            memory.tidy()

    async def on_event(self, event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._last_key = time.monotonic()
            apart = typed_apart(event, lambda key: key in self.active_bindings)
            if apart:  # Esc and a key typed fast: handled in order, as typed
                for key in apart:
                    key.set_sender(self)
                    await self.on_event(key)
                return
        # Keys typed while the filter box closes go to the list after it has closed, in
        # order (MainScreen.takes_key); dialogs above it take their keys as usual.
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and isinstance(self.screen, MainScreen)
            and self.screen.takes_key(event)
        ):
            return
        await super().on_event(event)

    def main_ready(self, has_feeds: bool) -> None:
        """The main screen has painted its headlines and read its first counts: now the
        timers, the first-run welcome or the refresh of feeds that are due."""
        if self.tune_gc:
            # What startup made (Textual, styles, modules) lives as long as the app: freeze
            # it so that full collections stop walking it (a 40-100 ms hitch in the middle of
            # scrolling, every few seconds), and collect the young less often (Textual makes
            # thousands of short-lived objects a frame; the default ran 4 collections a key).
            gc.freeze()
            gc.set_threshold(10_000, 10, 10)
            gc.enable()
        if self.watch_db:
            self.set_interval(POLL_SECONDS, self.poll_database)
        self.set_interval(memory.TIDY_SECONDS, self.tidy_memory)
        if self.background_refresh and self.config.refresh_interval > 0:
            # Look every minute (one cheap query, in a thread) and let the schedule say who
            # is due: a feed's own refresh_every may be shorter than the config's interval.
            tick = min(DUE_CHECK_SECONDS, self.config.refresh_interval * 60)
            self.set_interval(tick, self._tick)
        if not has_feeds and not self.syncer.configured:  # (else the server has feeds)
            from .screens.welcome import WelcomeScreen

            self.push_screen(WelcomeScreen(), self._welcome_done)
        elif self.background_refresh:
            self.refresh_due()
            self.syncer.start()  # (in the background: start-up never waits for a server)

    def _tick(self) -> None:
        self.refresh_due()
        self.syncer.start_if_due()

    def on_unmount(self) -> None:
        self.cancelled.set()
        self._writer.shutdown(wait=True)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity="information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Toasts carry feed titles and error text: never markup, whoever calls."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # -- keys --------------------------------------------------------------------------------

    def action_enclosures(self) -> None:
        """e on the main screen (its binding): play or download an enclosure."""
        from .screens.enclosures import pick_enclosure

        pick_enclosure(self.main)

    def action_help_quit(self) -> None:
        """Ctrl+C with no text selected to copy. Textual's own hint is markup (shown raw by
        notify above) and names one key; this names every key that quits from here."""
        keys = sorted(
            {
                key
                for key, active in self.active_bindings.items()
                if active.binding.action in ("quit", "app.quit")
            },
            key=lambda key: ("+" in key, key),
        )
        self.notify(f"Press {' or '.join(map(key_label, keys or ['ctrl+q']))} to quit")

    def apply_keymap(self, keys: dict[str, str]) -> None:
        if not keys:
            return  # (binding_ids imports every screen: not worth it at startup for nothing)
        known = binding_ids(type(self))
        unknown = sorted(k for k in keys if k not in known)
        if unknown:
            self.notify(
                f"config.toml [keys]: unknown action(s) {', '.join(unknown)}; see ? for the names",
                severity="warning",
                timeout=8,
            )
        mapped = {k: v for k, v in keys.items() if k in known}
        clashes = keymap_clashes(mapped, type(self))
        if clashes:
            self.notify(
                f"config.toml [keys]: {'; '.join(clashes)}. Where two actions share a key, the"
                " one nearer the focus wins: give the other a key of its own",
                severity="warning",
                timeout=12,
            )
        self.set_keymap(mapped)

    def action_help(self) -> None:
        from .screens.help import HelpScreen, binding_rows

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(binding_rows(self, self.screen.active_bindings)))

    def command_bindings(self, screen: Screen) -> Iterable[tuple]:
        for active in screen.active_bindings.values():
            yield active.node, active.binding
        main = self.main
        for widget in (main.headlines, main.sidebar, main.article):
            for binding in type(widget).BINDINGS:
                if isinstance(binding, Binding):
                    yield widget, binding

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from .commands import binding_commands

        titles = set()
        for command in super().get_system_commands(screen):
            titles.add(command.title)
            yield command
        if screen is self.main:
            for title, help_text, callback in binding_commands(self, screen):
                if title not in titles:  # (Textual's own Quit)
                    yield SystemCommand(title, help_text, callback)
            yield SystemCommand("Sync now", "Push local changes, pull from the sync server",
                                lambda: self.syncer.start(asked=True))
            if self.library.sync_publishes:  # (Tiny Tiny RSS's published mark: is:shared)
                yield SystemCommand("Publish or unpublish article", "On Tiny Tiny RSS, with "
                                    "the next sync", self.main.articles.share)

    def go_to_feed(self, feed_id: int) -> None:
        self.main.go_to_feed(feed_id)

    # -- links -------------------------------------------------------------------------------

    def open_link(self, url: str) -> None:
        """The only way a feed's URL reaches a browser: http(s) only, no shell."""
        from . import links

        if not links.is_web_url(url):
            self.notify(
                "Not opening that link: only http and https links open.", severity="warning"
            )
            return
        if self.url_opener is not None:
            if not self.url_opener(url):
                self.notify("Could not open the link.", severity="warning")
        elif os.environ.get("BROWSER"):
            # Maybe a text browser: it gets the terminal, the app waits, then redraws.
            try:
                error = links.run_browser(url, attached=self.suspend)
            except SuspendNotSupported:
                error = "This terminal can't be handed to $BROWSER here."
            if error:
                self.notify(error, severity="warning", timeout=8)
        elif links.has_graphical_browser():
            links.start_system_browser(url, on_error=self._warn_from_thread)
        else:
            self.copy_to_clipboard(url)
            self.notify("No browser to open here; the link was copied instead.")

    def _warn_from_thread(self, text: str) -> None:
        try:
            self.call_from_thread(self.notify, text, severity="warning")
        except RuntimeError:
            pass  # the app has gone

    # -- writes ------------------------------------------------------------------------------

    def write_db(self, fn: Callable, *args, then: Callable | None = None) -> Future:
        """Run a database write on the one writer thread, in order; `then(result)` on the UI."""
        self._writes_pending += 1
        future = self._writer.submit(fn, *args)
        future.add_done_callback(lambda done: self.post_message(WriteDone(done, then)))
        return future

    def wait_for_writes(self, timeout: float = 10) -> None:
        """Block until the writes queued so far are done (tests, screenshots); their
        WriteDone messages are handled once the event loop runs again."""
        self._writer.submit(lambda: None).result(timeout=timeout)

    def on_write_done(self, event: WriteDone) -> None:
        self._writes_pending -= 1
        future = event.future
        if future.exception() is not None:
            self.notify(f"Could not save: {future.exception()}", severity="error")
            return
        # Our own write is not news (the writer's connection doesn't see its own commits
        # in data_version): the view is not reloaded for it, only the counts.
        self.main.load_counts()
        if event.then is not None:
            event.then(future.result())

    def poll_database(self) -> None:
        """Look for writes by another process, on the writer thread: its connection is the
        one whose data_version is compared, and it sees no change for our own writes."""
        if self._polling:
            return
        self._polling = True
        future = self._writer.submit(self._changed_elsewhere)
        future.add_done_callback(
            lambda done: self.post_message(
                DatabaseChecked(done.result() if done.exception() is None else "")
            )
        )

    def _changed_elsewhere(self) -> str:
        """What others changed: "views" (what views list), "pages" (only pages or the search
        index, a refresh's prefetch: no headline moved, no reload) or "" (nothing)."""
        version, views = self.library.data_version(), self.library.view_changes_elsewhere()
        seen, self._seen_version = self._seen_version, (version, views)
        if seen is None or version == seen[0]:
            return ""
        return "views" if views != seen[1] else "pages"

    def on_database_checked(self, event: DatabaseChecked) -> None:
        self._polling = False
        if event.changed == "views":
            self.main.reload()
        elif event.changed == "pages":
            self.main.articles.full.pages_changed()

    @property
    def busy(self) -> list[str]:
        """What the app is still doing (tests wait until it is nothing): writes and looks
        at the database on the writer thread, workers, and the main screen's own work."""
        out = []
        if self._writes_pending:
            out.append(f"{self._writes_pending} write(s)")
        if self._polling:
            out.append("database check")
        running = [w.name or w.group for w in self.workers if not w.is_finished]
        if running:
            out.append("workers: " + ", ".join(running))
        return out + self.main.busy

    # -- background refresh (refresh_runner.py) ---------------------------------------------

    def refresh_due(self) -> None:
        self.refresher.check_due()

    def on_feeds_due(self, event: FeedsDue) -> None:
        self.start_refresh(due_only=True)

    def action_refresh_all(self) -> None:
        self.start_refresh()

    def start_refresh(self, refs: list[int] | None = None, due_only: bool = False) -> None:
        self.refresher.start(refs, due_only)

    def on_refresh_progress(self, event: RefreshProgress) -> None:
        self.refresher.progress(event)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "refresh":
            self.refresher.finished(event.worker, event.state)

    def on_sync_progress(self, event: SyncProgress) -> None:
        self.syncer.show_progress(event)

    def on_sync_done(self, event: SyncDone) -> None:
        self.syncer.done(event)

    # -- first run ---------------------------------------------------------------------------

    def _welcome_done(self, accept: bool | str | None) -> None:
        from .screens.welcome import STARTER_FEEDS

        if accept in ("add", "import"):  # the user's own feeds, asked for here
            self.main.feed_actions.run(str(accept))
            return
        if not accept:
            return

        def subscribe() -> None:
            for url, title, tag in STARTER_FEEDS:
                self.library.subscribe(url, title, [tag])

        def subscribed(_result: None) -> None:  # (the counts are read again: WriteDone)
            self.notify(f"Subscribed to {len(STARTER_FEEDS)} feeds; fetching them now.")
            self.start_refresh()

        self.write_db(subscribe, then=subscribed)


def make_app(library: Library, config: Config, *, demo: bool = False, **options) -> ReaderApp:
    """The app the CLI runs and the tests drive (options: now, background_refresh, watch_db,
    tune_gc)."""
    return ReaderApp(library, config, demo=demo, **options)


SWITCH_INTERVAL = 0.001  # seconds a thread that wants the GIL waits for a busy one (Python: 5 ms)


def run_app(library: Library, config: Config, demo: bool = False) -> None:
    memory.limit_arenas()  # before the first thread (Textual's, the writer's): see memory.py
    memory.return_big_blocks()
    memory.unpin_styles_caches()
    # No garbage collection until the first headlines are up (see tune_gc); then less of it.
    gc.disable()
    # The event loop, the thread that writes each frame to the terminal and the threads
    # that read views hand the GIL to each other several times between a key and its
    # frame; at Python's 5 ms a hand-over beside a busy thread, a frame waited 5-15 ms to
    # reach the terminal.
    sys.setswitchinterval(SWITCH_INTERVAL)
    from .graphics import detect

    detect(config.images)  # (asks the terminal: before Textual reads its input)
    try:
        make_app(library, config, demo=demo, tune_gc=True).run()
    finally:
        library.close()  # the write-ahead log into the database file (Store.close)
