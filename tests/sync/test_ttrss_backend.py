"""The tt-rss backend against a real Tiny Tiny RSS (tests/sync/ttrss_server.py): each test
has a user of its own, feeds of its own, and checks what the server itself then holds."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from reader.core.sources.sync.base import SyncError
from reader.core.sources.sync import ttrss as ttrss_module
from reader.core.sources.sync.ttrss import TTRSSBackend

from .postgres import free_port
from .servers import CannedServer
from .ttrss_server import TtrssServer, TtrssUser, rss, start_ttrss

UKRAINIAN = "Київ: новини дня — «тест» і ґанок"
JAPANESE = "東京の天気は晴れ、気温は二十度です"


@pytest.fixture
def user(ttrss: TtrssServer) -> TtrssUser:
    return ttrss.add_user()


@pytest.fixture
def backend(ttrss: TtrssServer, user: TtrssUser) -> Iterator[TTRSSBackend]:
    b = TTRSSBackend(ttrss.url, user.login, user.password)
    try:
        yield b
    finally:
        b.close()


def items(prefix: str, count: int, start: int = 0) -> list[dict]:
    return [{"guid": f"{prefix}-{n}", "title": f"{prefix} {n}", "html": f"<p>{prefix} {n}</p>",
             "date": 1_700_000_000 + n} for n in range(start, start + count)]


def feed(ttrss: TtrssServer, user: TtrssUser, name: str, entries: list[dict],
         title: str = "", category_id: int = 0) -> int:
    """A feed of the user's, subscribed and fetched by tt-rss: its id."""
    url = ttrss.feeds.publish(f"{user.login}/{name}.xml", rss(title or name, entries))
    feed_id = user.subscribe(url, category_id)
    user.update_feed(feed_id)
    return feed_id


def pulled(backend: TTRSSBackend, cursor: str | None) -> tuple[list, str | None]:
    entries, last = [], cursor
    for batch in backend.entries(cursor):
        entries += batch.entries
        last = batch.cursor
    return entries, last


# -- logging in


def test_check_logs_in_and_names_the_server(ttrss: TtrssServer, backend: TTRSSBackend,
                                           user: TtrssUser) -> None:
    line = backend.check()
    assert "tt-rss" in line and "API level 15" in line and user.login in line
    assert "\n" not in line
    assert ttrss.start_seconds < 30


@pytest.mark.parametrize("url_tail", ["", "/", "/api/", "api"])
def test_the_url_may_name_the_api_or_not(ttrss: TtrssServer, user: TtrssUser,
                                         url_tail: str) -> None:
    b = TTRSSBackend(ttrss.url.rstrip("/") + ("/" + url_tail.strip("/") if url_tail.strip("/")
                                              else url_tail), user.login, user.password)
    try:
        assert b.feeds() == []
    finally:
        b.close()


def test_wrong_password_is_auth_and_never_shows_the_password(ttrss: TtrssServer,
                                                             user: TtrssUser) -> None:
    secret = "неправильний-пароль-4821"
    b = TTRSSBackend(ttrss.url, user.login, secret)
    with pytest.raises(SyncError) as caught:
        b.check()
    b.close()
    assert caught.value.kind == "auth"
    assert secret not in str(caught.value) and "\n" not in str(caught.value)
    assert "password" in str(caught.value)


def test_unknown_user_is_auth(ttrss: TtrssServer) -> None:
    b = TTRSSBackend(ttrss.url, "nobody-here", "x")
    with pytest.raises(SyncError) as caught:
        b.feeds()
    b.close()
    assert caught.value.kind == "auth"


def test_api_disabled_says_where_to_turn_it_on(ttrss: TtrssServer) -> None:
    off = ttrss.add_user(api=False)
    b = TTRSSBackend(ttrss.url, off.login, off.password)
    with pytest.raises(SyncError) as caught:
        b.states()
    b.close()
    assert caught.value.kind == "auth"
    assert "Enable API" in str(caught.value) and off.password not in str(caught.value)


def test_an_expired_session_is_renewed_by_one_login(ttrss: TtrssServer, backend: TTRSSBackend,
                                                    user: TtrssUser) -> None:
    feed(ttrss, user, "session", items("s", 2))
    assert len(backend.states().unread) == 2
    old_session = backend._sid
    ttrss.sql("DELETE FROM ttrss_sessions")     # every session gone, as after expiry
    assert len(backend.states().unread) == 2
    assert backend._sid != old_session


