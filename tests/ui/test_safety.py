"""Untrusted text: feed strings never act as markup and never reach the terminal as escapes."""

from __future__ import annotations

from reader.ui.links import is_web_url
from reader.ui.widgets.article_view import LinkChosen

from .conftest import ESC_TITLE, MARKUP_FEED, body_text, quiet_app, settle

WIDE = (160, 40)


def rendered_strips(widget) -> list:
    return [widget.render_line(y) for y in range(widget.size.height)]


async def test_markup_in_titles_shows_literally_and_does_nothing(library):
    app = quiet_app(library)
    opened: list[str] = []
    app.url_opener = lambda url: opened.append(url) or True
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = app.main
        lines = [s.text for s in rendered_strips(main.headlines)]
        assert any("[@click=app.quit]Click me[/]" in line for line in lines)
        assert any("[bold red]not bold[/] and [/]" in line for line in lines)
        sidebar = [s.text for s in rendered_strips(main.sidebar)]
        assert any(MARKUP_FEED in line for line in sidebar)
        # click the hostile headline, its feed in the sidebar, then the article header
        row = next(i for i, line in enumerate(lines) if "Click me" in line)
        await pilot.click("#headlines", offset=(30, row))
        await settle(pilot, app)
        assert app.is_running
        article = main.article.article
        assert article.title == "[@click=app.quit]Click me[/]"
        header = main.query_one("#article-header")
        assert "[@click=app.quit]Click me[/]" in str(header.render())
        assert MARKUP_FEED in str(header.render())
        for y in range(6):
            await pilot.click("#article-header", offset=(2, y))
            await pilot.pause()
        assert app.is_running
        # the header's link is javascript: it is refused, not opened
        assert opened == []
        srow = next(i for i, line in enumerate(sidebar) if MARKUP_FEED in line)
        await pilot.click("#sidebar", offset=(5, srow))
        await settle(pilot, app)
        assert app.is_running
        assert main.view.label == f"Feed: {MARKUP_FEED}"


async def test_markup_in_article_body_is_inert(library):
    app = quiet_app(library)
    opened: list[str] = []
    app.url_opener = lambda url: opened.append(url) or True
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = app.main
        main.apply_filter('"Click me"')
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        text = body_text(app)
        assert "[@click=app.quit]body link[/]" in text
        assert "[bold red]not red[/]" in text
        for y in range(3):
            await pilot.click("#article-body", offset=(4, y))
            await pilot.pause()
        assert app.is_running
        # a link in the text goes by its number to the app's check: only http(s) opens
        view = main.article
        await view.show(view.article, "[файл](ftp://example.com/x) і [так](https://ok.example.com/)",
                        [], "")
        await settle(pilot, app)
        (run,) = main.query_one("#article-body").runs()
        assert run.document.links == ["ftp://example.com/x", "https://ok.example.com/"]
        await pilot.click("#article-body", offset=(1, 0))  # on "файл"
        await settle(pilot, app)
        assert opened == []
        await pilot.click("#article-body", offset=(8, 0))  # on "так"
        await settle(pilot, app)
        assert opened == ["https://ok.example.com/"]
        opened.clear()
        main.article.post_message(LinkChosen("file:///etc/passwd"))
        await pilot.pause()
        assert opened == []
        main.article.post_message(LinkChosen("https://ok.example.com/"))
        await pilot.pause()
        assert opened == ["https://ok.example.com/"]


async def test_escape_sequences_never_reach_the_output(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = app.main
        strips = rendered_strips(main.headlines) + rendered_strips(main.sidebar)
        texts = [seg.text for strip in strips for seg in strip]
        assert not any("\x1b" in t or "\x07" in t for t in texts)
        assert any("Clear" in t and "screen" in t for t in texts)
        main.apply_filter("Clear")
        await settle(pilot, app)
        assert main.headlines.selected.title == ESC_TITLE  # stored raw by this test
        await pilot.press("enter")
        await settle(pilot, app)
        assert "\x1b" not in str(main.query_one("#article-header").render())
        assert "\x1b" not in app.export_screenshot().replace("&#27;", "\x1b")


def test_only_web_urls_open():
    assert is_web_url("https://example.com/a?b=c")
    assert is_web_url("http://example.com")
    for bad in (
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,x",
        "",
        "https://exa mple.com",
        "https://example.com/\x1b[2J",
        "mailto:a@b.c",
        "http://",
        "ftp://example.com/",
    ):
        assert not is_web_url(bad), bad
