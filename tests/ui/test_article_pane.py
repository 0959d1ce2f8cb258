"""The reader pane: tags with visible bounds, the full article (f), the whole width (z),
the sidebar hidden (Ctrl+B), the text measure, code that wraps visibly, the place kept in
each article, J/K, searching the article (/), and a refresh that moves nothing."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

from reader.core.library import Library

from .conftest import (
    NOW,
    add_feed,
    body_text,
    entry,
    quiet_app,
    screen_text,
    settle,
    wait_until,
)

WIDE = (120, 40)
SMALL = (80, 24)

UKRAINIAN = (
    "<p>Київ прийняв делегацію Ради Європи.</p>"
    "<p>У Києві обговорили війну в Україні; київські мости відкриті.</p>"
)


def long_body(n: int = 80, word: str = "Paragraph") -> str:
    return "".join(f"<p>{word} {i} of a long article.</p>" for i in range(n))


async def open_first(pilot, app, title: str | None = None) -> None:
    """Enter on the row titled `title` (else the first), article focused."""
    await settle(pilot, app)
    hl = app.main.headlines
    if title is not None:
        while hl.selected is None or hl.selected.title != title:
            await pilot.press("j")
    await pilot.press("enter")
    await settle(pilot, app)
    app.main.focus_pane("article")
    await settle(pilot, app)


# ---------------------------------------------------------------- header


async def test_tags_show_where_each_ends(library: Library):
    add_feed(
        library,
        "http://127.0.0.1:9/ua",
        "Дніпро",
        [],
        [entry(1, "Новини", feed="ua", categories=["Війна в Україні", "Рада Європи"])],
    )
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_first(pilot, app, "Новини")
        header = str(app.main.query_one("#article-header").content)
        assert "[Війна в Україні] [Рада Європи]" in header
        assert "+Війна" not in header


# ---------------------------------------------------------------- z and Ctrl+B


async def test_z_gives_the_article_the_whole_width_and_back(library: Library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_first(pilot, app)
        main = app.main
        assert main.article.size.width < 80
        await pilot.press("z")
        await settle(pilot, app)
        assert not main.sidebar.display or main.sidebar.size.width == 0
        assert main.headlines.size.width == 0 or not main.query_one("#center").display
        assert main.article.outer_size.width == WIDE[0]
        assert app.focused is main.article
        await pilot.press("z")
        await settle(pilot, app)
        assert main.article.size.width < 80 and main.headlines.size.width > 0
        # Leaving the article brings the panes back: the focus never sits in a hidden pane.
        await pilot.press("z")
        await settle(pilot, app)
        await pilot.press("h")
        await settle(pilot, app)
        assert app.focused is main.headlines and main.headlines.size.width > 0


async def test_z_without_an_open_article_says_what_to_do(library: Library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("z")
        await settle(pilot, app)
        assert any("Open an article" in n.message for n in app._notifications)
        assert app.main.headlines.size.width > 0


async def test_ctrl_b_hides_and_shows_the_sidebar(library: Library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = app.main
        list_width = main.headlines.size.width
        await pilot.press("ctrl+b")
        await settle(pilot, app)
        assert main.sidebar.size.width == 0
        assert main.headlines.size.width > list_width
        await pilot.press("ctrl+b")
        await settle(pilot, app)
        assert main.sidebar.size.width > 0 and main.headlines.size.width == list_width
        # Hidden, then reached with h: it shows again rather than take the keys unseen.
        await pilot.press("ctrl+b")
        await settle(pilot, app)
        await pilot.press("h")
        await settle(pilot, app)
        assert app.focused is main.sidebar and main.sidebar.size.width > 0


async def test_text_keeps_a_reading_measure(library: Library):
    add_feed(
        library,
        "http://127.0.0.1:9/wide",
        "Wide",
        [],
        [entry(1, "Wide text", feed="wide", content="<p>" + "слово " * 400 + "</p>")],
    )
    library.config.measure = 72
    app = quiet_app(library)
    async with app.run_test(size=(200, 40)) as pilot:
        await open_first(pilot, app, "Wide text")
        await pilot.press("z")
        await settle(pilot, app)
        body = app.main.query_one("#article-body")
        assert app.main.article.size.width > 150
        assert body.outer_size.width == 72
        # centred in the pane
        left = body.region.x - app.main.article.region.x
        right = app.main.article.region.right - body.region.right
        assert abs(left - right) <= 3


# ---------------------------------------------------------------- code


async def test_long_code_lines_wrap_with_a_mark_and_lose_nothing(library: Library):
    code = "x = compute(" + ", ".join(f"argument_{i}" for i in range(30)) + ")"
    add_feed(
        library,
        "http://127.0.0.1:9/code",
        "Code",
        [],
        [entry(1, "Code sample", feed="code", content=f"<p>Intro.</p><pre><code>{code}</code></pre>")],
    )
    app = quiet_app(library)
    async with app.run_test(size=SMALL) as pilot:
        await open_first(pilot, app, "Code sample")
        (run,) = app.main.query_one("#article-body").runs()
        width = run.content_region.width
        lines = [line for line in run.lines_at(width)
                 if line.piece is not None and line.piece.kind == "code"]
        shown = [line.text.plain.strip() for line in lines if line.text.plain.strip()]
        assert len(shown) > 2
        assert all(line.text.cell_length <= width for line in lines)
        assert all(text.startswith("↪") for text in shown[1:])
        # (the padding around code is spaces too: compared without spaces)
        assert "".join("".join(text.removeprefix("↪") for text in shown).split()) == "".join(
            code.split())
        # drawn so: each of those lines is on screen, none cut at the pane's edge
        screen = screen_text(app)
        assert "argument_0" in screen and "↪" in screen


async def test_table_cells_fold_long_words_instead_of_cutting_them(library: Library):
    ident = "supercalifragilisticexpialidocious_identifier"
    rows = "".join(
        f"<tr><td>Київська {i}</td><td>з 17:00 до 22:00 щодня, крім неділі</td>"
        f"<td>{ident}_{i}</td></tr>"
        for i in range(3)
    )
    table = f"<table><tr><th>Область</th><th>Відключення</th><th>Code</th></tr>{rows}</table>"
    add_feed(library, "http://127.0.0.1:9/t", "Tables", [],
             [entry(1, "Table", feed="t", content="<p>Intro</p>" + table)])
    app = quiet_app(library)
    async with app.run_test(size=SMALL) as pilot:
        await open_first(pilot, app, "Table")
        (run,) = app.main.query_one("#article-body").runs()
        width = run.content_region.width
        table_lines = [line for line in run.lines_at(width)
                       if line.piece is not None and line.piece.kind == "table"]
        assert table_lines and all(line.table is None for line in table_lines)  # it fits
        assert all(line.text.cell_length <= width for line in table_lines)
        columns: dict[int, str] = {}
        for line in table_lines[2:]:  # (the rows, under the header and its rule)
            for n, cell in enumerate(line.text.plain.split("│")):
                columns[n] = columns.get(n, "") + "".join(cell.split())
        for i in range(3):  # every cell whole, its long word folded, not cut with "…"
            assert f"{ident}_{i}" in columns[2]
        assert columns[1].count("з17:00до22:00щодня,крімнеділі") == 3
        assert "…" not in "".join(columns.values())


async def test_a_table_too_wide_for_the_pane_scrolls_sideways_with_its_columns_whole(
        library: Library):
    """16 columns in a narrow pane: not squeezed to 1-3 cells a column (words read
    downwards), but each column at least MIN_COLUMN wide and the table scrolled with >
    and <, a bar under it; a narrow table still fits the pane as before."""
    from reader.ui.widgets.article_body import MIN_COLUMN

    head = "".join(f"<th>Показник {i}</th>" for i in range(16))
    rows = "".join("<tr>" + "".join(f"<td>значення {r}.{i}</td>" for i in range(16)) + "</tr>"
                   for r in range(3))
    small = "<table><tr><th>Область</th><th>Години</th></tr><tr><td>Київська</td>" \
            "<td>17-22</td></tr></table>"
    add_feed(library, "http://127.0.0.1:9/t", "Tables", [], [entry(
        1, "Table", feed="t",
        content=f"<p>Intro</p><table><tr>{head}</tr>{rows}</table><p>Між</p>{small}")])
    app = quiet_app(library)
    async with app.run_test(size=SMALL) as pilot:
        await open_first(pilot, app, "Table")
        app.main.focus_pane("article")
        await settle(pilot, app)
        body = app.main.query_one("#article-body")
        (run,) = body.runs()
        assert body.scrolls(0) > 0 and body.scrolls(1) == 0
        width = run.content_region.width
        wide = [line for line in run.lines_at(width) if line.table == 0]
        assert len(wide) == 5  # header, rule, 3 rows: a line each, no cell folded
        header = wide[0].text.plain
        assert all(f"Показник {i}" in header for i in range(16))
        cells = header.split("│")
        assert all(len(cell.strip()) + 2 >= min(MIN_COLUMN, len(cell.strip()) + 2)
                   for cell in cells)
        assert all(f"значення 2.{i}" in wide[4].text.plain for i in range(16))
        screen = screen_text(app)
        assert "Показник 0" in screen and "Показник 15" not in screen
        await pilot.press("greater_than_sign")
        await settle(pilot, app)
        assert body.offsets.get(0, 0) > 0
        for _ in range(20):
            await pilot.press("greater_than_sign")
        await settle(pilot, app)
        assert body.offsets[0] == body.scrolls(0)
        assert "Показник 15" in screen_text(app)
        await pilot.press(*["less_than_sign"] * 21)
        await settle(pilot, app)
        assert body.offsets[0] == 0
        # the wheel sideways over the table scrolls it (not the pane); elsewhere, nothing
        from textual import events

        row = next(n for n, line in enumerate(run.lines_at(width)) if line.table == 0)
        for y, moved in ((row, True), (0, False)):
            before = body.offsets.get(0, 0)
            run.post_message(events.MouseScrollRight(run, 3, y, 0, 0, 0, False, False, False))
            await settle(pilot, app)
            assert (body.offsets.get(0, 0) > before) is moved
        run.post_message(events.MouseScrollUp(run, 3, row, 0, 0, 0, True, False, False))
        await settle(pilot, app)
        assert body.offsets[0] == 0 and app.main.article.scroll_y == 0
        # a search's match in a column out of sight: the table is scrolled to it
        await pilot.press("slash", *"значення 1.15", "enter")
        await settle(pilot, app)
        assert app.main.article.matches.current_match.widget.cell == (2, 15)
        assert body.offsets[0] > 0 and "значення 1.15" in screen_text(app)

# ---------------------------------------------------------------- place, J/K


async def test_place_in_each_article_is_remembered(library: Library):
    add_feed(
        library,
        "http://127.0.0.1:9/long",
        "Long",
        [],
        [
            entry(1, "Long one", feed="long", hours_ago=0.1, content=long_body()),
            entry(2, "Long two", feed="long", hours_ago=0.2, content=long_body()),
        ],
    )
    app = quiet_app(library)
    async with app.run_test(size=SMALL) as pilot:
        await open_first(pilot, app, "Long one")
        view = app.main.article
        await pilot.press(*"jjjjjjj")
        await settle(pilot, app)
        assert view.scroll_y == 7
        await pilot.press("J")  # to "Long two": its own top
        await wait_until(pilot, app, lambda: view.article.title == "Long two")
        assert view.scroll_y == 0
        await pilot.press("K")  # back: where it was left
        await wait_until(pilot, app, lambda: view.article.title == "Long one")
        await wait_until(pilot, app, lambda: view.scroll_y == 7)


async def test_place_memory_is_bounded(library: Library):
    from dataclasses import replace

    from reader.ui.widgets.article_view import POSITIONS_KEPT

    add_feed(library, "http://127.0.0.1:9/long", "Long", [],
             [entry(1, "Long one", feed="long", hours_ago=0.1, content=long_body())])
    app = quiet_app(library)
    async with app.run_test(size=SMALL) as pilot:
        await open_first(pilot, app, "Long one")
        view = app.main.article
        await pilot.press("j", "j")
        article = view.article
        for n in range(POSITIONS_KEPT + 50):  # as many articles left two lines down
            view.article = replace(article, id=100_000 + n)
            view.remember_place()
        assert len(view.positions) == POSITIONS_KEPT
        assert (100_000, False) not in view.positions  # the longest unread go first
        assert view.positions[(100_000 + POSITIONS_KEPT + 49, False)] == 2


async def test_J_and_K_go_through_the_list_read_or_not(library: Library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = app.main
        ids = list(main.headlines.ids)
        library.set_read(ids[1:3], True)  # J goes to them all the same
        await open_first(pilot, app)
        view = main.article
        assert view.article.id == ids[0]
        await pilot.press("J")
        await wait_until(pilot, app, lambda: view.article.id == ids[1])
        await pilot.press("J")
        await wait_until(pilot, app, lambda: view.article.id == ids[2])
        assert main.headlines.selected_id == ids[2]
        assert app.focused is view
        await pilot.press("K")
        await wait_until(pilot, app, lambda: view.article.id == ids[1])
        await pilot.press("K", "K")
        await wait_until(pilot, app, lambda: view.article.id == ids[0])
        assert any("first article" in n.message for n in app._notifications)


# ---------------------------------------------------------------- / in the article


async def test_slash_in_the_article_searches_its_text(library: Library):
    add_feed(library, "http://127.0.0.1:9/ua", "Дніпро", [], [entry(1, "Київ", feed="ua", content=UKRAINIAN)])
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_first(pilot, app, "Київ")
        main = app.main
        view = main.article
        await pilot.press("slash")
        await settle(pilot, app)
        box = view.query_one("#article-search")
        assert app.focused is box and box.size.height == 1  # a line at the pane's foot
        assert box.region.bottom == view.region.bottom
        assert app.focused is not main.query_one("#filter")
        await pilot.press(*"київ")  # t, n and / typed here are text, not keys
        await settle(pilot, app)
        assert box.value == "київ"
        # "Київ" and "Києві"? only "Київ" and "київські" hold "київ"
        assert len(view.matches.matches) == 2
        first = view.matches.current_match
        assert first is not None
        spans = [s for s in first.widget.content.spans if s.start == first.start]
        assert spans, "the current match is highlighted"
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.focused is view and view.matches
        await pilot.press("n")
        assert view.matches.current == 1
        await pilot.press("N")
        assert view.matches.current == 0
        await pilot.press("escape")  # clears the search; the article stays open
        await settle(pilot, app)
        assert not view.matches
        assert view.article is not None and main.view.opened_id is not None
        assert "reverse" not in str([span.style for target in view._searchable()
                                     for span in target.content.spans])


async def test_search_covers_lists_tables_and_code_once_each(library: Library):
    body = (
        "<p>Київ</p><ul><li>Київ у списку</li></ul>"
        "<table><tr><th>Місто</th></tr><tr><td>Київ</td></tr></table>"
        "<pre><code>city = 'Київ'  # " + "x" * 120 + "</code></pre>"
    )
    add_feed(library, "http://127.0.0.1:9/ua", "Дніпро", [], [entry(1, "Київ", feed="ua", content=body)])
    app = quiet_app(library)
    async with app.run_test(size=SMALL) as pilot:
        await open_first(pilot, app, "Київ")
        view = app.main.article
        await pilot.press("slash", *"КИЇВ")
        await settle(pilot, app)
        assert len(view.matches.matches) == 4
        kinds = [match.widget.piece.kind for match in view.matches.matches]
        assert kinds == ["text", "text", "table", "code"]
        await pilot.press("enter", "N")  # wraps round to the last: the code block
        await settle(pilot, app)
        code = view.matches.current_match.widget
        assert code.region.y <= view.region.bottom  # scrolled to it
        assert "Київ" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot, app)
        assert "'Київ'" in code.content.plain
        assert all("reverse" not in str(span.style) for span in code.content.spans)


async def test_search_box_keeps_keys_that_are_bindings_elsewhere(library: Library):
    add_feed(library, "http://127.0.0.1:9/ua", "Дніпро", [], [entry(1, "Київ", feed="ua", content=UKRAINIAN)])
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_first(pilot, app, "Київ")
        view = app.main.article
        await pilot.press("slash", *"tn/s")
        await settle(pilot, app)
        assert view.query_one("#article-search").value == "tn/s"
        assert app.screen is app.main  # t opened no tag picker
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.focused is view and not view.matches
        # n without a search is next unread again
        opened = view.article.id
        await pilot.press("n")
        await settle(pilot, app)
        assert app.main.view.opened_id != opened


async def test_slash_in_the_list_still_filters(library: Library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash")
        await settle(pilot, app)
        assert app.focused is app.main.query_one("#filter")


# ---------------------------------------------------------------- a refresh moves nothing


def rss(items: list[tuple[int, str, datetime]]) -> str:
    body = "".join(
        f"<item><guid>g{n}</guid><title>{title}</title><link>https://news.example/{n}</link>"
        f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<description>Story {n}</description></item>"
        for n, title, when in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Live</title>{body}</channel></rss>'


async def test_refresh_adding_articles_above_moves_nothing(tmp_path, feed_server):
    from reader.core.config import Config

    base = datetime.now(UTC) - timedelta(days=1)
    items = [(n, f"Story {n}", base - timedelta(minutes=n)) for n in range(60)]
    url = feed_server.route("/live.xml", rss(items))
    library = Library(tmp_path / "r.db", Config())
    try:
        # (fetching runs its own event loop: not on this test's)
        await asyncio.to_thread(library.add_feed, url)
        await asyncio.to_thread(library.refresh)
        app = quiet_app(library)
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot, app)
            hl = app.main.headlines
            await pilot.press(*"j" * 30)
            await settle(pilot, app)
            selected, cursor, top = hl.selected_id, hl.cursor, int(hl.scroll_y)
            assert top > 0
            newer = [(100 + n, f"New {n}", base + timedelta(minutes=n)) for n in range(5)]
            feed_server.route("/live.xml", rss(newer + items))
            app.start_refresh()
            await wait_until(pilot, app, lambda: len(hl.ids) == 65)
            assert hl.selected_id == selected
            assert hl.cursor == cursor + 5  # the same article, 5 rows further down the list
            assert hl.cursor - int(hl.scroll_y) == cursor - top  # ... at the same place on screen
    finally:
        library.close()


_ = NOW


# ---------------------------------------------------------------- f: the full article

PAGES = __import__("pathlib").Path(__file__).resolve().parent.parent / "data" / "pages"
PAGE_SENTENCE = "загальний обсяг фінансування програми становить 48 мільярдів гривень"


def with_page_article(library: Library, feed_server, path: str, **route) -> str:
    """A feed entry whose link is a page on the loopback server; its title."""
    if "body" not in route:
        route["body"] = (PAGES / "uk_news.html").read_bytes()
    route.setdefault("content_type", "text/html; charset=utf-8")
    link = feed_server.route(path, **route)
    add_feed(
        library,
        "http://127.0.0.1:9/agency",
        "Агентство",
        [],
        [entry(1, "Уряд схвалив програму", feed="agency", link=link,
               content="<p>Коротко: уряд схвалив програму.</p>")],
    )
    return "Уряд схвалив програму"


def status_text(app) -> str:
    status = app.main.query_one("#article-status")
    return str(status.content) if status.display else ""


async def test_f_toggles_the_full_article_and_the_feed_text(library: Library, feed_server):
    title = with_page_article(library, feed_server, "/story.html")
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_first(pilot, app, title)
        view = app.main.article
        assert "Коротко" in body_text(app)
        await pilot.press("f")
        await wait_until(pilot, app, lambda: view.showing_full)
        assert PAGE_SENTENCE in body_text(app)
        assert "cookie" not in body_text(app)  # the page's banner is not the article
        assert "Full article from 127.0.0.1" in status_text(app)
        await pilot.press("f")  # the feed's text again
        await wait_until(pilot, app, lambda: not view.showing_full)
        assert "Коротко" in body_text(app) and PAGE_SENTENCE not in body_text(app)
        assert status_text(app) == ""
        await pilot.press("f")  # from the cache: no second fetch
        await wait_until(pilot, app, lambda: view.showing_full)
        assert len(feed_server.requests_to("/story.html")) == 1


async def test_f_from_the_list_acts_on_the_open_article(library: Library, feed_server):
    title = with_page_article(library, feed_server, "/story.html")
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_first(pilot, app, title)
        app.main.focus_pane("headlines")
        await pilot.press("f")
        await wait_until(pilot, app, lambda: app.main.article.showing_full)


async def test_f_shows_fetching_then_the_article(library: Library, feed_server):
    page_held = threading.Event()
    title = with_page_article(library, feed_server, "/slow.html", gate=page_held)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_first(pilot, app, title)
        view, hl = app.main.article, app.main.headlines
        read_before = hl.cached(view.article.id).read
        await pilot.press("f")
        loop = asyncio.get_running_loop()
        end = loop.time() + 8
        while "Fetching the full article" not in status_text(app):
            assert loop.time() < end, "no fetching state shown"
            await pilot.pause(0.02)
        # The page is still on its way (the server holds it): the keys work meanwhile.
        await pilot.press("m")
        assert hl.cached(view.article.id).read != read_before
        assert "Fetching the full article" in status_text(app) and not view.showing_full
        page_held.set()
        await wait_until(pilot, app, lambda: view.showing_full)
        assert PAGE_SENTENCE in body_text(app)
        assert not [m for m in app._notifications if m.severity == "error"]


async def test_f_failure_is_one_line_over_the_feed_text(library: Library, feed_server):
    title = with_page_article(library, feed_server, "/gone.html", body=b"gone", status=404)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_first(pilot, app, title)
        view = app.main.article
        await pilot.press("f")
        await wait_until(pilot, app, lambda: "No full article" in status_text(app))
        assert not view.showing_full
        assert "Коротко" in body_text(app)
        assert "\n" not in status_text(app)
        assert "404" in status_text(app)
        # f again tries again at once (a failure is otherwise not refetched in a loop)
        feed_server.route("/gone.html", (PAGES / "uk_news.html").read_bytes(),
                          content_type="text/html; charset=utf-8")
        await pilot.press("f")
        await wait_until(pilot, app, lambda: view.showing_full)
        assert PAGE_SENTENCE in body_text(app)


async def test_f_with_no_article_open_says_so(library: Library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("f")
        await settle(pilot, app)
        assert any("Open an article first" in n.message for n in app._notifications)


async def test_the_new_keys_are_in_help_and_the_palette(library: Library):
    from reader.ui.commands import binding_commands
    from reader.ui.screens.help import HelpScreen

    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_first(pilot, app)
        await pilot.press("question_mark")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        rows = {description: keys for _w, keys, description, _id in app.screen.rows}
        for description in ("Full article / feed text", "Article full width",
                            "Hide/show sidebar", "Next article", "Previous article",
                            "Search article", "Scroll a wide table right"):
            assert description in rows, description
        assert rows["Next article"] == "J" and rows["Hide/show sidebar"] == "^b"
        await pilot.press("escape")
        await settle(pilot, app)
        titles = {title for title, _help, _cb in binding_commands(app, app.main)}
        assert {"Full article / feed text", "Article full width", "Hide/show sidebar",
                "Next article", "Search article"} <= titles


async def test_the_mouse_selects_the_articles_text(library: Library):
    """A selection over the body (as a mouse drag makes it) is drawn and copied as
    the lines show it."""
    from textual.geometry import Offset
    from textual.selection import Selection

    add_feed(library, "http://127.0.0.1:9/ua", "Дніпро", [], [entry(1, "Київ", feed="ua", content=UKRAINIAN)])
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_first(pilot, app, "Київ")
        (run,) = app.main.query_one("#article-body").runs()
        app.screen.selections = {run: Selection(Offset(0, 0), Offset(4, 2))}
        await settle(pilot, app)
        assert app.screen.get_selected_text() == "Київ прийняв делегацію Ради Європи.\n\nУ Ки"
        selected = app.screen.get_component_rich_style("screen--selection")
        assert any(segment.style and segment.style.bgcolor == selected.bgcolor
                   for segment in run.render_line(0))


async def test_a_theme_change_recolours_the_open_articles_text(library: Library):
    add_feed(library, "http://127.0.0.1:9/ua", "Дніпро", [], [entry(
        1, "Київ", feed="ua", content="<h2>Рада Європи</h2><p>Текст з <a href='https://x.example/'>посиланням</a>.</p>")])
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await open_first(pilot, app, "Київ")
        (run,) = app.main.query_one("#article-body").runs()

        from textual.style import Style

        def heading_colour():
            segments = [segment for y in range(len(run.lines_at(run.size.width)))
                        for segment in run.render_line(y) if "Рада Європи" in segment.text]
            return segments[0].style.color

        def themes_colour():
            return Style.parse("$markdown-h2-color", app.theme_variables).rich_style.color

        assert heading_colour() == themes_colour()
        before = heading_colour()
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await settle(pilot, app)
        assert heading_colour() == themes_colour() != before
