"""Soak: the real TUI in a pty for a long while, its feeds changing, keys pressed; memory.

    python benchmarks/bench_soak.py --minutes 60 --feeds 100      # an hour; figures each minute
    python benchmarks/bench_soak.py --smoke                       # ~10 s, 4 feeds; for CI

A loopback server (http.server in a thread of this script) serves N feeds whose items
change every --change seconds: each period adds one item to every feed (titles in
Ukrainian, Japanese and English) and the oldest drops out, with ETag and 304s as a real
site. The TUI (`reader --db DB --config CFG`, refresh_interval = --refresh minutes) runs
in a pty of this script's own (pty_term.py), which reads everything it draws; a key is
pressed every --key-every seconds from a cycle that opens and closes articles, moves
through the sidebar's views, pages, stars, filters and refreshes (R). Every --sample seconds the
resident memory (VmRSS) of the TUI and of its descendants (the refresh child, its
forkserver and workers) is read from /proc.

Printed: one line a minute, then the TUI's RSS after the warm-up (--warmup minutes)
and at the end, its growth per 10 minutes after the warm-up (least squares over the
samples), the most the descendants held, and how many refreshes the server saw. The
figures are printed, never asserted (the README keeps the runs).
"""

from __future__ import annotations

import argparse
import email.utils
import signal
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from common import READER, machine, subscribed_db
from proc_sample import descendants
from pty_term import PtyApp

TITLES = (
    "Рада Європи ухвалила резолюцію щодо війни в Україні",
    "東京の新しい鉄道路線が開業、通勤時間が短縮",
    "Compilers notes: register allocation in a weekend",
    "Суспільство: у Києві відкрили нову бібліотеку",
    "地震速報：関東地方で震度3",
    "Orbital mechanics for the curious, part two",
)
TAGS = ("Війна в Україні", "суспільство", "テック", "tech", "space")

# One key every --key-every seconds, in this order, over and over: each cycle ends
# where it began (the headline list focused, no article open, no filter).
KEYS = (
    b"j", b"j", b"\r", b"j", b" ", b"\x1b",   # open an article, scroll, close it
    b"n", b"\x1b", b"k",                       # next unread (opens it), close
    b"h", b"j", b"l", b"G", b"g",              # the next view in the sidebar, its ends
    b"h", b"j", b"l", b"\r", b"\x1b",
    b"s", b"s",                                # star, unstar
    b"/", b"+tech", b"\r", b"j", b"\r", b"\x1b",   # a filter, an article in it
    b"/", b"\x15", b"\r",                      # the filter cleared (ctrl+u, Enter)
    b"h", b"g", b"l",                          # back to the first view
    b"R",                                      # refresh everything now
)


