"""A big block freed goes back to the system at once (memory.return_big_blocks).

glibc serves a block from a mapping of its own only above a threshold that it raises to
the size of each such block freed: after the first search of a common word at a million
articles (SQLite's buffers, the view's id array), every later big block came from the
heaps and stayed there when freed, 70-170 MB after a few searches (benchmarks/README.md,
"The TUI's memory at 1M"). Measured in a child process: the setting is process-wide.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from reader.ui import memory

MAPPED_BYTES = """
import ctypes, sys
from reader.ui import memory

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split())]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "fixed":
    assert memory.return_big_blocks()
first = bytearray(16 << 20)  # a search's buffer, mapped, then freed: glibc's threshold
del first                    # rises to 16 MB unless fixed
before = libc.mallinfo2().hblkhd
second = bytearray(4 << 20)  # the next search's
print(libc.mallinfo2().hblkhd - before)
"""


def _mapped(mode: str) -> int:
    """Bytes of the second block served from a mapping of its own (0: from a heap)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    out = subprocess.run([sys.executable, "-c", MAPPED_BYTES, mode], env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    return int(out.stdout)


def test_a_big_block_is_mapped_even_after_a_bigger_one_was_freed():
    if memory._glibc("mallopt") is None or memory._glibc("mallinfo2") is None:
        pytest.skip("not glibc (2.33+)")
    assert _mapped("default") == 0  # glibc's own rule: it would stay in the heap when freed
    assert _mapped("fixed") >= 4 << 20
