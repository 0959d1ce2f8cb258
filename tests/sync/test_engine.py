"""The sync engine (reader/core/sync.py) driven through Library against a real Miniflux
(tests/sync/conftest.py: a fresh user per test), reached through a TCP relay (relay.py)
that takes the server away, holds its answers back and records every request sent;
where a test needs a service that cannot make a change, a real tt-rss.

What a sync pulls and pushes, local changes winning until pushed, a server down or
refusing a change, replays, a pull cut off and resumed, the entries it lacks.
Accounts, passwords and bad answers: test_engine_accounts.py. The CLI end to end:
test_engine_servers.py."""
# ruff: noqa: F811 (the fixtures imported from engine_fixtures.py, named as arguments)

from __future__ import annotations

import re
import threading
import time


from reader.core.config import Config
from reader.core.library import Library
from reader.core.storage import sync as q

# (lib, relay and server are fixtures: a test's argument of the same name is the fixture)
from .engine_fixtures import (  # noqa: F401
    by_title,
    lib,
    make_lib,
    relay,
    remote_ids,
    requests,
    server,
)
from .servers import Item, wait_until
from .ttrss_server import rss


def test_first_sync_makes_feeds_tags_and_searchable_articles_then_pulls_only_what_is_new(
        lib, server, relay, miniflux):
    summary = lib.sync()
    assert summary.ok, summary.error
    assert (summary.feeds_added, summary.new_articles, summary.pending) == (2, 4, 0)
    feeds = {f.title: f for f in lib.feeds()}
    assert feeds["Українська правда"].remote_id == str(server.ua_id)
    assert feeds["Українська правда"].tags == ["Новини"]
    assert feeds["NHKニュース"].tags == ["日本"]
    arts = by_title(lib)
    assert not arts["Київ: новини дня"].read and arts["Друга новина"].read
    assert arts["東京の天気"].starred and not arts["Выборы"].starred
    # the search index, the filters and the tags work on them
    assert [lib.article(i).title for i in lib.article_ids("києві")] == ["Київ: новини дня"]
    assert [lib.article(i).title for i in lib.article_ids("+новини is:unread")] == [
        "Київ: новини дня"]
    assert lib.count("is:starred") == 1
    ids = server.ids()
    assert remote_ids(lib)["東京の天気"] == str(ids["東京の天気"])
    assert lib.sync_status().last_success is not None
    # one new entry on the server: the next sync asks from the stored cursor, gets it alone
    miniflux.feed_server.add_item(f"{miniflux.username}-ua",
                                  Item(f"{miniflux.username}-13", "Нова стаття", "<p>нове</p>"))
    miniflux.refresh_feed(server.ua_id, expect=3)
    mark = len(relay.seen)
    summary = lib.sync()
    assert summary.ok and summary.new_articles == 1 and lib.count() == 5
    pulls = [r for r in requests(relay, mark) if r.startswith("GET /v1/entries?")]
    assert pulls and all(f"after_entry_id={max(ids.values())}&" in r for r in pulls), pulls


def test_read_and_star_both_ways(lib, server, relay):
    lib.sync()
    ids = {a.title: a.id for a in lib.articles()}
    lib.set_read([ids["Київ: новини дня"]])
    lib.set_starred([ids["Выборы"]])
    server.put(["Выборы"], status="read")      # (on the server meanwhile: another device)
    server.put(["東京の天気"], starred=False)
    mark = len(relay.seen)
    summary = lib.sync()
    assert summary.ok and summary.pushed == 2 and summary.pending == 0, summary.error
    assert requests(relay, mark).count("PUT /v1/entries") == 2
    flags = server.flags()
    assert flags["Київ: новини дня"] == ("read", False) and flags["Выборы"] == ("read", True)
    arts = by_title(lib)   # (no local change of these: the server's state wins)
    assert arts["Выборы"].read and arts["Выборы"].starred and not arts["東京の天気"].starred


