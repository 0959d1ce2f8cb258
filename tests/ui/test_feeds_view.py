"""Failures in plain sight (issue 15, item 4): the feeds view (F) lists each feed's status,
error, last and next fetch and counts, failing ones first; a failing feed's own view
says what went wrong at the top; ? explains the sidebar's `!`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.widgets import DataTable, Static

from reader.core.models import Feed
from reader.ui.feed_status import feed_of_view, feed_problem, status_text, when
from reader.ui.screens.feeds_view import FeedsScreen, sort_feeds
from reader.ui.screens.help import HelpScreen
from reader.ui.screens.pickers import Confirm

from .conftest import MARKUP_FEED, NOW, quiet_app, settle, wait_until

WIDE = (120, 30)
ERROR = "HTTP 503 Service Unavailable [bold]not bold[/]"


def fail(library, title: str, count: int = 3) -> int:
    feed = next(f for f in library.feeds() if f.title == title)
    library.store.write(
        lambda c: library.store.update_feed_fetch(
            c,
            feed.id,
            last_status="error",
            last_error=ERROR,
            error_count=count,
            last_fetched=NOW - timedelta(minutes=20),
            last_ok=NOW - timedelta(hours=5),
            next_fetch=NOW + timedelta(hours=1),
        )
    )
    return feed.id


def rows(app) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def open_feeds_view(pilot, app) -> FeedsScreen:
    await settle(pilot, app)
    await pilot.press("F")
    await settle(pilot, app)
    assert isinstance(app.screen, FeedsScreen)
    return app.screen


async def test_failing_feeds_first_with_their_error(library):
    fail(library, "Tech Weekly")
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_feeds_view(pilot, app)
        table = rows(app)
        assert len(table) == 3
        first = table[0]
        assert first[0] == "!" and first[1] == "Tech Weekly"
        assert first[2] == "failed ×3" and first[8] == ERROR  # markup shown as text
        # last tried, last success, next fetch
        assert (first[3], first[4], first[5]) == ("11:40", "07:00", "13:00")
        assert first[6] == "4"  # articles
        assert [r[1] for r in table[1:]] == sorted([MARKUP_FEED, "World Daily"], key=str.casefold)
        assert all(r[0] == "" and r[2] == "ok" and r[8] == "" for r in table[1:])
        # The highlighted feed in full under the table: the error the column cuts
        detail = str(screen.query_one("#feeds-detail", Static).render())
        assert "Tech Weekly  http://127.0.0.1:9/tech.atom  tags: tech" in detail
        assert "failed 3 refreshes running" in detail and ERROR in detail
        summary = str(screen.query_one("#feeds-summary", Static).render())
        assert "3, 1 failing" in summary and "failures" in summary
        await pilot.press("s")  # by title: the failing one among the rest
        await settle(pilot, app)
        assert [r[1] for r in rows(app)] == sorted(
            [MARKUP_FEED, "Tech Weekly", "World Daily"], key=str.casefold
        )
        await pilot.press("s")  # by unread, most first
        await settle(pilot, app)
        assert rows(app)[0][1] == "World Daily"


async def test_enter_shows_the_feed_and_esc_closes(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        for key in ("escape", "q"):  # (q closes it, as it closes an article: no quitting)
            await open_feeds_view(pilot, app)
            await pilot.press(key)
            await settle(pilot, app)
            assert app.screen is app.main and app.is_running
        await open_feeds_view(pilot, app)
        await pilot.press("G")
        await settle(pilot, app)
        last = rows(app)[-1][1]
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.screen is app.main
        feed = next(f for f in library.feeds() if f.title == last)
        assert app.main.view.filter_text == f"feedid:{feed.id}"


async def test_remove_from_the_feeds_view_updates_it(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_feeds_view(pilot, app)
        doomed = rows(app)[0][1]
        await pilot.press("X")
        await settle(pilot, app)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await wait_until(pilot, app, lambda: len(rows(app)) == 2)
        assert isinstance(app.screen, FeedsScreen)
        assert doomed not in [r[1] for r in rows(app)]


async def test_a_failing_feeds_view_says_why_at_the_top(library):
    tech = fail(library, "Tech Weekly")
    world = next(f for f in library.feeds() if f.title == "World Daily")
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        line = app.main.query_one("#filter-error", Static)
        assert not line.display
        app.go_to_feed(tech)
        await settle(pilot, app)
        assert line.display
        text = str(line.render())
        assert text.startswith("! This feed has failed 3 refreshes running, the last at 11:40")
        assert ERROR in text and "r tries again" in text
        app.go_to_feed(world.id)
        await settle(pilot, app)
        assert not line.display
        # A feed that recovers loses the line at the next count
        app.go_to_feed(tech)
        await settle(pilot, app)
        library.store.write(
            lambda c: library.store.update_feed_fetch(c, tech, last_status="ok", last_error=None)
        )
        app.main.load_counts()
        await settle(pilot, app)
        assert not line.display


async def test_help_explains_the_marks(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).render())
        assert "!  its last refresh failed" in text and "F lists every feed" in text
        assert "✗  the feed is gone" in text
        assert "Feeds and failures" in text and "Remove feed (unsubscribe)" in text


def test_status_words():
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    feed = Feed(1, "https://x.example/f", "X")
    assert status_text(feed) == "not fetched yet" and feed_problem(feed, now) is None
    feed.last_status, feed.error_count, feed.last_error = "error", 1, "timed out."
    feed.last_fetched = now - timedelta(days=2)
    assert status_text(feed) == "failed"
    assert feed_problem(feed, now) == (
        "! This feed failed to refresh at 18 Nov 12:00: timed out. r tries again;"
        " F lists every feed."
    )
    feed.gone = True
    assert status_text(feed) == "gone (410)" and feed_problem(feed, now).startswith("✗")
    assert when(None, now) == "—" and when(now - timedelta(days=400), now) == "2025-10-16 12:00"
    assert feed_of_view("feedid:1", [feed]) is feed
    assert feed_of_view("feedid:1 +news", [feed]) is None and feed_of_view("", [feed]) is None


def test_sort_by_failures_puts_the_longest_failing_first():
    feeds = [Feed(i, f"u{i}", title) for i, title in enumerate(["b", "a", "c", "d"])]
    feeds[2].last_status, feeds[2].error_count = "error", 1
    feeds[3].last_status, feeds[3].error_count = "error", 5
    assert [f.title for f in sort_feeds(feeds, "failures")] == ["d", "c", "a", "b"]


async def test_a_feeds_own_settings_edited_from_the_feeds_view(library):
    from textual.widgets import Input

    from reader.ui.screens.feed_forms import FeedPrompt

    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_feeds_view(pilot, app)
        title = rows(app)[0][1]
        feed = next(f for f in library.feeds() if f.title == title)
        await pilot.press("S")
        await settle(pilot, app)
        assert isinstance(app.screen, FeedPrompt)
        detail = str(app.screen.query_one(".dialog-detail", Static).render())
        assert "refresh_every" in detail and "default (30m)" in detail
        await pilot.press(*"keep=50", "enter")
        await settle(pilot, app)
        assert library.feed_settings(feed.id).keep == 50
        await pilot.press("S")
        await settle(pilot, app)
        app.screen.query_one(Input).value = ""
        await pilot.press(*"keep=lots", "enter")
        await settle(pilot, app)
        # A bad value: said under the box, the dialog open and the text kept to correct
        assert isinstance(app.screen, FeedPrompt)
        problem = str(app.screen.query_one("#feed-prompt-problem", Static).render())
        assert "keep: 'lots' is not a number" in problem
        assert app.screen.query_one(Input).value == "keep=lots"
        assert library.feed_settings(feed.id).keep == 50  # unchanged
        app.screen.query_one(Input).value = ""
        await pilot.press(*"keep=7", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, FeedsScreen)
        assert library.feed_settings(feed.id).keep == 7


async def test_a_feed_of_summaries_is_offered_full_text(library):
    """Issue 14: a feed whose texts are short (and that has no full_text setting) is
    offered full text in the feeds view: counted at the top, and how under it."""
    from .conftest import add_feed, entry

    add_feed(library, "http://127.0.0.1:9/briefs", "Анонси", [], [
        entry(100 + i, f"Анонс {i}", feed="briefs", content=f"<p>Коротко {i}.</p>")
        for i in range(6)])
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_feeds_view(pilot, app)
        await wait_until(pilot, app, lambda: screen.summaries)
        summary = str(screen.query_one("#feeds-summary", Static).render())
        offered = {f.title for f in screen.feeds if f.id in screen.summaries}
        assert "Анонси" in offered
        assert f"{len(offered)} of summaries only (full text: S)" in summary
        row = next(i for i, f in enumerate(screen.feeds) if f.title == "Анонси")
        screen.query_one(DataTable).move_cursor(row=row)
        await settle(pilot, app)
        detail = str(screen.query_one("#feeds-detail", Static).render())
        assert "Summaries only" in detail and "full_text=auto" in detail
