"""The TUI against hostile feeds fetched from a loopback server: no escape sequence
from a feed reaches the terminal, markup is shown as text and never run, and links
open only when they are http(s), as one argument of a browser command, never a shell.

tests/ui covers the same widgets with hand-made data; these go through the fetcher,
the parser and the store, and one of them reads the bytes the real app writes to a
pseudo-terminal.
"""

from __future__ import annotations

import asyncio
import fcntl
import http.server
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reader.core.config import Config
from reader.core.library import Library

from .hostile_kit import ROOT, TERMINAL_CONTROL, Item, rss
from .test_escapes import hostile_json, hostile_rss
from .test_markup import MARKUP, markup_feed

pytest.importorskip("textual")
from reader.ui.app import make_app
from reader.ui.links import open_in_browser

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MARKUP_REASON = "Bad [/] [@click=app.quit]Gateway[/]"


def hostile_library(feed_server, db: Path, monkeypatch) -> Library:
    """Feeds with escapes and markup in every field, and failing feeds whose errors
    carry markup too, all fetched and stored the ordinary way."""
    real = http.server.BaseHTTPRequestHandler.send_response

    def send_response(self, code, message=None):  # a reason phrase is server text too
        return real(self, code, MARKUP_REASON if code == 502 else message)

    monkeypatch.setattr(http.server.BaseHTTPRequestHandler, "send_response", send_response)
    lib = Library(db, Config(timeout=3, connect_timeout=2))
    lib.subscribe(feed_server.route("/escapes", hostile_rss("raw")))
    lib.subscribe(feed_server.route("/json", hostile_json(), content_type="application/feed+json"))
    lib.subscribe(feed_server.route("/markup", markup_feed()))
    lib.subscribe(feed_server.route("/bad", b"", status=502), title="[/] bad [@click=app.quit]x[/]")
    lib.refresh()
    assert lib.count() == 2 + 1 + len(MARKUP)
    return lib


def frame_has_no_controls(svg: str) -> None:
    """An exported frame: no raw control character, and none written as a character reference."""
    assert not TERMINAL_CONTROL.search(svg)
    for ref in re.findall(r"&#(x?[0-9a-fA-F]+);", svg):
        code = int(ref[1:], 16) if ref.startswith("x") else int(ref)
        assert not (code < 32 and code not in (9, 10) or 0x7F <= code <= 0x9F), f"&#{ref};"


async def _settle(pilot, app) -> None:
    for _ in range(3):
        app.wait_for_writes()
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def _until(pilot, app, predicate, timeout: float = 20.0) -> None:
    """Pause until `predicate()` holds: a state, never a fixed time."""
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "condition not met in time"
        await pilot.pause(0.02)


async def test_every_article_renders_clean_and_literal(feed_server, tmp_path, monkeypatch):
    lib = await asyncio.to_thread(hostile_library, feed_server, tmp_path / "t.db", monkeypatch)
    opened: list[str] = []
    try:
        app = make_app(lib, lib.config, now=NOW, background_refresh=False, watch_db=False)
        app.url_opener = lambda url: opened.append(url) or True
        async with app.run_test(size=(160, 50)) as pilot:
            await _settle(pilot, app)
            main = app.main
            frames = [app.export_screenshot()]
            rows = [main.headlines.render_line(y).text for y in range(main.headlines.size.height)]
            sidebar = [main.sidebar.render_line(y).text for y in range(main.sidebar.size.height)]
            for title in MARKUP:  # every headline shows its markup as text
                assert any(title in row for row in rows), (title, rows)
            # The sidebar is narrow: titles are cut, but what shows is the literal text.
            assert any("[/] bad [@click=app.qu" in row for row in sidebar), sidebar
            assert any("[bold]Feed[/] [/] [@cl" in row for row in sidebar), sidebar
            assert not any(TERMINAL_CONTROL.search(row) for row in rows + sidebar)
            for _ in range(7):  # open the first articles (escapes, then markup)
                await pilot.press("enter")
                await _settle(pilot, app)
                article = main.article.article
                assert article is not None and app.is_running
                header = str(main.query_one("#article-header").render())
                assert article.title in header  # literally, markup and all
                assert not TERMINAL_CONTROL.search(header)
                await pilot.press("o")  # open its link: only http(s) ever reaches the opener
                await pilot.pause()
                frames.append(app.export_screenshot())
                await pilot.press("escape", "j")
                await pilot.pause()
            # A refresh inside the app: progress, toasts and errors carry feed text too.
            await pilot.press("R")
            await _settle(pilot, app)
            frames.append(app.export_screenshot())
            assert app.is_running
            for frame in frames:
                frame_has_no_controls(frame)
            text = "".join(frames)
            assert "Alpha" in text and "Omega" in text
            assert all(u.startswith(("http://", "https://")) for u in opened), opened
    finally:
        lib.close()


