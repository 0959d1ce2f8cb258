"""Feeds managed from inside the TUI (issue 15, item 3): add by address (a page's feeds
to pick from), remove with confirmation, rename, tag and untag, import a file, each by
key and from the command palette; the first run offers the same. Feeds are served by a
real HTTP server on 127.0.0.1 (tests/conftest.py's feed_server)."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static

from reader.ui.keymap import keymap_clashes
from reader.ui.screens.feed_forms import AddFeedDialog, FeedPrompt
from reader.ui.screens.pickers import Confirm
from reader.ui.screens.welcome import STARTER_FEEDS, WelcomeScreen

from .conftest import palette_pick, quiet_app, settle, wait_until

WIDE = (120, 30)

PAGE = """<!doctype html><html><head><title>Агенція</title>
<link rel="alternate" type="application/rss+xml" title="Усі новини" href="/all.xml">
<link rel="alternate" type="application/atom+xml" title="Культура" href="/culture.atom">
</head><body><p>Новини</p></body></html>"""

RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
<title>Усі новини</title><link>https://ua.example/</link>
<item><title>Рада Європи ухвалила резолюцію</title><link>https://ua.example/1</link>
<guid>ua-1</guid><pubDate>Fri, 20 Nov 2026 09:00:00 +0200</pubDate>
<category>Рада Європи</category><category>Війна в Україні</category></item>
<item><title>Волонтери зібрали на генератори</title><link>https://ua.example/2</link>
<guid>ua-2</guid><pubDate>Fri, 20 Nov 2026 08:00:00 +0200</pubDate>
<category>Суспільство</category></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Культура</title><id>urn:culture</id><updated>2026-11-20T08:00:00Z</updated>
<entry><title>Виставка у Львові</title><id>urn:culture:1</id>
<link href="https://ua.example/c1"/><updated>2026-11-20T08:00:00Z</updated></entry>
</feed>"""


def serve_agency(feed_server) -> str:
    """A page linking two feeds; returns the page's URL."""
    feed_server.route("/all.xml", RSS)
    feed_server.route("/culture.atom", ATOM, content_type="application/atom+xml")
    return feed_server.route("/", PAGE, content_type="text/html; charset=utf-8")


def feed_titles(library) -> set[str]:
    return {f.title for f in library.feeds()}


def toasts(app) -> str:
    return " | ".join(n.message for n in app._notifications)


async def type_into_dialog(pilot, app, text: str, paste: bool = False) -> None:
    """Type `text` into the dialog's box (replacing what it holds) and press Enter;
    `paste`: put it there in one go (a long path typed key by key takes seconds)."""
    box = app.screen.query_one(Input)
    box.value = text if paste else ""
    if not paste:
        await pilot.press(*text)
    await pilot.press("enter")


async def test_add_a_page_lists_its_feeds_to_pick_from(library, feed_server):
    page = serve_agency(feed_server)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("a")
        await settle(pilot, app)
        dialog = app.screen
        assert isinstance(dialog, AddFeedDialog)
        await type_into_dialog(pilot, app, page)
        await wait_until(pilot, app, lambda: len(dialog.candidates) == 2 and not dialog.looking)
        choices = dialog.query_one("#add-choices", OptionList)
        shown = [str(choices.get_option_at_index(i).prompt) for i in range(2)]
        assert "Усі новини" in shown[0] and "Культура" in shown[1]
        assert "Усі новини" not in feed_titles(library)  # nothing stored by looking
        await pilot.press("down", "enter")  # the second: Культура
        await wait_until(pilot, app, lambda: "Культура" in feed_titles(library))
        assert "Усі новини" not in feed_titles(library)
        feed = next(f for f in library.feeds() if f.title == "Культура")
        assert feed.url == feed_server.url("/culture.atom")
        assert app.main.view.filter_text == f"feedid:{feed.id}"  # its view is shown
        assert "Subscribed to “Культура”: 1 article" in toasts(app)


async def test_add_a_feed_address_subscribes_at_once(library, feed_server):
    url = feed_server.route("/all.xml", RSS)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("a")
        await settle(pilot, app)
        await type_into_dialog(pilot, app, url)
        await wait_until(pilot, app, lambda: "Усі новини" in feed_titles(library))
        assert not isinstance(app.screen, AddFeedDialog)
        hl = app.main.headlines
        await wait_until(pilot, app, lambda: len(hl.ids) == 2)
        assert hl.headline(0).title == "Рада Європи ухвалила резолюцію"
        assert "Війна в Україні" in hl.headline(0).tags


