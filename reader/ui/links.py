"""The one way a URL from a feed leaves the app: checked, then handed to a browser.

Only http and https, always as one argument, never through a shell. Two kinds of browser:

- The user's $BROWSER (newsboat's and Python's webbrowser convention: commands separated by
  ":", "%s" standing for the URL, else the URL goes last; a trailing "&" starts one in the
  background). It may well be a text browser, so it gets the terminal: the app suspends itself
  around `run_browser`, which waits for it.
- Without $BROWSER, the system's graphical browser through Python's webbrowser module, run in
  a child process with no terminal at all (its output goes nowhere, it cannot read keys, and
  webbrowser cannot fall back on w3m or lynx there), so the UI never waits for it.

On a Linux console with no display and no $BROWSER, webbrowser could only pick a text browser,
and that would fight the TUI for the terminal: nothing is started (the app copies the link).
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from typing import NamedTuple

from reader.core.urls import is_web_url


def has_graphical_browser() -> bool:
    if sys.platform in ("darwin", "win32") or os.environ.get("BROWSER"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class BrowserCommand(NamedTuple):
    argv: list[str]
    background: bool  # a trailing "&": started away from the terminal, not waited for


def browser_commands(url: str, browser: str | None = None) -> list[BrowserCommand]:
    """The commands $BROWSER (or `browser`) names for `url`, in the order to try them.

    Raises ValueError for an entry shlex cannot split (an unclosed quote)."""
    spec = os.environ.get("BROWSER", "") if browser is None else browser
    commands = []
    for entry in spec.split(os.pathsep):
        entry = entry.strip()
        if not entry:
            continue
        if "%s" not in entry and shutil.which(entry):
            words = [entry]  # a whole path, spaces and all (what webbrowser does)
        else:
            words = shlex.split(entry)
        background = bool(words) and words[-1] == "&"
        if background:
            words.pop()
        if not words:
            continue
        if "%s" in entry:
            # Substituted into the split words: the URL stays one argument whatever it holds.
            argv = [words[0], *(w.replace("%s", url) for w in words[1:])]
        else:
            argv = [*words, url]
        commands.append(BrowserCommand(argv, background))
    return commands


def _status(name: str, code: int) -> str:
    if code < 0:
        try:
            return f"{name} was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"{name} was killed by signal {-code}"
    return f"{name} exited with status {code}"


@contextmanager
def _interrupts_go_to_the_child() -> Iterator[None]:
    """Ctrl+C and Ctrl+\\ in the browser signal our process group too: like system(3), the
    parent lets them pass while it waits. Handlers (not SIG_IGN) so the child, which gets
    the default action back at exec, can still be interrupted."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    saved = {}
    for sig in (signal.SIGINT, getattr(signal, "SIGQUIT", None)):
        if sig is not None:
            saved[sig] = signal.signal(sig, lambda *_: None)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _run_attached(argv: list[str]) -> int:
    """Run argv on our terminal and wait for it; its exit status."""
    with _interrupts_go_to_the_child():
        return subprocess.run(argv, check=False).returncode


def _start_detached(argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start argv with no terminal: no input, output to nowhere, a session of its own."""
    return subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
        env=env,
    )


def _reap(process: subprocess.Popen, then: Callable[[int], None] | None = None) -> None:
    def wait() -> None:
        code = process.wait()
        if then is not None:
            then(code)

    threading.Thread(target=wait, name="reader-browser", daemon=True).start()


def run_browser(
    url: str,
    attached: Callable[[], AbstractContextManager[object]] = nullcontext,
    browser: str | None = None,
) -> str | None:
    """Open `url` with $BROWSER's first command that works; None, or one line saying why not.

    A command that runs on the terminal does so inside `attached()` (the app's suspend),
    entered once, when the first one starts, and waited for. As webbrowser does, a command
    that cannot start or exits non-zero passes the turn to the next."""
    try:
        commands = browser_commands(url, browser)
    except ValueError as e:
        return f"$BROWSER could not be read: {e}"
    if not commands:
        return "$BROWSER names no command"
    failures = []
    suspended = False
    with ExitStack() as handed_over:
        for argv, background in commands:
            name = os.path.basename(argv[0])
            if shutil.which(argv[0]) is None:  # checked first: no suspend for a missing program
                failures.append(f"{name} not found")
                continue
            try:
                if background:
                    _reap(_start_detached(argv))
                    return None
                if not suspended:
                    handed_over.enter_context(attached())
                    suspended = True
                code = _run_attached(argv)
            except OSError as e:
                failures.append(f"{name} could not start ({e.strerror or e})")
                continue
            if code == 0:
                return None
            failures.append(_status(name, code))
    return "Browser failed: " + "; ".join(failures)


# Python's webbrowser, in a child isolated from the working directory (-I: no stray
# webbrowser.py there gets imported); exit status 1 when no browser took the URL.
_SYSTEM_BROWSER = (
    "import sys, webbrowser; sys.exit(0 if webbrowser.open(sys.argv[1], new=2) else 1)"
)


def start_system_browser(url: str, on_error: Callable[[str], None] | None = None) -> None:
    """Hand `url` to the system's browser in the background; `on_error(line)`, from another
    thread, if none took it. Without TERM, webbrowser registers no text browser."""
    env = {k: v for k, v in os.environ.items() if k not in ("TERM", "BROWSER")}
    argv = [sys.executable, "-I", "-c", _SYSTEM_BROWSER, url]
    try:
        process = _start_detached(argv, env)
    except OSError as e:
        if on_error is not None:
            on_error(f"Could not start a browser: {e.strerror or e}")
        return

    def done(code: int) -> None:
        if code != 0 and on_error is not None:
            on_error("No browser could open the link.")

    _reap(process, done)


def open_in_browser(url: str, on_error: Callable[[str], None] | None = None) -> bool:
    """Open a checked URL; False if it was refused or there is no browser to open it.

    With $BROWSER its command runs on this terminal and is waited for (a TUI must suspend
    itself around this call: ReaderApp.open_link does); else the system's browser starts in
    the background."""
    if not is_web_url(url) or not has_graphical_browser():
        return False
    if os.environ.get("BROWSER"):
        error = run_browser(url)
        if error is not None and on_error is not None:
            on_error(error)
        return error is None
    start_system_browser(url, on_error)
    return True


def links_to_offer(body_links: list[str], own_link: str | None) -> tuple[list[str], str | None]:
    """What L offers for an open article, and a note to show: the links in its text; an
    article with none offers its own link (the page it was published on), saying there
    are no others; an article with no web link at all, a note alone."""
    if body_links:
        return body_links, None
    if own_link and is_web_url(own_link):
        return [own_link], "No links in this article's text: here is its own link."
    return [], "This article has no links."
