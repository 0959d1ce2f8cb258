"""How this terminal can draw pictures, found before the app starts; and textual-image's
widget for that way, imported only when the first image is shown.

- the kitty graphics protocol in kitty itself (its environment says so; through tmux
  it would need passthrough, so not there);
- sixel where the terminal says it has it: its answer to the Primary Device Attributes
  query (CSI c, which every terminal answers) lists 4;
- Unicode half-blocks everywhere else: two coloured pixels per cell.

textual-image asks the terminal the same when its package is imported, writing to
stdout and reading stdin; once Textual runs, its input thread owns stdin and would get
(or lose) the answers, and the import would cost Pillow at start-up. So the question is
asked here, once, before Textual starts, and textual-image's package modules are set up
without running their detecting __init__s (see _widget_class).
"""

from __future__ import annotations

import os
import re
import sys
import time

# None: not asked (no terminal: tests under Pilot, or images never wanted): nothing drawn.
_method: str | None = None
_cell: tuple[int, int] = (10, 20)  # pixels of one cell (textual-image's VT340 guess)
DA1_TIMEOUT = 0.1  # seconds; a terminal answers in a few milliseconds
_DA1_REPLY = re.compile(rb"\x1b\[\?([0-9;]*)c")


def method() -> str | None:
    """"tgp", "sixel", "halfcell", or None when pictures cannot be drawn here."""
    return _method


def cell_size() -> tuple[int, int]:
    return _cell


def use(how: str | None, cell: tuple[int, int] = (10, 20)) -> None:
    """Set the way to draw (the tests, and detect)."""
    global _method, _cell
    _method, _cell = how, cell


def detect(setting: str) -> None:
    """Before the app starts: how the terminal on stdin/stdout draws pictures. With
    images "off" the terminal is not asked (the `i` key can still turn on half-blocks
    or kitty's protocol)."""
    try:
        if not (os.isatty(sys.stdin.fileno()) and os.isatty(sys.stdout.fileno())):
            return
    except (AttributeError, ValueError, OSError):  # closed or replaced streams
        return
    env = os.environ
    term = env.get("TERM", "")
    if term in ("dumb", ""):
        return
    how = "halfcell"
    if not env.get("TMUX") and (term == "xterm-kitty" or env.get("KITTY_WINDOW_ID")):
        how = "tgp"
    elif setting != "off" and term != "linux" and _has_sixel():
        how = "sixel"
    use(how, _cell_pixels())


def _cell_pixels() -> tuple[int, int]:
    """A cell's size in pixels from the window size the terminal reports (0 in many)."""
    try:
        import fcntl
        import struct
        import termios

        packed = fcntl.ioctl(sys.stdout.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
        rows, cols, width, height = struct.unpack("HHHH", packed)
    except (ImportError, OSError, ValueError):
        return _cell
    if rows and cols and width >= cols and height >= rows:
        return width // cols, height // rows
    return _cell


def _has_sixel() -> bool:
    """Ask the terminal (CSI c) whether it draws sixels: its reply lists attribute 4."""
    try:
        import select
        import termios
        import tty
    except ImportError:  # not a POSIX terminal
        return False
    fd_in, fd_out = sys.stdin.fileno(), sys.stdout.fileno()
    try:
        saved = termios.tcgetattr(fd_in)
    except termios.error:
        return False
    reply = b""
    try:
        tty.setcbreak(fd_in)  # the reply neither echoed nor held for a newline
        os.write(fd_out, b"\x1b[c")
        deadline = time.monotonic() + DA1_TIMEOUT
        while not _DA1_REPLY.search(reply) and len(reply) < 256:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd_in], [], [], left)[0]:
                break
            reply += os.read(fd_in, 64)
    except (OSError, termios.error):
        return False
    finally:
        termios.tcsetattr(fd_in, termios.TCSANOW, saved)
    found = _DA1_REPLY.search(reply)
    return bool(found) and b"4" in found.group(1).split(b";")


_classes: dict[str, type] = {}


def widget_class(how: str) -> type:
    """textual-image's widget for `how`. Imports Pillow and textual-image: call it in a
    thread the first time. ImportError when textual-image has changed its layout."""
    if how not in _classes:
        _classes[how] = _widget_class(how)
    return _classes[how]


def _widget_class(how: str) -> type:
    import importlib.util

    from textual_image import _terminal

    # Its cell size, cached before any of its modules asks the terminal (with Textual
    # reading stdin, the escape-sequence fallback would wait on a reply it never sees).
    if not hasattr(_terminal.get_cell_size, "_result"):
        _terminal.get_cell_size._result = _terminal.CellSize(*_cell)  # type: ignore[attr-defined]
    for name in ("textual_image.renderable", "textual_image.widget"):
        if name not in sys.modules:
            # The package without its __init__: that is what queries the terminal.
            spec = importlib.util.find_spec(name)
            if spec is None:
                raise ImportError(name)
            sys.modules[name] = importlib.util.module_from_spec(spec)
    if how == "sixel":
        from textual_image.widget.sixel import Image as SixelImage

        return SixelImage
    from textual_image.widget._base import Image as BaseImage

    if how == "tgp":
        from textual_image.renderable.tgp import Image as Renderable
    else:
        from textual_image.renderable.halfcell import Image as Renderable

    class PaneImage(BaseImage, Renderable=Renderable):
        """textual-image's widget, drawing with the renderable chosen here."""

    return PaneImage
