"""`reader feed-set`, the settings in `reader feeds --json`, and `reader feeds --failed`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from reader.cli import main

RSS = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Укрінформ</title>'
       '<item><title>Рада Європи</title><guid>u1</guid></item></channel></rss>')


@pytest.fixture
def run(tmp_path, feed_server):
    db = tmp_path / "reader.db"
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, ["--db", str(db), *args], catch_exceptions=False)

    invoke.server = feed_server
    invoke("add", feed_server.route("/uk.xml", RSS))
    return invoke


def test_no_pairs_prints_each_setting_with_the_configs_default(run):
    r = run("feed-set", "укр")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        "1: Укрінформ",
        "  full_text      default (never)",
        "  refresh_every  default (30m)",
        "  keep           default (all)",
        "  user_agent     default (reader's own)",
    ]


def test_pairs_set_and_print_and_default_clears(run):
    r = run("feed-set", "1", "full_text=always", "refresh_every=2h", "keep=50",
            "user_agent=NewsBot/1.0 (+https://bot.example)")
    assert r.exit_code == 0, r.output
    assert "  refresh_every  2h" in r.stdout and "  keep           50" in r.stdout
    r = run("feeds", "--json")
    assert json.loads(r.stdout)[0]["settings"] == {
        "full_text": "always", "refresh_every": "2h", "keep": "50",
        "user_agent": "NewsBot/1.0 (+https://bot.example)"}
    run("feed-set", "1", "keep=default", "refresh_every=auto")
    settings = json.loads(run("feeds", "--json").stdout)[0]["settings"]
    assert settings["keep"] is None and settings["refresh_every"] == "auto"


@pytest.mark.parametrize("args, says", [
    (["keep=many"], "reader: error: keep: 'many' is not a number of articles, all or default\n"),
    (["keep"], "reader: error: expected KEY=VALUE, got 'keep'"),
    (["speed=fast"], "reader: error: unknown setting 'speed'"),
    (["refresh_every=5s"], "reader: error: refresh_every: '5s' is not between 1m and 30d\n"),
])
def test_bad_pairs_are_one_line_and_change_nothing(run, args, says):
    r = run("feed-set", "1", "full_text=always", *args)
    assert r.exit_code == 1 and r.stderr.startswith(says) and r.stderr.count("\n") == 1
    assert json.loads(run("feeds", "--json").stdout)[0]["settings"]["full_text"] is None


def test_feeds_failed_lists_only_the_failing_with_their_error(run):
    r = run("feeds", "--failed")
    assert r.exit_code == 0 and r.stdout == "" and r.stderr == "no failing feeds\n"
    run("add", run.server.route("/ok.xml", RSS.replace("Укрінформ", "東京")))
    run.server.route("/uk.xml", b"down", status=500)
    run("refresh")
    r = run("feeds", "--failed")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and "Укрінформ" in lines[0] and "東京" not in r.stdout
    assert "(error: HTTP 500" in lines[1] and "next try" in lines[1]
    failed = json.loads(run("feeds", "--failed", "--json").stdout)
    assert [(f["title"], f["error_count"]) for f in failed] == [("Укрінформ", 1)]
    assert len(json.loads(run("feeds", "--json").stdout)) == 2


def test_feeds_offers_full_text_to_a_feed_of_summaries(run):
    """A feed with no full_text setting whose texts are short is offered it (issue 14:
    summary feeds detected and offered); a feed set, or of long texts, is not."""
    items = "".join(f"<item><title>Анонс {i}</title><guid>s{i}</guid>"
                    f"<description>Коротко про подію {i}.</description></item>"
                    for i in range(6))
    run("add", run.server.route("/short.xml", '<?xml version="1.0"?><rss version="2.0">'
                                f"<channel><title>Анонси</title>{items}</channel></rss>"))
    out = run("feeds").stdout
    assert "summaries only: `reader feed-set 2 full_text=auto`" in out
    assert out.count("summaries only") == 1  # (Укрінформ: one article, too few to judge)
    listed = {f["title"]: f["summaries_only"] for f in json.loads(run("feeds", "--json").stdout)}
    assert listed == {"Укрінформ": False, "Анонси": True}
    run("feed-set", "2", "full_text=never")  # (a choice made: nothing more to offer)
    assert "summaries only" not in run("feeds").stdout
