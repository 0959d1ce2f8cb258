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
