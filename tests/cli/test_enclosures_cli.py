"""`reader enclosures`, `play`, `download`, and enclosures in `show` and `--json`, end to
end: a podcast feed and its episodes served from a loopback server."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from reader.cli import main


def podcast(server) -> str:
    episode = server.route("/ep/" + quote("епізод-1.mp3"), b"ID3" + os.urandom(20_000),
                           content_type="audio/mpeg")
    feed = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Радіо подкаст</title><link>https://pod.example/</link>
<item><title>Епізод 1</title><guid>ep1</guid><link>https://pod.example/1</link>
<description>Перший</description>
<enclosure url="{episode}" type="audio/mpeg" length="20003"/>
<enclosure url="https://cdn.example/ep1-video.mp4" type="video/mp4"/></item>
<item><title>Note</title><guid>n1</guid><description>no media</description></item>
</channel></rss>"""
    return server.route("/feed.xml", feed.encode())


@pytest.fixture
def env(tmp_path, feed_server):
    record = tmp_path / "argv.txt"
    player = tmp_path / "player"
    player.write_text(f"#!{sys.executable}\nimport sys\n"
                      f"open({str(record)!r}, 'w').write('\\n'.join(sys.argv[1:]))\n"
                      "sys.exit(3 if '--fail' in sys.argv else 0)\n")
    player.chmod(player.stat().st_mode | stat.S_IXUSR)
    config = tmp_path / "config.toml"
    downloads = tmp_path / "Завантаження"
    config.write_text(f'[enclosures]\nplayer = "{player} --no-video %s"\n'
                      f'download_dir = "{downloads}"\n')
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["--db", str(tmp_path / "r.db"), "--config", str(config),
                                    *args], catch_exceptions=False)

    assert run("add", podcast(feed_server)).exit_code == 0
    ids = {a["title"]: a["id"] for a in json.loads(run("list", "--json").stdout)}
    run.episode, run.note = str(ids["Епізод 1"]), str(ids["Note"])
    run.record, run.downloads, run.config, run.player = record, downloads, config, player
    return run


def test_enclosures_lists_them_numbered(env):
    r = env("enclosures", env.episode)
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("[1] audio/mpeg 20.0 kB http://127.0.0.1:")
    assert lines[1] == "[2] video/mp4 https://cdn.example/ep1-video.mp4"
    none = env("enclosures", env.note)
    assert none.exit_code == 1 and "has no enclosures" in none.stderr


def test_show_and_json_include_enclosures(env):
    shown = env("show", env.episode).stdout
    assert "enclosure: [2] video/mp4 https://cdn.example/ep1-video.mp4" in shown
    (episode,) = [a for a in json.loads(env("list", "--json").stdout)
                  if str(a["id"]) == env.episode]
    assert episode["enclosures"][1] == {"url": "https://cdn.example/ep1-video.mp4",
                                        "type": "video/mp4", "length": None}
    assert episode["enclosures"][0]["length"] == 20003


def test_play_runs_the_player_with_the_url_as_one_argument(env):
    r = env("play", env.episode, "2")
    assert r.exit_code == 0, r.output
    assert env.record.read_text().split("\n") == ["--no-video",
                                                  "https://cdn.example/ep1-video.mp4"]
    env.config.write_text(f'[enclosures]\nplayer = "{env.player} --fail"\n')
    failed = env("play", env.episode)
    assert failed.exit_code == 3 and "exited with status 3" in failed.stderr
    assert env("play", env.episode, "3").exit_code == 1
    env.config.write_text('[enclosures]\nplayer = "no-such-player-x %s"\n')
    missing = env("play", env.episode)
    assert missing.exit_code == 1 and "player 'no-such-player-x' not found" in missing.stderr


def test_download_saves_the_file_and_never_overwrites(env):
    first = env("download", env.episode)
    assert first.exit_code == 0, first.output
    path = Path(first.stdout.strip())
    assert path.parent == env.downloads and path.name == "епізод-1.mp3"
    assert path.read_bytes().startswith(b"ID3") and path.stat().st_size == 20_003
    second = Path(env("download", env.episode, "1").stdout.strip())
    assert second.name == "епізод-1 (2).mp3"
    bad = env("download", env.episode, "5")
    assert bad.exit_code == 1 and "give a number from 1 to 2" in bad.stderr
    assert sorted(p.name for p in env.downloads.iterdir()) == ["епізод-1 (2).mp3",
                                                                "епізод-1.mp3"]
