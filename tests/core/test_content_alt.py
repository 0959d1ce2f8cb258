"""An image's alt text stays as written, brackets too: escaped in the Markdown so that
nothing in it closes the "[image: ...]" or makes a link, and read back whole by
image_refs (the pane's captions)."""

from __future__ import annotations

from markdown_it import MarkdownIt

from reader.core.ingest.content import render_article
from reader.core.ingest.image_refs import image_refs


def _inline_tokens(markdown: str):
    for block in MarkdownIt("commonmark").parse(markdown):
        yield from block.children or ()


def test_brackets_in_alt_text_are_kept_literally():
    html = ('<p>Фото:</p><img src="https://cdn.example/a.png" alt="[bold red]ALTMARK[/] \\ кінець">'
            '<img src="https://cdn.example/b.png" alt="x](https://evil.example/)[y">')
    r = render_article(html, "https://agency.example/")
    assert r.markdown == ("Фото:\n\n[image: \\[bold red\\]ALTMARK\\[/\\] \\\\ кінець][1]"
                          "[image: x\\](https://evil.example/)\\[y][2]")
    tokens = list(_inline_tokens(r.markdown))
    assert not any(t.type == "link_open" for t in tokens)  # no link made of the alt text
    shown = "".join(t.content for t in tokens if t.type == "text")
    assert "[image: [bold red]ALTMARK[/] \\ кінець][1]" in shown
    refs = image_refs(r.markdown, r.links)
    assert [(ref.url, ref.alt) for ref in refs] == [
        ("https://cdn.example/a.png", "[bold red]ALTMARK[/] \\ кінець"),
        ("https://cdn.example/b.png", "x](https://evil.example/)[y"),
    ]


def test_an_abbreviations_expansion_keeps_its_brackets_too():
    r = render_article('<p><abbr title="Закон [про енергетику]">ЗПЕ</abbr> діє.</p>')
    assert r.markdown == "ЗПЕ (Закон \\[про енергетику\\]) діє."
