"""Responsiveness: the longest stall of the TUI's event loop while it refreshes a corpus.

    python benchmarks/bench_stall.py ../shared/corpus      # in a real terminal (tmux) and headless
    python benchmarks/bench_stall.py --smoke               # headless, tiny corpus; for CI

The app (make_app, as the CLI runs it) gets a 5 ms interval timer; each tick records
the time since the previous one. While the event loop is blocked (no input handled, no
frame drawn) no tick runs, so the longest gap minus 5 ms is the longest stall. The
refresh of every feed (served over loopback, as in bench_refresh.py) starts once the
first screen is up; measuring stops 2 s after the refresh, the reload after it and the
search index it leaves to build (the refresh's child indexes after the headlines) are
all done.
In tmux the app draws to a real terminal; headless (App.run_test) it draws nothing.
Each is measured twice: the app as the CLI runs it (run_app: its GC tuning on), and
with its library's refresh() always running in a child process (off the app's
GIL). --untuned-gc adds both without the app's GC tuning, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import inspect
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_refresh import index_lacking
from common import HERE, generate_corpus, machine, resolve_corpus, subscribed_db
from serve import serve

TICK = 0.005
AFTER = 2.0  # seconds measured after the refresh ends: the reload it triggers


def stall_app(db: Path, child: bool = False, tune_gc: bool = True):
    """A ReaderApp that refreshes everything once its first screen is up, timing its loop.

    child: the app's library.refresh() runs with in_child=True (the refresh in a
    child process) whatever the app calls; else the app runs as it is.
    tune_gc: the app's garbage-collector tuning, as run_app (the CLI) turns it on."""
    from textual.worker import WorkerState

    import reader.ui.app
    from reader.core.config import Config
    from reader.core.library import Library
    from reader.ui.app import ReaderApp

    class StallApp(ReaderApp):
        # CSS_PATH is relative to the module of the class: point it back at the app's.
        CSS_PATH = str(Path(reader.ui.app.__file__).with_name(str(ReaderApp.CSS_PATH)))

        def on_ready(self) -> None:
            self.gaps: list[float] = []
            self.last = time.perf_counter()
            self.started = self.last
            self.ended: float | None = None
            self.indexed: float | None = None  # when the index had every article
            self.set_interval(TICK, self.tick)
            self.start_refresh()
            threading.Thread(target=self.watch_index, daemon=True).start()

        def watch_index(self) -> None:
            """Off the loop (its own connection): when the index has caught up, after the
            refresh (the child indexes after reporting the headlines)."""
            while self.ended is None:
                time.sleep(0.02)
            while index_lacking(db):
                time.sleep(0.02)
            self.indexed = time.perf_counter()

        def tick(self) -> None:
            now = time.perf_counter()
            self.gaps.append(now - self.last)
            self.last = now
            if self.ended is None and not any(
                w.group == "refresh" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                for w in self.workers
            ):
                self.ended = now
            if self.indexed is not None and now - max(self.ended, self.indexed) > AFTER:
                self.exit()

        def figures(self) -> dict:
            gaps = sorted(self.gaps)
            stalls = [g - TICK for g in gaps]
            return {
                "refresh_s": (self.ended or self.last) - self.started,
                "index_s": (self.indexed or self.last) - self.started,
                "ticks": len(gaps),
                "max_stall_ms": max(stalls) * 1000,
                "p99_stall_ms": stalls[int(len(stalls) * 0.99)] * 1000,
                "stalls_over_50ms": sum(s > 0.05 for s in stalls),
                "stalls_over_16ms": sum(s > 0.016 for s in stalls),
                "articles": self.library.totals()["total"],
            }

    class ChildRefreshLibrary(Library):
        def refresh(self, refs=None, **options):
            if hasattr(Library, "refresh_in_child"):  # a reader from before refresh(in_child=)
                return self.refresh_in_child(refs, **options)
            return super().refresh(refs, **{**options, "in_child": True})

    config = Config(refresh_interval=0)  # no timer refreshes: only the one started here
    library = (ChildRefreshLibrary if child else Library)(db, config)
    options = {"background_refresh": False}
    if "tune_gc" in inspect.signature(ReaderApp.__init__).parameters:
        options["tune_gc"] = tune_gc
        if tune_gc:
            gc.disable()  # as run_app does: the app turns it back on after its first screen
    return StallApp(library, config, **options)


