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

At a million articles a search's big blocks were the rest: SQLite's buffers for a word
in most articles (30-40 MB, freed when the view is read) and the view's id array. glibc
raises its threshold for serving a block from its own mapping (given back to the system
the moment it is freed) to the size of each such block freed, up to 32 MB: after the
first search every later one came from the heaps, and stayed there as free memory
(70-170 MB after a few searches). return_big_blocks() fixes the threshold.
"""

from __future__ import annotations

import gc
import sys

TIDY_SECONDS = 60.0  # how often the app tidies (when no key came for IDLE_SECONDS)
IDLE_SECONDS = 1.0

MALLOC_ARENAS = 2  # the process's malloc arenas: the main one and one the threads share
MMAP_THRESHOLD = 256 * 1024  # bytes: a block this big or bigger has a mapping of its own
TRIM_THRESHOLD = 1024 * 1024  # bytes free at a heap's top given back at once
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # mallopt's (malloc.h)

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


def return_big_blocks(threshold: int = MMAP_THRESHOLD, trim: int = TRIM_THRESHOLD) -> bool:
    """Serve every block of `threshold` bytes or more from a mapping of its own, so that
    freeing it gives it back to the system, and give back `trim` bytes free at the top of
    a heap when they are there (glibc's defaults move both up as big blocks are freed: see
    the module's docstring). True if set (glibc only)."""
    mallopt = _glibc("mallopt")
    return bool(mallopt and mallopt(_M_MMAP_THRESHOLD, threshold)
                and mallopt(_M_TRIM_THRESHOLD, trim))


def unpin_styles_caches() -> bool:
    """Stop Textual keeping every widget's drawn lines after the widget is gone.

    Textual 8's StylesCache.get_inner_outer is an lru_cache on a method (textual#6665): its
    1,024 keys hold the StylesCache of each widget drawn since, with the lines it drew and
    every crop of them, long after the widget was removed (each article opened mounts
    its blocks anew). In a soak that was the TUI's slow climb. The same answer is cached
    here on the colours alone. True if patched; a Textual without the flaw is left alone."""
    from functools import lru_cache

    try:
        from textual._styles_cache import StylesCache
    except ImportError:
        return False
    method = StylesCache.__dict__.get("get_inner_outer")
    colours_only = getattr(method, "__wrapped__", None)
    if colours_only is None or not hasattr(method, "cache_clear"):
        return False  # (already patched, or no longer a cached method)
    method.cache_clear()

    @lru_cache(1024)
    def inner_outer(base_background, background):
        return colours_only(None, base_background, background)  # (its self goes unused)

    StylesCache.get_inner_outer = lambda self, base_background, background: inner_outer(
        base_background, background)
    return True


def tidy() -> int:
    """Collect every generation, then return free heap memory to the system (glibc).
    Returns how many unreachable objects were found."""
    found = gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    return found
