"""ReaderApp: wiring. Global keys, the keymap from config, the background fetcher,
the database watcher and the one writer thread. The panes live in screens/main.py."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from threading import Event

from textual import events, work
from textual.app import App, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.keys import format_key
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from reader.core.config import Config
from reader.core.library import Library
from reader.core.models import RefreshSummary

from .screens.main import MainScreen

# Imported where they are used, not before the first frame: the command palette's
# providers, the help screen, links, the pickers and the welcome screen.


def _feed_commands():
    from .commands import FeedCommands

    return FeedCommands


def _saved_filter_commands():
    from .commands import SavedFilterCommands

    return SavedFilterCommands


POLL_SECONDS = 1.5  # how often to look for writes by another process
MAX_FAILURE_TOASTS = 3  # per refresh; the rest are summed up


class RefreshProgress(Message):
    """Posted from the refresh thread after each feed."""

    def __init__(self, done: int, total: int, title: str, status: str, error: str | None) -> None:
        super().__init__()
        self.done, self.total, self.title, self.status, self.error = (
            done,
            total,
            title,
            status,
            error,
        )


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
        self._cancel = Event()
        self._seen_version: int | None = None
        self._failures = 0

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
        self._seen_version = self.library.data_version()

    async def on_event(self, event) -> None:
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
        if self.background_refresh and self.config.refresh_interval > 0:
            self.set_interval(self.config.refresh_interval * 60, self.refresh_due)
        if not has_feeds:
            from .screens.welcome import WelcomeScreen

            self.push_screen(WelcomeScreen(), self._welcome_done)
        elif self.background_refresh:
            self.refresh_due()

    def on_unmount(self) -> None:
        self._cancel.set()
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
        known = binding_ids()
        unknown = sorted(k for k in keys if k not in known)
        if unknown:
            self.notify(
                f"config.toml [keys]: unknown action(s) {', '.join(unknown)}; see ? for the names",
                severity="warning",
                timeout=8,
            )
        mapped = {k: v for k, v in keys.items() if k in known}
        clashes = keymap_clashes(mapped)
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

        def run():
            return fn(*args)

        def done(future: Future) -> None:
            try:
                self.call_from_thread(self._write_done, future, then)
            except RuntimeError:
                pass  # the app has gone

        future = self._writer.submit(run)
        future.add_done_callback(done)
        return future

    def wait_for_writes(self, timeout: float = 10) -> None:
        """Block until the writes queued so far are done (tests, screenshots)."""
        self._writer.submit(lambda: None).result(timeout=timeout)

    def _write_done(self, future: Future, then: Callable | None) -> None:
        if future.exception() is not None:
            self.notify(f"Could not save: {future.exception()}", severity="error")
            return
        # Our own write is not news: don't reload the view for it, only the counts.
        self._seen_version = self.library.data_version()
        self.main.load_counts()
        if then is not None:
            then(future.result())

    def poll_database(self) -> None:
        version = self.library.data_version()
        if version != self._seen_version:
            self._seen_version = version
            self.main.reload()

    # -- background refresh ------------------------------------------------------------------

    def refresh_due(self) -> None:
        if self.library.due_feeds():
            self.start_refresh(due_only=True)

    def action_refresh_all(self) -> None:
        self.start_refresh()

    def start_refresh(self, refs: list[int] | None = None, due_only: bool = False) -> None:
        if any(
            w.group == "refresh" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for w in self.workers
        ):
            self.notify("A refresh is already running.")
            return
        self._failures = 0
        self.main.set_progress("Refreshing…", running=True)
        self._refresh(refs, due_only)

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def _refresh(self, refs: list[int] | None, due_only: bool) -> RefreshSummary:
        def progress(done, total, feed, result) -> None:
            self.post_message(
                RefreshProgress(done, total, feed.display_title, result.status, result.error)
            )

        # A child process: the refresh's parsing threads would otherwise take the GIL
        # from the event loop for tens of milliseconds at a time (see benchmarks/).
        return self.library.refresh_in_child(
            refs, due_only=due_only, on_progress=progress, cancel=self._cancel
        )

    def on_refresh_progress(self, event: RefreshProgress) -> None:
        self.main.set_progress(f"⟳ {event.done}/{event.total} {event.title}", running=True)
        if event.status in ("error", "gone"):
            self._failures += 1
            if self._failures <= MAX_FAILURE_TOASTS:
                what = "is gone (410)" if event.status == "gone" else f"failed: {event.error}"
                self.notify(f"{event.title} {what}", severity="warning", timeout=6)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "refresh":
            return
        main = self.main
        if event.state == WorkerState.SUCCESS:
            summary: RefreshSummary = event.worker.result
            text = f"Updated {self.clock():%H:%M}: {summary.new_articles} new"
            if summary.failed:
                text += f", {len(summary.failed)} failed"
                if self._failures > MAX_FAILURE_TOASTS:
                    self.notify(
                        f"{len(summary.failed)} feeds failed to refresh (marked ! in the sidebar)",
                        severity="warning",
                    )
            main.set_progress(text)
            main.reload()
        elif event.state == WorkerState.ERROR:
            main.set_progress("Refresh failed")
            self.notify(f"Refresh failed: {event.worker.error}", severity="error")
            main.reload()

    # -- first run ---------------------------------------------------------------------------

    def _welcome_done(self, accept: bool | None) -> None:
        from .screens.welcome import STARTER_FEEDS

        if not accept:
            return
        for url, title, tag in STARTER_FEEDS:
            self.library.subscribe(url, title, [tag])
        self.main.load_counts()
        self.notify(f"Subscribed to {len(STARTER_FEEDS)} feeds; fetching them now.")
        self.start_refresh()


def key_label(key: str) -> str:
    """A bound key as the README writes it: "q", "Ctrl+Q", "?"."""
    *modifiers, name = key.split("+")
    name = format_key(name)
    if modifiers and len(name) == 1:
        name = name.upper()
    return "+".join([*(m.capitalize() for m in modifiers), name])


def keymap_clashes(keymap: dict[str, str]) -> list[str]:
    """The keys `keymap` gives an action that another action of the main screen keeps
    ("space for next_unread is also page_down's key"): Textual runs the binding nearest
    the focus, so one of the two silently does nothing. Keys shared in the defaults (the
    list's and the sidebar's j) are not clashes: they are the same action."""
    from .widgets.article_view import ArticleView
    from .widgets.headline_list import HeadlineList
    from .widgets.line_list import LineList
    from .widgets.sidebar import Sidebar

    def split(keys: str) -> set[str]:
        return {k.strip() for k in keys.split(",") if k.strip()}

    final: dict[str, set[str]] = {}
    for cls in (ReaderApp, MainScreen, LineList, HeadlineList, Sidebar, ArticleView):
        for binding in cls.BINDINGS:
            if isinstance(binding, Binding) and binding.id:
                final.setdefault(binding.id, set()).update(split(binding.key))
    defaults = {bid: set(keys) for bid, keys in final.items()}
    final.update({bid: split(keys) for bid, keys in keymap.items() if bid in final})
    out = []
    for bid, keys in keymap.items():
        for key in sorted(split(keys) - defaults.get(bid, set())):
            others = sorted(o for o, ks in final.items() if o != bid and key in ks)
            if others:
                out.append(f"{key} for {bid} is also the key of {', '.join(others)}")
    return out


def binding_ids() -> set[str]:
    """Every binding id a user can remap in config.toml [keys]."""
    from .screens.help import HelpScreen
    from .screens.pickers import Confirm, NamePrompt, TagPicker
    from .screens.welcome import WelcomeScreen
    from .widgets.article_view import ArticleView
    from .widgets.headline_list import HeadlineList
    from .widgets.line_list import LineList
    from .widgets.sidebar import Sidebar

    ids: set[str] = set()
    for cls in (
        ReaderApp,
        MainScreen,
        LineList,
        HeadlineList,
        Sidebar,
        ArticleView,
        HelpScreen,
        TagPicker,
        NamePrompt,
        Confirm,
        WelcomeScreen,
    ):
        for binding in cls.BINDINGS:
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids


def make_app(library: Library, config: Config, *, demo: bool = False, **options) -> ReaderApp:
    """The app the CLI runs and the tests drive (options: now, background_refresh, watch_db,
    tune_gc)."""
    return ReaderApp(library, config, demo=demo, **options)


SWITCH_INTERVAL = 0.001  # seconds a thread that wants the GIL waits for a busy one (Python: 5 ms)


def run_app(library: Library, config: Config, demo: bool = False) -> None:
    # No garbage collection until the first headlines are up (see tune_gc); then less of it.
    gc.disable()
    # The event loop, the thread that writes each frame to the terminal and the threads
    # that read views hand the GIL to each other several times between a key and its
    # frame; at Python's 5 ms a hand-over beside a busy thread, a frame waited 5-15 ms to
    # reach the terminal.
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        make_app(library, config, demo=demo, tune_gc=True).run()
    finally:
        library.close()  # the write-ahead log into the database file (Store.close)