class FeedServer:
    """Feeds whose items change every `change` seconds; each GET is counted."""

    def __init__(self, feeds: int, items: int, change: float) -> None:
        self.feeds, self.items, self.change = feeds, items, change
        self.started = time.time()
        self.requests = 0
        self.full = 0  # answered 200 (not 304)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server.answer(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.port}/feed{i}.xml" for i in range(self.feeds)]

    def period(self) -> int:
        return int((time.time() - self.started) // self.change)

    def document(self, feed: int, period: int) -> bytes:
        items = []
        for n in range(period, max(-1, period - self.items), -1):
            title = TITLES[(feed + n) % len(TITLES)]
            when = email.utils.formatdate(self.started + n * self.change, usegmt=True)
            tag = TAGS[(feed + n) % len(TAGS)]
            link = f"http://127.0.0.1:{self.port}/posts/{feed}/{n}"
            body = (f"<p>{title} ({n}). " + "Текст новини, ニュースの本文, body text. " * 20
                    + f'<a href="{link}/more">more</a></p>')
            body = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            items.append(
                f"<item><title>{title} #{n}</title><link>{link}</link><guid>{link}</guid>"
                f"<pubDate>{when}</pubDate><category>{tag}</category>"
                f"<description>{body}</description></item>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Soak feed {feed} Стрічка</title><link>http://127.0.0.1/</link>"
            f"<description>soak</description>{''.join(items)}</channel></rss>"
        ).encode()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        name = handler.path.lstrip("/")
        with self._lock:
            self.requests += 1
        if not (name.startswith("feed") and name.endswith(".xml")):
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        feed, period = int(name[4:-4]), self.period()
        etag = f'"{feed}-{period}"'
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        with self._lock:
            self.full += 1
        body = self.document(feed, period)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("ETag", etag)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def slope_per_10min(samples: list[tuple[float, float]]) -> float:
    """Least-squares growth of (seconds, MB) samples, in MB per 10 minutes."""
    if len(samples) < 2:
        return float("nan")
    n = len(samples)
    mx = sum(t for t, _ in samples) / n
    my = sum(m for _, m in samples) / n
    var = sum((t - mx) ** 2 for t, _ in samples)
    if not var:
        return float("nan")
    return sum((t - mx) * (m - my) for t, m in samples) / var * 600


def soak(args: argparse.Namespace, workdir: Path) -> None:
    server = FeedServer(args.feeds, args.items, args.change)
    db = subscribed_db(server.urls(), workdir / "soak.db")
    config = workdir / "config.toml"
    config.write_text(f"refresh_interval = {args.refresh}\n")
    print(f"machine: {machine()}")
    print(f"{args.feeds} feeds of {args.items} items, a new item each every {args.change:g} s; "
          f"refresh_interval {args.refresh:g} min; a key every {args.key_every:g} s; "
          f"{args.minutes:g} min, warm-up {args.warmup:g} min; terminal {args.size}")
    cols, rows = (int(x) for x in args.size.split("x"))
    cmd = [READER, "--db", str(db), "--config", str(config)]
    samples: list[tuple[float, float]] = []  # (seconds since launch, TUI MB)
    most_children = 0.0
    keys_pressed = 0
    with PtyApp(cmd, cols, rows) as app:
        app.wait_text("\u25cf", timeout=60)  # a headline row's mark: the first screen
        start = time.monotonic()
        end = start + args.minutes * 60
        next_key, next_sample, next_line = start, start, start + 60
        key_index = 0
        while (now := time.monotonic()) < end:
            if app.proc.poll() is not None:
                raise SystemExit(f"the TUI exited ({app.proc.returncode}) after "
                                 f"{(now - start) / 60:.1f} min")
            if now >= next_key:
                app.write(KEYS[key_index % len(KEYS)])
                key_index += 1
                keys_pressed += 1
                next_key += args.key_every
            if now >= next_sample:
                tui = rss_kb(app.proc.pid) / 1024
                children = sum(rss_kb(p) for p in descendants(app.proc.pid)) / 1024
                most_children = max(most_children, children)
                samples.append((now - start, tui))
                next_sample += args.sample
            if now >= next_line:
                print(f"  {(now - start) / 60:5.1f} min  TUI {samples[-1][1]:6.1f} MB  "
                      f"children {children:6.1f} MB  requests {server.requests} "
                      f"(200: {server.full})  keys {keys_pressed}", flush=True)
                next_line += 60
            app.read(min(next_key, next_sample, end) - now)
            app.output = b""  # what it drew is not kept: this script's memory stays flat
        app.write(b"\x1b")
        app.settle(0.3)
        app.write(b"q")
        try:
            quit_code = app.proc.wait(10)
        except Exception:
            quit_code = None
    server.close()
    warm = [m for t, m in samples if t >= args.warmup * 60] or [m for _, m in samples]
    after = [(t, m) for t, m in samples if t >= args.warmup * 60]
    print(f"TUI resident memory: first {samples[0][1]:.1f} MB, after the warm-up "
          f"{warm[0]:.1f} MB, at the end {samples[-1][1]:.1f} MB "
          f"(end - after warm-up {samples[-1][1] - warm[0]:+.1f} MB; "
          f"min {min(warm):.1f}, max {max(warm):.1f} MB after the warm-up)")
    print(f"growth after the warm-up: {slope_per_10min(after):+.2f} MB per 10 min "
          f"({len(after)} samples)")
    print(f"descendants (refresh child, forkserver, workers): at most {most_children:.1f} MB")
    print(f"server: {server.requests} requests, {server.full} answered 200; "
          f"{keys_pressed} keys pressed; quit with status {quit_code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0, help="minutes")
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=30, help="items in each feed")
    parser.add_argument("--change", type=float, default=60.0, help="seconds between new items")
    parser.add_argument("--refresh", type=float, default=1.0, help="refresh_interval, minutes")
    parser.add_argument("--key-every", type=float, default=3.0, help="seconds")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds")
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--smoke", action="store_true", help="about 10 s, 4 feeds (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.minutes, args.warmup, args.feeds, args.items = 0.12, 0.04, 4, 5
        args.change, args.refresh, args.key_every, args.sample = 3.0, 0.05, 0.3, 1.0
    if not Path(READER).exists():
        sys.exit(f"needs the reader script beside this Python ({READER})")
    # kill (SIGTERM) ends the soak as Ctrl+C does: the TUI is stopped, not left behind
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("soak stopped (SIGTERM)"))
    with tempfile.TemporaryDirectory(prefix="reader-soak-") as tmp:
        soak(args, Path(tmp))


if __name__ == "__main__":
    main()
