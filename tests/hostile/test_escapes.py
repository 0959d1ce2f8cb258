"""Terminal escapes and control characters in every field a server controls.

Whatever way the bytes arrive (raw in the XML, as character references, in CDATA,
in JSON strings, in HTTP headers), no CLI output carries them and nothing stored
does; the visible text around them survives.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from .hostile_kit import TERMINAL_CONTROL, Item, assert_no_controls, rss, run_reader

# One of each kind of sequence a terminal acts on.
ESCAPES = {
    "csi-clear": "\x1b[2J\x1b[H",
    "csi-sgr": "\x1b[31;1;5m",
    "osc0-title": "\x1b]0;pwned title\x07",
    "osc8-link": "\x1b]8;;http://evil.invalid/\x1b\\click\x1b]8;;\x1b\\",
    "osc52-clipboard": "\x1b]52;c;cm0gLXJmIH4vKgo=\x07",
    "dcs": "\x1bP+q544e\x1b\\",
    "c1-csi": "\x9b2J",
    "c1-osc": "\x9d0;c1 title\x9c",
    "c1-nel": "\x85",
    "bel": "\x07\x07",
    "backspace": "\x08\x08\x08XX",
    "cr-overwrite": "\rfake",
    "nul-del": "\x00\x7f",
}
HOSTILE = "Alpha " + "".join(ESCAPES.values()) + " Omega"


def _as_char_refs(s: str) -> str:
    return "".join(f"&#{ord(c)};" if ord(c) < 32 or 0x7F <= ord(c) <= 0x9F else c for c in s)


def _xml_body(text: str, style: str) -> str:
    if style == "refs":
        return _as_char_refs(text.replace("&", "&amp;").replace("<", "&lt;"))
    if style == "cdata":
        return f"<![CDATA[{text}]]>"
    return text.replace("&", "&amp;").replace("<", "&lt;")


def hostile_rss(style: str) -> bytes:
    h = _xml_body(HOSTILE, style)
    items = [
        Item(
            title=h,
            guid=f"g1{h}",
            link="http://example.invalid/1",
            author=h,
            description=_xml_body(
                f"<p>{HOSTILE}</p><a href='http://example.invalid/x'>{HOSTILE}</a>", style
            ),
            pub_date="Mon, 02 Nov 2026 10:00:00 GMT",
            categories=(h,),
            raw=True,
        ),
        Item(
            title="plain second",
            guid="g2",
            link="http://example.invalid/2",
            description="ok",
            pub_date="Mon, 02 Nov 2026 09:00:00 GMT",
        ),
    ]
    return rss(items, title=h, raw_title=True).encode("utf-8")


def hostile_atom() -> bytes:
    h = _xml_body(HOSTILE, "raw")
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{h}</title><id>urn:x</id><updated>2026-11-02T10:00:00Z</updated>"
        f"<entry><title type='html'>{h}</title><id>urn:e1{h}</id><updated>2026-11-02T10:00:00Z</updated>"
        f"<author><name>{h}</name></author><category term='{h}'/>"
        f"<link href='http://example.invalid/a'/>"
        f"<content type='html'>&lt;p&gt;{h}&lt;/p&gt;</content></entry></feed>"
    ).encode()


def hostile_json() -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": HOSTILE,
            "items": [
                {
                    "id": "j1" + HOSTILE,
                    "url": "http://example.invalid/j",
                    "title": HOSTILE,
                    "content_html": f"<p>{HOSTILE}</p>",
                    "authors": [{"name": HOSTILE}],
                    "tags": [HOSTILE],
                    "date_published": "2026-11-02T10:00:00Z",
                }
            ],
        }
    ).encode()


BODIES = {
    "rss-raw": (lambda: hostile_rss("raw"), "application/rss+xml"),
    "rss-refs": (lambda: hostile_rss("refs"), "application/rss+xml"),
    "rss-cdata": (lambda: hostile_rss("cdata"), "application/rss+xml"),
    "atom": (hostile_atom, "application/atom+xml"),
    "json": (hostile_json, "application/feed+json"),
}


def _all_output(cli, article_ids):
    outputs = [
        cli("feeds"),
        cli("feeds", "--json"),
        cli("list"),
        cli("list", "--json"),
        cli("search", "Omega"),
        cli("export"),
        cli("refresh"),
    ]
    outputs += [cli("show", str(i)) for i in article_ids]
    return outputs


@pytest.mark.parametrize("kind", list(BODIES))
def test_no_escape_reaches_cli_output_or_store(kind, feed_server, cli):
    make, ctype = BODIES[kind]
    url = feed_server.route("/feed", make(), content_type=ctype)
    added = cli("add", url)
    assert added.exit_code == 0, added.output
    assert_no_controls(added.stdout + added.stderr, "add")
    ids = [a["id"] for a in json.loads(cli("list", "--json").stdout)]
    assert ids
    for r in _all_output(cli, ids):
        assert r.exit_code == 0, r.output
        assert_no_controls(r.stdout + r.stderr, " ".join(map(str, r.return_value or ())) or "cli")
    shown = "".join(cli("show", str(i)).stdout for i in ids)
    assert "Alpha" in shown and "Omega" in shown  # the visible text survives

    # Nothing stored carries a control character either (the TUI reads the same rows).
    with sqlite3.connect(cli.db) as conn:
        for table in ("feeds", "articles", "feed_tags", "article_tags"):
            for row in conn.execute(f"SELECT * FROM {table}"):
                for value in row:
                    if isinstance(value, str) and table != "articles" or isinstance(value, str):
                        bad = TERMINAL_CONTROL.sub("", value.replace("\x1f", "")) != value.replace(
                            "\x1f", ""
                        )
                        assert not bad, f"{table} stores {value!r}"


def test_escapes_in_a_redirect_location(feed_server, cli):
    """A permanent redirect to a URL holding 8-bit controls must not store them as the feed URL."""
    body = rss([Item(guid="a", title="fine")])
    feed_server.route("/ok", body)
    feed_server.route("/ok%C2%9B2J%C2%9D0;x%C2%9C", body)  # where httpx sends the request
    feed_server.redirect("/moved", "/ok\u009b2J\u009d0;x\u009c".encode().decode("latin-1"), 301)
    from reader.core.library import Library

    lib = Library(cli.db)
    try:
        lib.subscribe(feed_server.url("/moved"))
    finally:
        lib.close()
    r = cli("refresh")
    assert_no_controls(r.stdout + r.stderr, "refresh")
    for args in (("feeds",), ("feeds", "--json"), ("export",)):
        out = cli(*args)
        assert_no_controls(out.stdout + out.stderr, " ".join(args))
        assert "\\u009b" not in out.stdout


def test_escapes_in_reason_phrase_stored_error(feed_server, cli, monkeypatch):
    """HTTP 500 with a reason phrase of 8-bit controls: the stored error is clean."""
    import http.server

    url = feed_server.route("/e", b"", status=599)
    real = http.server.BaseHTTPRequestHandler.send_response

    def send_response(self, code, message=None):
        if code == 599:
            message = "Bad \x9b2J\x9d0;owned\x9c Gateway".encode().decode("latin-1")
        return real(self, code, message)

    monkeypatch.setattr(http.server.BaseHTTPRequestHandler, "send_response", send_response)
    from reader.core.library import Library

    lib = Library(cli.db)
    try:
        lib.subscribe(url)
    finally:
        lib.close()
    r = cli("refresh")
    assert r.exit_code == 1
    assert_no_controls(r.stdout + r.stderr, "refresh")
    feeds = cli("feeds")
    assert_no_controls(feeds.stdout, "feeds")
    assert "HTTP 599" in feeds.stdout
    j = cli("feeds", "--json")
    assert_no_controls(j.stdout, "feeds --json")
    assert not TERMINAL_CONTROL.search(json.loads(j.stdout)[0]["last_error"])


def test_end_to_end_subprocess(feed_server, tmp_path, config_file):
    """The installed entry point, as a user runs it, prints nothing a terminal acts on."""
    url = feed_server.route("/feed", hostile_rss("raw"))
    db = tmp_path / "e2e.db"
    r = run_reader(db, "add", url, "--tag", "x", config=config_file)
    assert r.returncode == 0, r.stderr
    for args in (["list"], ["show", "1"], ["feeds"], ["refresh", "-q"]):
        out = run_reader(db, *args, config=config_file)
        assert out.returncode == 0, out.stderr
        assert_no_controls(out.stdout + out.stderr, " ".join(args))
    assert "Omega" in run_reader(db, "show", "1", config=config_file).stdout
