"""Each benchmark script still runs (--smoke: a tiny generated corpus, one run, no newsboat).

Figures are printed, never asserted: CI machines differ. What is checked is that the
script ran to the end and printed its figures.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def run(script: str, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, str(BENCH / script), "--smoke", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=BENCH,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_bench_refresh_smoke():
    out = run("bench_refresh.py")
    assert "cold refresh" in out and "warm refresh (all 304)" in out
    assert "reader stored 20 articles from 4 feeds" in out


def test_bench_refresh_smoke_python_server():
    assert "served by python" in run("bench_refresh.py", "--python-server")


def test_bench_parse_smoke():
    out = run("bench_parse.py")
    assert "parse_feed, all files" in out and "fast         3 files" in out


def test_bench_scale_smoke():
    out = run("bench_scale.py")
    assert "open + first 60 headlines" in out and "reader list '+tech is:unread'" in out


def test_bench_stall_smoke():
    pytest.importorskip("textual")
    out = run("bench_stall.py")
    assert "headless " in out and "headless, child " in out and "longest stall" in out


def test_bench_full_open_smoke():
    """Opening cached full articles (f), timed headless and in a pty."""
    out = run("bench_full_open.py")
    assert "headless   key -> full article on screen" in out
    assert "pty        key -> full article on screen" in out


def test_bench_prefetch_stall_smoke():
    """The TUI's stalls while its refresh child prefetches pages."""
    out = run("bench_prefetch_stall.py")
    assert "headless  longest stall" in out and "20 pages in" in out


def test_pty_term_drives_the_tui_in_a_pty():
    """The pty terminal of bench_scale.py: the TUI (the demo) starts in a real pty, a key
    gives a frame, q quits."""
    sys.path.insert(0, str(BENCH))
    try:
        import pty_term
    finally:
        sys.path.remove(str(BENCH))
    reader = Path(sys.executable).with_name("reader")
    if not reader.exists():
        pytest.skip("no reader script beside this Python")
    with pty_term.PtyApp([str(reader), "--demo"], 120, 30) as app:
        assert app.wait_text("\u25cf", timeout=60) > 0  # a headline row's mark
        assert app.key_to_frame(b"j") > 0
        assert app.key_to_text(b"/", "filter: +tag") > 0  # the box, its placeholder
        assert app.key_to_text(b"zq", "zq") > 0  # typed into it
        app.write(b"\x1b")
        app.settle(0.3)
        app.write(b"q")
        assert app.proc.wait(10) == 0


def test_bench_soak_smoke():
    """The soak (the real TUI in a pty, feeds changing, keys pressed, RSS sampled) runs
    and prints its memory figures; the TUI quits at the end as a user quits it."""
    if not Path(sys.executable).with_name("reader").exists():
        pytest.skip("no reader script beside this Python")
    out = run("bench_soak.py")
    assert "TUI resident memory: first" in out and "growth after the warm-up" in out
    assert "quit with status 0" in out
