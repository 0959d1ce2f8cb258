"""What real pages put around a story, found by the public article-extraction benchmark
(benchmarks/bench_extract_public.py), each in a small hand-made page: the story's text
stays, the images stay, and captions, thumbnail lists and print headers do not."""

from __future__ import annotations

import pytest

from reader.core.ingest.extract import body_of, extract_page

URL = "https://news.example.org/2026/12/story.html"

_STORY_UK = (
    "<p>Уряд затвердив програму відновлення енергетики на 2027 рік: щонайменше дві тисячі "
    "електромонтерів пройдуть навчання, а громади отримають мобільні котельні.</p>"
    "<p>Міністр енергетики сказав, що перші підстанції відновлять до кінця зими, а роботи в "
    "прифронтових областях фінансуватимуть окремо з резервного фонду.</p>"
    "<p>Експерти нагадують, що минулої зими через обстріли без світла залишалися мільйони "
    "людей, тому резервні джерела живлення стали пріоритетом для кожної громади.</p>"
)
_STORY_EN = (
    "<p>The city council voted on Tuesday to rebuild the old river bridge, closing a debate "
    "that had divided the town for more than a decade and delayed two earlier plans.</p>"
    "<p>Engineers said the new span would carry trams as well as cars, and that work on the "
    "foundations could begin in the spring once the water level has dropped.</p>"
    "<p>Residents who had campaigned for a tunnel said they would not appeal, but asked the "
    "council to publish the full costs of the project before the first contract is signed.</p>"
)


def page(body: str, title: str = "Міст через річку") -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        '<header><nav><a href="/">Головна</a> <a href="/news">Новини</a></nav></header>'
        f"<main><article>{body}</article></main>"
        "<footer><p>© 2026 Агенція. Усі права захищені.</p></footer></body></html>"
    ).encode()


def extracted(body: str):
    return extract_page(page(body), "text/html; charset=utf-8", URL)


_FIGURE = ('<figure class="article-img"><img src="/img/substation.jpg" alt="Підстанція під Києвом">'
           '<figcaption class="text-darken mt-3">Підстанція під Києвом після ремонту, 3 грудня '
           "2026 року. <span>Фото: Олена Коваль / Агенція</span></figcaption></figure>")


@pytest.mark.parametrize("shape", [
    '<ul class="article-gallery"><li data-src="/img/substation.jpg">{}</li></ul>',  # a gallery
    "<p>{}</p>",  # an image in a paragraph, as WordPress writes it
])
def test_a_figures_caption_and_credit_are_not_the_story_but_its_image_stays(shape):
    first, rest = _STORY_UK.split("</p>", 1)
    got = extracted(f"{first}</p>{shape.format(_FIGURE)}{rest}")
    assert "щонайменше дві тисячі електромонтерів" in got.text
    assert "резервного фонду" in got.text and "пріоритетом для кожної громади" in got.text
    assert "після ремонту" not in got.text and "Олена Коваль" not in got.text
    images = body_of(got.html, URL).images
    assert images == [{"url": "https://news.example.org/img/substation.jpg",
                       "alt": "Підстанція під Києвом"}]


def test_a_caption_box_by_its_class_goes_and_its_image_stays():
    first, rest = _STORY_EN.split("</p>", 1)
    got = extracted(
        '<div class="field-item"><img class="caption" src="/img/lead.jpg" alt="The river"></div>'
        + first + '</p><div class="wp-caption"><img src="/img/bridge.jpg" alt="The bridge">'
        '<p class="wp-caption-text">The old river bridge at dusk, seen from the east bank</p></div>'
        + rest
        + '<div class="gallery-item"><div class="caption-full"><p>Councillors vote on the '
        "bridge plan on Tuesday evening in the town hall</p></div>"
        '<span class="photo-credit">Photo: J. Smith, AP</span></div>'
    )
    assert "rebuild the old river bridge" in got.text and "first contract is signed" in got.text
    assert "at dusk" not in got.text and "town hall" not in got.text
    assert "J. Smith" not in got.text
    urls = [i["url"] for i in body_of(got.html, URL).images]
    # An image whose own class says "caption" is still the image.
    assert urls == ["https://news.example.org/img/lead.jpg", "https://news.example.org/img/bridge.jpg"]


def test_a_list_of_other_stories_with_thumbnails_is_not_the_story():
    related = "".join(
        f'<li><img src="/thumb/{n}.jpg"><a href="/2026/{n}.html">{title}</a></li>'
        for n, title in enumerate((
            "クリップボード拡張ソフトが公開されたのでバージョンアップしてみた",
            "FTPクライアントの新しい版を日本語化する方法",
            "新しいパソコンにインストールしたらライセンス認証できなかった問題を解決",
        ))
    )
    got = extracted(
        "<p>札幌市は7日、新千歳空港と市内を結ぶ新しいバス路線を来年4月から運行すると発表した。"
        "冬の間も定時運行ができるよう、専用の除雪車を配備するという。</p>"
        "<p>市の担当者は、観光客の増加に合わせて便数を段階的に増やしたいと話した。"
        "運賃は現在の路線と同じ水準に抑える方針だ。</p>"
        "<p>空港の利用者は今年、過去最多を更新する見通しで、市は混雑の緩和にもつながると期待している。</p>"
        f"<h3>関連記事</h3><ul>{related}</ul>"
    )
    assert "新しいバス路線" in got.text and "混雑の緩和" in got.text
    assert "クリップボード" not in got.text and "ライセンス認証" not in got.text


