"""The TUI's background sync against a real Miniflux (tests/sync/conftest.py): start-up
never waits for the server, the server's feeds appear, a star made in the TUI reaches the
server, and a server that cannot be reached is a line and a toast while reading goes on."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from reader.core.config import load_config
from reader.core.library import Library

from .servers import Item

pytest.importorskip("textual")
from reader.ui.app import make_app  # noqa: E402


def write_config(path: Path, url: str, username: str) -> Path:
    path.write_text(f'refresh_interval = 30\n[sync]\nservice = "miniflux"\nurl = "{url}"\n'
                    f'username = "{username}"\n', encoding="utf-8")
    return path


async def until(pilot, predicate, timeout: float = 60.0) -> None:
    """Pause until predicate() holds: a state, never a time (the sync runs in a child
    process that a loaded machine makes slow)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        assert loop.time() < end, "condition not met in time"
        await pilot.pause(0.05)


def progress_text(app) -> str:
    return str(app.main.query_one("#progress").render())


async def test_background_sync_brings_the_servers_feeds_and_pushes_a_star(miniflux, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("READER_SYNC_PASSWORD", miniflux.password)
    site, name = miniflux.feed_server, miniflux.username
    url = site.publish(f"{name}-tui", "Укрінформ", [
        Item(f"{name}-t{i}", f"Рада Європи {i}", "<p>Страсбург</p>") for i in range(3)])
    miniflux.refresh_feed(miniflux.add_feed(url, "Війна в Україні"), expect=3)
    config = load_config(write_config(tmp_path / "config.toml", miniflux.url, name))
    library = Library(tmp_path / "r.db", config)  # empty: no feeds here yet
    app = make_app(library, config, watch_db=False)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            # No welcome screen for an empty database that syncs: the server has feeds.
            await until(pilot, lambda: app.syncer.status is not None)
            assert app.screen is app.main
            assert "Synced" in progress_text(app) and "3 new" in progress_text(app)
            await until(pilot, lambda: app.main.view.count == 3)
            assert app.syncer.status.synced_feeds == 1 and app.syncer.status.pending == 0
            await pilot.press("F")  # the feeds view: a synced feed is fetched by the server
            await until(pilot, lambda: getattr(app.screen, "feeds", None))
            from textual.widgets import DataTable
            row = [str(c) for c in app.screen.query_one(DataTable).get_row_at(0)]
            assert row[1] == "Укрінформ" and row[2] == "synced" and row[5] == "by the server"
            await pilot.press("escape")

            app.main.headlines.focus()
            await pilot.press("s")  # star the highlighted article: queued with the change
            await until(pilot, lambda: library.sync_pending() == 1)
            first = app.syncer.status
            app.syncer.start(asked=True)  # what the palette's "Sync now" runs
            await until(pilot, lambda: app.syncer.status is not first)
            assert app.syncer.status.pending == 0
            starred = [e["title"] for e in miniflux.entries() if e["starred"]]
            assert len(starred) == 1 and starred[0].startswith("Рада Європи")
    finally:
        library.close()


async def test_a_server_out_of_reach_is_a_line_and_reading_goes_on(tmp_path, monkeypatch,
                                                                   feed_site):
    monkeypatch.setenv("READER_SYNC_PASSWORD", "секрет-42")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = load_config(write_config(tmp_path / "config.toml", f"http://127.0.0.1:{port}", "olena"))
    library = Library(tmp_path / "r.db", config)
    feed = feed_site.publish(f"local-{port}", "Місцеві новини", [
        Item(f"l{port}-{i}", f"Новина {i}") for i in range(2)])
    library.subscribe(feed, "Місцеві новини", local=True)
    await asyncio.to_thread(library.refresh)  # (its own event loop: not in this one)
    app = make_app(library, config, watch_db=False)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.syncer.status is not None)
            assert "Sync failed" in progress_text(app)
            assert app.syncer.status.last_error and "секрет-42" not in app.syncer.status.last_error
            # Reading goes on: the local feed's articles are there and the keys work.
            await until(pilot, lambda: app.main.view.count == 2)
            app.main.headlines.focus()
            await pilot.press("enter")
            await until(pilot, lambda: app.main.article.article is not None)
            await pilot.press("F")  # the feeds view says how sync stands
            await until(pilot, lambda: "Sync: miniflux" in str(
                app.screen.query_one("#feeds-sync").render()))
            line = str(app.screen.query_one("#feeds-sync").render())
            assert "last error" in line and "секрет-42" not in line
    finally:
        library.close()
