"""The TUI's event loop while a background prefetch fetches 500 article pages.

    python benchmarks/bench_prefetch_stall.py [--pages 500] [--hosts 4] [--runs 1] [--smoke]

Issue 14's target: a background prefetch of 500 articles keeps the TUI's longest
event-loop stall under 50 ms. Four feeds (full_text=always), one on each of
127.0.0.1..4, hold `--pages` articles whose links are news pages on the same
loopback server (a separate process: real article bodies from the corpus's
full-content feeds in a news page's layout, as bench_extract.py makes them, else the
hand-made pages of tests/data/pages). The feeds are added before the app starts, so
what the app's refresh does is the prefetch: it runs in the refresh's child process
(refresh_child.py), at most PREFETCH_LIMIT pages a run, so the app refreshes again
whenever a run has ended, until every page is stored.

The app is ReaderApp as the CLI runs it (its GC tuning, the database watch on) with a
5 ms interval timer whose gaps are the stalls (as bench_stall.py). Headless
(App.run_test) and in a real terminal: a pty of the script's own (pty_term.py), the
app drawing to it. Printed: the longest stall and p99, the stalls over 16 and 50 ms,
pages stored, pages/s (first refresh to the last page stored), and the CPU seconds of
the refresh children (they are reaped by the app: RUSAGE_CHILDREN).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

TICK = 0.005
AFTER = 2.0  # seconds measured after the last page: the app's reaction to it
PAGES = ROOT / "tests" / "data" / "pages"
SIZE = (160, 48)


# -- the site: pages and feeds, served by a process of its own --------------------------------


def make_site(folder: Path, pages: int, hosts: int, port: int, corpus: Path) -> list[str]:
    """Page files and one feed per host in `folder`; the feeds' URLs."""
    from bench_extract import corpus_pages

    bodies = folder / "bodies"
    bodies.mkdir()
    names = corpus_pages(corpus, bodies, 100) if corpus.is_dir() else []
    sources = [bodies / f"{n}.html" for n in names] or [
        PAGES / f"{n}.html" for n in ("uk_news", "ja_news", "en_news", "en_blog")]
    items: dict[int, list[str]] = {h: [] for h in range(hosts)}
    for i in range(pages):
        host = i % hosts
        html = sources[i % len(sources)].read_text(encoding="utf-8")
        # each page its own story (a number in it), so none is a copy of another
        html = html.replace("<body>", f"<body><p hidden>story {i}</p>", 1)
        (folder / f"p{i:04d}.html").write_text(html, encoding="utf-8")
        link = f"http://127.0.0.{host + 1}:{port}/p{i:04d}.html"
        when = formatdate(time.time() - i * 60, usegmt=True)
        items[host].append(
            f"<item><title>Новина {i}: story {i}</title><link>{link}</link><guid>g{i}</guid>"
            f"<pubDate>{when}</pubDate><description>Короткий анонс {i}.</description></item>")
    urls = []
    for host, entries in items.items():
        (folder / f"feed{host}.xml").write_text(
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Агенція {host}</title><link>http://127.0.0.{host + 1}/</link>"
            f"{''.join(entries)}</channel></rss>", encoding="utf-8")
        urls.append(f"http://127.0.0.{host + 1}:{port}/feed{host}.xml")
    return urls


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    folder: Path = Path(".")
    stamp = formatdate(time.time() - 3600, usegmt=True)

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        path = self.folder / self.path.lstrip("/").split("?")[0]
        if "/" in self.path.lstrip("/") or not path.is_file():
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        etag = f'"{path.stat().st_size}-{path.name}"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        body = path.read_bytes()
        kind = "application/rss+xml" if path.suffix == ".xml" else "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", self.stamp)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def run_server(folder: Path, port: int, hosts: int) -> None:
    _Handler.folder = folder
    servers = [ThreadingHTTPServer((f"127.0.0.{i + 1}", port), _Handler) for i in range(hosts)]
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    servers[0].serve_forever()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder: Path, port: int, hosts: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(folder), str(port),
                             str(hosts)], start_new_session=True)
    for _ in range(200):
        try:
            socket.create_connection((f"127.0.0.{hosts}", port), timeout=0.1).close()
            return proc
        except OSError:
            time.sleep(0.025)
    proc.kill()
    raise RuntimeError("the page server did not start")


