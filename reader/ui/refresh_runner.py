"""The TUI's background refresh: never on the event loop.

R, a feed's r and the due timer start it; it runs in a child process (Library.refresh
with in_child: the parsing threads would otherwise take the GIL from the event loop for
tens of milliseconds at a time, see benchmarks/), reports each feed on the status line,
a toast for each of the first failures, and ends with one line there; then the sync, if
there is one, follows (the server's feeds after this machine's).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.worker import Worker, WorkerState

from reader.core.models import RefreshSummary

from .messages import FeedsDue, RefreshProgress

if TYPE_CHECKING:
    from .app import ReaderApp

MAX_FAILURE_TOASTS = 3  # per refresh; the rest are summed up


class RefreshRunner:
    def __init__(self, app: ReaderApp) -> None:
        self.app = app
        self.failures = 0  # feeds failed in the refresh running (toasts for the first few)

    @property
    def running(self) -> bool:
        return any(w.group == "refresh" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                   for w in self.app.workers)

    def check_due(self) -> None:
        """Ask in a thread whether any feed is due (one cheap query); FeedsDue if so."""
        self.app.run_worker(self._check_due, name="refresh_due", group="due", exclusive=True,
                            thread=True, exit_on_error=False)

    def _check_due(self) -> None:
        if self.app.library.due_feeds():
            self.app.post_message(FeedsDue())

    def start(self, refs: list[int] | None = None, due_only: bool = False) -> None:
        if self.running:
            self.app.notify("A refresh is already running.")
            return
        self.failures = 0
        self.app.main.set_progress("Refreshing…", running=True)
        self.app.run_worker(partial(self._refresh, refs, due_only), name="_refresh",
                            group="refresh", exclusive=True, thread=True, exit_on_error=False)

    def _refresh(self, refs: list[int] | None, due_only: bool) -> RefreshSummary:
        app = self.app

        def progress(done, total, feed, result) -> None:
            app.post_message(
                RefreshProgress(done, total, feed.display_title, result.status, result.error)
            )

        return app.library.refresh(refs, due_only=due_only, on_progress=progress,
                                   cancel=app.cancelled, in_child=True)

    def progress(self, event: RefreshProgress) -> None:
        app = self.app
        app.main.set_progress(f"⟳ {event.done}/{event.total} {event.title}", running=True)
        if event.status in ("error", "gone"):
            self.failures += 1
            if self.failures <= MAX_FAILURE_TOASTS:
                what = "is gone (410)" if event.status == "gone" else f"failed: {event.error}"
                app.notify(f"{event.title} {what}", severity="warning", timeout=6)

    def finished(self, worker: Worker, state: WorkerState) -> None:
        """The refresh worker ended: its line on the status bar, the view read again."""
        app, main = self.app, self.app.main
        if state == WorkerState.SUCCESS:
            summary: RefreshSummary = worker.result
            text = f"Updated {app.clock():%H:%M}: {summary.new_articles} new"
            if summary.failed:
                text += f", {len(summary.failed)} failed"
                if self.failures > MAX_FAILURE_TOASTS:
                    app.notify(
                        f"{len(summary.failed)} feeds failed to refresh (marked ! in the sidebar)",
                        severity="warning",
                    )
            main.set_progress(text)
            main.reload()
            app.syncer.start()  # (after the feeds of this machine: the server's)
        elif state == WorkerState.ERROR:
            main.set_progress("Refresh failed")
            app.notify(f"Refresh failed: {worker.error}", severity="error")
            main.reload()
