"""An article the server no longer has (deleted there: its database, a cleanup) while it
is starred or published here: the server's sets lack it as they lack one unmarked on
another device, but its mark is not taken away. It becomes a local article (no remote
id), and the sync says so in one line. Against the real servers (tests/sync/conftest.py):
Miniflux's REST API, the Google Reader API on Miniflux, and tt-rss."""
# ruff: noqa: F811 (the fixtures imported from engine_fixtures.py, named as arguments)

from __future__ import annotations

import json
import re

from reader.cli.sync import summary_line
from reader.core.config import Config
from reader.core.library import Library

from .cli_runner import cli
from .engine_fixtures import by_title, lib, relay, remote_ids, requests, server  # noqa: F401
from .ttrss_server import rss

PUBLISH, STAR = 1, 0     # tt-rss updateArticle's fields


def delete_on_miniflux(miniflux, entry_ids: list[int]) -> None:
    ids = ",".join(str(int(i)) for i in entry_ids)
    miniflux.server.pg.sql(f"DELETE FROM entries WHERE id IN ({ids})", dbname="miniflux")


def test_a_star_on_an_entry_miniflux_deleted_is_kept_and_the_article_becomes_local(
        lib, server, miniflux, relay):
    server.put(["Выборы"], starred=True)
    assert lib.sync().ok
    ids = {a.title: a.id for a in lib.articles()}
    gone = server.ids()
    delete_on_miniflux(miniflux, [gone["Київ: новини дня"], gone["東京の天気"]])
    server.put(["Выборы"], starred=False)           # (another device: still there)
    lib.set_starred([ids["Київ: новини дня"]])      # a star queued for a gone entry
    lib.set_read([ids["Друга новина"]])
    summary = lib.sync()
    assert summary.ok and summary.pending == 0, summary.error
    assert summary.gone == 2, summary
    assert summary_line(summary).endswith("; 2 articles no longer on the server: kept here")
    arts = by_title(lib)
    assert arts["Київ: новини дня"].starred and arts["東京の天気"].starred
    assert not arts["Выборы"].starred                 # unstarred there: the server wins
    linked = remote_ids(lib)
    assert linked["Київ: новини дня"] is None and linked["東京の天気"] is None
    assert linked["Выборы"] is not None
    assert lib.sync_status().gone == 2
    # Later syncs leave them alone, and ask nothing more (no entry fetched by id).
    mark = len(relay.seen)
    summary = lib.sync()
    assert summary.ok and summary.gone == 0 and summary.state_changes == 0, summary
    assert not [r for r in requests(relay, mark) if re.fullmatch(r"GET /v1/entries/\d+", r)]
    assert by_title(lib)["東京の天気"].starred and lib.sync_status().gone == 2
    # ... and a star changed here now stays here (nothing queued for the server).
    lib.set_starred([ids["東京の天気"]], False)
    assert lib.sync_pending() == 0


def test_a_sync_where_no_star_would_go_asks_nothing_more(lib, server, relay):
    assert lib.sync().ok
    mark = len(relay.seen)
    assert lib.sync().ok
    sent = requests(relay, mark)
    assert not [r for r in sent if re.fullmatch(r"GET /v1/entries/\d+", r)], sent


def test_greader_on_miniflux_keeps_a_star_of_a_deleted_entry(miniflux, server, tmp_path,
                                                              monkeypatch):
    monkeypatch.setenv("READER_SYNC_PASSWORD", miniflux.password)
    library = Library(tmp_path / "g.db", Config(sync={
        "service": "greader", "url": miniflux.greader_url, "username": miniflux.username}))
    try:
        assert library.sync().ok
        assert by_title(library)["東京の天気"].starred
        server.put(["Выборы"], starred=True)
        assert library.sync().ok and by_title(library)["Выборы"].starred
        library.set_starred([by_title(library)["Друга новина"].id])   # queued, then gone
        delete_on_miniflux(miniflux, [server.ids()[t] for t in ("東京の天気", "Друга новина")])
        server.put(["Выборы"], starred=False)
        summary = library.sync()
        assert summary.ok and summary.gone == 2 and summary.pending == 0, summary
        arts = by_title(library)
        assert arts["東京の天気"].starred and arts["Друга новина"].starred
        assert not arts["Выборы"].starred
        linked = remote_ids(library)
        assert linked["東京の天気"] is None and linked["Друга новина"] is None
    finally:
        library.close()


