"""The TUI's side of tt-rss's published mark and of refreshing a synced feed, against a
real tt-rss and a real Miniflux (tests/sync/conftest.py): the palette offers "Publish or
unpublish article" only where the service has the mark, the change reaches the server
with the next sync, and r on a synced feed syncs instead of fetching the site."""

from __future__ import annotations

import pytest

from reader.core.config import load_config
from reader.core.library import Library

from .test_sync_tui import progress_text, until
from .ttrss_server import rss

pytest.importorskip("textual")
from reader.ui.app import make_app  # noqa: E402

PUBLISH_TITLE = "Publish or unpublish article"


def palette_titles(app) -> list[str]:
    return [c.title for c in app.get_system_commands(app.main)]


async def test_publish_from_the_palette_reaches_tt_rss_and_r_syncs(ttrss, tmp_path,
                                                                   monkeypatch):
    user = ttrss.add_user()
    path = f"{user.login}/jp.xml"
    url = ttrss.feeds.publish(path, rss("NHKニュース", [
        {"guid": f"{user.login}-{n}", "title": f"東京 {n}", "html": "<p>晴れ</p>",
         "date": 1_780_000_000 + n} for n in range(2)]))
    user.update_feed(user.subscribe(url))
    monkeypatch.setenv("READER_SYNC_PASSWORD", user.password)
    (tmp_path / "config.toml").write_text(
        f'refresh_interval = 30\n[sync]\nservice = "ttrss"\nurl = "{ttrss.url}"\n'
        f'username = "{user.login}"\n', encoding="utf-8")
    config = load_config(tmp_path / "config.toml")
    library = Library(tmp_path / "r.db", config)
    app = make_app(library, config, watch_db=False)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.syncer.status is not None)
            await until(pilot, lambda: app.main.view.count == 2)
            app.main.headlines.focus()
            (publish,) = [c for c in app.get_system_commands(app.main)
                          if c.title == PUBLISH_TITLE]
            publish.callback()
            await until(pilot, lambda: library.sync_pending() == 1)
            assert library.count("is:shared") == 1
            # r on the synced feed: a sync (which pushes the mark), not a fetch of the site
            fetched = ttrss.feeds.requests.count(path)
            first = app.syncer.status
            await pilot.press("r")
            await until(pilot, lambda: app.syncer.status is not first)
            assert "Synced" in progress_text(app) and "1 sent" in progress_text(app)
            assert not any(w.group == "refresh" for w in app.workers)
            assert ttrss.feeds.requests.count(path) == fetched
            heads = user.call("getHeadlines", feed_id=-2, view_mode="all_articles")
            assert [h["title"] for h in heads] == [library.article(
                library.article_ids("is:shared")[0]).title]
    finally:
        library.close()


async def test_no_publish_command_where_the_service_has_no_such_mark(miniflux, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("READER_SYNC_PASSWORD", miniflux.password)
    (tmp_path / "config.toml").write_text(
        f'refresh_interval = 30\n[sync]\nservice = "miniflux"\nurl = "{miniflux.url}"\n'
        f'username = "{miniflux.username}"\n', encoding="utf-8")
    config = load_config(tmp_path / "config.toml")
    library = Library(tmp_path / "r.db", config)
    app = make_app(library, config, watch_db=False)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.syncer.status is not None)
            titles = palette_titles(app)
            assert "Sync now" in titles and PUBLISH_TITLE not in titles
    finally:
        library.close()
