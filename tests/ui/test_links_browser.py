"""Opening links in a browser ($BROWSER on the terminal with the TUI suspended, or the
system's browser away from it), and the Ctrl+C quit hint."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from reader.core.config import Config
from reader.ui import links
from reader.ui.app import make_app
from reader.ui.widgets.article_view import ArticleView

from .conftest import NOW, quiet_app, settle, wait_until

WIDE = (120, 30)
FIRST_LINK = "https://world.example.com/1"  # the first headline's link
ROOT = Path(__file__).resolve().parents[2]


def script(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return str(path)


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


def record_suspend(app, log: list[str]) -> None:
    """The headless driver can't suspend: stand in for App.suspend, logging enter/exit."""

    @contextmanager
    def suspend():
        log.append("suspend")
        yield
        log.append("resume")

    app.suspend = suspend


# -- $BROWSER, parsed ---------------------------------------------------------------------


def test_browser_commands_follow_the_webbrowser_convention(tmp_path):
    url = "https://e.invalid/a?b=1&c='$(id)';`id`|x"
    spaced = tmp_path / "my browser"
    script(spaced, "exit 0\n")
    spec = os.pathsep.join(
        ["w3m", "lynx -accept_all_cookies", "firefox --new-tab=%s 'two words'", "chromium %s &"]
        + [str(spaced), ""]
    )
    assert links.browser_commands(url, spec) == [
        links.BrowserCommand(["w3m", url], False),
        links.BrowserCommand(["lynx", "-accept_all_cookies", url], False),
        links.BrowserCommand(["firefox", f"--new-tab={url}", "two words"], False),
        links.BrowserCommand(["chromium", url], True),
        links.BrowserCommand([str(spaced), url], False),
    ]
    assert links.browser_commands(url, "") == []
    with pytest.raises(ValueError):
        links.browser_commands(url, "w3m 'unclosed %s")


def test_run_browser_tries_each_command_until_one_works(tmp_path):
    out = tmp_path / "argv"
    good = script(tmp_path / "good.sh", f'printf "%s\\n" "$@" > {out}\n')
    bad = script(tmp_path / "bad.sh", "exit 4\n")
    entered = []

    @contextmanager
    def attached():
        entered.append(True)
        yield

    url = "https://e.invalid/x?a=1&b=$(id)"
    spec = os.pathsep.join(["/nonexistent/browser", bad, f"{good} -x %s"])
    assert links.run_browser(url, attached, spec) is None
    assert out.read_text().splitlines() == ["-x", url]
    assert entered == [True]  # one suspend for both commands that ran, none for the missing
    entered.clear()
    error = links.run_browser(url, attached, os.pathsep.join(["/nonexistent/browser", bad]))
    assert error == "Browser failed: browser not found; bad.sh exited with status 4"
    assert links.run_browser(url, attached, "/nonexistent/a") == "Browser failed: a not found"
    assert entered == [True]  # the missing program alone never takes the terminal


def test_ctrl_c_in_the_browser_does_not_interrupt_the_app(tmp_path):
    """The browser's Ctrl+C reaches our process group: the app lives on, the browser
    (which gets the default action back) can still be interrupted. In a child process, so
    a failure can't interrupt pytest."""
    interrupts_parent = script(tmp_path / "a.sh", "kill -INT $PPID\nsleep 0.2\nexit 0\n")
    interrupts_itself = script(tmp_path / "b.sh", "kill -INT $$\nsleep 1\nexit 0\n")
    code = textwrap.dedent(f"""
        from reader.ui.links import run_browser
        print(run_browser("https://e.invalid/", browser={interrupts_parent!r}))
        print(run_browser("https://e.invalid/", browser={interrupts_itself!r}))
    """)
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["None", "Browser failed: b.sh was killed by SIGINT"]


# -- $BROWSER, from the app ---------------------------------------------------------------


async def test_o_runs_browser_with_the_tui_suspended(library, tmp_path, monkeypatch):
    browser = script(tmp_path / "browser", "exit 0\n")
    monkeypatch.setenv("BROWSER", f"{browser} --new %s")
    app = quiet_app(library)
    log: list[str] = []
    record_suspend(app, log)

    def run(argv):
        log.append(argv)
        return 0

    monkeypatch.setattr(links, "_run_attached", run)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("o")
        await pilot.pause()
        assert log == ["suspend", [browser, "--new", FIRST_LINK], "resume"]
        assert messages(app) == []
        assert app.is_running


async def test_browser_failure_is_reported_in_one_plain_line(library, tmp_path, monkeypatch):
    """A real child that prints and exits 3, then a program that does not exist."""
    failing = script(tmp_path / "fails.sh", "echo '[b]printed[/b]'\necho oops >&2\nexit 3\n")
    monkeypatch.setenv("BROWSER", failing)
    app = quiet_app(library)
    log: list[str] = []
    record_suspend(app, log)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("o")
        await pilot.pause()
        assert log == ["suspend", "resume"]
        assert messages(app) == ["Browser failed: fails.sh exited with status 3"]
        monkeypatch.setenv("BROWSER", str(tmp_path / "no-such-browser"))
        await pilot.press("o")
        await pilot.pause()
        assert log == ["suspend", "resume"]  # nothing started: the terminal stays ours
        assert messages(app)[-1] == "Browser failed: no-such-browser not found"
        assert all(not n.markup for n in app._notifications)
        assert app.is_running


