"""Hostile article bodies through the article pane's renderer: markdown_lines.Document
(Markdown -> blocks -> lines at a width), ArticleText (the lines as Strips) and
ArticleBody (showing a document, one made ready ahead of f), and one through the app.

What each case must keep: no exception, no word lost, no line wider than the pane
(a table that scrolls sideways excepted), no feed text read as markup, no control
character or escape in a Strip that reaches the terminal.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from textual.app import App
from textual.containers import VerticalScroll
from textual.widgets import Static

from reader.core.ingest.content import render_article
from reader.ui.messages import LinkChosen
from reader.ui.widgets.article_body import ArticleBody
from reader.ui.widgets.article_text import ArticleText
from reader.ui.widgets.markdown_lines import WRAP_MARK, Document, Line
from ui.conftest import (  # tests/ui/conftest.py: the TUI's fixed data and waits
    add_feed,
    body_lines,
    body_text,
    entry,
    quiet_app,
    screen_text,
    settle,
)

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0 (tab and newline too), DEL, C1
CLICK_META = re.compile(r"link\(\d+\)")  # the one action the body's text may name
UKRAINIAN = "Київ прийняв делегацію Ради Європи"
JAPANESE = "東京で新しいロケットの打ち上げに成功しました、記録的な速さ。"
ARABIC = "أخبار التكنولوجيا اليوم: إطلاق جديد"
HEBREW = "חדשות הטכנולוגיה היום"
MARKUP = [
    "[bold]x[/]",
    "[@click=app.quit]quit[/]",
    "[link=file:///etc/passwd]passwd[/link]",
    "[on red]red[/on red]",
    "[b][i]unclosed",
    "$text-error $boost",
]


def lay_out(markdown: str, width: int) -> tuple[Document, list[Line]]:
    """The document and its lines at `width`, as the pane lays them out."""
    document = Document.parse(markdown)
    text = ArticleText(document, document.blocks, {})
    return document, text.lines_at(width)


def plain(lines: list[Line]) -> str:
    return "\n".join(line.text.plain for line in lines)


def words(lines: list[Line]) -> list[str]:
    return plain(lines).split()


def too_wide(lines: list[Line], width: int) -> list[tuple[int, int]]:
    """(line number, cells) of each line wider than `width` that is not a scrolling
    table's (whose own offset crops it)."""
    return [(n, line.text.cell_length) for n, line in enumerate(lines)
            if line.table is None and line.text.cell_length > width]


class Pane(App):
    """One ArticleText on a screen, as the article pane holds it; the links it names."""

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.document = Document.parse(markdown)
        self.chosen: list[str] = []

    def compose(self):
        yield ArticleText(self.document, self.document.blocks, {})

    def on_link_chosen(self, event: LinkChosen) -> None:
        self.chosen.append(event.url)


def strips_of(text: ArticleText, limit: int | None = None) -> list:
    """The Strips of the run's lines (the first `limit`), as drawn to the terminal."""
    count = len(text.lines_at(text.content_region.width))
    return [text.render_line(y) for y in range(count if limit is None else min(count, limit))]


def assert_clean_strips(strips: list, width: int) -> None:
    """Each strip exactly `width` cells; no control character in its text; no click
    action but link(N)."""
    for y, strip in enumerate(strips):
        assert strip.cell_length == width, (y, strip.cell_length)
        for segment in strip:
            assert not CONTROL.search(segment.text), (y, segment.text)
            meta = segment.style.meta if segment.style is not None else {}
            click = meta.get("@click")
            assert click is None or CLICK_META.fullmatch(click), (y, click)


# -- nesting ------------------------------------------------------------------------------


@pytest.mark.parametrize("markdown", [
    "> " * 200 + "innermost",
    "".join("  " * i + f"- item{i}\n" for i in range(200)),
    "".join(">" * i + f" level{i}\n\n" for i in range(1, 201)),
], ids=["quotes", "list", "quote-steps"])
def test_200_deep_nesting_is_laid_out_at_any_width(markdown):
    for width in (20, 41, 80):
        document, lines = lay_out(markdown, width)
        assert document.blocks is not None
        # the shallow levels are there (what the deep ones keep: the next test)
        if "item0" in markdown:
            assert "item0" in plain(lines) and "item5" in plain(lines)
        if "level1" in markdown:
            assert "level1" in plain(lines)


