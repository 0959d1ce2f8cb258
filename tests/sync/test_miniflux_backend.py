"""MinifluxBackend against a real Miniflux 2.3.5 (tests/sync/conftest.py starts it)."""

from __future__ import annotations

import pytest

from reader.core.sources.sync import client as sync_client
from reader.core.sources.sync import miniflux as miniflux_module
from reader.core.sources.sync.base import SyncError
from reader.core.sources.sync.miniflux import MinifluxBackend

from .postgres import free_port
from .servers import Item

UKRAINIAN = "Війна в Україні"
JAPANESE = "日本のニュース"


@pytest.fixture
def backend(miniflux):
    # An API key: basic auth costs Miniflux a bcrypt check on every request.
    b = MinifluxBackend(miniflux.url, "", miniflux.api_key)
    yield b
    b.close()


def _feed(miniflux, name, titles, category=None):
    return miniflux.publish_feed(name, titles, category)


def _all(batches):
    return [entry for batch in batches for entry in batch.entries]


def test_check_with_api_key_and_with_password(miniflux, backend):
    assert backend.check() == f"Miniflux 2.3.5, user {miniflux.username}"
    by_password = MinifluxBackend(miniflux.url + "/v1/", miniflux.username, miniflux.password)
    try:
        assert by_password.check() == f"Miniflux 2.3.5, user {miniflux.username}"
        assert by_password.feeds() == []
    finally:
        by_password.close()


def test_a_wrong_api_key_is_an_auth_error(miniflux):
    b = MinifluxBackend(miniflux.url, "", "0" * 43 + "=")
    with pytest.raises(SyncError) as caught:
        b.check()
    assert caught.value.kind == "auth" and "0" * 20 not in str(caught.value)
    b.close()


def test_wrong_password_is_an_auth_error_that_never_shows_it(miniflux):
    wrong = "not-the-password-Zx9"
    b = MinifluxBackend(miniflux.url, miniflux.username, wrong)
    with pytest.raises(SyncError) as caught:
        b.check()
    assert caught.value.kind == "auth"
    assert wrong not in str(caught.value) and miniflux.password not in str(caught.value)
    b.close()


def test_a_stopped_server_is_unreachable():
    b = MinifluxBackend(f"http://127.0.0.1:{free_port()}", "someone", "secret-pw")
    with pytest.raises(SyncError) as caught:
        b.feeds()
    assert caught.value.kind == "unreachable"
    assert "secret-pw" not in str(caught.value)


def test_feeds_and_categories_keep_ukrainian_and_japanese(miniflux, backend):
    ua_id, ua_url = _feed(miniflux, "ua", [UKRAINIAN], category=UKRAINIAN)
    jp_id, jp_url = _feed(miniflux, "jp", [JAPANESE], category=JAPANESE)
    feeds = {f.remote_id: f for f in backend.feeds()}
    assert feeds[str(ua_id)].url == ua_url and feeds[str(ua_id)].categories == (UKRAINIAN,)
    assert feeds[str(jp_id)].categories == (JAPANESE,)
    assert feeds[str(jp_id)].title == "Feed jp"
    titles = {e.title for e in _all(backend.entries(None))}
    assert titles == {UKRAINIAN, JAPANESE}


def test_entries_new_since_the_cursor(miniflux, backend):
    feed_id, _ = _feed(miniflux, "news", ["один", "二", "three"])
    first = list(backend.entries(None))
    assert {e.title for e in _all(first)} == {"один", "二", "three"}
    cursor = first[-1].cursor
    assert list(backend.entries(cursor)) == []

    name = f"{miniflux.username}-news"
    miniflux.feed_server.add_item(name, Item("news-9", "Нова стаття"))
    miniflux.feed_server.add_item(name, Item("news-10", "新しい記事"))
    miniflux.refresh_feed(feed_id, expect=5)
    new = _all(backend.entries(cursor))
    assert sorted(e.title for e in new) == sorted(["Нова стаття", "新しい記事"])
    assert all(e.feed_remote_id == str(feed_id) and not e.read for e in new)
    assert [int(e.remote_id) for e in new] == sorted(int(e.remote_id) for e in new)


