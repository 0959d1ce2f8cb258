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
    assert fit("abcdef", 4) == "abc…"
    assert cell_len(fit("أخبار التكنولوجيا", 6)) == 6


def test_format_time():
    assert format_time(NOW - timedelta(hours=1), NOW) == "11:00"
    assert format_time(NOW - timedelta(days=2), NOW) == "Nov 18"
    assert format_time(datetime(2025, 3, 4, tzinfo=UTC), NOW) == "2025-03-04"
    assert format_time(datetime(2025, 3, 4, tzinfo=UTC), NOW, short=True) == "2025"
    assert format_time(None, NOW) == ""


async def test_columns_stay_aligned_with_wide_and_rtl_text(library):
    app = quiet_app(library)
    for size in ((160, 40), (80, 24)):
        async with app.run_test(size=size) as pilot:
            await settle(pilot, app)
            hl = app.main.headlines
            width = hl.scrollable_content_region.width
            strips = [hl.render_line(y) for y in range(len(hl.ids))]
            assert all(s.cell_length == width for s in strips)
            # the title column starts at the same cell on every row
            starts = set()
            for strip, row in zip(strips, range(len(hl.ids)), strict=True):
                title = hl.headline(row).title[:2]
                cells = 0
                for index, seg in enumerate(strip):
                    if index >= 6 and seg.text.startswith(title):  # past marks, time and feed
                        starts.add(cells)
                        break
                    cells += cell_len(seg.text)
            assert len(starts) == 1, starts
        app = quiet_app(library)


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
        hl.set_ids([999_001, 999_002] + hl.ids)  # two new rows on top
        assert hl.selected_id == selected and hl.cursor == 5
        hl.set_ids([i for i in hl.ids if i != selected])  # it vanished: the cursor stays put
        assert hl.cursor == 5
