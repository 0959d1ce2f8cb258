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
    assert r.output.startswith("refreshed 1 feed: 0 new articles")
    p = env.feeds / "tech.xml"
    p.write_text(rss("Tech Feed", [("Brand new", "t3", "Wed, 25 Nov 2026 11:00:00 GMT"),
                                   ("Compilers are fun", "t1", "Mon, 23 Nov 2026 10:00:00 GMT")]))
    r = env("refresh", "Tech")
    assert "1 new article," in r.output
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


EMPTY_OPML = '<?xml version="1.0"?><opml version="2.0"><head/><body/></opml>'


def make_db(db: Path) -> None:
    """An empty database, made as a user would: import an OPML file with no feeds."""
    r = CliRunner().invoke(main, ["--db", str(db), "import", "-"], input=EMPTY_OPML)
    assert r.exit_code == 0 and db.exists(), r.output


def test_unwritable_database_location(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = CliRunner().invoke(main, ["--db", str(blocker / "sub" / "x.db"), "import", "-"],
                           input=EMPTY_OPML)
    assert r.exit_code == 1 and "cannot create the folder" in r.output


def test_db_option_on_subcommand_and_env(tmp_path, monkeypatch):
    db = tmp_path / "a.db"
    r = CliRunner().invoke(main, ["import", "-", "--db", str(db)], input=EMPTY_OPML)
    assert r.exit_code == 0 and db.exists()
    monkeypatch.setenv("READER_DB", str(tmp_path / "b.db"))
    CliRunner().invoke(main, ["import", "-"], input=EMPTY_OPML)
    assert (tmp_path / "b.db").exists()


def test_xdg_data_home_honoured(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "reader.cli", "import", "-"], env=env,
                       input=EMPTY_OPML, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "data" / "reader" / "reader.db").exists()


def test_config_warning_and_error(tmp_path):
    make_db(tmp_path / "x.db")
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


# -- what a command may create ------------------------------------------------------------------

READ_ONLY = [
    ("feeds",), ("list",), ("search", "x"), ("show", "1"), ("export",), ("read", "1"),
    ("unread", "1"), ("star", "1"), ("unstar", "1"), ("tag", "1", "x"), ("untag", "1", "x"),
    ("remove", "1"), ("rename", "1", "x"), ("refresh",), ("mark-all-read",),
    ("filters",), ("filters", "delete", "x"),
]


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_commands_that_only_read_or_change_make_no_database(tmp_path, args):
    db = tmp_path / "no" / "such" / "x.db"
    r = CliRunner().invoke(main, ["--db", str(db), *args])
    assert r.exit_code == 1
    assert r.output == f"reader: error: no database at {db} (`reader add URL` or" \
                       " `reader import FILE` makes one)\n"
    assert not (tmp_path / "no").exists()


def test_commands_that_add_make_the_database(tmp_path):
    db = tmp_path / "new" / "x.db"
    r = CliRunner().invoke(main, ["--db", str(db), "filters", "save", "unread", "is:unread"])
    assert r.exit_code == 0 and db.exists()
    make_db(tmp_path / "other.db")


def test_a_first_add_that_fails_leaves_no_database(tmp_path):
    """The database `add` made for a feed it could not subscribe to goes again; one that
    was there stays, untouched."""
    db = tmp_path / "x.db"
    r = CliRunner().invoke(main, ["--db", str(db), "add", "http://127.0.0.1:9/feed.xml"])
    assert r.exit_code == 1 and "cannot subscribe" in r.output
    assert list(tmp_path.iterdir()) == []
    make_db(db)
    before = db.read_bytes()
    r = CliRunner().invoke(main, ["--db", str(db), "add", "http://127.0.0.1:9/feed.xml"])
    assert r.exit_code == 1 and db.exists() and db.read_bytes() == before


def test_export_to_a_wrong_database_keeps_the_file(tmp_path):
    backup = tmp_path / "backup.opml"
    backup.write_text("my good backup")
    r = CliRunner().invoke(main, ["--db", str(tmp_path / "new.db"), "export", str(backup)])
    assert r.exit_code == 1 and "no database at" in r.output
    assert backup.read_text() == "my good backup" and not (tmp_path / "new.db").exists()


