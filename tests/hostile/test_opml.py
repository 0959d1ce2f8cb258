"""OPML import of hostile files: bad items reported and skipped, nothing expanded,
read, fetched or run."""

from __future__ import annotations

import json
import os
import time

import pytest

from .hostile_kit import assert_no_controls

SECRET = "OPML-SECRET-7f3a"


def opml(body: str, doctype: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<opml version="2.0"><head><title>x</title>'
        f"</head><body>{body}</body></opml>"
    )


def outline(url: str, title: str = "t") -> str:
    from xml.sax.saxutils import quoteattr

    return f'<outline type="rss" text={quoteattr(title)} xmlUrl={quoteattr(url)}/>'


@pytest.fixture
def secret(tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text(SECRET)
    return p


def _import(cli, tmp_path, text: str | bytes, name: str = "in.opml"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return cli("import", str(path))


ENTITY_CASES = {
    "billion-laughs": lambda base, secret: opml(
        outline("http://e.invalid/&l9;", "&l9;"),
        "<!DOCTYPE opml [<!ENTITY l0 'lol'>"
        + "".join(f"<!ENTITY l{i} '{f'&l{i - 1};' * 10}'>" for i in range(1, 10))
        + "]>",
    ),
    "xxe-file": lambda base, secret: opml(
        outline("http://e.invalid/x", "&xxe;"),
        f'<!DOCTYPE opml [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>',
    ),
    "xxe-http": lambda base, secret: opml(
        outline("http://e.invalid/x", "&xxe;"),
        f'<!DOCTYPE opml [<!ENTITY xxe SYSTEM "{base}/xxe">]>',
    ),
    "parameter-entity": lambda base, secret: opml(
        outline("http://e.invalid/x"), f'<!DOCTYPE opml [<!ENTITY % p SYSTEM "{base}/dtd"> %p;]>'
    ),
    "external-dtd": lambda base, secret: opml(
        outline("http://e.invalid/x", "&ext;"), f'<!DOCTYPE opml SYSTEM "{base}/dtd">'
    ),
    "lowercase-entity": lambda base, secret: opml(
        outline("http://e.invalid/x"), f'<!DOCTYPE opml [<!entity xxe SYSTEM "{secret.as_uri()}">]>'
    ),
    "utf16-xxe": lambda base, secret: (
        opml(
            outline("http://e.invalid/x", "&xxe;"),
            f'<!DOCTYPE opml [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>',
        )
        .replace('encoding="UTF-8"', 'encoding="UTF-16"')
        .encode("utf-16")
    ),
}


@pytest.mark.parametrize("case", list(ENTITY_CASES))
def test_entities_are_refused(case, feed_server, cli, tmp_path, secret):
    feed_server.route("/xxe", SECRET)
    feed_server.route("/dtd", f'<!ENTITY ext "{SECRET}">')
    start = time.monotonic()
    r = _import(cli, tmp_path, ENTITY_CASES[case](feed_server.base, secret))
    assert time.monotonic() - start < 5
    out = r.stdout + r.stderr
    assert SECRET not in out and "lollol" not in out
    assert_no_controls(out)
    if r.exit_code != 0:
        assert r.stderr.startswith("reader: error: not valid OPML") and r.stderr.count("\n") == 1, (
            r.stderr
        )
    feeds = json.loads(cli("feeds", "--json").stdout)
    assert all(SECRET not in json.dumps(f) for f in feeds)
    assert feed_server.requests == []
    if cli.db.exists():
        assert SECRET.encode() not in cli.db.read_bytes()


def test_huge_opml_is_refused(cli, tmp_path):
    body = outline("http://e.invalid/feed", "x" * 100) * 80_000  # ~12 MB
    r = _import(cli, tmp_path, opml(body))
    assert r.exit_code == 1
    assert r.stderr == "reader: error: OPML file too large: over 10 MB\n"


def test_many_outlines_with_bad_ones_mixed_in(cli, tmp_path):
    good = [outline(f"https://e.invalid/{i}.xml", f"feed {i}") for i in range(2000)]
    bad = [outline(f"javascript:alert({i})", f"bad {i}") for i in range(3000)]
    r = _import(
        cli, tmp_path, opml("".join(g + b for g, b in zip(good, bad)) + "".join(bad[2000:]))
    )
    assert r.exit_code == 0
    assert r.stdout.startswith("imported 2000 new feeds, 0 already subscribed, 3000 skipped")
    warnings = r.stderr.splitlines()
    assert len(warnings) == 101  # 100 named, then one line counting the rest
    assert warnings[-1] == "reader: warning: ... and 2900 more outlines skipped"
    assert len(json.loads(cli("feeds", "--json").stdout)) == 2000


BOGUS = {
    "javascript:alert(1)": "unsupported URL scheme",
    "data:application/rss+xml;base64,PHJzcz4=": "unsupported URL scheme",
    "vbscript:msgbox": "unsupported URL scheme",
    "ftp://e.invalid/feed.xml": "unsupported URL scheme",
    "feed://e.invalid/feed.xml": "unsupported URL scheme",
    "gopher://e.invalid/": "unsupported URL scheme",
    "ssh://root@e.invalid/": "unsupported URL scheme",
    "http://": "no host",
    "not a url at all": "not an absolute URL",
    "//e.invalid/feed": "not an absolute URL",
    "http://exa mple.invalid/feed": "spaces must be written %20",
    "http://e.invalid:99999/feed": "malformed URL",
    "http://[::1/feed": "malformed URL",
    "": "no feed URL",
}


def test_bogus_schemes_are_reported_and_skipped(cli, tmp_path):
    marker = tmp_path / "ran"
    shellish = [
        f"http://e.invalid/$(touch${{IFS}}{marker})",
        f"http://e.invalid/`touch${{IFS}}{marker}`",
        f"http://e.invalid/;touch${{IFS}}{marker}",
        f"http://e.invalid/|touch%20{marker}",
        f"http://e.invalid/a&&touch${{IFS}}{marker}",
    ]
    body = "".join(outline(u, f"bogus {i}") for i, u in enumerate(BOGUS))
    body += "".join(outline(u, f"shell {i}") for i, u in enumerate(shellish))
    fine = outline("https://fine.invalid/feed", "[bold]fine[/] ESC]0;xBEL")
    r = _import(cli, tmp_path, opml(body + fine.replace("ESC", "&#27;").replace("BEL", "&#7;")))
    out = r.stdout + r.stderr
    assert_no_controls(out)
    assert r.exit_code in (0, 1)
    if r.exit_code == 1:  # character references to controls are not XML 1.0: refused whole
        assert r.stderr.startswith("reader: error: not valid OPML") and r.stderr.count("\n") == 1
        r = _import(cli, tmp_path, opml(body + fine.replace("ESC", "").replace("BEL", "")))
    warnings = r.stderr.splitlines()
    for url, why in BOGUS.items():
        assert any(why in w for w in warnings), (url, why, warnings)
    assert len(warnings) == len(BOGUS)
    feeds = json.loads(cli("feeds", "--json").stdout)
    urls = sorted(f["url"] for f in feeds)
    assert "https://fine.invalid/feed" in urls and len(urls) == 1 + len(shellish)
    assert all(u.startswith(("http://", "https://")) for u in urls)
    assert any("[bold]fine[/]" in f["title"] for f in feeds)
    # Refreshing them runs nothing either (e.invalid never resolves).
    cli("refresh")
    assert not marker.exists()


def test_local_files_from_an_opml_cannot_hang_the_refresh(feed_server, cli, tmp_path):
    """file:// is allowed (your own exports have them), but a FIFO, a device or a
    directory is refused at once rather than read for ever."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    ok = feed_server.route(
        "/ok",
        '<rss version="2.0"><channel><title>OK</title><item><title>a</title>'
        "<guid>1</guid></item></channel></rss>",
    )
    body = "".join(
        outline(u)
        for u in (
            fifo.as_uri(),
            "file:///dev/zero",
            "file:///dev/stdin",
            tmp_path.as_uri(),
            ok,
            "file:///nonexistent/feed.xml",
        )
    )
    r = _import(cli, tmp_path, opml(body))
    assert r.exit_code == 0, r.stderr
    start = time.monotonic()
    r = cli("refresh")
    assert time.monotonic() - start < 8
    assert r.exit_code == 0
    assert r.stdout.startswith(
        "refreshed 6 feeds: 1 new article, 1 fetched, 0 not modified, 5 failed"
    )
    errors = {f["url"]: f["last_error"] for f in json.loads(cli("feeds", "--json").stdout)}
    assert "not a regular file" in errors[fifo.as_uri()]
    assert "not a regular file" in errors["file:///dev/zero"]
    assert (
        "not a regular file" in errors[tmp_path.as_uri()]
        or "directory" in errors[tmp_path.as_uri()]
    )
