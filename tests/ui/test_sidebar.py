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


async def test_the_sidebar_scrolls_to_follow_its_cursor(library):
    """The sidebar filled after its first layout kept Textual's "nothing to scroll" until a
    resize: `h`, `G` at 120x24 showed the last feed's view with the cursor off-screen."""
    for n in range(30):
        add_feed(library, f"http://127.0.0.1:9/many{n}.xml", f"Feed {n:02}", [f"group{n % 3}"],
                 [entry(n, f"Story {n}", feed=f"many{n}")])
    app = quiet_app(library)
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot, app)
        sidebar = app.main.sidebar
        assert len(sidebar.items) > sidebar.size.height
        await pilot.press("h", "G")
        await settle(pilot, app)
        last = sidebar.items[-1]
        assert sidebar.current is last
        top = int(sidebar.scroll_y)
        assert top <= sidebar.cursor < top + sidebar.size.height
        bottom = sidebar.render_line(sidebar.size.height - 1).text
        assert last.label[:12] in bottom  # (a long title is cut to the pane)
        # and back up with k, a row at a time, past the top of what was shown
        for _ in range(sidebar.size.height + 2):
            await pilot.press("k")
        await settle(pilot, app)
        top = int(sidebar.scroll_y)
        assert top <= sidebar.cursor < top + sidebar.size.height
        assert sidebar.current.label[:12] in sidebar.render_line(sidebar.cursor - top).text


def add_ukrainian_feed(library, categories_each: int = 0) -> None:
    """A news feed whose stories carry categories (in Ukrainian, with spaces) and no feed
    tag: what the sidebar and the t picker had nothing of."""
    entries = [
        entry(700, "Засідання Ради Європи", feed="unn", categories=["Війна в Україні", "Рада Європи"]),
        entry(701, "Новини дня", hours_ago=2, feed="unn", categories=["ВІЙНА в україні"]),
        entry(702, "Погода", hours_ago=3, feed="unn",
              categories=[f"Тема {n:03}" for n in range(categories_each)]),
    ]
    add_feed(library, "http://127.0.0.1:9/unn.xml", "УНН", [], entries)


async def test_article_categories_are_listed_with_their_counts(library):
    add_ukrainian_feed(library)
    app = quiet_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        sidebar = app.main.sidebar
        kinds = [(i.kind, i.label, i.count) for i in sidebar.items]
        header = next(n for n, k in enumerate(kinds) if k[0] == "categories")
        assert kinds[header][1] == "▾ Categories (3)"
        # one row a name (ВІЙНА в україні is Війна в Україні), with its unread count
        assert kinds[header + 1:] == [
            ("category", "compilers", 1),
            ("category", "Війна в Україні", 2),
            ("category", "Рада Європи", 1),
        ]
        await show_label(pilot, app, "Війна в Україні")
        assert app.main.view.filter_text == '+"Війна в Україні"'
        assert len(app.main.headlines.ids) == 2


async def show_label(pilot, app, label: str) -> None:
    """Move the sidebar's cursor onto the item labelled `label` and press Enter."""
    sidebar = app.main.sidebar
    await pilot.press("h")
    await settle(pilot, app)
    while sidebar.current is None or sidebar.current.label != label:
        before = sidebar.cursor
        await pilot.press("j")
        await settle(pilot, app)
        assert sidebar.cursor != before, f"no item {label!r}"
    await pilot.press("enter")
    await settle(pilot, app)


async def test_hundreds_of_categories_wait_behind_their_row(library):
    add_ukrainian_feed(library, categories_each=300)
    app = quiet_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        sidebar = app.main.sidebar
        assert not [i for i in sidebar.items if i.kind == "category"]
        assert sidebar.items[-1].label == "▸ Categories (303)"
        assert sum(i.kind == "category" for i in sidebar.all_items) == 303
        await pilot.press("h", "G")  # the cursor stops on the row; showing nothing new
        await settle(pilot, app)
        assert sidebar.current.kind == "categories"
        shown = app.main.view.filter_text
        await pilot.press("enter")  # opens them
        await settle(pilot, app)
        assert sum(i.kind == "category" for i in sidebar.items) == 303
        assert sidebar.current.label == "▾ Categories (303)"
        assert app.main.view.filter_text == shown and isinstance(app.focused, Sidebar)
        await pilot.press("j", "enter")
        await settle(pilot, app)
        assert app.main.view.filter_text == "+compilers"
        await pilot.press("h")
        await settle(pilot, app)
        await pilot.press("k")  # back up to the row, and closed again with Enter
        await settle(pilot, app)
        assert sidebar.current.kind == "categories"
        await pilot.press("enter")
        await settle(pilot, app)
        assert not [i for i in sidebar.items if i.kind == "category"]
        top = int(sidebar.scroll_y)
        assert top <= sidebar.cursor < top + sidebar.size.height
