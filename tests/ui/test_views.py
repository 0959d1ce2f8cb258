"""Views read in stages: a search's first rows, then its counts, then every id.

The last stage is held back here (a gate in front of Library.article_id_batches) so that
what the user can do with a view whose first rows only are in is checked as such.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from reader.core.config import Config
from reader.core.library import Library
from reader.ui.screens import filter_box, sidebar_moves
from reader.ui.screens.views import FIRST_ROWS
from reader.ui.widgets.headline_list import HeadlineList

from .conftest import add_feed, entry, quiet_app, settle

WIDE = (120, 30)
MATCHES = FIRST_ROWS + 250  # articles with the word: more than the first stage reads


def haystack(tmp_path: Path, plain: int) -> Library:
    """MATCHES articles with "needle" in one feed, and `plain` without."""
    lib = Library(tmp_path / "views.db", Config())
    add_feed(
        lib,
        "http://127.0.0.1:9/hay.rss",
        "Haystack",
        ["hay"],
        [
            entry(i, f"Needle story {i}", hours_ago=i, feed="hay", content=f"<p>needle {i}</p>")
            for i in range(MATCHES)
        ]
        + [
            entry(MATCHES + i, f"Plain story {i}", hours_ago=i + 0.5, feed="hay")
            for i in range(plain)
        ],
    )
    return lib


@pytest.fixture
def gated(tmp_path: Path):
    """A library of MATCHES articles with "needle" (and 20 without), whose full id lists
    wait for `gate` to open."""
    lib = haystack(tmp_path, plain=20)
    gate = threading.Event()
    batches = lib.article_id_batches

    def gated_batches(query, size=10_000):
        gate.wait(10)
        yield from batches(query, size)

    lib.article_id_batches = gated_batches
    yield lib, gate
    gate.set()
    lib.close()


async def started(pilot, app, gate: threading.Event) -> None:
    """Let the app start (startup reads its full list too), then close the gate."""
    gate.set()
    await settle(pilot, app)
    gate.clear()


async def until(pilot, predicate, timeout: float = 8.0) -> None:
    """Pause until `predicate()` holds, without waiting for the workers (one is held)."""
    end = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > end:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


async def search(pilot, app, words: str) -> None:
    await pilot.press("slash")
    app.main.query_one("#filter").value = words
    await pilot.press("enter")


async def test_a_long_search_counts_all_and_G_reaches_its_last_row(gated):
    lib, gate = gated
    app = quiet_app(lib)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot, app, gate)
        main, hl = app.main, app.main.headlines
        await search(pilot, app, "needle")
        await until(pilot, lambda: main.view.count is not None)
        # the first rows are up and the header counts the whole view
        assert hl.partial and len(hl.ids) == FIRST_ROWS
        assert hl.headline(0).title == "Needle story 0"
        assert main.view.count == MATCHES
        assert f"{MATCHES:,} articles" in str(main.query_one("#header").render())
        assert isinstance(app.focused, HeadlineList)
        await pilot.press("G")  # only the first rows are in: G goes on once the rest is
        assert hl.cursor == FIRST_ROWS - 1
        gate.set()
        await until(pilot, lambda: not hl.partial)
        await settle(pilot, app)
        assert len(hl.ids) == MATCHES == main.view.count
        assert hl.cursor == MATCHES - 1
        assert hl.selected.title == f"Needle story {MATCHES - 1}"


async def test_a_move_after_G_cancels_the_jump(gated):
    lib, gate = gated
    app = quiet_app(lib)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot, app, gate)
        hl = app.main.headlines
        await search(pilot, app, "needle")
        await until(pilot, lambda: hl.partial)
        await pilot.press("G", "k")
        gate.set()
        await until(pilot, lambda: not hl.partial)
        await settle(pilot, app)
        assert hl.cursor == FIRST_ROWS - 2


async def test_mark_all_read_takes_the_whole_view_before_it_is_in(gated):
    lib, gate = gated
    app = quiet_app(lib)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot, app, gate)
        main = app.main
        await search(pilot, app, "needle")
        await until(pilot, lambda: main.headlines.partial and main.view.count is not None)
        await pilot.press("A")
        app.wait_for_writes()
        gate.set()
        await settle(pilot, app)
        assert lib.count("needle is:unread") == 0
        assert lib.count("is:unread") == 20  # the articles without the word
        assert main.view.unread == 0 and main.view.count == MATCHES


async def test_the_filter_box_moves_nothing(library):
    """It opens over the header line: the list keeps its place and size (no relayout,
    no repaint of the list for it), and Enter closes it with the results shown."""
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = app.main
        box = main.query_one("#filter")
        before = main.headlines.region
        await pilot.press("slash")
        await pilot.pause()
        assert box.visible and box.has_focus
        assert box.region.y == 0 and main.headlines.region == before
        box.value = "kernel"
        await pilot.press("enter")
        await settle(pilot, app)
        assert not box.visible and isinstance(app.focused, HeadlineList)
        assert main.headlines.region == before
        assert [h.title for h in map(main.headlines.headline, range(len(main.headlines.ids)))] == [
            "Kernel scheduler patch merged"
        ]
        assert "Filter: kernel  1 article, 1 unread" in str(main.query_one("#header").render())


async def test_reloads_while_one_is_read_are_read_once_after_it(gated):
    lib, gate = gated
    app = quiet_app(lib)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot, app, gate)
        main = app.main
        calls: list[bool] = []
        load_view = main.views.load_view  # (what reload calls: the screen's ViewLoader)

        def counted(*args, **kwargs):
            calls.append(kwargs.get("fresh", False))
            return load_view(*args, **kwargs)

        main.views.load_view = counted
        main.reload()  # held at the gate
        add_feed(lib, "http://127.0.0.1:9/new.rss", "New", [], [entry(1, "Newest", feed="new")])
        main.reload()  # data changed again meanwhile: waits for the first
        main.reload()
        assert calls == [True]
        gate.set()
        await until(pilot, lambda: len(calls) == 2)
        await settle(pilot, app)
        assert calls == [True, True]
        assert main.headlines.headline(0).title == "Newest"
        assert main.view.count == MATCHES + 21


async def test_next_unread_past_the_first_rows_waits_for_the_rest(gated):
    lib, gate = gated
    # everything read but the last needle (far past the first rows)
    lib.set_read(lib.article_ids(""), True)
    last = lib.article_ids("needle")[-1]
    lib.set_read([last], False)
    app = quiet_app(lib)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot, app, gate)
        main, hl = app.main, app.main.headlines
        await search(pilot, app, "needle")
        await until(pilot, lambda: hl.partial and hl.ids[0] == lib.article_ids("needle")[0])
        await pilot.press("n")
        gate.set()
        await until(pilot, lambda: main.view.opened_id == last)
        assert hl.selected_id == last and hl.cursor == MATCHES - 1
        # Opening marked it read: let that write and its WriteDone finish.
        await settle(pilot, app)
        assert lib.article(last).read


@pytest.fixture
def slow_first(tmp_path: Path):
    """MATCHES articles with "needle", whose first rows of a view wait for `gate`."""
    lib = haystack(tmp_path, plain=0)
    gate = threading.Event()
    gate.set()
    first = lib.first_article_ids

    def gated_first(query, limit, screen):
        gate.wait(10)
        yield from first(query, limit, screen)

    lib.first_article_ids = gated_first
    yield lib, gate
    gate.set()
    lib.close()


async def test_keys_typed_before_a_search_shows_go_to_its_list(slow_first, monkeypatch):
    """Enter in the filter box: the box stays up until the first rows are in, and keys typed
    meanwhile go to the list once they are (j moves in the results), not into the box."""
    lib, gate = slow_first
    monkeypatch.setattr(filter_box, "CLOSE_WAIT", 10)  # (the gate holds the rows back)
    app = quiet_app(lib)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main, hl = app.main, app.main.headlines
        box = main.query_one("#filter")
        gate.clear()
        await search(pilot, app, "needle")
        await pilot.press("j", "j", "x")  # (x: no key of the list, and not typed in the box)
        assert box.visible and box.value == "needle" and main.holding_keys
        gate.set()
        await until(pilot, lambda: not main.holding_keys and hl.cursor == 2)
        assert isinstance(app.focused, HeadlineList) and not box.visible
        assert hl.headline(2).title == "Needle story 2" and box.value == "needle"
        # "/" and Escape typed while it waits: the box opens again on the search's view,
        # then Escape cancels that edit: the search stays
        gate.clear()
        await search(pilot, app, "story")
        await pilot.press("slash", "escape")
        assert main.holding_keys
        gate.set()
        await until(pilot, lambda: not main.holding_keys and not box.visible)
        await until(pilot, lambda: isinstance(app.focused, HeadlineList))
        assert main.view.filter_text == "story"


async def test_slash_and_words_typed_in_one_go_all_go_into_the_box(gated):
    """"/rust" typed or pasted in one burst: every key after "/" is the filter's text, none
    reaches the list (where r refreshes, u undoes, s stars and t picks a tag)."""
    from textual import events

    lib, gate = gated
    gate.set()  # no read is held here (settle would wait out the gate's 10 s otherwise)
    app = quiet_app(lib)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main, hl = app.main, app.main.headlines
        box = main.query_one("#filter")
        selected = hl.selected_id
        # Posted together, as the terminal driver posts a burst it read at once.
        app.post_message(events.Key("slash", "/"))
        for ch in "stur":
            app.post_message(events.Key(ch, ch))
        await pilot.pause()
        await pilot.pause()
        assert app.screen is main and box.visible and app.focused is box
        assert box.value == "stur"
        assert not lib.article(selected).starred
        # In the box, "/" is text.
        await pilot.press("slash", "x")
        assert box.value == "stur/x"


async def test_a_sidebar_move_draws_its_cursor_and_the_view_together(slow_first, monkeypatch):
    """j in the sidebar: nothing is drawn until the next view's first rows are in, so the
    moved cursor, the header and the rows come in one frame; a view slower than
    SWITCH_WAIT has its cursor drawn first all the same."""
    lib, gate = slow_first
    app = quiet_app(lib)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = app.main
        await pilot.press("h")
        await pilot.pause(0.15)  # (moves closer than SWITCH_COALESCE are coalesced)
        monkeypatch.setattr(sidebar_moves, "SWITCH_WAIT", 10)
        gate.clear()
        await pilot.press("j")
        assert main.view.filter_text == "is:unread" and main.awaiting_rows
        assert app._batch_count > 0  # frames held
        gate.set()
        await until(pilot, lambda: not main.awaiting_rows and app._batch_count == 0)
        assert main.headlines.headline(0).title == "Needle story 0"
        # Slower than SWITCH_WAIT: frames go on before the rows come.
        monkeypatch.setattr(sidebar_moves, "SWITCH_WAIT", 0.05)
        await pilot.pause(0.15)
        gate.clear()
        await pilot.press("j")
        assert main.view.filter_text == "is:starred" and main.awaiting_rows
        await until(pilot, lambda: app._batch_count == 0)
        assert main.awaiting_rows
        gate.set()
        await until(pilot, lambda: not main.awaiting_rows)
