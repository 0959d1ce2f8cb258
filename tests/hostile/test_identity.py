"""Identity: missing, duplicate and changing GUIDs, one article in two feeds, and
bad dates. No duplicates, no lost read/star states, a sane order."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from .hostile_kit import Item, rss


def _rfc822(dt: datetime) -> str:
    return format_datetime(dt, usegmt=True)


def _titles(cli, query: str = "") -> list[str]:
    return [a["title"] for a in json.loads(cli("list", query, "--json").stdout)]


def _rows(cli, query: str = "") -> list[dict]:
    return json.loads(cli("list", query, "--json").stdout)


def _serve(feed_server, path: str, items: list[Item], title: str = "F") -> str:
    return feed_server.route(path, rss(items, title=title))


def _refresh(cli) -> None:
    r = cli("refresh")
    assert r.exit_code == 0, r.stderr


def _star_and_read(cli, title: str) -> int:
    (row,) = [r for r in _rows(cli) if r["title"] == title]
    assert cli("star", str(row["id"])).exit_code == 0
    assert cli("read", str(row["id"])).exit_code == 0
    return row["id"]


def _state(cli, title: str) -> tuple[bool, bool]:
    rows = [r for r in _rows(cli) if r["title"] == title]
    assert len(rows) == 1, (title, rows)
    return rows[0]["read"], rows[0]["starred"]


NOW = datetime.now(UTC).replace(microsecond=0)


def test_missing_guids_no_duplicates_across_refreshes(feed_server, cli):
    items = [
        Item(
            title="link only", link="http://e.invalid/a", pub_date=_rfc822(NOW - timedelta(hours=1))
        ),
        Item(title="nothing but a title", pub_date=_rfc822(NOW - timedelta(hours=2))),
        Item(title="nothing at all, no date"),
    ]
    url = _serve(feed_server, "/f", items)
    assert cli("add", url).exit_code == 0
    _star_and_read(cli, "nothing at all, no date")
    _star_and_read(cli, "link only")
    for _ in range(3):
        _refresh(cli)
    assert sorted(_titles(cli)) == sorted(i.title for i in items)
    assert _state(cli, "nothing at all, no date") == (True, True)
    assert _state(cli, "link only") == (True, True)


def test_duplicate_guids_in_one_document(feed_server, cli):
    items = [Item(title=f"copy {i}", guid="same", link=f"http://e.invalid/{i}") for i in range(5)]
    items.append(Item(title="other", guid="other"))
    url = _serve(feed_server, "/f", items)
    assert cli("add", url).exit_code == 0
    _refresh(cli)
    titles = _titles(cli)
    assert len(titles) == 2 and "other" in titles and titles.count("copy 0") == 1


def test_changing_guids_keep_one_article_and_its_state(feed_server, cli):
    """Some feeds mint a new GUID on every fetch (a timestamp, a session id)."""

    def items(round_: int) -> list[Item]:
        return [
            Item(
                title=f"story {i}",
                guid=f"urn:fetch-{round_}:story-{i}",
                link=f"http://e.invalid/story/{i}",
                pub_date=_rfc822(NOW - timedelta(hours=i)),
            )
            for i in range(3)
        ]

    url = _serve(feed_server, "/f", items(0))
    assert cli("add", url).exit_code == 0
    _star_and_read(cli, "story 1")
    for round_ in range(1, 4):
        _serve(feed_server, "/f", items(round_))
        _refresh(cli)
    assert _titles(cli) == ["story 0", "story 1", "story 2"]
    assert _state(cli, "story 1") == (True, True)
    assert _state(cli, "story 0") == (False, False)


def test_guid_scheme_migration_keeps_state(feed_server, cli):
    """A site moves from http:// to https:// GUIDs and links at once, titles unchanged."""
    base = [(f"post {i}", NOW - timedelta(days=i)) for i in range(3)]
    url = _serve(
        feed_server,
        "/f",
        [
            Item(
                title=t,
                guid=f"http://e.invalid/p{i}",
                link=f"http://e.invalid/p{i}",
                pub_date=_rfc822(d),
            )
            for i, (t, d) in enumerate(base)
        ],
    )
    assert cli("add", url).exit_code == 0
    _star_and_read(cli, "post 2")
    _serve(
        feed_server,
        "/f",
        [
            Item(
                title=t,
                guid=f"https://e.invalid/p{i}",
                link=f"https://e.invalid/p{i}",
                pub_date=_rfc822(d),
            )
            for i, (t, d) in enumerate(base)
        ],
    )
    _refresh(cli)
    assert _titles(cli) == ["post 0", "post 1", "post 2"]
    assert _state(cli, "post 2") == (True, True)


