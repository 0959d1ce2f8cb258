"""Messages the app posts to itself from its threads (the writer, the refresh, the look
for due feeds): post_message is the one call that is safe from a thread. And LinkChosen,
which the article pane's widgets post for the app to check."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

from textual.message import Message


class WriteDone(Message):
    """Posted from the writer thread when a write is done (post_message is thread-safe;
    call_from_thread there blocked the writer until the event loop ran the callback, and
    a test blocking the loop on the writer deadlocked)."""

    def __init__(self, future: Future, then: Callable | None) -> None:
        super().__init__()
        self.future, self.then = future, then


class DatabaseChecked(Message):
    """Posted from the writer thread after it looked for writes by another process."""

    def __init__(self, changed: str) -> None:
        super().__init__()
        self.changed = changed  # "views", "pages" (full articles' only) or "" (ReaderApp)


class FeedsDue(Message):
    """Posted from a thread: some feeds are due for a refresh."""


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


class SyncProgress(Message):
    """Posted from the sync thread at each step (pushing, feeds, entries, states)."""

    def __init__(self, step: str, done: int, total: int) -> None:
        super().__init__()
        self.step, self.done, self.total = step, done, total


class SyncDone(Message):
    """Posted from the sync thread at its end, with its summary and the status after it."""

    def __init__(self, summary, status) -> None:
        super().__init__()
        self.summary, self.status = summary, status


class LinkChosen(Message):
    """A link in the article was clicked; the app decides whether to open it."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
