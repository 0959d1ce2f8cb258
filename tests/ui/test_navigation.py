"""Getting around: n across feeds in sidebar order, the narrow sidebar, the tag picker on
a short terminal, and what the header and the sidebar count."""

from __future__ import annotations

from reader.ui.screens.pickers import TagPicker
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.sidebar import Sidebar, build_items

from .conftest import add_feed, entry, quiet_app, settle

WIDE = (120, 30)


def rows_of(app, label: str) -> list[int]:
    return [n for n, i in enumerate(app.main.sidebar.items) if i.label == label]


async def show_row(pilot, app, row: int) -> None:
    await pilot.press("h")
    app.main.sidebar.move_cursor(row)
    await settle(pilot, app)


async def test_next_unread_goes_on_below_the_sidebar_cursor(library):
    """World Daily is under news and under world. From the one under world, n at the end
    goes on below it (to the untagged feed), not below its first place (Tech Weekly);
    the counts read again after A leave the cursor under world."""
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main, sidebar = app.main, app.main.sidebar
        under_world = rows_of(app, "World Daily")[1]
        await show_row(pilot, app, under_world)
        await pilot.press("l", "A")
        await settle(pilot, app)
        assert main.view.unread == 0 and sidebar.cursor == under_world
        await pilot.press("n")
        await settle(pilot, app)
        evil = next(i for i in sidebar.items if i.kind == "feed" and i.label.startswith("[@"))
        assert main.view.filter_text == evil.filter
        assert sidebar.current is evil
        assert main.article.article.feed_title == evil.label
        # and N from the top of that feed goes back up to the nearest feed with unread
        # articles above it: Tech Weekly (World Daily under world has none now)
        await pilot.press("g", "N")
        await settle(pilot, app)
        assert main.view.label == "Feed: Tech Weekly"
        assert sidebar.cursor == rows_of(app, "Tech Weekly")[0]


async def test_next_unread_from_the_first_place_of_a_feed(library):
    """From World Daily under news, n at its end goes to Tech Weekly just below."""
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await show_row(pilot, app, rows_of(app, "World Daily")[0])
        await pilot.press("l", "A")
        await settle(pilot, app)
        await pilot.press("n")
        await settle(pilot, app)
        assert app.main.view.label == "Feed: Tech Weekly"
        assert app.main.sidebar.cursor == rows_of(app, "Tech Weekly")[0]


async def test_escape_closes_the_narrow_sidebar(library):
    app = quiet_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        main = app.main
        await pilot.press("tab")
        await pilot.pause()
        assert isinstance(app.focused, Sidebar) and main.sidebar.region.width > 0
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.focused, HeadlineList)
        assert main.sidebar.region.width == 0 and main.headlines.region.width == 80
        assert app.is_running and main.view.filter_text == ""


async def test_the_tag_picker_fits_a_short_terminal(tmp_path):
    """At 60x20, with more tags than rows: the list shrinks to fit the dialog on screen
    and scrolls to keep the highlighted tag in sight; Enter picks the one seen."""
    from reader.core.config import Config
    from reader.core.library import Library

    lib = Library(tmp_path / "tags.db", Config())
    tags = [f"tag{n:02}" for n in range(14)]
    for n, tag in enumerate(tags):
        add_feed(lib, f"http://127.0.0.1:9/{n}.rss", f"Feed {n}", [tag], [entry(1, f"A{n}")])
    app = quiet_app(lib)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, TagPicker)
        for _ in range(10):
            await pilot.press("down")
        await pilot.pause()
        options = picker.query_one("#tag-options")
        dialog = picker.query_one(".dialog")
        assert dialog.region.bottom <= 20
        assert options.region.bottom <= dialog.region.bottom - 2  # inside, above the border
        assert options.highlighted == 10
        top, shown = int(options.scroll_y), options.scrollable_content_region.height
        assert top <= 10 < top + shown  # the highlighted row is on screen
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.main.view.filter_text == "+tag10"
    lib.close()


async def test_the_tag_picker_is_no_taller_than_its_tags(library):
    app = quiet_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        options = app.screen.query_one("#tag-options")
        # three feed tags, an article's own category and the list's border
        assert options.region.height == 4 + 2


