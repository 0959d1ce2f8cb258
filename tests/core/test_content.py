"""Article HTML -> Markdown with numbered links, and the fast HTML -> text for the index."""

from __future__ import annotations

import time

import pytest

from reader.core.ingest import content
from reader.core.ingest.content import (
    TRUNCATED_NOTE,
    RenderedArticle,
    format_links,
    html_to_text,
    render_article,
)

BASE = "https://blog.example.com/posts/1"


def md(html: str, base_url: str = BASE) -> str:
    return render_article(html, base_url).markdown


# ---------------------------------------------------------------- Markdown


def test_headings_lists_emphasis_code():
    out = md(
        "<h1>Title</h1><h2>Sub</h2><p>Some <b>bold</b>, <em>em</em> and <code>x_y</code>.</p>"
        "<ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul>"
        '<ol start="3"><li>three</li><li>four</li></ol>'
        "<pre><code>def f():\n    return 1</code></pre>"
        "<blockquote><p>quoted</p></blockquote>"
    )
    assert "# Title" in out and "## Sub" in out
    assert "Some **bold**, *em* and `x_y`." in out
    assert "- one\n- two\n  - nested" in out
    assert "3. three\n4. four" in out
    assert "```\ndef f():\n    return 1\n```" in out
    assert "> quoted" in out


def test_long_ordered_list_numbers_every_item():
    out = md("<ol>" + "".join(f"<li>item {i}</li>" for i in range(1, 301)) + "</ol>")
    assert "1. item 1\n" in out and "300. item 300" in out


def test_links_become_numbered_references_in_document_order():
    r = render_article(
        '<p><a href="https://a.example/">First</a> then <a href="https://b.example/x">second</a>'
        ' and <a href="https://a.example/">first again</a>.</p>',
        BASE,
    )
    assert r.markdown == "First[1] then second[2] and first again[1]."
    assert r.links == ["https://a.example/", "https://b.example/x"]
    assert "](" not in r.markdown  # no inline URLs in the body


def test_images_become_references_and_share_numbers_with_links():
    r = render_article(
        '<p><img src="/img/cat.png" alt="A cat"> <img src="https://cdn.example/dog.jpg">'
        ' <a href="/img/cat.png">full size</a>'
        ' <a href="https://cdn.example/big.jpg"><img src="https://cdn.example/big.jpg" alt="big"></a></p>',
        BASE,
    )
    assert r.markdown == "[image: A cat][1] [image][2] full size[1] [image: big][3]"
    assert r.links == [
        "https://blog.example.com/img/cat.png",
        "https://cdn.example/dog.jpg",
        "https://cdn.example/big.jpg",
    ]


def test_lazy_loaded_image_uses_data_src():
    r = render_article(
        '<img src="data:image/gif;base64,R0lGOD" data-src="/real.jpg" alt="x">', BASE
    )
    assert r.links == ["https://blog.example.com/real.jpg"]


def test_relative_links_resolved_against_base_url():
    r = render_article(
        '<a href="../about">about</a> <a href="//cdn.example/x">cdn</a> <a href="?page=2">next</a>',
        BASE,
    )
    assert r.links == [
        "https://blog.example.com/about",
        "https://cdn.example/x",
        "https://blog.example.com/posts/1?page=2",
    ]


def test_relative_link_without_base_is_dropped_but_text_kept():
    r = render_article('<a href="/about">about us</a>', "")
    assert r.markdown == "about us" and r.links == []


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "&#106;avascript:alert(1)",  # entity-encoded scheme
        "java\tscript:alert(1)",  # browsers drop the tab
        " javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "ftp://files.example/x",
        "file:///etc/passwd",
        "#section-2",
    ],
)
def test_unsafe_or_useless_links_dropped_text_kept(href):
    r = render_article(f'<p>Click <a href="{href}">here</a> now</p>', BASE)
    assert r.markdown == "Click here now"
    assert r.links == []


def test_mailto_links_kept():
    r = render_article('<a href="mailto:me@example.com">mail me</a>', BASE)
    assert r.markdown == "mail me[1]" and r.links == ["mailto:me@example.com"]