async def test_add_failure_is_one_line_and_the_address_stays(library, feed_server):
    url = feed_server.route("/gone.xml", "nope", status=404, content_type="text/plain")
    before = feed_titles(library)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("a")
        await settle(pilot, app)
        dialog = app.screen
        await type_into_dialog(pilot, app, url)
        await wait_until(pilot, app, lambda: not dialog.looking and dialog.is_attached)
        assert app.screen is dialog  # still open, to correct the address
        status = str(dialog.query_one("#add-status", Static).render())
        assert "404" in status and "\n" not in status.strip()
        assert dialog.query_one(Input).value == url
        await pilot.press("escape")
        await settle(pilot, app)
        assert feed_titles(library) == before


async def test_remove_asks_first_and_shows_all_after(library):
    tech = next(f for f in library.feeds() if f.title == "Tech Weekly")
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        app.go_to_feed(tech.id)
        await settle(pilot, app)
        await pilot.press("X")
        await settle(pilot, app)
        assert isinstance(app.screen, Confirm)
        assert "Tech Weekly" in app.screen.question
        await pilot.press("n")  # no: nothing happens
        await settle(pilot, app)
        assert "Tech Weekly" in feed_titles(library)
        await pilot.press("X")
        await settle(pilot, app)
        await pilot.press("y")
        await settle(pilot, app)
        assert "Tech Weekly" not in feed_titles(library)
        assert app.main.view.filter_text == ""  # its view went with it
        assert "Unsubscribed from “Tech Weekly”" in toasts(app)


async def test_rename_from_the_sidebar(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        sidebar = app.main.sidebar
        row = next(i for i, item in enumerate(sidebar.items) if item.label == "World Daily")
        sidebar.focus()
        sidebar.cursor = row
        await settle(pilot, app)
        await pilot.press("E")
        await settle(pilot, app)
        assert isinstance(app.screen, FeedPrompt)
        assert app.screen.query_one(Input).value == "World Daily"
        await type_into_dialog(pilot, app, "Новини світу")
        await settle(pilot, app)
        assert "Новини світу" in feed_titles(library)
        assert "World Daily" not in feed_titles(library)
        await wait_until(pilot, app, lambda: "Новини світу" in [i.label for i in sidebar.items])


async def test_tags_edited_as_one_line_add_and_remove(library):
    world = next(f for f in library.feeds() if f.title == "World Daily")
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        app.go_to_feed(world.id)
        await settle(pilot, app)
        await pilot.press("T")
        await settle(pilot, app)
        assert app.screen.query_one(Input).value == "news, world"
        await type_into_dialog(pilot, app, "news, Війна в Україні")
        await settle(pilot, app)
        assert sorted(library.resolve_feed(world.id).tags) == ["news", "Війна в Україні"]
        # A tag the filter language could not name is refused, with why; nothing changes
        await pilot.press("T")
        await settle(pilot, app)
        await type_into_dialog(pilot, app, 'news, "quoted"')
        await settle(pilot, app)
        assert "cannot contain" in toasts(app)
        assert sorted(library.resolve_feed(world.id).tags) == ["news", "Війна в Україні"]


async def test_import_a_file_by_path(library, tmp_path, feed_server):
    url = feed_server.route("/all.xml", RSS)
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        f'<outline text="Україна"><outline type="rss" text="Усі" xmlUrl="{url}"/></outline>'
        '<outline type="rss" text="bad" xmlUrl="not a url"/></body></opml>',
        encoding="utf-8",
    )
    app = quiet_app(library)
    started: list = []
    app.start_refresh = lambda *a, **k: started.append(k)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("I")
        await settle(pilot, app)
        await type_into_dialog(pilot, app, str(tmp_path / "missing.opml"), paste=True)
        await settle(pilot, app)
        assert "cannot read" in toasts(app) and "missing.opml" in toasts(app)
        await pilot.press("I")
        await settle(pilot, app)
        await type_into_dialog(pilot, app, str(opml), paste=True)
        await settle(pilot, app)
        feed = library.feed_by_url(url)
        assert feed is not None and feed.tags == ["Україна"]
        assert "Imported: 1 new, 1 skipped" in toasts(app)
        assert started == [{"due_only": True}]  # and fetched


