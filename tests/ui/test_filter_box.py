"""The filter box (/): it refines the view's filter, Escape cancels the edit, Ctrl+S saves
what it holds; saving a view under a name, and its footer."""

from __future__ import annotations

from reader.ui.screens.pickers import Confirm, NamePrompt, TagPicker
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.sidebar import Sidebar

from .conftest import add_feed, entry, quiet_app, settle, wait_until

WIDE = (120, 30)


def row_of(app, label: str, nth: int = 0) -> int:
    rows = [n for n, i in enumerate(app.main.sidebar.items) if i.label == label]
    return rows[nth]


async def show_row(pilot, app, row: int) -> None:
    """Move the sidebar's cursor onto `row` (its view shows), the sidebar focused."""
    await pilot.press("h")
    app.main.sidebar.move_cursor(row)
    await settle(pilot, app)


def footer(app) -> str:
    return str(app.main.query_one("#keys").render())


async def test_the_box_opens_with_the_filter_to_refine(library):
    """As elfeed's live filter: the view's filter is in the box with a space after it,
    nothing selected, the cursor at its end; a word typed adds a term (it replaced it
    all before; then, without the space, it stuck to the last term: +techriver)."""
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await show_row(pilot, app, row_of(app, "tech"))
        assert app.main.view.filter_text == "+tech"
        await pilot.press("slash")
        await pilot.pause()
        box = app.main.query_one("#filter")
        assert box.value == "+tech " and box.selection.is_empty
        assert box.cursor_position == len("+tech ")
        await pilot.press(*"is:unread")
        await wait_until(pilot, app, lambda: app.main.view.filter_text == "+tech is:unread")
        assert box.value == "+tech is:unread"
        assert "Enter apply" in footer(app) and "Esc cancel" in footer(app)
        assert "save" in footer(app) and "Quit" not in footer(app)
        # Blank is All (not a view called "Filter:   ")
        await pilot.press("ctrl+u", "space", "space", "enter")
        await wait_until(pilot, app, lambda: app.main.view.filter_text == "")
        assert app.main.view.label == "All"


async def test_escape_brings_back_the_view_the_sidebar_cursor_and_the_focus(library):
    """Escape cancels the edit: the view shown when / was pressed comes back (the box had
    filtered as it was typed in), the sidebar's cursor and the focus too. Escape with
    nothing typed changes nothing (it showed All before)."""
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main, sidebar = app.main, app.main.sidebar
        await show_row(pilot, app, row_of(app, "news"))
        await pilot.press("slash", "escape")
        await settle(pilot, app)
        assert main.view.filter_text == "+news" and main.view.label == "news"
        assert isinstance(app.focused, Sidebar) and sidebar.current.label == "news"
        assert not main.query_one("#filter").visible
        # World Daily is under news and under world: the cursor on the second one
        second = row_of(app, "World Daily", 1)
        await show_row(pilot, app, second)
        await pilot.press("slash")
        main.query_one("#filter").value = "+tech"  # typed: the view follows, the cursor too
        await wait_until(pilot, app, lambda: main.view.filter_text == "+tech")
        assert sidebar.current.label == "tech"
        await pilot.press("escape")
        await settle(pilot, app)
        assert main.view.filter_text.startswith("feedid:") and main.view.label == "Feed: World Daily"
        assert sidebar.cursor == second and isinstance(app.focused, Sidebar)
        assert len(main.headlines.ids) == 5
        # from the list, the focus goes back to the list
        await pilot.press("l", "slash")
        await pilot.press(*"zzz")
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.focused, HeadlineList) and len(main.headlines.ids) == 5