def test_a_change_made_while_the_sync_runs_wins_over_the_server_state(lib, server, relay):
    """Marked read here after the push and before the server's sets come in: the
    server's "unread" must not undo it; the final push takes it there."""
    lib.sync()
    kyiv = by_title(lib)["Київ: новини дня"].id
    marked = []

    def read_it_meanwhile(step, done, total):
        if step == "states" and not marked:
            marked.append(lib.set_read([kyiv]))

    mark = len(relay.seen)
    summary = lib.sync(read_it_meanwhile)
    assert summary.ok and summary.pushed == 1 and summary.pending == 0, summary.error
    sent = requests(relay, mark)
    assert sent.index("PUT /v1/entries") > next(i for i, r in enumerate(sent)
                                                if "status=unread" in r)
    assert lib.article(kyiv).read
    assert server.flags()["Київ: новини дня"][0] == "read"


def test_a_change_the_server_fails_is_kept_and_sent_after_its_backoff(lib, server, relay,
                                                                       miniflux):
    lib.sync()
    site, name = miniflux.feed_server, miniflux.username
    url = site.url(f"{name}-later")   # (not published yet: Miniflux cannot fetch it)
    feed, _ = lib.subscribe(url, tags=["Пізніше"])
    summary = lib.sync()
    assert not summary.ok and summary.error.startswith("1 change not pushed (kept, tried "
                                                       "again later): "), summary.error
    assert "resource not found" in summary.error and "\n" not in summary.error
    assert summary.pending == 1 and lib.sync_status().last_error == summary.error
    tries, error, next_try = lib.store.execute(
        "SELECT tries, error, next_try FROM sync_queue").fetchone()
    assert tries == 1 and "resource not found" in error and next_try > time.time()
    mark = len(relay.seen)
    assert lib.sync().pending == 1    # within its backoff: not sent again
    assert "POST /v1/feeds" not in requests(relay, mark)
    site.publish(f"{name}-later", "Пізня стрічка", [Item(f"{name}-l1", "Пізня новина")])
    lib.store.execute("UPDATE sync_queue SET next_try = NULL")   # (its backoff over)
    summary = lib.sync()
    assert summary.ok and summary.pending == 0, summary.error
    (remote,) = [f for f in miniflux.feeds() if f["feed_url"] == url]
    assert remote["category"]["title"] == "Пізніше"
    assert lib.resolve_feed(feed.id).remote_id == str(remote["id"])


def test_server_down_keeps_everything_then_pushes(lib, server, relay):
    lib.sync()
    kyiv = by_title(lib)["Київ: новини дня"].id
    lib.set_starred([kyiv])
    relay.down()
    summary = lib.sync()
    assert summary.error == f"{relay.url}: cannot connect (ConnectError)"
    assert summary.pending == 1 and lib.article(kyiv).starred and lib.count() == 4
    status = lib.sync_status()
    assert status.pending == 1 and status.last_error == summary.error
    relay.up()
    assert lib.sync().ok and server.flags()["Київ: новини дня"] == ("unread", True)
    assert lib.sync_status().last_error is None


def test_a_change_the_service_cannot_make_is_dropped_with_a_note(ttrss, tmp_path,
                                                                monkeypatch):
    """tt-rss (a real one: tests/sync/ttrss_server.py) has no API call that moves a
    feed to another category, and finds no feed in a web page: both changes are
    dropped (retrying cannot help), each with a note for `sync --status`."""
    user = ttrss.add_user()
    url = ttrss.feeds.publish(f"{user.login}/ua.xml", rss("Українська правда", [
        {"guid": f"{user.login}-1", "title": "Новина", "html": "<p>Київ</p>",
         "date": 1_780_000_000}]))
    user.update_feed(user.subscribe(url, user.add_category("Новини")))
    page = ttrss.feeds.publish(f"{user.login}/page.html", "<html><body><p>Сторінка</p>"
                               "</body></html>", content_type="text/html; charset=utf-8")
    monkeypatch.setenv("READER_SYNC_PASSWORD", user.password)
    lib = Library(tmp_path / "r.db", Config(sync={"service": "ttrss", "url": ttrss.url,
                                                  "username": user.login}))
    try:
        assert lib.sync().ok and lib.count() == 1
        lib.tag_feed("Українська", ["Азія"])
        mine, _ = lib.subscribe(page, tags=["Мої"])
        assert lib.sync_pending() == 2
        summary = lib.sync()
        assert summary.ok and summary.pending == 0 and summary.pushed == 0, summary.error
        notes = lib.sync_status().notes
        assert notes == [q.get_state(lib.store, "note:categories"),
                         q.get_state(lib.store, "note:subscribe")]
        assert "cannot change a feed's category" in notes[0]
        assert "found no feed" in notes[1] and page in notes[1]
        # the tag stays here, beside the server's category; the page stays a local feed
        assert sorted(lib.resolve_feed("Українська").tags) == ["Азія", "Новини"]
        assert lib.resolve_feed(mine.id).remote_id is None
        assert [f["feed_url"] for f in user.call("getFeeds", cat_id=-3)] == [url]
        assert lib.sync().ok and lib.sync_pending() == 0   # (nothing tried again)
    finally:
        lib.close()


