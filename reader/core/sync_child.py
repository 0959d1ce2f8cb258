"""A sync run by a child process, for the TUI in this one.

A sync is network waits and Python work (JSON, HTML to text, SQLite writes) that would
take the GIL from the TUI's event loop, as a refresh's would (refresh_child.py): so the
TUI runs it here. The child opens the same database (WAL: the TUI reads on), reports
each step as a JSON line and its SyncSummary last. The queue makes a child killed at any
moment harmless: what it had not pushed is still queued, what it stored is whole.

    python -m reader.core.sync_child < job.json     # what sync_in_child runs
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
from collections.abc import Callable

from .child_process import end_on_cancel, spawn
from .config import Config
from .models import SyncSummary

SyncProgress = Callable[[str, int, int], None]  # (step, done, total)


def sync_in_child(db_path: str, config: Config, *, on_progress: SyncProgress | None = None,
                  cancel: threading.Event | None = None) -> SyncSummary:
    """Library.sync in a child process; cancel ends it (nothing is lost: see above)."""
    job = {"db": db_path, "config": config.settings()}
    child, errors = spawn("reader.core.sync_child", job)
    stop = end_on_cancel(child, cancel, "reader-sync-cancel")
    summary: SyncSummary | None = None
    try:
        for line in child.stdout:
            msg = json.loads(line)
            if "summary" in msg:
                summary = SyncSummary(**msg["summary"])
            elif on_progress is not None:
                on_progress(msg["step"], msg["done"], msg["total"])
        child.wait()
    finally:
        stop.set()
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        errors.seek(0)
        stderr = errors.read()
        errors.close()
    if summary is not None:
        return summary
    if cancel is not None and cancel.is_set():
        return SyncSummary(error="sync cancelled")
    last = stderr.strip().splitlines()[-1:] or [f"exit status {child.returncode}"]
    return SyncSummary(error=f"the sync process failed: {last[0][:300]}")


def _main() -> None:
    import os

    from .errors import ReaderError
    from .sync import sync_database  # (not Library: library_sync imports this module)

    if hasattr(os, "nice"):
        os.nice(5)  # background work: under load the UI's process gets the CPU first
    job = json.loads(sys.stdin.read())
    out = sys.stdout

    def progress(step: str, done: int, total: int) -> None:
        out.write(json.dumps({"step": step, "done": done, "total": total}) + "\n")
        out.flush()

    try:
        summary = sync_database(job["db"], Config(**job["config"]), progress)
    except ReaderError as exc:  # (a password_command that fails: one line, as the CLI's)
        summary = SyncSummary(error=str(exc))
    out.write(json.dumps({"summary": dataclasses.asdict(summary)}) + "\n")
    out.flush()


if __name__ == "__main__":
    _main()
