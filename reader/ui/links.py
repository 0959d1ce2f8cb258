"""The one way a URL from a feed leaves the app: checked, then handed to a browser.

Only http and https, never through a shell. On a Linux console with no display a
browser would be a text one fighting the TUI for the terminal, so we don't start one.
"""

from __future__ import annotations

import os
import sys
import threading
import webbrowser
from urllib.parse import urlsplit


def is_web_url(url: str) -> bool:
    if not url or len(url) > 8192 or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def has_graphical_browser() -> bool:
    if sys.platform in ("darwin", "win32") or os.environ.get("BROWSER"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


_webbrowser_lock = threading.Lock()


def _open(url: str) -> None:
    # webbrowser registers its browsers lazily and not thread-safely: two links opened
    # at the same moment could lose one, so launches go one at a time.
    with _webbrowser_lock:
        webbrowser.open(url, new=2)


def open_in_browser(url: str) -> bool:
    """Open a checked URL in the background; False if it was refused or there is no browser."""
    if not is_web_url(url) or not has_graphical_browser():
        return False
    # webbrowser runs the browser with an argument list (no shell); a thread keeps
    # a slow launcher from freezing the UI.
    threading.Thread(target=_open, args=(url,), daemon=True).start()
    return True
