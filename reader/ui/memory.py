"""Memory given back in a long-running TUI, while nobody is typing.

The app collects garbage rarely (ReaderApp.main_ready's GC tuning: full collections
were 40-100 ms hitches while scrolling), so between them the cycles Textual leaves
(messages, widgets, workers, frames) piled up, and the memory they had stayed with the
process: a soak (benchmarks/bench_soak.py) saw the TUI's resident memory grow for half
an hour. tidy() collects them and asks the C library to return the free memory.
"""

from __future__ import annotations

import gc
import sys

TIDY_SECONDS = 60.0  # how often the app tidies (when no key came for IDLE_SECONDS)
IDLE_SECONDS = 1.0

_trim = None  # libc's malloc_trim, False where there is none (not glibc)


def _malloc_trim():
    global _trim
    if _trim is None:
        _trim = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                _trim = ctypes.CDLL("libc.so.6").malloc_trim
            except (OSError, AttributeError):  # musl, or no such library
                pass
    return _trim or None


def tidy() -> int:
    """Collect every generation, then return free heap memory to the system (glibc).
    Returns how many unreachable objects were found."""
    found = gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    return found
