"""Fixtures for the sync tests: real servers on 127.0.0.1, started once per session.

miniflux_server  (session) the Miniflux process on its own PostgreSQL cluster
feed_site        (session) the http.server whose RSS feeds Miniflux fetches
canned_server    (function) an http.server answering whatever the test sets (bad answers)
miniflux         (function) a fresh Miniflux user: .url .username .password .api_key
                 .greader_url .feed_server .add_feed() .refresh_feed() .entries()
                 (see servers.MinifluxUser); tests never see each other's state

Without the Miniflux binary or PostgreSQL the tests skip, or fail when
$READER_REQUIRE_SERVERS is set (CI).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from .postgres import Postgres, start_postgres, unavailable
from .servers import CannedServer, FeedSite, MinifluxServer, MinifluxUser, miniflux_binary


@pytest.fixture(scope="session")
def feed_site() -> Iterator[FeedSite]:
    site = FeedSite()
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture(scope="session")
def miniflux_postgres() -> Iterator[Postgres]:
    if miniflux_binary() is None:
        unavailable("Miniflux is not installed (run .ci/servers/miniflux.sh "
                    "or set $READER_MINIFLUX)")
    pg = start_postgres()
    try:
        yield pg
    finally:
        pg.stop()


@pytest.fixture(scope="session")
def miniflux_server(miniflux_postgres: Postgres,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[MinifluxServer]:
    binary = miniflux_binary()
    assert binary is not None
    started = time.monotonic()
    server = MinifluxServer(binary, miniflux_postgres, tmp_path_factory.mktemp("miniflux"))
    server.start_seconds = time.monotonic() - started
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def miniflux(miniflux_server: MinifluxServer, feed_site: FeedSite) -> Iterator[MinifluxUser]:
    user = miniflux_server.create_user(feed_site)
    try:
        yield user
    finally:
        user.close()


@pytest.fixture
def canned_server() -> Iterator[CannedServer]:
    server = CannedServer()
    try:
        yield server
    finally:
        server.stop()


# -- Tiny Tiny RSS (tests/sync/ttrss_server.py) --
from .ttrss_server import TtrssServer, start_ttrss  # noqa: E402 (this block's own import)


@pytest.fixture(scope="session")
def ttrss() -> Iterator[TtrssServer]:
    """tt-rss on its own PostgreSQL cluster; .add_user() gives each test a clean user."""
    started = time.monotonic()
    server = start_ttrss()
    server.start_seconds = time.monotonic() - started
    try:
        yield server
    finally:
        server.stop()
