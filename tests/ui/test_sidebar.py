"""The sidebar: choosing a view, saved filters with their counts, deleting one."""

from __future__ import annotations

import asyncio

from textual import events

from reader.ui.screens.pickers import Confirm
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.sidebar import Sidebar

from .conftest import add_feed, entry, palette_pick, quiet_app, settle, wait_until

WIDE = (120, 30)


def item(app, label: str):
    return next((i for i in app.main.sidebar.items if i.label == label), None)


def row_of(app, label: str) -> int:
    return next(n for n, i in enumerate(app.main.sidebar.items) if i.label == label)


async def test_enter_applies_the_item_and_moves_to_the_list(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("h")
        assert isinstance(app.focused, Sidebar)
        await pilot.press("j", "j")  # Starred: shown at once, the sidebar keeps the focus
        await settle(pilot, app)
        assert app.main.view.filter_text == "is:starred"
        assert isinstance(app.focused, Sidebar)
        await pilot.press("j", "enter")  # "news", then Enter: the list gets the focus
        await settle(pilot, app)
        assert app.main.view.filter_text == "+news"
        assert isinstance(app.focused, HeadlineList)
        assert len(app.main.headlines.ids) == 5
        # Enter on the item already shown still goes to the list
        await pilot.press("h", "enter")
        assert isinstance(app.focused, HeadlineList)
        assert app.main.view.filter_text == "+news"


async def test_enter_in_the_narrow_sidebar_goes_back_to_the_list(library):
    app = quiet_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("h", "j", "enter")  # the sidebar shows on demand; Unread
        await settle(pilot, app)
        assert app.main.view.filter_text == "is:unread"
        assert isinstance(app.focused, HeadlineList)
        assert app.main.sidebar.region.width == 0  # hidden again: the list has the screen
        assert app.main.headlines.region.width == 80


async def test_saved_filters_show_unread_counts(library):
    library.save_filter("Tech unread", "+tech is:unread")
    library.save_filter("Starred", "is:starred")  # a name shared with a built-in item
    library.save_filter("Old", "@2020-01-01..2025-01-01")
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, app, lambda: getattr(item(app, "Tech unread"), "count", None))
        assert item(app, "Tech unread").count == 4
        assert item(app, "Old").count in (None, 0)  # nothing unread there: no number shown
        text = app.main.sidebar.render_line(row_of(app, "Tech unread")).text
        assert text.rstrip("▕▐ ").endswith("4")  # (the last cell is the pane's edge)
        # reading one updates the count
        app.main.apply_filter("+tech")
        await settle(pilot, app)
        await pilot.press("m")
        await wait_until(pilot, app, lambda: item(app, "Tech unread").count == 3)


async def test_delete_a_saved_filter_with_d(library):
    library.save_filter("World unread", "+world is:unread")
    library.save_filter("Keep me", "is:starred")
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        sidebar = app.main.sidebar
        await pilot.press("h")
        sidebar.move_cursor(row_of(app, "World unread"))
        await settle(pilot, app)
        assert app.main.view.filter_text == "+world is:unread"
        assert "d" in app.screen.active_bindings  # offered on a saved filter
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # no: nothing happens
        await pilot.pause()
        assert "World unread" in library.saved_filters()
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("enter")  # Enter presses Cancel, the focused button
        await pilot.pause()
        assert "World unread" in library.saved_filters()
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot, app)
        assert library.saved_filters() == {"Keep me": "is:starred"}
        labels = [i.label for i in sidebar.items]
        assert "World unread" not in labels and "Keep me" in labels
        # It was the view shown: All is shown now, the sidebar's cursor on it (not left on
        # whatever item took the deleted one's row while the list showed the deleted view)
        assert app.main.view.filter_text == "" and app.main.view.label == "All"
        assert sidebar.current.label == "All"
        assert len(app.main.headlines.ids) == 12
        # on a tag or a feed, d does nothing
        sidebar.move_cursor(row_of(app, "news"))
        await settle(pilot, app)
        assert "d" not in app.screen.active_bindings
        await pilot.press("d")
        await pilot.pause()
        assert app.screen is app.main


async def test_saved_filters_in_the_command_palette(library):
    library.save_filter("Tech unread", "+tech is:unread")
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await palette_pick(pilot, app, "delete saved filter tech", "Delete saved filter: Tech unread")
        await wait_until(pilot, app, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await settle(pilot, app)
        assert library.saved_filters() == {}


async def test_holding_j_in_the_sidebar_shows_where_it_stops(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("h")
        applied: list[str] = []
        apply = app.main.apply_filter
        app.main.apply_filter = lambda text, *a, **k: applied.append(text) or apply(text, *a, **k)
        # Unread .. the "tech" tag, as a held key sends them (pilot.press waits for the app
        # to go idle after each key, which can take longer than a key repeat)
        for _ in range(5):
            app.post_message(events.Key("j", "j"))
            await asyncio.sleep(0.03)
        await settle(pilot, app)
        assert app.main.view.filter_text == app.main.sidebar.current.filter
        assert app.main.view.label == "tech"
        assert len(applied) < 5  # not every item on the way was queried


async def test_a_tag_counts_what_its_view_shows(library, monkeypatch):
    """A tag's count is its view's unread count: its feeds' articles and those of other
    feeds whose own categories hold it (the sidebar said 4 where the view had 5); past
    TAG_COUNT_MOST unread articles it counts the tag's feeds only (fast)."""
    from reader.core import library as core_library

    add_feed(library, "http://127.0.0.1:9/other.xml", "Other", [],
             [entry(900, "Tagged by its own category", feed="other", categories=["Tech"])])
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        tech = next(i for i in app.main.sidebar.items if i.kind == "tag" and i.label == "tech")
        assert tech.count == library.count("+tech is:unread") == 5
    monkeypatch.setattr(core_library, "TAG_COUNT_MOST", 1)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        tech = next(i for i in app.main.sidebar.items if i.kind == "tag" and i.label == "tech")
        assert tech.count == 4  # Tech Weekly's own
