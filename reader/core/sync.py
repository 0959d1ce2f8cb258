"""The sync engine: push the queued local changes, pull the server's feeds, entries,
read/starred sets and the marks only some servers have (published, labels), push again.

Offline first: every local change is already in the queue (storage/sync.py, written in
the change's own transaction). A push deletes exactly the rows it sent once the server
took them, so a kill at any moment loses nothing and at worst sends a change twice
(setting read or starred twice is harmless). A pull stores each batch of entries with
its cursor in one transaction, so a pull cut off resumes where it stopped. Where a
local change is still queued, the server's state of that article or feed waits (local
wins until pushed); otherwise the server's state wins, except that a star or published
mark the server's sets would take away is first checked (_spare_gone): an entry the
server no longer has keeps its mark here, as a local article.

The backend (sources/sync/) speaks one server's API and raises SyncError; it is picked
by the service name and imported only here, when a sync runs.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

from .config import Config
from .errors import ConfigError, InvalidURL
from .models import SyncStatus, SyncSummary
from .sanitize import clean_line
from .sources.sync.base import SyncBackend, SyncError
from .storage import sync as q
from .storage import sync_marks as marks_q
from .storage.store import Store
from .sync_config import SyncSettings, password
from .tags import clean_tag
from .urls import normalize_url

SyncProgress = Callable[[str, int, int], None]   # (step, done, total)
STORE_BATCH = 1_000       # pulled entries stored in one transaction
STORE_SECONDS = 1.0
PUSH_BATCH = 200          # ids in one push call, unless the backend takes more (Capabilities)
MISSING_MOST = 20_000     # unread/starred entries not held here fetched in one sync
UNHELD_MOST = 20_000      # ids remembered as not storable (so they are not asked again)
LABELS_MOST = 500         # a server's labels followed (each is a tag on its articles)
GONE_CHECK_MOST = 1_000   # marks about to be taken away checked in one sync (is it gone?)
GONE_CALL = 200           # of those, asked for in one entries_by_id call
log = logging.getLogger(__name__)


def make_backend(settings: SyncSettings, secret: str) -> SyncBackend:
    """The backend for the configured service (imported now, not at start-up)."""
    if settings.service == "miniflux":
        from .sources.sync.miniflux import MinifluxBackend as backend
    elif settings.service == "greader":
        from .sources.sync.greader import GReaderBackend as backend
    elif settings.service == "ttrss":
        from .sources.sync.ttrss import TTRSSBackend as backend
    else:  # (sync_settings checked the name)
        raise ConfigError(f"[sync] service {settings.service!r} is not known")
    return backend(settings.url, settings.username, secret)


def account_of(settings: SyncSettings, backend: SyncBackend | None = None) -> str:
    """Who the ids belong to: the service, the server's host and the user. (Not the
    whole URL: the same server by https, another port or path keeps its ids.) Logged in
    by an API key (no username), the user is the server's name for the key's owner,
    asked of `backend` (SyncError when it cannot say)."""
    from urllib.parse import urlsplit

    host = (urlsplit(settings.url).hostname or "").lower()
    user = settings.username
    if not user and backend is not None and hasattr(backend, "username"):
        user = backend.username()
    return f"{settings.service} {host} {user}"


def run_sync(store: Store, settings: SyncSettings, progress: SyncProgress | None = None,
             cancel: threading.Event | None = None,
             backend_factory: Callable[[SyncSettings, str], SyncBackend] = make_backend,
             push_only: bool = False, retention: tuple[int, float] = (0, 0)) -> SyncSummary:
    """One sync with the configured server (push only: the queue, nothing pulled).
    Never raises for the server or the network (SyncSummary.error); ConfigError for a
    password_command that fails. `retention` (max_per_feed, max_age_days) is applied
    after a sync that pulled: for someone whose feeds all come from the server, no
    refresh ever runs it."""
    q.set_state(store, {"last_attempt": repr(time.time())})
    try:
        secret = password(settings)
    except ConfigError as exc:
        q.set_state(store, {"last_error": str(exc)})
        raise
    backend = backend_factory(settings, secret)
    del secret
    try:
        try:
            account = account_of(settings, backend)
        except SyncError as exc:  # (the server could not say whose key it is)
            error = clean_line(str(exc))
            q.set_state(store, {"last_error": error})
            return SyncSummary(service=settings.service, error=error,
                               pending=q.pending_count(store))
        previous = q.get_state(store, "account")
        if previous is not None and previous != account:
            # Another account's ids mean nothing here, but a typo in the config is not
            # another account: the queue and the links go only once the new one logs in.
            try:
                backend.check()
            except SyncError as exc:
                error = clean_line(str(exc))
                q.set_state(store, {"last_error": error})
                return SyncSummary(service=settings.service, error=error,
                                   pending=q.pending_count(store))
            q.forget_account(store)
        q.set_state(store, {"account": account})
        summary = SyncEngine(store, backend).run(progress, cancel, push_only=push_only)
        if not push_only and any(retention):
            store.apply_retention(*retention)
        return summary
    finally:
        try:
            backend.close()
        except Exception:  # (closing a client must not hide the sync's outcome)
            log.debug("closing the sync backend failed", exc_info=True)


def sync_database(db_path: str, config: Config, progress: SyncProgress | None = None,
                  cancel: threading.Event | None = None) -> SyncSummary:
    """run_sync on the database at `db_path` with `config`'s [sync]: what a child
    process runs (sync_child.py), without the whole Library. ConfigError as run_sync."""
    from .sync_config import sync_settings

    store = Store(db_path, create=False)
    try:
        return run_sync(store, sync_settings(config.sync), progress, cancel,
                        retention=(config.max_per_feed, config.max_age_days))
    finally:
        store.close()


def status(store: Store, settings: SyncSettings | None) -> SyncStatus:
    out = SyncStatus(configured=settings is not None)
    if settings is not None:
        out.service, out.url, out.username = settings.service, settings.url, settings.username
    return q.status_row(store, out)


class SyncEngine:
    def __init__(self, store: Store, backend: SyncBackend) -> None:
        self.store = store
        self.backend = backend
        self.summary = SyncSummary(service=backend.service)
        self._push_error: str | None = None

    def run(self, progress: SyncProgress | None = None, cancel: threading.Event | None = None,
            push_only: bool = False) -> SyncSummary:
        started = time.time()
        say = progress or (lambda step, done, total: None)

        def stopped() -> bool:
            return cancel is not None and cancel.is_set()

        s = self.summary
        try:
            say("pushing", 0, 0)
            self.push()
            if not push_only:
                for step in (self.pull_feeds, self.pull_entries, self.pull_states,
                             self.pull_marks, self.push):
                    if stopped():
                        s.error = "sync cancelled"
                        break
                    step(say, stopped)
            if s.error is None and self._push_error is not None:
                s.error = self._push_error
        except SyncError as exc:
            s.error = clean_line(str(exc))
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            # A backend that met an answer it did not expect: the server's doing, one
            # line like the rest (the details for READER_DEBUG-style digging in the log).
            log.debug("sync: unexpected answer", exc_info=True)
            s.error = clean_line(f"{self.backend.service}: an answer the sync could not "
                                 f"read ({type(exc).__name__}: {str(exc)[:200]})")
        s.pending = q.pending_count(self.store)
        s.seconds = time.time() - started
        if s.error is None:
            if not push_only:  # (a push alone is not a sync: the next one stays due)
                q.set_state(self.store, {"last_success": repr(time.time()),
                                         "last_error": None})
        else:
            q.set_state(self.store, {"last_error": s.error})
        return s

    # -- push ----------------------------------------------------------------------------

    def push(self, say: SyncProgress | None = None,
             stopped: Callable[[], bool] | None = None) -> None:
        """Send what the queue holds. auth and unreachable end the sync (SyncError);
        a change the server refuses is kept and tried again later; one the service
        cannot do ("unsupported") is dropped, with a note kept for `sync --status`."""
        now = time.time()
        groups: dict[tuple[str, str], list[q.QueuedChange]] = defaultdict(list)
        for change in q.due_changes(self.store, now):
            groups[(change.kind, change.value)].append(change)
        for (kind, value), changes in groups.items():
            if kind in q.FLAG_KINDS:
                batch = self.backend.capabilities.push_batch or PUSH_BATCH
                for start in range(0, len(changes), batch):
                    self._send(changes[start:start + batch], now)
            else:
                for change in changes:
                    self._send([change], now)

    def _send(self, changes: list[q.QueuedChange], now: float) -> None:
        kind, value = changes[0].kind, changes[0].value
        seqs = [c.seq for c in changes]
        try:
            if kind == "read":
                self.backend.set_read([c.target for c in changes], value == "1")
            elif kind == "starred":
                self.backend.set_starred([c.target for c in changes], value == "1")
            elif kind == "shared":
                self._publish([c.target for c in changes], value == "1")
            elif kind == "subscribe":
                self._subscribe(changes[0])
            elif kind == "unsubscribe":
                self._unsubscribe(changes[0])
            elif kind == "categories":
                self.backend.set_categories(changes[0].target, json.loads(value or "[]"))
                q.categories_pushed(self.store, changes[0].target)
        except SyncError as exc:
            if exc.kind in ("auth", "unreachable"):
                raise
            if exc.kind == "unsupported":
                q.delete_sent(self.store, seqs)
                q.set_state(self.store, {f"note:{kind}": clean_line(str(exc))})
                return
            q.retry_later(self.store, seqs, clean_line(str(exc)), now)
            self._push_error = (f"{len(seqs)} change{'s' if len(seqs) > 1 else ''} not pushed"
                                f" (kept, tried again later): {clean_line(str(exc))}")
            return
        q.delete_sent(self.store, seqs)
        self.summary.pushed += len(seqs)

    def _publish(self, ids: list[str], value: bool) -> None:
        publish = getattr(self.backend, "set_published", None)
        if publish is None:
            raise SyncError(f"{self.backend.service} has no published mark (Tiny Tiny RSS "
                            "has): kept here only", "unsupported")
        publish(ids, value)

    def _subscribe(self, change: q.QueuedChange) -> None:
        wanted = json.loads(change.value or "{}")
        try:
            remote = self.backend.subscribe(change.target, wanted.get("title") or "",
                                            wanted.get("category"))
            remote_id = remote.remote_id
        except SyncError as exc:
            if exc.kind != "protocol":
                raise
            # Sent before, and the process died before it was crossed off? Then the
            # server has it, and says so as an error: look.
            remote_id = self._remote_feed_id(change.target)
            if remote_id is None:
                raise
        feed = self.store.feed_by_url(change.target)
        if feed is not None and feed.remote_id is None:
            q.adopt_feed(self.store, feed.id, remote_id)

    def _unsubscribe(self, change: q.QueuedChange) -> None:
        try:
            self.backend.unsubscribe(change.target)
        except SyncError as exc:
            if exc.kind != "protocol" or any(f.remote_id == change.target
                                             for f in self.backend.feeds()):
                raise  # (else gone already: a replay)

    def _remote_feed_id(self, url: str) -> str | None:
        for feed in self.backend.feeds():
            if feed.url == url or _normal(feed.url) == url:
                return feed.remote_id
        return None

    # -- pull ----------------------------------------------------------------------------

    def pull_feeds(self, say: SyncProgress, stopped: Callable[[], bool]) -> None:
        say("feeds", 0, 0)
        remote_feeds = self.backend.feeds()
        synced = q.synced_feeds(self.store)
        local = q.local_feed_ids_by_url(self.store)
        taken = {url for _, url in synced.values()}
        pending_tags = q.pending_category_targets(self.store)
        unsubscribing = {c.target for c in q.due_changes(self.store, float("inf"))
                         if c.kind == "unsubscribe"}
        before = q.categories_before(self.store)
        seen: set[str] = set()
        for rf in remote_feeds:
            remote_id = clean_line(rf.remote_id)
            seen.add(remote_id)
            if remote_id in unsubscribing:
                continue  # (removed here; the server hears of it at the next push)
            title = clean_line(rf.title)[:500]
            tags = [t for t in (clean_tag(c) for c in rf.categories) if t]
            if remote_id in synced:
                feed_id = synced[remote_id][0]
                q.update_remote_feed(self.store, feed_id, title,
                                     None if remote_id in pending_tags else tags,
                                     before.get(feed_id, ()))
                continue
            url = _normal(rf.url)
            if url is None:
                continue  # (not a feed address: nothing to hold it by)
            feed_id = local.get(url)
            if feed_id is not None:
                if q.adopt_feed(self.store, feed_id, remote_id):
                    q.update_remote_feed(self.store, feed_id, title, tags)
            elif url not in taken:
                q.insert_remote_feed(self.store, remote_id, url, title,
                                     _normal(rf.site_url) or "", tags)
                taken.add(url)
                self.summary.feeds_added += 1
        for remote_id, (feed_id, _) in synced.items():
            if remote_id not in seen:
                self.store.remove_feed(feed_id, unsubscribe=False)
                self.summary.feeds_removed += 1

    def pull_entries(self, say: SyncProgress, stopped: Callable[[], bool]) -> None:
        from .sync_entries import feed_batches

        feeds = {rid: fid for rid, (fid, _) in q.synced_feeds(self.store).items()}
        done = 0
        pending: list = []

        def store(cursor: str) -> None:
            batches, _ = feed_batches(pending, feeds)
            new, changed = q.store_entries(self.store, batches, {"cursor": cursor})
            self.summary.new_articles += new
            self.summary.state_changes += changed
            pending.clear()

        say("entries", 0, 0)
        # The backend's batches are stored a few together (up to STORE_BATCH entries,
        # with the last one's cursor): a transaction (and a new search-index segment)
        # per hundred entries cost a third more.
        cursor, stored_at = None, time.monotonic()
        for batch in self.backend.entries(q.get_state(self.store, "cursor")):
            pending.extend(batch.entries)
            done, cursor = done + len(batch.entries), batch.cursor
            # (and at least every STORE_SECONDS: a slow server's pull, cut off, resumes)
            if (len(pending) >= STORE_BATCH or stopped()
                    or time.monotonic() - stored_at > STORE_SECONDS):
                store(cursor)
                stored_at = time.monotonic()
            say("entries", done, 0)
            if stopped():
                return
        if cursor is not None:
            store(cursor)  # (the rest; or, with nothing new, the cursor alone)

    def pull_states(self, say: SyncProgress, stopped: Callable[[], bool]) -> None:
        from .sync_entries import feed_batches

        from .sync_states import MISSING_CALL, applied, read_states

        say("states", 0, 0)
        # The whole sets, or (a server without "changed since": tt-rss) those of the
        # feeds whose counts differ: sync_states.py.
        states = read_states(self.store, self.backend)
        if states.starred_feeds is None or states.starred_feeds:
            states = replace(states, starred=states.starred | self._spare_gone(
                "starred", states.starred, states.starred_feeds))
        self.summary.state_changes += applied(self.store, states)
        unheld = set(json.loads(q.get_state(self.store, "unheld") or "[]"))
        wanted = states.unread | states.starred
        missing = sorted(wanted - unheld - q.held_remote_ids(self.store, wanted))[:MISSING_MOST]
        if not missing:
            return
        feeds = {rid: fid for rid, (fid, _) in q.synced_feeds(self.store).items()}
        for start in range(0, len(missing), MISSING_CALL):
            if stopped():
                return
            ids = missing[start:start + MISSING_CALL]
            say("missing entries", start, len(missing))
            entries = self.backend.entries_by_id(ids)
            batches, _ = feed_batches(entries, feeds)
            new, changed = q.store_entries(self.store, batches, {})
            self.summary.new_articles += new
            self.summary.state_changes += changed
            # What a tombstone (deleted here) kept out, or the server no longer has: not
            # asked for each time. Not the entries of a feed not held here yet (another
            # device subscribed during this sync): they come once the feed does.
            feedless = {e.remote_id for e in entries if e.feed_remote_id not in feeds}
            unheld |= set(ids) - feedless - q.held_remote_ids(self.store, ids)
        # (Sets of some feeds only: the others' unheld ids are not known to be stale.)
        keep = sorted(unheld & wanted if states.unread_feeds is None else unheld)[-UNHELD_MOST:]
        q.set_state(self.store, {"unheld": json.dumps(keep)})

    def pull_marks(self, say: SyncProgress, stopped: Callable[[], bool]) -> None:
        """The marks only some servers have (RemoteMarks): tt-rss's published set and
        labels, whole sets like read and starred. A backend without them is not asked."""
        marks = getattr(self.backend, "marks", None)
        if marks is None:
            return
        say("marks", 0, 0)
        found = marks()
        if found.shared is not None:
            shared = found.shared | self._spare_gone("shared", found.shared)
            self.summary.state_changes += marks_q.apply_shared(self.store, shared)
        if found.labels is not None:
            labels: dict[str, set[str]] = {}
            for name, ids in list(found.labels.items())[:LABELS_MOST]:
                tag = clean_tag(name)
                if tag:
                    labels.setdefault(tag, set()).update(clean_line(i) for i in ids)
            self.summary.state_changes += marks_q.apply_labels(self.store, labels)


    def _spare_gone(self, flag: str, kept: frozenset[str],
                    feeds: frozenset[str] | None = None) -> frozenset[str]:
        """Before the server's set `kept` takes a star (or published mark) away here:
        is the entry still there? (A set lacks an entry the server deleted as much as
        one unstarred on another device.) Those it no longer has become local articles,
        mark and all; the others are unmarked as the server has them. Only the marks
        about to go are asked about (none in a sync where nothing changed). Returns the
        ids beyond GONE_CHECK_MOST, left as they are until a later sync asks."""
        taken = q.marks_taken_away(self.store, flag, kept, feeds)
        if not taken:
            return frozenset()
        asked = taken[:GONE_CHECK_MOST]
        there: set[str] = set()
        for start in range(0, len(asked), GONE_CALL):
            there.update(clean_line(e.remote_id) for e in
                         self.backend.entries_by_id(asked[start:start + GONE_CALL]))
        self.summary.gone += q.unlink_gone(self.store, [i for i in asked if i not in there])
        return frozenset(taken[GONE_CHECK_MOST:])


def _normal(url: str) -> str | None:
    try:
        return normalize_url(clean_line(url))
    except InvalidURL:
        return None