@pytest.mark.parametrize("markdown,deepest", [
    ("> " * 200 + "innermost", "innermost"),
    ("".join("  " * i + f"- item{i}\n" for i in range(200)), "item199"),
    (render_article("<blockquote>" * 30 + "innermost words" + "</blockquote>" * 30
                    + "<p>after</p>").markdown, "innermost"),
], ids=["quotes", "list", "html-quotes-30"])
def test_deep_nesting_keeps_the_innermost_text(markdown, deepest):
    _, lines = lay_out(markdown, 80)
    assert deepest in plain(lines)


def test_nesting_deeper_than_the_pane_stays_inside_it():
    width = 30
    markdown = "> " * 16 + "the words of a deeply quoted letter"
    _, lines = lay_out(markdown, width)
    assert not too_wide(lines, width)
    visible = " ".join(line.text.plain[:width] for line in lines)
    for word in "the words of a deeply quoted letter".split():
        assert word in visible.split()


# -- tables -------------------------------------------------------------------------------


def test_a_300_column_table_scrolls_and_keeps_every_cell():
    columns = 300
    markdown = ("| " + " | ".join(f"c{i}" for i in range(columns)) + " |\n"
                + "|" + "---|" * columns + "\n"
                + "| " + " | ".join(f"v{i}" for i in range(columns)) + " |\n\n"
                + "After the table.")
    for width in (40, 99):
        document, lines = lay_out(markdown, width)
        table = [line for line in lines if line.table is not None and line.table >= 0]
        assert table, "a table this wide scrolls sideways"
        assert any(line.table is not None and line.table < 0 for line in lines)  # its bar
        cells = set(" ".join(line.text.plain for line in table).replace("│", " ").split())
        assert {f"c{i}" for i in range(columns)} <= cells
        assert {f"v{i}" for i in range(columns)} <= cells
        assert not too_wide(lines, width)
        assert "After the table." in plain(lines)


async def test_a_300_column_table_is_drawn_cropped_to_the_pane():
    markdown = ("| " + " | ".join(f"c{i}" for i in range(300)) + " |\n"
                + "|" + "---|" * 300 + "\n"
                + "| " + " | ".join(f"v{i}" for i in range(300)) + " |\n")
    app = Pane(markdown)
    async with app.run_test(size=(61, 12)) as pilot:
        await pilot.pause()
        text = app.query_one(ArticleText)
        width = text.content_region.width
        most = text.wide_tables()[0]
        assert most > 1000  # 300 columns: far wider than the pane
        assert_clean_strips(strips_of(text), width)
        text.scroll_table(0, most)  # the far end, as > would reach it
        strips = strips_of(text)
        assert_clean_strips(strips, width)
        assert "v299" in " ".join(strip.text for strip in strips)


def test_a_5000_row_table_keeps_every_row_inside_the_pane():
    rows = 5000
    markdown = "| name | value |\n|---|---|\n" + "".join(
        f"| r{i} | {JAPANESE[i % 20:i % 20 + 6]} {i} |\n" for i in range(rows))
    document, lines = lay_out(markdown, 47)
    assert not too_wide(lines, 47)
    seen = set(re.findall(r"\br(\d+)\b", plain(lines)))
    assert seen == {str(i) for i in range(rows)}
    assert len(document.blocks[0].pieces[0].rows) == rows + 1  # the header too


# -- length -------------------------------------------------------------------------------


def test_a_one_megabyte_paragraph_is_wrapped_whole():
    sentence = f"{UKRAINIAN}, {JAPANESE} word{{}}. "
    markdown = "".join(sentence.format(i) for i in range(6_100))
    assert len(markdown.encode()) > 1_000_000
    width = 73
    _, lines = lay_out(markdown, width)
    assert not too_wide(lines, width)
    assert words(lines) == markdown.split()


@pytest.mark.parametrize("wrap", [
    "{}", "```\n{}\n```", "# {}", "- {}", "> {}", "| {} | b |\n|---|---|\n| c | d |",
], ids=["paragraph", "code", "heading", "item", "quote", "table-cell"])
def test_a_100000_character_word_is_folded_not_cut(wrap):
    word = "x" * 100_000
    width = 59
    _, lines = lay_out(wrap.format(word), width)
    assert not too_wide(lines, width)
    assert plain(lines).count("x") == len(word)
    if wrap.startswith("```"):  # each fold of code marked, so that it can't pass for two
        assert sum(line.text.plain.lstrip().startswith(WRAP_MARK) for line in lines) > 100


# -- what the text holds ------------------------------------------------------------------


