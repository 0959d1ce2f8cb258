"""Memory given back in a long-running TUI, while nobody is typing.

The app collects garbage rarely (ReaderApp.main_ready's GC tuning: full collections
were 40-100 ms hitches while scrolling), so between them the cycles Textual leaves
(messages, widgets, workers, frames) piled up, and the memory they had stayed with the
process: a soak (benchmarks/bench_soak.py) saw the TUI's resident memory grow for half
an hour. tidy() collects them and asks the C library to return the free memory.

glibc gives each new thread (the writer, the view readers, every Textual thread worker,
asyncio's executor) an arena of its own, up to 8 per core, each keeping its own free
fragments: after an hour's soak 12 arenas held 22-35 MB beside the main heap's 8 MB.
limit_arenas() caps them before the first thread starts (glibc fixes its limit for good
when the ninth arena is made, so later is too late). What else grew was bounded caches
filling (benchmarks/README.md, "Soak").
"""

from __future__ import annotations

import gc
import sys

TIDY_SECONDS = 60.0  # how often the app tidies (when no key came for IDLE_SECONDS)
IDLE_SECONDS = 1.0

MALLOC_ARENAS = 2  # the process's malloc arenas: the main one and one the threads share
_M_ARENA_MAX = -8  # mallopt's parameter (glibc's malloc.h)

_libc_functions: dict[str, object] = {}  # glibc's functions by name; None where absent


def _glibc(name: str):
    """One of glibc's malloc functions, or None (not Linux, or not glibc: musl has neither)."""
    if name not in _libc_functions:
        _libc_functions[name] = None
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                _libc_functions[name] = getattr(ctypes.CDLL("libc.so.6"), name)
            except (OSError, AttributeError):
                pass
    return _libc_functions[name]


def _malloc_trim():
    return _glibc("malloc_trim")


def limit_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process (MALLOC_ARENA_MAX in the environment
    does the same). Python's GIL lets one thread allocate at a time anyway, so threads
    sharing arenas cost little. Call it before the first thread. True if it was set."""
    mallopt = _glibc("mallopt")
    return bool(mallopt and mallopt(_M_ARENA_MAX, arenas))


def tidy() -> int:
    """Collect every generation, then return free heap memory to the system (glibc).
    Returns how many unreachable objects were found."""
    found = gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    return found
