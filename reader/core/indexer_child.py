"""The search index brought up to date by a process of its own, detached: what
`reader refresh` leaves behind when it exits with the headlines stored (unless
--wait-index). Search is right meanwhile (storage/indexer.py's fallback); this makes
it fast again. Killed at any point, it leaves whole batches only, and the next run (a
refresh, a search, another of these) goes on from the watermark.

    python -m reader.core.indexer_child DB_PATH
"""

from __future__ import annotations

import os
import subprocess
import sys


def start_detached(db_path: str) -> None:
    """Start the indexer for the database at `db_path` and return at once: a session
    of its own (a terminal's Ctrl+C or hang-up for the command does not reach it), no
    terminal, nothing to wait for."""
    subprocess.Popen(
        [sys.executable, "-m", "reader.core.indexer_child", db_path],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, close_fds=True,
    )


def _main() -> int:
    from .errors import ReaderError
    from .storage.store import Store

    if hasattr(os, "nice"):
        os.nice(5)  # background work: what the user runs next gets the CPU first
    try:
        store = Store(sys.argv[1], create=False)
        try:
            store.update_index()
        finally:
            store.close()
    except ReaderError:
        return 1  # (gone, read-only, locked: search's fallback stays right; the next run)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
