"""Shared by test_engine.py and test_engine_accounts.py: a Miniflux user with two
feeds (`server`), the TCP relay in front of Miniflux (`relay`, relay.py: takes the
server away, holds answers back, records what reader sent) and a Library syncing with
that user through it (`lib`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

from reader.core.config import Config
from reader.core.library import Library

from .relay import Relay
from .servers import Item, MinifluxUser

SECRET = "s3cr3t-Ключ-✓-7731"


def day(n: int) -> datetime:
    return datetime(2026, 11, n, 9, 0, tzinfo=timezone.utc)


@dataclass
class Server:
    """This test's Miniflux user and its two feeds, as Miniflux's own API shows them."""

    user: MinifluxUser
    ua_url: str
    jp_url: str
    ua_id: int
    jp_id: int

    def ids(self) -> dict[str, int]:
        return {e["title"]: e["id"] for e in self.user.entries()}

    def flags(self) -> dict[str, tuple[str, bool]]:
        return {e["title"]: (e["status"], e["starred"]) for e in self.user.entries()}

    def put(self, titles: list[str], **change: object) -> None:
        """Change entries as another device would (status="read", starred=True, ...)."""
        ids = self.ids()
        self.user.api("PUT", "/v1/entries", json={"entry_ids": [ids[t] for t in titles],
                                                  **change})

    def category(self, feed_id: int) -> str:
        return self.user.api("GET", f"/v1/feeds/{feed_id}")["category"]["title"]


@pytest.fixture
def relay(miniflux):
    r = Relay(int(miniflux.url.rsplit(":", 1)[1]))
    yield r
    r.release()
    r.down()


@pytest.fixture
def server(miniflux) -> Server:
    """Two feeds (Ukrainian, Japanese; one category each, as Miniflux keeps), four
    entries: one read and one starred on the server."""
    site, name = miniflux.feed_server, miniflux.username
    ua = site.publish(f"{name}-ua", "Українська правда", [
        Item(f"{name}-11", "Київ: новини дня", "<p>Сьогодні у <b>Києві</b> тепло</p>",
             published=day(1)),
        Item(f"{name}-12", "Друга новина", "<p>текст</p>", published=day(2))])
    jp = site.publish(f"{name}-jp", "NHKニュース", [
        Item(f"{name}-21", "東京の天気", "<p>晴れです</p>", published=day(1)),
        Item(f"{name}-22", "Выборы", "<p>Русский текст здесь</p>", published=day(2))])
    s = Server(miniflux, ua, jp, miniflux.add_feed(ua, "Новини"), miniflux.add_feed(jp, "日本"))
    s.put(["Друга новина"], status="read")
    s.put(["東京の天気"], starred=True)
    return s


def make_lib(path, url: str, username: str) -> Library:
    return Library(path, Config(sync={"service": "miniflux", "url": url, "username": username}))


@pytest.fixture
def lib(miniflux, server, relay, tmp_path, monkeypatch):
    """Logged in by the user's API key (no username): Miniflux checks a password with
    bcrypt on every request, a quarter of a second each on a busy machine."""
    monkeypatch.setenv("READER_SYNC_PASSWORD", miniflux.api_key)
    library = make_lib(tmp_path / "r.db", relay.url, "")
    yield library
    library.close()


def requests(relay: Relay, since: int = 0) -> list[str]:
    """The request lines ("GET /v1/feeds") reader sent through the relay since `since`."""
    return [f"{m.decode()} {p.decode()}" for m, p in re.findall(
        rb"(GET|PUT|POST|DELETE) (\S+) HTTP/1\.1\r\n", bytes(relay.seen[since:]))]


def by_title(lib):
    return {a.title: a for a in lib.articles()}


def remote_ids(lib):
    return dict(lib.store.execute("SELECT title, remote_id FROM articles").fetchall())
