"""Size attacks: bombs, huge bodies, huge documents. Each is capped with a clear
per-feed error, and the refresh that meets all of them at once stays under 200 MB.
"""

from __future__ import annotations

import json

import pytest

from reader.core.library import Library

from .hostile_kit import (
    MiB,
    RawServer,
    assert_no_controls,
    brotli_bomb,
    run_reader_measured,
    send_chunk,
    simple_rss,
    start_response,
    static,
    write_config,
    zlib_bomb,
)

RSS_HEAD = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Big</title>'
    b"<item><title>x</title><guid>1</guid><description>"
)
RSS_TAIL = b"</description></item></channel></rss>"
MEMORY_LIMIT_MB = 200


def streamed(
    size: int,
    prefix: bytes = b"",
    suffix: bytes = b"",
    fill: bytes = b"x",
    content_type: str = "application/rss+xml",
    chunked: bool = False,
):
    """A route sending prefix + `size` bytes of `fill` + suffix, generated as it goes."""

    def route(h) -> None:
        headers = {"Content-Type": content_type}
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
        else:
            headers["Content-Length"] = str(len(prefix) + size + len(suffix))
        start_response(h, 200, headers)

        def write(data: bytes) -> None:
            if data:
                send_chunk(h, data) if chunked else h.wfile.write(data)

        write(prefix)
        block = fill * (MiB // len(fill))
        sent = 0
        while sent < size:
            n = min(len(block), size - sent)
            write(block[:n])
            sent += n
        write(suffix)
        if chunked:
            h.wfile.write(b"0\r\n\r\n")

    return route


def many_entries(n: int) -> bytes:
    items = b"".join(b"<item><title>t%d</title><guid>%d</guid></item>" % (i, i) for i in range(n))
    return (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Many</title>'
        + items
        + b"</channel></rss>"
    )


def json_many(n: int) -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "J",
            "items": [{"id": str(i), "title": f"t{i}"} for i in range(n)],
        }
    ).encode()


@pytest.fixture(scope="module")
def bombs():
    return {
        "gzip": zlib_bomb(1024, "gzip"),  # 1 MiB on the wire, 1 GiB inflated
        "deflate": zlib_bomb(256, "deflate"),  # 256 MiB: as far past the cap, quicker to build
        "raw-deflate": zlib_bomb(1024, "raw-deflate"),
        "br": brotli_bomb(256),
    }


# (name, expected error fragment or None for "stored, truncated") per case
EXPECTED = {
    "gzip-bomb": "response larger than 16 MiB limit",
    "deflate-bomb": "response larger than 16 MiB limit",
    "raw-deflate-bomb": "response larger than 16 MiB limit",
    "br-bomb": "response larger than 16 MiB limit",
    "gzip-bomb-no-length": "response larger than 16 MiB limit",
    "100mb-declared": "response larger than 16 MiB limit",
    "100mb-chunked": "response larger than 16 MiB limit",
    "100mb-lying-length": "response larger than 16 MiB limit",
    "30mb-text-node": "response larger than 16 MiB limit",
    "100k-entries": "feed too large: 100,000 entries (the limit is 10,000)",
    "100k-json-items": "feed too large",
    "deep-nesting": "feed too large: more than 200,000 XML elements",
    "wide-elements": "feed too large: more than 200,000 XML elements",
    "deep-json": "not a feed",
    "billion-laughs": "entities",
}


def size_routes(bombs) -> dict[str, object]:
    """Every size case as a RawServer route; name -> route."""
    routes = {}
    for kind, body in bombs.items():
        routes[f"{kind}-bomb"] = static(
            body, Content_Encoding="deflate" if kind == "raw-deflate" else kind
        )

    def bomb_no_length(h) -> None:
        start_response(
            h,
            200,
            {
                "Content-Type": "application/rss+xml",
                "Content-Encoding": "gzip",
                "Transfer-Encoding": "chunked",
            },
        )
        for i in range(0, len(bombs["gzip"]), 64 * 1024):
            send_chunk(h, bombs["gzip"][i : i + 64 * 1024])
        h.wfile.write(b"0\r\n\r\n")

    def lying(h) -> None:  # no length, no chunking: 100 MiB until the connection closes
        start_response(h, 200, {"Content-Type": "application/rss+xml", "Connection": "close"})
        block = b"x" * MiB
        for _ in range(100):
            h.wfile.write(block)

    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    routes.update(
        {
            "gzip-bomb-no-length": bomb_no_length,
            "100mb-declared": streamed(100 * MiB),
            "100mb-chunked": streamed(100 * MiB, chunked=True),
            "100mb-lying-length": lying,
            "30mb-text-node": streamed(30 * MiB, RSS_HEAD, RSS_TAIL, chunked=True),
            "100k-entries": static(many_entries(100_000)),
            "100k-json-items": static(json_many(100_000), "application/feed+json"),
            "deep-nesting": streamed(6 * MiB, RSS_HEAD, RSS_TAIL, fill=b"<a>", chunked=True),
            "wide-elements": streamed(8 * MiB, RSS_HEAD, RSS_TAIL, fill=b"<br/>", chunked=True),
            "deep-json": streamed(
                4 * MiB,
                b'{"version":"https://jsonfeed.org/version/1","title":"x","items":',
                fill=b"[",
                content_type="application/feed+json",
                chunked=True,
            ),
            "billion-laughs": static(
                (
                    f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{lol}]><rss version="2.0">'
                    "<channel><title>L</title><item><title>&l9;</title><guid>1</guid></item></channel></rss>"
                ).encode()
            ),
        }
    )
    return routes