HOSTILE_HTML = (
    "<h2>Head\x1b[2J line\x07</h2>"
    "<p>Red \x1b[31mred\x1b[0m bell\x07 nul\x00 c1\x9b31m osc\x1b]0;pwned\x07 "
    "title\x1b]52;c;Y2xpcA==\x07 clip\x1bP1$r0m\x1b\\ dcs back\x08space cr\rend</p>"
    "<pre><code>code \x1b[1mbold\x1b[0m line</code></pre>"
    "<table><tr><th>h\x1b[7m</th><th>x</th></tr><tr><td>cell\x1b[5m</td><td>y</td></tr>"
    "</table><ul><li>item\x1b[4m</li></ul>"
)


async def test_escapes_and_controls_reach_no_strip():
    """Through the path the pane's text takes (render_article, then the renderer):
    no C0/C1 control, no ESC, no OSC in any strip; the words around them stay."""
    markdown = render_article(HOSTILE_HTML, "https://news.example/").markdown
    app = Pane(markdown)
    async with app.run_test(size=(50, 20)) as pilot:
        await pilot.pause()
        text = app.query_one(ArticleText)
        strips = strips_of(text)
        assert_clean_strips(strips, text.content_region.width)
        drawn = " ".join(strip.text for strip in strips)
        for word in ("Head", "red", "bell", "title", "clip", "dcs", "code", "bold", "cell",
                     "item", "end"):
            assert word in drawn, word
        assert "pwned" not in drawn  # (an OSC's payload is the escape, not text)


async def test_a_tab_in_a_code_block_reaches_no_strip():
    html = "<pre><code>func main() {\n\tfmt.Println(\"hi\")\n}</code></pre>"
    markdown = render_article(html, "https://news.example/").markdown
    assert "\t" in markdown  # (tabs are text: the sanitizer keeps them)
    app = Pane(markdown)
    async with app.run_test(size=(50, 12)) as pilot:
        await pilot.pause()
        text = app.query_one(ArticleText)
        assert_clean_strips(strips_of(text), text.content_region.width)


async def test_markup_looking_text_is_drawn_literally():
    markdown = "\n\n".join([
        "Para " + " ".join(MARKUP),
        "```\n" + "\n".join(MARKUP) + "\n```",
        "| a | b |\n|---|---|\n| " + MARKUP[0] + " | " + MARKUP[1].replace("|", "") + " |",
        "- " + MARKUP[2],
        "> " + MARKUP[3],
    ])
    app = Pane(markdown)
    async with app.run_test(size=(70, 30)) as pilot:
        await pilot.pause()
        text = app.query_one(ArticleText)
        strips = strips_of(text)
        assert_clean_strips(strips, text.content_region.width)
        drawn = "\n".join(strip.text for strip in strips)
        for markup in MARKUP:
            assert markup in drawn, markup
        first = list(strips[0])  # the paragraph: nothing in it bold, red or a link
        for segment in first:
            if segment.text.strip():
                style = segment.style
                assert not style.bold and not style.link and not style.meta.get("@click")
                assert style.bgcolor == first[-1].style.bgcolor  # no "on red"
        await pilot.click(ArticleText, offset=(8, 0))  # on "[@click=app.quit]..." if anywhere
        await pilot.pause()
        assert app.is_running and app.chosen == []


@pytest.mark.parametrize("text", [
    "e\u0301" * 300,  # combining acute after each e
    "Z\u0351\u0352\u0357\u035b\u0360" * 120,  # stacked combining marks
    "a\u200b" * 500 + "b\u200c\u200d\ufeff" * 100,  # zero-width space, joiners, BOM
    "👨\u200d👩\u200d👧\u200d👦🏳️\u200d🌈" * 60,  # ZWJ sequences
    JAPANESE * 12,
    "字" * 3001,
], ids=["combining", "zalgo", "zero-width", "zwj-emoji", "cjk", "cjk-word"])
def test_zero_width_combining_and_wide_characters_fit_at_odd_widths(text):
    for wrap in ("{}", "- {}", "> > {}", "| {} | b |\n|---|---|\n| c | d |", "{0} {0} {0}"):
        assert_fits_and_kept(wrap, text)


def assert_fits_and_kept(wrap: str, text: str) -> None:
    markdown = wrap.format(text)
    for width in (21, 33, 47, 59):
        _, lines = lay_out(markdown, width)
        assert not too_wide(lines, width), (wrap, width)
        kept = "".join(line.text.plain for line in lines)
        for char in set(text) - {" "}:
            assert kept.count(char) == markdown.count(char), (wrap, width, char)