async def test_starred_counts_the_rows_it_shows_after_unstarring(library):
    """Unstarring an unread article in Starred keeps its row (no reload under the cursor):
    the header goes on counting it as unread (it said one fewer: the view was counted
    again from the database, where the article had left it)."""
    ids = [h.id for h in library.headlines(library.article_ids(library.query("is:unread")))]
    library.set_starred(ids[:2], True)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = app.main
        await show_row(pilot, app, rows_of(app, "Starred")[0])
        await pilot.press("l")
        assert (main.view.count, main.view.unread) == (2, 2)
        await pilot.press("s")
        await settle(pilot, app)
        assert not library.article(ids[0]).starred
        assert len(main.headlines.ids) == 2
        assert (main.view.count, main.view.unread) == (2, 2)
        assert "2 articles, 2 unread" in str(main.query_one("#header").render())
        await pilot.press("m")  # read: one fewer
        await settle(pilot, app)
        assert (main.view.count, main.view.unread) == (2, 1)
        await pilot.press("m")
        await settle(pilot, app)
        assert main.view.unread == 2


async def test_sidebar_counts_have_thousands_separators(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        sidebar = app.main.sidebar
        sidebar.set_items(build_items(library.feeds(), {"unread": 12_345, "starred": 0}, {}))
        await pilot.pause()
        assert "12,345" in sidebar.render_line(0).text


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_n_at_the_bottom_wraps_to_the_first_unread_above(library):
    """newsboat's habit: n past the last unread goes on from the top, and says so; N
    past the first goes on from the bottom. Only with none anywhere: "No more unread"."""
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main, hl = app.main, app.main.headlines
        await pilot.press("G")
        await settle(pilot, app)
        bottom = hl.cursor
        assert bottom == len(hl.ids) - 1 > 3
        await pilot.press("k", "m", "j")  # the row above the bottom is read: look past it
        await settle(pilot, app)
        first_unread = next(i for i in range(len(hl.ids)) if not hl.headline(i).read)
        last_unread = max(i for i in range(len(hl.ids)) if not hl.headline(i).read)
        await pilot.press("n")
        await settle(pilot, app)
        assert hl.cursor == first_unread < bottom - 1
        assert main.article.article.id == hl.selected_id
        assert any("wrapped around to the first unread at the top" in m for m in messages(app))
        assert "No more unread articles" not in messages(app)
        await pilot.press("g", "N")  # from the top, N goes on from the bottom
        await settle(pilot, app)
        assert hl.cursor == last_unread
        assert any("wrapped around to the last unread at the bottom" in m
                   for m in messages(app))


async def test_n_with_nothing_unread_anywhere_says_so(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("A")  # every article of the view read
        await settle(pilot, app)
        app.wait_for_writes()
        await pilot.press("n")
        await settle(pilot, app)
        assert any(m == "No more unread articles" for m in messages(app))
        assert not any("wrapped" in m for m in messages(app))


async def test_a_resize_keeps_the_focused_pane_on_screen(library):
    """120x40, Enter, l (the article focused), resized to 80x24: the article was hidden
    and kept the keys (j/k/Enter did nothing until Tab). It stays shown, over the list,
    and the keys work; Esc gives the list back."""
    from reader.ui.widgets.article_view import ArticleView

    app = quiet_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        main = app.main
        await pilot.press("enter", "l")
        await settle(pilot, app)
        assert isinstance(app.focused, ArticleView)
        await pilot.resize_terminal(80, 24)
        await settle(pilot, app)
        assert main.narrow and isinstance(app.focused, ArticleView)
        assert main.article.region.width == 80  # shown, where the keys go
        await pilot.press("escape", "j")
        await settle(pilot, app)
        assert isinstance(app.focused, HeadlineList) and main.headlines.cursor == 1
        await pilot.press("h")  # the sidebar, over the list; back to wide: beside it
        await settle(pilot, app)
        assert isinstance(app.focused, Sidebar) and main.sidebar.region.width > 0
        await pilot.resize_terminal(120, 40)
        await settle(pilot, app)
        assert isinstance(app.focused, Sidebar) and main.sidebar.region.width > 0
        assert main.headlines.region.width > 0 and not main.has_class("show-sidebar")


async def test_opening_an_article_changes_the_header_and_sidebar_counts_together(library):
    """The header's unread count changed as an article was opened, the sidebar's only
    once the write and the counts read after it were done (about a second on a big
    database): they disagreed meanwhile. Here the write is held back: both change at once."""
    import threading

    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main, sidebar = app.main, app.main.sidebar
        before = main.view.unread
        assert sidebar.current.count == before
        hl = main.headlines
        feed_id = hl.headline(hl.cursor).feed_id
        feed_row = next(i for i in sidebar.all_items if i.kind == "feed" and i.feed.id == feed_id)
        feed_before = feed_row.count
        release = threading.Event()
        app._writer.submit(release.wait, 10)  # the write waits behind this
        try:
            await pilot.press("enter")
            await pilot.pause()
            assert main.view.unread == before - 1
            assert sidebar.current.count == main.view.unread
            assert feed_row.count == feed_before - 1
        finally:
            release.set()
        await settle(pilot, app)
        assert sidebar.current.count == main.view.unread == before - 1  # as read again
