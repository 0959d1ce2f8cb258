"""Measure the TUI as a user sees it, in a real terminal (tmux), on a big database.

    python benchmarks/make_db.py /tmp/big.db            # 100,000 articles
    python benchmarks/bench_tui.py /tmp/big.db

Figures: time from launch to the first headlines on screen; key press to repaint
for a cursor move (j), a page (space) and a filter switch (sidebar j: the next
view, timed to the header that names it); resident memory after all that. Each figure is the median of several runs.
Times include tmux's own capture latency (a few ms), so they are upper bounds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--size", default="160x48")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
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
