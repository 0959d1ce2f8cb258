"""XML attacks: nothing expands, no file is read, no request is made.

Each document is served by the loopback server, which also serves the DTDs and
entity targets the documents point at, so a request for them would show in its log.
Memory during these refreshes is measured in test_size.py (the bombs are there too).
"""

from __future__ import annotations

import json
import time

import pytest

from .hostile_kit import Cli, assert_no_controls

SECRET = "TOP-SECRET-MARKER-4c1d"

CHANNEL_END = "</channel></rss>"


def _doc(doctype: str, title: str = "t", item_title: str = "x", body: str = "d") -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.invalid/</link>"
        f"<item><title>{item_title}</title><guid>g1</guid><description>{body}</description></item>"
        f"{CHANNEL_END}"
    )


def billion_laughs() -> str:
    ents = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    return _doc(f"<!DOCTYPE rss [{''.join(ents)}]>", item_title="&lol9;", body="&lol9;")


def quadratic() -> str:
    big = "A" * 200_000
    return _doc(f'<!DOCTYPE rss [<!ENTITY a "{big}">]>', body="&a;" * 20_000)


CASES = {
    "billion-laughs": lambda base, secret: billion_laughs(),
    "quadratic-blowup": lambda base, secret: quadratic(),
    "xxe-file": lambda base, secret: _doc(
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>',
        title="&xxe;",
        item_title="&xxe;",
        body="&xxe;",
    ),
    "xxe-http": lambda base, secret: _doc(
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{base}/xxe.txt">]>',
        title="&xxe;",
        item_title="&xxe;",
        body="&xxe;",
    ),
    "xxe-public": lambda base, secret: _doc(
        f'<!DOCTYPE rss [<!ENTITY xxe PUBLIC "-//X//Y" "{base}/xxe.txt">]>', item_title="&xxe;"
    ),
    "parameter-entity": lambda base, secret: _doc(
        f'<!DOCTYPE rss [<!ENTITY % pe SYSTEM "{base}/pe.dtd"> %pe;]>', item_title="&ext;"
    ),
    "external-dtd": lambda base, secret: _doc(
        f'<!DOCTYPE rss SYSTEM "{base}/evil.dtd">', title="t &ext;", item_title="x &ext;"
    ),
    "external-dtd-public": lambda base, secret: _doc(
        f'<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "{base}/evil.dtd">',
        item_title="x &ext;",
    ),
    "external-dtd-broken-xml": lambda base, secret: _doc(
        f'<!DOCTYPE rss SYSTEM "{base}/evil.dtd">', item_title="x &ext;", body="<unclosed>"
    ).replace(CHANNEL_END, "<b></channel></rss>"),
    "xinclude": lambda base, secret: _doc(
        "",
        body=f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret.as_uri()}" '
        'parse="text"/>',
    ),
    "xxe-utf16": lambda base, secret: _doc(
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>', item_title="&xxe;"
    ).replace('encoding="utf-8"', 'encoding="utf-16"'),
}

DTD_PATHS = ("/evil.dtd", "/pe.dtd", "/xxe.txt")


@pytest.fixture
def secret_file(tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text(SECRET)
    return p


def _serve_traps(feed_server):
    evil = f'<!ENTITY ext "{SECRET}">'
    for path in DTD_PATHS:
        feed_server.route(path, evil, content_type="application/xml-dtd")


@pytest.mark.parametrize("case", list(CASES))
def test_xml_attack(case, feed_server, cli: Cli, secret_file):
    _serve_traps(feed_server)
    doc = CASES[case](feed_server.base, secret_file)
    body = doc.encode("utf-16") if case == "xxe-utf16" else doc.encode()
    url = feed_server.route("/feed", body)
    start = time.monotonic()
    r = cli("add", url)
    elapsed = time.monotonic() - start
    assert elapsed < 10, f"{case} took {elapsed:.1f} s"
    out = r.stdout + r.stderr
    assert_no_controls(out)
    if r.exit_code != 0:
        # Refused: one clear line that says why.
        assert r.stderr.startswith("reader: error: ") and r.stderr.count("\n") == 1, r.stderr
        assert "entities" in r.stderr or "not a feed" in r.stderr, r.stderr
    else:
        rows = json.loads(cli("list", "--json").stdout)
        text = json.dumps(rows) + cli("show", str(rows[0]["id"])).stdout + cli("feeds").stdout
        assert len(text) < 1_000_000, "an entity expanded"
        assert "lollollol" not in text
    db_bytes = cli.db.read_bytes() if cli.db.exists() else b""
    assert SECRET.encode() not in db_bytes and SECRET not in out
    assert len(db_bytes) < 20_000_000
    for path in DTD_PATHS:
        assert feed_server.requests_to(path) == [], f"{case}: the reader fetched {path}"
    # Only the feed itself was requested.
    assert {r.path for r in feed_server.requests} == {"/feed"}


def test_refresh_of_attacks_reports_each_and_keeps_others(feed_server, cli: Cli, secret_file):
    """In one refresh, hostile documents fail or parse harmlessly; a good feed is unaffected."""
    _serve_traps(feed_server)
    from reader.core.library import Library

    good = feed_server.route("/good", _doc(""))
    lib = Library(cli.db)
    try:
        lib.subscribe(good)
        for i, (case, make) in enumerate(CASES.items()):
            body = make(feed_server.base, secret_file)
            lib.subscribe(
                feed_server.route(f"/a{i}", body.encode("utf-16") if "utf16" in case else body)
            )
    finally:
        lib.close()
    r = cli("refresh")
    assert r.exit_code == 0
    assert_no_controls(r.stdout + r.stderr)
    failed = [line for line in r.stderr.splitlines() if line.startswith("  failed: ")]
    assert all("entities" in line for line in failed), failed
    assert "billion" not in r.stderr  # failures are named by feed URL/title, one line each
    assert SECRET.encode() not in cli.db.read_bytes()
    for path in DTD_PATHS:
        assert feed_server.requests_to(path) == []
