"""The command line end to end: real feeds (file:// and a loopback HTTP server), real database."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import main


def rss(title: str, items: list[tuple[str, str, str]], cats=()) -> str:
    body = "".join(
        f"<item><title>{t}</title><link>https://example.org/{g}</link><guid>{g}</guid>"
        f"<pubDate>{d}</pubDate>{''.join(f'<category>{c}</category>' for c in cats)}"
        f"<description>&lt;p&gt;Body of {t} with a &lt;a href='https://example.org/x'&gt;link&lt;/a&gt;&lt;/p&gt;</description></item>"
        for t, g, d in items
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://example.org/</link>{body}</channel></rss>")


@pytest.fixture
def env(tmp_path):
    db = tmp_path / "reader.db"
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "tech.xml").write_text(rss("Tech Feed", [
        ("Compilers are fun", "t1", "Mon, 23 Nov 2026 10:00:00 GMT"),
        ("Rust 2.0 announced", "t2", "Tue, 24 Nov 2026 10:00:00 GMT"),
    ]))
    (feeds / "world.xml").write_text(rss("World Feed", [
        ("Elections [bold]today[/]", "w1", "Wed, 25 Nov 2026 09:00:00 GMT"),
    ], cats=["Politics"]))
    (feeds / "page.html").write_text("<html><head><title>x</title></head><body>hi</body></html>")
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(main, ["--db", str(db), *args], input=input, catch_exceptions=False)

    run.feeds = feeds
    run.db = db
    return run


def uri(p: Path) -> str:
    return p.resolve().as_uri()


def test_add_list_show_flags(env):
    r = env("add", uri(env.feeds / "tech.xml"), "--tag", "tech")
    assert r.exit_code == 0, r.output
    assert "Tech Feed" in r.output and "2 articles" in r.output
    env("add", uri(env.feeds / "world.xml"), "-t", "news", "--title", "My World")
    out = json.loads(env("list", "--json").output)
    assert [a["title"] for a in out] == ["Elections [bold]today[/]", "Rust 2.0 announced",
                                         "Compilers are fun"]
    first = out[0]
    assert set(first) >= {"id", "feed", "title", "link", "author", "published", "tags", "read", "starred"}
    assert first["feed"] == "My World" and first["published"] == "2026-11-25T09:00:00Z"
    assert first["tags"] == ["news", "Politics"]
    tech = json.loads(env("list", "+tech is:unread", "--json").output)
    assert {a["title"] for a in tech} == {"Rust 2.0 announced", "Compilers are fun"}
    assert json.loads(env("list", "+politics", "--json").output)[0]["id"] == first["id"]
    assert len(json.loads(env("list", "--limit", "1", "--json").output)) == 1

    aid = str(tech[0]["id"])
    assert env("read", aid).exit_code == 0
    assert env("star", aid).exit_code == 0
    row = [a for a in json.loads(env("list", "--json").output) if a["id"] == tech[0]["id"]][0]
    assert row["read"] and row["starred"]
    assert len(json.loads(env("list", "is:unread +tech", "--json").output)) == 1
    env("unread", aid)
    env("unstar", aid)
    assert len(json.loads(env("list", "is:unread +tech", "--json").output)) == 2

    shown = env("show", aid)
    assert shown.exit_code == 0
    assert "Rust 2.0 announced" in shown.output and "[1]: https://example.org/x" in shown.output
    text = env("list").output
    assert "Elections [bold]today[/]" in text

    found = json.loads(env("search", "compilers", "--json").output)
    assert [a["title"] for a in found] == ["Compilers are fun"]


def test_feeds_tag_untag_remove(env):
    env("add", uri(env.feeds / "tech.xml"))
    feeds = json.loads(env("feeds", "--json").output)
    assert feeds[0]["title"] == "Tech Feed" and feeds[0]["unread"] == 2 and feeds[0]["total"] == 2
    assert set(feeds[0]) >= {"id", "url", "title", "tags", "unread", "total", "last_status", "last_error"}
    assert env("tag", "Tech", "a", "b").exit_code == 0  # unique title prefix
    assert json.loads(env("feeds", "--json").output)[0]["tags"] == ["a", "b"]
    env("untag", str(feeds[0]["id"]), "a")
    assert json.loads(env("feeds", "--json").output)[0]["tags"] == ["b"]
    assert env("remove", feeds[0]["url"]).exit_code == 0
    assert json.loads(env("feeds", "--json").output) == []
    assert json.loads(env("list", "--json").output) == []


def test_export_import_round_trip(env, tmp_path):
    env("add", uri(env.feeds / "tech.xml"), "-t", "tech", "-t", "a & b")
    env("add", uri(env.feeds / "world.xml"), "--title", "Wörld <News>")
    exported = env("export").output
    assert exported.startswith("<?xml") and "opml" in exported
    other = CliRunner().invoke(main, ["--db", str(tmp_path / "other.db"), "import", "-"],
                               input=exported)
    assert other.exit_code == 0, other.output
    assert "imported 2 new feeds" in other.output
    again = CliRunner().invoke(main, ["--db", str(tmp_path / "other.db"), "export"]).output

    def strip_date(s):
        return "\n".join(line for line in s.splitlines() if "dateCreated" not in line)

    assert strip_date(again) == strip_date(exported)
    a = json.loads(env("feeds", "--json").output)
    b = json.loads(CliRunner().invoke(main, ["--db", str(tmp_path / "other.db"), "feeds", "--json"]).output)
    assert [(f["url"], f["title"], sorted(f["tags"])) for f in a] == \
           [(f["url"], f["title"], sorted(f["tags"])) for f in b]


def test_refresh_summary_and_exit_codes(env):
    env("add", uri(env.feeds / "tech.xml"))
    r = env("refresh")
    assert r.exit_code == 0
    assert r.output.startswith("refreshed 1 feeds: 0 new articles")
    p = env.feeds / "tech.xml"
    p.write_text(rss("Tech Feed", [("Brand new", "t3", "Wed, 25 Nov 2026 11:00:00 GMT"),
                                   ("Compilers are fun", "t1", "Mon, 23 Nov 2026 10:00:00 GMT")]))
    r = env("refresh", "Tech")
    assert "1 new articles" in r.output
    p.unlink()
    r = env("refresh")
    assert r.exit_code == 1
    assert "1 failed" in r.output


BAD = [
    (("add", "not a url"), "malformed URL"),
    (("add", "ftp://example.org/feed"), "unsupported scheme"),
    (("add", "http://"), "malformed URL"),
    (("add", "http://127.0.0.1:9/feed.xml"), "cannot subscribe"),
    (("list", "is:bogus"), "is:bogus"),
    (("list", '"open'), "unclosed quote"),
    (("show", "999"), "no article with id 999"),
    (("show", "abc"), "not an article id"),
    (("read", "1", "999"), "no article with id 999"),
    (("remove", "nothing-like-this"), "no feed matches"),
    (("tag", "42", "x"), "no feed matches"),
]


@pytest.mark.parametrize("args,message", BAD)
def test_bad_input_one_line_nonzero_no_change(env, args, message):
    env("add", uri(env.feeds / "tech.xml"))
    def state():
        opml = "\n".join(x for x in env("export").output.splitlines() if "dateCreated" not in x)
        return opml, env("list", "--json").output

    before = state()
    r = env(*args)
    assert r.exit_code != 0
    assert message in r.output
    assert "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1
    assert state() == before


def test_page_without_feed_and_duplicate(env):
    r = env("add", uri(env.feeds / "page.html"))
    assert r.exit_code == 1 and "no feed" in r.output.lower()
    env("add", uri(env.feeds / "tech.xml"))
    r = env("add", uri(env.feeds / "tech.xml"))
    assert r.exit_code == 1 and "already subscribed" in r.output


def test_malformed_opml(env, tmp_path):
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline text='x'</body>")
    r = env("import", str(bad))
    assert r.exit_code == 1 and "OPML" in r.output and "Traceback" not in r.output
    r = env("import", str(tmp_path / "missing.opml"))
    assert r.exit_code != 0


def test_corrupt_database(tmp_path):
    db = tmp_path / "junk.db"
    db.write_bytes(b"garbage" * 1000)
    r = CliRunner().invoke(main, ["--db", str(db), "feeds"])
    assert r.exit_code == 1
    assert "not a usable reader database" in r.output and "mv" in r.output
    assert db.read_bytes() == b"garbage" * 1000


def test_unwritable_database_location(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = CliRunner().invoke(main, ["--db", str(blocker / "sub" / "x.db"), "feeds"])
    assert r.exit_code == 1 and "cannot create the folder" in r.output


def test_db_option_on_subcommand_and_env(tmp_path, monkeypatch):
    db = tmp_path / "a.db"
    r = CliRunner().invoke(main, ["feeds", "--db", str(db)])
    assert r.exit_code == 0 and db.exists()
    monkeypatch.setenv("READER_DB", str(tmp_path / "b.db"))
    CliRunner().invoke(main, ["feeds"])
    assert (tmp_path / "b.db").exists()


def test_xdg_data_home_honoured(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "reader.cli", "feeds"], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "data" / "reader" / "reader.db").exists()


def test_config_warning_and_error(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("speling = 1\n")
    r = CliRunner().invoke(main, ["--db", str(tmp_path / "x.db"), "--config", str(cfg), "feeds"])
    assert r.exit_code == 0 and "unknown key speling" in r.output
    cfg.write_text("[fetch]\ntimeout = 'slow'\n")
    r = CliRunner().invoke(main, ["--db", str(tmp_path / "x.db"), "--config", str(cfg), "feeds"])
    assert r.exit_code == 1 and "timeout" in r.output


def test_no_tui_without_terminal(tmp_path):
    r = subprocess.run([sys.executable, "-m", "reader.cli", "--db", str(tmp_path / "x.db")],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "terminal" in r.stderr and "Traceback" not in r.stderr


def test_help_lists_every_command():
    out = CliRunner().invoke(main, ["--help"]).output
    for cmd in ["add", "remove", "feeds", "tag", "untag", "import", "export", "refresh", "list",
                "show", "read", "unread", "star", "unstar", "search"]:
        assert f"  {cmd} " in out or f"  {cmd}\n" in out, cmd
    assert textwrap.dedent(CliRunner().invoke(main, ["help-filters"]).output).count("is:") >= 2