def test_tt_rss_keeps_a_star_and_a_published_mark_the_server_lost(ttrss, tmp_path,
                                                                  monkeypatch):
    user = ttrss.add_user()
    url = ttrss.feeds.publish(f"{user.login}/ua.xml", rss("Українська правда", [
        {"guid": f"{user.login}-{n}", "title": f"Новина {n}", "html": f"<p>Київ {n}</p>",
         "date": 1_780_000_000 + n} for n in range(4)]))
    feed_id = user.subscribe(url, user.add_category("Новини"))
    user.update_feed(feed_id)
    remote = {h["title"]: h["id"] for h in user.call("getHeadlines", feed_id=feed_id)}
    for title, field in (("Новина 0", STAR), ("Новина 1", PUBLISH), ("Новина 3", STAR)):
        user.call("updateArticle", article_ids=str(remote[title]), mode=1, field=field)
    config = tmp_path / "config.toml"
    config.write_text(f'[sync]\nservice = "ttrss"\nurl = "{ttrss.url}"\n'
                      f'username = "{user.login}"\n', encoding="utf-8")
    monkeypatch.setenv("READER_SYNC_PASSWORD", user.password)
    reader = cli(tmp_path, config)

    assert reader("sync").returncode == 0
    listed = {a["title"]: a for a in json.loads(reader("list", "--json").stdout)}
    # The server loses three entries (one starred there, one published there, one starred
    # here just now); another device unstars one it still has.
    assert reader("star", str(listed["Новина 2"]["id"])).returncode == 0
    gone = ",".join(str(int(remote[t])) for t in ("Новина 0", "Новина 1", "Новина 2"))
    ttrss.sql(f"DELETE FROM ttrss_user_entries WHERE owner_uid = {user.uid}"
              f" AND ref_id IN ({gone})")
    user.call("updateArticle", article_ids=str(remote["Новина 3"]), mode=0, field=STAR)
    r = reader("sync")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("; 3 articles no longer on the server: kept here"), r.stdout
    shown = {t: json.loads(reader("show", "--json", str(listed[t]["id"])).stdout)
             for t in listed}
    assert shown["Новина 0"]["starred"] and shown["Новина 2"]["starred"]
    assert shown["Новина 1"]["shared"]
    assert not shown["Новина 3"]["starred"]
    status = reader("sync", "--status")
    assert "gone:          3 articles no longer on the server: kept here" in status.stdout
    assert json.loads(reader("sync", "--status", "--json").stdout)["gone"] == 3
    r = reader("sync")
    assert r.returncode == 0 and "no longer" not in r.stdout, r.stdout


def test_marks_beyond_the_check_of_one_sync_stay_until_a_later_one(lib, server, miniflux,
                                                                    monkeypatch):
    import reader.core.sync as engine

    monkeypatch.setattr(engine, "GONE_CHECK_MOST", 1)
    server.put(["Выборы"], starred=True)
    assert lib.sync().ok
    ids = server.ids()
    delete_on_miniflux(miniflux, [ids["東京の天気"], ids["Выборы"]])
    summary = lib.sync()
    assert summary.ok and summary.gone == 1, summary
    arts, linked = by_title(lib), remote_ids(lib)
    assert arts["東京の天気"].starred and arts["Выборы"].starred     # one checked, one waits
    assert [linked["東京の天気"], linked["Выборы"]].count(None) == 1
    summary = lib.sync()
    assert summary.ok and summary.gone == 1, summary
    arts, linked = by_title(lib), remote_ids(lib)
    assert arts["東京の天気"].starred and arts["Выборы"].starred
    assert linked["東京の天気"] is None and linked["Выборы"] is None
    assert lib.sync_status().gone == 2


def test_the_tui_status_line_says_how_many_went_and_stayed_here():
    from reader.core.models import SyncSummary
    from reader.ui.sync_runner import summary_line as tui_line

    line = tui_line(SyncSummary(service="miniflux", new_articles=3, gone=2), "14:05")
    assert line == "Synced 14:05: 3 new, 2 gone from the server, kept here"
    assert "gone" not in tui_line(SyncSummary(service="miniflux"), "14:05")
