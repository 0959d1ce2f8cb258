"""The bundled demo library (`reader --demo`): sample feeds fetched offline via file:// URLs."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reader.core.ingest.parse import parse_feed
from reader.demo import (
    DEMO_FEEDS,
    DEMO_READ_LINKS,
    DEMO_STARRED_LINKS,
    FEEDS_DIR,
    close_demo_library,
    feed_uri,
    make_demo_library,
)

JAPANESE_TITLE = "東京テック便り"
RELEASE_TITLE = "[Release] tinylex v2.0 — notes [beta]"
LONG_ARTICLE = "https://kcnotes.example/2026/11/register-allocation"


@pytest.fixture(scope="module")
def offline():
    """No network at all: the demo must work with the cable unplugged."""

    def refuse(*args, **kwargs):
        raise OSError("network access attempted during the demo test")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        yield


@pytest.fixture(scope="module")
def demo(tmp_path_factory, offline):
    library = make_demo_library(path=tmp_path_factory.mktemp("demo"))
    yield library
    library.close()


@pytest.fixture(scope="module")
def articles(demo):
    return demo.articles("")


# -- the bundled files -------------------------------------------------------------------


def test_every_bundled_file_is_listed_and_exists():
    listed = {name for name, _ in DEMO_FEEDS}
    on_disk = {p.name for p in FEEDS_DIR.iterdir() if p.is_file()}
    assert listed == on_disk
    assert len(DEMO_FEEDS) >= 6


@pytest.mark.parametrize("name", [name for name, _ in DEMO_FEEDS])
def test_each_file_parses_with_dated_titled_entries(name):
    parsed = parse_feed((FEEDS_DIR / name).read_bytes(), feed_uri(name))
    assert parsed.title
    assert len(parsed.entries) >= 5
    for entry in parsed.entries:
        assert entry.title and entry.link and entry.guid
        assert entry.published is not None
        assert entry.categories


def test_formats_are_varied():
    heads = {name: (FEEDS_DIR / name).read_bytes()[:600] for name, _ in DEMO_FEEDS}
    kinds = set()
    for head in heads.values():
        if head.lstrip().startswith(b"{"):
            kinds.add("json")
        elif b"<rdf:RDF" in head:
            kinds.add("rdf")
        elif b'<rss version="2.0"' in head:
            kinds.add("rss2")
        elif b"http://www.w3.org/2005/Atom" in head and b"<feed" in head:
            kinds.add("atom")
    assert kinds == {"json", "rdf", "rss2", "atom"}


# -- the library make_demo_library builds -------------------------------------------------


def test_all_feeds_subscribed_with_their_tags(demo):
    feeds = demo.feeds()
    assert len(feeds) == len(DEMO_FEEDS)
    assert all(f.last_status == "ok" and not f.last_error for f in feeds), [
        (f.title, f.last_error) for f in feeds
    ]
    assert all(f.url.startswith("file://") for f in feeds)
    by_url = {f.url: f for f in feeds}
    for name, tags in DEMO_FEEDS:
        assert sorted(by_url[feed_uri(name)].tags) == sorted(tags)
    assert {"news", "world", "tech", "science", "space", "lifestyle", "food", "japanese",
            "podcasts", "ukrainian"} <= set(demo.tags())
    titles = {f.title for f in feeds}
    assert {"Harbor Town Gazette", "Kernel & Compiler Notes", "Field Notes in Ecology",
            "Pixel Kitchen", "Orbital Mechanics Weekly", JAPANESE_TITLE} <= titles


def test_article_count_is_a_pleasant_demo_size(demo, articles):
    assert 40 <= len(articles) <= 60
    assert demo.totals()["total"] == len(articles)
    assert all(f.total >= 5 for f in demo.feeds())


def test_japanese_feed_text_intact(demo, articles):
    feed = next(f for f in demo.feeds() if f.title == JAPANESE_TITLE)
    assert "japanese" in feed.tags
    mine = [a for a in articles if a.feed_id == feed.id]
    assert len(mine) >= 5
    titles = {a.title for a in mine}
    assert "電車の遅延情報をターミナルで確認する小さなツールを作った" in titles
    assert "SQLiteのWALモードをやさしく理解する" in titles
    tool = next(a for a in mine if a.title.startswith("電車の遅延情報"))
    assert "文字幅" in tool.content
    assert "ツール" in tool.categories
    assert tool.author == "佐藤 みのり"


UKRAINIAN_TITLE = "Дніпровий вісник"


def test_ukrainian_feed_carries_a_row_of_tags(demo, articles):
    """The case this project was drawn from: a Ukrainian agency whose stories carry
    several <category> tags, some of several words."""
    feed = next(f for f in demo.feeds() if f.title == UKRAINIAN_TITLE)
    assert sorted(feed.tags) == ["news", "ukrainian"]
    mine = [a for a in articles if a.feed_id == feed.id]
    assert len(mine) >= 6
    council = next(a for a in mine if a.title.startswith("Рада Європи обговорила"))
    assert council.categories == ["Рада Європи", "Війна в Україні", "Міжнародне право"]
    assert council.author == "Андрій Ткаченко"
    assert "Страсбурзі" in council.content
    assert sum(len(a.categories) >= 2 for a in mine) >= 4
    # A quoted tag of several words selects its stories; dates are Kyiv time, stored UTC.
    war = demo.articles('+"Війна в Україні"')
    assert {a.feed_id for a in war} == {feed.id} and len(war) == 3
    assert len(demo.articles("+Суспільство")) == 3
    newest = max(mine, key=lambda a: a.published)
    assert newest.published == datetime(2026, 11, 25, 7, 35, tzinfo=UTC)


def test_read_unread_and_starred(demo, articles):
    read = [a for a in articles if a.read]
    starred = [a for a in articles if a.starred]
    assert len(read) == len(DEMO_READ_LINKS)
    assert {a.link for a in read} == set(DEMO_READ_LINKS)
    assert {a.link for a in starred} == set(DEMO_STARRED_LINKS)
    totals = demo.totals()
    assert totals["starred"] == len(DEMO_STARRED_LINKS)
    assert 0 < totals["unread"] < totals["total"]
    assert totals["unread"] == len(articles) - len(read)


def test_every_article_has_title_date_link_and_tags(articles):
    start = datetime(2026, 10, 1, tzinfo=UTC)
    end = datetime(2026, 11, 26, tzinfo=UTC)
    for a in articles:
        assert a.title.strip(), a
        assert a.published is not None and start <= a.published < end, (a.title, a.published)
        assert a.link.startswith("https://"), a.title
        assert a.tags, a.title
    # dates spread over several weeks, not one day
    days = {a.published.date() for a in articles}
    assert len(days) >= 30


def test_title_with_square_brackets_kept_verbatim(articles):
    assert RELEASE_TITLE in {a.title for a in articles}


def test_long_and_short_articles(articles):
    lengths = sorted(len(a.content or a.summary) for a in articles)
    assert lengths[0] < 200  # one or two sentences
    assert lengths[-1] > 2000  # several paragraphs


def test_long_article_renders_with_links(demo, articles):
    article = next(a for a in articles if a.link == LONG_ARTICLE)
    rendered = demo.render(article)
    assert len(rendered.links) >= 3
    assert "https://kcnotes.example/papers/linear-scan" in rendered.links
    assert "Step one: live intervals" in rendered.markdown
    assert "a = load x" in rendered.markdown  # the code block survives


@pytest.mark.parametrize("link", [
    "https://gazette.harbortown.example/2026/11/21/lighthouse-lantern-room",  # RSS 2.0
    "https://orbitalweekly.example/issues/47",  # Atom, CDATA html
    "https://kcnotes.example/2026/11/page-fault",  # Atom, xhtml
    "https://orbitalweekly.example/issues/44",  # Atom, entity-escaped html
    "https://pixelkitchen.example/recipes/miso-butter-noodles",  # JSON Feed
    "https://slowcommute.example/episodes/24",  # podcast
])
def test_full_content_reaches_the_library(articles, link):
    article = next(a for a in articles if a.link == link)
    assert len(article.content) > 2 * len(article.summary)
    assert "<" not in article.title


def test_rdf_content_encoded_reaches_the_library(articles):
    article = next(a for a in articles
                   if a.link == "https://fieldnotes.example/2026/11/november-pollinators")
    assert "Why ivy matters" in article.content


# -- options ------------------------------------------------------------------------------


def test_path_may_name_the_database_file(tmp_path, offline):
    db = tmp_path / "sub" / "my-demo.db"
    library = make_demo_library(path=db)
    try:
        assert db.exists()
        assert len(library.feeds()) == len(DEMO_FEEDS)
    finally:
        library.close()


def test_reopening_a_demo_folder_keeps_it(tmp_path, offline):
    library = make_demo_library(path=tmp_path)
    article = next(a for a in library.articles("") if a.link == DEMO_STARRED_LINKS[0])
    library.set_starred([article.id], False)
    library.close()
    library = make_demo_library(path=tmp_path)
    try:
        assert len(library.feeds()) == len(DEMO_FEEDS)
        assert not library.article(article.id).starred
    finally:
        library.close()


def test_temporary_folder_made_and_removed(tmp_path, monkeypatch, offline):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    library = make_demo_library()
    made = [p for p in tmp_path.iterdir() if p.name.startswith("reader-demo-")]
    assert len(made) == 1 and (made[0] / "demo.db").exists()
    assert Path(library.store.path).parent == made[0]
    close_demo_library(library)
    assert not made[0].exists()


def test_every_demo_picture_shows_offline(demo, articles):
    # The demo's <img> addresses are on .example hosts that never resolve: each is drawn
    # and kept in the demo's image cache, so none shows "not shown: cannot connect".
    urls = set()
    for article in articles:
        rendered = demo.render(article)
        urls.update(ref.url for ref in demo.article_images(article, rendered.markdown,
                                                           rendered.links))
    assert len(urls) >= 6
    for url in sorted(urls):
        result = demo.image(url, 400, 300)
        assert result.status == "ok", (url, result.error)
        assert result.image.width <= 400 and result.image.height <= 300
