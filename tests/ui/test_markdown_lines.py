"""The article body's Markdown laid out as lines (ui/widgets/markdown_lines.py): blank
lines between the blocks of a quote or a loose list's items, tables that scroll only
when they do not fit, a scrolled table's quote bars kept, copying what was written."""

from __future__ import annotations

from textual.app import App
from textual.containers import VerticalScroll
from textual.geometry import Offset
from textual.selection import Selection

from reader.ui.widgets.article_body import ArticleBody
from reader.ui.widgets.markdown_lines import Document


def lines(markdown: str, width: int = 60) -> list[str]:
    document = Document.parse(markdown)
    return [line.text.plain for block in document.blocks
            for line in block.lines(width, document.table_number)]


def test_a_quotes_paragraphs_keep_a_barred_blank_line_between_them():
    assert lines("> Перший абзац цитати.\n>\n> Другий абзац цитати.")[:3] == [
        "▌ Перший абзац цитати.", "▌", "▌ Другий абзац цитати."]


def test_a_loose_lists_items_stand_apart_and_a_tight_lists_do_not():
    loose = lines("- Пункт один, абзац один.\n\n  Абзац два.\n\n- Пункт два.")
    assert loose[:5] == ["• Пункт один, абзац один.", "", "  Абзац два.", "", "• Пункт два."]
    tight = lines("1. один\n2. два\n   - вкладений\n3. три")
    assert tight[:4] == ["1. один", "2. два", "   ◦ вкладений", "3. три"]


def test_a_table_that_fits_keeps_its_columns_whole_and_does_not_scroll():
    head = "| " + " | ".join(f"Колонка {i}" for i in range(7)) + " |"
    rule = "|" + "---|" * 7
    row = "| " + " | ".join("так" for _ in range(7)) + " |"
    wide_cell = "| Опис |\n|---|\n| " + "слово " * 12 + "|"
    document = Document.parse(f"{head}\n{rule}\n{row}\n\n{wide_cell}")
    laid = [line for block in document.blocks for line in block.lines(100, document.table_number)]
    assert all(line.table is None for line in laid)  # 7 columns in 100 cells: no bar
    assert any(line.text.plain.strip() == ("слово " * 12).strip() for line in laid)  # (not cut at 40)


class Body(App):
    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self):
        with VerticalScroll():
            yield ArticleBody(id="article-body")

    async def on_mount(self) -> None:
        await self.query_one(ArticleBody).update(self.markdown)


async def test_a_scrolled_tables_quote_bars_stay_and_it_comes_back_once_it_fits():
    table = ("| " + " | ".join(f"Показник {i}" for i in range(16)) + " |\n|" + "---|" * 16
             + "\n| " + " | ".join(f"значення {i}" for i in range(16)) + " |")
    quoted = "\n".join("> " + line for line in table.splitlines())
    app = Body(quoted)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        body = app.query_one(ArticleBody)
        (run,) = body.runs()
        width = run.content_region.width
        most = body.scrolls(0)
        assert most > 0
        run.scroll_table(0, most)
        await pilot.pause()
        rows = [y for y, line in enumerate(run.lines_at(width)) if line.table == 0]
        drawn = [run.render_line(y).text for y in rows]
        assert all(text.startswith("▌ ") for text in drawn)
        assert "значення 15" in drawn[-1]
        bar = run.render_line(rows[-1] + 1).text
        assert bar.rstrip().endswith("━")  # (the bar reaches the end, scrolled to the end)
        await pilot.resize_terminal(1000, 20)  # wide enough now: drawn from its start
        await pilot.pause()
        width = run.content_region.width
        assert body.scrolls(0) == 0
        header = next(y for y, line in enumerate(run.lines_at(width))
                      if "Показник 0" in line.text.plain)
        assert "Показник 0" in run.render_line(header).text  # (its old offset: not kept)


async def test_copying_gives_the_text_as_written():
    paragraph = " ".join(f"слово{i}" for i in range(40))
    code = "x = compute(" + ", ".join(f"arg_{i}" for i in range(20)) + ")"
    app = Body(f"> {paragraph}\n\n```\n{code}\n```\n\n- пункт")
    async with app.run_test(size=(50, 40)) as pilot:
        await pilot.pause()
        (run,) = app.query_one(ArticleBody).runs()
        count = len(run.lines_at(run.content_region.width))
        app.screen.selections = {run: Selection(Offset(0, 0), Offset(0, count))}
        await pilot.pause()
        copied = app.screen.get_selected_text()
        assert copied.split("\n\n")[:3] == [paragraph, code, "пункт"]
        selected = run.render_line(0)
        styled = [segment.style for segment in selected if segment.text.strip()]
        assert styled and all(s.color != s.bgcolor for s in styled)  # readable when selected