def subscribed(urls: list[str], db: Path) -> None:
    from reader.core.config import Config
    from reader.core.library import Library

    library = Library(db, Config())
    try:
        for url in urls:
            feed, _ = library.add_feed(url)
            library.set_feed_settings(feed.id, {"full_text": "always"})
    finally:
        library.close()


# -- the app ---------------------------------------------------------------------------------


def stall_app(db: Path, pages: int, idle: float = 0.0):
    """A ReaderApp that refreshes until `pages` pages are stored, timing its loop; or,
    with `idle` seconds, one that does nothing for that long (the host's own stalls)."""
    import reader.ui.app
    from reader.core.config import Config
    from reader.core.library import Library
    from reader.ui.app import ReaderApp

    class PrefetchStallApp(ReaderApp):
        CSS_PATH = str(Path(reader.ui.app.__file__).with_name(str(ReaderApp.CSS_PATH)))

        def on_ready(self) -> None:
            self.gaps: list[float] = []
            self.last = self.started = time.perf_counter()
            self.cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            self.stored = 0
            self.refreshes = 0
            self.last_page_at: float | None = None
            self.ended: float | None = None
            self.set_interval(TICK, self.tick)
            if idle:
                self.set_timer(idle, self.stop)
            else:
                threading.Thread(target=self.count, daemon=True, name="bench-count").start()

        def stop(self) -> None:
            self.ended = time.perf_counter()

        def on_database_checked(self, event) -> None:
            # what the database watch saw: "views" reloads the view, "pages" (pages
            # stored, no headline changed) does not
            # (an older build's `changed` is a bool: True reloaded the view)
            kind = "views" if event.changed is True else (event.changed or "nothing")
            looks = self.__dict__.setdefault("looks", {})
            looks[kind] = looks.get(kind, 0) + 1
            super().on_database_checked(event)

        def tick(self) -> None:
            now = time.perf_counter()
            self.gaps.append(now - self.last)
            self.last = now
            if self.ended is not None and now - self.ended > AFTER:
                self.exit()

        def busy_refreshing(self) -> bool:
            # the refresh worker, then the thread that waits for a child still fetching pages
            return any(w.group == "refresh" and not w.is_finished for w in self.workers) or any(
                t.name == "reader-refresh-pages" and t.is_alive() for t in threading.enumerate())

        def count(self) -> None:
            """A thread (no SQLite on the loop, even here): the pages stored, 4 times a second."""
            import sqlite3

            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                while self.ended is None and self.is_running:
                    (stored,) = conn.execute("SELECT count(*) FROM full_articles").fetchone()
                    self.call_from_thread(self.counted, stored)
                    time.sleep(0.25)
            finally:
                conn.close()

        def counted(self, stored: int) -> None:
            now = time.perf_counter()
            if stored != self.stored:
                self.stored, self.last_page_at = stored, now
            if self.busy_refreshing():
                return
            if stored >= pages or self.refreshes >= pages // 100 + 3:
                self.ended = now
                return
            self.refreshes += 1
            self.start_refresh()

        def figures(self) -> dict:
            stalls = sorted(g - TICK for g in self.gaps)
            cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
            took = (self.last_page_at or self.last) - self.started
            return {
                "max_stall_ms": stalls[-1] * 1000,
                "p99_stall_ms": stalls[int(len(stalls) * 0.99)] * 1000,
                "stalls_over_50ms": sum(s > 0.05 for s in stalls),
                "stalls_over_16ms": sum(s > 0.016 for s in stalls),
                "ticks": len(stalls),
                "pages": self.stored,
                "refreshes": self.refreshes,
                "seconds": took,
                "pages_per_s": self.stored / took if took > 0 else 0.0,
                "child_cpu_s": (cpu.ru_utime + cpu.ru_stime)
                - (self.cpu_before.ru_utime + self.cpu_before.ru_stime),
                "reloads": self.__dict__.get("looks", {}).get("views", 0),
                "pages_only": self.__dict__.get("looks", {}).get("pages", 0),
            }

    config = Config(refresh_interval=0)  # no timer refreshes: only the ones started here
    gc.disable()  # as run_app does: the app turns it back on after its first screen
    return PrefetchStallApp(Library(db, config), config, background_refresh=False,
                            tune_gc=True, watch_db=os.environ.get("BENCH_WATCH_DB", "1") == "1")


