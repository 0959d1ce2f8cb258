"""Fixed test data for the TUI: a library on tmp_path written through the store, fixed dates."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reader.core.config import Config
from reader.core.library import Library
from reader.core.models import ParsedEntry
from reader.ui.app import ReaderApp, make_app

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the app's frozen clock in tests

MARKUP_FEED = "[@click=app.quit]x[/]"
ESC_TITLE = "Clear \x1b[2J screen \x1b]0;pwned\x07 title"


def entry(
    n: int,
    title: str,
    *,
    hours_ago: float = 0,
    feed: str = "f",
    content: str = "",
    link: str | None = None,
    categories: list[str] | None = None,
    author: str = "",
) -> ParsedEntry:
    published = NOW - timedelta(hours=hours_ago)
    return ParsedEntry(
        guid=f"{feed}-{n}",
        link=link if link is not None else f"https://{feed}.example.com/{n}",
        title=title,
        author=author,
        published=published,
        updated=None,
        summary="",
        content=content or f"<p>Body of {title}.</p>",
        categories=categories or [],
    )


def add_feed(
    lib: Library, url: str, title: str, tags: list[str], entries: list[ParsedEntry]
) -> int:
    """Store a feed and its entries directly (no fetching), marked fetched so it isn't due.

    Test feeds live on 127.0.0.1 port 9 (discard): a refresh of them fails at once,
    offline, without touching the network.
    """
    feed_id = lib.store.add_feed(url, title=title, tags=tags)
    texts = [e.title for e in entries]
    lib.store.write(lambda c: lib.store.merge_entries(c, feed_id, entries, texts, NOW.timestamp()))
    lib.store.write(
        lambda c: lib.store.update_feed_fetch(
            c, feed_id, last_status="ok", next_fetch=datetime.now(UTC) + timedelta(days=1)
        )
    )
    return feed_id


def fill(lib: Library) -> dict[str, int]:
    """Three feeds: two tagged, one untagged with hostile strings. Returns feed ids by key."""
    ids = {}
    ids["world"] = add_feed(
        lib,
        "http://127.0.0.1:9/world.rss",
        "World Daily",
        ["news", "world"],
        [
            entry(
                1,
                "Harbor reopens after the storm",
                hours_ago=1,
                feed="world",
                author="Ann Writer",
                content="<p>The harbor <a href='https://world.example.com/harbor'>reopened</a>"
                " today.</p><p>Second paragraph.</p>",
            ),
            entry(2, "Council votes on the new bridge", hours_ago=5, feed="world"),
            entry(3, "Festival draws record crowds", hours_ago=30, feed="world"),
            entry(4, "Election results are in", hours_ago=24 * 40, feed="world"),
            entry(5, "A year-old story", hours_ago=24 * 400, feed="world"),
        ],
    )
    ids["tech"] = add_feed(
        lib,
        "http://127.0.0.1:9/tech.atom",
        "Tech Weekly",
        ["tech"],
        [
            entry(
                1,
                "Compiler release brings faster builds",
                hours_ago=2,
                feed="tech",
                categories=["compilers"],
            ),
            entry(
                2,
                "東京で新しいロケットの打ち上げに成功しました、記録的な速さ",
                hours_ago=3,
                feed="tech",
            ),
            entry(3, "أخبار التكنولوجيا اليوم: إطلاق جديد", hours_ago=4, feed="tech"),
            entry(4, "Kernel scheduler patch merged", hours_ago=50, feed="tech"),
        ],
    )
    ids["evil"] = add_feed(
        lib,
        "http://127.0.0.1:9/evil.xml",
        MARKUP_FEED,
        [],
        [
            entry(
                1,
                "[@click=app.quit]Click me[/]",
                hours_ago=6,
                feed="evil",
                link="javascript:alert(1)",
                content="[@click=app.quit]body link[/] and [x](javascript:alert(1)) "
                "and [bold red]not red[/]",
            ),
            entry(2, "[bold red]not bold[/] and [/]", hours_ago=7, feed="evil"),
            entry(3, ESC_TITLE, hours_ago=8, feed="evil"),
        ],
    )
    return ids


@pytest.fixture
def library(tmp_path: Path) -> Library:
    lib = Library(tmp_path / "reader.db", Config())
    fill(lib)
    yield lib
    lib.close()


@pytest.fixture
def empty_library(tmp_path: Path) -> Library:
    lib = Library(tmp_path / "empty.db", Config())
    yield lib
    lib.close()


def quiet_app(library: Library, **options) -> ReaderApp:
    """An app with a frozen clock, no background refresh and no database polling."""
    options.setdefault("now", NOW)
    options.setdefault("background_refresh", False)
    options.setdefault("watch_db", False)
    return make_app(library, library.config, **options)


async def settle(pilot, app: ReaderApp, timeout: float = 30.0) -> None:
    """Wait until the app is idle: no writes or database checks on the writer thread, no
    workers, nothing pending on the main screen (a coalesced sidebar move, held keys, a
    reload, first rows, callbacks waiting for a frame: ReaderApp.busy), its message
    queues drained; idle twice running, so that what the last message started is seen.
    A state, never a time: a loaded machine only makes it take longer."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    quiet = 0
    while quiet < 2:
        await pilot.pause()  # (the screen's and the app's queues processed)
        busy = app.busy
        if busy:
            quiet = 0
            if loop.time() > end:
                raise AssertionError(f"the app did not settle: {', '.join(busy)}")
            await asyncio.sleep(0.005)
        else:
            quiet += 1


async def wait_until(pilot, app: ReaderApp, predicate, timeout: float = 30.0) -> None:
    """Pause until `predicate()` holds (fails the test after `timeout` seconds: a cap for a
    broken app, never waited out by a working one, so generous for a loaded machine where a
    refresh in a child process can take 10 s), then settle."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.01)
    await settle(pilot, app)


async def palette_pick(pilot, app: ReaderApp, typed: str, first: str) -> None:
    """Open the command palette, type `typed`, wait until the first result shows `first`,
    and choose it. The query goes in as one change: typed a key at a time, each key would
    start a search of its own (and wait out Pilot's idle check twice), for the same answer."""
    from textual.command import CommandPalette
    from textual.widgets import Input, OptionList

    await pilot.press("ctrl+p")
    await wait_until(pilot, app, lambda: isinstance(app.screen, CommandPalette))
    app.screen.query_one(Input).value = typed
    results = app.screen.query_one(OptionList)
    await wait_until(
        pilot,
        app,
        lambda: results.option_count > 0 and first in str(results.get_option_at_index(0).prompt),
    )
    await pilot.press("enter")


def body_lines(app: ReaderApp) -> list[str]:
    """The article body's lines as drawn now (not a page made ready for f, laid out
    hidden; not the pictures' slots)."""
    body = app.main.query_one("#article-body")
    lines = []
    for run in body.runs():
        width = run.content_region.width or run.size.width
        lines += [line.text.plain.rstrip() for line in run.lines_at(width)]
    return lines


def body_text(app: ReaderApp) -> str:
    """The body's words as drawn now, a space between each (its wrapping undone)."""
    return " ".join(" ".join(body_lines(app)).split())


def screen_text(app: ReaderApp) -> str:
    """The screen's text as drawn now, a line of the terminal a line here."""
    update = app.screen._compositor.render_full_update()
    return "\n".join("".join(strip.text for strip in line) for line in update.strips)