def test_a_closed_port_is_unreachable(user: TtrssUser) -> None:
    b = TTRSSBackend(f"http://127.0.0.1:{free_port()}/", user.login, user.password)
    with pytest.raises(SyncError) as caught:
        b.check()
    b.close()
    assert caught.value.kind == "unreachable" and user.password not in str(caught.value)


def test_a_server_stopped_mid_sync_is_unreachable() -> None:
    server = start_ttrss()
    try:
        u = server.add_user()
        b = TTRSSBackend(server.url, u.login, u.password)
        assert b.feeds() == []
        server.stop_php()
        with pytest.raises(SyncError) as caught:
            b.states()
        assert caught.value.kind == "unreachable"
        assert u.password not in str(caught.value) and "\n" not in str(caught.value)
        b.close()     # (its logout fails quietly: the server is gone)
    finally:
        server.stop()


def test_a_page_that_is_not_tt_rss_is_a_protocol_error(ttrss: TtrssServer,
                                                       user: TtrssUser) -> None:
    b = TTRSSBackend(ttrss.url + "no-such-dir/", user.login, user.password)
    with pytest.raises(SyncError) as caught:
        b.check()
    b.close()
    assert caught.value.kind == "protocol"


def test_garbage_and_an_old_api_level_are_refused(canned_server: CannedServer) -> None:
    b = TTRSSBackend(canned_server.url, "me", "secret-pw")
    canned_server.answer(b'{"status": 0, "content": ["not what login gives"]}')
    with pytest.raises(SyncError) as caught:
        b.check()
    assert caught.value.kind == "protocol"
    canned_server.answer(b'{"seq": 0, "status": 0, "content": '
                         b'{"session_id": "abc", "api_level": 14}}')
    with pytest.raises(SyncError) as caught:
        b.check()
    assert caught.value.kind == "protocol" and "API level 14 is too old" in str(caught.value)
    canned_server.answer(b"<html>a login page</html>", content_type="text/html")
    with pytest.raises(SyncError) as caught:
        b.check()
    assert caught.value.kind == "protocol" and "secret-pw" not in str(caught.value)
    b.close()


def test_a_session_lost_again_after_the_new_login_is_one_line(
        canned_server: CannedServer) -> None:
    login = b'{"seq": 0, "status": 0, "content": {"session_id": "s1", "api_level": 15}}'
    lost = b'{"seq": 0, "status": 1, "content": {"error": "NOT_LOGGED_IN"}}'
    canned_server.script = [(200, login), (200, lost), (200, login), (200, lost)]
    b = TTRSSBackend(canned_server.url, "me", "secret-pw")
    with pytest.raises(SyncError) as caught:
        b.states()
    assert caught.value.kind == "server" and "session" in str(caught.value)
    assert len(canned_server.requests) == 4          # one new login, not a loop
    b.close()


# -- subscriptions


def test_categories_become_the_feeds_categories(ttrss: TtrssServer, backend: TTRSSBackend,
                                                user: TtrssUser) -> None:
    news = user.add_category("Новини")
    japan = user.add_category("日本")
    a = feed(ttrss, user, "ua", items("ua", 1), title=UKRAINIAN, category_id=news)
    b = feed(ttrss, user, "jp", items("jp", 1), title=JAPANESE, category_id=japan)
    c = feed(ttrss, user, "plain", items("plain", 1), title="Plain")
    got = {f.remote_id: f for f in backend.feeds()}
    assert set(got) == {str(a), str(b), str(c)}
    assert (got[str(a)].title, got[str(a)].categories) == (UKRAINIAN, ("Новини",))
    assert (got[str(b)].title, got[str(b)].categories) == (JAPANESE, ("日本",))
    assert got[str(c)].categories == ()
    assert got[str(a)].url == ttrss.feeds.url(f"{user.login}/ua.xml")