def test_pulls_in_batches_oldest_first_with_a_cursor_each(miniflux, backend, monkeypatch):
    monkeypatch.setattr(miniflux_module, "BATCH", 2)
    _feed(miniflux, "many", [f"item {i}" for i in range(5)])
    batches = list(backend.entries("0"))
    assert [len(b.entries) for b in batches] == [2, 2, 1]
    assert [b.cursor for b in batches] == [b.entries[-1].remote_id for b in batches]
    ids = [int(e.remote_id) for e in _all(batches)]
    assert ids == sorted(ids)


def test_first_sync_takes_old_unread_and_starred_beyond_the_newest(miniflux, backend,
                                                                  monkeypatch):
    monkeypatch.setattr(miniflux_module, "FIRST_SYNC_NEWEST", 2)
    monkeypatch.setattr(miniflux_module, "BATCH", 2)
    _feed(miniflux, "old", [f"story {i}" for i in range(7)])
    ids = [e["id"] for e in miniflux.entries()]
    old_unread, old_starred, newest = ids[1], ids[2], ids[-2:]
    old_read = [i for i in ids[:-2] if i != old_unread]
    miniflux.api("PUT", "/v1/entries", json={"entry_ids": old_read, "status": "read"})
    miniflux.api("PUT", "/v1/entries", json={"entry_ids": [old_starred], "starred": True})
    batches = list(backend.entries(None))
    got = [int(e.remote_id) for e in _all(batches)]
    assert sorted(got) == sorted([old_unread, old_starred, *newest])
    assert len(got) == len(set(got))
    starred = {int(e.remote_id) for e in _all(batches) if e.starred}
    assert starred == {old_starred}
    # Everything above the cursor of the last batch is pulled next time: nothing.
    assert list(backend.entries(batches[-1].cursor)) == []


def test_read_and_starred_both_ways_and_replays_are_harmless(miniflux, backend):
    _feed(miniflux, "state", ["a", "b", "c"])
    a, b, c = [str(e["id"]) for e in miniflux.entries()]
    assert backend.states().unread == {a, b, c} and backend.states().starred == set()

    for _ in range(2):   # the same push twice (a replay after a lost answer)
        backend.set_read([a, b], True)
        backend.set_starred([b], True)
    server = {str(e["id"]): e for e in miniflux.entries()}
    assert [server[i]["status"] for i in (a, b, c)] == ["read", "read", "unread"]
    assert [server[i]["starred"] for i in (a, b, c)] == [False, True, False]
    states = backend.states()
    assert states.unread == {c} and states.starred == {b}

    # Changes made on the server (another client) come back in states().
    miniflux.api("PUT", "/v1/entries", json={"entry_ids": [int(a)], "status": "unread"})
    miniflux.api("PUT", "/v1/entries", json={"entry_ids": [int(c)], "starred": True})
    states = backend.states()
    assert states.unread == {a, c} and states.starred == {b, c}

    for _ in range(2):
        backend.set_starred([b, c], False)
        backend.set_read([a], False)
    states = backend.states()
    assert states.unread == {a, c} and states.starred == set()


def test_entries_by_id_skips_what_the_server_no_longer_has(miniflux, backend):
    _feed(miniflux, "byid", [UKRAINIAN, "other"])
    first = miniflux.entries()[0]
    got = backend.entries_by_id([str(first["id"]), "987654321"])
    assert [(e.remote_id, e.title) for e in got] == [(str(first["id"]), first["title"])]


def test_ids_miniflux_cannot_have_are_refused_for_good(backend):
    with pytest.raises(SyncError) as caught:
        backend.set_read(["tag:google.com,2005:reader/item/00ff"], True)
    assert caught.value.kind == "unsupported"


def test_subscribe_creates_the_category_and_a_replay_finds_the_feed(miniflux, backend):
    url = miniflux.feed_server.publish(f"{miniflux.username}-sub", "Стрічка",
                                       [Item("s1", "перша")])
    feed = backend.subscribe(url, title="Моя стрічка", category=UKRAINIAN)
    assert feed.url == url and feed.title == "Моя стрічка" and feed.categories == (UKRAINIAN,)
    again = backend.subscribe(url, category=UKRAINIAN)
    assert again.remote_id == feed.remote_id
    titles = [c["title"] for c in miniflux.api("GET", "/v1/categories")]
    assert titles.count(UKRAINIAN) == 1

    backend.unsubscribe(feed.remote_id)
    backend.unsubscribe(feed.remote_id)   # a replay: already gone, fine
    assert [f for f in miniflux.feeds() if f["feed_url"] == url] == []