async def test_browser_in_the_background_keeps_the_terminal(library, tmp_path, monkeypatch):
    browser = script(tmp_path / "gui", "exit 0\n")
    monkeypatch.setenv("BROWSER", f"{browser} %s &")
    app = quiet_app(library)
    log: list = []
    record_suspend(app, log)
    monkeypatch.setattr(links, "_run_attached", lambda argv: log.append(("attached", argv)))
    monkeypatch.setattr(links, "_reap", lambda process, then=None: None)
    monkeypatch.setattr(links, "_start_detached", lambda argv: log.append(("detached", argv)))
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("o")
        await pilot.pause()
        assert log == [("detached", [browser, FIRST_LINK])]
        assert messages(app) == []


async def test_no_suspend_support_is_reported(library, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER", script(tmp_path / "browser", "exit 0\n"))
    monkeypatch.setattr(links, "_run_attached", lambda argv: pytest.fail("ran unsuspended"))
    app = quiet_app(library)  # the headless driver can't suspend
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("o")
        await pilot.pause()
        assert messages(app) == ["This terminal can't be handed to $BROWSER here."]


# -- no $BROWSER: the system's browser, away from the terminal ----------------------------


class FakeProcess:
    def __init__(self, release: threading.Event, code: int = 0) -> None:
        self.release, self.code = release, code

    def wait(self) -> int:
        self.release.wait(10)
        return self.code


@pytest.mark.skipif(sys.platform != "linux", reason="the display variables are Linux's")
async def test_system_browser_starts_detached_and_never_blocks(library, monkeypatch):
    monkeypatch.delenv("BROWSER", raising=False)
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setenv("TERM", "xterm")
    release = threading.Event()
    started = []

    def popen(argv, **kwargs):
        started.append((argv, kwargs))
        return FakeProcess(release, code=1)

    monkeypatch.setattr(links.subprocess, "Popen", popen)
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("o")
        await pilot.pause()
        # the browser is still running (wait() blocks) and the UI goes on
        await pilot.press("j")
        await pilot.pause()
        assert app.main.headlines.cursor == 1
        [(argv, kwargs)] = started
        assert argv[0] == sys.executable and argv[-1] == FIRST_LINK and "-I" in argv
        assert kwargs["stdin"] == kwargs["stdout"] == kwargs["stderr"] == subprocess.DEVNULL
        assert kwargs["start_new_session"] is True
        assert "TERM" not in kwargs["env"]  # so webbrowser can't fall back on a text browser
        assert messages(app) == []
        release.set()  # ... and it says that no browser took the link
        await wait_until(pilot, app, lambda: messages(app))
        assert messages(app) == ["No browser could open the link."]


@pytest.mark.skipif(sys.platform != "linux", reason="the display variables are Linux's")
async def test_system_browser_real_child_reports_no_browser(library, monkeypatch, tmp_path):
    monkeypatch.delenv("BROWSER", raising=False)
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setenv("PATH", str(tmp_path))  # no xdg-open, gio or firefox to find
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("o")
        await wait_until(pilot, app, lambda: messages(app), timeout=20)
        assert messages(app) == ["No browser could open the link."]


# -- Ctrl+C -------------------------------------------------------------------------------


async def test_ctrl_c_hint_is_plain_and_names_the_keys_that_quit(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert messages(app) == ["Press q or Ctrl+Q to quit"]
        assert all(not n.markup for n in app._notifications)
        # in the article pane q goes back, so only Ctrl+Q quits there
        await pilot.press("enter")
        await settle(pilot, app)
        app.main.article.focus()
        await pilot.pause()
        assert isinstance(app.focused, ArticleView)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert messages(app)[-1] == "Press Ctrl+Q to quit"
        assert app.is_running


async def test_ctrl_c_hint_follows_a_remapped_quit_key(library):
    app = make_app(
        library, Config(keys={"quit": "x"}), now=NOW, background_refresh=False, watch_db=False
    )
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert messages(app) == ["Press x or Ctrl+Q to quit"]


async def test_ctrl_c_still_copies_selected_text(library):
    app = quiet_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"harbor")
        await pilot.press("shift+home", "ctrl+c")
        await pilot.pause()
        assert app.clipboard == "harbor"
        assert messages(app) == []


async def test_l_on_an_article_without_links_offers_its_own_link(library):
    """L on an open article whose text has no links offered nothing ("open an article
    with links first"): it offers the article's own link and says there are no others."""
    from reader.ui.screens.pickers import LinkPicker

    opened: list[str] = []
    app = quiet_app(library)
    app.url_opener = lambda url: opened.append(url) or True
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = app.main
        for _ in range(len(main.headlines.ids)):
            await pilot.press("enter")
            await settle(pilot, app)
            article = main.article.article
            if not main.article.links and article.link.startswith("https://"):
                break
            await pilot.press("escape", "j")
        assert not main.article.links, "every article of the test library has links"
        own = main.article.article.link
        await pilot.press("L")
        await settle(pilot, app)
        assert isinstance(app.screen, LinkPicker) and app.screen.links == [own]
        assert "No links in this article's text: here is its own link." in messages(app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert opened == [own] and app.screen is main


def test_links_to_offer():
    assert links.links_to_offer(["https://a.example/x"], "https://b.example/") == (
        ["https://a.example/x"], None)
    assert links.links_to_offer([], "https://новини.example/стаття")[0] == [
        "https://новини.example/стаття"]
    assert links.links_to_offer([], "javascript:alert(1)") == ([], "This article has no links.")
    assert links.links_to_offer([], None) == ([], "This article has no links.")