def test_subscribe_files_under_the_category_and_a_replay_is_harmless(
        ttrss: TtrssServer, backend: TTRSSBackend, user: TtrssUser) -> None:
    user.add_category("Новини")
    url = ttrss.feeds.publish(f"{user.login}/new.xml", rss(UKRAINIAN, items("n", 2)))
    first = backend.subscribe(url, category="НОВИНИ")       # names match folded
    assert first.url == url and first.categories == ("Новини",)
    assert first.title == UKRAINIAN                          # tt-rss read the feed's title
    again = backend.subscribe(url, category="Новини")
    assert again.remote_id == first.remote_id
    assert [f.remote_id for f in backend.feeds()] == [first.remote_id]
    # No such category: the API cannot create one, so the feed goes in uncategorized.
    other = ttrss.feeds.publish(f"{user.login}/other.xml", rss("Other", items("o", 1)))
    assert backend.subscribe(other, category="Нема такої").categories == ()


def test_subscribe_refusals_are_one_line_each(ttrss: TtrssServer, backend: TTRSSBackend,
                                              user: TtrssUser) -> None:
    page = ttrss.feeds.publish(f"{user.login}/page.html", "<html><body>hi</body></html>",
                               content_type="text/html")
    two = ttrss.feeds.publish(
        f"{user.login}/two.html",
        '<html><head><link rel="alternate" type="application/rss+xml" href="/a.xml">'
        '<link rel="alternate" type="application/atom+xml" href="/b.xml"></head></html>',
        content_type="text/html")
    cases = [("not a url at all", "unsupported", "not a valid address"),
             (page, "unsupported", "found no feed"),
             (two, "unsupported", "several feeds"),
             (ttrss.feeds.url(f"{user.login}/missing.xml"), "server", "could not fetch")]
    for url, kind, words in cases:
        with pytest.raises(SyncError) as caught:
            backend.subscribe(url)
        assert caught.value.kind == kind, url
        assert words in str(caught.value) and "\n" not in str(caught.value)
    assert backend.feeds() == []


def test_unsubscribe_and_its_replay(ttrss: TtrssServer, backend: TTRSSBackend,
                                    user: TtrssUser) -> None:
    keep = feed(ttrss, user, "keep", items("k", 1))
    gone = feed(ttrss, user, "gone", items("g", 1))
    backend.unsubscribe(str(gone))
    assert [f.remote_id for f in backend.feeds()] == [str(keep)]
    backend.unsubscribe(str(gone))            # replayed after a kill: nothing happens
    assert [f.remote_id for f in backend.feeds()] == [str(keep)]
    with pytest.raises(SyncError) as caught:
        backend.unsubscribe("not-an-id")
    assert caught.value.kind == "unsupported"


def test_categories_cannot_be_set(backend: TTRSSBackend) -> None:
    assert backend.capabilities.categories_edit is False
    assert backend.capabilities.labels and backend.capabilities.published
    with pytest.raises(SyncError) as caught:
        backend.set_categories("1", ["x"])
    assert caught.value.kind == "unsupported"


# -- entries


def test_since_cursor_only_the_new_entries_come(ttrss: TtrssServer, backend: TTRSSBackend,
                                                user: TtrssUser) -> None:
    feed_id = feed(ttrss, user, "grow", items("g", 3))
    first, cursor = pulled(backend, None)
    assert sorted(e.title for e in first) == ["g 0", "g 1", "g 2"]
    assert cursor == str(max(int(e.remote_id) for e in first))
    assert {e.feed_remote_id for e in first} == {str(feed_id)}
    assert pulled(backend, cursor) == ([], cursor)           # nothing new: no batch at all
    ttrss.feeds.publish(f"{user.login}/grow.xml", rss("grow", items("g", 5)))
    user.update_feed(feed_id)
    new, cursor2 = pulled(backend, cursor)
    assert sorted(e.title for e in new) == ["g 3", "g 4"]
    assert int(cursor2) > int(cursor)
    entry = next(e for e in new if e.title == "g 3")
    assert entry.published == 1_700_000_003 and not entry.read and not entry.starred
    assert entry.url == "http://example.org/g-3" and "g 3" in entry.content_html