@pytest.mark.parametrize("text", [JAPANESE * 12, "字" * 3001], ids=["cjk", "cjk-word"])
def test_a_long_code_line_of_wide_characters_is_folded_whole(text):
    assert_fits_and_kept("```\n{}\n```", text)


@pytest.mark.parametrize("text", [
    "e\u0301" * 300, ("Йо\u0301го " * 60).replace(" ", "_"), "a\u200b" * 500,
    "👨\u200d👩\u200d👧\u200d👦" * 60,
], ids=["combining", "ukrainian-stress", "zero-width", "zwj-emoji"])
def test_a_long_code_line_with_zero_width_characters_is_folded_whole(text):
    assert_fits_and_kept("```\n{}\n```", text)


async def test_double_width_text_is_drawn_at_an_odd_width():
    markdown = "\n\n".join([
        JAPANESE * 6, "```\n" + "a字" * 80 + "\n```", "- " + JAPANESE * 3,
        f"| {JAPANESE} | {JAPANESE} |\n|---|---|\n| {JAPANESE * 2} | x |",
    ])
    app = Pane(markdown)
    async with app.run_test(size=(41, 80)) as pilot:
        await pilot.pause()
        text = app.query_one(ArticleText)
        assert text.content_region.width == 41  # (odd: a wide character can't fill it)
        assert_clean_strips(strips_of(text), 41)


def test_right_to_left_text_keeps_its_order_and_fits():
    markdown = "\n\n".join([
        (ARABIC + " ") * 10, f"- {HEBREW} {UKRAINIAN} {ARABIC}",
        f"| {ARABIC} | {HEBREW} |\n|---|---|\n| 1 | 2 |",
        "mixed \u202eevil.exe\u202c and \u2067" + HEBREW + "\u2069 isolates",
    ])
    width = 37
    _, lines = lay_out(markdown, width)
    assert not too_wide(lines, width)
    drawn = words(lines)
    for word in (ARABIC + " " + HEBREW + " " + UKRAINIAN).split():
        assert word in drawn, word
    assert "\u202eevil.exe\u202c" in plain(lines)  # (text, logical order: kept as written)


@pytest.mark.parametrize("markdown", [
    "", " ", "\n\n\n", "#", "######", ">", "> >", "-", "1.", "- \n- \n-", "```\n```",
    "    ", "|a|\n|-|", "| |\n|-|\n| |", "---", "***", "<div></div>", "[]()", "![]()",
    "**", "``", "\\", "&nbsp;", "&#0;", "[x]: https://a.example",
], ids=repr)
def test_empty_blocks_lay_out(markdown):
    document, lines = lay_out(markdown, 30)
    assert not too_wide(lines, 30)
    assert not CONTROL.search(plain(lines).replace("\n", ""))


def test_an_empty_list_item_keeps_its_bullet():
    _, lines = lay_out("- one\n-\n- three", 30)
    assert [line.text.plain.strip() for line in lines if line.text.plain.strip()] == [
        "• one", "•", "• three"]


def test_an_ordered_list_from_zero_keeps_its_numbers():
    markdown = render_article("<ol start='0'><li>zero</li><li>one</li></ol>").markdown
    _, lines = lay_out(markdown, 30)
    assert [line.text.plain.strip() for line in lines if line.text.plain.strip()] == [
        "0. zero", "1. one"]


# -- links ---------------------------------------------------------------------------------


@pytest.mark.parametrize("href", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java&#115;cript:alert(1)",
    "  javascript:alert(1)", "vbscript:msgbox(1)", "data:text/html;base64,PHNjcmlwdD4=",
    "file:///etc/passwd",
])
def test_a_link_to_a_script_is_no_link(href):
    document, lines = lay_out(f"[click me]({href}) and <{href}> then "
                              "[safe](https://ok.example/a)", 80)
    assert document.links == ["https://ok.example/a"]
    for line in lines:  # the script link's text: no click on it
        for span in line.text.spans:
            start = line.text.plain.find("click me")
            if start >= 0 and span.start <= start < span.end:
                assert not getattr(span.style, "meta", {}).get("@click")


async def test_clicking_a_link_names_only_its_number():
    markdown = "[js](javascript:alert(1)) [safe](https://ok.example/a) [huge](https://b.example/"
    markdown += "x" * 5000 + ")"
    app = Pane(markdown)
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        text = app.query_one(ArticleText)
        line = text.lines_at(text.content_region.width)[0].text.plain
        await pilot.click(ArticleText, offset=(line.index("js") + 1, 0))
        await pilot.click(ArticleText, offset=(line.index("safe") + 1, 0))
        await pilot.click(ArticleText, offset=(line.index("huge") + 1, 0))
        await pilot.pause()
        assert app.chosen == ["https://ok.example/a", "https://b.example/" + "x" * 5000]
        text.action_link(7)  # a number it never drew: nothing
        text.action_link(-1)
        await pilot.pause()
        assert len(app.chosen) == 2
        for strip in strips_of(text):  # the URL is in no strip's action, only its number
            assert "ok.example" not in str([s.style.meta for s in strip if s.style])


