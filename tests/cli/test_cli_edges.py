"""Command-line edges a new user hits: mark-all-read asks (or needs --yes) and can be
undone, empty results say so, refresh -q is silent, clear errors for a missing file and
a page without a feed, newsboat `urls` files import."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import main


def rss(title: str, n: int) -> str:
    items = "".join(f"<item><title>Новина {i}</title><guid>{title}-{i}</guid>"
                    f"<description>текст {i}</description></item>" for i in range(n))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title>{items}</channel></rss>")


@pytest.fixture
def env(tmp_path):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "ukr.xml").write_text(rss("УНН", 3), encoding="utf-8")
    (feeds / "jp.xml").write_text(rss("東京", 2), encoding="utf-8")
    runner = CliRunner()
    db = tmp_path / "r.db"

    def run(*args, input=None):
        return runner.invoke(main, ["--db", str(db), *args], input=input,
                             catch_exceptions=False)

    run.db, run.feeds = db, feeds
    for name in ("ukr.xml", "jp.xml"):
        assert run("add", (feeds / name).as_uri()).exit_code == 0
    return run


def unread(env) -> int:
    return len(json.loads(env("list", "is:unread", "--json").stdout))


def test_mark_all_read_without_a_query_needs_yes_off_a_terminal(env):
    for blank in ((), ("",), (" ", "")):
        r = env("mark-all-read", *blank)
        assert r.exit_code == 2 and "add --yes" in r.stderr
    assert unread(env) == 5
    r = env("mark-all-read", "--yes")
    assert r.exit_code == 0
    assert r.stdout == "5 articles marked read; `reader undo` marks them unread again\n"
    assert unread(env) == 0


def test_mark_all_read_with_a_query_needs_no_yes_and_undo_restores_it_once(env):
    r = env("mark-all-read", "feed:унн")
    assert r.exit_code == 0 and r.stdout.startswith("3 articles marked read")
    assert unread(env) == 2
    (first,) = json.loads(env("list", "feed:унн", "--json", "-n", "1").stdout)
    env("read", str(first["id"]))  # still read: undo gives all three back
    r = env("undo")
    assert r.exit_code == 0 and r.stdout == "3 articles marked unread again\n"
    assert unread(env) == 5
    again = env("undo")
    assert again.exit_code == 1 and "nothing to undo" in again.stderr
    assert unread(env) == 5


def test_undo_across_processes_restores_the_last_mark_all_read_only(env):
    env("mark-all-read", "feed:東京")
    env("mark-all-read", "feed:унн")
    assert env("undo").stdout == "3 articles marked unread again\n"
    assert unread(env) == 3  # the 東京 ones stay read


def _on_a_terminal(db: Path, answer: bytes) -> str:
    """`reader mark-all-read` with its stdin on a pseudo-terminal; what it printed."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "reader.cli", "--db", str(db),
                             "mark-all-read"], stdin=slave, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    os.close(slave)
    os.write(master, answer)
    out, _ = proc.communicate(timeout=60)
    os.close(master)
    return out.decode()


def test_mark_all_read_asks_on_a_terminal(env):
    out = _on_a_terminal(env.db, b"n\n")
    assert "Mark all 5 unread articles read? [y/N]" in out and "nothing marked read" in out
    assert unread(env) == 5
    out = _on_a_terminal(env.db, b"y\n")
    assert "5 articles marked read" in out
    assert unread(env) == 0


def test_no_results_say_so_on_stderr_and_exit_0(env):
    for args in (("list", "+no-such-tag"), ("search", "відсутнєслово")):
        r = env(*args)
        assert r.exit_code == 0
        assert r.stderr.startswith("no articles match") and r.stdout == ""
    assert env("list").stderr == ""
    as_json = env("list", "+no-such-tag", "--json")  # `[]` says it
    assert as_json.stdout == "[]\n" and as_json.stderr == ""


def test_refresh_quiet_is_silent_unless_something_failed(env):
    r = env("refresh", "-q")
    assert r.exit_code == 0 and r.output == ""
    (env.feeds / "jp.xml").write_text("not a feed at all")
    r = env("refresh", "-q")
    assert "1 failed" in r.stdout and "failed: 東京" in r.stderr
    assert env("refresh").stdout.startswith("refreshed 2 feeds")


def test_add_a_missing_file_says_so(env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = env("add", "./missing.xml")
    assert r.exit_code == 1 and r.stderr == "reader: error: no such file: ./missing.xml\n"


def test_a_page_without_a_feed_names_its_url_once(env, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>x</title></head><body>hi</body></html>")
    r = env("add", page.as_uri())
    assert r.exit_code == 1
    assert r.stderr.count(page.as_uri()) == 1, r.stderr


def test_import_a_newsboat_urls_file(env, tmp_path):
    urls = tmp_path / "urls"
    urls.write_text(
        "# from newsboat\n"
        f'{(env.feeds / "ukr.xml").as_uri()} "Війна в Україні" ~"Моя стрічка"\n'
        "https://news.example/rss uk\n"
        '"query:Непрочитане:unread = \\"yes\\""\n'
        '"query:Regex:title =~ \\"^a.*\\""\n'
        '"exec:~/bin/feed.sh"\n', encoding="utf-8")
    r = env("import", str(urls))
    assert r.exit_code == 0, r.output
    assert r.stdout == ("imported 1 new feed, 1 already subscribed, 2 skipped, 1 saved filter;"
                        " run `reader refresh` to fetch them\n")
    assert "query feed 'Regex' skipped" in r.stderr and "exec: feed skipped" in r.stderr
    feeds = {f["url"]: f for f in json.loads(env("feeds", "--json").stdout)}
    assert feeds[(env.feeds / "ukr.xml").as_uri()]["tags"] == ["Війна в Україні"]
    assert "Непрочитане" in env("filters").stdout


def test_import_of_something_else_says_how_to_convert(env, tmp_path):
    other = tmp_path / "feeds.csv"
    other.write_text("name,url\nx,https://x.example/\n")
    r = env("import", str(other))
    assert r.exit_code == 1
    assert "not a newsboat urls file either" in r.stderr and "newsboat -e" in r.stderr
