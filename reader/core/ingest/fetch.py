"""Fetch many feeds at once over HTTP (httpx + asyncio), politely and within limits.

- one shared AsyncClient (keep-alive), a global and a per-host concurrency limit;
- conditional GET (ETag / Last-Modified) so unchanged feeds cost a 304;
- redirects followed by hand, so a chain of permanent ones can move the feed's URL
  and a redirect can never lead to file:// or another scheme;
- the body is decompressed incrementally and capped on its decompressed size
  (body.py), so a gzip bomb costs at most the cap in memory; a feed's body is
  decompressed where it is parsed (a worker process in a big refresh);
- parsing runs in an executor, never on the event loop;
- every failure of one feed becomes an "error" FetchResult with a one-line reason.

Finding the feed behind a web page (discover.py) is built on open_fetcher.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

# Start-up cost (a warm refresh is mostly start-up). httpx imports its command-line tool
# (click, rich, pygments: ~0.1 s) unless that import fails, as it does when they are not
# installed; we never run it. httpcore tries `import sniffio` for every lock it makes,
# and a module that is not installed is searched for on sys.path again each time
# (~0.3 ms, thousands of times a refresh); a miss recorded in sys.modules costs nothing.
sys.modules.setdefault("httpx._main", None)  # type: ignore[assignment]
try:
    import sniffio  # noqa: F401 - (see above)
except ImportError:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

import httpx

from reader import __version__
from reader.core.errors import ReaderError
from reader.core.ingest.body import (
    ACCEPT_ENCODING,
    LARGE_AT_ONCE,
    FetchFailure,
    LargeBody,
    decode_then,
    read_body,
    read_encoded,
    read_regular_file,
)
from reader.core.models import FetchRequest, FetchResult, ParsedFeed
from reader.core.sanitize import clean_text


def parse_feed(data: bytes, url: str = "", content_type: str | None = None) -> ParsedFeed:
    """reader.core.ingest.parse.parse_feed, imported on first use: the parsers (lxml,
    fastfeedparser) cost ~0.1 s to import, and a refresh where every feed answers
    304 needs none of them."""
    from reader.core.ingest.parse import parse_feed as parse

    return parse(data, url, content_type)


log = logging.getLogger(__name__)

USER_AGENT = f"reader/{__version__} (+https://github.com/reader-tui/reader; terminal feed reader)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.5, */*;q=0.1"
)
_REDIRECTS = frozenset((301, 302, 303, 307, 308))
_PERMANENT = frozenset((301, 308))


@dataclass
class FetchSettings:
    concurrency: int = 16  # requests in flight, all hosts together
    per_host: int = 4  # requests in flight to one host
    connect_timeout: float = 10.0
    timeout: float = 30.0  # whole exchange for one feed: connect, headers and body
    max_bytes: int = 16 * 1024 * 1024  # decompressed body
    max_redirects: int = 5
    user_agent: str = field(default=USER_AGENT)


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds from now: either delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# ---------------------------------------------------------------- errors as one line


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if text.startswith("[Errno"):
        text = text.split("]", 1)[-1].strip()  # "[Errno 111] Connection refused" -> reason
    return text[:1].lower() + text[1:] if text else text


def describe_failure(exc: BaseException, url: str, settings: FetchSettings) -> str:
    """What went wrong fetching `url`, in one line a user can read."""
    host = urlsplit(url).hostname or url
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect timed out"
    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        return f"timed out after {settings.timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect to {host}: {_reason(exc)}"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"unsupported URL: {url}"
    if isinstance(exc, httpx.InvalidURL):
        return f"invalid URL: {_reason(exc)}"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.LocalProtocolError)):
        reason = _reason(exc)
        if "bytearray(" in reason or "b'" in reason:  # h11 quotes the server's bytes
            reason = reason.split(":", 1)[0] + " (not an HTTP response)"
        return f"protocol error from {host}: {reason}"
    if isinstance(exc, (httpx.ReadError, httpx.WriteError)) and not str(exc).strip():
        return f"network error from {host}: the connection was lost"
    if isinstance(exc, httpx.HTTPError):
        return f"network error from {host}: {_reason(exc)}"
    if isinstance(exc, (FetchFailure, ReaderError)):
        return " ".join(str(exc).split())
    return f"{type(exc).__name__}: {_reason(exc)}"


# ---------------------------------------------------------------- the fetcher


@dataclass
class _Raw:
    """One feed's exchange before parsing: a finished result, or a body to parse."""

    result: FetchResult
    body: bytes | None = None
    content_type: str | None = None
    final_url: str = ""
    encoding: str = ""  # the body's Content-Encoding, when it is still compressed
    parse_turn: bool = False  # holds one of Fetcher.parse_turns (see _wait_parse_turn)