async def headless(db: Path, pages: int, idle: float = 0.0) -> dict:
    from reader.ui.app import SWITCH_INTERVAL

    switch = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    app = stall_app(db, pages, idle)
    try:
        async with app.run_test(size=SIZE) as pilot:
            while app.is_running:
                await pilot.pause(0.1)
    finally:
        sys.setswitchinterval(switch)
        gc.unfreeze()
        gc.set_threshold(700, 10, 10)
        gc.enable()
        app.library.close()
    return app.figures()


def inside(db: Path, out: Path, pages: int) -> None:
    """In the pty: run the app as run_app does; write the figures to `out`."""
    from reader.ui.app import SWITCH_INTERVAL

    sys.setswitchinterval(SWITCH_INTERVAL)
    app = stall_app(db, pages)
    app.run()
    out.write_text(json.dumps(app.figures()))


def in_pty(db: Path, work: Path, pages: int) -> dict:
    from pty_term import PtyApp

    out = work / "figures.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, __file__, "--inside", str(db), str(out), str(pages)]
    with PtyApp(cmd, *SIZE) as app:
        deadline = time.monotonic() + 600
        while not out.exists() and time.monotonic() < deadline:
            app.read(0.1)  # the terminal reads what the app draws (else its writes block)
        if not out.exists():
            raise RuntimeError(f"no figures from the app; its screen:\n{app.output[-2000:]!r}")
    return json.loads(out.read_text())


def show(name: str, f: dict) -> None:
    print(f"{name:9} longest stall {f['max_stall_ms']:6.1f} ms   p99 {f['p99_stall_ms']:5.1f} ms"
          f"   >16 ms: {f['stalls_over_16ms']:3d}   >50 ms: {f['stalls_over_50ms']:2d}   "
          f"{f['pages']} pages in {f['seconds']:.1f} s ({f['pages_per_s']:.1f}/s,"
          f" {f['refreshes']} refreshes), children's CPU {f['child_cpu_s']:.1f} s")
    if "reloads" in f:
        print(f"{'':9} database watch: {f['reloads']} view reloads, {f['pages_only']} looks that"
              " saw only pages stored (no reload)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--hosts", type=int, default=4)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--no-pty", action="store_true")
    ap.add_argument("--baseline", action="store_true",
                    help="also the idle app for as long, headless: the host's own stalls")
    ap.add_argument("--smoke", action="store_true", help="20 hand-made pages, headless only")
    ap.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--inside", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        run_server(Path(args.serve[0]), int(args.serve[1]), int(args.serve[2]))
        return
    if args.inside:
        inside(Path(args.inside[0]), Path(args.inside[1]), int(args.inside[2]))
        return
    if args.smoke:  # the hand-made pages only, headless
        args.pages, args.runs, args.no_pty, args.corpus = 20, 1, True, Path("/nonexistent")
    work = Path(tempfile.mkdtemp(prefix="reader-bench-prefetch-"))
    port = free_port()
    site = work / "site"
    site.mkdir()
    urls = make_site(site, args.pages, args.hosts, port, args.corpus)
    server = start_server(site, port, args.hosts)
    try:
        template = work / "template.db"
        subscribed(urls, template)
        print(f"{args.pages} pages on {args.hosts} hosts; load {os.getloadavg()[0]:.1f}")
        for _ in range(args.runs):
            modes = ["headless"] + ([] if args.no_pty else ["pty"])
            for mode in modes:
                db = work / "run.db"
                for p in work.glob("run.db*"):
                    p.unlink()
                shutil.copy(template, db)
                figures = (asyncio.run(headless(db, args.pages)) if mode == "headless"
                           else in_pty(db, work, args.pages))
                show(mode, figures)
                if args.baseline and mode == "headless":
                    show("idle", asyncio.run(headless(db, 0, idle=figures["seconds"])))
    finally:
        os.killpg(server.pid, 15)
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
