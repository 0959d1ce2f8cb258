"""html_to_text (`show --json`'s text, the search index) keeps what the Markdown keeps:
the same marks for math, <abbr>, <kbd>, <ins>/<del>, from the same rules (inline.py);
and, as paragraphs, code as written, a table as rows; an embedded player's page in
`show --json`'s links."""

from __future__ import annotations

import re

from reader.core.ingest.content import render_article
from reader.core.ingest.extract import body_of
from reader.core.ingest.text import html_to_text

MEANING = (
    '<p>Формула <math alttext="E = mc^2"><mi>E</mi><mo>=</mo><mi>m</mi><msup><mi>c</mi>'
    "<mn>2</mn></msup></math> відома; <math><semantics><mi>x</mi><annotation "
    'encoding="application/x-tex">x^{2}</annotation></semantics></math> теж.</p>'
    '<p>У <abbr title="Всесвітня організація охорони здоров&#39;я">ВООЗ</abbr> сказали '
    "<del>ніколи</del> <ins>іноді</ins>; натисніть <kbd><kbd>Ctrl</kbd>+<kbd>C</kbd></kbd>. "
    "<abbr title=\"Всесвітня організація охорони здоров'я\">ВООЗ</abbr> знову.</p>"
)


def test_plain_text_keeps_the_marks_the_markdown_has():
    text = html_to_text(MEANING, paragraphs=True)
    assert text == (
        "Формула E = mc^2 відома; x^{2} теж.\n\n"
        "У ВООЗ (Всесвітня організація охорони здоров'я) сказали ~~ніколи~~ {+іноді+}; "
        "натисніть [Ctrl]+[C]. ВООЗ знову."
    )
    markdown = render_article(MEANING).markdown
    for mark in ("E = mc^2", "x^{2}", "ВООЗ (Всесвітня організація охорони здоров'я)",
                 "~~ніколи~~", "{+іноді+}", "[Ctrl]+[C]"):
        assert mark in markdown and mark in text
    # The search index's one line has them too (an abbreviation's expansion is searchable).
    assert html_to_text(MEANING) == text.replace("\n\n", " ")


def test_code_keeps_its_lines_and_indentation():
    html = ("<p>Приклад:</p><pre><code>def f(x):\n    if x &lt; 2:\n\n        return 'ключ'\n"
            "</code></pre><p>Кінець.</p>")
    assert html_to_text(html, paragraphs=True) == (
        "Приклад:\n\ndef f(x):\n    if x < 2:\n\n        return 'ключ'\n\nКінець.")


def test_a_table_is_a_line_per_row_with_its_cells_apart():
    html = ("<table><caption>Бюджет</caption><tr><th>Район</th><th>Сума</th></tr>"
            "<tr><td>Поділ</td><td>12 <sup>млн</sup></td></tr><tr><td></td><td></td></tr>"
            "</table><p>Далі.</p>")
    assert html_to_text(html, paragraphs=True) == (
        "Бюджет\nРайон | Сума\nПоділ | 12 ^(млн)\n\nДалі.")


def test_an_embedded_player_is_in_the_links_not_the_words():
    html = ('<p>Відео:</p><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" '
            'width="560"></iframe><p>Після відео.</p>')
    body = body_of(html, "https://agency.example/a")
    assert body.text == "Відео:\n\nПісля відео."  # (benchmarks count a placeholder as noise)
    assert body.links == ["https://www.youtube.com/watch?v=dQw4w9WgXcQ"]
    assert "[video: youtube.com/watch?v=dQw4w9WgXcQ][1]" in render_article(html).markdown
    assert html_to_text(html) == "Відео: Після відео."


def test_hidden_content_stays_hidden_around_the_new_blocks():
    html = ("<!-- <pre>secret</pre> --><script>var t = '<table><tr><td>x</td></tr></table>';"
            "</script><pre>видно</pre><style>p{}</style>")
    assert html_to_text(html, paragraphs=True) == "видно"


def test_unclosed_elements_run_to_the_end_and_the_scan_stays_linear():
    # Each unclosed <pre>, <table>, <abbr>, <ins>... would be a scan to the end of the
    # text (20,000 of them took 10-180 s); as in a browser, an unclosed one runs to the end.
    import time

    for html in ("<pre><table>" * 20_000 + "слово",
                 "<abbr title=x>" * 20_000 + "слово", "<p><ins><s>" * 20_000 + "слово",
                 "<math>" + "<annotation>" * 20_000 + "слово", "<td>" * 20_000 + "слово"):
        started = time.process_time()
        text, line = html_to_text(html, paragraphs=True), html_to_text(html)
        assert time.process_time() - started < 3.0, html[:30]
        assert "слово" in text and "слово" in line and not re.search(r"<\w", text)
    assert html_to_text("<ins><ins></ins></ins><del> </del>x") == "x"