def _failed(req: FetchRequest, why: str, http_status: int | None = None) -> _Raw:
    return _Raw(FetchResult(req.feed_id, req.url, "error", http_status=http_status, error=why))


class Fetcher:
    """Fetches (and parses) feeds over one client, within the concurrency limits."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: FetchSettings,
        executor: concurrent.futures.Executor,
        parse_fn: Callable[[bytes, str, str | None], ParsedFeed] | None = None,
        parse_turns: int | None = None,
    ) -> None:
        """`parse_turns`: at most this many feeds at once from their body's end to the
        end of fetch(hand_over): being parsed, or parsed and waiting to be handed over.
        None: no limit."""
        self.client = client
        self.settings = settings
        self.executor = executor
        self.parse_fn = parse_fn or parse_feed
        self.slots = asyncio.Semaphore(max(1, settings.concurrency))
        self.hosts: dict[str, asyncio.Semaphore] = {}
        self.large_bodies = asyncio.Semaphore(LARGE_AT_ONCE)
        self.parse_turns = asyncio.Semaphore(parse_turns) if parse_turns else None

    def _host_slots(self, url: str) -> asyncio.Semaphore:
        parts = urlsplit(url)
        key = f"{(parts.hostname or '').lower()}:{parts.port or ''}"
        if key not in self.hosts:
            self.hosts[key] = asyncio.Semaphore(max(1, self.settings.per_host))
        return self.hosts[key]

    async def fetch(self, req: FetchRequest,
                    hand_over: Callable[[FetchResult], Awaitable[None]] | None = None
                    ) -> FetchResult:
        """One feed fetched and parsed; then `hand_over(result)` is awaited (if given)
        before its parse turn is given back, so a consumer that falls behind holds back
        the parsing, and the parsing the fetching: memory stays bounded."""
        large = LargeBody(self.large_bodies)
        raw: _Raw | None = None
        try:
            try:
                raw = await self.fetch_raw(req, large, decoded=False)
            except Exception as exc:
                raw = _failed(req, describe_failure(exc, req.url, self.settings))
            if raw.body is not None:
                await self._wait_parse_turn(raw)  # (a file:// body: its turn comes here)
                result = await self.parse(raw)
                raw.body = None  # not kept while the result waits to be handed over
            else:
                result = raw.result
            if result.error:
                # It may quote server text, and it gets printed: one line, no controls.
                result.error = clean_text(result.error).replace("\n", " ").replace("\t", " ")
            if hand_over is not None:
                await hand_over(result)
        finally:
            large.release()
            if raw is not None and raw.parse_turn and self.parse_turns is not None:
                self.parse_turns.release()
        return result

    async def _wait_parse_turn(self, raw: _Raw) -> None:
        if self.parse_turns is not None and not raw.parse_turn:
            await self.parse_turns.acquire()
            raw.parse_turn = True

    async def parse(self, raw: _Raw) -> FetchResult:
        """Decompress and parse a fetched body in the executor: neither blocks the event
        loop (nor, with worker processes, takes CPU from the refreshing process)."""
        result = raw.result
        try:
            loop = asyncio.get_running_loop()
            result.parsed = await loop.run_in_executor(
                self.executor, decode_then, self.parse_fn, raw.body, raw.encoding,
                self.settings.max_bytes, raw.final_url, raw.content_type,
            )
            result.status = "ok"
        except Exception as exc:
            # No validators for a body that did not parse: with them the server
            # would answer 304 and the broken copy would never be replaced.
            result.status, result.etag, result.last_modified = "error", None, None
            result.new_url = None
            result.error = describe_failure(exc, result.url, self.settings)
        return result

    async def fetch_raw(self, req: FetchRequest, large: LargeBody | None = None,
                        decoded: bool = True) -> _Raw:
        """Fetch the body of one feed (following redirects); errors become results.
        decoded=False: the body as it came, raw.encoding naming its compression
        (body.decode undoes it)."""
        url = req.url.strip()
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            return _failed(req, f"invalid URL: {exc}")
        scheme = parts.scheme.lower()
        if scheme == "file":
            return await self._read_file(req, url)
        if scheme not in ("http", "https"):
            why = f"unsupported URL scheme: {scheme}" if scheme else f"not a URL: {url}"
            return _failed(req, why)
        try:
            valid = bool(parts.hostname) and (parts.port is None or parts.port > 0)
        except ValueError:  # a port that is not a number
            valid = False
        if not valid:
            return _failed(req, f"invalid URL: {url}")

        budget = self.settings.timeout  # time spent holding slots, over all hops
        permanent = True
        seen = {url}
        loop = asyncio.get_running_loop()
        for _hop in range(self.settings.max_redirects + 1):
            try:
                async with self._host_slots(url), self.slots:
                    started = loop.time()  # waiting for a slot is not the feed's fault
                    async with asyncio.timeout(budget):
                        raw = await self._exchange(req, url, large, decoded)
                    budget -= loop.time() - started
                    if isinstance(raw, _Raw) and raw.body is not None:
                        # Its fetch slot is held until the body's parse turn comes, so
                        # the bodies waiting to be parsed are never more than the
                        # fetches at once (on a fast network, fetching outruns parsing).
                        await self._wait_parse_turn(raw)
            except Exception as exc:
                return _failed(req, describe_failure(exc, url, self.settings))
            if isinstance(raw, _Raw):
                # Move the feed only when the new place answers with a feed (or 304).
                fine = raw.body is not None or raw.result.status == "not_modified"
                if permanent and fine and url != req.url.strip():
                    raw.result.new_url = url
                raw.final_url = url
                return raw
            code, location = raw
            permanent = permanent and code in _PERMANENT
            try:
                # Percent-encoded as httpx sends it: a Location holding 8-bit controls
                # must not become the feed's stored (and printed) URL.
                url = str(httpx.URL(urljoin(url, location.strip())))
                scheme = urlsplit(url).scheme.lower()
            except (ValueError, httpx.InvalidURL):
                return _failed(req, "redirect to an invalid URL refused", code)
            if scheme not in ("http", "https"):
                # A web server must never be able to point us at file:// or the like.
                return _failed(req, "redirect to a non-HTTP URL refused", code)
            if url in seen:
                break
            seen.add(url)
        return _failed(req, "too many redirects")

    async def _exchange(
        self, req: FetchRequest, url: str, large: LargeBody | None = None,
        decoded: bool = True,
    ) -> _Raw | tuple[int, str]:
        """One GET: a finished _Raw, or (status, Location) for a redirect."""
        headers = {}
        if req.user_agent:
            headers["User-Agent"] = req.user_agent
        if req.etag:
            headers["If-None-Match"] = req.etag
        if req.last_modified:
            headers["If-Modified-Since"] = req.last_modified
        async with self.client.stream("GET", url, headers=headers) as resp:
            code = resp.status_code
            result = FetchResult(req.feed_id, req.url, "error", http_status=code)
            if code in _REDIRECTS:
                location = resp.headers.get("location")
                if not location:
                    result.error = f"HTTP {code} redirect without a Location"
                    return _Raw(result)
                return code, location
            if code == 304:
                result.status = "not_modified"
                result.etag = resp.headers.get("etag") or req.etag
                result.last_modified = resp.headers.get("last-modified") or req.last_modified
                # A 304 has no body (h11 ignores any length it claims), but only reading
                # its end lets the connection go back to the pool: else each unchanged
                # feed costs a new TCP (and TLS) connection.
                await resp.aread()
                return _Raw(result)
            if code == 410:
                result.status = "gone"
                result.error = "410 Gone: the feed was removed; polling stopped"
                return _Raw(result)
            if not 200 <= code < 300:
                result.error = f"HTTP {code} {resp.reason_phrase}".strip()
                if code in (429, 503):
                    result.retry_after = _retry_after(resp.headers.get("retry-after"))
                return _Raw(result)
            encoding = "" if decoded else resp.headers.get("content-encoding", "")
            read = read_body if decoded else read_encoded
            body = await read(resp, self.settings.max_bytes, large)
            result.etag = resp.headers.get("etag")
            result.last_modified = resp.headers.get("last-modified")
            return _Raw(result, body, resp.headers.get("content-type"), encoding=encoding)

    async def _read_file(self, req: FetchRequest, url: str) -> _Raw:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return _failed(req, f"file URL on another host: {url}")
        path = url2pathname(parts.path)
        loop = asyncio.get_running_loop()
        try:
            data = await loop.run_in_executor(
                self.executor, read_regular_file, path, self.settings.max_bytes
            )
        except OSError as exc:
            return _failed(req, f"cannot read {path}: {exc.strerror or _reason(exc)}")
        except FetchFailure as exc:
            return _failed(req, str(exc))
        return _Raw(FetchResult(req.feed_id, req.url, "error"), data, None, url)


class _Cookies(httpx.Cookies):
    """The client's cookie jar, minus http.cookiejar's work on responses that set none
    (nearly every feed): a third of httpx's own time per request."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