def test_paging_past_200_a_call(ttrss: TtrssServer, backend: TTRSSBackend,
                                user: TtrssUser) -> None:
    feed_id = feed(ttrss, user, "big", items("b", 230))
    batches = list(backend.entries(None))
    ids = [e.remote_id for b in batches for e in b.entries]
    assert len(ids) == len(set(ids)) == 230
    top = str(max(int(i) for i in ids))
    # The cursor moves only with the last batch: a pull broken off earlier starts again.
    assert [b.cursor for b in batches][-1] == top and not any(b.cursor for b in batches[:-1])
    ttrss.feeds.publish(f"{user.login}/big.xml", rss("big", items("b", 450)))
    user.update_feed(feed_id)
    batches = list(backend.entries(top))
    new = [e.remote_id for b in batches for e in b.entries]
    assert len(new) == len(set(new)) == 220 and not set(new) & set(ids)
    assert [b.cursor for b in batches] == [top, str(max(int(i) for i in new))]
    states = backend.states()                 # three pages of unread ids
    assert len(states.unread) == 450 and states.starred == frozenset()
    assert len(backend.entries_by_id(sorted(states.unread)[:210])) == 210
    # A feed's own sets (the state check's way), paged past 200 as well.
    assert backend.feed_states([str(feed_id)], []).unread == states.unread
    user.call("updateArticle", article_ids=",".join(sorted(states.unread)[:230]), field=0,
              mode=1)
    assert backend.states().starred == set(sorted(states.unread)[:230])


def test_the_first_sync_takes_the_newest_and_every_unread_one(
        ttrss: TtrssServer, backend: TTRSSBackend, user: TtrssUser, monkeypatch) -> None:
    monkeypatch.setattr(ttrss_module, "FIRST_SYNC_NEWEST", 200)
    feed(ttrss, user, "long", items("l", 210))
    old = {row["title"]: row["id"] for row in user.call(
        "getHeadlines", feed_id=-4, view_mode="all_articles", skip=200)}
    assert len(old) == 10
    # Of the 10 beyond the newest 200, 5 are read: not taken; the 5 unread ones are.
    user.call("updateArticle", article_ids=",".join(str(old[f"l {n}"]) for n in range(5)),
              field=2, mode=0)
    entries, cursor = pulled(backend, None)
    titles = [e.title for e in entries]
    assert len(titles) == len(set(titles)) == 205 and "l 209" in titles
    assert not {f"l {n}" for n in range(5)} & set(titles)
    assert cursor == str(max(int(e.remote_id) for e in entries))
    assert pulled(backend, cursor) == ([], cursor)


def test_entries_by_id_skips_what_the_server_no_longer_has(
        ttrss: TtrssServer, backend: TTRSSBackend, user: TtrssUser) -> None:
    feed(ttrss, user, "some", items("s", 2))
    ids = sorted(backend.states().unread)
    got = backend.entries_by_id([*ids, "999999"])
    assert sorted(e.remote_id for e in got) == ids
    assert backend.entries_by_id([]) == []


def test_read_and_starred_both_ways(ttrss: TtrssServer, backend: TTRSSBackend,
                                    user: TtrssUser) -> None:
    feed(ttrss, user, "flags", items("f", 4))
    entries, _ = pulled(backend, None)
    by_title = {e.title: e.remote_id for e in entries}
    a, b, old = by_title["f 0"], by_title["f 1"], by_title["f 3"]
    # Here -> server.
    backend.set_read([a, b], True)
    backend.set_starred([a], True)
    assert set(user.headline_ids(view_mode="unread")) == {int(by_title["f 2"]), int(old)}
    assert user.headline_ids(feed_id=-1) == [int(a)]
    # Server -> here: another client marks read, and stars an old article.
    user.call("updateArticle", article_ids=old, field=2, mode=0)
    user.call("updateArticle", article_ids=old, field=0, mode=1)
    user.call("updateArticle", article_ids=a, field=0, mode=0)
    states = backend.states()
    assert states.unread == {by_title["f 2"]}
    assert states.starred == {old}
    [fetched] = backend.entries_by_id([old])
    assert fetched.starred and fetched.read
    # And back: unread and unstarred from here.
    backend.set_read([old], False)
    backend.set_starred([old], False)
    assert backend.states() == type(states)(unread=frozenset({by_title["f 2"], old}),
                                            starred=frozenset())


def test_replaying_a_push_changes_nothing(ttrss: TtrssServer, backend: TTRSSBackend,
                                          user: TtrssUser) -> None:
    feed(ttrss, user, "replay", items("r", 3))
    ids = sorted(backend.states().unread)
    for _ in range(2):       # the push, and its replay after a kill before it was crossed off
        backend.set_read(ids[:2], True)
        backend.set_starred(ids[1:], True)
    states = backend.states()
    assert states.unread == {ids[2]} and states.starred == set(ids[1:])
    backend.set_read([], True)                # nothing to send: no call, no error
    with pytest.raises(SyncError) as caught:
        backend.set_read(["abc"], True)       # an id tt-rss can never have
    assert caught.value.kind == "unsupported"
    assert backend.states() == states


