"""e: an article's enclosures, to play (the TUI suspended, the player run without a
shell) or download (in a thread, from a loopback server)."""

from __future__ import annotations

import stat
import sys
from contextlib import contextmanager

import pytest

from reader.core.config import Config
from reader.core.library import Library
from reader.core.models import Enclosure
from reader.ui.screens.enclosures import EnclosurePicker
from reader.ui.widgets.article_view import header_content

from .conftest import add_feed, entry, quiet_app, settle, wait_until

WIDE = (120, 30)


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.fixture
def podcast(tmp_path, feed_server):
    record = tmp_path / "argv.txt"
    player = tmp_path / "player"
    player.write_text(f"#!{sys.executable}\nimport sys\n"
                      f"open({str(record)!r}, 'w').write('\\n'.join(sys.argv[1:]))\n")
    player.chmod(player.stat().st_mode | stat.S_IXUSR)
    downloads = tmp_path / "downloads"
    config = Config(player=f"{player} --no-video %s", download_dir=str(downloads))
    lib = Library(tmp_path / "reader.db", config)
    audio = feed_server.route("/ep/1.mp3", b"ID3" + b"\0" * 5000, content_type="audio/mpeg")
    episode = entry(1, "Епізод перший", hours_ago=1, feed="pod")
    episode.enclosures = [Enclosure(audio, "audio/mpeg", 5003),
                          Enclosure("https://cdn.example/1.mp4", "video/mp4", None)]
    add_feed(lib, "http://127.0.0.1:9/pod.xml", "Подкаст", ["podcasts"],
             [episode, entry(2, "No media", hours_ago=2, feed="pod")])
    yield lib, record, downloads, audio
    lib.close()


@contextmanager
def _suspend_logged(log: list[str]):
    log.append("suspend")
    yield
    log.append("resume")


async def test_e_plays_with_the_app_suspended_and_downloads_in_a_thread(podcast):
    lib, record, downloads, audio = podcast
    app = quiet_app(lib)
    log: list[str] = []
    app.suspend = lambda: _suspend_logged(log)  # the headless driver cannot suspend
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        assert app.main.headlines.selected.title == "Епізод перший"
        await pilot.press("e")
        await wait_until(pilot, app, lambda: isinstance(app.screen, EnclosurePicker))
        await pilot.press("down", "enter")  # the second: the video
        await wait_until(pilot, app, lambda: not isinstance(app.screen, EnclosurePicker))
        assert log == ["suspend", "resume"]
        assert record.read_text().split("\n") == ["--no-video", "https://cdn.example/1.mp4"]

        await pilot.press("e")
        await wait_until(pilot, app, lambda: isinstance(app.screen, EnclosurePicker))
        await pilot.press("d")  # the first: the episode
        await wait_until(pilot, app, lambda: any(m.startswith("Downloaded to")
                                                 for m in messages(app)))
        assert (downloads / "1.mp3").read_bytes().startswith(b"ID3")
        assert messages(app)[-1] == f"Downloaded to {downloads / '1.mp3'}"


async def test_e_on_an_article_without_enclosures_says_so(podcast):
    lib = podcast[0]
    app = quiet_app(lib)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("j")
        await settle(pilot, app)
        assert app.main.headlines.selected.title == "No media"
        await pilot.press("e")
        await wait_until(pilot, app, lambda: bool(messages(app)))
        assert messages(app) == ["This article has no enclosures (podcast episodes, videos)."]
        assert not isinstance(app.screen, EnclosurePicker)


async def test_a_missing_player_is_one_line_and_the_terminal_stays_ours(podcast):
    lib = podcast[0]
    lib.config.player = "no-such-player-x %s"
    app = quiet_app(lib)
    log: list[str] = []
    app.suspend = lambda: _suspend_logged(log)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await wait_until(pilot, app, lambda: isinstance(app.screen, EnclosurePicker))
        await pilot.press("enter")
        await wait_until(pilot, app, lambda: bool(messages(app)))
        assert log == []
        assert messages(app) == ["player 'no-such-player-x' not found: set [enclosures] player"
                                 " in config.toml"]


def test_the_article_header_names_the_enclosures(podcast):
    lib = podcast[0]
    (aid,) = lib.article_ids("Епізод")
    text = header_content(lib.article(aid), "").plain
    assert "Enclosures: audio/mpeg, video/mp4 · e plays or downloads" in text


def test_the_picker_names_each_by_its_file_type_size_and_host():
    from reader.ui.screens.enclosures import describe

    assert describe(Enclosure("https://cdn.example/ep/%D0%B5%D0%BF-1.mp3?x=1", "audio/mpeg",
                              52_300_000)) == "еп-1.mp3 · audio/mpeg · 52.3 MB · cdn.example"
    assert describe(Enclosure("https://cdn.example/%1b%5B2Jx.mp4", "", 5000)) == (
        "x.mp4 · 5,000 bytes · cdn.example")  # the escape sequence gone
    assert describe(Enclosure("https://cdn.example/", "", None)) == "(no file name) · cdn.example"
