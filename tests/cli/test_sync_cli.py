"""`reader sync`, `sync --status`, and add/remove/feeds/refresh with a sync server in
config.toml, as a user runs them. The server down (a closed port on 127.0.0.1): one line,
exit 1, every change kept. Against a real Miniflux: tests/sync/test_engine_servers.py."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import main

SECRET = "pässwörd-Секрет-9917"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss(title: str, guids: list[str]) -> str:
    items = "".join(f"<item><title>Новина {g}</title><guid>{g}</guid>"
                    f"<link>https://example.org/{g}</link></item>" for g in guids)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"{items}</channel></rss>")


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("READER_SYNC_PASSWORD", SECRET)
    db = tmp_path / "reader.db"
    config = tmp_path / "config.toml"
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["--db", str(db), "--config", str(config), *args],
                             catch_exceptions=False)

    def configure(section: str | None) -> None:
        config.write_text(f"[sync]\n{section}\n" if section is not None else "",
                          encoding="utf-8")

    run.db, run.configure, run.tmp = db, configure, tmp_path
    configure(f'service = "miniflux"\nurl = "http://127.0.0.1:{closed_port()}"\n'
              'username = "оля"')
    return run


def feed_file(env, name: str, guids: list[str]) -> str:
    path: Path = env.tmp / name
    path.write_text(rss(name, guids), encoding="utf-8")
    return path.resolve().as_uri()


def test_status_without_a_sync_section(env):
    env.configure(None)
    env("add", feed_file(env, "a.xml", ["1"]))
    r = env("sync", "--status")
    assert r.exit_code == 0 and "not configured" in r.output
    assert "(local)" not in env("feeds").output  # (no server: nothing to tell apart)
    r = env("sync")
    assert r.exit_code == 1
    assert r.output.count("\n") == 1 and "no [sync] section" in r.output


def test_bad_sync_section_is_one_line_naming_the_key(env):
    env.configure('service = "feedly"\nurl = "http://x"')
    env("add", "--local", feed_file(env, "a.xml", ["1"]))
    for args in (("sync",), ("sync", "--status")):
        r = env(*args)
        assert r.exit_code == 1 and r.output.count("\n") == 1
        assert "[sync] service must be one of" in r.output


def test_add_while_the_server_is_down_stays_queued_and_says_so(env, feed_server):
    url = feed_server.route("/news.xml", rss("news.xml", ["1", "2"]).encode())
    r = env("add", url, "-t", "Новини")
    assert r.exit_code == 0, r.output
    assert "added 1: news.xml" in r.output and "queued" in r.output
    status = json.loads(env("sync", "--status", "--json").output)
    assert status["pending"] == 1 and status["service"] == "miniflux"
    assert status["username"] == "оля" and status["last_error"].startswith("http://127.0.0.1:")
    assert "news.xml [Новини]  (to subscribe on the server)" in env("feeds").output
    (feed,) = json.loads(env("feeds", "--json").output)
    assert feed["synced"] is True and feed["remote_id"] is None
    # the feed is here, fetched from its site as any other, and reading works offline
    assert "Новина 1" in env("list").output


def test_sync_failure_is_one_line_exit_1_and_nothing_lost(env):
    env("add", "--local", feed_file(env, "local.xml", ["1"]))
    r = env("sync")
    assert r.exit_code == 1
    assert r.output.count("\n") == 1 and "cannot connect" in r.output
    assert "kept for the next sync" in r.output
    r = env("sync", "--json")
    out = json.loads(r.output)
    assert r.exit_code == 1 and out["ok"] is False and "cannot connect" in out["error"]


def test_add_local_queues_nothing_and_feeds_marks_it(env):
    # (a file: no server could fetch it, so it stays here without --local too)
    r = env("add", feed_file(env, "here.xml", ["1"]))
    assert r.exit_code == 0 and "server" not in r.output
    assert json.loads(env("sync", "--status", "--json").output)["pending"] == 0
    r = env("feeds")
    assert "here.xml  (local)" in r.output
    (feed,) = json.loads(env("feeds", "--json").output)
    assert feed["synced"] is False and feed["remote_id"] is None


def test_status_shows_what_waits_and_never_the_password(env, feed_server):
    env("add", feed_server.route("/a.xml", rss("a", ["1"]).encode()))
    r = env("sync", "--status")
    assert r.exit_code == 0
    assert "service:       miniflux" in r.output and "user:          оля" in r.output
    assert "pending:       1 change" in r.output and "0 synced, 0 local" in r.output
    everything = r.output + env("sync").output + env("sync", "--json").output
    assert SECRET not in everything
    assert SECRET.encode() not in env.db.read_bytes()


def test_refresh_syncs_first_and_fails_when_the_sync_did(env):
    env("add", "--local", feed_file(env, "a.xml", ["1"]))
    r = env("refresh")
    assert r.exit_code == 1
    assert "sync failed" in r.output and "refreshed 1 feed" in r.output


def test_secret_from_password_command_never_written(env, tmp_path, feed_server):
    import sys
    env.configure(f'service = "miniflux"\nurl = "http://127.0.0.1:{closed_port()}"\n'
                  f"password_command = {json.dumps([sys.executable, '-c', f'print({SECRET!r})'])}")
    env("add", feed_server.route("/a.xml", rss("a", ["1"]).encode()))
    outputs = env("sync").output + env("sync", "--status", "--json").output
    assert SECRET not in outputs
    for p in tmp_path.iterdir():
        if p.name.startswith("reader.db"):
            assert SECRET.encode() not in p.read_bytes()


def test_no_password_at_all_is_said_before_the_server_is_asked(env, monkeypatch):
    monkeypatch.delenv("READER_SYNC_PASSWORD")
    result = env("sync")
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "no password: set password_command" in result.output
    assert "READER_SYNC_PASSWORD" in result.output and "login refused" not in result.output


def test_config_shows_the_sync_section_never_the_password_command_s_arguments(env):
    env.configure('service = "miniflux"\nurl = "http://127.0.0.1:9"\nusername = "оля"\n'
                  f'password_command = ["sh", "-c", "echo {SECRET}"]')
    result = env("config")
    assert result.exit_code == 0
    assert "[sync]" in result.output and "service = 'miniflux'" in result.output
    assert "username = 'оля'" in result.output and "runs 'sh'" in result.output
    assert SECRET not in result.output and "echo" not in result.output


def test_add_of_a_feed_this_machine_cannot_reach_is_queued_for_the_server(env):
    """Offline, or a feed only the server can fetch: the subscription still goes to the
    server (queued), rather than failing as it would without sync."""
    url = f"http://127.0.0.1:{closed_port()}/новини.xml"
    r = env("add", url, "-t", "Новини")
    assert r.exit_code == 0, r.output
    assert "not fetched here: cannot" in r.output and "the server fetches it" in r.output
    assert "queued" in r.output
    assert json.loads(env("sync", "--status", "--json").output)["pending"] == 1
    (feed,) = json.loads(env("feeds", "--json").output)
    assert feed["synced"] is True and feed["tags"] == ["Новини"]
    env("add", url, "--local")   # (already subscribed: one line, nothing more queued)
    assert json.loads(env("sync", "--status", "--json").output)["pending"] == 1


def test_add_local_of_a_feed_this_machine_cannot_reach_fails_as_without_sync(env):
    r = env("add", f"http://127.0.0.1:{closed_port()}/feed.xml", "--local")
    assert r.exit_code == 1 and "cannot" in r.output and "fetches it" not in r.output
    assert not env.db.exists()   # (a first add that failed leaves no database)