async def test_an_empty_box_and_enter_show_all(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await show_row(pilot, app, row_of(app, "tech"))
        await pilot.press("slash")
        app.main.query_one("#filter").value = ""
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.main.view.filter_text == "" and app.main.view.label == "All"
        assert app.main.sidebar.current.label == "All"
        assert isinstance(app.focused, HeadlineList)


async def test_ctrl_s_in_the_box_saves_what_it_holds(library):
    """Ctrl+S in the box saves its text, even typed just now (before the live filter has
    applied it): not the view shown before. A bad filter is refused with its error."""
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = app.main
        box = main.query_one("#filter")
        await pilot.press("slash")
        box.value = "is:nonsense"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is main and box.visible  # refused: the box stays, with the error
        assert main.query_one("#filter-error").display
        assert "is:nonsense" in str(main.query_one("#filter-error").render())
        box.value = "+world is:unread"
        await pilot.press("ctrl+s")  # at once: the live filter has not applied it yet
        await pilot.pause()
        assert isinstance(app.screen, NamePrompt)
        assert "+world is:unread" in str(app.screen.query_one(".dialog-detail").render())
        await pilot.press(*"World unread", "enter")
        await settle(pilot, app)
        assert library.saved_filters() == {"World unread": "+world is:unread"}
        # the box closed on the saved view, named, its item under the sidebar's cursor
        assert not box.visible and isinstance(app.focused, HeadlineList)
        assert main.view.filter_text == "+world is:unread" and main.view.label == "World unread"
        assert main.sidebar.current.label == "World unread"


async def test_saving_moves_the_sidebar_cursor_and_asks_before_replacing(library):
    """S names the view: the header and the sidebar's cursor go to the saved filter. A
    name already saved is replaced only once the user says so."""
    library.save_filter("Mine", "is:starred")
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = app.main
        await show_row(pilot, app, row_of(app, "tech"))
        await pilot.press("l", "S")
        await pilot.pause()
        await pilot.press(*"Tech view", "enter")
        await settle(pilot, app)
        assert main.view.label == "Tech view" and main.sidebar.current.label == "Tech view"
        # an existing name, in any case: asked, and no keeps the old one
        await pilot.press("S")
        await pilot.pause()
        await pilot.press(*"MINE", "enter")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert "Quit" not in footer(app) and "Yes" in footer(app)  # the dialog's keys
        await pilot.press("n")
        await settle(pilot, app)
        assert library.saved_filters()["Mine"] == "is:starred"
        assert main.view.label == "Tech view"
        await pilot.press("S")
        await pilot.pause()
        await pilot.press(*"Mine", "enter")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot, app)
        assert library.saved_filters()["Mine"] == "+tech"
        assert main.view.label == "Mine" and main.sidebar.current.label == "Mine"
        assert "Quit" in footer(app)  # the dialog has gone: the screen's keys again


async def test_saving_a_feed_view_says_which_feed(library):
    """A feed's view is feedid:N (a rename keeps it): the dialog names the feed."""
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await show_row(pilot, app, row_of(app, "Tech Weekly"))
        await pilot.press("l", "S")
        await pilot.pause()
        assert isinstance(app.screen, NamePrompt)
        detail = str(app.screen.query_one(".dialog-detail").render())
        assert "Tech Weekly" in detail and app.main.view.filter_text in detail


async def test_slash_after_fast_sidebar_moves_edits_the_view_they_stopped_on(
    library, monkeypatch
):
    """j held in the sidebar shows the view where it stops (SWITCH_COALESCE later); /
    pressed before then edits that view, not the one of the first j."""
    from reader.ui.screens import sidebar_moves

    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("h")
        await pilot.pause(0.15)
        monkeypatch.setattr(sidebar_moves, "SWITCH_COALESCE", 5)  # (every j after the first)
        await pilot.press("j", "j", "j", "j")
        item = app.main.sidebar.current
        await pilot.press("slash")
        await pilot.pause()
        assert app.main.view.filter_text == item.filter
        assert app.main.query_one("#filter").value.strip() == item.filter
        await pilot.press("escape")
        await pilot.pause()
        assert app.main.sidebar.current is item and app.main.view.filter_text == item.filter


