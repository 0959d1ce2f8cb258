"""Tags in the headline list: each in brackets, as the article header shows them, so
that a tag with spaces shows where it ends; whole tags in their column, then a cut one
that says so; wide characters counted as two cells."""

from __future__ import annotations

from rich.cells import cell_len

from reader.core.config import Config
from reader.core.library import Library
from reader.ui.widgets.headline_list import columns_for, tag_label

from .conftest import add_feed, entry, quiet_app, settle

UKRAINIAN = ["Війна в Україні", "Рада Європи"]


def test_each_tag_shows_its_bounds():
    assert tag_label(UKRAINIAN, 40) == "[Війна в Україні] [Рада Європи]" + " " * 9
    assert tag_label(["東京", "ニュース"], 20) == "[東京] [ニュース]" + " " * 3


def test_tags_that_do_not_fit_are_cut_visibly():
    for width in range(1, 45):
        label = tag_label([*UKRAINIAN, "東京"], width)
        assert cell_len(label) == width, (width, label)
    # whole tags while they fit, then the next one cut with "…" where enough of it shows
    assert tag_label(UKRAINIAN, 27) == "[Війна в Україні] [Рада Єв…"
    assert tag_label([*UKRAINIAN, "東京"], 36) == "[Війна в Україні] [Рада Європи] …   "
    assert tag_label(UKRAINIAN, 22) == "[Війна в Україні] …   "
    # a first tag too long for the column is cut
    assert tag_label(UKRAINIAN, 10) == "[Війна в… "
    # wide characters: a cut never splits one
    assert tag_label(["東京都庁", "x"], 7) == "[東京… "
    assert cell_len(tag_label(["x", "東京都庁"], 9)) == 9
    # (no control characters from a feed reach the screen)
    assert tag_label(["a\x1b[2Jb"], 10).startswith("[a")
    assert "\x1b" not in tag_label(["a\x1b[2Jb"], 10)


async def test_the_list_shows_tags_with_spaces_in_brackets(tmp_path):
    lib = Library(tmp_path / "tags.db", Config())
    add_feed(lib, "http://127.0.0.1:9/unn", "УНН", ["Новини"], [
        entry(1, "Рада Європи ухвалила резолюцію", feed="unn", categories=UKRAINIAN),
        entry(2, "東京で会議", hours_ago=1, feed="unn", categories=["東京 ニュース"]),
    ])
    app = quiet_app(lib)
    for size in ((160, 40), (100, 24)):
        async with app.run_test(size=size) as pilot:
            await settle(pilot, app)
            hl = app.main.headlines
            width = hl.scrollable_content_region.width
            cols = columns_for(width)
            rows = [hl.render_line(y) for y in range(2)]
            # the row is exactly the list's width, measured (wide characters count two)
            assert [sum(cell_len(s.text) for s in strip) for strip in rows] == [width, width]
            first, second = (strip.text for strip in rows)
            room = cols.rest - cols.title - 1
            # feed tags, then the article's categories, as many whole ones as fit
            assert tag_label(["Новини", *UKRAINIAN], room) in first
            assert tag_label(["Новини", "東京 ニュース"], room) in second
            if size[0] == 160:
                assert "[Новини] [Війна в Україні]" in first
                assert "[Новини] [東京 ニュース]" in second
            # the tags start in the same column on both rows, after the titles
            starts = [cell_len(t[:t.index("[Новини]")]) for t in (first, second)]
            assert starts[0] == starts[1] == 3 + cols.time + cols.feed + cols.title + 1
        app = quiet_app(lib)
    lib.close()
