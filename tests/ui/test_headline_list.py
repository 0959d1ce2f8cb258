"""The virtual headline list: columns, wide and right-to-left text, windowed reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.cells import cell_len

from reader.core.config import Config
from reader.core.library import Library
from reader.ui.widgets.headline_list import fit, format_time

from .conftest import NOW, add_feed, entry, quiet_app, settle


def test_fit_counts_cells():
    assert fit("abc", 5) == "abc  "
    assert cell_len(fit("東京で新しい研究", 7)) == 7
    assert fit("東京で新しい研究", 7).endswith("…")
    assert fit("東京で新しい研究", 6) == "東京… "  # the ellipsis follows the text, then the pad
    assert fit("abcdef", 4) == "abc…"
    assert cell_len(fit("أخبار التكنولوجيا", 6)) == 6


def test_format_time():
    assert format_time(NOW - timedelta(hours=1), NOW) == "11:00"
    assert format_time(NOW - timedelta(days=2), NOW) == "Nov 18"
    assert format_time(datetime(2025, 3, 4, tzinfo=UTC), NOW) == "2025-03-04"
    assert format_time(datetime(2025, 3, 4, tzinfo=UTC), NOW, short=True) == "2025"
    assert format_time(None, NOW) == ""


def cells_before(strip, index: int) -> int:
    return sum(cell_len(seg.text) for seg in list(strip)[:index])


TITLE, TAGS = 5, 7  # segment indexes: mark, star, space, time, feed, title, space, tags


async def test_columns_stay_aligned_with_wide_and_rtl_text(library):
    app = quiet_app(library)
    for size in ((160, 40), (80, 24)):
        async with app.run_test(size=size) as pilot:
            await settle(pilot, app)
            hl = app.main.headlines
            width = hl.scrollable_content_region.width
            strips = [hl.render_line(y) for y in range(len(hl.ids))]
            # measured, not the length a strip declares
            assert all(sum(cell_len(seg.text) for seg in s) == width for s in strips)
            # the title column starts at the same cell on every row, and so do the tags
            title_starts, tag_starts = set(), set()
            for row, strip in enumerate(strips):
                segments = list(strip)
                assert segments[TITLE].text.startswith(hl.headline(row).title[:2])
                title_starts.add(cells_before(strip, TITLE))
                if len(segments) > TAGS:
                    tag_starts.add(cells_before(strip, TAGS))
            assert len(title_starts) == 1, title_starts
            assert len(tag_starts) == 1, tag_starts
        app = quiet_app(library)


async def test_rows_show_tags_after_the_title(library):
    app = quiet_app(library)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        hl = app.main.headlines
        text = {hl.headline(y).title: hl.render_line(y).text for y in range(len(hl.ids))}
        # feed tags, then the article's own categories, dim after the title
        harbor = text["Harbor reopens after the storm"]
        assert "[news] [world]" in harbor  # in brackets, as the article header shows them
        assert harbor.index("[news]") > harbor.index("Harbor reopens")
        assert "[tech] [compilers]" in text["Compiler release brings faster builds"]
        # wide (CJK) titles keep their tags in the same column
        assert "[tech]" in text["東京で新しいロケットの打ち上げに成功しました、記録的な速さ"]
        assert "[" not in text["[bold red]not bold[/] and [/]"].split("[/]")[-1]  # untagged feed


def test_tag_column_only_when_there_is_room():
    from reader.ui.widgets.headline_list import columns_for

    cols = columns_for(80)
    assert cols.title < cols.rest  # there is a tags column at 80 cells
    assert columns_for(40).title == columns_for(40).rest  # none at 40


async def test_long_titles_take_the_tags_room(tmp_path):
    from reader.ui.widgets.headline_list import columns_for

    lib = Library(tmp_path / "long.db", Config())
    long_title = "A very long title " * 8
    add_feed(
        lib,
        "http://127.0.0.1:9/long",
        "Long",
        ["longtag", "other"],
        [
            entry(1, long_title.strip(), feed="long"),
            entry(2, "Short one", hours_ago=1, feed="long"),
        ],
    )
    app = quiet_app(lib)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot, app)
        hl = app.main.headlines
        width = hl.scrollable_content_region.width
        cols = columns_for(width)
        long_row, short_row = hl.render_line(0).text, hl.render_line(1).text
        assert "[longtag]" in short_row
        # the long title takes the tags' room (they go first), and is cut at the edge
        assert "[longtag]" not in long_row and long_row.rstrip().endswith("…")
        assert cols.title < cols.rest
    lib.close()


async def test_rows_are_read_a_window_at_a_time(tmp_path):
    lib = Library(tmp_path / "big.db", Config())
    for f in range(4):
        add_feed(
            lib,
            f"http://127.0.0.1:9/f{f}",
            f"Feed {f}",
            ["t"],
            [
                entry(i, f"Feed {f} story {i}", hours_ago=i + f / 10, feed=f"f{f}")
                for i in range(1500)
            ],
        )
    app = quiet_app(lib)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, app)
        hl = app.main.headlines
        assert len(hl.ids) == 6000
        assert len(hl._headlines) <= 300  # only what is near the screen
        loads = hl.window_loads
        await pilot.press("j")
        assert hl.window_loads == loads  # moving within the window reads nothing
        # paging on at a reading pace: the rows ahead were read in a thread beforehand,
        # so no page waits for SQLite
        for _ in range(12):
            await pilot.press("pagedown")
            await settle(pilot, app)
        assert hl.cursor > 300
        assert hl.window_loads == loads
        await pilot.press("G")
        await pilot.pause()
        assert hl.selected.title == "Feed 3 story 1499"
        assert len(hl._headlines) <= 600
        # a cursor move repaints from the strip cache: only the two changed rows render
        await pilot.press("k")
        await pilot.pause()
        assert hl.virtual_size.height == 6000
    lib.close()


async def test_reload_keeps_the_selected_article(library):
    app = quiet_app(library)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, app)
        hl = app.main.headlines
        await pilot.press("j", "j", "j")
        selected = hl.selected_id
        hl.set_ids([999_001, 999_002, *hl.ids])  # two new rows on top
        assert hl.selected_id == selected and hl.cursor == 5
        hl.set_ids([i for i in hl.ids if i != selected])  # it vanished: the cursor stays put
        assert hl.cursor == 5
