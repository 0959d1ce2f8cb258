"""SQLite's hard heap limit is the whole process's, and SQL can only lower it (the TUI
sets one: app.SQLITE_HARD_MB). Tests lift it again through the C function:
tests/conftest.py after every test, the capped tests after their own."""

from __future__ import annotations

import ctypes
import ctypes.util
from pathlib import Path

_setter: list = []


def hard_heap_setter():
    """sqlite3_hard_heap_limit64 of the SQLite library this Python's sqlite3 uses, or
    None (found once)."""
    if not _setter:
        _setter.append(_find())
    return _setter[0]


def _find():
    import _sqlite3

    assert _sqlite3.sqlite_version  # (the module is loaded: its library is mapped)
    name = ctypes.util.find_library("sqlite3")
    if name is None or "libsqlite3" not in Path("/proc/self/maps").read_text():
        return None  # sqlite3 is built into _sqlite3 here: the cap could not be lifted
    try:
        setter = ctypes.CDLL(name).sqlite3_hard_heap_limit64
    except (OSError, AttributeError):
        return None
    setter.restype, setter.argtypes = ctypes.c_int64, [ctypes.c_int64]
    return setter
