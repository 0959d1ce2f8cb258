"""A full article keeps what trafilatura drops or changes: <abbr> titles, <ins>, <kbd>,
images whose address is not an image file's; and a page whose header names the wrong
charset is read by its <meta> or by detection (the QA pass of issue 14)."""

from __future__ import annotations

from reader.core.ingest.content import render_article
from reader.core.ingest.extract import body_of, decode_page, extract_html, extract_page
from reader.core.ingest.image_refs import image_refs
from reader.core.ingest.page_prep import restore_marks

URL = "https://agency.example/news/1"
STORY = "".join(
    f"<p>Абзац {i}. Уряд ухвалив рішення щодо енергетики, і громади отримають кошти "
    "на ремонт підстанцій до зими, повідомили в міністерстві.</p>" for i in range(6)
)


def page(body: str, charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>Новина</title>'
            "</head><body><nav><a href='/'>Головна</a> <a href='/x'>Інше</a></nav><article>"
            f"<h1>Новина</h1>{body}{STORY}</article><footer>Усі права захищено</footer>"
            "</body></html>")


MARKED = page(
    '<p>У <abbr title="Всесвітня організація охорони здоров\'я">ВООЗ</abbr> сказали '
    "<del>ніколи</del> <ins>іноді</ins>; натисніть <kbd>Ctrl</kbd>+<kbd>C</kbd>, "
    "щоб скопіювати. ВООЗ повторила це двічі.</p>"
)


def test_a_full_article_keeps_abbr_ins_and_kbd_as_the_feeds_text_does():
    html = extract_html(MARKED, URL)
    markdown = render_article(html, URL).markdown
    expected = ("У ВООЗ (Всесвітня організація охорони здоров'я) сказали ~~ніколи~~ {+іноді+};"
                " натисніть [Ctrl]+[C], щоб скопіювати. ВООЗ повторила це двічі.")
    assert expected in markdown
    assert expected in body_of(html, URL).text  # `show --json` keeps the same marks
    assert "<var>" not in html and "\ufdd0" not in html


def test_the_marks_own_characters_in_a_page_are_taken_out_first():
    hostile = page("<p>Текст \ufdd0вставка\ufdd1 і \ufdd4ВООЗ\ufdd5назва\ufdd6 та \ufdd7 кінець "
                   "абзацу, досить довгого для статті.</p>")
    html = extract_html(hostile, URL)
    assert "Текст вставка і ВООЗназва та кінець абзацу" in html
    assert "<ins>" not in html and "<abbr" not in html
    assert not any("\ufdd0" <= c <= "\ufdd7" for c in html)


def test_marks_trafilatura_split_or_lost_go_rather_than_leave_half_an_element():
    assert restore_marks("<p>a\ufdd0b</p><p>c</p>") == "<p>ab</p><p>c</p>"
    assert restore_marks('<p>\ufdd4A\ufdd5x "y" &amp; z\ufdd6</p>') == (
        '<p><abbr title="x &quot;y&quot; &amp; z">A</abbr></p>')


def test_an_image_trafilatura_would_drop_keeps_its_alt_text():
    html = extract_html(page(
        '<p>Фото з архіву.</p><img src="file:///etc/hostname" alt="ALT file image">'
        '<p>Фото з CDN.</p><img src="https://cdn.example/photo?id=5" alt="Підстанція взимку">'
        '<p>Лічильник.</p><img src="https://pixel.example/t?id=9">'), URL)
    rendered = render_article(html, URL)
    assert "[image: ALT file image]\n" in rendered.markdown + "\n"  # shown, never fetched
    assert "[image: Підстанція взимку][1]" in rendered.markdown
    assert rendered.links == ["https://cdn.example/photo?id=5"]
    assert "pixel.example" not in html  # an image without alt text stays dropped
    refs = image_refs(rendered.markdown, rendered.links)
    assert [(r.url, r.alt) for r in refs] == [("https://cdn.example/photo?id=5", "Підстанція взимку")]


UKRAINIAN = "Київ — столиця України. Уряд ухвалив рішення щодо енергетики. " * 10


def test_a_header_charset_that_does_not_decode_the_page_gives_way_to_its_meta():
    data = page(f"<p>{UKRAINIAN}</p>", charset="windows-1251").encode("cp1251")
    text = decode_page(data, "text/html; charset=utf-8")
    assert UKRAINIAN in text and "\ufffd" not in text
    extracted = extract_page(data, "text/html; charset=utf-8", URL)
    assert "Київ — столиця України." in extracted.text and "\ufffd" not in extracted.text


def test_when_header_and_meta_are_both_wrong_detection_reads_the_page():
    data = page(f"<p>{UKRAINIAN}</p>", charset="utf-8").encode("cp1251")
    text = decode_page(data, "text/html; charset=utf-8")
    assert UKRAINIAN in text and "\ufffd" not in text


def test_a_stray_bad_byte_does_not_overrule_the_declared_charset():
    data = page(f"<p>{UKRAINIAN}</p>").encode() + b"\xff"
    text = decode_page(data, "text/html; charset=utf-8")
    assert UKRAINIAN in text and text.endswith("\ufffd")


def test_a_video_player_in_the_story_stays_as_its_link_and_other_iframes_go():
    html = extract_html(page(
        "<p>Відео нижче.</p><iframe src=\"https://www.youtube.com/embed/dQw4w9WgXcQ?start=5\">"
        '</iframe><p>Реклама:</p><iframe src="https://ads.example/slot?id=1"></iframe>'), URL)
    rendered = render_article(html, URL)
    assert "Відео нижче.\n\n[video: youtube.com/watch?v=dQw4w9WgXcQ&t=5][1]\n\nРеклама:" in (
        rendered.markdown)
    assert rendered.links == ["https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=5"]
    assert body_of(html, URL).links == ["https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=5"]
    assert "ads.example" not in html