@pytest.mark.parametrize("option", ["--db", "--config"])
def test_empty_path_is_an_error(tmp_path, option, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in ([option, "", "feeds"], [f"{option}=", "feeds"], ["feeds", option, ""]):
        r = CliRunner().invoke(main, args)
        assert (r.exit_code, r.output) == (2, f"reader: error: {option}: empty path\n")
    assert list(tmp_path.iterdir()) == []


# -- numbers too large for SQLite -------------------------------------------------------------

HUGE = "99999999999999999999"


@pytest.mark.parametrize("args,message", [
    (("show", HUGE), f"no article with id {HUGE}"),
    (("read", "1", HUGE), f"no article with id {HUGE}"),
    (("unread", HUGE), f"no article with id {HUGE}"),
    (("star", HUGE), f"no article with id {HUGE}"),
    (("unstar", HUGE), f"no article with id {HUGE}"),
    (("show", "²"), "'²' is not an article id"),
    (("tag", HUGE, "x"), f"no feed matches '{HUGE}'"),
    (("untag", HUGE, "x"), f"no feed matches '{HUGE}'"),
    (("remove", HUGE), f"no feed matches '{HUGE}'"),
    (("rename", HUGE, "x"), f"no feed matches '{HUGE}'"),
    (("refresh", HUGE), f"no feed matches '{HUGE}'"),
    (("remove", "²"), "no feed matches '²'"),
    (("list", f"feedid:{HUGE}"), f"filter term 'feedid:{HUGE}': no feed has so large an id"),
    (("filters", "save", "f", f"feedid:{HUGE}"), f"filter term 'feedid:{HUGE}': no feed has so large an id"),
])
def test_numbers_past_sqlite_are_missing_not_a_crash(env, args, message):
    env("add", uri(env.feeds / "tech.xml"))
    r = env(*args)
    assert r.exit_code == 1
    assert r.output.startswith("reader: error: " + message) and r.output.count("\n") == 1


@pytest.mark.parametrize("limit", ["9223372036854775807", "9223372036854775808", HUGE])
def test_limit_past_sqlite_is_no_limit(env, limit):
    env("add", uri(env.feeds / "tech.xml"))
    for command in ("list", "search"):
        r = env(command, "--limit", limit, "--json", *(["fun"] if command == "search" else []))
        assert r.exit_code == 0, r.output
        assert len(json.loads(r.output)) == (2 if command == "list" else 1)
    assert env("list", "--limit", "0").exit_code == 2


@pytest.mark.parametrize("query", ["@9999-12-31", "@..9999-12-31", "@0001-01-01..9999-12-31"])
def test_far_dates_in_a_filter(env, query):
    env("add", uri(env.feeds / "tech.xml"))
    r = env("list", query, "--json")
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.output)) == (0 if query == "@9999-12-31" else 2)


# -- a filter in several words ----------------------------------------------------------------


def titles(r) -> list[str]:
    assert r.exit_code == 0, r.output
    return [a["title"] for a in json.loads(r.output)]


def test_filter_words_starting_with_a_dash_and_options_anywhere(env):
    env("add", uri(env.feeds / "tech.xml"), "-t", "tech")
    env("add", uri(env.feeds / "world.xml"), "-t", "news")
    assert titles(env("list", "-tech", "--json")) == ["Elections [bold]today[/]"]
    assert titles(env("list", "--json", "-news", "-n", "1")) == ["Rust 2.0 announced"]
    assert titles(env("list", "-n1", "--json")) == ["Elections [bold]today[/]"]
    assert titles(env("list", "is:unread", "+tech", "--json", "--limit=1")) == ["Rust 2.0 announced"]
    # after --, all are words: -n is "without the tag n" there, not --limit
    assert titles(env("list", "--json", "--", "-n", "-tech")) == ["Elections [bold]today[/]"]
    r = env("list", "--jsno")  # a mistyped option is not taken for a filter term
    assert r.exit_code == 2 and "No such option '--jsno'" in r.output
    r = env("filters", "save", "no-news", "-news", "+tech")
    assert r.output == "saved filter 'no-news': -news +tech\n"
    assert env("filters").output == "no-news\t-news +tech\n"
    assert titles(env("search", "-n", "1", "--json", "fun")) == ["Compilers are fun"]
    help_text = env("list", "--help").output
    assert "[QUERY]..." in help_text and "not an option" in help_text


