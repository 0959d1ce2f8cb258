"""The whole sync end to end against a real Miniflux (tests/sync/conftest.py): reader's
Library and CLI on one side, Miniflux's own API on the other to look at what it holds.

The server goes away and comes back through a TCP relay on 127.0.0.1 (Relay) that the
test closes and opens: the session's Miniflux itself keeps running for the other tests.
The same relay holds the server's answers back, to kill `reader sync` with SIGKILL after
the server applied a push and before reader heard of it (the worst moment)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.core.library import Library

from .relay import Relay
from .servers import Item, wait_until


@pytest.fixture
def relay(miniflux):
    r = Relay(int(miniflux.url.rsplit(":", 1)[1]))
    yield r
    r.release()
    r.down()


@pytest.fixture
def setup(miniflux, relay, tmp_path, monkeypatch):
    """A reader database and config.toml syncing with this test's Miniflux user,
    through the relay; two feeds on the server (Ukrainian, Japanese)."""
    monkeypatch.setenv("READER_SYNC_PASSWORD", miniflux.password)
    config = tmp_path / "config.toml"
    config.write_text(f'[sync]\nservice = "miniflux"\nurl = "{relay.url}"\n'
                      f'username = "{miniflux.username}"\n', encoding="utf-8")
    site = miniflux.feed_server
    name = miniflux.username
    ua = site.publish(f"{name}-ua", "Українська правда", [
        Item(f"{name}-ua-{i}", f"Новина {i}", f"<p>Київ, день {i}</p>") for i in range(3)])
    jp = site.publish(f"{name}-jp", "NHKニュース", [
        Item(f"{name}-jp-{i}", f"ニュース {i}", f"<p>東京 {i}</p>") for i in range(2)])
    ua_id = miniflux.add_feed(ua, "Новини")
    jp_id = miniflux.add_feed(jp, "日本")
    setup = {"db": tmp_path / "r.db", "config": config, "ua": ua, "jp": jp, "ua_id": ua_id,
             "jp_id": jp_id, "tmp": tmp_path}
    return setup


def library(setup) -> Library:
    from reader.core.config import load_config

    return Library(setup["db"], load_config(setup["config"]))


def reader(setup, *args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reader.cli", "--db", str(setup["db"]),
                           "--config", str(setup["config"]), *args],
                          capture_output=True, text=True, timeout=120, **kw)


def server_flags(miniflux) -> dict[str, tuple[str, bool]]:
    return {e["title"]: (e["status"], e["starred"]) for e in miniflux.entries()}


def test_first_sync_new_entries_and_read_star_both_ways(miniflux, setup):
    r = reader(setup, "sync")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("synced with miniflux: 2 feeds added, 5 new articles, "
                        "0 changes pushed, 0 pending\n")
    lib = library(setup)
    try:
        feeds = {f.title: f for f in lib.feeds()}
        assert feeds["Українська правда"].tags == ["Новини"]
        assert feeds["NHKニュース"].remote_id == str(setup["jp_id"])
        assert [lib.article(i).title for i in lib.article_ids("київ день 2")] == ["Новина 2"]
        # read and starred here -> there
        ids = {a.title: a.id for a in lib.articles()}
        lib.set_read([ids["Новина 0"], ids["ニュース 1"]])
        lib.set_starred([ids["Новина 1"]])
        # read and starred there -> here
        entry = {e["title"]: e["id"] for e in miniflux.entries()}
        miniflux.api("PUT", "/v1/entries", json={"entry_ids": [entry["ニュース 0"]],
                                                 "status": "read"})
        miniflux.api("PUT", f"/v1/entries/{entry['Новина 2']}/bookmark")
        summary = lib.sync()
        assert summary.ok, summary.error
        assert summary.pushed == 3 and summary.pending == 0
        flags = server_flags(miniflux)
        assert flags["Новина 0"] == ("read", False) and flags["ニュース 1"][0] == "read"
        assert flags["Новина 1"] == ("unread", True)
        mine = {a.title: (a.read, a.starred) for a in lib.articles()}
        assert mine["ニュース 0"] == (True, False) and mine["Новина 2"] == (False, True)
        # a new entry on the server comes with the next sync, and only it
        miniflux.feed_server.add_item(f"{miniflux.username}-ua",
                                      Item(f"{miniflux.username}-ua-new", "Свіжа новина"))
        miniflux.refresh_feed(setup["ua_id"], expect=4)
        summary = lib.sync()
        assert summary.ok and summary.new_articles == 1 and lib.count() == 6
    finally:
        lib.close()


def test_change_made_while_the_server_is_down_is_pushed_when_it_is_back(miniflux, setup,
                                                                         relay):
    assert reader(setup, "sync").returncode == 0
    lib = library(setup)
    try:
        relay.down()
        first = lib.article_ids("Новина 0")[0]
        lib.set_starred([first])
        lib.set_read([first])
        r = reader(setup, "sync")
        assert r.returncode == 1 and r.stdout == ""
        assert r.stderr.count("\n") == 1 and "cannot connect" in r.stderr
        status = json.loads(reader(setup, "sync", "--status", "--json").stdout)
        assert status["pending"] == 2 and "cannot connect" in status["last_error"]
        assert lib.article(first).starred  # reading goes on; nothing lost
        relay.up()
        r = reader(setup, "sync")
        assert r.returncode == 0 and "2 changes pushed, 0 pending" in r.stdout
        assert server_flags(miniflux)["Новина 0"] == ("read", True)
    finally:
        lib.close()


def test_wrong_password_is_one_line_and_nothing_lost(miniflux, setup, monkeypatch):
    assert reader(setup, "sync").returncode == 0
    lib = library(setup)
    lib.set_read(lib.article_ids("ニュース 0"))
    lib.close()
    monkeypatch.setenv("READER_SYNC_PASSWORD", "wrong-Пароль-1")
    r = reader(setup, "sync")
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "login refused" in r.stderr and "wrong-Пароль-1" not in r.stderr
    assert json.loads(reader(setup, "sync", "--status", "--json").stdout)["pending"] == 1
    monkeypatch.setenv("READER_SYNC_PASSWORD", miniflux.password)
    assert reader(setup, "sync").returncode == 0
    assert server_flags(miniflux)["ニュース 0"][0] == "read"


def test_kill_9_mid_push_then_a_second_sync_loses_and_doubles_nothing(miniflux, setup, relay):
    assert reader(setup, "sync").returncode == 0
    lib = library(setup)
    lib.mark_all_read("")          # 5 changes queued
    lib.close()
    relay.hold()                   # Miniflux applies the push; reader never hears back
    mark = len(relay.seen)
    child = subprocess.Popen(
        [sys.executable, "-m", "reader.cli", "--db", str(setup["db"]), "--config",
         str(setup["config"]), "sync"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: b"PUT /v1/entries" in relay.seen[mark:], "the push to reach Miniflux")
    wait_until(lambda: all(s == "read" for s, _ in server_flags(miniflux).values()),
               "Miniflux to apply it")
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    relay.release()
    conn = sqlite3.connect(setup["db"])
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM sync_queue").fetchone()[0] == 5  # not lost
    conn.close()
    r = reader(setup, "sync")
    assert r.returncode == 0 and "5 changes pushed, 0 pending" in r.stdout, r.stderr
    lib = library(setup)
    try:
        assert lib.count() == 5 and lib.count("is:unread") == 0  # nothing doubled
        assert all(s == "read" for s, _ in server_flags(miniflux).values())
    finally:
        lib.close()


def test_subscribe_and_unsubscribe_from_the_cli(miniflux, setup):
    assert reader(setup, "sync").returncode == 0
    url = miniflux.feed_server.publish(f"{miniflux.username}-new", "Нова стрічка",
                                       [Item(f"{miniflux.username}-n1", "Перша")])
    r = reader(setup, "add", url, "-t", "Мої")
    assert r.returncode == 0, r.stderr
    assert "subscribed on the miniflux server" in r.stdout
    (remote,) = [f for f in miniflux.feeds() if f["feed_url"] == url]
    assert remote["category"]["title"] == "Мої"
    local_url = miniflux.feed_server.publish(f"{miniflux.username}-mine", "Тільки тут", [])
    assert reader(setup, "add", "--local", local_url).returncode == 0
    assert all(f["feed_url"] != local_url for f in miniflux.feeds())
    listing = reader(setup, "feeds").stdout
    assert "Тільки тут  (local)" in listing and "Нова стрічка [Мої]  (synced)" in listing
    # the server's copy of the new feed's entry is the same article, not a second one
    assert reader(setup, "sync").returncode == 0
    lib = library(setup)
    try:
        assert lib.count("Перша") == 1
    finally:
        lib.close()
    r = reader(setup, "remove", url)
    assert r.returncode == 0 and "unsubscribed on the miniflux server" in r.stdout
    assert all(f["feed_url"] != url for f in miniflux.feeds())
    feeds = json.loads(reader(setup, "feeds", "--json").stdout)
    assert sorted((f["title"], f["synced"]) for f in feeds) == [
        ("NHKニュース", True), ("Тільки тут", False), ("Українська правда", True)]


def test_the_secret_is_never_written(miniflux, setup):
    outputs = "".join(reader(setup, *a).stdout + reader(setup, *a).stderr
                      for a in (("sync",), ("sync", "--status"), ("sync", "--json"),
                                ("sync", "--status", "--json"), ("feeds", "--json")))
    assert miniflux.password not in outputs
    for p in Path(setup["tmp"]).iterdir():
        if p.name.startswith("r.db"):
            assert miniflux.password.encode() not in p.read_bytes()


def test_the_queue_is_pushed_in_few_requests(miniflux, setup, relay):
    """1,000 queued changes in at most 20 requests (issue 12's target), here 5 x 2."""
    assert reader(setup, "sync").returncode == 0
    lib = library(setup)
    try:
        ids = lib.article_ids("")
        for _ in range(100):   # 1,000 changes, coalesced to the last of each
            lib.set_read(ids)
            lib.set_read(ids, False)
            lib.set_starred(ids)
            lib.set_starred(ids, False)
            lib.set_starred(ids)
        mark = len(relay.seen)
        assert lib.sync(push_only=True).pending == 0
        assert relay.seen[mark:].count(b"PUT /v1/entries") <= 20
        assert server_flags(miniflux)["Новина 0"] == ("unread", True)
    finally:
        lib.close()


def test_sync_in_a_child_process_as_the_tui_runs_it(miniflux, setup):
    lib = library(setup)
    try:
        steps = []
        summary = lib.sync(lambda step, done, total: steps.append(step), in_child=True)
        assert summary.ok and summary.new_articles == 5, summary.error
        assert {"pushing", "feeds", "entries", "states"} <= set(steps)
        assert lib.count() == 5 and lib.sync_status().last_success is not None
    finally:
        lib.close()


def test_reader_sync_leaves_the_search_index_built_behind_it(miniflux, setup):
    """A sync's articles are indexed by a detached process after it, as a refresh's are
    (search finds them meanwhile, slower: storage/unindexed.py)."""
    assert reader(setup, "sync").returncode == 0
    lib = library(setup)
    try:
        deadline = time.monotonic() + 60  # a cap for a broken build, not a wait
        while lib.index_pending():
            assert time.monotonic() < deadline, "the sync's articles were never indexed"
            time.sleep(0.05)
        assert [lib.article(i).title for i in lib.article_ids("київ день 2")] == ["Новина 2"]
    finally:
        lib.close()


@pytest.mark.parametrize("typo", ["username", "host"])
def test_a_typo_in_the_config_is_not_another_account_queue_and_links_kept(miniflux, setup,
                                                                         typo):
    """The account's switch (queue and links dropped) waits until the new one logs in:
    a mistyped username or host fails with one line and loses nothing."""
    assert reader(setup, "sync").returncode == 0
    lib = library(setup)
    try:
        lib.set_starred(lib.article_ids("Новина 0"))
    finally:
        lib.close()
    good = setup["config"].read_text(encoding="utf-8")
    wrong = (good.replace(f'username = "{miniflux.username}"', 'username = "someone-else"')
             if typo == "username" else good.replace("127.0.0.1", "127.0.0.2"))
    setup["config"].write_text(wrong, encoding="utf-8")
    r = reader(setup, "sync")
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    status = json.loads(reader(setup, "sync", "--status", "--json").stdout)
    assert status["pending"] == 1
    lib = library(setup)
    try:
        assert all(f.remote_id for f in lib.feeds())   # still linked to the server's feeds
    finally:
        lib.close()
    setup["config"].write_text(good, encoding="utf-8")
    r = reader(setup, "sync")
    assert r.returncode == 0 and "1 change pushed, 0 pending" in r.stdout, r.stdout
    assert server_flags(miniflux)["Новина 0"][1] is True


def test_a_first_sync_counts_its_articles_new_not_changed(miniflux, setup):
    """Read and starred there before the first sync: the articles come as they are, new
    here; "changed" counts only articles this database already held as synced."""
    entry = {e["title"]: e["id"] for e in miniflux.entries()}
    miniflux.api("PUT", "/v1/entries", json={"entry_ids": [entry["Новина 0"]],
                                             "status": "read"})
    miniflux.api("PUT", f"/v1/entries/{entry['ニュース 1']}/bookmark")
    lib = library(setup)
    try:
        summary = lib.sync()
        assert summary.ok and summary.new_articles == 5 and summary.state_changes == 0
        assert lib.article(lib.article_ids("ニュース 1")[0]).starred
        miniflux.api("PUT", "/v1/entries", json={"entry_ids": [entry["Новина 1"]],
                                                 "status": "read"})
        assert lib.sync().state_changes == 1
    finally:
        lib.close()