def test_a_subscribe_to_an_address_of_a_feed_the_server_has_is_not_retried_forever(
        lib, server, feed_server):
    """An old address that redirects to a feed the server holds: Miniflux will never
    take it (it answers 500, "duplicated feed"), so the change must not stay queued."""
    lib.sync()
    old = feed_server.redirect("/stara-adresa.xml", server.ua_url)
    lib.subscribe(old, tags=["Новини"])
    summary = lib.sync()
    assert summary.ok and summary.pending == 0, summary.error


def test_tags_pushed_as_the_one_category_and_pulled_back(lib, server, miniflux):
    lib.sync()
    feed = lib.resolve_feed("NHK")
    lib.tag_feed(feed.id, ["Азія"])
    assert lib.sync().ok
    assert server.category(server.jp_id) == "Азія"     # (sorted: the first goes)
    assert sorted(lib.resolve_feed(feed.id).tags) == ["Азія", "日本"]   # the other stays here
    lib.untag_feed(feed.id, ["азія"])   # (any case: tags.fold)
    assert lib.sync().ok
    assert server.category(server.jp_id) == "日本"
    assert lib.resolve_feed(feed.id).tags == ["日本"]
    # moved on the server: the old category goes, the new one comes
    miniflux.api("PUT", f"/v1/feeds/{server.jp_id}",
                 json={"category_id": miniflux.category_id("World News")})
    assert lib.sync().ok
    assert lib.resolve_feed(feed.id).tags == ["World News"]


def test_subscribe_unsubscribe_and_feeds_gone_from_the_server(lib, server, miniflux):
    lib.sync()
    site, name = miniflux.feed_server, miniflux.username
    url = site.publish(f"{name}-mine", "Мої новини", [Item(f"{name}-m1", "Перша")])
    feed, _ = lib.add_feed(url, tags=["Мої"])
    local_url = site.publish(f"{name}-local", "L", [])
    local, _ = lib.add_feed(local_url, local=True)
    assert lib.sync_pending() == 1
    assert lib.sync().ok
    (remote,) = [f for f in miniflux.feeds() if f["feed_url"] == url]
    assert remote["category"]["title"] == "Мої"
    assert lib.resolve_feed(feed.id).remote_id == str(remote["id"])
    assert lib.resolve_feed(local.id).remote_id is None   # local feeds stay local
    assert all(f["feed_url"] != local_url for f in miniflux.feeds())
    assert lib.count("Перша") == 1    # the server's copy is the same article, not a second
    lib.remove_feed(feed.id)
    assert lib.sync().ok
    assert all(f["feed_url"] != url for f in miniflux.feeds())
    miniflux.api("DELETE", f"/v1/feeds/{server.jp_id}")   # unsubscribed on another device
    summary = lib.sync()
    assert summary.ok and summary.feeds_removed == 1
    assert sorted(f.title for f in lib.feeds()) == ["L", "Українська правда"]


