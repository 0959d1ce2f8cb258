"""tt-rss without "changed since": the first sync's pull, the cheap state check (counts and
what was read/starred lately, sync_states.py), the hourly whole read, and pushes in big
batches, against the real tt-rss (tests/sync/ttrss_server.py). Every request goes through
a relay that records them, so the tests see which calls a sync made."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from reader.core.config import Config
from reader.core.library import Library
from reader.core.sources.sync import ttrss as ttrss_module
from reader.core.storage import sync as q
from reader.core.sync_states import FULL_EVERY, FULL_KEY

from .relay import Relay
from .ttrss_server import TtrssServer, TtrssUser, rss


def items(prefix: str, count: int) -> list[dict]:
    return [{"guid": f"{prefix}-{n}", "title": f"{prefix} {n}",
             "html": f"<p>Київ {n}, 東京 {n}</p>", "date": 1_780_000_000 + n}
            for n in range(count)]


def feed(ttrss: TtrssServer, user: TtrssUser, name: str, entries: list[dict]) -> int:
    url = ttrss.feeds.publish(f"{user.login}/{name}.xml", rss(f"Стрічка {name}", entries))
    feed_id = user.subscribe(url)
    user.update_feed(feed_id)
    return feed_id


class Synced:
    """A Library synced with the user's tt-rss through a relay that records the calls."""

    def __init__(self, ttrss: TtrssServer, user: TtrssUser, tmp_path, monkeypatch) -> None:
        monkeypatch.setenv("READER_SYNC_PASSWORD", user.password)
        self.relay = Relay(ttrss.port)
        self.lib = Library(tmp_path / "r.db", Config(sync={
            "service": "ttrss", "url": self.relay.url + "/", "username": user.login}))
        self.mark = 0

    def sync(self):
        self.mark = len(self.relay.seen)
        summary = self.lib.sync()
        assert summary.error is None, summary.error
        return summary

    def calls(self) -> list[dict]:
        """The requests of the last sync, as the JSON bodies sent."""
        sent = bytes(self.relay.seen[self.mark:]).decode("utf-8", "replace")
        return [json.loads(m) for m in re.findall(r'\{"op": "\w+"[^{}]*\}', sent)]

    def paged(self) -> set[tuple[int, str]]:
        """(feed id, view mode) of the getHeadlines calls of the last sync."""
        return {(c["feed_id"], c["view_mode"]) for c in self.calls()
                if c["op"] == "getHeadlines"}

    def flags(self) -> dict[str, tuple[bool, bool]]:
        return {a.title: (a.read, a.starred) for a in self.lib.articles()}

    def close(self) -> None:
        self.lib.close()
        self.relay.down()


@pytest.fixture
def user(ttrss: TtrssServer) -> TtrssUser:
    return ttrss.add_user()


@pytest.fixture
def synced(ttrss, user, tmp_path, monkeypatch) -> Iterator[Synced]:
    s = Synced(ttrss, user, tmp_path, monkeypatch)
    try:
        yield s
    finally:
        s.close()


def server_ids(user: TtrssUser) -> dict[str, int]:
    return {row["title"]: row["id"] for row in user.call(
        "getHeadlines", feed_id=-4, view_mode="all_articles", limit=200)}


def update(user: TtrssUser, ids: list[int], field: int, mode: int) -> None:
    user.call("updateArticle", article_ids=",".join(map(str, ids)), field=field, mode=mode)


def test_first_sync_takes_the_newest_every_unread_and_every_starred_with_content(
        ttrss, user, synced, monkeypatch) -> None:
    monkeypatch.setattr(ttrss_module, "FIRST_SYNC_NEWEST", 3)
    one = feed(ttrss, user, "one", items("one", 8))
    feed(ttrss, user, "two", items("two", 4))
    ids = server_ids(user)
    # Old ones: "one 0".."one 2" read, "one 1" also starred; the rest unread.
    update(user, [ids["one 0"], ids["one 1"], ids["one 2"]], 2, 0)
    update(user, [ids["one 1"]], 0, 1)
    summary = synced.sync()
    flags = synced.flags()
    # Held: every unread one (9), the starred old one, and the newest 3 whatever their
    # state; not "one 0" or "one 2" (old and read).
    assert "one 0" not in flags and "one 2" not in flags
    assert flags["one 1"] == (True, True)
    assert sum(1 for read, _ in flags.values() if not read) == 9
    assert summary.new_articles == len(flags) == 10
    body = {a.title: a.content for a in synced.lib.articles()}["one 5"]
    assert "Київ 5" in body and "東京 5" in body
    # No id-only pages and no getArticle: the entries came whole, and the check after
    # the pull found every count equal, so no feed was read again.
    ops = [c["op"] for c in synced.calls()]
    assert "getArticle" not in ops and "getCounters" in ops
    assert (one, "unread") in synced.paged() and (one, "marked") not in synced.paged()
    headline_calls = [c for c in synced.calls() if c["op"] == "getHeadlines"]
    assert all(c.get("show_content") for c in headline_calls
               if c["feed_id"] > 0 or c["feed_id"] == -4)
    assert q.get_state(synced.lib.store, FULL_KEY) is not None


