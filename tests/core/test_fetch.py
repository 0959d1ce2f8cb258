"""fetch_all and discover end to end against the loopback feed_server (no httpx mocks)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import resource
import socket
import threading
import time
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import brotli
import pytest

from reader import __version__
from reader.core.ingest import fetch as fetch_module
from reader.core.ingest.discover import NO_FEED_FOUND, discover, discover_sync
from reader.core.ingest.fetch import FetchSettings, fetch_all, fetch_all_sync, fetch_one
from reader.core.models import FetchRequest, FetchResult

FEEDS = Path(__file__).parents[1] / "data" / "feeds"
RSS = (FEEDS / "rss2.xml").read_bytes()
ATOM = (FEEDS / "atom.xml").read_bytes()
MiB = 1024 * 1024
# Long enough to compress well: a feed in Ukrainian, as most of ours are not in English.
RSS_UK = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Новини</title>'
    + "".join(f"<item><guid>n{i}</guid><title>Новина дня {i}</title><description>"
              f"{'Київ прокинувся під дощем. ' * 20}</description></item>" for i in range(40))
    + "</channel></rss>"
).encode()


def req(url: str, feed_id: int = 1, **kw: str) -> FetchRequest:
    return FetchRequest(feed_id=feed_id, url=url, **kw)


async def one(url: str, settings: FetchSettings | None = None, **kw: str) -> FetchResult:
    return (await fetch_all([req(url, **kw)], settings or FetchSettings()))[0]


# ---------------------------------------------------------------- the ordinary case


async def test_ok_parses_and_keeps_validators(feed_server):
    url = feed_server.route(
        "/feed.xml", RSS, etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT"
    )
    r = await one(url)
    assert r.status == "ok" and r.http_status == 200 and r.error is None
    assert r.parsed is not None and len(r.parsed.entries) == 3
    assert r.parsed.title == "Example RSS 2.0 Feed"
    assert r.etag == '"v1"' and r.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert r.new_url is None and r.url == url


async def test_request_headers(feed_server):
    url = feed_server.route("/feed.xml", RSS)
    await one(url)
    (sent,) = feed_server.requests
    assert (
        sent.headers["user-agent"]
        == f"reader/{__version__} (+https://github.com/reader-tui/reader; terminal feed reader)"
    )
    assert sent.headers["accept-encoding"] == "gzip, deflate, br"
    assert "application/rss+xml" in sent.headers["accept"]
    assert "if-none-match" not in sent.headers and "if-modified-since" not in sent.headers


async def test_etag_round_trip_gives_not_modified(feed_server):
    url = feed_server.route("/feed.xml", RSS, etag='"abc"')
    first = await one(url)
    assert first.status == "ok" and first.etag == '"abc"'
    second = await one(url, etag=first.etag)
    assert second.status == "not_modified" and second.http_status == 304
    assert second.parsed is None and second.etag == '"abc"'
    assert feed_server.requests[-1].headers["if-none-match"] == '"abc"'
    # A stale ETag gets the full body again.
    assert (await one(url, etag='"old"')).status == "ok"


async def test_last_modified_round_trip(feed_server):
    stamp = "Tue, 02 Jan 2024 03:04:05 GMT"
    url = feed_server.route("/feed.xml", RSS, last_modified=stamp)
    first = await one(url)
    assert first.status == "ok" and first.last_modified == stamp
    second = await one(url, last_modified=first.last_modified)
    assert second.status == "not_modified" and second.last_modified == stamp
    assert feed_server.requests[-1].headers["if-modified-since"] == stamp


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", "br"])
async def test_compressed_bodies(feed_server, encoding: str):
    url = feed_server.route("/feed.xml", ATOM, encoding=encoding)
    r = await one(url)
    assert r.status == "ok", r.error
    assert r.parsed.title == "Atom Example" and len(r.parsed.entries) == 2


async def test_unknown_encoding_is_an_error(feed_server):
    url = feed_server.route("/feed.xml", b"xx", encoding="zstd", precompressed=True)
    r = await one(url)
    assert r.status == "error" and r.error == "unsupported content encoding: zstd"


async def test_corrupt_gzip_is_an_error(feed_server):
    url = feed_server.route(
        "/feed.xml", b"\x1f\x8b\x08\x00garbage-garbage", encoding="gzip", precompressed=True
    )
    r = await one(url)
    assert r.status == "error" and r.error.startswith("corrupt compressed response")


def _compressed(encoding: str, data: bytes) -> bytes:
    if encoding == "br":
        return brotli.compress(data)
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}[encoding]
    c = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return c.compress(data) + c.flush()


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
async def test_truncated_compressed_body_is_an_error(feed_server, encoding: str):
    """A compressed stream cut short (the HTTP body itself complete) is no feed: kept, it
    would parse as a shorter one and its validators would keep that copy for good."""
    whole = _compressed(encoding, RSS_UK)
    url = feed_server.route("/cut.xml", whole[: len(whole) - 12], encoding=encoding,
                            precompressed=True, etag='"cut"')
    r = await one(url)
    assert r.status == "error" and r.error == "corrupt compressed response: truncated"
    assert r.etag is None and r.parsed is None
    whole_url = feed_server.route("/whole.xml", whole, encoding=encoding, precompressed=True)
    assert (await one(whole_url)).parsed.title == "Новини"


class _Recording(concurrent.futures.ThreadPoolExecutor):
    """An executor that notes what each task was given."""

    def __init__(self) -> None:
        super().__init__(1)
        self.calls: list[tuple] = []

    def submit(self, fn, /, *args, **kwargs):
        self.calls.append((fn, args))
        return super().submit(fn, *args, **kwargs)


async def test_the_body_goes_to_the_parser_as_it_came(feed_server):
    """The refreshing process neither inflates a body nor holds it inflated: the parsing
    worker gets the compressed bytes and decompresses them itself."""
    url = feed_server.route("/feed.xml", RSS_UK, gzip=True)
    executor = _Recording()
    try:
        (r,) = await fetch_all([req(url)], FetchSettings(), parse_executor=executor)
    finally:
        executor.shutdown()
    assert r.status == "ok" and r.parsed.title == "Новини"
    (fn, args), = executor.calls
    body, encoding = args[1], args[2]
    assert body[:2] == b"\x1f\x8b" and encoding == "gzip"
    assert len(body) < len(RSS_UK)


def test_decode_in_the_worker_caps_a_bomb():
    """body.decode, which the parsing workers run: a bomb stops at the cap in memory too."""
    from reader.core.ingest.body import FetchFailure, decode

    bomb = _bomb("gzip", 200 * MiB)
    tracemalloc.start()
    try:
        with pytest.raises(FetchFailure, match="response larger than 16 MiB limit"):
            decode(bomb, "gzip", 16 * MiB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 48 * MiB


async def test_parse_failure_is_an_error_without_validators(feed_server):
    url = feed_server.route(
        "/feed.xml", b"<html><body>hi</body></html>", etag='"x"', content_type="text/html"
    )
    r = await one(url)
    assert r.status == "error" and r.http_status == 200
    assert r.error == "not a feed: the document is an HTML page"
    assert r.etag is None and r.parsed is None


# ---------------------------------------------------------------- size caps


def _bomb(encoding: str, size: int) -> bytes:
    zeros = bytes(MiB)
    if encoding == "gzip":
        c = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        return b"".join(c.compress(zeros) for _ in range(size // MiB)) + c.flush()
    c = brotli.Compressor(quality=1)
    return b"".join(c.process(zeros) for _ in range(size // MiB)) + c.finish()


@pytest.mark.parametrize(("encoding", "size"), [("gzip", 200 * MiB), ("br", 64 * MiB)])
async def test_compression_bomb_is_capped(feed_server, encoding: str, size: int):
    body = _bomb(encoding, size)
    assert len(body) < 1 * MiB
    url = feed_server.route("/bomb.xml", body, encoding=encoding, precompressed=True)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    try:
        r = await one(url)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.status == "error" and r.error == "response larger than 16 MiB limit"
    assert peak < 48 * MiB  # the cap plus a step or two, never the inflated size
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024 < 100 * MiB


async def test_small_cap_names_the_real_limit(feed_server):
    url = feed_server.route("/feed.xml", RSS, gzip=True)
    r = await one(url, FetchSettings(max_bytes=1000))
    assert r.status == "error" and r.error == "response larger than 1000 bytes limit"
    r = await one(url, FetchSettings(max_bytes=2 * MiB))
    assert r.status == "ok"


async def test_content_length_over_cap_is_rejected_before_reading(feed_server):
    # The header promises 1 GB; the client must give up without waiting for it.
    url = feed_server.route("/huge.xml", b"<rss>", content_length=10**9)
    started = time.monotonic()
    r = await one(url, FetchSettings(timeout=5))
    assert r.status == "error" and r.error == "response larger than 16 MiB limit"
    assert time.monotonic() - started < 2


# ---------------------------------------------------------------- redirects


async def test_permanent_chain_sets_new_url(feed_server):
    final = feed_server.route("/final.xml", RSS)
    feed_server.redirect("/b", "/final.xml", status=308)
    start = feed_server.redirect("/a", feed_server.url("/b"), status=301)
    r = await one(start)
    assert r.status == "ok" and r.new_url == final and r.url == start
    assert [x.path for x in feed_server.requests] == ["/a", "/b", "/final.xml"]


@pytest.mark.parametrize("statuses", [(302,), (307,), (301, 302), (302, 301)])
async def test_temporary_hop_sets_no_new_url(feed_server, statuses: tuple[int, ...]):
    feed_server.route("/final.xml", RSS)
    target = "/final.xml"
    for i, status in reversed(list(enumerate(statuses))):
        feed_server.redirect(f"/r{i}", target, status=status)
        target = f"/r{i}"
    r = await one(feed_server.url("/r0"))
    assert r.status == "ok" and r.new_url is None


async def test_redirect_loop(feed_server):
    feed_server.redirect("/a", "/b")
    url = feed_server.redirect("/b", "/a")
    r = await one(url)
    assert r.status == "error" and r.error == "too many redirects"
    assert len(feed_server.requests) == 2


async def test_too_many_redirects(feed_server):
    feed_server.route("/r7", RSS)
    for i in range(7):
        feed_server.redirect(f"/r{i}", f"/r{i + 1}", status=302)
    r = await one(feed_server.url("/r0"), FetchSettings(max_redirects=5))
    assert r.status == "error" and r.error == "too many redirects"
    assert len(feed_server.requests) == 6  # the first request plus five hops
    assert (await one(feed_server.url("/r0"), FetchSettings(max_redirects=7))).status == "ok"


async def test_redirect_to_file_is_refused(feed_server, tmp_path: Path):
    secret = tmp_path / "feed.xml"
    secret.write_bytes(RSS)
    url = feed_server.redirect("/evil", secret.as_uri(), status=302)
    r = await one(url)
    assert r.status == "error" and r.error == "redirect to a non-HTTP URL refused"


# ---------------------------------------------------------------- HTTP errors


async def test_gone(feed_server):
    url = feed_server.route("/gone.xml", b"", status=410)
    r = await one(url)
    assert r.status == "gone" and r.http_status == 410
    assert r.error == "410 Gone: the feed was removed; polling stopped"


async def test_429_retry_after_seconds(feed_server):
    url = feed_server.route("/busy", b"slow down", status=429, headers={"Retry-After": "120"})
    r = await one(url)
    assert r.status == "error" and r.error == "HTTP 429 Too Many Requests"
    assert r.retry_after == 120


async def test_503_retry_after_date(feed_server):
    when = format_datetime(datetime.now(UTC) + timedelta(minutes=10), usegmt=True)
    url = feed_server.route("/down", b"", status=503, headers={"Retry-After": when})
    r = await one(url)
    assert r.status == "error" and r.error == "HTTP 503 Service Unavailable"
    assert 590 <= r.retry_after <= 600


@pytest.mark.parametrize(
    ("status", "message"), [(500, "HTTP 500 Internal Server Error"), (403, "HTTP 403 Forbidden")]
)
async def test_http_errors(feed_server, status: int, message: str):
    url = feed_server.route("/err", b"oops", status=status)
    r = await one(url)
    assert r.status == "error" and r.error == message and r.http_status == status
    assert r.retry_after is None


async def test_404(feed_server):
    r = await one(feed_server.url("/missing"))
    assert r.status == "error" and r.error == "HTTP 404 Not Found"


# ---------------------------------------------------------------- network failures


async def test_slow_feed_times_out_without_delaying_others(feed_server):
    slow = feed_server.route("/slow.xml", RSS, delay=5)
    fast = [feed_server.route(f"/fast{i}.xml", RSS) for i in range(3)]
    finished: dict[str, float] = {}
    started = time.monotonic()

    def on_result(r: FetchResult) -> None:
        finished[r.url] = time.monotonic() - started

    settings = FetchSettings(timeout=0.5)
    results = await fetch_all([req(u, i) for i, u in enumerate([slow, *fast])], settings, on_result)
    assert results[0].status == "error" and results[0].error == "timed out after 0.5 s"
    assert [r.status for r in results[1:]] == ["ok"] * 3
    # The fast ones are done before the slow one's timeout ends it (an order, which a busy
    # machine keeps), and the timeout ends it long before the server's 5 s delay would.
    assert max(finished[u] for u in fast) < finished[slow], finished
    assert 0.45 <= finished[slow] < 4


async def test_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = await one(f"http://127.0.0.1:{port}/feed.xml")
    assert r.status == "error" and r.error.startswith("cannot connect to 127.0.0.1: ")
    assert "\n" not in r.error


async def test_unresolvable_host():
    # .invalid never resolves (RFC 2606); the resolver answers locally or fails fast.
    r = await one("http://no-such-host.invalid/feed.xml", FetchSettings(timeout=5))
    assert r.status == "error" and r.error.startswith("cannot connect to no-such-host.invalid: ")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/feed", "unsupported URL scheme: ftp"),
        ("not a url", "not a URL: not a url"),
        ("", "not a URL: "),
        ("http://", "invalid URL: http://"),
        ("http://[::1/feed", "invalid URL: Invalid IPv6 URL"),
        ("http://example.com:port/feed", "invalid URL: http://example.com:port/feed"),
    ],
)
async def test_malformed_urls_are_errors(url: str, message: str):
    (r,) = await fetch_all([req(url)], FetchSettings())
    assert r.status == "error" and r.error == message


async def test_one_bad_feed_never_breaks_the_batch(feed_server):
    good = feed_server.route("/ok.xml", RSS)
    urls = ["ftp://x/", good, "http://[bad", feed_server.url("/missing"), good]
    seen: list[FetchResult] = []
    results = await fetch_all([req(u, i) for i, u in enumerate(urls)], FetchSettings(), seen.append)
    assert [r.feed_id for r in results] == [0, 1, 2, 3, 4]  # request order
    assert [r.status for r in results] == ["error", "ok", "error", "error", "ok"]
    assert sorted(r.feed_id for r in seen) == [0, 1, 2, 3, 4]  # each reported once


async def test_a_failing_callback_does_not_lose_results(feed_server):
    url = feed_server.route("/ok.xml", RSS)

    def explode(r: FetchResult) -> None:
        raise RuntimeError("progress bar broke")

    results = await fetch_all([req(url, 1), req(url, 2)], FetchSettings(), explode)
    assert [r.status for r in results] == ["ok", "ok"]


# ---------------------------------------------------------------- files


async def test_file_url(tmp_path: Path):
    path = tmp_path / "my feed.xml"
    path.write_bytes(RSS)
    r = await one(path.as_uri())
    assert r.status == "ok" and r.etag is None and len(r.parsed.entries) == 3
    missing = await one((tmp_path / "nope.xml").as_uri())
    assert missing.status == "error" and missing.error.startswith("cannot read ")
    too_big = await one(path.as_uri(), FetchSettings(max_bytes=100))
    assert too_big.status == "error" and too_big.error == "response larger than 100 bytes limit"


# ---------------------------------------------------------------- concurrency


async def test_per_host_limit(feed_server):
    urls = [feed_server.route(f"/f{i}.xml", RSS, delay=0.15) for i in range(8)]
    results = await fetch_all([req(u, i) for i, u in enumerate(urls)], FetchSettings(per_host=2))
    assert all(r.status == "ok" for r in results)
    assert feed_server.peak_in_flight == 2


async def test_global_limit(feed_server):
    urls = [feed_server.route(f"/f{i}.xml", RSS, delay=0.15) for i in range(8)]
    settings = FetchSettings(concurrency=3, per_host=8)
    results = await fetch_all([req(u, i) for i, u in enumerate(urls)], settings)
    assert all(r.status == "ok" for r in results)
    assert feed_server.peak_in_flight == 3


async def test_parsing_runs_off_the_event_loop(feed_server, monkeypatch: pytest.MonkeyPatch):
    url = feed_server.route("/feed.xml", RSS)
    threads: list[threading.Thread] = []
    real = fetch_module.parse_feed

    def spy(*args: object) -> object:
        threads.append(threading.current_thread())
        return real(*args)

    monkeypatch.setattr(fetch_module, "parse_feed", spy)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="test-parse") as pool:
        results = await fetch_all([req(url, 1), req(url, 2)], FetchSettings(), parse_executor=pool)
    assert [r.status for r in results] == ["ok", "ok"]
    assert threads and all(t.name.startswith("test-parse") for t in threads)
    assert threading.current_thread() not in threads


# ---------------------------------------------------------------- wrappers and helpers


def test_sync_wrappers(feed_server):
    url = feed_server.route("/feed.xml", RSS)
    (r,) = fetch_all_sync([req(url)])
    assert r.status == "ok"
    assert asyncio.run(fetch_one(req(url))).status == "ok"
    feed_url, result = discover_sync(url)
    assert feed_url == url and result.status == "ok"


def test_next_backoff():
    from reader.core.ingest.schedule import next_backoff

    assert next_backoff(0, 600) == 600
    assert next_backoff(1, 600) == 1200
    assert next_backoff(3, 600) == 4800
    assert next_backoff(10, 600) == 86400  # capped at a day
    assert next_backoff(10**6, 600) == 86400  # no overflow


def test_retry_after_parsing():
    assert fetch_module._retry_after("120") == 120
    assert fetch_module._retry_after(" 5 ") == 5
    assert fetch_module._retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past
    assert fetch_module._retry_after("soon") is None
    assert fetch_module._retry_after(None) is None


# ---------------------------------------------------------------- discovery

PAGE = """<!DOCTYPE html><html><head><title>Blog</title>
<link rel="alternate" type="application/atom+xml" href="{href}">
</head><body>Hello</body></html>"""


async def test_discover_from_html_page(feed_server):
    feed = feed_server.route("/blog/atom.xml", ATOM)
    page = feed_server.route("/blog/", PAGE.format(href="atom.xml"), content_type="text/html")
    feed_url, r = await discover(page)
    assert feed_url == feed and r.status == "ok" and r.parsed.title == "Atom Example"


async def test_discover_skips_a_broken_candidate(feed_server):
    feed = feed_server.route("/good.xml", RSS)
    html = (
        '<html><head><link rel="alternate" type="application/rss+xml" href="/broken.xml">'
        '<link rel="alternate" type="application/rss+xml" href="/good.xml"></head></html>'
    )
    page = feed_server.route("/", html, content_type="text/html")
    feed_url, r = await discover(page)
    assert feed_url == feed and r.status == "ok"


async def test_discover_page_without_feed(feed_server):
    page = feed_server.route(
        "/plain",
        "<html><head><title>x</title></head><body>no feeds</body></html>",
        content_type="text/html",
    )
    feed_url, r = await discover(page)
    assert feed_url == page and r.status == "error" and r.error == NO_FEED_FOUND.format(url=page)


async def test_discover_linked_feed_fails(feed_server):
    page = feed_server.route("/p", PAGE.format(href="/missing.xml"), content_type="text/html")
    _, r = await discover(page)
    assert r.status == "error" and "HTTP 404 Not Found" in r.error


async def test_discover_feed_url_itself_and_its_move(feed_server):
    final = feed_server.route("/new.xml", RSS)
    old = feed_server.redirect("/old.xml", "/new.xml", status=301)
    feed_url, r = await discover(old)
    assert feed_url == final and r.status == "ok" and r.new_url == final


async def test_discover_network_error():
    feed_url, r = await discover("ftp://example.com/")
    assert feed_url == "ftp://example.com/" and r.status == "error"