# ---------------------------------------------------------------- the bytes on the terminal


def _run_tui_on_a_pty(db: Path, keys: list[bytes], config: Path) -> tuple[int | None, bytes]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 150, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    env.pop("READER_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reader.cli", "--db", str(db), "--config", str(config)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=ROOT,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    out = bytearray()

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    out.extend(os.read(master, 65536))
                except OSError:
                    return

    def pump_until(marker: bytes, seconds: float) -> None:
        end = time.monotonic() + seconds
        while marker not in out and time.monotonic() < end:
            pump(0.1)

    try:
        pump_until(b"Omega", 20)  # start-up and the first frame with the headlines
        for key in keys:
            os.write(master, key)
            pump(0.25)
        pump_until(b"\x1b[?1049l", 10)  # the app left the alternate screen: it quit
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        if proc.poll() is None:  # (never leave the app running after a failure)
            proc.kill()
            proc.wait()
        os.close(master)
    return code, bytes(out)


def test_no_feed_escape_reaches_the_terminal(feed_server, tmp_path, monkeypatch):
    db = tmp_path / "pty.db"
    hostile_library(feed_server, db, monkeypatch).close()
    config = tmp_path / "c.toml"
    config.write_text("refresh_interval = 0\n")
    # Down the list, opening each article, then quit.
    keys = [b"\r", b"\x1b", b"j", b"\r", b"\x1b", b"j", b"\r", b"\x1b", b"q"]
    code, out = _run_tui_on_a_pty(db, keys, config)
    assert code == 0, out[-2000:]
    assert b"Traceback" not in out
    # The payloads of the feeds' sequences never reach the terminal...
    for marker in (b"pwned title", b"cm0gLXJmIH4vKgo=", b"evil.invalid", b"c1 title", b"544e"):
        assert marker not in out, marker
    # ...nor any 8-bit control (Textual itself writes only 7-bit ESC sequences).
    assert not re.search(rb"\xc2[\x80-\x9f]", out)
    # Textual's own sequences: CSI, and OSC 22 (the mouse pointer's shape). Once they are
    # removed, no ESC, BEL or other OSC (title, hyperlink, clipboard) is left.
    plain = re.sub(
        rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]"
        rb"|\x1b\]22;[ -~]*?(?:\x07|\x1b\\)",
        b"",
        out,
    )
    assert b"\x1b" not in plain and b"\x07" not in plain, plain[:200]
    assert not TERMINAL_CONTROL.search(plain.decode("utf-8", "replace").replace("\r", ""))
    text = plain.decode("utf-8", "replace")
    assert "Alpha" in text and "Omega" in text
    assert "[@click=app.quit]quit[/]" in text or "[/]" in text


# ---------------------------------------------------------------- opening links

_OPENER = textwrap.dedent("""
    import sys, threading
    from reader.ui.links import open_in_browser

    def wait():
        for t in threading.enumerate():
            if t is not threading.current_thread():
                t.join(10)

    results = []
    for url in sys.argv[1:]:  # one at a time, as a user opens them
        results.append(open_in_browser(url))
        wait()
    print(" ".join(map(str, results)))
""")


def test_links_open_only_http_as_one_argument(tmp_path):
    """The real opener, in a child whose $BROWSER is a script that records its argv."""
    record = tmp_path / "argv.txt"
    marker = tmp_path / "pwned"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n--\\n" "$a" >> {record}; done\n')
    browser.chmod(0o755)
    tricky = (
        f"https://e.invalid/a;touch%20{marker}?q=$(touch${{IFS}}{marker})&r=`id`"
        f"&s='\"|touch${{IFS}}{marker}"
    )
    refused = [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
        "mailto:a@e.invalid",
        "ftp://e.invalid/",
        "https://e.invalid/\x1b]0;x\x07",
        "https://e .invalid/",
        "//e.invalid/x",
        "",
        "http://",
        "about:blank",
        "chrome://settings",
    ]
    urls = ["https://e.invalid/ok", "http://e.invalid/plain", tricky, *refused]
    env = {**os.environ, "BROWSER": str(browser)}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    r = subprocess.run(
        [sys.executable, "-c", _OPENER, *urls],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=30,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    results = r.stdout.split()
    assert results == ["True", "True", "True"] + ["False"] * len(refused)
    deadline = time.monotonic() + 10  # the browser commands run on after the child exits
    while time.monotonic() < deadline:
        args = record.read_text().split("\n--\n")[:-1] if record.exists() else []
        if len(args) >= 3:
            break
        time.sleep(0.05)
    assert sorted(args) == sorted(["https://e.invalid/ok", "http://e.invalid/plain", tricky])
    assert not marker.exists()


def test_no_browser_on_a_text_console(monkeypatch):
    """With no display and no $BROWSER, nothing is started (it would fight the TUI
    for the terminal)."""
    for var in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    if sys.platform in ("darwin", "win32"):
        pytest.skip("desktop platforms always have a browser")
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a))
    assert open_in_browser("https://e.invalid/") is False
    assert started == []


