"""No SQLite on the event loop: every statement the app runs, from its launch on, runs
on another thread (the writer, a worker, the first-rows reader), whatever the keys.

Every connection the app opens is traced (sqlite3.connect is wrapped before the library
is opened), and each statement records the thread it ran on.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from reader.core.config import Config
from reader.core.library import Library

from .conftest import add_feed, entry, fill, quiet_app, settle

WIDE = (120, 30)
LONG_FEED = 400  # rows: more than a screen and its read-ahead, so that G reads a window


@pytest.fixture
def traced(tmp_path: Path, monkeypatch):
    """A filled library whose every connection reports (thread id, SQL) while recording."""
    statements: list[tuple[int, str]] = []
    recording = threading.Event()
    connect = sqlite3.connect

    def traced_connect(*args, **kwargs):
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(
            lambda sql: statements.append((threading.get_ident(), sql))
            if recording.is_set()
            else None
        )
        return conn

    monkeypatch.setattr(sqlite3, "connect", traced_connect)
    lib = Library(tmp_path / "traced.db", Config())
    fill(lib)
    add_feed(
        lib,
        "http://127.0.0.1:9/long.rss",
        "Long Feed",
        ["long"],
        [entry(n, f"Long story {n}", hours_ago=100 + n, feed="long") for n in range(LONG_FEED)],
    )
    yield lib, statements, recording
    lib.close()


def on_loop(statements: list[tuple[int, str]]) -> list[str]:
    loop = threading.get_ident()  # (the test runs on the app's event loop)
    return [sql for thread, sql in statements if thread == loop]


async def test_keys_run_no_sql_on_the_event_loop(traced):
    lib, statements, recording = traced
    opened: list[str] = []
    app = quiet_app(lib)
    app.url_opener = lambda url: opened.append(url) or True
    far = lib.article_ids("+long")[-1]
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        recording.set()
        steps = [
            ["enter"], ["j", "k"], ["n"], ["m"], ["m"], ["s"], ["s"], ["o"], ["y"],
            ["A"], ["u"], ["N"],
            ["h", "j", "j"], ["j", "enter"], ["h", "k", "k", "k"], ["l"],
            ["slash", *"tech", "enter"], ["S", *"mine", "enter"], ["slash", "ctrl+u", "enter"],
            ["t", *"news", "enter"], ["escape"], ["r"],
        ]
        for keys in steps:
            await pilot.press(*keys)
            await settle(pilot, app)
        # an article that is not in the list's rows: the keys act on the open one
        app.main.open_article(far)
        await settle(pilot, app)
        app.main.focus_pane("article")
        await settle(pilot, app)
        assert app.main.current_id() == far and app.main.headlines.cached(far) is None
        await pilot.press("m", "s", "o", "y")
        await settle(pilot, app)
        recording.clear()
    assert statements, "nothing was traced: the test would pass whatever the app did"
    assert opened[-1] == lib.article(far).link
    assert lib.article(far).starred
    assert lib.saved_filters() == {"mine": "tech"}
    assert [sql[:60] + " ... " + sql[-60:] for sql in on_loop(statements)] == []


async def test_a_jump_past_the_read_ahead_reads_no_sql_on_the_event_loop(traced):
    lib, statements, recording = traced
    app = quiet_app(lib)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        recording.set()
        for keys in (["G"], ["g"], ["space"]):
            await pilot.press(*keys)
            await settle(pilot, app)
        recording.clear()
    assert statements
    assert on_loop(statements) == []


async def test_launch_reads_no_sql_on_the_event_loop(traced):
    """The first screenful, the counts, the sidebar: all read in threads."""
    lib, statements, recording = traced
    recording.set()
    app = quiet_app(lib)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        assert len(app.main.headlines.ids) == app.main.view.count > LONG_FEED
        recording.clear()
    assert statements
    assert on_loop(statements) == []