def _client(settings: FetchSettings) -> httpx.AsyncClient:
    n = max(1, settings.concurrency)
    client = httpx.AsyncClient(
        http1=True,
        http2=False,
        follow_redirects=False,
        timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
        headers={
            "User-Agent": settings.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING,
        },
    )
    client._cookies = _Cookies()  # no public way in: the `cookies` setter copies into a Cookies
    return client


def _default_executor() -> concurrent.futures.ThreadPoolExecutor:
    workers = max(2, min(4, os.cpu_count() or 2))
    return concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="reader-parse")


@contextlib.asynccontextmanager
async def open_fetcher(
    settings: FetchSettings,
    parse_executor: concurrent.futures.Executor | None = None,
    parse_fn: Callable[[bytes, str, str | None], ParsedFeed] | None = None,
    parse_turns: int | None = None,
) -> AsyncIterator[Fetcher]:
    """A Fetcher with its client; without `parse_executor`, parses in threads of its own
    that end with it."""
    executor = parse_executor or _default_executor()
    try:
        async with _client(settings) as client:
            yield Fetcher(client, settings, executor, parse_fn, parse_turns)
    finally:
        if parse_executor is None:
            executor.shutdown(wait=False, cancel_futures=True)


async def fetch_all(
    requests: list[FetchRequest],
    settings: FetchSettings | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
    parse_executor: concurrent.futures.Executor | None = None,
    parse_fn: Callable[[bytes, str, str | None], ParsedFeed] | None = None,
) -> list[FetchResult]:
    """Fetch and parse every feed; results come back in the order of `requests`.

    `on_result` is called on the event loop as each feed finishes (in completion
    order). Never raises for a bad feed: each failure is an "error" result.
    `parse_fn(body, url, content_type)` parses in `parse_executor` (default: parse_feed
    in threads); for a process pool it must be a module-level function.
    """
    settings = settings or FetchSettings()
    async with open_fetcher(settings, parse_executor, parse_fn) as fetcher:

        async def one(req: FetchRequest) -> FetchResult:
            result = await fetcher.fetch(req)
            if on_result is not None:
                try:
                    on_result(result)
                except Exception:  # a broken progress bar must not lose the batch
                    log.exception("on_result callback failed")
            return result

        return list(await asyncio.gather(*(one(r) for r in requests)))


async def fetch_one(request: FetchRequest, settings: FetchSettings | None = None) -> FetchResult:
    return (await fetch_all([request], settings))[0]


def fetch_all_sync(
    requests: list[FetchRequest],
    settings: FetchSettings | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
    parse_executor: concurrent.futures.Executor | None = None,
) -> list[FetchResult]:
    """fetch_all for code without an event loop (the CLI). Not from inside a running loop."""
    return asyncio.run(fetch_all(requests, settings, on_result, parse_executor))
