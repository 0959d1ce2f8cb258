"""`reader refresh` exits with the headlines stored; the search index follows in a
detached process, or before the exit with --wait-index. `reader search` is right either
way (storage/indexer.py's fallback)."""

from __future__ import annotations

import sqlite3
import threading
import subprocess
import sys
import time
from pathlib import Path

ITEMS = [("Вибори у Страсбурзі", "засідання ради"), ("東京の天気", "明日は雨"),
         ("Rust released", "the borrow checker")]


def rss(items: list[tuple[str, str]], round_: int) -> str:
    body = "".join(
        f"<item><title>{t}</title><guid>g{i}</guid><link>https://example.org/{i}</link>"
        f"<description>&lt;p&gt;{d} round{round_}&lt;/p&gt;</description></item>"
        for i, (t, d) in enumerate(items))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{body}</channel></rss>'


def reader(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reader.cli", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=60)


def index_state(db: Path) -> tuple[int, int]:
    """(articles the index lacks, articles the index holds)."""
    conn = sqlite3.connect(db, timeout=10)
    try:
        lacking = conn.execute(
            "SELECT (SELECT count(*) FROM articles WHERE id >"
            " (SELECT value FROM counters WHERE name = 'indexed_id'))"
            " + (SELECT count(*) FROM index_queue)").fetchone()[0]
        held = conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0]
    finally:
        conn.close()
    return lacking, held


def test_refresh_leaves_the_index_to_a_detached_process_and_search_is_right(
        tmp_path, feed_server):
    db = tmp_path / "r.db"
    feed_server.route("/f.xml", rss(ITEMS, 1))
    assert reader(db, "add", feed_server.url("/f.xml")).returncode == 0
    assert index_state(db) == (0, 3)  # (a feed added: indexed at once)
    feed_server.route("/f.xml", rss(ITEMS, 2))  # every article edited
    r = reader(db, "refresh")
    assert r.returncode == 0 and "1 fetched" in r.stdout, r.stdout + r.stderr
    found = reader(db, "search", "round2", "--json")
    assert found.returncode == 0 and found.stdout.count('"id"') == 3, found.stdout
    assert '"id"' not in reader(db, "search", "round1", "--json").stdout
    deadline = time.monotonic() + 60
    while index_state(db)[0] and time.monotonic() < deadline:
        time.sleep(0.02)  # (the detached indexer's work: a state, with a bound)
    assert index_state(db) == (0, 3)
    assert reader(db, "search", "round2", "--json").stdout.count('"id"') == 3
    assert "страсбурзі" in reader(db, "search", "засідання").stdout.lower()


def test_refresh_wait_index_exits_with_the_index_complete(tmp_path, feed_server):
    db = tmp_path / "r.db"
    feed_server.route("/f.xml", rss(ITEMS, 1))
    assert reader(db, "add", feed_server.url("/f.xml")).returncode == 0
    feed_server.route("/f.xml", rss([*ITEMS, ("New one", "fresh words")], 2))
    r = reader(db, "refresh", "--wait-index", "-q")
    assert r.returncode == 0 and r.stdout == "", r.stdout + r.stderr
    assert index_state(db) == (0, 4)


def test_a_search_with_many_articles_waiting_indexes_them_first(tmp_path, feed_server,
                                                                 monkeypatch):
    """Right after a big refresh the fallback would match each waiting article at every
    search (~20 s at 100k): past INDEX_BEFORE_SEARCH waiting, a search command indexes
    them first, once. A filter without words, or few waiting, leaves the indexer alone."""
    from click.testing import CliRunner

    from reader.cli.group import main
    from reader.core import library_index
    from reader.core.config import Config
    from reader.core.library import Library

    db = tmp_path / "r.db"
    feed_server.route("/f.xml", rss(ITEMS, 1))
    library = Library(db, Config())
    try:
        library.add_feed(feed_server.url("/f.xml"))
        feed_server.route("/f.xml", rss(ITEMS, 2))  # every article edited
        library.refresh(index=False)
        assert library.index_pending() == 3
    finally:
        library.close()
    runner = CliRunner()
    out = runner.invoke(main, ["--db", str(db), "search", "round2", "--json"])
    assert out.exit_code == 0 and out.output.count('"id"') == 3
    assert index_state(db)[0] == 3  # (3 waiting: under the bound, matched one by one)
    monkeypatch.setattr(library_index, "INDEX_BEFORE_SEARCH", 2)
    out = runner.invoke(main, ["--db", str(db), "list", "is:unread", "--json"])
    assert out.exit_code == 0 and index_state(db)[0] == 3  # (no words: no index needed)
    out = runner.invoke(main, ["--db", str(db), "search", "round2", "--json"])
    assert out.exit_code == 0 and out.output.count('"id"') == 3
    assert index_state(db) == (0, 3)


def page_stored(db: Path) -> bool:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return conn.execute("SELECT count(*) FROM full_articles WHERE status = 'ok'"
                            ).fetchone()[0] == 1
    finally:
        conn.close()


def test_refresh_exits_before_the_full_text_pages_which_a_detached_process_fetches(
        tmp_path, feed_server):
    """Headlines first: a feed set to full text does not hold `reader refresh` up for its
    pages (each may take the whole timeout); the detached process fetches them, then
    indexes their text. --wait-index does both before the exit."""
    slow = threading.Event()
    feed_server.route("/page.html", "<html><body><article><h1>Повна історія</h1>"
                      + "<p>Кабінет Міністрів ухвалив постанову про енергетику.</p>" * 20
                      + "</article></body></html>", content_type="text/html; charset=utf-8",
                      gate=slow)
    feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
            f'<item><title>Лід</title><guid>l1</guid><link>{feed_server.url("/page.html")}'
            '</link><description>Короткий лід.</description></item></channel></rss>')
    feed_server.route("/f.xml", feed)
    db = tmp_path / "r.db"
    assert reader(db, "add", "--local", feed_server.url("/f.xml")).returncode == 0
    assert reader(db, "feed-set", "1", "full_text=always").returncode == 0
    r = reader(db, "refresh")  # the page answers only once `slow` is set: after the exit
    assert r.returncode == 0 and "1 fetched" in r.stdout, r.stdout + r.stderr
    slow.set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not page_stored(db):
        time.sleep(0.05)  # (the detached process's work: a state, with a bound)
    assert page_stored(db)
    found = reader(db, "search", "енергетику", "--json")
    assert found.stdout.count('"id"') == 1, found.stdout + found.stderr
