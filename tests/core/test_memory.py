"""SQLite's memory in a long-running process stays under the limit the TUI sets."""

from __future__ import annotations

import ctypes
import ctypes.util
import threading

import pytest

from reader.core.config import Config
from reader.core.library import Library


def _sqlite_memory_used():
    """sqlite3_memory_used() of the SQLite library this Python's sqlite3 uses, or None."""
    import _sqlite3

    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return None
    try:
        lib = ctypes.CDLL(name)
        lib.sqlite3_memory_used.restype = ctypes.c_int64
    except (OSError, AttributeError):
        return None
    # Only the same library instance counts what _sqlite3 allocates.
    maps = open("/proc/self/maps").read() if _sqlite3.__file__ else ""
    if "libsqlite3" not in maps:
        return None  # sqlite3 is built into _sqlite3 here: another copy
    return lib.sqlite3_memory_used


@pytest.fixture
def big_library(tmp_path):
    lib = Library(tmp_path / "big.db", Config())
    assert lib.limit_memory(8) == 8_000_000  # as the TUI does, before anything is read
    text = "Новини дня, 今日のニュース, the day's news. " * 400  # ~20 KB a row
    lib.store.write(lambda c: c.execute("CREATE TABLE padding (n INTEGER, text TEXT)"))
    lib.store.write(
        lambda c: c.executemany("INSERT INTO padding VALUES (?, ?)",
                                ((n, text) for n in range(3000)))  # ~60 MB
    )
    yield lib
    lib.limit_memory(0)  # (the limit is the whole process's: leave it as it was)
    lib.close()


def test_limit_memory_bounds_the_page_caches_of_every_thread(big_library):
    used = _sqlite_memory_used()
    if used is None:
        pytest.skip("cannot read SQLite's own memory count here")
    lib = big_library

    def read_everything() -> None:
        lib.store.execute("SELECT sum(length(text)) FROM padding").fetchone()

    # Each thread's connection has a page cache of its own: four readers and the writer
    # would hold 4 x 4 + 32 MB of a 60 MB file without the limit.
    threads = [threading.Thread(target=read_everything) for _ in range(4)]
    held = threading.Event()
    done = threading.Event()

    def keep_connection() -> None:  # a reader that stays, as the TUI's do
        read_everything()
        held.set()
        done.wait(30)

    keeper = threading.Thread(target=keep_connection)
    keeper.start()
    held.wait(30)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    read_everything()
    try:
        assert used() < 12_000_000  # the limit and a little (schemas, statements)
    finally:
        done.set()
        keeper.join()
