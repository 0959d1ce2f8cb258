"""newsboat `urls` files: feeds, tags, titles, comments; query feeds as saved filters."""

from __future__ import annotations

import pytest

from reader.core.config import Config
from reader.core.errors import OPMLError
from reader.core.filters import parse_filter
from reader.core.library import Library
from reader.core.newsboat_urls import looks_like_urls_file, parse_urls, translate_filter

URLS = r"""# newsboat urls, as a user keeps it
https://www.ukrinform.ua/rss/block-lastnews ukraine "Війна в Україні" ~"Укрінформ"

http://news.example/rss.xml news !hidden
https://blog.example/atom.xml#frag "tech"
"query:Непрочитане:unread = \"yes\""
"query:Starred tech:flags # \"s\" and tags # \"tech\"" ignored-tag
"query:Recent HN:age < 7 and feedtitle =~ \"Hacker News\""
"query:Rust:title =~ \"rust\""
"query:Either:unread = \"yes\" or flags # \"s\""
"exec:~/bin/my-feed.sh" scripts
"filter:~/bin/clean.sh:https://x.example/feed" ~Clean
"""


def test_parse_feeds_tags_titles_and_comments():
    parsed = parse_urls(URLS)
    assert [(f.url, f.title, f.tags) for f in parsed.feeds] == [
        ("https://www.ukrinform.ua/rss/block-lastnews", "Укрінформ",
         ["ukraine", "Війна в Україні"]),
        ("http://news.example/rss.xml", "", ["news"]),
        ("https://blog.example/atom.xml#frag", "", ["tech"]),
    ]


def test_query_feeds_become_filters_where_they_map_and_the_rest_is_reported():
    parsed = parse_urls(URLS)
    assert parsed.filters == [
        ("Непрочитане", "is:unread"),
        ("Starred tech", "is:starred +tech"),
        ("Recent HN", '@7d feed:"Hacker News"'),
    ]
    for _, query in parsed.filters:
        parse_filter(query)  # each is a filter of ours
    skipped = "\n".join(parsed.skipped)
    assert "line 9: query feed 'Rust' skipped" in skipped
    assert "line 10: query feed 'Either' skipped" in skipped
    assert "line 11: exec: feed skipped" in skipped
    assert "line 12: filter: feed skipped" in skipped
    assert len(parsed.skipped) == 4


@pytest.mark.parametrize(("newsboat", "ours"), [
    ('unread = "no"', "is:read"),
    ('unread != "yes"', "is:read"),
    ('flags !# "s"', "is:unstarred"),
    ('tags !# "Рада Європи"', '-"Рада Європи"'),
    ("age <= 30", "@30d"),
    ('feedtitle =~ "a.*b"', None),  # a regular expression: no equivalent
    ('(unread = "yes")', None),
    ('unread = "yes" and', None),
    ("", None),
])
def test_translate_filter(newsboat, ours):
    assert translate_filter(newsboat) == ours


def test_what_is_a_urls_file():
    assert looks_like_urls_file(URLS)
    assert not looks_like_urls_file("# only comments\n\n")
    assert not looks_like_urls_file("Hello, this is a letter.\nhttps://x.example/\n")
    with pytest.raises(OPMLError, match="newsboat -e"):
        parse_urls("https://x.example/feed\nnot a url\n")


def test_library_imports_a_urls_file_and_saves_the_filters(tmp_path):
    lib = Library(tmp_path / "r.db", Config())
    try:
        report = lib.import_subscriptions(URLS.encode())
        assert len(report.added) == 3 and report.skipped == 4
        assert report.saved_filters == ["Непрочитане", "Starred tech", "Recent HN"]
        assert lib.saved_filters()["Starred tech"] == "is:starred +tech"
        feeds = {f.url: f for f in lib.feeds()}
        ukr = feeds["https://www.ukrinform.ua/rss/block-lastnews"]
        assert ukr.title == "Укрінформ" and sorted(ukr.tags) == sorted(["ukraine",
                                                                         "Війна в Україні"])
        again = lib.import_subscriptions(URLS)  # a second time: nothing new
        assert again.added == [] and len(again.updated) == 3
        with pytest.raises(OPMLError, match="not a newsboat urls file either.*newsboat -e"):
            lib.import_subscriptions(b"name,url\nx,https://x.example/\n")
    finally:
        lib.close()
