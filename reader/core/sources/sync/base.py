"""The sync protocol: what every backend answers, in plain data.

A backend knows one server's API and nothing of the database. The engine
(core/sync.py) asks it for the subscriptions, the entries new since a cursor, and the
full sets of unread and starred ids, and pushes the local changes the queue holds.
Ids are the server's own, always strings (Miniflux and tt-rss use integers, the Google
Reader API long item ids: the backend picks one spelling and keeps to it).

Everything a backend returns is untrusted text from a server: the engine sends it
through the same sanitizer and HTML path as feed content.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ...errors import ReaderError
from ...models import Enclosure


class SyncError(ReaderError):
    """One line for the user; never the password, a token or a header.

    kind: "auth" (wrong user or password, 401/403), "unreachable" (connection refused,
    DNS, timeout), "server" (5xx), "protocol" (an answer we cannot read, an API too
    old), "unsupported" (the service has no such call: the change stays local).
    Only "unsupported" is permanent for a queued change; the rest are retried."""

    def __init__(self, message: str, kind: str = "server"):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class RemoteFeed:
    remote_id: str
    url: str                      # the feed's own address (RSS/Atom), as the server has it
    title: str = ""
    site_url: str = ""
    categories: tuple[str, ...] = ()   # folders/categories/labels: they become tags


@dataclass(frozen=True)
class RemoteEntry:
    remote_id: str
    feed_remote_id: str
    title: str = ""
    url: str = ""
    author: str = ""
    content_html: str = ""
    published: float | None = None     # seconds since the epoch (UTC)
    updated: float | None = None
    read: bool = False
    starred: bool = False
    guid: str = ""                     # the entry's id at its site, when the server gives it
    labels: tuple[str, ...] = ()       # the server's own labels/tags on the entry
    enclosures: tuple[Enclosure, ...] = ()
    shared: bool = False               # tt-rss's "published" mark


@dataclass(frozen=True)
class EntryBatch:
    entries: Sequence[RemoteEntry]
    cursor: str                        # where the next pull starts once this batch is stored


@dataclass(frozen=True)
class RemoteStates:
    """The server's whole truth about read and starred, as sets of entry ids.

    unread: every entry the server holds unread (what is not in it, and is known
    locally, is read). starred: every starred entry, however old."""
    unread: frozenset[str]
    starred: frozenset[str]


@dataclass(frozen=True)
class RemoteMarks:
    """What some servers mark beside read and starred, whole, like RemoteStates (from a
    backend's marks(), asked only of a backend that has it).

    shared: every entry published (tt-rss), None where the service has no such mark.
    labels: {label: every entry carrying it}, None where the service has no labels."""
    shared: frozenset[str] | None = None
    labels: dict[str, frozenset[str]] | None = None


@dataclass(frozen=True)
class StateCheck:
    """A cheap look at the server's read/starred state, from a backend's optional
    state_check(): the engine compares it with what it holds and reads whole (with the
    backend's feed_states) only the feeds that differ (core/sync_states.py).

    counts: {feed remote id: (unread, starred)}, every feed with entries.
    read_lately, starred_lately: {entry id: feed remote id} of the entries the server
    marked read / starred most lately (a page or a few, newest first): a change that
    leaves a feed's counts as they were (one read, another marked unread) shows here."""
    counts: dict[str, tuple[int, int]]
    read_lately: dict[str, str]
    starred_lately: dict[str, str]


@dataclass
class Capabilities:
    push_batch: int = 200              # entry ids in one call that marks read or starred
    categories_edit: bool = True       # can a feed's categories be changed through the API
    labels: bool = False               # entries carry labels (greader, tt-rss)
    published: bool = False            # tt-rss's "published" flag
    notes: list[str] = field(default_factory=list)   # what differs, for `sync --status`


class SyncBackend(Protocol):
    """One server. Methods raise SyncError; none prints, none touches the database.
    A backend may log in lazily on its first call and again when a session expires."""

    service: str                       # "miniflux" | "greader" | "ttrss"
    capabilities: Capabilities

    def check(self) -> str:
        """Log in and return a one-line description (server version, user)."""
        ...

    def feeds(self) -> list[RemoteFeed]:
        ...

    def entries(self, cursor: str | None) -> Iterator[EntryBatch]:
        """Entries new (or changed) since cursor, oldest first, in batches; cursor None
        is the first sync (the backend decides how far back: every unread and starred
        entry plus the newest few hundred of each feed is enough). The engine stores
        each batch and its cursor before asking for the next, so a pull that breaks
        off resumes where it stopped."""
        ...

    def entries_by_id(self, ids: Sequence[str]) -> list[RemoteEntry]:
        """Whole entries for these ids (starred or unread ones not yet held locally)."""
        ...

    def states(self) -> RemoteStates:
        ...

    # Optional (asked with getattr): a server without a "changed since" call for read
    # and starred has state_check() -> StateCheck and feed_states(unread_feeds,
    # starred_feeds) -> RemoteStates (the unread set of the first feeds, the starred set
    # of the others), so a sync reads whole only what changed.

    def set_read(self, ids: Sequence[str], read: bool) -> None:
        ...

    def set_starred(self, ids: Sequence[str], starred: bool) -> None:
        ...

    # Optional (the engine asks with getattr): a backend with published marks or labels
    # has marks() -> RemoteMarks; one with published marks has set_published(ids, bool).

    def subscribe(self, url: str, title: str = "", category: str | None = None) -> RemoteFeed:
        ...

    def unsubscribe(self, feed_id: str) -> None:
        ...

    def set_categories(self, feed_id: str, categories: Sequence[str]) -> None:
        """Raise SyncError(kind="unsupported") where the API cannot."""
        ...

    def close(self) -> None:
        ...
