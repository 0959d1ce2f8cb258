"""Where an article's images are: the Markdown line naming each (the article pane draws
the picture there), whether that line names nothing but pictures, and its link number."""

from __future__ import annotations

from markdown_it import MarkdownIt

from reader.core.ingest.content import render_article
from reader.core.ingest.image_refs import MAX_IMAGES, image_refs
from reader.core.models import Enclosure


def places(html: str) -> list[tuple[str, int | None, bool, int]]:
    rendered = render_article(html, "https://news.example/uk/story")
    return [(ref.alt, ref.line, ref.alone, ref.number)
            for ref in image_refs(rendered.markdown, rendered.links)]


def test_each_image_has_the_line_that_names_it():
    html = ('<p>Перший абзац.</p><img src="/a.png" alt="Сонце">'
            '<p>二つ目の段落。</p><img src="/b.png" alt="写真"><img src="/c.png">'
            '<p>Текст із <img src="/d.png" alt="значок"> усередині.</p>')
    # "Перший абзац.", "", "[image: Сонце][1]", "", "二つ目の段落。", "", "[image: 写真][2][image][3]",
    # "", "Текст із [image: значок][4] усередині."
    assert places(html) == [("Сонце", 2, True, 1), ("写真", 6, True, 2), ("", 6, True, 3),
                            ("значок", 8, False, 4)]


def test_the_lines_are_the_markdown_parsers_lines():
    # markdown-it reads \r and \r\n as one line break each: the lines match its blocks'
    markdown = "Один.\r\n\r\n[image: a][1]\r\rДва.\n\n[image: b][2]"
    refs = image_refs(markdown, ["https://x.example/a.png", "https://x.example/b.png"])
    blocks = {token.map[0]: token.map for token in MarkdownIt().parse(markdown)
              if token.type == "paragraph_open"}
    assert [ref.line for ref in refs] == [2, 6]
    assert all(ref.line in blocks for ref in refs)


def test_a_line_with_anything_but_pictures_shown_is_not_alone():
    html = ('<p><a href="/big"><img src="/a.png" alt="linked"></a></p>'  # and its link [2]
            '<img src="/a.png" alt="again"><img src="/e.png" alt="new">'  # a repeat
            '<ul><li><img src="/f.png" alt="item"></li></ul>')  # in a list item
    assert places(html) == [("linked", 0, False, 1), ("new", 2, False, 3), ("item", 4, False, 4)]


def test_an_enclosure_has_no_line():
    refs = image_refs("No pictures.", [], [Enclosure("https://a.example/p.jpg", "image/jpeg")])
    assert [(ref.url, ref.line, ref.alone, ref.number) for ref in refs] == [
        ("https://a.example/p.jpg", None, False, 0)]


def test_at_most_max_images_and_the_rest_stay_text():
    html = "".join(f'<p><img src="/{n}.png" alt="{n}"></p>' for n in range(MAX_IMAGES + 5))
    found = places(html)
    assert len(found) == MAX_IMAGES and found[-1][1] == 2 * (MAX_IMAGES - 1)
