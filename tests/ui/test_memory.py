"""What a long-running TUI holds stays bounded (benchmarks/bench_soak.py measures it)."""

from __future__ import annotations

from reader.ui.app import SQLITE_MEMORY_MB

from .conftest import quiet_app, settle, wait_until


async def test_the_app_caps_sqlite_s_caches_in_its_process(library):
    """Each thread's connection has a page cache of its own, and they grew with the
    database for as long as the app ran (the soak: +16 MB per 10 minutes)."""
    app = quiet_app(library)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot, app)
            app.wait_for_writes()
            limit = library.store.execute("PRAGMA soft_heap_limit").fetchone()[0]
            assert limit == SQLITE_MEMORY_MB * 1_000_000
    finally:
        library.limit_memory(0)  # (the whole test process's: as it was)


async def test_the_app_tidies_its_memory_now_and_then_when_idle(library, monkeypatch):
    """The app collects garbage rarely (its GC tuning), so cycles piled up between full
    collections and the process kept their memory (the soak: resident memory growing for
    half an hour). It tidies every memory.TIDY_SECONDS, unless a key just came."""
    import time

    from reader.ui import memory

    calls: list[float] = []
    real = memory.tidy
    monkeypatch.setattr(memory, "TIDY_SECONDS", 0.05)
    monkeypatch.setattr(memory, "tidy", lambda: calls.append(time.monotonic()) or real())
    app = quiet_app(library)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, app, lambda: len(calls) >= 2)
        app._last_key = time.monotonic() + 3600  # typing: (a key "from now on")
        before = len(calls)
        app.tidy_memory()
        assert len(calls) == before


def test_tidy_collects_the_cycles_left_behind():
    import gc

    from reader.ui import memory

    class Node:
        pass

    gc.disable()
    try:
        for _ in range(1000):
            a, b = Node(), Node()
            a.other, b.other = b, a  # a cycle: only the collector frees it
        del a, b
        assert memory.tidy() >= 2000
    finally:
        gc.enable()


ARENA_COUNT = """
import ctypes, sys, tempfile, threading
from reader.ui import memory

if sys.argv[1] == "limited":
    assert memory.limit_arenas()
started, done = threading.Barrier(9), threading.Event()

def work():
    held = [bytearray(600) for _ in range(200)]  # malloc's, from this thread's arena
    started.wait()
    done.wait()

threads = [threading.Thread(target=work) for _ in range(8)]
for thread in threads:
    thread.start()
started.wait()  # eight threads alive at once, each has allocated
libc = ctypes.CDLL("libc.so.6")
libc.fopen.restype = ctypes.c_void_p
with tempfile.NamedTemporaryFile("r") as report:
    stream = libc.fopen(report.name.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(stream))
    libc.fclose(ctypes.c_void_p(stream))
    print(report.read().count("<heap nr="))
done.set()
"""


def _arenas(mode: str) -> int:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", ARENA_COUNT, mode], env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    return int(out.stdout)


def test_threads_share_a_capped_number_of_malloc_arenas():
    """Each new thread got a glibc arena of its own (up to 8 per core), each keeping its
    fragments: the soak's TUI ended with 12 arenas and its memory still rising."""
    import pytest

    from reader.ui import memory

    if memory._glibc("mallopt") is None or memory._glibc("malloc_info") is None:
        pytest.skip("not glibc")
    assert _arenas("default") >= 5  # (the machine's limit is 8 per core: 16 on 2 cores)
    assert _arenas("limited") <= memory.MALLOC_ARENAS


def test_run_app_caps_the_arenas_before_any_thread_starts(monkeypatch):
    """glibc fixes its arena limit for good once the ninth arena is made, so the cap is
    set first, before Textual's threads or the app's own writer exist."""
    import gc
    import sys

    from reader.core.config import Config
    from reader.ui import app as app_module, graphics, memory

    steps: list[str] = []

    class Recorder:
        def run(self) -> None:
            steps.append("run")

    class Closing:
        def close(self) -> None:
            steps.append("close")

    monkeypatch.setattr(memory, "limit_arenas", lambda: steps.append("arenas") or True)
    monkeypatch.setattr(graphics, "detect", lambda images: steps.append("detect"))
    monkeypatch.setattr(app_module, "make_app",
                        lambda *a, **k: steps.append("make_app") or Recorder())
    interval = sys.getswitchinterval()
    try:
        app_module.run_app(Closing(), Config())
    finally:
        sys.setswitchinterval(interval)
        gc.enable()
    assert steps[0] == "arenas"
    assert steps[1:] == ["detect", "make_app", "run", "close"]


async def test_a_list_keeps_a_few_screens_of_drawn_rows_not_every_old_look():
    """A row's cache key holds its counts and flags, so each refresh leaves the rows drawn
    before behind. The sidebar kept 512 of them (~5 KB each with the crops Textual caches
    on a strip) and filled that for half an hour of the soak."""
    from rich.segment import Segment
    from textual.app import App, ComposeResult
    from textual.strip import Strip

    from reader.ui.widgets.line_list import LineList

    class Counts(LineList):
        generation = 0  # a refresh: every row's count changes
        drawn: set[int] = set()

        @property
        def row_count(self) -> int:
            return 200

        def row_key(self, row, width, selected):
            return (row, self.generation, width, selected)

        def render_row(self, row, width, selected, base):
            self.drawn.add(self.generation)
            return Strip([Segment(f"Новини {row}: {self.generation} непрочитаних", base)])

    class Lists(App):
        def compose(self) -> ComposeResult:
            yield Counts()

    app = Lists()
    async with app.run_test(size=(60, 30)) as pilot:
        rows = app.query_one(Counts)
        for generation in range(1, 40):  # 40 refreshes x 30 rows on screen
            rows.generation = generation
            rows.refresh()
            for _ in range(100):
                if generation in rows.drawn:
                    break
                await pilot.pause()
            assert generation in rows.drawn
        tall_screen = 48
        assert len(rows._strips) <= 4 * tall_screen
