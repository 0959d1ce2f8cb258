"""GReaderBackend against Miniflux 2.3.5's Google Reader API (a real server)."""

from __future__ import annotations

import pytest

from reader.core.sources.sync import greader as greader_module
from reader.core.sources.sync.base import SyncError
from reader.core.sources.sync.greader import GReaderBackend, long_id, short_id

from .postgres import free_port
from .servers import Item

UKRAINIAN = "Війна в Україні"
JAPANESE = "日本のニュース"


@pytest.fixture
def backend(miniflux):
    b = GReaderBackend(miniflux.greader_url, miniflux.username, miniflux.password)
    yield b
    b.close()


def _feed(miniflux, name, titles, category=None):
    return miniflux.publish_feed(name, titles, category)


def _all(batches):
    return [entry for batch in batches for entry in batch.entries]


def test_item_ids_in_both_spellings_become_one():
    assert short_id("tag:google.com,2005:reader/item/00000000148b9369") == str(0x148b9369)
    assert short_id("12345") == short_id(long_id("12345")) == "12345"
    assert long_id("12345") == "tag:google.com,2005:reader/item/0000000000003039"
    assert short_id("-1") == str(2**64 - 1)     # Google's signed ids
    for bad in ("", "abc", "tag:google.com,2005:reader/item/zz", None):
        with pytest.raises(SyncError):
            short_id(bad)


def test_login_and_check(miniflux, backend):
    assert backend.check() == (f"Google Reader API at {miniflux.url}, "
                               f"user {miniflux.username}")


def test_the_root_url_works_as_well_as_the_api_url(miniflux):
    b = GReaderBackend(miniflux.url + "/", miniflux.username, miniflux.password)
    assert miniflux.username in b.check()
    b.close()


def test_wrong_password_is_an_auth_error_that_never_shows_it(miniflux):
    wrong = "wrong-Pa55word"
    b = GReaderBackend(miniflux.greader_url, miniflux.username, wrong)
    with pytest.raises(SyncError) as caught:
        b.feeds()
    assert caught.value.kind == "auth" and wrong not in str(caught.value)
    b.close()


def test_an_expired_session_logs_in_again_once(miniflux, backend):
    _feed(miniflux, "exp", ["x"])
    backend.check()
    backend._auth = backend._token = "someone/0000"   # what the server no longer knows
    assert len(backend.feeds()) == 1
    backend._auth = backend._token = "someone/0000"
    ids = backend._ids(greader_module.READING_LIST)
    backend.set_read(ids, True)                        # a POST: the T token renewed too
    assert backend.states().unread == set()


def test_a_stopped_server_is_unreachable():
    b = GReaderBackend(f"http://127.0.0.1:{free_port()}", "u", "secret-pw")
    with pytest.raises(SyncError) as caught:
        b.check()
    assert caught.value.kind == "unreachable" and "secret-pw" not in str(caught.value)


def test_feeds_with_folders_in_ukrainian_and_japanese(miniflux, backend):
    ua_id, ua_url = _feed(miniflux, "ua", [UKRAINIAN], category=UKRAINIAN)
    jp_id, _ = _feed(miniflux, "jp", [JAPANESE], category=JAPANESE)
    feeds = {f.remote_id: f for f in backend.feeds()}
    assert feeds[f"feed/{ua_id}"].url == ua_url
    assert feeds[f"feed/{ua_id}"].categories == (UKRAINIAN,)
    assert feeds[f"feed/{jp_id}"].categories == (JAPANESE,)
    entries = _all(backend.entries(None))
    assert {(e.title, e.feed_remote_id) for e in entries} == {
        (UKRAINIAN, f"feed/{ua_id}"), (JAPANESE, f"feed/{jp_id}")}
    # Miniflux lists the feed's folder among an item's labels: that is the feed's tag,
    # not a label of the item's own.
    assert all(e.labels == () for e in entries)


def test_entries_new_since_the_cursor_match_the_rest_api_ids(miniflux, backend):
    feed_id, _ = _feed(miniflux, "news", ["один", "二", "three"])
    first = list(backend.entries(None))
    entries = _all(first)
    # Decimal ids, the same numbers Miniflux's REST API uses.
    assert sorted(e.remote_id for e in entries) == sorted(str(e["id"]) for e in miniflux.entries())
    cursor = first[-1].cursor
    assert list(backend.entries(cursor)) == []

    name = f"{miniflux.username}-news"
    miniflux.feed_server.add_item(name, Item("news-9", "Нова стаття"))
    miniflux.refresh_feed(feed_id, expect=4)
    new = _all(backend.entries(cursor))
    assert [e.title for e in new] == ["Нова стаття"]
    assert new[0].url.endswith("/news-9") and not new[0].read and new[0].published


def test_batches_are_oldest_first_each_with_its_cursor(miniflux, backend, monkeypatch):
    monkeypatch.setattr(greader_module, "CONTENTS_BATCH", 2)
    _feed(miniflux, "many", [f"item {i}" for i in range(5)])
    batches = list(backend.entries("0"))
    assert [len(b.entries) for b in batches] == [2, 2, 1]
    assert [b.cursor for b in batches] == [b.entries[-1].remote_id for b in batches]


def test_first_sync_takes_old_unread_and_starred(miniflux, backend, monkeypatch):
    monkeypatch.setattr(greader_module, "FIRST_SYNC_NEWEST", 1)
    _feed(miniflux, "old", [f"story {i}" for i in range(5)])
    ids = [e["id"] for e in miniflux.entries()]
    miniflux.api("PUT", "/v1/entries", json={"entry_ids": ids[:3], "status": "read"})
    miniflux.api("PUT", "/v1/entries", json={"entry_ids": [ids[0]], "starred": True})
    got = {int(e.remote_id): e for e in _all(backend.entries(None))}
    assert set(got) == {ids[0], ids[3], ids[4]}
    assert got[ids[0]].starred and got[ids[0]].read and not got[ids[3]].read


