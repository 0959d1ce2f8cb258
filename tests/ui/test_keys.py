"""Pilot tests: every binding and flow of the main screen."""

from __future__ import annotations

from reader.core.config import Config
from reader.ui.screens.help import HelpScreen
from reader.ui.screens.pickers import NamePrompt, TagPicker
from reader.ui.widgets.article_view import ArticleView
from reader.ui.widgets.headline_list import HeadlineList
from reader.ui.widgets.sidebar import Sidebar

from .conftest import fill, palette_pick, quiet_app, settle, wait_until

WIDE = (120, 30)


def titles(app) -> list[str]:
    hl = app.main.headlines
    return [hl.headline(i).title for i in range(len(hl.ids))]


async def flush_writes(app) -> None:
    app.wait_for_writes()


async def test_first_view_lists_newest_first(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        assert titles(app)[:2] == [
            "Harbor reopens after the storm",
            "Compiler release brings faster builds",
        ]
        assert app.main.view.count == 12
        assert isinstance(app.focused, HeadlineList)


async def test_cursor_keys(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        hl = app.main.headlines
        await pilot.press("j", "down")
        assert hl.cursor == 2
        await pilot.press("k")
        assert hl.cursor == 1
        await pilot.press("up")
        assert hl.cursor == 0
        await pilot.press("G")
        assert hl.cursor == 11
        await pilot.press("g")
        assert hl.cursor == 0
        await pilot.press("pagedown")
        assert hl.cursor == 11  # the page is taller than 12 rows: clamped at the end
        await pilot.press("pageup")
        assert hl.cursor == 0
        await pilot.press("space")
        assert hl.cursor == 11


async def test_paging_moves_a_screenful(tmp_path):
    from reader.core.library import Library

    from .conftest import add_feed, entry

    lib = Library(tmp_path / "many.db", Config())
    add_feed(
        lib,
        "http://127.0.0.1:9/many",
        "Many",
        [],
        [entry(i, f"Story {i}", hours_ago=i, feed="many") for i in range(600)],
    )
    app = quiet_app(lib)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        hl = app.main.headlines
        page = hl.page_height
        await pilot.press("space")
        assert hl.cursor == page
        await pilot.press("pagedown")
        assert hl.cursor == 2 * page
        assert hl.scroll_y > 0
        await pilot.press("pageup")
        assert hl.cursor == page
        await pilot.press("G")
        assert hl.cursor == 599
        assert hl.selected.title == "Story 599"
        # only windows around what was on screen were read, never the whole list
        assert hl.window_loads <= 6
        assert len(hl._headlines) < 600
    lib.close()


async def test_enter_opens_and_marks_read(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        article = app.main.article.article
        assert article is not None and article.title == "Harbor reopens after the storm"
        await flush_writes(app)
        assert library.article(article.id).read
        assert app.main.headlines.selected.read
        # the body is Markdown and the numbered links list is there
        assert app.main.article.links == ["https://world.example.com/harbor"]
        assert isinstance(app.focused, HeadlineList)  # wide: the list keeps the focus
        await pilot.press("enter")  # Enter again on the open article: into the article
        await settle(pilot, app)
        assert isinstance(app.focused, ArticleView)


async def test_open_does_not_mark_read_when_configured(library):
    library.config.mark_read_on_open = False
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        await flush_writes(app)
        assert not library.article(app.main.article.article.id).read


async def test_article_pane_scrolls_from_the_keyboard(library):
    long_body = "".join(f"<p>Paragraph {i} of a long article.</p>" for i in range(80))
    from .conftest import add_feed, entry

    add_feed(
        library,
        "http://127.0.0.1:9/long",
        "Long",
        [],
        [entry(1, "A long read", hours_ago=0, feed="long", content=long_body)],
    )
    app = quiet_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        view = app.main.article
        assert app.focused is view
        await pilot.press("j", "j")
        assert view.scroll_y == 2
        await pilot.press("space")
        assert view.scroll_y > 10
        await pilot.press("G")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert view.scroll_y == 0


async def test_next_and_previous_unread(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        hl = app.main.headlines
        await pilot.press("n")  # from row 0: the next unread is row 1
        await settle(pilot, app)
        assert hl.cursor == 1
        assert app.main.article.article.id == hl.selected_id
        await pilot.press("n", "n")
        await settle(pilot, app)
        assert hl.cursor == 3
        await pilot.press("N")
        await settle(pilot, app)
        assert hl.cursor == 0  # rows 1 and 2 are read now


async def test_next_unread_goes_on_to_the_next_feed(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        feed_items = app.main.sidebar.feed_items()
        first = feed_items[0]  # World Daily, under "news"
        app.main.sidebar.select_filter(first.filter)
        app.main.apply_filter(first.filter)
        await settle(pilot, app)
        for _ in range(5):
            await pilot.press("n")
            await settle(pilot, app)
        # World Daily had 5 unread; the last n went on to the next feed with unread
        assert app.main.view.filter_text != first.filter
        assert app.main.view.filter_text.startswith("feedid:")
        assert app.main.article.article.feed_title != "World Daily"


async def test_panes_tab_and_hl(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("tab")
        assert isinstance(app.focused, Sidebar)  # no article open yet: two panes cycle
        await pilot.press("tab")
        assert isinstance(app.focused, HeadlineList)
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("l")
        assert isinstance(app.focused, ArticleView)
        await pilot.press("h")
        assert isinstance(app.focused, HeadlineList)
        await pilot.press("left")
        assert isinstance(app.focused, Sidebar)
        await pilot.press("right", "right")
        assert isinstance(app.focused, ArticleView)
        await pilot.press("shift+tab")
        assert isinstance(app.focused, HeadlineList)
        await pilot.press("l")
        await pilot.press("escape")
        assert isinstance(app.focused, HeadlineList)


async def test_article_pane_shows_while_an_article_is_open(library):
    app = quiet_app(library)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        main = app.main
        full = main.headlines.region.width
        assert main.article.region.width == 0  # nothing open: the list has the room
        await pilot.press("enter")
        await settle(pilot, app)
        assert main.article.region.width > 40
        assert main.headlines.region.width < full
        assert isinstance(app.focused, HeadlineList)
        await pilot.press("escape")  # Esc in the list closes the article too
        await pilot.pause()
        assert main.article.region.width == 0 and main.headlines.region.width == full
        await pilot.press("enter", "enter")  # open, then into the article
        await settle(pilot, app)
        assert isinstance(app.focused, ArticleView)
        await pilot.press("q")  # q in the article closes it, it doesn't quit
        await pilot.pause()
        assert app.is_running and main.article.region.width == 0
        assert isinstance(app.focused, HeadlineList)


async def test_empty_views_say_so(library, empty_library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        app.main.apply_filter("no-such-word-anywhere")
        await settle(pilot, app)
        assert "no article matches" in app.main.headlines.render_line(1).text
    app = quiet_app(empty_library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("escape")  # skip the welcome
        await settle(pilot, app)
        assert "reader add URL" in app.main.headlines.render_line(1).text


async def test_star_and_toggle_read(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        hl = app.main.headlines
        aid = hl.selected_id
        await pilot.press("s")
        await flush_writes(app)
        assert library.article(aid).starred and hl.selected.starred
        await pilot.press("m")
        await flush_writes(app)
        assert library.article(aid).read
        await pilot.press("m", "s")
        await flush_writes(app)
        assert not library.article(aid).read and not library.article(aid).starred
        await settle(pilot, app)
        assert app.main.sidebar.items[2].label == "Starred"


async def test_mark_all_read_and_undo(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        app.main.apply_filter("+tech")
        await settle(pilot, app)
        await pilot.press("A")
        await flush_writes(app)
        await settle(pilot, app)
        assert library.count("+tech is:unread") == 0
        assert library.count("is:unread") == 12 - 4
        assert app.main.view.unread == 0
        await pilot.press("u")
        await flush_writes(app)
        await settle(pilot, app)
        assert library.count("+tech is:unread") == 4
        assert app.main.view.unread == 4


async def test_open_link_only_http(library):
    app = quiet_app(library)
    opened: list[str] = []
    app.url_opener = lambda url: opened.append(url) or True
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("o")
        assert opened == ["https://world.example.com/1"]
        # the hostile feed's article links to javascript:
        app.main.apply_filter('feed:"[@click"')
        await settle(pilot, app)
        assert app.main.headlines.selected.title == "[@click=app.quit]Click me[/]"
        await pilot.press("o")
        await pilot.pause()
        assert opened == ["https://world.example.com/1"]
        assert app.is_running


async def test_copy_link(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("j", "y")
        assert app.clipboard == "https://tech.example.com/1"


async def test_filter_as_you_type_and_escape(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash")
        await pilot.press(*"+tech")
        await wait_until(pilot, app, lambda: app.main.view.filter_text == "+tech")
        assert len(app.main.headlines.ids) == 4
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.main.view.filter_text == ""
        assert len(app.main.headlines.ids) == 12
        assert isinstance(app.focused, HeadlineList)


async def test_bad_filter_shows_error_inline(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash")
        # One change, not a key at a time: on a busy machine a pause between keys longer
        # than the typing delay applies a prefix ("i" is a word to search for).
        app.main.query_one("#filter").value = "is:nonsense"
        error = app.main.query_one("#filter-error")
        await wait_until(pilot, app, lambda: error.display)
        assert "is:nonsense" in str(error.render())
        assert len(app.main.headlines.ids) == 12  # the last good view stays
        # fix it: a good filter clears the message
        app.main.query_one("#filter").value = "is:starred"
        await wait_until(pilot, app, lambda: not error.display)
        await pilot.press("enter")
        assert isinstance(app.focused, HeadlineList)
        assert app.main.view.filter_text == "is:starred"


async def test_tag_picker(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TagPicker)
        # the feed tags, then the articles' own categories
        assert [t for t, _ in app.screen.tags] == ["news", "tech", "world", "compilers"]
        await pilot.press("down", "enter")
        await settle(pilot, app)
        assert app.main.view.filter_text == "+tech"
        assert app.main.sidebar.current.label == "tech"
        assert len(app.main.headlines.ids) == 4


async def test_save_filter(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        app.main.apply_filter("+world is:unread")
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, NamePrompt)
        await pilot.press(*"World unread", "enter")
        await settle(pilot, app)
        assert library.saved_filters() == {"World unread": "+world is:unread"}
        labels = [i.label for i in app.main.sidebar.items]
        assert "World unread" in labels and "Saved filters" in labels
        # choosing it in the sidebar applies it
        app.main.apply_filter("")
        row = labels.index("World unread")
        app.main.sidebar.move_cursor(row)
        await settle(pilot, app)
        assert app.main.view.filter_text == "+world is:unread"


async def test_sidebar_selects_views(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("h")
        assert isinstance(app.focused, Sidebar)
        await pilot.press("j")  # Unread
        await settle(pilot, app)
        assert app.main.view.filter_text == "is:unread"
        await pilot.press("j", "j", "j")  # Starred, news (a tag), then World Daily (its feed)
        await settle(pilot, app)
        assert app.main.view.filter_text.startswith("feedid:")
        assert app.main.view.label == "Feed: World Daily"
        assert len(app.main.headlines.ids) == 5
        await pilot.press("G")  # the last row: an article's own category
        await settle(pilot, app)
        assert app.main.view.filter_text == "+compilers"
        assert len(app.main.headlines.ids) == 1
        await pilot.press("k", "k")  # over the Categories row: the hostile feed, Untagged
        await settle(pilot, app)
        assert len(app.main.headlines.ids) == 3


async def test_click_opens(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.click(HeadlineList, offset=(20, 3))
        await settle(pilot, app)
        assert app.main.headlines.cursor == 3
        assert app.main.article.article.id == app.main.headlines.selected_id
        await pilot.click(Sidebar, offset=(5, 2))  # Starred
        await settle(pilot, app)
        assert app.main.view.filter_text == "is:starred"


async def test_help_is_generated_from_live_bindings(library):
    library.config.keys = {"next_unread": "x,n"}
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = {description: keys for _w, keys, description, _id in app.screen.rows}
        assert rows["Next unread"] == "x, n"
        assert rows["Open"] in ("enter", "⏎")
        assert "Star" in rows and "Filter" in rows and "Quit" in rows
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_keymap_from_config(library):
    library.config.keys = {"down": "x", "star": "z", "no_such_action": "y"}
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("x", "x")
        assert app.main.headlines.cursor == 2
        await pilot.press("j")  # replaced by x
        assert app.main.headlines.cursor == 2
        await pilot.press("z")
        await flush_writes(app)
        assert library.article(app.main.headlines.selected_id).starred
        assert any("no_such_action" in n.message for n in app._notifications)


async def test_keymap_clashes_are_named(library):
    """A key given to an action that another keeps (space pages down in the list) would
    silently do one of the two: the warning names both."""
    library.config.keys = {"next_unread": "space", "star": "Z"}
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        warnings = [n.message for n in app._notifications if "[keys]" in n.message]
        assert len(warnings) == 1
        assert "space for next_unread is also the key of page_down" in warnings[0]
        assert "star" not in warnings[0]  # Z is nobody else's


async def test_command_palette_offers_what_can_run_now(library):
    """No Back while no article is open, no Delete filter off a saved filter, and a title
    two panes share says whose it is."""
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.main)]
        assert len(titles) == len(set(titles))
        assert "Back" not in titles and "Delete filter" not in titles
        assert "Bottom" in titles  # the list's: the article pane is not shown
        await pilot.press("enter")  # open an article
        await settle(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.main)]
        assert "Back" in titles and len(titles) == len(set(titles))
        assert "Bottom (Headline list)" in titles and "Bottom (Article)" in titles


async def test_command_palette_goes_to_feed(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await palette_pick(pilot, app, "go to feed tech weekly", "Tech Weekly")
        await settle(pilot, app)
        assert app.main.view.label == "Feed: Tech Weekly"
        assert len(app.main.headlines.ids) == 4


async def test_command_palette_lists_actions(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        titles = {c.title for c in app.get_system_commands(app.main)}
        for wanted in ("Star", "Next unread", "Filter", "Refresh all", "Open link", "Quit"):
            assert wanted in titles


async def test_q_quits(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_narrow_terminal(library):
    app = quiet_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        main = app.main
        assert main.narrow
        assert not main.sidebar.display or main.sidebar.region.width == 0
        assert main.headlines.region.width == 80
        await pilot.press("enter")
        await settle(pilot, app)
        assert main.article.region.width == 80  # the article takes the screen
        assert isinstance(app.focused, ArticleView)
        await pilot.press("q")  # q in the article goes back, it doesn't quit
        await pilot.pause()
        assert app.is_running
        assert main.headlines.region.width == 80
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.focused, HeadlineList)
        await pilot.press("h")  # the sidebar shows on demand
        await pilot.pause()
        assert isinstance(app.focused, Sidebar) and main.sidebar.region.width > 0
        await pilot.press("l")
        await pilot.pause()
        assert main.sidebar.region.width == 0


async def test_welcome_on_first_run(empty_library):
    from reader.ui.screens.welcome import STARTER_FEEDS, WelcomeScreen

    app = quiet_app(empty_library)
    started: list = []
    app.start_refresh = lambda *a, **k: started.append(a)  # no network in tests
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("enter")  # the accept button has the focus
        await settle(pilot, app)
        assert len(empty_library.feeds()) == len(STARTER_FEEDS)
        assert started  # a background refresh was started
        labels = [i.label for i in app.main.sidebar.items]
        assert "Hacker News" in labels and "science" in labels


async def test_welcome_skip(empty_library):
    from reader.ui.screens.welcome import WelcomeScreen

    app = quiet_app(empty_library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("escape")
        await settle(pilot, app)
        assert empty_library.feeds() == []
        assert not isinstance(app.screen, WelcomeScreen)


async def test_no_welcome_when_subscribed(tmp_path):
    from reader.core.library import Library

    lib = Library(tmp_path / "x.db", Config())
    fill(lib)
    app = quiet_app(lib)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        assert app.screen is app.main
    lib.close()


async def test_tag_picker_narrows_as_you_type(library):
    """Typing in the tag picker keeps the tags that hold the text, those that start with
    it first; Enter picks the highlighted one, and text that matches none picks none."""
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, TagPicker)
        await pilot.press("e")  # in news, tech, compilers: none starts with it
        assert [picker.tags[i][0] for i in picker.shown] == ["news", "tech", "compilers"]
        await pilot.press("c")
        assert [picker.tags[i][0] for i in picker.shown] == ["tech"]
        await pilot.press("x", "enter")  # "ecx": nothing to pick, the picker stays
        assert isinstance(app.screen, TagPicker) and picker.shown == []
        assert picker.query_one("#tag-none").display
        await pilot.press("backspace", "backspace", "backspace", "w", "enter")
        await settle(pilot, app)
        assert app.main.view.filter_text == "+world"


async def test_keys_typed_with_t_in_one_go_go_to_the_tag_picker(library):
    """"tte" and Enter in one burst (typed fast or pasted): the letters after t narrow the
    picker, none reaches the list (where t would open a second picker, r refresh...)."""
    from textual import events

    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        for key, ch in [("t", "t"), ("t", "t"), ("e", "e"), ("enter", "\r")]:
            app.post_message(events.Key(key, ch))
        await settle(pilot, app)
        assert app.screen is app.main
        assert app.main.view.filter_text == "+tech"


async def test_links_of_the_open_article_by_number(library):
    """L in an open article lists its numbered links; digits go to a link, Enter opens it
    (the app's opener gets it); with no article open, L says how to get links."""
    from reader.ui.screens.pickers import LinkPicker

    opened: list[str] = []
    app = quiet_app(library)
    app.url_opener = lambda url: opened.append(url) or True
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("L")
        await pilot.pause()
        assert not isinstance(app.screen, LinkPicker)
        assert any("No links" in n.message for n in app._notifications)
        main = app.main
        for _ in range(len(main.headlines.ids)):
            await pilot.press("enter")
            await settle(pilot, app)
            if main.article.links:
                break
            await pilot.press("escape", "j")
        links = main.article.links
        assert links, "no article of the test library has links"
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, LinkPicker)
        await pilot.press(str(len(links)), "enter")
        await settle(pilot, app)
        assert opened == [links[-1]] and app.screen is main


async def test_keys_after_enter_in_a_burst_go_to_the_list(library):
    """"ttech", Enter, "jj" in one burst picks the tag and moves in its view (the j's were
    typed into the picker: "techjj"); in the sidebar, Enter "jj" moves in the list, not
    the sidebar (the view changed under the user)."""
    from textual import events

    def burst(*keys: tuple[str, str]) -> None:
        for key, ch in keys:
            app.post_message(events.Key(key, ch))

    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main, hl = app.main, app.main.headlines
        burst(("t", "t"), *[(c, c) for c in "tech"], ("enter", "\r"), ("j", "j"), ("j", "j"))
        await wait_until(pilot, app, lambda: main.view.filter_text == "+tech" and hl.cursor == 2)
        await settle(pilot, app)
        assert app.screen is main and hl.cursor == 2
        await pilot.press("g", "h")
        await settle(pilot, app)
        item = main.sidebar.current
        burst(("enter", "\r"), ("j", "j"), ("j", "j"))
        await wait_until(pilot, app, lambda: isinstance(app.focused, HeadlineList))
        await settle(pilot, app)
        assert main.sidebar.current is item and hl.cursor == 2


def typed(app, *keys: tuple[str, str | None]) -> None:
    """Keys as the terminal sends them, one after another without waiting between them."""
    from textual import events

    for key, character in keys:
        app.post_message(events.Key(key, character))


async def wait_for_exit(pilot, app) -> None:
    for _ in range(200):  # (each pause lets every queued message run)
        if not app.is_running:
            return
        await pilot.pause()


async def test_esc_esc_q_typed_fast_with_an_article_open_quits(library):
    """Esc closes the article and moves the focus before the next key is looked at: on a
    narrow terminal the second Esc and the q went to the closing article ("back" twice)
    and the app stayed."""
    for size in (WIDE, (80, 24)):
        app = quiet_app(library)
        async with app.run_test(size=size) as pilot:
            await settle(pilot, app)
            await pilot.press("enter")
            await settle(pilot, app)
            assert app.main.view.opened_id is not None
            typed(app, ("escape", "\x1b"), ("escape", "\x1b"), ("q", "q"))
            await wait_for_exit(pilot, app)
            assert not app.is_running, size


async def test_esc_and_a_key_read_together_as_alt_are_both_keys(library):
    """The terminal sends Esc as ESC, and Textual reads ESC with a key within 100 ms as
    Alt+key: "Esc Esc q" typed 50 ms apart came as Esc, Alt+q. Nothing binds Alt+q, so
    it is Esc and q again."""
    app = quiet_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        typed(app, ("escape", "\x1b"), ("alt+j", "j"))  # close the article, then j in the list
        await wait_until(pilot, app, lambda: app.main.headlines.cursor == 1)
        assert app.main.view.opened_id is None and isinstance(app.focused, HeadlineList)
        await pilot.press("enter")
        await settle(pilot, app)
        typed(app, ("escape", "\x1b"), ("alt+q", "q"))
        await wait_for_exit(pilot, app)
        assert not app.is_running


async def test_esc_in_a_text_box_is_the_box_s_own(library):
    """Esc closes the article as the key arrives (a priority binding), but not from the
    filter box: there it cancels the box and the article stays open."""
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        opened = app.main.view.opened_id
        await pilot.press("slash", "x")
        await settle(pilot, app)
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.main.view.opened_id == opened
        assert app.main.query_one("#filter").display is False or not app.main.query_one(
            "#filter").has_focus


async def test_q_q_typed_fast_in_the_article_goes_back_then_quits(library):
    """q in the article goes back to the list, and q there quits: typed fast, the second
    q went to the closing article too and the app stayed."""
    app = quiet_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.focused, ArticleView)
        typed(app, ("q", "q"), ("q", "q"))
        await wait_for_exit(pilot, app)
        assert not app.is_running