async def headless(db: Path, child: bool = False, tune_gc: bool = True) -> dict:
    app = stall_app(db, child, tune_gc)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            while app.is_running:
                await pilot.pause(0.1)
    finally:  # the next run in this process starts from Python's defaults
        gc.unfreeze()
        gc.set_threshold(700, 10, 10)
        gc.enable()
    return app.figures()


def inside(db: Path, out: Path, child: bool, tune_gc: bool) -> None:
    """Run in a terminal (tmux starts this); write the figures to `out`."""
    app = stall_app(db, child, tune_gc)
    app.run()
    out.write_text(json.dumps(app.figures()))


def in_tmux(db: Path, work: Path, child: bool, tune_gc: bool, size: str = "160x48") -> dict:
    # A socket of its own each time: a server still going away makes new-session fail.
    out, sock = work / "figures.json", work / f"tmux-{time.monotonic_ns()}.sock"
    cols, rows = size.split("x")
    cmd = [
        sys.executable,
        str(HERE / "bench_stall.py"),
        "--inside",
        str(db),
        str(out),
        f"{int(child)}{int(tune_gc)}",
    ]
    tmux = ["tmux", "-S", str(sock), "-f", "/dev/null"]
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "main", "-x", cols, "-y", rows, *cmd], check=True
    )
    try:
        deadline = time.time() + 300
        while not out.exists() and time.time() < deadline:
            time.sleep(0.2)
        if not out.exists():
            screen = subprocess.run(
                [*tmux, "capture-pane", "-p", "-t", "main"], capture_output=True, text=True
            ).stdout
            raise RuntimeError(f"no figures from the app in tmux; its screen:\n{screen}")
        return json.loads(out.read_text())
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


def show(name: str, f: dict) -> None:
    print(
        f"{name:27} longest stall {f['max_stall_ms']:6.1f} ms   p99 {f['p99_stall_ms']:5.1f} ms   "
        f"stalls >16 ms: {f['stalls_over_16ms']:3d}   >50 ms: {f['stalls_over_50ms']:2d}   "
        f"refresh {f['refresh_s']:5.1f} s, indexed {f.get('index_s', 0):5.1f} s, "
        f"{f['articles']:,} articles"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-tmux", action="store_true", help="headless only")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument(
        "--untuned-gc", action="store_true", help="also measure without the app's GC tuning"
    )
    parser.add_argument("--inside", nargs=3, metavar=("DB", "OUT", "CHILD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        inside(
            Path(args.inside[0]),
            Path(args.inside[1]),
            args.inside[2][0] == "1",
            args.inside[2][1] == "1",
        )
        return
    work = Path(tempfile.mkdtemp(prefix="reader-bench-stall-"))
    try:
        if args.smoke:
            folder, what, args.runs, args.no_tmux = work / "corpus", "generated (smoke)", 1, True
            generate_corpus(folder, 4, 5)
        else:
            folder, what = resolve_corpus(args.corpus, work)
        use_tmux = not args.no_tmux and shutil.which("tmux") is not None
        with serve(folder, use_nginx=not args.smoke) as served:
            print(f"machine: {machine()}")
            print(f"corpus: {what}, served by {served.kind}; tick {TICK * 1000:.0f} ms")
            template = subscribed_db(served.urls, work / "template.db")
            for run in range(args.runs):
                modes = [("headless", False, True), ("headless, child", True, True)]
                if use_tmux:
                    modes += [("tmux", False, True), ("tmux, child", True, True)]
                if args.untuned_gc:
                    modes += [(f"{n}, untuned gc", c, False) for n, c, _ in modes]
                for name, child, tune_gc in modes:
                    db = work / f"run{run}.db"
                    for p in work.glob(db.name + "*"):
                        p.unlink()
                    shutil.copy(template, db)
                    figures = (
                        in_tmux(db, work, child, tune_gc)
                        if name.startswith("tmux")
                        else asyncio.run(headless(db, child, tune_gc))
                    )
                    (work / "figures.json").unlink(missing_ok=True)
                    show(name, figures)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
