"""The TUI's background sync (issue 12): never on the event loop, never in the way.

With [sync] in config.toml, the app syncs once its first headlines are up (start-up
never waits for the network), after each refresh (R included) and whenever the refresh
interval has passed since the last one. The sync runs in a child process (Library.sync
with in_child, as a refresh does: its JSON and HTML work would take the GIL from the
event loop), reports its steps on the status line and ends with one line there: what
came, what went, what is still waiting. A failure (server down, wrong password) is that
line and a toast; the local changes stay queued for the next sync, and reading goes on.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.worker import WorkerState

from reader.core.errors import ReaderError
from reader.core.models import SyncStatus, SyncSummary

from .messages import SyncDone, SyncProgress

if TYPE_CHECKING:
    from .app import ReaderApp

STEPS = {"push": "pushing changes", "feeds": "subscriptions", "entries": "new articles",
         "states": "read and starred", "fetch": "missing articles",
         "marks": "published and labels"}


class SyncRunner:
    def __init__(self, app: ReaderApp) -> None:
        self.app = app
        self.status: SyncStatus | None = None   # as of the last sync (the feeds view shows it)
        self._started = 0.0                     # time.monotonic() of the last start

    @property
    def configured(self) -> bool:
        return self.app.library.sync_configured

    @property
    def running(self) -> bool:
        return any(w.group == "sync" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                   for w in self.app.workers)

    def start(self, asked: bool = False) -> None:
        """Sync now, unless a sync is running. `asked`: the user asked (the palette):
        say why nothing happens."""
        if not self.configured:
            if asked:
                self.app.notify("No [sync] section in config.toml: see the README's Sync section.",
                                severity="warning")
            return
        if self.running:
            if asked:
                self.app.notify("A sync is already running.")
            return
        self._started = time.monotonic()
        self.app.run_worker(self._sync, name="sync", group="sync", thread=True,
                            exclusive=True, exit_on_error=False)

    def start_if_due(self) -> None:
        """The app's minute tick: sync when the refresh interval has passed since the last."""
        interval = self.app.config.refresh_interval * 60
        if interval > 0 and time.monotonic() - self._started >= interval:
            self.start()

    def _sync(self) -> None:
        app = self.app

        def progress(step: str, done: int, total: int) -> None:
            app.post_message(SyncProgress(step, done, total))

        try:
            summary = app.library.sync(progress=progress, cancel=app.cancelled, in_child=True)
        except ReaderError as exc:  # a bad [sync] or password_command: one line, as any
            summary = SyncSummary(error=str(exc))
        try:
            status = app.library.sync_status()
        except ReaderError as exc:
            status = SyncStatus(configured=True, last_error=str(exc))
        app.post_message(SyncDone(summary, status))

    def show_progress(self, event: SyncProgress) -> None:
        step = STEPS.get(event.step, event.step)
        count = f" {event.done}/{event.total}" if event.total else ""
        self.app.main.set_progress(f"⇅ sync: {step}{count}", running=True)

    def done(self, event: SyncDone) -> None:
        summary: SyncSummary = event.summary
        self.status = event.status
        app = self.app
        line = summary_line(summary, app.clock().strftime("%H:%M"))
        app.main.set_progress(line)
        if summary.error:
            app.notify(f"Sync failed: {summary.error}", severity="warning", timeout=8)
        show_sync = getattr(app.screen, "show_sync", None)  # the feeds view, when open
        if show_sync is not None:
            show_sync(event.status)
        if summary.new_articles or summary.state_changes or summary.feeds_added or summary.feeds_removed:
            app.main.reload()


def summary_line(summary: SyncSummary, clock: str) -> str:
    """The status line after a sync: short, what changed, what still waits."""
    pending = f", {summary.pending} pending" if summary.pending else ""
    if summary.error:
        return f"Sync failed {clock}{pending}"
    parts = [f"{summary.new_articles} new"]
    if summary.state_changes:
        parts.append(f"{summary.state_changes} changed")
    if summary.pushed:
        parts.append(f"{summary.pushed} sent")
    if summary.gone:  # (their stars stay here: storage/sync.py unlink_gone)
        parts.append(f"{summary.gone} gone from the server, kept here")
    return f"Synced {clock}: " + ", ".join(parts) + pending


def status_line(status: SyncStatus, now) -> str:
    """The feeds view's line about sync: the service, the last success, what waits.
    (URL and user come from the config file, the error from our own messages: no feed
    text; still shown as plain Content by the caller.)"""
    from .feed_status import when

    if not status.configured:
        return "Sync: off (no [sync] in config.toml)"
    parts = [f"Sync: {status.service} {status.username}@{status.url}",
             f"last success {when(status.last_success, now)}"]
    parts.append(f"{status.pending} change{'s' if status.pending != 1 else ''} waiting"
                 if status.pending else "nothing waiting")
    parts.append(f"{status.synced_feeds} synced, {status.local_feeds} local feeds")
    if status.last_error:
        parts.append(f"last error: {status.last_error}")
    return "  ·  ".join(parts)
