"""The whole sync end to end against a real Tiny Tiny RSS (tests/sync/ttrss_server.py):
reader's CLI on one side, tt-rss's own API on the other to see what it holds."""

from __future__ import annotations

import json

from .cli_runner import cli
from .relay import Relay
from .ttrss_server import rss


def test_ttrss_first_sync_read_star_both_ways_and_a_change_made_offline(ttrss, tmp_path,
                                                                        monkeypatch):
    user = ttrss.add_user()
    category = user.add_category("Новини")
    url = ttrss.feeds.publish(f"{user.login}/ua.xml", rss("Українська правда", [
        {"guid": f"{user.login}-{n}", "title": f"Новина {n}", "html": f"<p>Київ {n}</p>",
         "date": 1_780_000_000 + n} for n in range(3)]))
    feed_id = user.subscribe(url, category)
    user.update_feed(feed_id)
    relay = Relay(ttrss.port)  # (the server goes away and comes back at one address)
    config = tmp_path / "config.toml"
    config.write_text(f'[sync]\nservice = "ttrss"\nurl = "{relay.url}/"\n'
                      f'username = "{user.login}"\n', encoding="utf-8")
    monkeypatch.setenv("READER_SYNC_PASSWORD", user.password)
    reader = cli(tmp_path, config)

    r = reader("sync")
    assert r.returncode == 0, r.stderr
    assert "1 feed added, 3 new articles" in r.stdout
    listed = json.loads(reader("list", "--json").stdout)
    assert sorted(a["title"] for a in listed) == ["Новина 0", "Новина 1", "Новина 2"]
    assert all(a["tags"] == ["Новини"] for a in listed)
    ids = {a["title"]: a["id"] for a in listed}
    remote = {h["title"]: h["id"] for h in user.call("getHeadlines", feed_id=feed_id)}
    # here -> there
    assert reader("read", str(ids["Новина 0"])).returncode == 0
    assert reader("star", str(ids["Новина 1"])).returncode == 0
    # there -> here
    user.call("updateArticle", article_ids=str(remote["Новина 2"]), mode=0, field=2)  # read
    r = reader("sync")
    assert r.returncode == 0 and "2 changes pushed, 0 pending" in r.stdout, r.stderr
    heads = {h["title"]: h for h in user.call("getHeadlines", feed_id=feed_id,
                                              view_mode="all_articles")}
    assert not heads["Новина 0"]["unread"] and heads["Новина 1"]["marked"]
    assert {a["title"]: a["read"] for a in json.loads(reader("list", "--json").stdout)} == {
        "Новина 0": True, "Новина 1": False, "Новина 2": True}
    # the server down: the change waits, then goes
    relay.down()
    assert reader("unread", str(ids["Новина 0"])).returncode == 0
    r = reader("sync")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "cannot connect" in r.stderr
    relay.up()
    r = reader("sync")
    assert r.returncode == 0 and "1 change pushed, 0 pending" in r.stdout, r.stderr
    heads = {h["title"]: h for h in user.call("getHeadlines", feed_id=feed_id,
                                              view_mode="all_articles")}
    assert heads["Новина 0"]["unread"]
    assert user.password not in (tmp_path / "r.db").read_bytes().decode("utf-8", "replace")
    relay.down()
