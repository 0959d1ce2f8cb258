"""Rich/Textual markup in feed text is data: printed literally, never run, never a crash.

The TUI side (a frame shows the literal text) is in test_tui.py.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time

from .hostile_kit import ROOT, Item, assert_no_controls, rss

MARKUP = [
    "[/]",
    "[bold red]loud[/bold red]",
    "[@click=app.quit]quit[/]",
    "[@click=app.bell()]bell[/]",
    "[link=file:///etc/passwd]passwd[/link]",
    "[/nonexistent]",
    "[red",
    "\\[escaped]",
    ":skull: :smile:",
    "[b][i][u]unclosed",
    "$(touch /tmp/pwned) `id`",
]


def markup_feed(n_feeds_title: str = "[bold]Feed[/] [/] [@click=app.quit]q[/]") -> bytes:
    items = [
        Item(
            title=m,
            guid=f"m{i}",
            link=f"http://example.invalid/{i}",
            author=m,
            description=f"<p>{m}</p>",
            categories=(m.replace(",", " "),),
            pub_date=f"Mon, 02 Nov 2026 10:{i:02d}:00 GMT",
        )
        for i, m in enumerate(MARKUP)
    ]
    return rss(items, title=n_feeds_title).encode()


def test_cli_prints_markup_literally(feed_server, cli):
    url = feed_server.route("/m", markup_feed())
    r = cli("add", url, "--tag", "[red]t[/]")
    assert r.exit_code == 0, r.output
    assert "[bold]Feed[/] [/] [@click=app.quit]q[/]" in r.stdout
    listed = cli("list").stdout
    for m in MARKUP:
        assert m in listed, m
    rows = json.loads(cli("list", "--json").stdout)
    assert sorted(a["title"] for a in rows) == sorted(MARKUP)
    assert {a["author"] for a in rows} == set(MARKUP)
    for a in rows:
        shown = cli("show", str(a["id"]))
        assert shown.exit_code == 0
        assert a["title"] in shown.stdout
    feeds = cli("feeds").stdout
    assert "[bold]Feed[/] [/] [@click=app.quit]q[/]" in feeds and "[red]t[/]" in feeds
    assert cli("search", "loud").exit_code == 0


def _run_on_a_terminal(args: list[str], timeout: float = 60) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal (so Rich draws its progress bar)."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    env.pop("READER_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reader.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    code = proc.wait(timeout=10)
    return code, out.decode("utf-8", "replace")


def test_progress_bar_with_markup_feed_titles(feed_server, tmp_path, config_file):
    """On a terminal `reader refresh` shows feed titles in a Rich progress bar: as text."""
    db = tmp_path / "tty.db"
    from reader.core.library import Library

    titles = ["[/]", "[@click=app.quit]x[/]", "[bold", "[/red]", ":skull: [/]", "[link=x]"]
    lib = Library(db)
    try:
        for i, title in enumerate(titles):
            body = rss([Item(title=f"a{i}", guid=f"g{i}")], title=title).encode()
            lib.subscribe(feed_server.route(f"/f{i}", body, delay=0.05 * i))
    finally:
        lib.close()
    args = ["--db", str(db), "--config", str(config_file), "refresh"]
    # The first refresh learns the titles; the second shows them in the bar.
    for round_ in range(2):
        for i, title in enumerate(titles):
            body = rss(
                [Item(title=f"a{i}", guid=f"g{i}"), Item(title=f"b{i}", guid=f"r{round_}-{i}")],
                title=title,
            ).encode()
            feed_server.route(f"/f{i}", body, delay=0.05 * i)
        code, out = _run_on_a_terminal(args)
        assert code == 0, out
        assert f"refreshed 6 feeds: {12 if round_ == 0 else 6} new articles, 6 fetched" in out, out
        assert "Traceback" not in out and "MarkupError" not in out and "internal error" not in out
    lib = Library(db)
    try:
        assert lib.count() == 18  # every feed's articles were stored, both times
        assert {f.title for f in lib.feeds()} == set(titles)
    finally:
        lib.close()


def test_feed_text_is_never_shell_text(feed_server, cli, tmp_path):
    """`$(...)` and backticks in titles stay text: nothing is run."""
    marker = tmp_path / "pwned"
    title = f"$(touch {marker}) `touch {marker}`"
    url = feed_server.route(
        "/s", rss([Item(title=title, guid="s", link=f"http://e.invalid/$(touch {marker})")])
    )
    assert cli("add", url).exit_code == 0
    out = cli("list").stdout + cli("show", "1").stdout
    assert title in out
    assert_no_controls(out)
    assert not marker.exists()
