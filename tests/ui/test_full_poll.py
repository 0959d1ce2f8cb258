"""The TUI's look for other processes' writes (ReaderApp.poll_database) tells a page
stored by a refresh's prefetch (a full article: no headline changes) from a change of
what the view lists: the first does not read the view again (it did every 1.5 s while
a prefetch ran), the second still does. The open article's page, stored meanwhile, is
made ready for f.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reader.core.config import Config
from reader.core.library import Library

from .conftest import add_feed, entry, quiet_app, settle, wait_until

PAGE = (
    "<html><head><meta charset='utf-8'><title>Довга історія</title></head><body>"
    "<nav><a href='/'>Головна</a></nav><article><h1>Довга історія</h1>"
    + "".join(f"<p>Абзац {i}: уряд схвалив програму відновлення енергетики, і громади"
              f" готують заявки до кінця місяця; 東京でも議論が続いている.</p>"
              for i in range(12))
    + "</article><footer>© Агенція</footer></body></html>"
).encode()


@pytest.fixture
def library(tmp_path: Path):
    lib = Library(tmp_path / "poll.db", Config())
    yield lib
    lib.close()


def count_reloads(app) -> list[int]:
    """A list that grows by one at each reload of the view (the screen's ViewLoader)."""
    calls: list[int] = []
    views = app.main.views
    reload = views.reload

    def counted(*args, **kwargs):
        calls.append(1)
        return reload(*args, **kwargs)

    views.reload = counted
    return calls


async def look(pilot, app) -> None:
    """One look for outside writes, waited for (as the 1.5 s timer does it)."""
    await settle(pilot, app)
    app.poll_database()
    await settle(pilot, app)


async def test_a_stored_page_does_not_reload_the_view_but_a_new_article_does(
        library: Library, feed_server, tmp_path: Path):
    link = feed_server.route("/story.html", PAGE, content_type="text/html; charset=utf-8")
    add_feed(library, "http://127.0.0.1:9/agency", "Агентство", [],
             [entry(1, "Довга історія", feed="agency", link=link,
                    content="<p>Коротко: уряд схвалив програму.</p>")])
    (article_id,) = library.article_ids("")
    app = quiet_app(library, watch_db=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")  # the article open, its page not fetched yet
        await settle(pilot, app)
        reloads = count_reloads(app)
        full = app.main.articles.full
        assert full._ready is None

        other = Library(tmp_path / "poll.db", library.config)  # the refresh's child, say
        try:
            # (in a thread: the fetch runs an event loop of its own)
            page = await asyncio.to_thread(other.fetch_full_article, article_id)
            assert page.status == "ok"
            await look(pilot, app)
            assert reloads == []  # a page is no headline: the view stays as it was
            # ... and the open article's page is ready for f, read from the cache
            assert full._ready is not None and full._ready[0] == article_id
            assert "Абзац 11" in full._ready[2]

            add_feed(other, "http://127.0.0.1:9/elsewhere", "Elsewhere", [],
                     [entry(2, "Нова стаття з іншого процесу", feed="else", hours_ago=0.1)])
            await look(pilot, app)
            assert reloads == [1]
            await wait_until(pilot, app, lambda: app.main.view.count == 2)
        finally:
            other.close()

        requests = len(feed_server.requests_to("/story.html"))
        app.main.focus_pane("article")
        await pilot.press("f")  # the page prepared by the look: nothing fetched
        await wait_until(pilot, app, lambda: app.main.article.showing_full)
        assert len(feed_server.requests_to("/story.html")) == requests


async def test_our_own_writes_are_not_taken_for_another_process(library: Library, tmp_path):
    """A mark made in the TUI moves the count of view changes but not data_version; a
    page stored elsewhere afterwards must not be read as a headline change."""
    add_feed(library, "http://127.0.0.1:9/agency", "Агентство", [],
             [entry(1, "Перша", feed="agency"), entry(2, "Друга", feed="agency")])
    app = quiet_app(library, watch_db=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        reloads = count_reloads(app)
        await pilot.press("s")  # a star, written by the app's writer thread
        await look(pilot, app)
        other = Library(tmp_path / "poll.db", library.config)
        try:
            (first, *_) = other.article_ids("")
            other.store.write_aside(lambda conn: None)  # a page-like write: no view change
            await look(pilot, app)
            assert reloads == []
            other.set_read([first], True)  # a real change elsewhere
            await look(pilot, app)
            assert reloads == [1]
        finally:
            other.close()
