"""Which read/starred sets a sync reads from the server: all of them, or only those of
the feeds that changed (the engine's pull_states asks read_states).

A server with a "changed since" call does not need this. One without (tt-rss) has a
cheap check (sources/sync/base.py StateCheck): every feed's unread and starred counts,
and the entries it marked read and starred lately. What it marked lately is so now, and
is marked here at once; then a feed's unread set is read whole when its unread count
there differs from the one here (after this sync's pull), its starred set when its
starred count differs or an entry starred lately is not held here, both when a change
of one of its entries is still queued here. A swap that keeps the counts equal (one
entry read and another marked unread there) leaves its read or star among "lately",
which changes the count here: that feed is read.
Every FULL_EVERY seconds (and when the check is not offered) the whole sets are read:
the safety net for what the check cannot see, a swap whose read or star is older than
the page(s) of "lately" the server gives (tt-rss: the newest 200 reads of the last 24
hours and the newest 200 stars, more after a big push). The cost: a feed with an unread
entry that cannot be held here (the same article in two feeds is held once) differs in
its count at every sync, and is read whole each time.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from .sources.sync.base import StateCheck, SyncBackend
from .storage import sync as q
from .storage import sync_counts as c
from .storage.store import Store

FULL_EVERY = 3600.0          # seconds between two reads of the whole sets
FULL_KEY = "states_full"     # sync_state: when the whole sets were last read (or checked)
MISSING_CALL = 200           # unread/starred entries not held here asked for in one call


@dataclass(frozen=True)
class States:
    unread: frozenset[str]
    starred: frozenset[str]
    # None: the sets are the whole truth; else about the articles of these feeds only
    unread_feeds: frozenset[str] | None = None
    starred_feeds: frozenset[str] | None = None
    changed: int = 0                  # flags already changed (what was marked lately)


def read_states(store: Store, backend: SyncBackend, now: float | None = None) -> States:
    now = time.time() if now is None else now
    check = getattr(backend, "state_check", None)
    last = q.get_state(store, FULL_KEY)
    # The first time, the pull just read every unread and starred entry with its flags,
    # so the check is as good as the whole sets (and ten times cheaper on 10,000).
    due = last is not None and not (0 <= now - _float(last) < FULL_EVERY)
    if check is None or due:
        whole = backend.states()
        return States(whole.unread, whole.starred)
    seen = check()
    # What the server marked lately is so now: marked here too, before the counts are
    # compared (a feed where only that changed then agrees).
    flags = c.flags_by_remote_id(store, [*seen.read_lately, *seen.starred_lately])
    to_read = [e for e in seen.read_lately if e in flags and not flags[e][0]]
    to_star = [e for e in seen.starred_lately if e in flags and not flags[e][1]]
    # (No write when nothing differs: a write makes the TUI read its view again.)
    changed = c.apply_lately(store, to_read, to_star) if to_read or to_star else 0
    unread_feeds, starred_feeds = changed_feeds(store, seen)
    synced = set(q.synced_feeds(store))
    unread_feeds &= synced
    starred_feeds &= synced
    if not unread_feeds and not starred_feeds:
        return States(frozenset(), frozenset(), frozenset(), frozenset(), changed)
    some = backend.feed_states(sorted(unread_feeds), sorted(starred_feeds))  # type: ignore[attr-defined]
    return States(some.unread, some.starred, frozenset(unread_feeds),
                  frozenset(starred_feeds), changed)


def changed_feeds(store: Store, seen: StateCheck) -> tuple[set[str], set[str]]:
    """The feeds (remote ids) whose unread / starred sets must be read: see the
    module's doc. (What was marked lately is applied already.)"""
    here = c.feed_counts(store)
    feeds = set(seen.counts) | set(here)
    unread = {f for f in feeds if seen.counts.get(f, (0, 0))[0] != here.get(f, (0, 0))[0]}
    starred = {f for f in feeds if seen.counts.get(f, (0, 0))[1] != here.get(f, (0, 0))[1]}
    # Starred there and not held here: wanted (fetched once its feed is read), unless
    # known not to be storable here (deleted here, say).
    held = c.flags_by_remote_id(store, seen.starred_lately)
    unheld = set(json.loads(q.get_state(store, "unheld") or "[]"))
    starred |= {feed for entry, feed in seen.starred_lately.items()
                if entry not in held and entry not in unheld}
    queued = c.feeds_with_queued_flags(store)
    return unread | queued, starred | queued


def applied(store: Store, states: States, now: float | None = None) -> int:
    """Apply what read_states found; returns how many flags changed (with those
    read_states changed already)."""
    changed = states.changed
    if states.unread_feeds is None or states.starred_feeds is None:
        changed += q.apply_states(store, states.unread, states.starred)
    elif states.unread_feeds or states.starred_feeds:
        changed += c.apply_feed_states(store, states.unread_feeds, states.starred_feeds,
                                       states.unread, states.starred)
    if states.unread_feeds is None or q.get_state(store, FULL_KEY) is None:
        q.set_state(store, {FULL_KEY: repr(time.time() if now is None else now)})
    return changed


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0
