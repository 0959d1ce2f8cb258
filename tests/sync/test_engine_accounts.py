"""The sync engine's accounts, passwords and bad answers, against a real Miniflux
(engine_fixtures.py) and, for what only a hostile or broken server sends,
canned_server (a real http.server answering canned bytes)."""
# ruff: noqa: F811 (the fixtures imported from engine_fixtures.py, named as arguments)

from __future__ import annotations

import json
import sys

import pytest

from reader.core.config import Config
from reader.core.errors import ConfigError
from reader.core.library import Library

# (lib, relay and server are fixtures: a test's argument of the same name is the fixture)
from .engine_fixtures import (  # noqa: F401
    SECRET,
    by_title,
    lib,
    make_lib,
    relay,
    remote_ids,
    server,
)


def test_another_account_forgets_the_old_ids(lib, server, miniflux, monkeypatch):
    lib.sync()
    lib.set_read(lib.article_ids("києві"))
    lib.config.sync["url"] = miniflux.url   # the same server by another port: the same ids
    assert lib.sync().pending == 0 and lib.resolve_feed("NHK").remote_id == str(server.jp_id)
    assert server.flags()["Київ: новини дня"][0] == "read"   # (pushed, not dropped)
    lib.set_read(lib.article_ids("києві"), False)   # queued for this account
    other = miniflux.server.create_user(miniflux.feed_server)
    try:
        monkeypatch.setenv("READER_SYNC_PASSWORD", other.password)
        lib.config.sync["username"] = other.username
        summary = lib.sync()
        assert summary.ok and summary.pending == 0 and summary.pushed == 0, summary.error
        assert other.feeds() == []   # (nothing of the first account went to the second)
    finally:
        other.close()
    assert len(lib.feeds()) == 2 and all(f.remote_id is None for f in lib.feeds())
    assert lib.count() == 4 and set(remote_ids(lib).values()) == {None}
    assert server.flags()["Київ: новини дня"][0] == "read"


def test_another_users_api_key_is_another_account(lib, server, miniflux, monkeypatch):
    assert lib.sync().ok
    other = miniflux.server.create_user(miniflux.feed_server)
    try:
        monkeypatch.setenv("READER_SYNC_PASSWORD", other.api_key)
        summary = lib.sync()
        assert summary.ok, summary.error
    finally:
        other.close()
    assert summary.feeds_removed == 0 and len(lib.feeds()) == 2 and lib.count() == 4
    assert all(f.remote_id is None for f in lib.feeds())


def test_password_command_and_the_secret_never_stored(lib, miniflux, tmp_path, capsys,
                                                      monkeypatch):
    monkeypatch.delenv("READER_SYNC_PASSWORD")
    lib.config.sync["username"] = miniflux.username   # (a password, not the API key)
    lib.config.sync["password_command"] = [sys.executable, "-c",
                                           f"print({miniflux.password!r})"]
    assert lib.sync().ok and lib.count() == 4
    lib.config.sync["password_command"] = [sys.executable, "-c", f"print({SECRET!r})"]
    summary = lib.sync()
    assert not summary.ok and "login refused" in summary.error
    assert SECRET not in summary.error and miniflux.password not in summary.error
    lib.store.close()
    for suffix in ("", "-wal"):
        p = tmp_path / ("r.db" + suffix)
        if p.exists():
            data = p.read_bytes()
            assert SECRET.encode() not in data and miniflux.password.encode() not in data
    out = capsys.readouterr()
    assert SECRET not in out.out + out.err and miniflux.password not in out.out + out.err


@pytest.fixture
def offline_lib(tmp_path, monkeypatch):
    """[sync] naming a port nothing listens on: for what fails before any request."""
    monkeypatch.setenv("READER_SYNC_PASSWORD", SECRET)
    library = make_lib(tmp_path / "r.db", "http://127.0.0.1:9", "me")
    yield library
    library.close()


