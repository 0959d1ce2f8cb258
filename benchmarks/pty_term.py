"""Run a TUI in a pseudo-terminal of our own and time it to the frame, without tmux.

tmux adds its own latency to every figure (its client, its parser, and capture-pane's
polling: ~8 ms before the app does anything). Here the benchmark is the terminal: it
writes the key to the pty and reads what the app writes back. The terminal answers
Textual's query for synchronized output (DEC mode 2026), so every frame Textual draws
arrives between ESC[?2026h and ESC[?2026l, and "key to repaint" is the time from
writing the key to reading the end of the frame it caused. What a terminal emulator
then takes to draw it is not included (it is not ours).
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

SYNC_QUERY = b"\x1b[?2026$p"
SYNC_SUPPORTED = b"\x1b[?2026;2$y"  # DECRPM: mode 2026 known, currently reset
FRAME_END = b"\x1b[?2026l"
_ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


def plain(data: bytes) -> str:
    """The text in a stretch of terminal output, escape sequences removed."""
    return _ESCAPES.sub(b"", data).decode("utf-8", "replace")


class PtyApp:
    """A command running in a pty of cols x rows; its output is read as it comes."""

    def __init__(self, cmd: list[str], cols: int = 160, rows: int = 48) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
        self.master = master
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)
        self.output = b""  # everything since the last mark()

    def read(self, timeout: float) -> bytes | None:
        """What the app wrote within `timeout` seconds, or None (nothing, or it exited)."""
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return None
        try:
            data = os.read(self.master, 1 << 20)
        except OSError:  # the app is gone
            return None
        if not data:
            return None
        if SYNC_QUERY in data:
            os.write(self.master, SYNC_SUPPORTED)
        self.output += data
        return data

    def mark(self) -> float:
        self.output = b""
        return time.perf_counter()

    def wait_text(
        self, text: str | re.Pattern[str], since: float | None = None, timeout: float = 30.0
    ) -> float:
        """Seconds from `since` (default: the launch) until a frame that writes `text` (a
        string or a compiled regular expression) has been read to its end."""
        since = self.started if since is None else since
        while time.perf_counter() - since < timeout:
            end = self.output.rfind(FRAME_END)
            if end >= 0:
                written = plain(self.output[:end])
                if text.search(written) if isinstance(text, re.Pattern) else text in written:
                    return time.perf_counter() - since
            self.read(0.05)
        raise TimeoutError(f"{text!r} never written; the last of it:\n{plain(self.output)[-600:]}")

    def wait_frame(self, since: float, timeout: float = 10.0) -> float:
        """Seconds from `since` until the end of a frame has been read."""
        while FRAME_END not in self.output:
            if time.perf_counter() - since > timeout:
                raise TimeoutError("no frame drawn")
            self.read(timeout)
        return time.perf_counter() - since

    def key_to_text(self, key: bytes, text: str | re.Pattern[str], timeout: float = 30.0) -> float:
        """Seconds from writing `key` to the end of the first frame that writes `text` (a
        string or a compiled regular expression, matched against the text the app wrote)."""
        self.settle()
        start = self.mark()
        os.write(self.master, key)
        return self.wait_text(text, start, timeout)

    def settle(self, quiet: float = 0.15) -> None:
        """Read until the app has written nothing for `quiet` seconds."""
        while self.read(quiet) is not None:
            pass

    def key_to_frame(self, key: bytes) -> float:
        """Seconds from writing `key` to the end of the frame it caused."""
        self.settle()
        start = self.mark()
        os.write(self.master, key)
        return self.wait_frame(start)

    def key_to_last_frame(self, key: bytes, quiet: float = 0.1) -> float:
        """Seconds from writing `key` to the end of the last frame it caused (the frames
        that follow within `quiet` seconds of each other): a list whose rows arrive from
        a thread after a first, blank frame is timed to the frame with the rows."""
        self.settle()
        start = self.mark()
        os.write(self.master, key)
        last = self.wait_frame(start)
        while (data := self.read(quiet)) is not None:
            if FRAME_END in data:
                last = time.perf_counter() - start
        return last

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        os.close(self.master)

    def __enter__(self) -> PtyApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