def test_mark_all_read_takes_words(env):
    env("add", uri(env.feeds / "tech.xml"), "-t", "tech")
    env("add", uri(env.feeds / "world.xml"), "-t", "news")
    assert env("mark-all-read", "-news", "is:unread").output == (
        "2 articles marked read; `reader undo` marks them unread again\n")
    assert titles(env("list", "is:unread", "--json")) == ["Elections [bold]today[/]"]


# -- wording ----------------------------------------------------------------------------------


def test_counts_are_singular_for_one(env, tmp_path):
    (env.feeds / "one.xml").write_text(rss("One", [("Only", "o1", "Mon, 23 Nov 2026 10:00:00 GMT")]))
    assert env("add", uri(env.feeds / "one.xml")).output.startswith("added 1: One (1 article) ")
    assert env("refresh").output.startswith("refreshed 1 feed: 0 new articles, 1 fetched")
    assert env("read", "1", "1", "1").output == "1 of 1 article changed\n"  # each id once
    assert env("read", "1").output == "0 of 1 article changed\n"
    assert env("unread", "1").output == "1 of 1 article changed\n"
    assert env("mark-all-read", "--yes").output.startswith("1 article marked read;")
    r = env("export", str(tmp_path / "out.opml"))
    assert r.exit_code == 0 and r.output == f"exported 1 feed to {tmp_path / 'out.opml'}\n"


def test_feeds_says_not_modified_in_words(env, feed_server):
    url = feed_server.route("/feed.xml", rss("Served", [("A", "a1", "Mon, 23 Nov 2026 10:00:00 GMT")]),
                            etag='"v1"')
    env("add", url)
    assert "0 new articles, 0 fetched, 1 not modified" in env("refresh").output
    assert f"{url}  (not modified)" in env("feeds").output
    assert json.loads(env("feeds", "--json").output)[0]["last_status"] == "not_modified"


def test_files_that_are_directories_are_one_line_exit_1(env, tmp_path):
    env("add", uri(env.feeds / "tech.xml"))
    r = env("import", str(tmp_path))
    assert (r.exit_code, r.output) == (1, f"reader: error: cannot read {tmp_path}: Is a directory\n")
    r = env("export", str(tmp_path))
    assert (r.exit_code, r.output) == (1, f"reader: error: cannot write {tmp_path}: Is a directory\n")


def test_search_help_describes_every_option():
    out = CliRunner().invoke(main, ["search", "--help"]).output
    assert "At most N articles" in out and "One JSON array" in out


def test_output_that_cannot_be_written_is_an_error(env, tmp_path):
    env("add", uri(env.feeds / "tech.xml"))
    cmd = [sys.executable, "-m", "reader.cli", "--db", str(env.db), "list"]
    closed = subprocess.run(" ".join(f"'{c}'" for c in cmd) + " >&-", shell=True,
                            stderr=subprocess.PIPE, text=True)
    assert closed.returncode == 1
    assert closed.stderr == "reader: error: standard output is closed: nothing could be printed\n"
    if not Path("/dev/full").exists():
        return
    with open("/dev/full", "w") as full:
        r = subprocess.run(cmd, stdout=full, stderr=subprocess.PIPE, text=True)
    assert (r.returncode, r.stderr) == (1, "reader: error: No space left on device\n")


# -- what list, show and --json show ----------------------------------------------------------


def test_list_pads_the_feed_by_terminal_cells(env):
    from rich.cells import cell_len

    for name, title in [("cjk", "東京ニュース速報とても長いフィードの名前"), ("mark", "Cafe\u0301 de\u0301ja\u0300 vu"),
                        ("plain", "A plain feed whose title is long")]:
        (env.feeds / f"{name}.xml").write_text(
            rss(title, [(f"Story {name}", name, "Mon, 23 Nov 2026 10:00:00 GMT")]))
        env("add", uri(env.feeds / f"{name}.xml"))
    lines = env("list").output.splitlines()
    assert len(lines) == 3
    for line in lines:
        feed_column_end = line.index("  Story")  # the article title starts at the same cell
        assert cell_len(line[:feed_column_end]) == 6 + 1 + 2 + 1 + 16 + 2 + 24
    assert "東京ニュース速報とても長  Story" in env("list").output  # 12 wide characters


