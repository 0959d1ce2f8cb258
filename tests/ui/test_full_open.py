"""Opening a cached full article fast (issue 14: on screen within 50 ms of f), and f
again on a page that failed asking the site conditionally.

- The open article's cached page is read and rendered when the article opens, so f
  reads nothing from the database.
- The pane mounts the first screen of a long document with the key and the rest in
  the frames after it; the place in the article still comes back once it is whole.
- Code without a language is not guessed at (every Pygments lexer, on the loop).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reader.core.config import Config
from reader.core.library import Library

from .conftest import add_feed, entry, quiet_app, settle, wait_until

WIDE = (120, 40)
PAGES = Path(__file__).resolve().parent.parent / "data" / "pages"
ETAG = '"page-v1"'


@pytest.fixture
def library(tmp_path: Path):
    """A library with only the test's own feed (its article is the first row)."""
    lib = Library(tmp_path / "full.db", Config())
    yield lib
    lib.close()


def long_page(paragraphs: int = 150) -> bytes:
    body = "".join(
        f"<p>Абзац {i}: уряд схвалив програму відновлення енергетики, і громади готують"
        f" заявки до кінця місяця; 東京でも議論が続いている ({i}).</p>"
        for i in range(paragraphs))
    return (
        "<html><head><meta charset='utf-8'><title>Довга історія</title></head><body>"
        "<nav><a href='/'>Головна</a></nav><article><h1>Довга історія</h1>"
        f"{body}<p>Останній абзац історії.</p></article>"
        "<footer>© Агенція</footer></body></html>").encode()


def with_page(library: Library, feed_server, path: str, body: bytes, **route) -> int:
    """A feed entry whose link is a page on the loopback server; its article id."""
    route.setdefault("content_type", "text/html; charset=utf-8")
    link = feed_server.route(path, body, **route)
    add_feed(library, "http://127.0.0.1:9/agency", "Агентство", [],
             [entry(1, "Довга історія", feed="agency", link=link,
                    content="<p>Коротко: уряд схвалив програму.</p>")])
    (article_id,) = library.article_ids("")
    return article_id


async def open_article(pilot, app) -> None:
    await settle(pilot, app)
    await pilot.press("enter")
    await settle(pilot, app)
    app.main.focus_pane("article")
    await settle(pilot, app)


def blocks(app) -> int:
    from textual.widgets.markdown import MarkdownBlock

    body = app.main.query_one("#article-body")
    return len([c for c in body.children if isinstance(c, MarkdownBlock)])


def status_text(app) -> str:
    status = app.main.query_one("#article-status")
    return str(status.content) if status.display else ""


async def test_f_shows_the_first_screen_first_then_the_rest(library: Library, feed_server):
    article_id = with_page(library, feed_server, "/long.html", long_page())
    assert (await asyncio.to_thread(library.fetch_full_article, article_id)).status == "ok"
    app = quiet_app(library)
    seen: list[int] = []  # blocks mounted in the frame that first shows the full article

    async with app.run_test(size=WIDE) as pilot:
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if not seen and app.main.article.showing_full and status_text(app):
                seen.append(blocks(app))

        app._display = display
        await open_article(pilot, app)
        await pilot.press("f")
        await wait_until(pilot, app, lambda: app.main.article.showing_full)
        await wait_until(pilot, app, lambda: app.main.query_one("#article-body").whole.is_set())
        whole = blocks(app)
        assert whole >= 150
        assert seen and 0 < seen[0] < whole / 3  # the first frame: a screenful, not all 150
        body = app.main.query_one("#article-body")
        texts = [str(w.content) for w in body.query("Static")]
        assert any("Останній абзац історії" in t for t in texts)  # the rest came after
        assert "Абзац 0:" in texts[0] or any("Абзац 0:" in t for t in texts[:3])


async def test_the_place_in_a_long_full_article_comes_back(library: Library, feed_server):
    article_id = with_page(library, feed_server, "/long.html", long_page())
    await asyncio.to_thread(library.fetch_full_article, article_id)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_article(pilot, app)
        view = app.main.article
        await pilot.press("f")
        await wait_until(pilot, app, lambda: view.showing_full)
        for _ in range(12):
            await pilot.press("pagedown")
        await settle(pilot, app)
        place = view.scroll_y
        assert place > 200  # far past the first screen that is mounted first
        await pilot.press("f")  # the feed's text
        await wait_until(pilot, app, lambda: not view.showing_full)
        await pilot.press("f")  # the page again: where it was left
        await wait_until(pilot, app, lambda: view.showing_full)
        await wait_until(pilot, app, lambda: view.scroll_y == place)


async def test_f_reads_nothing_when_the_page_was_made_ready(library: Library, feed_server):
    article_id = with_page(library, feed_server, "/uk.html",
                           (PAGES / "uk_news.html").read_bytes())
    await asyncio.to_thread(library.fetch_full_article, article_id)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_article(pilot, app)
        asked: list[int] = []
        read = library.cached_full_article
        library.cached_full_article = lambda aid: (asked.append(aid), read(aid))[1]
        try:
            await pilot.press("f")
            await wait_until(pilot, app, lambda: app.main.article.showing_full)
        finally:
            del library.cached_full_article
        assert asked == []  # read (and rendered) when the article opened
        assert "загальний обсяг фінансування" in " ".join(
            str(w.content) for w in app.main.query("#article-body Static"))
        assert "Full article from 127.0.0.1" in status_text(app)


async def test_f_again_after_a_page_without_text_asks_conditionally(library: Library,
                                                                   feed_server):
    login = b"<html><body><nav>Login</nav><form>Password</form></body></html>"
    with_page(library, feed_server, "/login.html", login, etag=ETAG)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_article(pilot, app)
        await pilot.press("f")
        await wait_until(pilot, app, lambda: "No full article" in status_text(app))
        assert "no article text" in status_text(app)
        await pilot.press("f")  # again: at once, asking whether the page changed
        await wait_until(pilot, app, lambda: len(feed_server.requests_to("/login.html")) == 2)
        await settle(pilot, app)
        second = feed_server.requests_to("/login.html")[1]
        assert second.headers.get("if-none-match") == ETAG
        assert "no article text" in status_text(app) and not app.main.article.showing_full


def test_code_without_a_language_is_plain_text_not_guessed(monkeypatch):
    import pygments.lexers

    from reader.ui.widgets.article_body import WrappedFence

    guessed: list[str] = []
    guess = pygments.lexers.guess_lexer
    monkeypatch.setattr(pygments.lexers, "guess_lexer",
                        lambda text, **kw: (guessed.append(text), guess(text, **kw))[1])
    code = "def f(x):\n    return {'a': 1}  # 東京\n"

    def styles(content) -> set[str]:
        return {str(span.style) for span in content.spans} - {"$text"}

    plain = WrappedFence.highlight(code, "")
    assert guessed == [] and styles(plain) == set()
    assert plain.plain.rstrip("\n") == code.rstrip("\n")
    assert styles(WrappedFence.highlight(code, "python"))  # a language named: highlighted