async def test_in_app_links(feed_server, tmp_path):
    body = rss(
        [
            Item(
                title="web",
                guid="w",
                link="https://e.invalid/web",
                description="<a href='javascript:alert(1)'>js</a> <a href='https://e.invalid/in'>in</a>"
                " <a href='data:text/html,x'>data</a>",
                pub_date="Mon, 02 Nov 2026 10:00:00 GMT",
            ),
            Item(
                title="script",
                guid="s",
                link="javascript:alert(2)",
                pub_date="Mon, 02 Nov 2026 09:00:00 GMT",
            ),
            Item(
                title="data",
                guid="d",
                link="data:text/html,<b>x</b>",
                pub_date="Mon, 02 Nov 2026 08:00:00 GMT",
            ),
        ]
    )
    lib = Library(tmp_path / "l.db", Config(timeout=3))
    lib.subscribe(feed_server.route("/f", body))
    await asyncio.to_thread(lib.refresh)
    opened: list[str] = []
    try:
        app = make_app(lib, lib.config, now=NOW, background_refresh=False, watch_db=False)
        app.url_opener = lambda url: opened.append(url) or True
        async with app.run_test(size=(140, 40)) as pilot:
            await _settle(pilot, app)
            for _ in range(3):
                await pilot.press("o")
                await _settle(pilot, app)
                await pilot.press("j")
                await _settle(pilot, app)
            assert opened == ["https://e.invalid/web"]
            await pilot.press("g")
            await pilot.press("enter")
            await _settle(pilot, app)
            view = app.main.article
            links = list(getattr(view.query_one("#article-links"), "links", []))
            assert links == ["https://e.invalid/in"]
            # Every other way a link could be asked for is checked again at the app.
            for bad in ("javascript:alert(1)", "data:text/html,x", "file:///etc/passwd"):
                app.open_link(bad)
            await _settle(pilot, app)
            assert opened == ["https://e.invalid/web"]
    finally:
        lib.close()


# ---------------------------------------------------------------- the TUI during a CLI refresh


async def test_tui_open_during_a_cli_refresh(feed_server, tmp_path):
    """`reader refresh` in another shell while the TUI stars and marks articles:
    no "database is locked", every change kept, the TUI sees the new articles."""
    from .hostile_kit import simple_rss, write_config

    def bodies(round_: int) -> None:
        for f in range(10):
            feed_server.route(
                f"/f{f}",
                simple_rss(200 + round_ * 5, prefix=f"feed{f}", body=f"round {round_} " * 20),
            )

    bodies(0)
    db = tmp_path / "live.db"
    lib = Library(db, Config(timeout=10))
    for f in range(10):
        lib.subscribe(feed_server.url(f"/f{f}"))
    await asyncio.to_thread(lib.refresh)
    bodies(1)
    config = write_config(tmp_path / "c.toml", timeout=20, connect_timeout=10)
    try:
        app = make_app(lib, lib.config, now=NOW, background_refresh=False, watch_db=True)
        async with app.run_test(size=(140, 40)) as pilot:
            await _settle(pilot, app)
            proc = subprocess.Popen(  # noqa: ASYNC220 - starting it does not block
                [
                    sys.executable,
                    "-m",
                    "reader.cli",
                    "--db",
                    str(db),
                    "--config",
                    str(config),
                    "refresh",
                    "-q",
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            toggles: dict[int, int] = {}
            presses = 0
            while proc.poll() is None or presses < 10:
                selected = app.main.headlines.selected
                await pilot.press("s")  # star it
                toggles[selected.id] = toggles.get(selected.id, 0) + 1
                await pilot.press("j")  # next
                presses += 1
                await pilot.pause(0.02)
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            assert "locked" not in err
            await _settle(pilot, app)
            assert app.is_running
            assert set(lib.article_ids("is:starred")) == {i for i, n in toggles.items() if n % 2}
            assert lib.count() == 10 * 205  # the refresh's new articles are all there
            # The app's own poll for outside writes (every POLL_SECONDS) reloads the view:
            # waited for as a state, the view holding every new article.
            await _until(pilot, app, lambda: len(app.main.headlines.ids) == 10 * 205)
            await _settle(pilot, app)
            assert app.main.headlines.selected
    finally:
        lib.close()