def test_a_feed_removed_while_the_sync_runs_is_not_brought_back(lib, server, miniflux):
    """Removed here after the push and before the server's feed list comes in: the
    server still lists it, but its unsubscribe waits in the queue."""
    lib.sync()

    def remove_it_meanwhile(step, done, total):
        if step == "feeds" and len(lib.feeds()) == 2:
            lib.remove_feed("NHK")

    summary = lib.sync(remove_it_meanwhile)
    assert summary.ok and summary.feeds_added == 0, summary.error
    assert [f.title for f in lib.feeds()] == ["Українська правда"]
    assert [f["id"] for f in miniflux.feeds()] == [server.ua_id]   # (the final push)


def test_replays_are_idempotent_and_a_newer_change_survives_a_push_in_flight(lib, server):
    """A push the server took but whose rows were never crossed off (the process was
    killed between) is sent again: the server ends the same, nothing is doubled."""
    lib.sync()
    kyiv = by_title(lib)["Київ: новини дня"].id
    lib.set_read([kyiv])
    changes = q.due_changes(lib.store, 1e12)
    server.put(["Київ: новини дня"], status="read")   # the server took it ...
    lib.store.write(lambda c: q.enqueue_subscribe(c, server.jp_url, "", []))   # and this
    assert len(q.due_changes(lib.store, 1e12)) == len(changes) + 1
    summary = lib.sync()
    assert summary.ok and summary.pending == 0 and summary.feeds_added == 0, summary.error
    assert server.flags()["Київ: новини дня"][0] == "read"
    assert len(server.user.feeds()) == 2 and len(lib.feeds()) == 2 and lib.count() == 4
    # unread again while the push of "read" is on its way: the newer change stays queued
    lib.set_read([kyiv])
    lib.set_read([kyiv], False)
    sent = q.due_changes(lib.store, 1e12)
    lib.set_read([kyiv])
    lib.set_read([kyiv], False)
    q.delete_sent(lib.store, [c.seq for c in sent])
    left = q.due_changes(lib.store, 1e12)
    assert [(c.kind, c.value) for c in left] == [("read", "0")]
    assert lib.sync().ok and server.flags()["Київ: новини дня"][0] == "unread"


def test_unread_and_starred_entries_missed_by_the_first_sync_are_fetched_by_id(
        lib, server, relay, monkeypatch):
    """The first sync takes the newest entries and the older unread or starred ones:
    an old read entry starred later on another device is fetched by its id."""
    from reader.core.sources.sync import miniflux as backend

    monkeypatch.setattr(backend, "FIRST_SYNC_NEWEST", 2)   # (two feeds of two entries)
    server.put(["Київ: новини дня"], status="read")   # the oldest: read, not starred
    assert lib.sync().ok
    assert sorted(by_title(lib)) == ["Выборы", "東京の天気"]   # (the newest two)
    server.put(["Київ: новини дня"], starred=True)
    mark = len(relay.seen)
    summary = lib.sync()
    assert summary.ok and summary.new_articles == 1, summary.error
    assert f"GET /v1/entries/{server.ids()['Київ: новини дня']}" in requests(relay, mark)
    kyiv = by_title(lib)["Київ: новини дня"]
    assert kyiv.read and kyiv.starred


def test_entries_deleted_here_are_asked_for_once(lib, server, relay):
    """An article the server still has unread, deleted here (retention spares those now;
    before, it did not): the sync asks for it once (its tombstone keeps it out) and
    remembers not to ask again."""
    lib.sync()
    assert lib.store.apply_retention(max_per_feed=1) == 0   # "Київ: новини дня": unread there
    lib.store.write(lambda c: (
        c.execute("INSERT INTO deleted_articles (feed_id, key) SELECT feed_id, key"
                  " FROM articles WHERE title = 'Київ: новини дня'"),
        c.execute("DELETE FROM articles WHERE title = 'Київ: новини дня'")))
    mark = len(relay.seen)
    assert lib.sync().ok
    kyiv = server.ids()["Київ: новини дня"]
    assert requests(relay, mark).count(f"GET /v1/entries/{kyiv}") == 1
    assert "Київ: новини дня" not in by_title(lib) and lib.count() == 3
    mark = len(relay.seen)
    assert lib.sync().ok
    assert not [r for r in requests(relay, mark) if re.fullmatch(r"GET /v1/entries/\d+", r)]


