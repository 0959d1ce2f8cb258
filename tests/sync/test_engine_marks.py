"""What a server changes after the first sync, followed by the next ones, against the real
servers (tests/sync/conftest.py): tt-rss's published mark both ways (a pending local
change winning until pushed), its labels as the articles' tags, feeds renamed or moved
to another category (the user's own title winning), and `reader refresh` of a synced
feed, which syncs instead of fetching the site behind the server's back."""
# ruff: noqa: F811 (the fixtures imported from engine_fixtures.py, named as arguments)

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from reader.core.config import Config
from reader.core.library import Library
from reader.core.storage import sync as q
from reader.core.sync import SyncEngine, make_backend
from reader.core.sync_config import SyncSettings

from .cli_runner import cli
from .engine_fixtures import by_title, lib, relay, server  # noqa: F401
from .ttrss_server import rss

PUBLISH, STAR = 1, 0     # updateArticle's fields


@pytest.fixture
def tt(ttrss, tmp_path, monkeypatch):
    """A tt-rss user with one Ukrainian feed of three articles in the category Новини,
    and a Library syncing with it: (user, library, {title: tt-rss id}, feed id)."""
    user = ttrss.add_user()
    url = ttrss.feeds.publish(f"{user.login}/ua.xml", rss("Українська правда", [
        {"guid": f"{user.login}-{n}", "title": f"Новина {n}", "html": f"<p>Київ {n}</p>",
         "date": 1_780_000_000 + n} for n in range(3)]))
    feed_id = user.subscribe(url, user.add_category("Новини"))
    user.update_feed(feed_id)
    monkeypatch.setenv("READER_SYNC_PASSWORD", user.password)
    library = Library(tmp_path / "r.db", Config(sync={"service": "ttrss", "url": ttrss.url,
                                                      "username": user.login}))
    remote = {h["title"]: h["id"] for h in user.call("getHeadlines", feed_id=feed_id)}
    yield user, library, remote, feed_id
    library.close()


def shared(library) -> set[str]:
    return {library.article(i).title for i in library.article_ids("is:shared")}


def published(user) -> set[str]:
    return {h["title"] for h in user.call("getHeadlines", feed_id=-2, view_mode="all_articles")}


def test_published_both_ways_and_a_pending_change_wins_until_pushed(tt, ttrss):
    user, lib, remote, _ = tt
    user.call("updateArticle", article_ids=str(remote["Новина 0"]), mode=1, field=PUBLISH)
    assert lib.sync().ok
    assert shared(lib) == {"Новина 0"}           # there -> here, with the first pull
    ids = {a.title: a.id for a in lib.articles()}
    # here -> there
    assert lib.set_shared([ids["Новина 1"]]) == 1 and lib.sync_pending() == 1
    summary = lib.sync()
    assert summary.ok and summary.pushed == 1 and summary.pending == 0, summary.error
    assert published(user) == {"Новина 0", "Новина 1"}
    # there -> here on a later sync: an article's mark changed on the server alone
    user.call("updateArticle", article_ids=str(remote["Новина 0"]), mode=0, field=PUBLISH)
    user.call("updateArticle", article_ids=str(remote["Новина 2"]), mode=1, field=PUBLISH)
    summary = lib.sync()
    assert summary.ok and summary.state_changes == 2, summary
    assert shared(lib) == {"Новина 1", "Новина 2"}
    # a local change not pushed yet wins over the server's state
    lib.set_shared([ids["Новина 2"]], False)
    backend = make_backend(SyncSettings("ttrss", ttrss.url, user.login), user.password)
    try:
        SyncEngine(lib.store, backend).pull_marks(lambda *a: None, lambda: False)
    finally:
        backend.close()
    assert shared(lib) == {"Новина 1"} and lib.sync_pending() == 1
    assert lib.sync().ok
    assert published(user) == {"Новина 1"}


def test_labels_on_articles_follow_the_server(tt, ttrss):
    user, lib, remote, _ = tt
    user.add_label("Важливо", remote["Новина 0"])
    assert lib.sync().ok
    assert [lib.article(i).title for i in lib.article_ids("+важливо")] == ["Новина 0"]
    # a second label, on another article; the first taken off Новина 0, put on Новина 2
    user.add_label("後で読む", remote["Новина 1"])
    (label,) = [x for x in user.call("getLabels") if x["caption"] == "Важливо"]
    user.call("setArticleLabel", article_ids=str(remote["Новина 0"]), label_id=label["id"],
              assign=False)
    user.call("setArticleLabel", article_ids=str(remote["Новина 2"]), label_id=label["id"],
              assign=True)
    summary = lib.sync()
    assert summary.ok and summary.new_articles == 0
    assert [lib.article(i).title for i in lib.article_ids("+ВАЖЛИВО")] == ["Новина 2"]
    assert [lib.article(i).title for i in lib.article_ids("+後で読む")] == ["Новина 1"]
    assert lib.article(lib.article_ids("Новина 0")[0]).categories == []
    # a label deleted on the server: gone here too
    ttrss.sql(f"DELETE FROM ttrss_labels2 WHERE owner_uid = {user.uid} AND caption = '後で読む'")
    assert lib.sync().ok and lib.count("+後で読む") == 0