async def test_a_filter_applied_on_a_narrow_terminal_shows_the_list(library):
    """80x24, the sidebar over the list: Enter in the filter box shows the list with the
    results. (With an article open over the list, / searches the article instead.)"""
    app = quiet_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        main = app.main
        await pilot.press("enter")
        await settle(pilot, app)
        assert main.narrow and main.has_class("article-open")
        # In the article, / searches the article (issue 14): the filter box is the
        # list's and the sidebar's. Esc closes the search, Esc again the article.
        await pilot.press("slash")
        await wait_until(pilot, app, lambda: main.query_one("#article-search").has_focus)
        await pilot.press("escape", "escape")
        await wait_until(pilot, app, lambda: isinstance(app.focused, HeadlineList))
        assert not main.has_class("article-open")
        await pilot.press("slash", "ctrl+u", *"+tech", "enter")
        await wait_until(pilot, app, lambda: main.view.filter_text == "+tech")
        assert isinstance(app.focused, HeadlineList)
        await pilot.press("h")  # the sidebar, over the list
        await pilot.pause()
        assert main.has_class("show-sidebar")
        await pilot.press("slash", "ctrl+u", "enter")
        await wait_until(pilot, app, lambda: isinstance(app.focused, HeadlineList))
        assert main.view.filter_text == "" and not main.has_class("show-sidebar")


async def test_refining_a_feed_view_names_the_feed(library):
    """A feed's view refined in the box (feedid:N word) is named with the feed's title in
    the header, not its id."""
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = app.main
        feed = next(i for i in main.sidebar.items if i.kind == "feed")
        main.apply_filter(feed.filter)
        await settle(pilot, app)
        await pilot.press("slash", *"zz", "enter")
        await wait_until(pilot, app, lambda: main.view.filter_text == f"{feed.filter} zz")
        assert main.view.label == f"Filter: feed “{feed.label}” zz"


def add_ukrainian_feed(library) -> None:
    """Stories whose categories have spaces and capitals, on a feed with no tag."""
    add_feed(library, "http://127.0.0.1:9/unn.xml", "УНН", [], [
        entry(700, "Засідання Ради Європи", feed="unn", categories=["Війна в Україні", "Рада Європи"]),
        entry(701, "Новини дня", hours_ago=2, feed="unn", categories=["ВІЙНА"]),
    ])


async def test_the_tag_picker_lists_categories_and_matches_them_in_any_case(library):
    """t said "No tags yet" on a feed whose items all carry categories: they are listed
    with their unread counts, and typing matches them as +TAG does (війна finds ВІЙНА)."""
    add_ukrainian_feed(library)
    app = quiet_app(library)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, TagPicker)
        assert dict(picker.tags) == {
            "news": 5, "tech": 4, "world": 5,
            "compilers": 1, "ВІЙНА": 1, "Війна в Україні": 1, "Рада Європи": 1,
        }
        await pilot.press(*"війна")
        assert [picker.tags[i][0] for i in picker.shown] == ["ВІЙНА", "Війна в Україні"]
        await pilot.press(*" в", "enter")
        await settle(pilot, app)
        assert app.main.view.filter_text == '+"Війна в Україні"'
        assert len(app.main.headlines.ids) == 1


async def test_an_unquoted_tag_with_spaces_says_how_to_quote_it(library):
    """`+Війна в Україні` is the tag "Війна" and two words: it found nothing, silently.
    The view says what was probably meant, with the quoted form; the quoted one works."""
    add_ukrainian_feed(library)
    app = quiet_app(library)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, app)
        error = app.main.query_one("#filter-error")
        await pilot.press("slash", "ctrl+u", *"+Війна в Україні", "enter")
        await wait_until(pilot, app, lambda: error.display)
        assert not app.main.headlines.ids
        shown = str(error.render())
        assert shown.startswith("No articles match: ") and '+"Війна в Україні"' in shown
        await pilot.press("slash", "ctrl+u", *'+"Війна в Україні"', "enter")
        await wait_until(pilot, app, lambda: len(app.main.headlines.ids) == 1)
        assert not error.display
        await pilot.press("slash", "ctrl+u", *"+tech nothingatall", "enter")
        await wait_until(pilot, app, lambda: not app.main.headlines.ids
                         and app.main.view.filter_text == "+tech nothingatall")
        assert not error.display  # "tech" is a tag: the word was a word


async def test_help_explains_quoting_a_tag_with_spaces(library):
    from textual.widgets import Static

    app = quiet_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        text = str(app.screen.query_one("#help-text", Static).render())
        assert '+"Війна в Україні"' in text and "+війна finds ВІЙНА" in text