# -- the body: a newer article while the page is made ready -------------------------------


class Body(App):
    def compose(self):
        with VerticalScroll():
            yield ArticleBody(id="article-body")


async def test_a_page_made_ready_during_a_long_update_leaves_nothing_dangling():
    long_next = "\n\n".join(f"Paragraph {i}: " + f"{UKRAINIAN} " * 8 for i in range(600))
    page = "The full page of the first article.\n\nIts second paragraph."
    app = Body()
    async with app.run_test(size=(80, 30)) as pilot:
        body = app.query_one(ArticleBody)
        await body.update("The first article's lead.")
        await pilot.pause()
        update = asyncio.ensure_future(body.update(long_next))  # j: the next, long article
        await asyncio.sleep(0)
        await body.make_ready(page)  # the first article's page, made ready meanwhile
        assert not update.done()  # (the case: the page was ready before the long text)
        await update
        for _ in range(3):
            await pilot.pause()
        assert body.document.markdown == long_next
        block = body.document.blocks[2]
        for wait in body.place_after({block: [Static("a picture")]}):
            await wait
        await pilot.pause()
        shown = " ".join(line.text.plain for run in body.runs() for line in run.lines_at(78))
        assert "Paragraph 2:" in shown and "full page" not in shown


# -- through the app -----------------------------------------------------------------------


async def test_a_hostile_article_in_the_app(library):
    table = ("<table><tr>" + "".join(f"<th>col{i}</th>" for i in range(120)) + "</tr><tr>"
             + "".join(f"<td>val{i}</td>" for i in range(120)) + "</tr></table>")
    content = (
        f"<p>{UKRAINIAN}. [bold]not bold[/] [@click=app.quit]quit[/] "
        "Red \x1b[31mred\x1b[0m bell\x07 osc\x1b]0;pwned\x07 end.</p>"
        f"<p>{JAPANESE * 3}</p><p>{ARABIC} {HEBREW}</p>"
        "<p>e\u0301e\u0301 a\u200bb \U0001f468\u200d\U0001f469\u200d\U0001f467</p>"
        "<blockquote><blockquote><ul><li><p>nested item</p></li></ul></blockquote></blockquote>"
        "<p></p><p> </p><h3></h3>"
        f"{table}"
        "<p><a href='javascript:alert(1)'>script link</a> "
        "<a href='https://news.example/ok'>good link</a></p>"
        + "<p>" + "y" * 8_000 + "</p>"
    )
    add_feed(library, "http://127.0.0.1:9/hostile", "Hostile", [],
             [entry(1, "A hostile body", feed="hostile", content=content)])
    app = quiet_app(library)
    opened: list[str] = []
    app.url_opener = lambda url: opened.append(url) or True
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        app.main.focus_pane("article")
        await settle(pilot, app)
        text = body_text(app)
        for expected in (UKRAINIAN, "[bold]not bold[/]", "[@click=app.quit]quit[/]",
                         "red", "bell", "end.", ARABIC, HEBREW, "nested item",
                         "col119", "val119", "script link", "good link"):
            assert expected in text, expected
        assert JAPANESE * 3 in "".join(text.split())  # (folded where no space is)
        assert "pwned" not in text
        assert body_lines(app).count("") < len(body_lines(app))
        body = app.main.query_one("#article-body")
        for run in body.runs():
            width = run.content_region.width
            lines = run.lines_at(width)
            assert not too_wide(lines, width)
            assert sum(line.text.plain.count("y") for line in lines) >= 8_000
            for y in range(min(len(lines), 60)):
                strip = run.render_line(y)
                assert strip.cell_length == width
                assert not any(CONTROL.search(segment.text) for segment in strip)
        assert not CONTROL.search(screen_text(app).replace("\n", ""))
        await pilot.press(">", ">", "<")  # the wide table sideways: nothing breaks
        await settle(pilot, app)
        await pilot.press("slash")
        await settle(pilot, app)
        app.main.query_one("#article-search").value = "[@click"
        await settle(pilot, app)
        assert app.main.article.matches.matches  # found as text, nothing run
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.is_running and opened == []