@pytest.mark.parametrize(
    "tag",
    [
        "<script>var secret = 'SCRIPT';</script>",
        "<style>p { content: 'STYLE' }</style>",
        '<iframe src="javascript:alert(1)">IFRAME</iframe>',
        '<object data="data:text/html,OBJECT"><param name="m" value="OBJECT">OBJECT</object>',
        '<embed src="file:///etc/passwd">',
        '<form action="https://evil.example/steal"><input value="FORM"><button>FORM</button></form>',
        "<noscript>NOSCRIPT</noscript>",
    ],
)
def test_active_content_removed(tag):
    r = render_article(f"<p>before</p>{tag}<p>after</p>", BASE)
    assert r.markdown == "before\n\nafter"
    assert r.links == []


@pytest.mark.parametrize(
    "img",
    [
        '<img src="http://feeds.feedburner.com/~r/Example/~4/abc123" height="1" width="1" alt="">',
        '<img src="https://feeds.feedburner.com/~r/Example/~4/abc123">',  # known host, no size
        '<img src="https://pixel.wp.com/g.gif?blog=1&post=2">',
        '<img src="https://stats.wp.com/b.gif?v=1">',
        '<img src="https://www.google-analytics.com/collect?v=1&tid=UA-1">',
        '<img src="https://www.facebook.com/tr?id=1&ev=PageView">',
        '<img src="https://cdn.example/spacer.gif" width="1" height="1">',
        '<img src="https://cdn.example/track.gif" width="0" height="0">',
        '<img src="https://cdn.example/track.gif" width="1px">',
        '<img src="https://cdn.example/track.gif" style="width:1px;height:1px">',
        '<img src="https://cdn.example/track.gif" style="display: none">',
    ],
)
def test_tracking_pixels_removed(img):
    r = render_article(f'<p>Text {img} <img src="/photo.jpg" alt="photo" width="600"></p>', BASE)
    assert r.markdown == "Text [image: photo][1]"
    assert r.links == ["https://blog.example.com/photo.jpg"]


def test_feedburner_feedflare_and_ads_removed():
    r = render_article(
        "<p>Story.</p>"
        '<div class="feedflare"><a href="http://feeds.feedburner.com/~ff/Example?a=x:y">'
        '<img src="http://feeds.feedburner.com/~ff/Example?d=yIl2AUoC8zA" border="0"></a></div>'
        '<a href="http://feeds.feedburner.com/~a/Example?a=1"><img src="http://feeds.feedburner.com/~a/Example?i=1"></a>',
        BASE,
    )
    assert r.markdown == "Story." and r.links == []


def test_control_characters_and_escape_sequences_stripped():
    r = render_article(
        "<h2>Ti\x1b[2Jtle</h2><p>red \x1b[31mtext\x1b[0m, bell\x07, "
        "osc52 \x1b]52;c;ZXZpbA==\x07done, c1 \x9b31mcsi, nul\x00.</p>"
        '<p><a href="https://ok.example/\x1b[31mx">li\x1b]8;;https://evil.example\x1b\\nk</a>'
        ' <img src="/a.png" alt="al\x1b[5mt"></p>',
        BASE,
    )
    assert "\x1b" not in r.markdown and "\x07" not in r.markdown and "\x9b" not in r.markdown
    assert "\x00" not in r.markdown
    assert "## Title" in r.markdown
    assert "red text, bell, osc52 done, c1 csi, nul." in r.markdown
    assert "evil" not in r.markdown
    assert r.links == ["https://ok.example/[31mx", "https://blog.example.com/a.png"]


def test_no_trailing_whitespace_or_runs_of_blank_lines():
    out = md("<p>a&nbsp;&nbsp;</p><p>&nbsp;</p><br><br><br><div></div><p>b<br></p>   <p>c  </p>")
    assert out == "a\n\nb\n\nc"
    assert all(line == line.rstrip() for line in out.split("\n"))
    assert "\n\n\n" not in out


def test_plain_text_passes_through():
    r = render_article("Just a sentence.\n\nSecond paragraph with 2 * 3 and AT&amp;T.", "")
    assert r.markdown == "Just a sentence.\n\nSecond paragraph with 2 \\* 3 and AT&T."
    assert r.links == []


def test_plain_text_that_looks_like_markdown_is_escaped():
    out = md("# not a heading\n1. not a list\n> not a quote")
    assert out == "\\# not a heading\n1\\. not a list\n\\> not a quote"


def test_empty_input():
    assert render_article("") == RenderedArticle(markdown="", links=[])


def test_format_links():
    assert format_links(["https://a.example/", "mailto:x@y.z"]) == (
        "[1]: https://a.example/\n[2]: mailto:x@y.z"
    )
    assert format_links([]) == ""


# ---------------------------------------------------------------- hostile sizes


