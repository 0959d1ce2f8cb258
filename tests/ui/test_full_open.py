"""Opening a cached full article fast (issue 14: on screen within 50 ms of f), and f
again on a page that failed asking the site conditionally.

- The open article's cached page is read and rendered when the article opens, so f
  reads nothing from the database.
- The page is laid out, hidden, while the feed's text is read: f only shows it (one
  widget, its lines made), and the place in the article comes back.
- Code without a language is not guessed at (every Pygments lexer, on the loop).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reader.core.config import Config
from reader.core.library import Library

from .conftest import add_feed, body_text, entry, quiet_app, screen_text, settle, wait_until

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


def status_text(app) -> str:
    status = app.main.query_one("#article-status")
    return str(status.content) if status.display else ""


async def test_f_shows_a_long_page_whole_in_one_text_widget(library: Library, feed_server):
    """150 paragraphs: one widget drawing lines (not a widget a paragraph), the first
    screen in the first frame that says "Full article", the last paragraph there too."""
    from reader.ui.widgets.article_text import ArticleText

    article_id = with_page(library, feed_server, "/long.html", long_page())
    assert (await asyncio.to_thread(library.fetch_full_article, article_id)).status == "ok"
    app = quiet_app(library)
    seen: list[str] = []  # the screen in the frame that first shows the full article

    async with app.run_test(size=WIDE) as pilot:
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if not seen and app.main.article.showing_full and status_text(app):
                seen.append(screen_text(app))

        app._display = display
        await open_article(pilot, app)
        await pilot.press("f")
        await wait_until(pilot, app, lambda: app.main.article.showing_full)
        body = app.main.query_one("#article-body")
        assert body.whole.is_set()
        (run,) = body.runs()
        assert isinstance(run, ArticleText) and len(run.blocks) >= 150
        assert seen and "Абзац 0:" in seen[0]
        text = body_text(app)
        assert "Абзац 0:" in text and "Останній абзац історії" in text
        assert "Коротко" not in text


async def test_the_page_is_laid_out_hidden_as_the_article_opens_and_f_only_shows_it(
        library: Library, feed_server):
    """While the feed's text is read, the page is laid out in a hidden widget (no search,
    no picture finds it); f then shows that very widget, its lines already made."""
    article_id = with_page(library, feed_server, "/long.html", long_page())
    await asyncio.to_thread(library.fetch_full_article, article_id)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_article(pilot, app)
        view = app.main.article
        body = app.main.query_one("#article-body")
        await wait_until(pilot, app, lambda: body._ready is not None)
        ready = body._ready[1]
        assert not ready.display and ready not in body.runs()
        assert ready._layouts  # laid out already (in a thread), at the pane's width
        assert "Абзац 0:" in " ".join(line.text.plain for line in next(
            iter(ready._layouts.values()))[0])
        assert body.block_at(5) is None  # (the feed's text has no line 5; the page has)
        await pilot.press("slash", *"Абзац")  # only in the page, which is not shown
        await settle(pilot, app)
        assert not view.matches
        made = ready._layouts.copy()
        await pilot.press("enter", "f")
        await wait_until(pilot, app, lambda: view.showing_full)
        assert body.runs() == [ready] and ready.display
        width = ready.content_region.width
        assert width in made and ready.lines_at(width) is made[width][0]  # not made again
        assert "Коротко" not in body_text(app)


async def test_f_while_the_page_is_being_made_ready_still_shows_it(
        library: Library, feed_server):
    """f before the hidden layout is done: the page is shown all the same, once."""
    with_page(library, feed_server, "/long.html", long_page())
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_article(pilot, app)
        body = app.main.query_one("#article-body")
        page = "\n\n".join(f"Абзац {i}: громади готують заявки." for i in range(60))
        making = asyncio.ensure_future(body.make_ready(page))
        await body.update(page)  # (as f does, through the pane)
        await making
        await settle(pilot, app)
        assert len(body.runs()) == 1
        text = body_text(app)
        assert text.startswith("Абзац 0: громади") and "Абзац 59:" in text
        assert text.count("Абзац 1:") == 1
        hidden = [child for child in body.children if not child.display]
        # nothing hidden left over but the lead, kept for f back (made ready as it was)
        assert len(hidden) <= 1 and all(body._ready and child is body._ready[1]
                                        for child in hidden)
        assert not hidden or "Абзац" not in hidden[0].document.markdown


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
        assert "загальний обсяг фінансування" in body_text(app)
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
        assert "загальний обсяг фінансування" in body_text(app)

        changed = story.read_text(encoding="utf-8").replace(
            "загальний обсяг фінансування", "новий обсяг фінансування")
        feed_server.route("/uk.html", changed.encode(), etag='"page-v2"',
                          content_type="text/html; charset=utf-8")
        await pilot.press("ctrl+r")  # changed: the new page shown, and kept
        await wait_until(pilot, app, lambda: "новий обсяг фінансування" in body_text(app))
        assert "новий обсяг" in (library.cached_full_article(article_id).text or "")

        feed_server.route("/uk.html", b"gone", status=500)
        await pilot.press("ctrl+r")  # failing: the copy kept stays, with why
        await wait_until(pilot, app, lambda: "not fetched again" in status_text(app))
        assert view.showing_full and "новий обсяг фінансування" in body_text(app)


def test_code_without_a_language_is_plain_text_not_guessed(monkeypatch):
    import pygments.lexers

    from reader.ui.widgets.markdown_lines import highlighted

    guessed: list[str] = []
    guess = pygments.lexers.guess_lexer
    monkeypatch.setattr(pygments.lexers, "guess_lexer",
                        lambda text, **kw: (guessed.append(text), guess(text, **kw))[1])
    code = "def f(x):\n    return {'a': 1}  # 東京\n"

    def styles(content) -> set[str]:
        return {str(span.style) for span in content.spans} - {"$text"}

    plain = highlighted(code, "")
    assert guessed == [] and styles(plain) == set()
    assert plain.plain.rstrip("\n") == code.rstrip("\n")
    assert styles(highlighted(code, "python"))  # a language named: highlighted


async def test_code_without_a_language_is_coloured_by_a_guess_made_in_a_thread(
        library: Library, monkeypatch):
    """As Textual's Markdown coloured it (its guess), but guessed off the event loop,
    once the block is on screen: the text shows first, plain, its colours after."""
    import threading

    import textual.highlight

    from reader.ui.widgets import article_body

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
        (run,) = app.main.query_one("#article-body").runs()
        (block,) = [p for b in run.blocks for p in b.pieces if p.kind == "code"]
        await wait_until(pilot, app, lambda: any(
            str(span.style) != "$text" for span in block.content.spans))
        assert threads and threading.main_thread().name not in threads
        assert block.content.plain.rstrip("\n") == code.rstrip("\n")
        assert block.language  # the guess, kept: a theme change colours it by it too
        assert "Київ" in screen_text(app)


async def test_f_back_and_forth_shows_the_text_kept_not_made_again(library: Library,
                                                                  feed_server):
    """f, f, f: each side is the widget shown before, its lines already made."""
    article_id = with_page(library, feed_server, "/long.html", long_page())
    await asyncio.to_thread(library.fetch_full_article, article_id)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_article(pilot, app)
        view = app.main.article
        body = app.main.query_one("#article-body")
        (lead,) = body.runs()
        await pilot.press("f")
        await wait_until(pilot, app, lambda: view.showing_full)
        (page,) = body.runs()
        await pilot.press("f")
        await wait_until(pilot, app, lambda: not view.showing_full)
        assert body.runs() == [lead] and "Коротко" in body_text(app)
        await pilot.press("f")
        await wait_until(pilot, app, lambda: view.showing_full)
        assert body.runs() == [page] and "Абзац 0:" in body_text(app)
