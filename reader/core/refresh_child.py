"""Refresh in a child process, for a UI in this one.

A refresh is CPU work in Python (HTTP, parsing, text extraction) on several threads.
In the TUI's process those threads take the GIL from the event loop for up to hundreds
of milliseconds at a time; in a child process they cannot. The child writes to the same
database (SQLite WAL: the UI keeps reading meanwhile) and reports each feed as one JSON
line on stdout, which becomes the same on_progress calls as a refresh in this process
makes. (Library.refresh(in_child=True) runs it.)

    python -m reader.core.refresh_child < job.json     # what refresh_in_child runs
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

from .child_process import end_on_cancel, spawn
from .config import Config
from .errors import ReaderError
from .models import Feed, FetchResult, RefreshSummary

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .refresh import ProgressFn


def refresh_in_child(
    db_path: str,
    config: Config,
    feed_ids: Sequence[int],
    feed_of: Callable[[int], Feed | None],
    *,
    on_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> RefreshSummary:
    """Refresh the feeds `feed_ids` of the database at `db_path` in a child process;
    cancel ends the child. `feed_of`: a feed by id, read as each one is reported (for
    on_progress, with what the child stored)."""
    job = {"db": db_path, "config": config.settings(), "feed_ids": list(feed_ids)}
    child, errors = spawn("reader.core.refresh_child", job)
    stop = end_on_cancel(child, cancel, "reader-refresh-cancel")
    summary: RefreshSummary | None = None
    handed_off = False
    try:
        for line in child.stdout:
            msg = json.loads(line)
            if "summary" in msg:
                summary = RefreshSummary(**msg["summary"])
                summary.failed = [tuple(f) for f in summary.failed]
                if child.poll() is None:
                    # Still fetching full-text pages: the refresh is done for the caller;
                    # a thread waits for the child's end (and ends it on cancel).
                    handed_off = True
                    break
            elif on_progress is not None:
                feed = feed_of(msg["feed_id"])
                if feed is not None:
                    result = FetchResult(
                        msg["feed_id"], feed.url, msg["status"], error=msg["error"]
                    )
                    on_progress(msg["done"], msg["total"], feed, result)
        if not handed_off:
            child.wait()
    finally:
        stop.set()
        if handed_off:
            threading.Thread(target=_finish, args=(child, cancel, errors),
                             name="reader-refresh-pages", daemon=True).start()
        else:
            if child.poll() is None:
                child.kill()
                child.wait()
            errors.seek(0)
            stderr = errors.read()
            errors.close()
    if handed_off:
        return summary
    if summary is None:
        if cancel is not None and cancel.is_set():
            return RefreshSummary()
        last = stderr.strip().splitlines()[-1:] or [f"exit status {child.returncode}"]
        raise ReaderError(f"the refresh process failed: {last[0]}")
    return summary


def _finish(child: subprocess.Popen, cancel: threading.Event | None, errors) -> None:
    """Wait for a child whose refresh is reported but which still fetches pages; end it
    when `cancel` is set (the app quits)."""
    try:
        while True:
            try:
                child.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if cancel is not None and cancel.is_set():
                    child.terminate()
    finally:
        child.stdout.close()
        errors.close()


def _main() -> None:
    from .refresh import Refresher
    from .storage.store import Store

    if hasattr(os, "nice"):
        os.nice(5)  # background work: under load the UI's process gets the CPU first
    job = json.loads(sys.stdin.read())
    store = Store(job["db"])
    by_id = {f.id: f for f in store.feeds(with_counts=False)}
    feeds = [by_id[i] for i in job["feed_ids"] if i in by_id]  # (removed meanwhile: skipped)
    out = sys.stdout

    def progress(done: int, total: int, feed, result: FetchResult) -> None:
        out.write(
            json.dumps(
                {
                    "done": done,
                    "total": total,
                    "feed_id": feed.id,
                    "status": result.status,
                    "error": result.error,
                }
            )
            + "\n"
        )
        out.flush()

    config = Config(**job["config"])
    summary = Refresher(store, config).refresh_feeds(feeds, on_progress=progress)
    # The headlines are stored: the UI has its summary now, not after the index and
    # the pages below.
    out.write(json.dumps({"summary": dataclasses.asdict(summary)}) + "\n")
    out.flush()
    # Then the search index (searching finds the new articles meanwhile, slower), and
    # the pages of feeds set to full text, here too: out of the UI's process. Each is
    # stored as it comes; a cancel (the child ended) leaves the rest to the next run.
    store.update_index()
    from .full_text import prefetch
    from .sources.http_feeds import fetch_settings

    prefetch(store, fetch_settings(config),
             user_agents=lambda fid: by_id[fid].settings.user_agent if fid in by_id else None)
    store.update_index()  # (the pages' text)
    store.close()


if __name__ == "__main__":
    _main()