def _timed(html: str) -> tuple[RenderedArticle, float]:
    """The result and the CPU seconds it cost this thread: the bound is on the work done,
    which a busy machine does not change (wall time there is a guess at the load)."""
    start = time.thread_time()
    result = render_article(html, BASE)
    return result, time.thread_time() - start


def test_huge_text_node_is_truncated_quickly():
    r, seconds = _timed("<p>" + "word " * 6_000_000 + "</p>")  # 30 MB
    assert seconds < 2
    assert r.markdown.endswith(TRUNCATED_NOTE)
    assert len(r.markdown) <= content.MAX_RENDER_CHARS + 100


def test_deep_nesting_does_not_blow_the_stack():
    r, seconds = _timed("<div>" * 200_000 + '<a href="/deep">deep text</a>')
    assert seconds < 2
    assert "deep text" in r.markdown
    assert r.links == ["https://blog.example.com/deep"]


def test_moderately_deep_nesting_falls_back_to_paragraphs():
    r, seconds = _timed("<div>" * 500 + "<p>one</p><p>two</p>" + "</div>" * 500)
    assert seconds < 2
    assert r.markdown == "one\n\ntwo"


def test_too_many_tags_falls_back_to_text_with_links():
    html = "".join(f'<p>para {i} <a href="/p/{i}">link</a></p>' for i in range(20_000))
    r, seconds = _timed(html)
    assert seconds < 2
    assert r.markdown.startswith("para 0 link\n\npara 1 link")
    assert r.links[:2] == ["https://blog.example.com/p/0", "https://blog.example.com/p/1"]
    assert len(r.links) == content.MAX_LINKS


def test_recursion_error_falls_back_to_text(monkeypatch):
    def explode(self, soup):
        raise RecursionError

    monkeypatch.setattr(content._Converter, "convert_soup", explode)
    r = render_article('<p>Hello <a href="/x">there</a></p><script>no</script>', BASE)
    assert r.markdown == "Hello there"
    assert r.links == ["https://blog.example.com/x"]


@pytest.mark.parametrize(
    "html",
    [
        "<" * 2_000_000,
        "<a " * 700_000,
        "<script>" * 250_000,
        "<!--" + "x" * 2_000_000,
        '<a href="' + "x" * 2_000_000,
        "&amp;" * 400_000,
        "<table><tr><td>" * 3_000,
    ],
)
def test_pathological_markup_is_bounded(html):
    r, seconds = _timed(html)
    assert seconds < 2
    assert isinstance(r.markdown, str)


# ---------------------------------------------------------------- html_to_text


def test_html_to_text_strips_tags_and_decodes_entities():
    assert html_to_text("<p>Fish &amp; <b>chips</b>&nbsp;&mdash; <a href='x'>here</a>.</p>") == (
        "Fish & chips — here."
    )


def test_html_to_text_drops_script_style_iframe_object_and_comments():
    text = html_to_text(
        "<p>one</p><script>var x = '<p>SCRIPT</p>';</script><STYLE>p{}</STYLE>"
        "<iframe src=x>IFRAME</iframe><object><param>OBJECT</object><!-- COMMENT -->"
        "<noscript>NOSCRIPT</noscript><iframe src=y /><p>two</p>"
    )
    assert text == "one two"


def test_html_to_text_unclosed_script_swallows_the_rest():
    assert html_to_text("<p>kept</p><script>document.write('x')") == "kept"


def test_html_to_text_separates_blocks_but_not_inline_tags():
    assert html_to_text("<p>one</p><p>two</p><li>three<br>four") == "one two three four"
    assert html_to_text("un<em>believ</em>able, <b>bold</b>!") == "unbelievable, bold!"


def test_html_to_text_removes_control_characters():
    assert html_to_text("<p>a\x1b[31mred\x1b[0m b\x07c\x00</p>") == "ared bc"
    assert html_to_text("&#27;[31mx") == "[31mx"  # html.unescape drops the control reference


def test_html_to_text_plain_input_and_paragraphs():
    assert html_to_text("  plain\n\n text  ") == "plain text"
    assert html_to_text("") == ""
    assert html_to_text("<h1>T</h1><p>a  b</p><p>c</p>", paragraphs=True) == "T\n\na b\n\nc"


def test_html_to_text_is_linear_on_pathological_input():
    start = time.thread_time()  # (CPU seconds: a busy machine does not change them)
    for html in ("<" * 2_000_000, "<script" * 300_000, "<!--" * 500_000, "<a " * 700_000):
        html_to_text(html)
    assert time.thread_time() - start < 4