def test_subscribe_to_something_that_is_no_feed_is_one_line(miniflux, backend):
    with pytest.raises(SyncError) as caught:
        backend.subscribe(miniflux.feed_server.base + "/nothing-here.xml")
    # The site may come back: the change is retried, and the line says why it failed.
    assert caught.value.kind == "server" and "\n" not in str(caught.value)
    assert "nothing-here.xml" in str(caught.value) and "404" in str(caught.value)


def test_set_categories_uses_the_first_tag_matched_by_fold(miniflux, backend):
    feed_id, _ = _feed(miniflux, "cat", ["x"], category="НОВИНИ")
    backend.set_categories(str(feed_id), ["новини", "ignored"])
    categories = [c["title"] for c in miniflux.api("GET", "/v1/categories")]
    assert categories.count("НОВИНИ") == 1 and "новини" not in categories
    backend.set_categories(str(feed_id), [JAPANESE])
    assert miniflux.api("GET", f"/v1/feeds/{feed_id}")["category"]["title"] == JAPANESE


@pytest.mark.parametrize("body", [b"<html>not json</html>", b'["a list"]',
                                  b'{"entries": [{"id": "x"}]}', b'{"entries": "nope"}'])
def test_a_server_that_answers_garbage_is_a_protocol_error(canned_server, body):
    canned_server.answer(body, content_type="text/html")
    b = MinifluxBackend(canned_server.url, "u", "p")
    with pytest.raises(SyncError) as caught:
        list(b.entries("0"))
        b.feeds()
    assert caught.value.kind == "protocol"
    b.close()


def test_a_web_page_where_the_api_should_be_says_so(canned_server):
    canned_server.answer(b"<html><title>Miniflux</title>a login page</html>",
                         content_type="text/html")
    b = MinifluxBackend(canned_server.url + "/login", "u", "p")
    with pytest.raises(SyncError) as caught:
        b.check()
    assert str(caught.value) == (f"{canned_server.url}/login: not a Miniflux API (/v1/me"
                                 " answered with a page, not JSON; the url is Miniflux's"
                                 " own address)")
    assert caught.value.kind == "protocol"
    b.close()


def test_a_huge_answer_is_refused(canned_server, monkeypatch):
    monkeypatch.setattr(sync_client, "MAX_ANSWER", 1 << 20)
    canned_server.answer(3 << 20)
    b = MinifluxBackend(canned_server.url, "u", "p")
    with pytest.raises(SyncError) as caught:
        b.feeds()
    assert caught.value.kind == "protocol" and "larger" in str(caught.value)
    b.close()


def test_a_server_without_starred_in_put_entries_gets_toggles_only_where_needed(
        canned_server):
    """Miniflux before 2.2 refuses {"starred": ...} (400): read each state, toggle
    only the entries whose state differs, so a replay changes nothing."""
    canned_server.script = [
        (400, b'{"error_message": "either the status or the starred field"}'),
        (200, b'{"id": 7, "feed_id": 1, "starred": true}'),
        (200, b'{"id": 8, "feed_id": 1, "starred": false}'),
        (204, b""),
    ]
    b = MinifluxBackend(canned_server.url, "u", "p")
    b.set_starred(["7", "8"], True)
    assert canned_server.requests == ["PUT /v1/entries", "GET /v1/entries/7",
                                      "GET /v1/entries/8", "PUT /v1/entries/8/bookmark"]
    b.close()


def test_a_missing_server_skips_here_and_fails_in_ci(monkeypatch):
    from .postgres import unavailable
    monkeypatch.delenv("READER_REQUIRE_SERVERS", raising=False)
    with pytest.raises(pytest.skip.Exception):
        unavailable("no miniflux")
    monkeypatch.setenv("READER_REQUIRE_SERVERS", "1")
    with pytest.raises(pytest.fail.Exception):
        unavailable("no miniflux")
