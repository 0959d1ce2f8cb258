"""A feed set to full text opens its articles on their pages (what a newsboat or elfeed
user who set a feed to full text expects): the cached page at once, else the feed's
text while the page is fetched. f's choice for an article holds for the session: back
on it (J/K, or the list), it opens as it was left."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reader.core.config import Config
from reader.core.library import Library

from .conftest import add_feed, body_text, entry, quiet_app, settle, wait_until

WIDE = (120, 40)
PAGE = ("<html><head><meta charset='utf-8'><title>Повна історія</title></head><body>"
        "<nav><a href='/'>Головна</a></nav><article><h1>Повна історія</h1>"
        + "<p>Кабінет Міністрів ухвалив постанову про відновлення енергетики громад.</p>" * 8
        + "<p>Останній абзац повної історії.</p></article></body></html>")


@pytest.fixture
def library(tmp_path: Path):
    lib = Library(tmp_path / "full.db", Config(timeout=5.0))
    yield lib
    lib.close()


def two_stories(library: Library, feed_server, **route) -> tuple[int, list[int]]:
    links = [feed_server.route(f"/s{n}.html", PAGE, content_type="text/html; charset=utf-8",
                               **route) for n in (1, 2)]
    feed_id = add_feed(library, "http://127.0.0.1:9/agency", "Агентство", [], [
        entry(n, f"Історія {n}", feed="agency", link=links[n - 1], hours_ago=n,
              content=f"<p>Лід історії {n}.</p>") for n in (1, 2)])
    library.set_feed_settings(feed_id, {"full_text": "always"})
    return feed_id, library.article_ids("")


def pane_text(app) -> str:
    return body_text(app)


async def test_a_full_text_feeds_article_opens_on_its_cached_page(library, feed_server):
    _, ids = two_stories(library, feed_server)
    assert (await asyncio.to_thread(library.fetch_full_article, ids[0])).status == "ok"
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, app, lambda: app.main.article.showing_full)
        await settle(pilot, app)
        assert "Останній абзац повної історії" in pane_text(app)


async def test_one_not_fetched_yet_shows_the_lead_then_its_page(library, feed_server):
    import threading

    gate = threading.Event()
    _, ids = two_stories(library, feed_server, gate=gate)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        status = app.main.query_one("#article-status")
        # (no settling while the page is held back: the opening worker waits for it)
        end = asyncio.get_running_loop().time() + 30  # (a cap for a broken app)
        while not ("Лід історії 1" in pane_text(app)
                   and "Fetching the full article" in str(status.content)):
            assert asyncio.get_running_loop().time() < end, "the lead was not shown, fetching"
            await pilot.pause(0.01)
        gate.set()
        await wait_until(pilot, app, lambda: app.main.article.showing_full)
        await settle(pilot, app)
        assert "Останній абзац повної історії" in pane_text(app)


async def test_fs_choice_is_kept_when_coming_back_to_the_article(library, feed_server):
    _, ids = two_stories(library, feed_server)
    for article_id in ids:
        assert (await asyncio.to_thread(library.fetch_full_article, article_id)).status == "ok"
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, app, lambda: app.main.article.showing_full)
        app.main.focus_pane("article")
        await settle(pilot, app)
        await pilot.press("f")  # the feed's text for this one
        await wait_until(pilot, app, lambda: not app.main.article.showing_full)
        await pilot.press("J")  # the next: its feed is set to full text
        await wait_until(pilot, app, lambda: app.main.article.article.id == ids[1]
                         and app.main.article.showing_full)
        await pilot.press("K")  # back: as f left it
        await wait_until(pilot, app, lambda: app.main.article.article.id == ids[0])
        await settle(pilot, app)
        assert not app.main.article.showing_full
        assert "Лід історії 1" in pane_text(app)
