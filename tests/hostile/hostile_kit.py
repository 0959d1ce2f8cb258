"""Helpers for the hostile-input suite (imported by its tests): feeds built on the fly, the CLI run for real.

Every payload is generated here (nothing large is committed) and served by the
loopback `feed_server` fixture from tests/conftest.py; nothing touches the internet.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from click.testing import CliRunner

from reader.cli import main

ROOT = Path(__file__).parents[2]

# What must never reach a terminal: ESC, the other C0 controls but tab and newline,
# DEL and the C1 controls (0x9b is a one-byte CSI, 0x9d a one-byte OSC).
TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def assert_no_controls(text: str, where: str = "output") -> None:
    m = TERMINAL_CONTROL.search(text)
    assert m is None, (
        f"{where} carries {m.group()!r} at {m.start()}: {text[max(0, m.start() - 40) : m.end() + 40]!r}"
    )


@dataclass
class Item:
    title: str = "An article"
    guid: str | None = None
    link: str | None = None
    description: str = ""
    author: str | None = None
    pub_date: str | None = None
    categories: tuple[str, ...] = ()
    raw: bool = False  # fields are XML already: insert them unescaped


def _x(value: str, raw: bool) -> str:
    return value if raw else escape(value)


def rss(
    items: Iterable[Item],
    title: str = "Hostile feed",
    link: str = "http://example.invalid/",
    *,
    prolog: str = '<?xml version="1.0" encoding="utf-8"?>\n',
    raw_title: bool = False,
) -> str:
    parts = [
        prolog,
        '<rss version="2.0"><channel>',
        f"<title>{_x(title, raw_title)}</title><link>{escape(link)}</link>",
        "<description>d</description>",
    ]
    for it in items:
        parts.append("<item>")
        parts.append(f"<title>{_x(it.title, it.raw)}</title>")
        if it.guid is not None:
            parts.append(f'<guid isPermaLink="false">{_x(it.guid, it.raw)}</guid>')
        if it.link is not None:
            parts.append(f"<link>{_x(it.link, it.raw)}</link>")
        if it.description:
            parts.append(f"<description>{_x(it.description, it.raw)}</description>")
        if it.author is not None:
            parts.append(f"<author>{_x(it.author, it.raw)}</author>")
        if it.pub_date is not None:
            parts.append(f"<pubDate>{it.pub_date}</pubDate>")
        for c in it.categories:
            parts.append(f"<category>{_x(c, it.raw)}</category>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts)


def simple_rss(n: int, prefix: str = "item", title: str = "Feed", body: str = "text") -> bytes:
    items = (
        Item(
            title=f"{prefix} {i}",
            guid=f"{prefix}-{i}",
            link=f"http://example.invalid/{prefix}/{i}",
            description=body,
            pub_date=f"Mon, 02 Nov 2026 {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d} GMT",
        )
        for i in range(n)
    )
    return rss(items, title=title).encode()


class Cli:
    """The real click command line, in process (CliRunner), on one database."""

    def __init__(self, db: Path, config: Path | None = None) -> None:
        self.db = db
        self.config = config
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | bytes | None = None):
        pre = ["--db", str(self.db)]
        if self.config is not None:
            pre += ["--config", str(self.config)]
        return self.runner.invoke(main, [*pre, *args], input=input, catch_exceptions=False)


def write_config(
    path: Path,
    timeout: float = 3.0,
    connect_timeout: float = 2.0,
    max_body_mb: float = 16,
    concurrency: int = 16,
    per_host: int = 8,
) -> Path:
    path.write_text(
        "[fetch]\n"
        f"timeout = {timeout}\nconnect_timeout = {connect_timeout}\n"
        f"max_body_mb = {max_body_mb}\nconcurrency = {concurrency}\nper_host = {per_host}\n"
    )
    return path


def run_reader(
    db: Path,
    *args: str,
    config: Path | None = None,
    timeout: float = 60,
    env: dict[str, str] | None = None,
    **kw,
) -> subprocess.CompletedProcess[str]:
    """`python -m reader.cli --db DB ARGS` in a subprocess, as a user would run it."""
    cmd = [sys.executable, "-m", "reader.cli", "--db", str(db)]
    if config is not None:
        cmd += ["--config", str(config)]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("READER_DEBUG", None)
    return subprocess.run(
        [*cmd, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=ROOT,
        check=False,
        **kw,
    )


# ---------------------------------------------------------------- payloads

MiB = 1024 * 1024


def zlib_bomb(total_mib: int, kind: str = "gzip") -> bytes:
    """`total_mib` MiB of zeros compressed ~1000:1, built in milliseconds: one
    compressed MiB (after a full flush the stream restarts) repeated, with a true trailer."""
    import struct
    import zlib

    wbits = {"gzip": 31, "deflate": 15, "raw-deflate": -15}[kind]
    chunk = bytes(MiB)
    c = zlib.compressobj(9, zlib.DEFLATED, wbits)
    head = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    mid = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush()
    trailer = {"gzip": 8, "deflate": 4, "raw-deflate": 0}[kind]
    end = end[: len(end) - trailer] if trailer else end
    if kind == "gzip":
        crc = 0
        for _ in range(total_mib):
            crc = zlib.crc32(chunk, crc)
        end += struct.pack("<II", crc, (total_mib * MiB) & 0xFFFFFFFF)
    elif kind == "deflate":
        adler = 1
        for _ in range(total_mib):
            adler = zlib.adler32(chunk, adler)
        end += struct.pack(">I", adler)
    return head + mid * (total_mib - 1) + end


def brotli_bomb(total_mib: int) -> bytes:
    import brotli

    c = brotli.Compressor(quality=5)
    chunk = bytes(MiB)
    return b"".join(c.process(chunk) for _ in range(total_mib)) + c.finish()


# ---------------------------------------------------------------- a scriptable server


class RawServer:
    """A loopback HTTP server whose routes are functions writing to the socket,
    for what FeedServer cannot do: drip, stream forever, reset, lie.

    server.on("/path", fn) where fn(handler) writes the whole response.
    """

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.routes: dict = {}
        self.hits: list[tuple[str, float]] = []
        self.stopping = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                import time

                outer.hits.append((self.path, time.monotonic()))
                fn = outer.routes.get(self.path)
                try:
                    if fn is None:
                        self.send_response(404)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                    else:
                        fn(self)
                except OSError:
                    pass  # the client hung up: what these routes provoke

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # many feeds connect at once
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request: object, client_address: object) -> None:
                pass

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def on(self, path: str, fn) -> str:
        self.routes[path] = fn
        return self.base + path

    def hits_to(self, path: str) -> int:
        return sum(1 for p, _ in self.hits if p == path)

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()


def start_response(h, status: int = 200, headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()


def send_chunk(h, data: bytes) -> None:
    h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
    h.wfile.flush()


def reset_connection(h) -> None:
    """Close with RST (SO_LINGER 0) rather than FIN."""
    import socket
    import struct

    h.close_connection = True
    h.wfile.flush()
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.rfile.close()  # its reference would keep the socket open past close()
    h.connection.close()


# ---------------------------------------------------------------- peak memory of a child

_MEASURE = """
import atexit, sys
def _report(path=sys.argv.pop(1)):
    with open('/proc/self/status') as f:
        hwm = next(line for line in f if line.startswith('VmHWM:'))
    with open(path, 'w') as out:
        out.write(hwm.split()[1])
atexit.register(_report)
sys.argv[0] = 'reader'
from reader.cli import main
main()
"""


def run_reader_measured(
    db: Path, *args: str, config: Path | None = None, timeout: float = 120, tmp: Path | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run the CLI in a child and return (result, its peak resident memory in MB)."""
    import tempfile

    fd, report = tempfile.mkstemp(dir=tmp, suffix=".hwm")
    os.close(fd)
    cmd = [sys.executable, "-c", _MEASURE, report, "--db", str(db)]
    if config is not None:
        cmd += ["--config", str(config)]
    env = {**os.environ}
    env.pop("READER_DEBUG", None)
    result = subprocess.run(
        [*cmd, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
        check=False,
    )
    text = Path(report).read_text().strip()
    os.unlink(report)
    assert text, f"no memory report: {result.stderr}"
    return result, int(text) / 1024


def static(body: bytes, content_type: str = "application/rss+xml", **headers: str):
    """A RawServer route answering 200 with `body` and these headers (Content-Length added)."""

    def route(h) -> None:
        start_response(
            h,
            200,
            {
                "Content-Type": content_type,
                "Content-Length": str(len(body)),
                **{k.replace("_", "-"): v for k, v in headers.items()},
            },
        )
        h.wfile.write(body)

    return route