async def test_palette_answers_subscribe_and_remove(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await palette_pick(pilot, app, "subscribe", "Add feed (subscribe)")
        await settle(pilot, app)
        assert isinstance(app.screen, AddFeedDialog)
        await pilot.press("escape")
        await settle(pilot, app)
        await palette_pick(pilot, app, "remove feed tech", "Remove feed: Tech Weekly")
        await settle(pilot, app)
        assert isinstance(app.screen, Confirm) and "Tech Weekly" in app.screen.question
        await pilot.press("escape")
        await settle(pilot, app)
        for typed, title in [
            ("rename feed", "Rename feed"),
            ("import", "Import feeds (OPML)"),
            ("failures", "Feeds and failures"),
        ]:
            await palette_pick(pilot, app, typed, title)
            await settle(pilot, app)
            assert app.screen is not app.main
            await pilot.press("escape")
            await settle(pilot, app)


async def test_feed_keys_clash_with_no_other_key():
    from reader.ui.app import ReaderApp
    from reader.ui.screens.main import MainScreen

    mine = {"add_feed": "a", "remove_feed": "X", "rename_feed": "E", "tag_feed": "T",
            "import_feeds": "I", "feeds_view": "F"}
    assert keymap_clashes({}, ReaderApp) == []
    others = {
        key.strip()
        for cls in (ReaderApp, MainScreen)
        for b in cls.BINDINGS
        if b.id not in mine
        for key in b.key.split(",")
    }
    assert not others & set(mine.values())


async def test_first_run_offers_adding_from_here(empty_library, feed_server):
    url = feed_server.route("/all.xml", RSS)
    app = quiet_app(empty_library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, WelcomeScreen)
        hint = str(app.screen.query_one("#welcome-hint", Static).render())
        assert "shell" not in hint and "a adds a feed" in hint
        await pilot.press("a")
        await settle(pilot, app)
        assert isinstance(app.screen, AddFeedDialog)
        await type_into_dialog(pilot, app, url)
        await wait_until(pilot, app, lambda: len(empty_library.feeds()) == 1)
        assert empty_library.feeds()[0].title == "Усі новини"


def test_starter_set_speaks_several_languages_ukrainian_among_them():
    hosts = [url.split("/")[2] for url, _name, _tag in STARTER_FEEDS]
    assert sum(host.endswith(".ua") for host in hosts) >= 2
    assert any(host.endswith(".de") for host in hosts)
    assert any(host.endswith(".jp") for host in hosts)
    assert all(url.startswith("https://") for url, _n, _t in STARTER_FEEDS)
    assert len(set(hosts)) == len(hosts)


async def test_with_sync_an_address_unreachable_here_can_go_to_the_server(tmp_path):
    """Offline, or a feed only the sync server reaches: the dialog says so, and Enter
    again subscribes here without articles, queued for the server (as `reader add`)."""
    from reader.core.config import Config
    from reader.core.library import Library

    library = Library(tmp_path / "r.db", Config(sync={"service": "miniflux",
                                                      "url": "http://127.0.0.1:9"}))
    url = "http://127.0.0.1:9/новини.xml"
    app = quiet_app(library)
    try:
        async with app.run_test(size=WIDE) as pilot:
            await settle(pilot, app)
            await pilot.press("a")
            await settle(pilot, app)
            dialog = app.screen
            assert isinstance(dialog, AddFeedDialog)
            await type_into_dialog(pilot, app, url, paste=True)
            await wait_until(pilot, app, lambda: not dialog.looking and dialog.for_server)
            status = str(dialog.query_one("#add-status", Static).render())
            assert "cannot connect" in status and "Enter again subscribes on the sync" in status
            assert library.feeds() == []  # nothing stored by looking
            await pilot.press("enter")
            await wait_until(pilot, app, lambda: len(library.feeds()) == 1)
            await wait_until(pilot, app, lambda: "on the sync server" in toasts(app))
            assert library.sync_pending() == 1  # the subscription, waiting for the server
            assert library.count("") == 0
    finally:
        library.close()