@pytest.mark.parametrize("command, words", [
    ([sys.executable, "-c", "import sys; sys.exit(3)"], "failed (exit status 3)"),
    (["/nonexistent/pass-tool"], "cannot run /nonexistent/pass-tool"),
    ([sys.executable, "-c", "pass"], "printed no password"),
])
def test_password_command_failures_are_one_line(offline_lib, command, words):
    offline_lib.config.sync["password_command"] = command
    with pytest.raises(ConfigError) as info:
        offline_lib.sync()
    assert words in str(info.value) and "\n" not in str(info.value)
    assert offline_lib.sync_status().last_error == str(info.value)


@pytest.mark.parametrize("section, key", [
    ({"service": "newsblur", "url": "http://x"}, "service"),
    ({"service": "ttrss", "url": "ftp://x"}, "url"),
    ({"service": "ttrss", "url": "http://x", "username": 7}, "username"),
    ({"service": "ttrss", "url": "http://x", "password_command": 5}, "password_command"),
    ({"service": "ttrss", "url": "http://x", "pasword": "x"}, "pasword"),
])
def test_bad_sync_section_names_the_key(tmp_path, section, key):
    library = Library(tmp_path / "r.db", Config(sync=section))
    try:
        with pytest.raises(ConfigError) as info:
            library.sync()
        assert f"[sync] {key}" in str(info.value)
        assert library.sync_configured
    finally:
        library.close()


def miniflux_feed(feed_id: int, url: str, title: str, category: str) -> dict:
    return {"id": feed_id, "feed_url": url, "site_url": "", "title": title,
            "category": {"id": 1, "title": category}}


def test_hostile_entries_get_the_feeds_sanitizer_and_caps(canned_server, tmp_path,
                                                          monkeypatch):
    """A hostile server (canned: one answer for every entries and ids request)."""
    monkeypatch.setenv("READER_SYNC_PASSWORD", SECRET)
    lib = make_lib(tmp_path / "r.db", canned_server.url, "me")
    entry = {
        "id": 66, "feed_id": 1, "title": "[bold]Заголовок[/] " + "я" * 5000,
        "url": "javascript:alert(1)", "author": "\x1b]0;pwned\x07Автор",
        "content": "<p>Текст\x1b[2J " + "х" * 3_000_000 + "</p>", "hash": "hostile",
        "status": "unread", "starred": True, "published_at": "2026-11-01T09:00:00Z",
        "enclosures": [{"url": "file:///etc/passwd"},
                       {"url": "https://cdn.example/a.mp3", "mime_type": "audio/mpeg",
                        "size": 5}]}
    canned_server.script = [(200, json.dumps([miniflux_feed(
        1, "https://news.example.ua/rss", "Новини\x1b[31m", "Світ")]).encode())]
    canned_server.answer(json.dumps({"total": 1, "entries": [entry],
                                     "entry_ids": [66]}).encode())
    try:
        summary = lib.sync()
        assert summary.ok, summary.error
        (a,) = lib.articles()
        assert a.title.startswith("[bold]Заголовок[/]") and len(a.title) == 1000
        assert a.link == "" and a.author == "Автор" and a.starred and not a.read
        assert "\x1b" not in a.content and "Текст хх" in a.content[:20]
        assert len(a.content) < 1_100_000 and a.content.endswith("[article truncated]")
        assert [x.url for x in a.enclosures] == ["https://cdn.example/a.mp3"]
        assert [f.title for f in lib.feeds()] == ["Новини"]
    finally:
        lib.close()


def test_an_answer_the_backend_could_not_read_is_one_line(lib, server, miniflux,
                                                          canned_server):
    """The same server (host and user: the same account) answering an entry whose
    enclosures are a number: the sync says so in one line, and nothing held is lost."""
    assert lib.sync().ok
    canned_server.script = [(200, json.dumps({"username": miniflux.username}).encode()),
                            (200, json.dumps(miniflux.feeds()).encode())]   # (/v1/me first)
    canned_server.answer(json.dumps({"total": 1, "entries": [
        {"id": 10**9, "feed_id": server.ua_id, "title": "Зламана", "enclosures": 7}]}).encode())
    lib.config.sync["url"] = canned_server.url
    summary = lib.sync()
    assert summary.error == ("miniflux: an answer the sync could not read "
                             "(TypeError: 'int' object is not iterable)")
    assert lib.sync_status().last_error == summary.error
    assert lib.count() == 4 and len(lib.feeds()) == 2