def test_read_and_starred_both_ways_and_replays_are_harmless(miniflux, backend):
    _feed(miniflux, "state", ["a", "b", "c"])
    a, b, c = [str(e["id"]) for e in miniflux.entries()]
    for _ in range(2):
        backend.set_read([a, b], True)
        backend.set_starred([b], True)
    server = {str(e["id"]): e for e in miniflux.entries()}
    assert [server[i]["status"] for i in (a, b, c)] == ["read", "read", "unread"]
    assert [server[i]["starred"] for i in (a, b, c)] == [False, True, False]
    assert backend.states().unread == {c} and backend.states().starred == {b}

    miniflux.api("PUT", "/v1/entries", json={"entry_ids": [int(a)], "status": "unread"})
    miniflux.api("PUT", "/v1/entries", json={"entry_ids": [int(c)], "starred": True})
    states = backend.states()
    assert states.unread == {a, c} and states.starred == {b, c}

    for _ in range(2):
        backend.set_starred([b, c], False)
        backend.set_read([a, c], True)
    states = backend.states()
    assert states.unread == set() and states.starred == set()


def test_entries_by_id_in_either_spelling(miniflux, backend):
    _feed(miniflux, "byid", [UKRAINIAN])
    entry = miniflux.entries()[0]
    got = backend.entries_by_id([long_id(str(entry["id"]))])
    assert [(e.remote_id, e.title) for e in got] == [(str(entry["id"]), UKRAINIAN)]


def test_mark_all_as_read(miniflux, backend):
    feed_id, _ = _feed(miniflux, "all", ["x", "y"])
    backend.mark_all_read(f"feed/{feed_id}")
    assert backend.states().unread == set()


def test_subscribe_into_a_folder_and_unsubscribe_twice(miniflux, backend):
    miniflux.category_id(UKRAINIAN)
    url = miniflux.feed_server.publish(f"{miniflux.username}-sub", "Стрічка",
                                       [Item("s1", "перша")])
    feed = backend.subscribe(url, title="Моя стрічка", category=UKRAINIAN)
    assert feed.url == url and feed.title == "Моя стрічка"
    assert feed.categories == (UKRAINIAN,)
    assert backend.subscribe(url).remote_id == feed.remote_id     # a replay
    backend.unsubscribe(feed.remote_id)
    backend.unsubscribe(feed.remote_id)
    assert [f for f in backend.feeds() if f.url == url] == []


def test_subscribe_to_nothing_is_one_line(miniflux, backend):
    with pytest.raises(SyncError) as caught:
        backend.subscribe(miniflux.feed_server.base + "/missing.xml")
    assert caught.value.kind == "server" and "\n" not in str(caught.value)
    assert "missing.xml" in str(caught.value) and "404" in str(caught.value)


def test_set_categories_moves_the_feed(miniflux, backend):
    feed_id, _ = _feed(miniflux, "cat", ["x"], category="Old")
    miniflux.category_id(JAPANESE)
    backend.set_categories(f"feed/{feed_id}", [JAPANESE])
    assert {f.remote_id: f for f in backend.feeds()}[f"feed/{feed_id}"].categories == (JAPANESE,)
    with pytest.raises(SyncError) as caught:
        backend.set_categories("feed/987654", ["x"])
    assert caught.value.kind == "unsupported"


@pytest.mark.parametrize("login, body", [
    (b"Auth=abc\n", b"<html>no json</html>"),
    (b"Auth=abc\n", b'{"subscriptions": "nope"}'),
    (b"<html>a login page</html>", b"{}"),
])
def test_a_server_that_answers_garbage_is_a_protocol_error(canned_server, login, body):
    canned_server.script = [(200, login), (200, body)]
    canned_server.answer(body)
    b = GReaderBackend(canned_server.url, "u", "p")
    with pytest.raises(SyncError) as caught:
        b.feeds()
    assert caught.value.kind == "protocol"
    b.close()


def test_garbage_item_ids_from_the_server_are_a_protocol_error(canned_server):
    canned_server.script = [(200, b"Auth=abc\n")]
    canned_server.answer(b'{"itemRefs": [{"id": "<script>"}]}')
    b = GReaderBackend(canned_server.url, "u", "p")
    with pytest.raises(SyncError) as caught:
        b.states()
    assert caught.value.kind == "protocol" and "\n" not in str(caught.value)
    b.close()


def test_subscribe_to_a_page_without_a_feed_is_refused_for_good(miniflux, backend,
                                                               canned_server):
    canned_server.answer(b"<html><head><title>no feed here</title></head></html>",
                         content_type="text/html")
    with pytest.raises(SyncError) as caught:
        backend.subscribe(canned_server.url + "/page.html")
    # Miniflux answers 500 with its reason: retried later, and the line says why.
    assert caught.value.kind == "server" and "\n" not in str(caught.value)
    assert "page.html" in str(caught.value) and "feed format" in str(caught.value)


def test_quickadd_finding_no_feed_is_refused_for_good(canned_server):
    """FreshRSS and others answer {"numResults": 0} when a page has no feed."""
    canned_server.script = [(200, b"Auth=abc\n"), (200, b'{"subscriptions": []}'),
                            (200, b"token"), (200, b'{"numResults": 0}')]
    b = GReaderBackend(canned_server.url, "u", "p")
    with pytest.raises(SyncError) as caught:
        b.subscribe("https://example.org/page.html")
    assert caught.value.kind == "unsupported" and "no feed found" in str(caught.value)
    assert canned_server.requests[-1] == "POST /reader/api/0/subscription/quickadd"
    b.close()
