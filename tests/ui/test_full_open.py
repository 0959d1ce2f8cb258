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


async def test_the_page_is_mounted_hidden_as_the_article_opens_and_f_only_shows_it(
        library: Library, feed_server):
    """While the feed's text is read, the page's first screen is mounted, hidden (no
    search, no picture finds it); f then shows those very widgets: nothing to mount."""
    from textual.widgets.markdown import MarkdownBlock

    article_id = with_page(library, feed_server, "/long.html", long_page())
    await asyncio.to_thread(library.fetch_full_article, article_id)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_article(pilot, app)
        view = app.main.article
        body = app.main.query_one("#article-body")
        hidden = [b for b in body.children if isinstance(b, MarkdownBlock) and not b.display]
        assert hidden and "Абзац 0:" in " ".join(str(b.content) for b in hidden)
        assert all(b not in hidden for b in body.shown_blocks())
        assert body.block_at(5) is None  # (the feed's text has no line 5; the page has)
        await pilot.press("slash", *"Абзац")  # only in the page, which is not shown
        await settle(pilot, app)
        assert not view.matches
        await pilot.press("enter", "f")
        await wait_until(pilot, app, lambda: view.showing_full)
        shown = body.shown_blocks()
        assert shown[: len(hidden)] == hidden and all(b.display for b in hidden)
        await wait_until(pilot, app, lambda: body.whole.is_set())
        assert "Коротко" not in " ".join(str(b.content) for b in body.query("Static"))


async def test_f_before_the_page_is_all_made_ready_still_shows_its_first_screen(
        library: Library, feed_server):
    """The hidden first screen is mounted a few blocks a frame; f in the middle shows
    the blocks made ready and mounts the others of the first screen with the key."""
    from reader.ui.widgets.staged_markdown import READY_BATCH

    with_page(library, feed_server, "/long.html", long_page())
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_article(pilot, app)
        body = app.main.query_one("#article-body")
        page = "\n\n".join(f"Абзац {i}: громади готують заявки." for i in range(60))
        making = asyncio.ensure_future(body.make_ready(page))
        while body._ready is None or not body._ready[1]:  # (a state: the first batch in)
            assert not making.done()
            await asyncio.sleep(0)
        early = list(body._ready[1])
        assert len(early) <= READY_BATCH
        await body.update(page)  # (as f does, through the pane)
        shown = body.shown_blocks()
        assert shown[: len(early)] == early  # the ones made ready, shown as they were
        assert len(shown) > len(early)  # the rest of the first screen, with the key
        assert [str(b.content) for b in shown[:4]] == [
            f"Абзац {i}: громади готують заявки." for i in range(4)]
        await making
        await wait_until(pilot, app, lambda: body.whole.is_set())
        assert len(body.shown_blocks()) == 60 and all(b.display for b in body.shown_blocks())


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


async def test_ctrl_r_fetches_the_page_again_conditionally_and_shows_it(library: Library,
                                                                      feed_server):
    story = PAGES / "uk_news.html"
    article_id = with_page(library, feed_server, "/uk.html", story.read_bytes(), etag=ETAG)
    await asyncio.to_thread(library.fetch_full_article, article_id)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_article(pilot, app)
        view = app.main.article
        await pilot.press("ctrl+r")  # unchanged: a 304, the copy kept shown
        await wait_until(pilot, app, lambda: view.showing_full
                         and "fetched again" in status_text(app))
        asked = feed_server.requests_to("/uk.html")
        assert len(asked) == 2 and asked[1].headers.get("if-none-match") == ETAG
        assert "загальний обсяг фінансування" in " ".join(
            str(w.content) for w in view.query("#article-body Static") if w.display)

        changed = story.read_text(encoding="utf-8").replace(
            "загальний обсяг фінансування", "новий обсяг фінансування")
        feed_server.route("/uk.html", changed.encode(), etag='"page-v2"',
                          content_type="text/html; charset=utf-8")
        await pilot.press("ctrl+r")  # changed: the new page shown, and kept
        await wait_until(pilot, app, lambda: "новий обсяг фінансування" in " ".join(
            str(w.content) for w in view.query("#article-body Static") if w.display))
        assert "новий обсяг" in (library.cached_full_article(article_id).text or "")

        feed_server.route("/uk.html", b"gone", status=500)
        await pilot.press("ctrl+r")  # failing: the copy kept stays, with why
        await wait_until(pilot, app, lambda: "not fetched again" in status_text(app))
        assert view.showing_full and "новий обсяг фінансування" in " ".join(
            str(w.content) for w in view.query("#article-body Static") if w.display)


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


async def test_code_without_a_language_is_coloured_by_a_guess_made_in_a_thread(
        library: Library, monkeypatch):
    """As Textual's Markdown coloured it (its guess), but guessed off the event loop,
    once the block is on screen: the text shows first, plain, its colours after."""
    import threading

    import textual.highlight

    from reader.ui.widgets import article_body
    from reader.ui.widgets.article_body import WrappedCode

    threads: list[str] = []
    guess = textual.highlight.guess_language

    def recorded(code, path):
        threads.append(threading.current_thread().name)
        return guess(code, path)

    monkeypatch.setattr(textual.highlight, "guess_language", recorded)
    monkeypatch.setattr(article_body, "_guesses", type(article_body._guesses)())
    code = "$ ls -la /tmp/звіт\n$ echo 'Київ' | wc -c\n"
    add_feed(library, "http://127.0.0.1:9/code", "Код", [],
             [entry(1, "Приклад коду", feed="code",
                    content=f"<p>Вступ.</p><pre><code>{code}</code></pre>")])
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_article(pilot, app)
        block = app.main.article.query_one(WrappedCode)
        await wait_until(pilot, app, lambda: any(
            str(span.style) != "$text" for span in block.code.spans))
        assert threads and threading.main_thread().name not in threads
        assert block.code.plain.rstrip("\n") == code.rstrip("\n")
