"""Shared fixtures. Tests never touch the internet: HTTP goes to a loopback server here."""

from __future__ import annotations

import gzip as gzip_module
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).parent / "data"
FEEDS_DIR = DATA_DIR / "feeds"


# The README's command runs the suite on two workers (`-n 2 --dist loadgroup`): tests that
# share an expensive session or module fixture go to one worker, which starts it once.
SHARED_FIXTURES = {
    "miniflux_postgres": "miniflux",
    "miniflux_server": "miniflux",
    "ttrss": "ttrss",
    "template_db": "kill-template",
}


@pytest.hookimpl(tryfirst=True)  # (before xdist reads the groups)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        needs = getattr(item, "fixturenames", ())
        group = next((g for name, g in SHARED_FIXTURES.items() if name in needs), None)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture
def feeds_dir() -> Path:
    """tests/data/feeds: golden feed files and their *.expected.json."""
    return FEEDS_DIR


# ---------------------------------------------------------------- loopback feed server


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up mid-reply (timeouts, caps) are what the tests provoke


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "application/rss+xml"
    encoding: str | None = None  # "gzip", "deflate", "raw-deflate" or "br"
    precompressed: bool = False  # body is already encoded with `encoding`
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0  # seconds before the status line is sent
    # The status line waits until the test sets this (a state, where a delay would be
    # a guess at how long the test needs on a busy machine)
    gate: threading.Event | None = None
    content_length: int | None = None  # lie about the length (None: the true one)


@dataclass
class LoggedRequest:
    method: str
    path: str
    headers: dict[str, str]  # keys lower-cased


class FeedServer:
    """A real threaded HTTP/1.1 server on 127.0.0.1 whose routes each test sets.

    server.route("/feed.xml", body=..., gzip=True, etag='"v1"') -> full URL
    server.redirect("/old", "/new", status=301)
    server.requests / server.requests_to(path) -> what clients sent
    server.peak_in_flight -> most requests handled at the same moment
    """

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[LoggedRequest] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # slow handlers must not hold up teardown
        self.port = self._httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str) -> str:
        return self.base + path

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        gzip: bool = False,
        **options: object,
    ) -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        if gzip:
            options["encoding"] = "gzip"
        self.routes[path] = Route(body=body, **options)  # type: ignore[arg-type]
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 301) -> str:
        return self.route(path, status=status, headers={"Location": location}, content_type=None)

    def requests_to(self, path: str) -> list[LoggedRequest]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a delay
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

            def do_GET(self) -> None:
                with server._lock:
                    server.requests.append(
                        LoggedRequest(
                            "GET", self.path, {k.lower(): v for k, v in self.headers.items()}
                        )
                    )
                    server.in_flight += 1
                    server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
                try:
                    self._respond(server.routes.get(self.path.split("?")[0]))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeouts, size caps): expected in tests
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _respond(self, route: Route | None) -> None:
                if route is None:
                    self._send(404, b"not found", {"Content-Type": "text/plain"})
                    return
                if route.delay and server._stopping.wait(route.delay):
                    return
                while route.gate is not None and not route.gate.wait(0.05):
                    if server._stopping.is_set():
                        return
                headers = dict(route.headers)
                if route.content_type:
                    headers.setdefault("Content-Type", route.content_type)
                if route.etag:
                    headers["ETag"] = route.etag
                if route.last_modified:
                    headers["Last-Modified"] = route.last_modified
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                if route.status == 200 and (
                    (route.etag and inm == route.etag)
                    or (route.last_modified and not inm and ims == route.last_modified)
                ):
                    headers.pop("Content-Type", None)
                    self._send(304, b"", headers)
                    return
                body = route.body
                if route.encoding:
                    headers["Content-Encoding"] = (
                        "deflate" if route.encoding == "raw-deflate" else route.encoding
                    )
                    if not route.precompressed:
                        body = _encode(body, route.encoding)
                self._send(route.status, body, headers, route.content_length)

            def _send(
                self, status: int, body: bytes, headers: dict[str, str], length: int | None = None
            ) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if status != 304:
                    self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                if status != 304 and body:
                    self.wfile.write(body)

        return Handler


def _encode(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip_module.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)
    if encoding == "raw-deflate":
        c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        return c.compress(body) + c.flush()
    if encoding == "br":
        import brotli

        return brotli.compress(body)
    raise ValueError(encoding)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- SQLite's hard heap limit, process-wide (tests/sqlite_heap.py) ----------------------
# Without this, every test after one that mounted the app would run under its cap.


@pytest.fixture(autouse=True)
def _sqlite_heap_uncapped() -> Iterator[None]:
    yield
    from sqlite_heap import hard_heap_setter

    setter = hard_heap_setter()
    if setter is not None:
        setter(0)
