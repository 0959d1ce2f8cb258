"""A background job run by a child process of this Python, for the TUI: what
refresh_child.py and sync_child.py share. The job goes in on stdin as JSON, the child
reports on stdout (JSON lines), its stderr goes to a file (a pipe could fill and block
it), and a cancel event ends it."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from typing import IO


def spawn(module: str, job: dict) -> tuple[subprocess.Popen, IO[str]]:
    """`python -m module` with `job` on its stdin; the child and its stderr's file."""
    errors = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    child = subprocess.Popen([sys.executable, "-m", module], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=errors, text=True,
                             encoding="utf-8")
    child.stdin.write(json.dumps(job))
    child.stdin.close()
    return child, errors


def end_on_cancel(child: subprocess.Popen, cancel: threading.Event | None,
                  name: str) -> threading.Event:
    """Terminate `child` when `cancel` is set (looked at every 0.1 s, by a thread of its
    own); set the event this returns once the child no longer needs watching."""
    stop = threading.Event()
    if cancel is not None:
        def watch() -> None:
            while not stop.wait(0.1):
                if cancel.is_set():
                    child.terminate()
                    return

        threading.Thread(target=watch, name=name, daemon=True).start()
    return stop