def test_published_and_mark_all_read(ttrss: TtrssServer, backend: TTRSSBackend,
                                     user: TtrssUser) -> None:
    first = feed(ttrss, user, "one", items("one", 3))
    feed(ttrss, user, "two", items("two", 2))
    ids = sorted(backend.states().unread)
    backend.set_published(ids[:1], True)
    assert user.headline_ids(feed_id=-2) == [int(ids[0])]
    backend.mark_all_read(str(first))
    assert {e.title for e in backend.entries_by_id(sorted(backend.states().unread))} == \
        {"two 0", "two 1"}


def test_ukrainian_and_japanese_text_and_labels_intact(ttrss: TtrssServer, backend: TTRSSBackend,
                                                       user: TtrssUser) -> None:
    entry = {"guid": "uk-1", "title": UKRAINIAN, "author": "Олена Пчілка",
             "html": f"<p>{UKRAINIAN}</p><p>{JAPANESE}</p>", "date": 1_700_000_000}
    feed(ttrss, user, "intl", [entry], title=JAPANESE)
    [article] = pulled(backend, None)[0]
    user.add_label("Важливе", int(article.remote_id))
    assert article.title == UKRAINIAN
    # As the feed gave it: tt-rss's own sanitizer would write &#...; references instead.
    assert article.content_html == entry["html"]
    [again] = backend.entries_by_id([article.remote_id])
    assert again.title == UKRAINIAN and again.labels == ("Важливе",)
    assert again.content_html == entry["html"]
    [headline] = pulled(backend, str(int(article.remote_id) - 1))[0]
    assert headline.labels == ("Важливе",)


def test_an_incremental_pull_with_nothing_new_is_quick(ttrss: TtrssServer, backend: TTRSSBackend,
                                                       user: TtrssUser) -> None:
    feed(ttrss, user, "quiet", items("q", 20))
    _, cursor = pulled(backend, None)
    backend.feeds()
    started = time.monotonic()
    backend.feeds()
    assert pulled(backend, cursor)[0] == []
    backend.states()
    # (a sanity bound for a broken loop, not a benchmark: the target is 1 s)
    assert time.monotonic() - started < 10


# -- the whole sync through reader's Library


def test_a_sync_through_the_library_carries_both_ways(ttrss: TtrssServer, user: TtrssUser,
                                                      tmp_path, monkeypatch) -> None:
    from reader.core.config import Config
    from reader.core.library import Library

    news = user.add_category("Новини")
    feed(ttrss, user, "lib", items("l", 3) + [{"guid": "uk", "title": UKRAINIAN,
                                              "html": f"<p>{JAPANESE}</p>"}],
         title="Українська правда", category_id=news)
    monkeypatch.setenv("READER_SYNC_PASSWORD", user.password)
    lib = Library(tmp_path / "r.db", Config(sync={"service": "ttrss", "url": ttrss.url,
                                                  "username": user.login}))
    try:
        summary = lib.sync()
        assert summary.error is None and summary.new_articles == 4
        [local_feed] = lib.feeds()
        assert local_feed.title == "Українська правда" and "Новини" in local_feed.tags
        local = {a.title: a for a in lib.articles()}
        assert JAPANESE in local[UKRAINIAN].content
        assert [a.title for a in lib.articles("東京の天気は晴れ")] == [UKRAINIAN]
        # Another client stars an old article and reads one; here one is read.
        server_ids = {row["title"]: row["id"] for row in user.call(
            "getHeadlines", feed_id=-4, view_mode="all_articles")}
        user.call("updateArticle", article_ids=str(server_ids["l 0"]), field=0, mode=1)
        user.call("updateArticle", article_ids=str(server_ids["l 1"]), field=2, mode=0)
        lib.set_read([local["l 2"].id])
        summary = lib.sync()
        assert summary.error is None and summary.pushed == 1
        local = {a.title: a for a in lib.articles()}
        assert local["l 0"].starred and local["l 1"].read and local["l 2"].read
        assert set(user.headline_ids(view_mode="unread")) == {server_ids["l 0"],
                                                              server_ids[UKRAINIAN]}
    finally:
        lib.close()