def test_a_feed_renamed_and_moved_on_tt_rss_follows(tt, ttrss):
    user, lib, _, feed_id = tt
    assert lib.sync().ok
    feed = lib.resolve_feed("Українська")
    assert feed.tags == ["Новини"]
    other = user.add_category("Світ")
    ttrss.sql(f"UPDATE ttrss_feeds SET title = 'Правда (нова назва)', cat_id = {other}"
              f" WHERE id = {feed_id}")
    assert lib.sync().ok
    feed = lib.resolve_feed(feed.id)
    assert (feed.display_title, feed.tags) == ("Правда (нова назва)", ["Світ"])


def test_a_feed_renamed_on_the_server_unless_renamed_here(lib, server, miniflux):
    assert lib.sync().ok
    feed = lib.resolve_feed("NHK")
    miniflux.api("PUT", f"/v1/feeds/{server.jp_id}", json={"title": "NHK 日本語"})
    assert lib.sync().ok
    assert lib.resolve_feed(feed.id).display_title == "NHK 日本語"
    lib.rename_feed(feed.id, "Моя NHK")
    miniflux.api("PUT", f"/v1/feeds/{server.jp_id}", json={"title": "NHK World"})
    assert lib.sync().ok
    assert lib.resolve_feed(feed.id).display_title == "Моя NHK"    # the user's title wins


def test_refresh_of_a_synced_feed_syncs_instead_of_fetching_the_site(lib, server, miniflux,
                                                                     relay, tmp_path):
    assert lib.sync().ok
    site, name = miniflux.feed_server, miniflux.username
    local_url = site.publish(f"{name}-local", "Локальна", [])
    lib.add_feed(local_url, local=True)
    fetched, local_fetched = site.fetches(f"{name}-ua"), site.fetches(f"{name}-local")
    config = tmp_path / "config.toml"
    config.write_text(f'[sync]\nservice = "miniflux"\nurl = "{relay.url}"\n', encoding="utf-8")
    reader = cli(tmp_path, config)

    before = q.get_state(lib.store, "last_success")
    # renamed on the server: the name given is the feed's before the sync renames it
    miniflux.api("PUT", f"/v1/feeds/{server.ua_id}", json={"title": "Правда"})
    r = reader("refresh", "Українська")
    assert r.returncode == 0, r.stderr
    assert "Українська правда: synced, so refreshed by syncing with the server" in r.stdout
    assert "synced with miniflux" in r.stdout
    assert site.fetches(f"{name}-ua") == fetched      # the site itself: not asked
    assert q.get_state(lib.store, "last_success") != before
    assert lib.resolve_feed("Правда").remote_id == str(server.ua_id)   # (renamed by it)
    # named beside a local feed: that one is fetched, the synced one synced
    r = reader("refresh", "Правда", "Локальна")
    assert r.returncode == 0 and "refreshed 1 feed" in r.stdout, r.stdout + r.stderr
    assert site.fetches(f"{name}-ua") == fetched and site.fetches(f"{name}-local") == local_fetched + 1
    # the TUI's r goes through the same Library.refresh: a synced feed is not fetched
    assert lib.refresh([lib.resolve_feed("Правда").id]).ok == 0
    assert site.fetches(f"{name}-ua") == fetched
    # without [sync] (the section removed): one line, not a fetch behind the server's back
    config.write_text("", encoding="utf-8")
    r = reader("refresh", "Правда")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "no [sync]" in r.stderr
    assert site.fetches(f"{name}-ua") == fetched


def test_show_json_has_the_published_mark(tt, tmp_path):
    user, lib, remote, _ = tt
    user.call("updateArticle", article_ids=str(remote["Новина 1"]), mode=1, field=PUBLISH)
    assert lib.sync().ok
    ids = {a.title: a.id for a in lib.articles()}
    out = subprocess.run([sys.executable, "-m", "reader.cli", "--db", str(tmp_path / "r.db"),
                          "show", "--json", str(ids["Новина 1"])], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["shared"] is True
    listed = subprocess.run([sys.executable, "-m", "reader.cli", "--db", str(tmp_path / "r.db"),
                             "list", "--json", "is:shared"], capture_output=True, text=True,
                            timeout=60)
    assert [a["title"] for a in json.loads(listed.stdout)] == ["Новина 1"]


def test_retention_spares_what_the_server_holds_unread_or_a_change_waiting(lib, server):
    assert lib.sync().ok
    # one article a feed: Київ (the older, unread there) and 東京 (starred) would go
    assert lib.store.apply_retention(max_per_feed=1) == 0
    kyiv = by_title(lib)["Київ: новини дня"].id
    lib.set_read([kyiv])                       # the change waits for the server
    assert lib.store.apply_retention(max_per_feed=1) == 0
    assert lib.sync().ok and server.flags()["Київ: новини дня"][0] == "read"
    assert lib.store.apply_retention(max_per_feed=1) == 1   # read there, nothing waiting
    assert lib.sync().ok and "Київ: новини дня" not in by_title(lib)   # and it stays gone


def test_a_sync_applies_retention_where_no_refresh_would(miniflux, server, relay, tmp_path,
                                                         monkeypatch):
    """Every feed here comes from the server, so no refresh runs: the sync keeps to
    [retention] itself, sparing what the server holds unread or starred."""
    monkeypatch.setenv("READER_SYNC_PASSWORD", miniflux.api_key)
    library = Library(tmp_path / "r.db", Config(
        sync={"service": "miniflux", "url": relay.url, "username": ""}, max_per_feed=1))
    try:
        assert library.sync().ok
        assert "Київ: новини дня" in by_title(library)      # unread there: spared
        library.set_read([by_title(library)["Київ: новини дня"].id])
        assert library.sync().ok                              # pushed, then retention
        assert "Київ: новини дня" not in by_title(library)
    finally:
        library.close()