def test_loose_text_split_by_double_breaks_keeps_the_space_after_a_link():
    # An old CMS's story: text straight in a <span>, paragraphs split by <br><br>, images
    # in <div>s between them.
    got = extracted(
        '<span><span class="lead">The council has voted to rebuild the river bridge after a '
        'decade of debate.<br></span><br><div align="center"><div class="article-img">'
        '<img src="/img/bridge.jpg" alt="The bridge"></div></div>'
        "We are not certain when the council last voted on a bridge. But here we are.<br><br>\n"
        'Just months after the last <a href="/topic/bridges">river crossing</a> was closed, the '
        "council has approved a new one. The span will be longer and wider than the old one.<br><br>\n"
        'Engineers said that work on the <a href="/topic/foundations">foundations</a> could begin '
        "in the spring, once the water level has dropped.<br><br><h2>The costs</h2><br><br>"
        "Residents who had campaigned for a tunnel said they would not appeal.<br><br></span>"
    )
    text = " ".join(got.text.split())
    assert "the last river crossing was closed" in text
    assert "work on the foundations could begin" in text
    assert "But here we are." in text and "would not appeal" in text
    assert "<a " in got.html  # the links are kept, not flattened


def test_a_page_of_break_soup_is_not_made_into_thousands_of_paragraphs(monkeypatch):
    # trafilatura's time grows faster than the paragraphs it is given: a hostile page of
    # <br><br> would cost minutes as paragraphs, seconds as it is.
    from trafilatura.utils import load_html

    from reader.core.ingest import page_prep

    monkeypatch.setattr(page_prep, "MAX_PARAGRAPH_BREAKS", 10)
    story = load_html("<html><body><div>" + "A line of text.<br><br>" * 5 + "</div></body></html>")
    soup = load_html("<html><body><div>" + "A line of text.<br><br>" * 6 + "</div></body></html>")
    page_prep.prepare_page(story)
    page_prep.prepare_page(soup)
    assert len(story.findall(".//p")) == 5
    assert soup.findall(".//p") == []


def test_a_page_made_for_printing_starts_with_the_story_not_its_address_and_title():
    got = extracted(
        '<div class="article-content"><div class="print-header"><img src="/img/logo.png" '
        f'alt="logo"><span>{URL}</span></div>'
        '<h1 class="headline">The council votes to rebuild the river bridge</h1>'
        + _STORY_EN + "</div>"
    )
    assert got.text.startswith("The city council voted on Tuesday")
    assert URL not in got.text
    assert body_of(got.html, URL).images == []  # the site's logo is not the story's


def test_an_image_before_the_title_stays_and_the_title_goes():
    got = extracted('<img src="/img/lead.jpg" alt="The river at dawn">'
                    "<h1>The council votes to rebuild the river bridge</h1>" + _STORY_EN)
    assert got.text.startswith("The city council voted on Tuesday")
    assert [i["url"] for i in body_of(got.html, URL).images] == ["https://news.example.org/img/lead.jpg"]


def test_a_quotation_in_a_figure_and_a_long_block_named_caption_stay():
    quote = ("<figure><blockquote><p>We will rebuild the bridge, and we will rebuild it to last "
             "for a hundred years.</p></blockquote><figcaption>The mayor</figcaption>"
             '<img src="/img/mayor.jpg" alt="The mayor"></figure>')
    # A story longer than a caption can be, in a block whose class happens to say "caption".
    wrapper = f'<div class="f_caption_muted_videos_on">{_STORY_EN}{_STORY_UK}</div>'
    got = extracted(quote + wrapper)
    assert "rebuild it to last for a hundred years" in got.text
    assert "rebuild the old river bridge" in got.text and "резервного фонду" in got.text


def test_the_public_benchmark_without_its_data_says_where_to_get_it(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    bench = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_extract_public.py"
    out = subprocess.run([sys.executable, str(bench), "--data", str(tmp_path / "none")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "git clone https://github.com/scrapinghub/article-extraction-benchmark" in out.stderr


def _brief(paragraphs: str) -> bytes:
    return ("<html><head><meta charset='utf-8'><title>Коротко</title></head><body>"
            "<nav><a href='/'>Головна</a> <a href='/login'>Увійти</a></nav>"
            f"<article><h1>Коротко</h1>{paragraphs}</article>"
            "<footer>© Агенція</footer></body></html>").encode()


@pytest.mark.parametrize("paragraphs", [
    "<p>Укрпошта розпочала передплатну кампанію на 2027 рік. Передплатити газети та журнали"
    " можна у відділеннях або онлайн до 20 грудня, повідомили в компанії.</p>"
    "<p>Вартість доставки не зміниться.</p>",
    "<p>The city's new app lets residents log in with their bank ID to pay parking fees,"
    " the council said on Monday. About 12,000 people have already signed up.</p>",
])
def test_a_short_brief_about_subscribing_or_logging_in_is_a_story_not_a_wall(paragraphs):
    """A news brief is short, and may be about these very things: not a wall unless it
    asks for consent, or to sign in and subscribe, or is hardly more than a sentence."""
    got = extract_page(_brief(paragraphs), "text/html; charset=utf-8", "https://a.example/1")
    assert ("передплатну кампанію" in got.text) or ("bank ID" in got.text)


@pytest.mark.parametrize("paragraphs", [
    "<p>Please log in to read this article.</p>",
    "<p>Subscribe to read this story. Already a subscriber? Sign in.</p>",
    "<p>Щоб читати далі, увійдіть або оформіть передплату.</p>",
])
def test_a_wall_is_still_a_wall(paragraphs):
    from reader.core.ingest.extract import ExtractionFailed

    with pytest.raises(ExtractionFailed, match="login, consent or paywall"):
        extract_page(_brief(paragraphs), "text/html; charset=utf-8", "https://a.example/1")
