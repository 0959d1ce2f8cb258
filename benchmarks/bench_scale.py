"""Scale: the TUI and `reader list` on databases of 10k, 100k and 1M articles.

    python benchmarks/bench_scale.py                    # 10k, 100k and 1M; tmux needed for the TUI
    python benchmarks/bench_scale.py --sizes 100k --newsboat
    python benchmarks/bench_scale.py --smoke            # seconds; for CI

Databases come from make_db.py (feeds of 1,000 articles, ~3 KB of HTML each) and are
kept in --dbdir, so a second run starts at once. The TUI runs in a real terminal: a
tmux pane of --size, read with capture-pane (bench_tui.py's helpers), so every figure
is key press (or launch) to changed screen, tmux's capture latency included.
"Core" figures are the same queries timed in-process, without the UI: what a tag
switch or a search costs the database (the count is the one the TUI's header uses).
A search is timed from the paste of the word and Enter to the frame whose header names
the new view (the TUI changes header and rows together), and on to its count.
--only-search skips the other TUI figures. --newsboat times newsboat's first screen on a
cache of 100 feeds x 1,000 items (made by one `newsboat -x reload` from a loopback server).

The databases are shared between runs (an hour to build at 1M): one whose schema differs
from this reader's is refused, since opening it would migrate it; measure a copy.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_tui as tui
import make_db
import pty_term
from common import (
    READER,
    generate_corpus,
    machine,
    median,
    newsboat,
    newsboat_files,
    newsboat_reload,
)
from serve import serve

from reader.core.library import Library
from reader.core.storage.store import SCHEMA_VERSION

SIZES = {"10k": 10, "100k": 100, "1m": 1000}  # feeds of 1,000 articles
# From make_db's vocabulary: in ~99%, ~12% and ~0.7% of the articles.
ALL_VIEW = re.compile(r" All\s+[\d,]+ articles")  # the header of All, with its count
HEADER_TAG = re.compile(r"reader  \w+  \[\+")  # the header of a tag's view: "reader  news  [+news]"
QUERIES = {"common word": "river", "medium word": "kalo", "rare word": "tesuno"}
READER_CMD = [READER]  # (--source: another tree's reader package, e.g. a build before a change)


def database(dbdir: Path, size: str, smoke: bool) -> Path:
    feeds, articles = (3, 200) if smoke else (SIZES[size], 1000)
    path = dbdir / f"articles-{feeds * articles // 1000}k.db"
    if not path.exists():
        start = time.perf_counter()
        make_db.build(path, feeds, articles)
        print(
            f"  built {path} ({path.stat().st_size / 1e6:.0f} MB)"
            f" in {time.perf_counter() - start:.0f} s"
        )
    return path


def median_of(fn, runs: int) -> float:
    return median([fn() for _ in range(runs)])


def core_figures(db: Path, runs: int) -> dict[str, float]:
    """In-process: open + first screenful, and each view's first 200 ids plus its count."""
    out = {}

    def first_screen() -> float:
        start = time.perf_counter()
        lib = Library(db)
        lib.headlines(lib.article_ids("", limit=200)[:60])
        lib.totals()
        elapsed = time.perf_counter() - start
        lib.close()
        return elapsed

    out["open + first 60 headlines"] = median_of(first_screen, runs)
    lib = Library(db)
    tag = lib.tags()[0]
    for name, text in [(f"tag +{tag}", f"+{tag}")] + [
        (f"search {q!r} ({k})", q) for k, q in QUERIES.items()
    ]:

        def view(text: str = text) -> float:
            start = time.perf_counter()
            lib.headlines(lib.article_ids(text, limit=200)[:60])
            return time.perf_counter() - start

        def count(text: str = text) -> float:
            start = time.perf_counter()
            getattr(lib, "count_view", lib.count)(text)  # (count: readers before count_view)
            return time.perf_counter() - start

        out[f"{name}: first 200"] = median_of(view, runs)
        out[f"{name}: count"] = median_of(count, runs)
    lib.close()
    return out