def test_a_sync_with_nothing_new_reads_no_feed_whole(ttrss, user, synced) -> None:
    a = feed(ttrss, user, "a", items("a", 5))
    b = feed(ttrss, user, "b", items("b", 5))
    synced.sync()
    synced.sync()
    ops = [c["op"] for c in synced.calls()]
    assert ops.count("getCounters") == 1 and "getArticle" not in ops
    # Only the check: "read lately" (-6) and "starred lately" (-1), never a feed's pages.
    paged = synced.paged()
    assert not {(a, "unread"), (b, "unread"), (-4, "unread")} & paged
    assert (-6, "all_articles") in paged


def test_reads_and_stars_made_elsewhere_come_without_reading_a_feed(ttrss, user,
                                                                   synced) -> None:
    a = feed(ttrss, user, "a", items("a", 5))
    synced.sync()
    ids = server_ids(user)
    update(user, [ids["a 0"], ids["a 1"]], 2, 0)
    update(user, [ids["a 4"]], 0, 1)
    summary = synced.sync()
    assert summary.state_changes == 3
    flags = synced.flags()
    assert flags["a 0"] == flags["a 1"] == (True, False) and flags["a 4"] == (False, True)
    # Marked here from "read lately" and "starred lately"; then the counts agree.
    assert not {(a, "unread"), (a, "marked")} & synced.paged()


def test_swaps_that_keep_the_counts_are_seen_and_only_that_feed_is_read(
        ttrss, user, synced) -> None:
    a = feed(ttrss, user, "a", items("a", 6))
    b = feed(ttrss, user, "b", items("b", 6))
    ids = server_ids(user)
    update(user, [ids["a 1"]], 2, 0)         # read before the first sync
    update(user, [ids["a 3"]], 0, 1)         # starred before the first sync
    synced.sync()
    assert synced.flags()["a 1"] == (True, False) and synced.flags()["a 3"] == (False, True)
    # Another client: one read and another marked unread (a's unread count unchanged),
    # one starred and another unstarred (a's starred count unchanged).
    update(user, [ids["a 0"]], 2, 0)
    update(user, [ids["a 1"]], 2, 1)
    update(user, [ids["a 2"]], 0, 1)
    update(user, [ids["a 3"]], 0, 0)
    summary = synced.sync()
    flags = synced.flags()
    assert flags["a 0"] == (True, False) and flags["a 1"] == (False, False)
    assert flags["a 2"] == (False, True) and flags["a 3"] == (False, False)
    assert summary.state_changes == 4
    paged = synced.paged()
    assert (a, "unread") in paged and (a, "marked") in paged
    assert (b, "unread") not in paged and (b, "marked") not in paged


def test_a_mark_unread_alone_shows_in_the_counts(ttrss, user, synced) -> None:
    feed(ttrss, user, "a", items("a", 3))
    ids = server_ids(user)
    update(user, [ids["a 0"]], 2, 0)
    synced.sync()
    # Read over a day ago on the server: not in "read lately" any more.
    ttrss.sql(f"UPDATE ttrss_user_entries SET last_read = NOW() - INTERVAL '2 days' "
              f"WHERE owner_uid = {user.uid}")
    update(user, [ids["a 0"]], 2, 1)
    synced.sync()
    assert synced.flags()["a 0"] == (False, False)


def test_a_swap_older_than_the_check_sees_waits_for_the_hourly_whole_read(
        ttrss, user, synced) -> None:
    a = feed(ttrss, user, "a", items("a", 4))
    b = feed(ttrss, user, "b", items("b", 2))
    ids = server_ids(user)
    update(user, [ids["a 1"]], 2, 0)
    synced.sync()
    update(user, [ids["a 0"]], 2, 0)
    update(user, [ids["a 1"]], 2, 1)
    # The read older than the "read lately" page reaches (a day, here): the limit of
    # the check, which the README states.
    ttrss.sql(f"UPDATE ttrss_user_entries SET last_read = NOW() - INTERVAL '2 days' "
              f"WHERE owner_uid = {user.uid}")
    synced.sync()
    assert synced.flags()["a 0"] == (False, False)          # not seen yet
    store = synced.lib.store
    last = float(q.get_state(store, FULL_KEY))
    q.set_state(store, {FULL_KEY: repr(last - FULL_EVERY - 1)})   # an hour on
    synced.sync()
    assert synced.flags()["a 0"] == (True, False) and synced.flags()["a 1"] == (False, False)
    assert {(a, "unread"), (b, "unread"), (-1, "all_articles")} <= synced.paged()
    assert float(q.get_state(store, FULL_KEY)) > last
    synced.sync()                                             # and the check again
    assert (a, "unread") not in synced.paged()