# ---------------------------------------------------------------- meaning kept


def test_superscript_becomes_unicode_superscript():
    # A real feed's equation: the exponent glued to its base read as "172".
    assert md("<p>2023=7×17<sup>2</sup></p>") == "2023=7×17²"
    assert md("<p>x<sup>n+1</sup> and 10<sup>-3</sup></p>") == "xⁿ⁺¹ and 10⁻³"


def test_subscript_becomes_unicode_subscript():
    assert md("<p>H<sub>2</sub>O and CO<sub>2</sub></p>") == "H₂O and CO₂"


def test_sup_and_sub_without_unicode_forms_are_bracketed():
    assert md("<p>a<sup>†</sup> and x<sub>big</sub></p>") == "a^(†) and x_(big)"
    assert md("<p>Київ<sup>перший</sup></p>") == "Київ^(перший)"


def test_math_falls_back_to_alttext_then_annotation():
    assert md('<p>so <math alttext="x^2 + y^2"><mi>x</mi><mn>2</mn></math>.</p>') == (
        "so `x^2 + y^2`."
    )
    tex = (
        "<p><math><semantics><mrow><mi>E</mi><mo>=</mo></mrow>"
        '<annotation encoding="application/x-tex">E = mc^2</annotation></semantics></math></p>'
    )
    assert md(tex) == "`E = mc^2`"
    assert md("<p><math><mi>a</mi><mo>+</mo><mi>b</mi></math></p>") == "`a+b`"


def test_abbr_shows_its_expansion_once():
    out = md(
        '<p><abbr title="World Health Organization">WHO</abbr> said; '
        '<abbr title="World Health Organization">WHO</abbr> again. '
        '<abbr title="Верховна Рада">ВР</abbr></p>'
    )
    assert out == "WHO (World Health Organization) said; WHO again. ВР (Верховна Рада)"


def test_del_and_ins_stay_visible():
    assert md("<p>price <del>£10</del> <ins>£8</ins></p>") == "price ~~£10~~ {+£8+}"


def test_kbd_shows_keys():
    assert md("<p>Press <kbd>Ctrl</kbd>+<kbd>C</kbd>.</p>") == "Press [Ctrl]+[C]."
    assert md("<p><kbd><kbd>Alt</kbd>+<kbd>F4</kbd></kbd></p>") == "[Alt]+[F4]"


def test_youtube_iframe_becomes_a_numbered_placeholder():
    r = render_article(
        '<p>Watch:</p><figure><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ?start=30"'
        ' title="">fallback text</iframe></figure><p>after</p>',
        BASE,
    )
    assert r.markdown == "Watch:\n\n[video: youtube.com/watch?v=dQw4w9WgXcQ&t=30][1]\n\nafter"
    assert r.links == ["https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=30"]


def test_other_embeds_are_placeholders_with_their_title_or_address():
    r = render_article(
        '<p>Map <iframe src="//maps.example.com/embed?q=Kyiv" title="Карта Києва"></iframe></p>'
        '<p><object data="https://player.vimeo.com/video/1"><param value="OBJECT"></object></p>'
        '<p><embed src="/clip.swf"></p>',
        BASE,
    )
    assert r.markdown == (
        "Map [embed: Карта Києва][1]\n\n[video: player.vimeo.com/video/1][2]\n\n"
        "[embed: blog.example.com/clip.swf][3]"
    )
    assert r.links == [
        "https://maps.example.com/embed?q=Kyiv",
        "https://player.vimeo.com/video/1",
        "https://blog.example.com/clip.swf",
    ]
    assert "OBJECT" not in r.markdown


def test_embed_placeholder_text_is_not_markup():
    r = render_article('<iframe src="https://x.example/" title="[@click=app.quit]x[/]"></iframe>')
    assert r.markdown == "[embed: (@click=app.quit)x(/)][1]"


def test_html_to_text_keeps_superscripts_and_subscripts():
    # The index and `show --json` text say what the page says: 17², not 172.
    assert html_to_text("<p>2023=7×17<sup>2</sup> H<SUB>2</SUB>O</p>") == "2023=7×17² H₂O"
    assert html_to_text("x<sup>&minus;1</sup> and a<sup>†</sup>") == "x⁻¹ and a^(†)"
    assert html_to_text("a<sup>&lt;b&gt;</sup>") == "a^(<b>)"