def test_same_link_reused_by_every_item_is_not_merged(feed_server, cli):
    """Feeds that link every item to their home page: the items stay distinct."""
    items = [
        Item(
            title=f"notice {i}",
            guid=f"n{i}",
            link="http://e.invalid/",
            pub_date=_rfc822(NOW - timedelta(hours=i)),
        )
        for i in range(4)
    ]
    url = _serve(feed_server, "/f", items)
    assert cli("add", url).exit_code == 0
    items.insert(
        0, Item(title="notice new", guid="n-new", link="http://e.invalid/", pub_date=_rfc822(NOW))
    )
    _serve(feed_server, "/f", items)
    _refresh(cli)
    assert _titles(cli) == ["notice new", "notice 0", "notice 1", "notice 2", "notice 3"]


def test_one_article_in_two_feeds(feed_server, cli):
    """An aggregator (a Planet) repeats a post of a blog you also follow: listed once,
    and its state is the one you set."""
    post = Item(
        title="The post",
        guid="http://blog.invalid/the-post",
        link="http://blog.invalid/the-post",
        pub_date=_rfc822(NOW - timedelta(hours=3)),
        description="body",
    )
    blog = _serve(feed_server, "/blog", [post], title="Blog")
    planet = _serve(
        feed_server,
        "/planet",
        [
            post,
            Item(
                title="Other post",
                guid="http://other.invalid/1",
                link="http://other.invalid/1",
                pub_date=_rfc822(NOW - timedelta(hours=1)),
            ),
        ],
        title="Planet",
    )
    assert cli("add", blog).exit_code == 0
    _star_and_read(cli, "The post")
    assert cli("add", planet).exit_code == 0
    for _ in range(2):
        _refresh(cli)
    assert sorted(_titles(cli)) == ["Other post", "The post"]
    assert _state(cli, "The post") == (True, True)
    # The planet's own article is still listed under it.
    assert _titles(cli, "feed:Planet") == ["Other post"]


def test_dates_missing_invalid_future_and_without_zone(feed_server, cli):
    items = [
        Item(title="good, one hour ago", guid="a", pub_date=_rfc822(NOW - timedelta(hours=1))),
        Item(
            title="no zone, two hours ago",
            guid="b",
            pub_date=(NOW - timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S"),
        ),
        Item(title="invalid date", guid="c", pub_date="the day after tomorrow, probably"),
        Item(title="impossible date", guid="d", pub_date="Mon, 31 Feb 2026 25:61:00 GMT"),
        Item(title="far future", guid="e", pub_date="Fri, 01 Jan 2100 00:00:00 GMT"),
        Item(title="no date", guid="2030"),  # a guid that looks like a year
        Item(title="no date either", guid="12"),  # and one like a day of the month
        Item(title="ancient", guid="g", pub_date="Thu, 01 Jan 1970 00:00:00 GMT"),
        Item(title="year one", guid="h", pub_date="0001-01-01T00:00:00+14:00"),
        Item(title="three hours ago", guid="i", pub_date=_rfc822(NOW - timedelta(hours=3))),
    ]
    url = _serve(feed_server, "/f", items)
    assert cli("add", url).exit_code == 0
    rows = {r["title"]: r for r in _rows(cli)}
    assert len(rows) == len(items)
    now_iso = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    # No date shown in the future, and none made up from a GUID.
    for r in rows.values():
        assert r["published"] is None or r["published"] <= now_iso or r["title"] == "far future", r
    assert rows["no date"]["published"] is None or not rows["no date"]["published"].startswith(
        "2030"
    )
    assert (
        rows["no date either"]["published"] is None
        or rows["no date either"]["published"] > (NOW - timedelta(minutes=5)).isoformat()
    )
    order = [r["title"] for r in _rows(cli)]
    # Dated articles keep their order; the future one is not pinned above today's.
    assert (
        order.index("good, one hour ago")
        < order.index("no zone, two hours ago")
        < order.index("three hours ago")
        < order.index("ancient")
    )
    assert order[-1] in ("ancient", "year one")
    # Refreshing does not reorder anything or duplicate anything.
    _refresh(cli)
    _refresh(cli)
    assert [r["title"] for r in _rows(cli)] == order


def test_state_survives_content_changes(feed_server, cli):
    """An article edited upstream keeps its read/star state and its place."""
    item = Item(title="Edited", guid="e1", link="http://e.invalid/e1", description="first version")
    other = Item(
        title="Older",
        guid="e0",
        link="http://e.invalid/e0",
        pub_date=_rfc822(NOW - timedelta(days=2)),
    )
    url = _serve(feed_server, "/f", [item, other])
    assert cli("add", url).exit_code == 0
    _star_and_read(cli, "Edited")
    order = _titles(cli)
    item.description = "second version"
    _serve(feed_server, "/f", [item, other])
    _refresh(cli)
    assert _state(cli, "Edited") == (True, True)
    assert _titles(cli) == order
    (row,) = [r for r in _rows(cli) if r["title"] == "Edited"]
    assert "second version" in cli("show", str(row["id"])).stdout
