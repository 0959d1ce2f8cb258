"""`reader show ID --full` and `--json`, end to end: a feed and its article pages on a
real server on 127.0.0.1, the real command line, a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import main

PAGES = Path(__file__).resolve().parent.parent / "data" / "pages"
KEYS = {"id", "feed", "title", "link", "author", "published", "tags", "text", "links",
        "images", "enclosures", "full"}


def _rss(items: list[tuple[str, str, str]]) -> str:
    body = "".join(
        f"<item><title>{g}</title><link>{link}</link><guid>{g}</guid><author>desk@agency.example (Desk)</author>"
        f"<pubDate>0{i + 1} Nov 2026 10:00:00 GMT</pubDate><category>енергетика</category>"
        f"<description>{desc}</description>"
        f'<enclosure url="https://cdn.example/{g}.mp3" type="audio/mpeg" length="1234"/></item>'
        for i, (g, link, desc) in enumerate(items)
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Агенція</title><link>https://agency.example/</link>{body}</channel></rss>")


@pytest.fixture
def cli(tmp_path: Path, feed_server):
    config = tmp_path / "config.toml"
    config.write_text("[fetch]\ntimeout = 2.0\nconnect_timeout = 2.0\n")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["--db", str(tmp_path / "r.db"), "--config", str(config),
                                    *args], catch_exceptions=False)

    for name in ("uk_news", "ja_news", "en_news"):
        feed_server.route(f"/{name}.html", (PAGES / f"{name}.html").read_bytes(),
                          content_type="text/html; charset=utf-8")
    feed_server.route("/missing.html", b"gone", status=404, content_type="text/html")
    lead = "&lt;p&gt;Короткий &lt;a href='https://agency.example/more'&gt;анонс&lt;/a&gt;" \
           " &lt;img src='/lead.jpg' alt='Підстанція'&gt;&lt;/p&gt;"
    feed_server.route("/feed.xml", _rss([
        ("uk", feed_server.url("/uk_news.html"), lead),
        ("ja", feed_server.url("/ja_news.html"), "北海道で大雪。"),
        ("en", feed_server.url("/en_news.html"), "The council voted."),
        ("gone", feed_server.url("/missing.html"), "The feed's own words stay."),
    ]))
    assert run("add", feed_server.url("/feed.xml")).exit_code == 0
    run.ids = {a["title"]: a["id"] for a in json.loads(run("list", "--json").output)}
    return run


def test_show_full_prints_the_page_not_the_lead(cli):
    r = cli("show", str(cli.ids["uk"]), "--full")
    assert r.exit_code == 0, r.output
    assert "## Що передбачає програма" in r.output
    assert "щонайменше дві тисячі електромонтерів" in r.output
    assert "Погоджуюсь" not in r.output and "Читайте також" not in r.output
    assert "Короткий" not in r.output
    assert r.output.startswith("uk\n")  # the header is the article's
    plain = cli("show", str(cli.ids["uk"]))
    assert "Короткий" in plain.output and "електромонтерів" not in plain.output


def test_show_json_is_one_object_with_the_feeds_body(cli, feed_server):
    r = cli("show", str(cli.ids["uk"]), "--json")
    assert r.exit_code == 0, r.output
    obj = json.loads(r.output)
    assert KEYS <= obj.keys()
    assert obj["full"] is False and obj["text"] == "Короткий анонс"
    assert obj["feed"] == "Агенція" and obj["tags"] == ["енергетика"]
    assert obj["links"] == ["https://agency.example/more"]
    # (relative to the article's link, as the article pane resolves it)
    assert obj["images"] == [{"url": feed_server.url("/lead.jpg"), "alt": "Підстанція"}]
    assert obj["enclosures"] == [{"url": "https://cdn.example/uk.mp3", "type": "audio/mpeg",
                                  "length": 1234}]


def test_show_full_json_gives_the_pages_text(cli, feed_server):
    r = cli("show", str(cli.ids["ja"]), "--full", "--json")
    assert r.exit_code == 0, r.output
    obj = json.loads(r.output)
    assert obj["full"] is True
    assert obj["text"].startswith("北海道では6日夜から7日朝にかけて")
    assert "[1]" not in obj["text"] and "Links:" not in obj["text"]  # no link list, no header
    assert "北海道で記録的な大雪、交通網に大きな乱れ" not in obj["text"]
    uk = json.loads(cli("show", str(cli.ids["uk"]), "--full", "--json").output)
    assert uk["images"] == [{"url": feed_server.url("/images/2026/12/energy-substation.jpg"),
                             "alt": "Ремонт підстанції під Києвом"}]
    assert uk["links"] == ["https://www.mev.gov.ua/reports"]
    assert "Що передбачає програма\n\nДокумент визначає" in uk["text"]


def test_a_page_that_fails_keeps_the_feeds_text_and_exits_1(cli, feed_server):
    aid = str(cli.ids["gone"])
    r = cli("show", aid, "--full")
    assert r.exit_code == 1
    assert "The feed's own words stay." in r.stdout
    assert r.stderr.count("\n") == 1 and "HTTP 404" in r.stderr
    j = cli("show", aid, "--full", "--json")
    assert j.exit_code == 1 and json.loads(j.stdout)["full"] is False
    assert json.loads(j.stdout)["text"] == "The feed's own words stay."
    assert len(feed_server.requests_to("/missing.html")) == 1  # remembered, not refetched


def test_a_refetch_that_fails_prints_the_copy_kept_and_exits_1(cli, feed_server):
    uk = str(cli.ids["uk"])
    page = cli("show", uk, "--full").output
    assert "Короткий" not in page  # (the page's text, not the feed's lead)
    feed_server.route("/uk_news.html", b"down", status=503, content_type="text/html")
    r = cli("show", uk, "--refetch")
    assert r.exit_code == 1
    assert r.stdout == page  # the page extracted before, not the feed's lead
    assert "not fetched again: HTTP 503" in r.stderr and "the copy kept was shown" in r.stderr
    got = json.loads(cli("show", uk, "--refetch", "--json").stdout)
    assert got["full"] is True and "Короткий анонс" not in got["text"]


def test_a_word_only_in_the_page_is_found_once_fetched(cli):
    assert cli("search", "Bellini").stdout == ""
    cli("show", str(cli.ids["en"]), "--full")
    found = cli("search", "Bellini")
    assert found.exit_code == 0 and found.stdout.split()[0] == str(cli.ids["en"])
    # cached: the page is shown again without the server
    assert "Harbour loop" in cli("show", str(cli.ids["en"]), "--full").stdout


def test_the_extraction_benchmark_still_runs():
    """benchmarks/bench_extract.py --smoke: one hand-made page through `reader show
    --full --json` (figures printed, never asserted: machines differ)."""
    import subprocess
    import sys

    bench = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_extract.py"
    out = subprocess.run([sys.executable, str(bench), "--smoke", "--corpus-pages", "0"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "token F1 via `reader show --full --json`" in out.stdout
    assert "extraction CPU per page" in out.stdout


_STORY = "".join(f"<p>Абзац {i}. Уряд ухвалив рішення щодо енергетики, і громади отримають "
                 "кошти на ремонт підстанцій до зими.</p>" for i in range(6))


def _page(body: str, charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>Новина</title></head>'
            f"<body><nav><a href='/'>Головна</a></nav><article><h1>Новина</h1>{body}{_STORY}"
            "</article><footer>Усі права захищено</footer></body></html>")


def test_a_full_article_keeps_its_meaning_in_show_and_in_json(tmp_path, feed_server):
    """QA of issue 14: abbr, ins, kbd, a file:// image's alt survive trafilatura; a page
    whose header says utf-8 over windows-1251 bytes is read by its <meta>."""
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["--db", str(tmp_path / "r.db"), *args], catch_exceptions=False)

    marked = _page(
        '<p>У <abbr title="Всесвітня організація охорони здоров\'я">ВООЗ</abbr> сказали '
        "<del>ніколи</del> <ins>іноді</ins>; натисніть <kbd>Ctrl</kbd>+<kbd>C</kbd>.</p>"
        '<pre><code>if x:\n    return "так"\n</code></pre>'
        "<table><tr><th>Район</th><th>Сума</th></tr><tr><td>Поділ</td><td>12</td></tr></table>"
        '<p>Архів:</p><img src="file:///etc/hostname" alt="ALT file image">')
    feed_server.route("/marked.html", marked.encode(), content_type="text/html; charset=utf-8")
    liar = _page("<p>" + "Київ — столиця України. " * 12 + "</p>", charset="windows-1251")
    feed_server.route("/liar.html", liar.encode("cp1251"), content_type="text/html; charset=utf-8")
    feed_server.route("/feed.xml", _rss([("marked", feed_server.url("/marked.html"), "Анонс."),
                                         ("liar", feed_server.url("/liar.html"), "Анонс.")]))
    assert run("add", feed_server.url("/feed.xml")).exit_code == 0
    ids = {a["title"]: str(a["id"]) for a in json.loads(run("list", "--json").output)}

    shown = run("show", ids["marked"], "--full")
    assert shown.exit_code == 0, shown.output
    meaning = ("У ВООЗ (Всесвітня організація охорони здоров'я) сказали ~~ніколи~~ {+іноді+};"
               " натисніть [Ctrl]+[C].")
    assert meaning in shown.stdout
    assert "[image: ALT file image]" in shown.stdout
    text = json.loads(run("show", ids["marked"], "--full", "--json").stdout)["text"]
    assert meaning in text
    assert 'if x:\n    return "так"' in text and "Район | Сума\nПоділ | 12" in text

    liar_shown = json.loads(run("show", ids["liar"], "--full", "--json").stdout)
    assert liar_shown["full"] is True
    assert "Київ — столиця України." in liar_shown["text"] and "\ufffd" not in liar_shown["text"]
