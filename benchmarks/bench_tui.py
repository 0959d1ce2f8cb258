"""Measure the TUI as a user sees it, in a real terminal (tmux), on a big database.

    python benchmarks/make_db.py /tmp/big.db            # 100,000 articles
    python benchmarks/bench_tui.py /tmp/big.db
    python benchmarks/bench_tui.py --memory /tmp/big.db      # memory after each step

Figures: time from launch to the first headlines on screen; key press to repaint
for a cursor move (j), a page (space) and a filter switch (sidebar j: the next
view, timed to the header that names it); resident memory after all that. Each figure is the median of several runs.
Times include tmux's own capture latency (a few ms), so they are upper bounds.

--memory: a user's sequence instead, in a pty of this script's own (pty_term.py),
--rounds times: scroll (j, pages, G, g), views of the sidebar (tags and feeds), searches
(a common, a medium and a rare word, a tag, is:unread, each pasted; a word typed a
letter at a time, each letter searched as it comes), articles opened and closed, back
to All. After each step, once the app has drawn nothing for a while, the resident
memory (VmRSS) and proportional set size (Pss, from smaps_rollup) of the TUI and of
its descendants are printed, with the most VmRSS a sampler (every 20 ms) saw during
the step; at the end the most each reached (issue 13's target: the TUI under 150 MB at
1M after any such sequence).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from proc_sample import descendants

SOCK = Path(tempfile.gettempdir()) / f"reader-bench-{os.getpid()}.sock"


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", "-S", str(SOCK), "-f", "/dev/null", *args],
        capture_output=True,
        text=True,
        check=False,
    ).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-e", "-t", "main")  # -e: with colours (the cursor row)


def wait_change(before: str, timeout: float = 5.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if screen() != before:
            return time.perf_counter() - start
        time.sleep(0.002)  # don't starve the app of CPU (2 cores here)
    raise TimeoutError("the screen did not change")


def settle(quiet: float = 0.3) -> None:
    """Wait until the screen stops changing for `quiet` seconds."""
    last, since = screen(), time.perf_counter()
    while time.perf_counter() - since < quiet:
        time.sleep(0.02)
        now = screen()
        if now != last:
            last, since = now, time.perf_counter()


def key_to_repaint(key: str) -> float:
    settle()
    before = screen()
    start = time.perf_counter()
    tmux("send-keys", "-t", "main", key)
    sent = time.perf_counter() - start
    return wait_change(before) + sent


def key_to_header_change(key: str, timeout: float = 5.0) -> float:
    """Key press to a new top line (reader's header: it names the view it shows)."""
    settle()
    before = tmux("capture-pane", "-p", "-t", "main").splitlines()[:1]
    start = time.perf_counter()
    tmux("send-keys", "-t", "main", key)
    while time.perf_counter() - start < timeout:
        if tmux("capture-pane", "-p", "-t", "main").splitlines()[:1] != before:
            return time.perf_counter() - start
        time.sleep(0.002)
    raise TimeoutError("the header did not change")


def launch(cmd: list[str], size: str) -> float:
    tmux("kill-server")
    time.sleep(0.5)  # a tmux server that is still going away makes new-session fail
    cols, rows = size.split("x")
    start = time.perf_counter()
    out = subprocess.run(
        [
            "tmux",
            "-S",
            str(SOCK),
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            cols,
            "-y",
            rows,
            *cmd,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"tmux: {out.stderr}")
    while time.perf_counter() - start < 20:
        text = tmux("capture-pane", "-p", "-t", "main")
        if "●" in text or "★" in text:  # a headline row's marks
            return time.perf_counter() - start
        time.sleep(0.02)
    raise TimeoutError("no headlines on screen:\n" + tmux("capture-pane", "-p", "-t", "main"))


def rss_mb() -> float:
    pane_pid = tmux("display", "-p", "-t", "main", "#{pane_pid}").strip()
    for line in Path(f"/proc/{pane_pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- --memory: a user's sequence, memory after each step -------------------------------------

# From make_db's vocabulary: in ~99%, ~12% and ~0.7% of the articles; a tag; a state.
SEARCHES = ("river", "kalo", "tesuno", "+tech", "is:unread")
TYPED = "river"  # typed a letter at a time, each searched: "r", "ri", "riv", ...
TYPING_GAP = 0.25  # seconds between letters (the filter box searches after 0.08 s)


def _memory_kb(pid: int) -> tuple[int, int]:
    """(Rss, Pss) of one process in kB, from /proc (0, 0 once it has gone)."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0, 0
    fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup[1:] if ":" in line}
    return fields.get("Rss", 0), fields.get("Pss", 0)


def memory_sequence(db: Path, size: str, rounds: int, quiet: float, source: Path | None) -> None:
    from pty_term import PtyApp, plain

    cols, rows = (int(n) for n in size.split("x"))
    reader = str(Path(sys.executable).with_name("reader"))
    if source is not None:  # another tree's reader package (a build before a change)
        os.environ["PYTHONPATH"] = str(source)
        reader = sys.executable  # (its entry point, without the script the venv installed)
    peak = {"rss": 0.0, "pss": 0.0, "children": 0.0, "sampled": 0.0}
    began = time.perf_counter()
    sampled = [0]  # the most VmRSS seen since the step began (kB)
    done = threading.Event()

    cmd = [reader] if source is None else [reader, "-c", "from reader.cli import main; main()"]
    with PtyApp([*cmd, "--db", str(db)], cols, rows) as app:

        def sample() -> None:
            while not done.wait(0.02):
                sampled[0] = max(sampled[0], _memory_kb(app.proc.pid)[0])

        threading.Thread(target=sample, daemon=True).start()

        def step(name: str, *keys: bytes, pause: float = 0.0) -> None:
            sampled[0] = 0
            for key in keys:
                app.write(key)
                app.settle(pause or 0.05)
            app.settle(quiet)
            rss, pss = _memory_kb(app.proc.pid)
            most = max(sampled[0], rss) / 1024
            peak["sampled"] = max(peak["sampled"], most)
            kids = sum(_memory_kb(p)[0] for p in descendants(app.proc.pid))
            peak["rss"] = max(peak["rss"], rss / 1024)
            peak["pss"] = max(peak["pss"], pss / 1024)
            peak["children"] = max(peak["children"], kids / 1024)
            # A search SQLite could not read within the app's cap says so (search.too_broad).
            refused = " (a search refused: too broad)" if "as a search word" in plain(
                app.output) else ""
            app.output = b""  # what it drew is not kept: this script's memory stays flat
            print(f"{time.perf_counter() - began:7.1f} s  {name:<28} RSS {rss / 1024:6.1f} MB"
                  f"  PSS {pss / 1024:6.1f} MB  (most {most:6.1f} MB)"
                  f"  children RSS {kids / 1024:6.1f} MB{refused}", flush=True)

        app.wait_text("\u25cf", timeout=60)  # a headline row's mark
        step("launch")
        for r in range(1, rounds + 1):
            print(f"-- round {r}")
            step("j x 30", *[b"j"] * 30, pause=0.02)
            step("page x 10", *[b" "] * 10)
            step("G, then g", b"G", b"g", pause=1.0)
            # The sidebar: All, Unread, Starred, then tags and their feeds; each j shows one.
            step("sidebar: 10 views", b"h", *[b"j"] * 10, pause=0.5)
            step("sidebar: back to All", b"g", b"l", pause=0.5)
            for text in SEARCHES:
                step(f"search {text}", b"/", b"\x15", b"\x1b[200~" + text.encode() + b"\x1b[201~\r",
                     pause=0.3)
                step(f"  G in {text}", b"G", b"g", pause=1.0)
                step("  open 3 articles", *[b"\r", b" ", b"\x1b", b"j"] * 3, pause=0.3)
            step(f"typed {TYPED}", b"/", b"\x15", *[c.encode() for c in TYPED], b"\r",
                 pause=TYPING_GAP)
            step("back to All", b"/", b"\x15", b"\r", pause=0.5)
        done.set()
    print(f"most: TUI RSS {peak['rss']:.1f} MB after a step ({peak['sampled']:.1f} MB sampled"
          f" during one), PSS {peak['pss']:.1f} MB; its children RSS {peak['children']:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--size", default="160x48")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--memory", action="store_true",
                        help="a user's sequence of views and searches; memory after each step")
    parser.add_argument("--rounds", type=int, default=3, help="with --memory: times through it")
    parser.add_argument("--quiet", type=float, default=1.0,
                        help="with --memory: seconds without a frame that end a step")
    parser.add_argument("--source", type=Path,
                        help="with --memory: run the reader package in this folder instead")
    args = parser.parse_args()
    if args.memory:
        memory_sequence(args.db, args.size, args.rounds, args.quiet, args.source)
        return
    if not shutil.which("tmux"):
        sys.exit("needs tmux")
    reader = str(Path(sys.executable).with_name("reader"))
    cmd = [reader, "--db", str(args.db)]
    try:
        starts = [launch(cmd, args.size) for _ in range(args.runs)]
        settle(1.0)
        moves = [key_to_repaint("j") for _ in range(args.runs * 4)]
        pages = [key_to_repaint("Space") for _ in range(args.runs * 2)]
        tmux("send-keys", "-t", "main", "h")  # into the sidebar: j switches the view
        # the sidebar's cursor moves first, the view follows: timed to the new header
        switches = [key_to_header_change(k) for _ in range(args.runs) for k in ("j", "k")]
        memory = rss_mb()
    finally:
        tmux("kill-server")

    def ms(values: list[float]) -> str:
        return (
            f"median {statistics.median(values) * 1000:6.1f} ms   max {max(values) * 1000:6.1f} ms"
        )

    print(f"database: {args.db} ({args.db.stat().st_size / 1e6:.0f} MB), terminal {args.size}")
    print(f"launch to first headlines  {ms(starts)}")
    print(f"cursor move (j) repaint    {ms(moves)}")
    print(f"page (space) repaint       {ms(pages)}")
    print(f"filter switch (sidebar j)  {ms(switches)}")
    print(f"resident memory            {memory:6.1f} MB")


if __name__ == "__main__":
    main()