def test_every_size_case_in_one_refresh_stays_under_200_mb(feed_server, tmp_path, bombs):
    routes = size_routes(bombs)
    # Not errors: a 12 MB text node (cut to 1M characters), a 3 MB feed and a good feed.
    routes["12mb-text-node"] = streamed(12 * MiB, RSS_HEAD, RSS_TAIL, chunked=True)
    routes["3mb-feed"] = static(simple_rss(5000, prefix="big", body="b" * 400))
    routes["good"] = static(simple_rss(50))
    # Each on a server of its own: per-host limits must not be what bounds memory.
    servers = [RawServer() for _ in routes]
    try:
        urls = {name: srv.on("/feed", route) for srv, (name, route) in zip(servers, routes.items())}
        db = tmp_path / "size.db"
        lib = Library(db)
        try:
            ids = {name: lib.subscribe(url)[0].id for name, url in urls.items()}
        finally:
            lib.close()
        config = write_config(tmp_path / "c.toml", timeout=20, concurrency=16, per_host=4)
        result, peak = run_reader_measured(db, "refresh", config=config, tmp=tmp_path)
        print(f"peak resident memory of the refresh: {peak:.0f} MB")
    finally:
        for srv in servers:
            srv.stop()
    assert_no_controls(result.stdout + result.stderr)
    assert result.returncode == 0, result.stderr  # some feeds succeeded
    assert peak < MEMORY_LIMIT_MB, f"peak resident memory {peak:.0f} MB"
    assert f"refreshed {len(urls)} feeds:" in result.stdout
    lib = Library(db)
    try:
        feeds = {f.id: f for f in lib.feeds()}
        for name, expected in EXPECTED.items():
            f = feeds[ids[name]]
            assert f.last_status == "error", (name, f.last_status)
            assert expected in f.last_error, (name, f.last_error)
            assert f.total == 0
        assert feeds[ids["good"]].last_status == "ok" and feeds[ids["good"]].total == 50
        assert feeds[ids["3mb-feed"]].last_status == "ok" and feeds[ids["3mb-feed"]].total == 5000
        big = feeds[ids["12mb-text-node"]]
        assert big.last_status == "ok" and big.total == 1
        (article,) = lib.articles(f"feed:{urls['12mb-text-node'].split('/')[2]}")
        assert len(article.content) < 1_100_000 and article.content.endswith("[article truncated]")
    finally:
        lib.close()
    # One line per failed feed on stderr, naming it and the reason.
    failed = [line for line in result.stderr.splitlines() if line.startswith("  failed: ")]
    assert len(failed) == len(EXPECTED)


def test_size_errors_in_the_cli_are_one_line(feed_server, cli, bombs):
    """`reader add` of a bomb: one line on stderr, nothing stored."""
    url = feed_server.route("/bomb", bombs["gzip"], encoding="gzip", precompressed=True)
    r = cli("add", url)
    assert r.exit_code == 1
    assert (
        r.stderr == f"reader: error: cannot subscribe to {url}: response larger than 16 MiB limit\n"
    )
    listed = cli("feeds")  # nothing stored: not even the database the first add made
    assert listed.exit_code == 1 and "no database at" in listed.stderr


def test_huge_title_and_unbroken_line_are_cut(feed_server, cli):
    title = "T" * 5_000_000
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>'
        + title.encode()
        + b"</title><item><title>"
        + title.encode()
        + b"</title><guid>1</guid><author>"
        + b"A" * 100_000
        + b"</author><category>"
        + b"C" * 100_000
        + b"</category>"
        + b"<description>"
        + b"w" * 3_000_000
        + b"</description></item></channel></rss>"
    )
    url = feed_server.route("/long", body)
    assert cli("add", url).exit_code == 0
    (row,) = json.loads(cli("list", "--json").stdout)
    assert len(row["title"]) <= 1000 and row["title"].endswith("…")
    assert len(row["author"]) <= 1000 and all(len(t) <= 1000 for t in row["tags"])
    shown = cli("show", str(row["id"]))
    assert shown.exit_code == 0 and len(shown.stdout) < 1_100_000
    assert "[article truncated]" in shown.stdout
    assert len(cli("feeds").stdout) < 3000


def test_json_feed_over_the_entry_limit(feed_server, cli):
    """15,000 flat JSON items pass the object count but not the entry limit."""
    url = feed_server.route("/j", json_many(15_000), content_type="application/feed+json")
    r = cli("add", url)
    assert r.exit_code == 1
    assert "feed too large: 15,000 entries (the limit is 10,000)" in r.stderr