def reader_list(db: Path, query: str, runs: int) -> tuple[float, int]:
    lines = 0

    def once() -> float:
        nonlocal lines
        start = time.perf_counter()
        out = subprocess.run(
            [*READER_CMD, "--db", str(db), "list", query], capture_output=True, text=True,
            check=True
        )
        lines = out.stdout.count("\n")
        return time.perf_counter() - start

    return median_of(once, runs), lines


def start_pane(cmd: list[str], size: str) -> float:
    """A fresh tmux server running cmd; returns when it was started."""
    tui.tmux("kill-server")
    time.sleep(0.5)  # a tmux server that is still going away makes new-session fail
    cols, rows = size.split("x")
    started = time.perf_counter()
    tui.tmux("new-session", "-d", "-s", "main", "-x", cols, "-y", rows, *cmd)
    return started


def send(*keys: str) -> None:
    tui.tmux("send-keys", "-t", "main", *keys)


def wait_for(text: str, start: float, timeout: float = 30, header: bool = True) -> float:
    """Seconds from start until text is on screen (header: in the top line, reader's header;
    text may be a compiled regular expression)."""
    while time.perf_counter() - start < timeout:
        screen = tui.tmux("capture-pane", "-p", "-t", "main")
        where = (screen.splitlines() or [""])[0] if header else screen
        if text.search(where) if isinstance(text, re.Pattern) else text in where:
            return time.perf_counter() - start
        time.sleep(0.002)
    raise TimeoutError(f"{text!r} not on screen:\n" + tui.tmux("capture-pane", "-p", "-t", "main"))


def key_to_header(key: str, text: str | re.Pattern[str]) -> float:
    tui.settle()
    start = time.perf_counter()
    send(key)
    return wait_for(text, start)


def search_figures(fig: dict[str, list[float]], runs: int) -> None:
    """Key to results and key to count of each search word, from the All view. The header
    names the view in the frame that shows its first rows, and its count comes after."""
    for kind, word in QUERIES.items():
        shown, counted = f"search {word!r} ({kind})", f"search {word!r}: key to count"
        fig[shown], fig[counted] = [], []
        for _ in range(runs):
            send("/")
            tui.settle(0.2)
            send("C-u")
            tui.settle(0.2)
            start = time.perf_counter()  # one paste (as one event) and Enter
            tui.tmux(
                "set-buffer",
                word,
                ";",
                "paste-buffer",
                "-p",
                "-t",
                "main",
                ";",
                "send-keys",
                "-t",
                "main",
                "Enter",
            )
            fig[shown].append(wait_for(f"Filter: {word}", start))
            pattern = re.compile(rf"Filter: {word}\s+[\d,]+ articles?")
            fig[counted].append(wait_for(pattern, start))
            send("/")  # back to All: the box emptied (Ctrl+U) and Enter
            tui.settle(0.2)
            send("C-u", "Enter")
            wait_for(re.compile(r" All\s+[\d,]+ articles"), time.perf_counter(), timeout=60)
            tui.settle(0.3)