def test_a_change_made_offline_is_pushed_and_the_check_agrees(ttrss, user, synced) -> None:
    a = feed(ttrss, user, "a", items("a", 2))
    synced.sync()
    local = {x.title: x.id for x in synced.lib.articles()}
    synced.relay.down()
    synced.lib.set_read([local["a 0"]])
    assert synced.lib.sync().error is not None                # the server away: queued
    synced.relay.up()
    synced.sync()
    assert synced.flags()["a 0"] == (True, False)
    assert {row["title"]: row["unread"] for row in user.call(
        "getHeadlines", feed_id=a, view_mode="all_articles")}["a 0"] is False


def test_a_thousand_queued_changes_go_in_one_call(ttrss, user, synced) -> None:
    feed(ttrss, user, "many", items("m", 1000))
    synced.sync()
    ids = [a.id for a in synced.lib.articles()]
    assert len(ids) == 1000
    synced.lib.set_read(ids)
    summary = synced.sync()
    assert summary.pushed == 1000 and summary.pending == 0
    pushes = [c for c in synced.calls() if c["op"] == "updateArticle"]
    assert len(pushes) == 1 and len(pushes[0]["article_ids"].split(",")) == 1000
    # What the server itself holds: every one read.
    assert user.headline_ids(view_mode="unread") == []
    # The 1,000 reads lead "read lately": the check reads past them (more pages).
    assert sum(1 for c in synced.calls()
               if c["op"] == "getHeadlines" and c["feed_id"] == -6) >= 5


def test_beyond_the_first_pulls_cap_the_check_fetches_the_rest(ttrss, user, synced,
                                                                monkeypatch) -> None:
    from reader.core.sources.sync import ttrss_pages

    monkeypatch.setattr(ttrss_module, "FIRST_SYNC_NEWEST", 10)
    monkeypatch.setattr(ttrss_pages, "FIRST_SYNC_MOST", 200)
    a = feed(ttrss, user, "big", items("big", 450))
    summary = synced.sync()
    assert summary.new_articles == len(synced.flags()) == 450
    # 200 unread came with the pull; the check saw the count differ, read the feed's
    # unread set and fetched the rest by id.
    assert (a, "unread") in synced.paged()
    fetched = [c for c in synced.calls() if c["op"] == "getArticle"]
    assert sum(len(c["article_id"].split(",")) for c in fetched) >= 240
    synced.sync()
    assert (a, "unread") not in synced.paged()


def test_a_server_that_repeats_the_same_full_page_is_not_paged_forever(canned_server) -> None:
    from reader.core.sources.sync.ttrss import TTRSSBackend

    login = b'{"seq": 0, "status": 0, "content": {"session_id": "s1", "api_level": 15}}'
    rows = [{"id": n, "feed_id": 7, "unread": True} for n in range(1, 201)]
    canned_server.answer(json.dumps({"seq": 0, "status": 0, "content": rows}).encode())
    canned_server.script = [(200, login)]
    backend = TTRSSBackend(canned_server.url, "me", "pw")
    try:
        states = backend.feed_states(["7"], ["7"])
        assert len(states.unread) == len(states.starred) == 200
        # login, then two pages of each set: the second brought nothing new
        assert len(canned_server.requests) == 5
    finally:
        backend.close()


def test_starred_lately_is_read_whole_when_virtual_feeds_are_grouped_by_feed(
        ttrss, user, synced) -> None:
    feed(ttrss, user, "stars", items("s", 210))
    update(user, sorted(server_ids(user).values()) + [
        row["id"] for row in user.call("getHeadlines", feed_id=-4, view_mode="all_articles",
                                       limit=200, skip=200)], 0, 1)
    synced.sync()
    assert sum(starred for _, starred in synced.flags().values()) == 210

    def starred_pages() -> int:
        return sum(1 for c in synced.calls() if c["op"] == "getHeadlines"
                   and c["feed_id"] == -1 and c.get("show_content") is None)

    synced.sync()
    assert starred_pages() == 1           # sorted by the time of the star: one page
    # Grouped by feed, feed -1 is not sorted by that time: all of it is read.
    ttrss.sql("INSERT INTO ttrss_user_prefs (owner_uid, pref_name, profile, value) VALUES "
              f"({user.uid}, 'VFEED_GROUP_BY_FEED', NULL, 'true')")
    synced.sync()
    assert starred_pages() == 2