def test_untitled_article_and_feed(env):
    (env.feeds / "bare.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><link>https://example.org/</link>'
        "<item><link>https://example.org/b1</link><guid>b1</guid>"
        "<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate><description>text</description></item>"
        "</channel></rss>")
    url = uri(env.feeds / "bare.xml")
    env("add", url)
    assert env("list").output.rstrip().endswith(f"{url[:24]}  (untitled)")
    assert json.loads(env("list", "--json").output)[0]["feed"] == url
    shown = env("show", "1").output.splitlines()
    assert shown[0] == "(untitled)" and shown[1].startswith(f"{url} · 2026-11-23")


# -- tags and titles from the command line ----------------------------------------------------


@pytest.mark.parametrize("tag,message", [
    ("", "empty tag"),
    ("   ", "empty tag"),
    ("+plus", "tag '+plus' cannot start with '+'"),
    ("-minus", "tag '-minus' cannot start with '-'"),
    ('say "hi"', "cannot contain '\"'"),
    ("x" * 1001, "is 1,001 characters long; at most 1,000"),
], ids=["empty", "blank", "plus", "minus", "quote", "long"])
def test_tags_a_filter_could_not_name_are_refused(env, tag, message):
    env("add", uri(env.feeds / "tech.xml"), "-t", "tech")
    for args in (("tag", "1", "--", tag), ("add", uri(env.feeds / "world.xml"), f"--tag={tag}")):
        r = env(*args)
        assert r.exit_code == 1 and message in r.output and r.output.count("\n") == 1, args
    assert json.loads(env("feeds", "--json").output)[0]["tags"] == ["tech"]
    assert len(json.loads(env("feeds", "--json").output)) == 1


def test_a_tag_with_a_space_can_be_filtered(env):
    env("add", uri(env.feeds / "tech.xml"))
    assert env("tag", "1", "two words").exit_code == 0
    assert len(json.loads(env("list", '+"two words"', "--json").output)) == 2


def test_untag_a_tag_the_feed_lacks(env):
    env("add", uri(env.feeds / "tech.xml"), "-t", "a", "-t", "b")
    r = env("untag", "1", "A", "zzz")
    assert (r.exit_code, r.output) == (1, "reader: error: feed 1 has no tag 'zzz' (its tags: a, b)\n")
    assert json.loads(env("feeds", "--json").output)[0]["tags"] == ["a", "b"]  # none removed
    assert env("untag", "1", "A", "+b").output == "1: Tech Feed []\n"
    r = env("untag", "1", "a")
    assert (r.exit_code, r.output) == (1, "reader: error: feed 1 has no tag 'a' (it has none)\n")


def test_titles_over_the_limit_are_refused(env):
    env("add", uri(env.feeds / "tech.xml"))
    r = env("rename", "1", "y" * 1001)
    assert r.exit_code == 1 and "title 'yyyy" in r.output and "at most 1,000" in r.output
    r = env("add", uri(env.feeds / "world.xml"), "--title", "y" * 1001)
    assert r.exit_code == 1 and "at most 1,000" in r.output
    assert env("rename", "1", "y" * 1000).exit_code == 0
    assert env("rename", "1", "   ").output == "1: Tech Feed\n"  # blank: back to the feed's own


def test_the_line_limit_is_the_parsers():
    from reader.cli.arguments import MAX_TITLE_CHARS
    from reader.core.ingest.parse import MAX_LINE_CHARS as parse_limit
    from reader.core.tags import MAX_TAG_CHARS

    assert MAX_TITLE_CHARS == MAX_TAG_CHARS == parse_limit


def test_an_opml_folder_with_double_quotes_is_a_tag_a_filter_can_select(env, tmp_path):
    # The filter language quotes with '"' and has no escape for one: a folder `My "best"`
    # stored as it is could never be selected. It is stored as My best (core.tags).
    feed_url = uri(env.feeds / "tech.xml")
    opml = tmp_path / "quotes.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline text="My &quot;best&quot;">'
        f'<outline type="rss" text="Tech" xmlUrl="{feed_url}" category="say &quot;hi&quot;"/>'
        "</outline></body></opml>"
    )
    assert env("import", str(opml)).exit_code == 0
    assert env("refresh", "-q").exit_code == 0
    assert json.loads(env("feeds", "--json").output)[0]["tags"] == ["My best", "say hi"]
    assert len(json.loads(env("list", '+"My best"', "--json").output)) == 2
    assert len(json.loads(env("list", '+"say hi"', "--json").output)) == 2