def test_entries_of_a_feed_subscribed_elsewhere_during_a_sync_come_with_the_next(
        lib, server, miniflux):
    """Another device subscribes after this sync read the feed list and before it pulls
    the entries: the cursor passes the new feed's entries; the next sync, which knows
    the feed, must fetch its unread and starred ones by id."""
    lib.sync()
    site, name = miniflux.feed_server, miniflux.username
    url = site.publish(f"{name}-late", "Пізня стрічка", [
        Item(f"{name}-31", "Старая звезда", "<p>old</p>"), Item(f"{name}-32", "Свіжа")])
    added = []

    def subscribe_elsewhere(step, done, total):
        if step == "entries" and not added:
            added.append(miniflux.add_feed(url))
            miniflux.api("PUT", "/v1/entries", json={
                "entry_ids": [e["id"] for e in miniflux.entries(feed_id=added[0])
                              if e["title"] == "Старая звезда"], "status": "read",
                "starred": True})

    assert lib.sync(subscribe_elsewhere).ok
    summary = lib.sync()
    assert summary.ok and summary.feeds_added == 1, summary.error
    arts = by_title(lib)
    assert arts["Старая звезда"].starred and arts["Старая звезда"].read
    assert not arts["Свіжа"].read

def test_a_cut_off_pull_resumes_at_its_cursor_and_a_thousand_changes_go_in_six_requests(
        miniflux, relay, tmp_path, monkeypatch):
    monkeypatch.setenv("READER_SYNC_PASSWORD", miniflux.api_key)
    site, name = miniflux.feed_server, miniflux.username
    url = site.publish(f"{name}-big", "Стрічка", [Item(f"{name}-0", "Новина 0")])
    feed_id = miniflux.add_feed(url)
    lib = make_lib(tmp_path / "r.db", relay.url, "")
    try:
        assert lib.sync().new_articles == 1
        site.publish(f"{name}-big", "Стрічка", [
            Item(f"{name}-{i}", f"Новина {i}", f"<p>Київ {i}</p>") for i in range(1000)])
        miniflux.api("PUT", f"/v1/feeds/{feed_id}/refresh")
        wait_until(lambda: miniflux.api("GET", "/v1/entries", params={
            "limit": 1})["total"] == 1000, "Miniflux to hold 1,000 entries")
        ids = sorted(e["id"] for e in miniflux.entries())   # (the first 1,000)
        # Cancelled while the second page of 250 is on its way: what came is stored
        # with its cursor, and the next sync goes on from there.
        cancel = threading.Event()

        def cancel_during_the_second_page(step, done, total):
            if step == "entries" and done == 250:
                relay.hold()
                seen = len(requests(relay))
                threading.Thread(target=lambda: (wait_until(
                    lambda: len(requests(relay)) > seen, "the second page's request"),
                    cancel.set(), relay.release()), daemon=True).start()

        summary = lib.sync(cancel_during_the_second_page, cancel)
        assert summary.error == "sync cancelled"
        assert lib.count() == 501 and q.get_state(lib.store, "cursor") == str(ids[500])
        mark = len(relay.seen)
        summary = lib.sync()
        assert summary.ok and summary.new_articles == 499 and lib.count() == 1000
        pulls = [r for r in requests(relay, mark) if r.startswith("GET /v1/entries")]
        assert f"after_entry_id={ids[500]}&" in pulls[0]
        # 1,010 changes: five requests of 200 to mark read, one to star; nothing pulled
        lib.mark_all_read("")
        lib.set_starred(lib.article_ids("")[:10])
        mark = len(relay.seen)
        summary = lib.sync(push_only=True)
        assert summary.pushed == 1010 and summary.pending == 0, summary.error
        # (and whose key it is: logged in by an API key, the account is asked once)
        assert requests(relay, mark) == ["GET /v1/me"] + ["PUT /v1/entries"] * 6
        assert miniflux.api("GET", "/v1/entries", params={"status": "unread",
                                                          "limit": 1})["total"] == 0
        assert miniflux.api("GET", "/v1/entries", params={"starred": "true",
                                                          "limit": 1})["total"] == 10
    finally:
        lib.close()