def check_schema(db: Path, allow_migrate: bool) -> None:
    """Refuse a database this code would migrate (unless asked): the scale databases take
    an hour to build, are shared between runs and sessions, and a migration rewrites them."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()
    if version != SCHEMA_VERSION and not allow_migrate:
        sys.exit(
            f"{db} has schema {version} and this reader has schema {SCHEMA_VERSION}: opening it"
            " would migrate it. Measure a copy (--dbdir), or pass --allow-migrate."
        )


def tui_figures(
    db: Path, size: str, runs: int, only_search: bool = False
) -> dict[str, list[float]]:
    fig: dict[str, list[float]] = {}
    cmd = [*READER_CMD, "--db", str(db)]
    try:
        start_pane(["cat"], size)  # the floor: tmux's own key-to-screen latency
        fig["floor: key to echo in cat"] = [tui.key_to_repaint("x") for _ in range(runs * 4)]
        launches = 1 if only_search else runs
        fig["launch to first headlines"] = [tui.launch(cmd, size) for _ in range(launches)]
        tui.settle(1.0)
        fig["resident memory after launch (MB)"] = [tui.rss_mb()]
        if only_search:
            search_figures(fig, runs)
            tui.settle(0.5)
            fig["resident memory at the end (MB)"] = [tui.rss_mb()]
            return fig
        fig["cursor move (j)"] = [tui.key_to_repaint("j") for _ in range(runs * 4)]
        fig["page down (space)"] = [tui.key_to_repaint("Space") for _ in range(runs * 2)]
        fig["jump to the end (G)"] = [tui.key_to_repaint(k) for k in ["G", "g"] * runs][::2]
        send("h")  # the sidebar: All, Unread, Starred, then the first tag and its feeds
        for _ in range(3):
            tui.key_to_repaint("j")
        # The sidebar's cursor moves in one frame and the view follows: timed to the
        # header naming the new view (before, to the first change: the cursor alone).
        fig["tag -> feed (sidebar j)"], fig["feed -> tag (sidebar k)"] = [], []
        for _ in range(runs):
            fig["tag -> feed (sidebar j)"].append(key_to_header("j", "Feed: "))
            fig["feed -> tag (sidebar k)"].append(key_to_header("k", HEADER_TAG))
        send("l")
        search_figures(fig, runs)
        tui.settle(0.5)
        fig["resident memory at the end (MB)"] = [tui.rss_mb()]
    finally:
        tui.tmux("kill-server")
        tui.SOCK.unlink(missing_ok=True)
    return fig


def pty_figures(db: Path, size: str, runs: int) -> dict[str, list[float]]:
    """The same figures with the benchmark as the terminal (pty_term.py): key to the end of
    the frame the app draws, without tmux's latency."""
    cols, rows = (int(n) for n in size.split("x"))
    fig: dict[str, list[float]] = {"launch to first headlines": []}
    for i in range(runs):
        with pty_term.PtyApp([*READER_CMD, "--db", str(db)], cols, rows) as app:
            fig["launch to first headlines"].append(app.wait_text("\u25cf"))  # a row's mark
            if i < runs - 1:
                continue
            app.settle(1.0)
            fig["resident memory after launch (MB)"] = [app.rss_mb()]
            fig["cursor move (j)"] = [app.key_to_frame(b"j") for _ in range(runs * 8)]
            # (to the last frame: rows not read ahead come from a thread a frame later)
            fig["page down (space)"] = [app.key_to_last_frame(b" ") for _ in range(runs * 4)]
            fig["jump to the end (G)"] = [app.key_to_last_frame(k)
                                          for k in [b"G", b"g"] * runs][::2]
            app.key_to_frame(b"h")  # the sidebar: All, Unread, Starred, the first tag, its feeds
            for _ in range(3):
                app.key_to_frame(b"j")
            # The sidebar's cursor moves in one frame and the view follows in a later one:
            # timed to the frame whose header names the view (its rows come in the same).
            fig["tag -> feed (sidebar j)"], fig["feed -> tag (sidebar k)"] = [], []
            for _ in range(runs * 2):
                fig["tag -> feed (sidebar j)"].append(app.key_to_text(b"j", "Feed: "))
                fig["feed -> tag (sidebar k)"].append(app.key_to_text(b"k", HEADER_TAG))
            app.key_to_frame(b"l")
            for kind, word in QUERIES.items():
                name = f"search {word!r} ({kind})"
                fig[name] = []
                for _ in range(runs):
                    app.key_to_frame(b"/")
                    app.key_to_frame(b"\x15")  # ctrl-u: empty the box
                    app.settle(0.2)
                    start = app.mark()  # one paste and Enter, as in tmux
                    app.write(b"\x1b[200~" + word.encode() + b"\x1b[201~\r")
                    fig[name].append(app.wait_text(f"Filter: {word}", start))
                    app.settle(0.5)
                    app.key_to_frame(b"/")  # back to All: the box emptied and Enter
                    start = app.mark()
                    app.write(b"\x15\r")
                    app.wait_text(ALL_VIEW, start, timeout=60)
                    app.settle(0.5)
            app.settle(0.5)
            fig["resident memory at the end (MB)"] = [app.rss_mb()]
    return fig


