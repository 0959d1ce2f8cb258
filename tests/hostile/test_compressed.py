"""Compressed bodies in a big refresh: the refreshing process keeps each body as it came
and the parsing worker processes decompress it, with the same cap and the same one-line
errors as ever (a bomb, a stream cut short, a corrupt one), and nothing of a broken
body is stored, not even its validators."""

from __future__ import annotations

import gzip
import zlib

import brotli

from reader.core.ingest.workers import PROCESS_MIN_FEEDS
from reader.core.library import Library

from .hostile_kit import (
    RawServer,
    assert_no_controls,
    run_reader,
    simple_rss,
    static,
    write_config,
    zlib_bomb,
)

GOOD = PROCESS_MIN_FEEDS  # with the broken ones, past the threshold for worker processes


def _deflate(data: bytes) -> bytes:
    return zlib.compress(data, 6)


def test_broken_compressed_bodies_fail_alone_in_the_workers(tmp_path):
    good = {f"good{i}": simple_rss(20, prefix=f"новина{i}", title=f"Стрічка {i}")
            for i in range(GOOD)}
    cut_gzip = gzip.compress(simple_rss(300, prefix="обрізано"))
    cut_br = brotli.compress(simple_rss(300, prefix="途中"))
    routes = {name: static(gzip.compress(body), Content_Encoding="gzip", ETag=f'"{name}"')
              for name, body in good.items()}
    routes.update({
        "cut-gzip": static(cut_gzip[: len(cut_gzip) // 2], Content_Encoding="gzip",
                           ETag='"cut-gzip"'),
        "cut-br": static(cut_br[: len(cut_br) - 20], Content_Encoding="br", ETag='"cut-br"'),
        "corrupt-deflate": static(b"x\x9c" + b"\xff" * 64, Content_Encoding="deflate"),
        "gzip-bomb": static(zlib_bomb(64, "gzip"), Content_Encoding="gzip"),
        "deflate-ok": static(_deflate(simple_rss(5, prefix="ok")), Content_Encoding="deflate"),
    })
    srv = RawServer()
    try:
        urls = {name: srv.on(f"/{name}", route) for name, route in routes.items()}
        db = tmp_path / "c.db"
        lib = Library(db)
        try:
            ids = {name: lib.subscribe(url)[0].id for name, url in urls.items()}
        finally:
            lib.close()
        result = run_reader(db, "refresh", config=write_config(tmp_path / "c.toml", timeout=20))
    finally:
        srv.stop()
    assert_no_controls(result.stdout + result.stderr)
    assert result.returncode == 0, result.stderr
    assert f"refreshed {len(urls)} feeds:" in result.stdout
    failed = sorted(line for line in result.stderr.splitlines() if line.startswith("  failed: "))
    assert len(failed) == 4, result.stderr
    lib = Library(db)
    try:
        feeds = {f.id: f for f in lib.feeds()}
        expected = {
            "cut-gzip": "corrupt compressed response: truncated",
            "cut-br": "corrupt compressed response: truncated",
            "corrupt-deflate": "corrupt compressed response: ",
            "gzip-bomb": "response larger than 16 MiB limit",
        }
        for name, why in expected.items():
            feed = feeds[ids[name]]
            assert feed.last_status == "error" and feed.last_error.startswith(why), (name, feed)
            assert feed.total == 0 and feed.etag is None, name
        for name in good:
            feed = feeds[ids[name]]
            assert feed.last_status == "ok" and feed.total == 20 and feed.etag == f'"{name}"'
        assert feeds[ids["deflate-ok"]].total == 5
        titles = {t for (t,) in lib.store.conn.execute(
            "SELECT title FROM articles WHERE feed_id = ?", (ids["good3"],))}
        assert "новина3 0" in titles and len(titles) == 20
    finally:
        lib.close()