def newsboat_first_screen(size: str, runs: int) -> dict[str, list[float]]:
    work = Path(tempfile.mkdtemp(prefix="reader-bench-nb-"))
    try:
        generate_corpus(work / "corpus", 100, 1000)
        with serve(work / "corpus") as served:
            urls, config = newsboat_files(served.urls, work / "nb")
            cache = work / "nb" / "cache.db"
            reload_s = newsboat_reload(urls, config, cache)
        cmd = [
            "env",
            f"HOME={work / 'nb'}",
            newsboat(),
            "-u",
            str(urls),
            "-c",
            str(cache),
            "-C",
            str(config),
        ]
        starts = []
        for _ in range(runs):
            starts.append(wait_for("(1000/1000)", start_pane(cmd, size), timeout=60, header=False))
        tui.settle(1.0)
        memory = tui.rss_mb()
        return {
            "newsboat reload, 100 x 1,000 items (s)": [reload_s],
            "newsboat launch to first screen": starts,
            "newsboat resident memory (MB)": [memory],
        }
    finally:
        tui.tmux("kill-server")
        tui.SOCK.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)


def show(name: str, values: list[float]) -> None:
    if "(MB)" in name or "(s)" in name:
        print(f"    {name:42} {values[0]:8.1f}")
    else:
        print(
            f"    {name:42} median {median(values) * 1000:8.1f} ms"
            f"   max {max(values) * 1000:8.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="any of 10k,100k,1m")
    parser.add_argument("--dbdir", type=Path, default=Path(tempfile.gettempdir()) / "reader-scale")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="160x48", help="terminal size")
    parser.add_argument("--no-tui", action="store_true", help="skip the terminal figures")
    parser.add_argument(
        "--terminal",
        choices=("both", "pty", "tmux"),
        default="both",
        help="where the TUI figures are taken: a pty of our own, a tmux pane, or both",
    )
    parser.add_argument("--newsboat", action="store_true", help="newsboat's first screen on 100k")
    parser.add_argument("--smoke", action="store_true", help="one tiny database, one run, no TUI")
    parser.add_argument(
        "--only-search", action="store_true", help="of the TUI figures, only the searches"
    )
    parser.add_argument(
        "--allow-migrate",
        action="store_true",
        help="open a database of another schema version (this rewrites it)",
    )
    parser.add_argument("--source", type=Path,
                        help="run the reader package in this folder (the TUI and reader list)")
    args = parser.parse_args()
    if args.source is not None:
        import os

        os.environ["PYTHONPATH"] = str(args.source)
        READER_CMD[:] = [sys.executable, "-c", "from reader.cli import main; main()"]
    sizes = [s.strip().lower() for s in args.sizes.split(",")]
    if args.smoke:
        sizes, args.runs, args.no_tui = ["smoke"], 1, True
        args.dbdir = Path(tempfile.mkdtemp(prefix="reader-bench-scale-"))
    args.dbdir.mkdir(parents=True, exist_ok=True)
    use_tui = not args.no_tui and shutil.which("tmux") is not None
    print(
        f"machine: {machine()}; terminal {args.size} in tmux"
        if use_tui
        else f"machine: {machine()}"
    )
    try:
        for size in sizes:
            db = database(args.dbdir, size, args.smoke)
            check_schema(db, args.allow_migrate)
            print(f"{size}: {db.name} ({db.stat().st_size / 1e6:.0f} MB)")
            print("  core (in-process, no UI)")
            for name, seconds in core_figures(db, args.runs).items():
                show(name, [seconds])
            print("  reader list")
            for query in ("+tech is:unread", "+tech tesuno"):
                wall, lines = reader_list(db, query, args.runs)
                print(
                    f"    {'reader list ' + repr(query):42} median {wall * 1000:8.1f} ms"
                    f"   ({lines:,} lines)"
                )
            if not args.no_tui and args.terminal != "tmux" and not args.only_search:
                print(f"  TUI in a pty, key to the end of the frame (median of {args.runs}+ runs)")
                for name, values in pty_figures(db, args.size, args.runs).items():
                    show(name, values)
            if use_tui and args.terminal != "pty":
                print(f"  TUI in tmux (median of {args.runs}+ runs)")
                for name, values in tui_figures(db, args.size, args.runs, args.only_search).items():
                    show(name, values)
        if args.newsboat and newsboat() and use_tui:
            print("newsboat, 100 feeds x 1,000 items")
            for name, values in newsboat_first_screen(args.size, args.runs).items():
                show(name, values)
    finally:
        if args.smoke:
            shutil.rmtree(args.dbdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
