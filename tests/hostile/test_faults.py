"""Faults: kill -9 mid-refresh, concurrent writers, corrupt/foreign/read-only
databases, a full disk. The database stays intact and the user gets one clear line."""

from __future__ import annotations

import hashlib
import os
import queue
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from reader.core.library import Library

from .hostile_kit import (
    ROOT,
    Cli,
    Item,
    RawServer,
    rss,
    run_reader,
    simple_rss,
    static,
    write_config,
)

N_FEEDS = 30
N_ITEMS = 300
KILLS = 8  # each after the refresh's first request, so each lands in its work


def feed_body(feed: int, round_: int) -> bytes:
    """300 items; each round two new ones appear and every description changes, so a
    refresh both inserts and updates (and the full-text index with them)."""
    items = [
        Item(
            title=f"feed {feed} item {i}",
            guid=f"f{feed}-i{i}",
            link=f"http://e.invalid/{feed}/{i}",
            description=f"<p>round {round_} text of item {i} in feed {feed}</p>",
            pub_date=f"Mon, 02 Nov 2026 {i // 60 % 24:02d}:{i % 60:02d}:00 GMT",
        )
        for i in range(round_ * 2, round_ * 2 + N_ITEMS)
    ]
    return rss(items, title=f"Feed {feed}").encode()


def serve_round(server: RawServer, round_: int) -> None:
    for f in range(N_FEEDS):
        server.on(f"/feed{f}", static(feed_body(f, round_)))


def assert_index_matches_articles(db: Path) -> None:
    """The search index holds every article, each with the text the indexer makes of
    it now, and nothing else; FTS5's own check agrees with its content table."""
    from reader.core.ingest.text import html_to_text

    conn = sqlite3.connect(db, timeout=10)
    try:
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        assert not conn.execute("SELECT 1 FROM index_queue").fetchone()
        assert conn.execute("SELECT value FROM counters WHERE name = 'indexed_id'").fetchone()[0] \
            >= conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
        indexed = dict(conn.execute("SELECT id, title || char(0) || text FROM article_text"))
        articles = {
            aid: title + "\0" + html_to_text(content or summary)
            for aid, title, content, summary in conn.execute(
                "SELECT id, title, content, summary FROM articles")
        }
        assert indexed == articles
        count = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'round'"
                            ).fetchone()[0] == count
    finally:
        conn.close()


def db_state(db: Path) -> tuple[str, set[int], set[int], int]:
    """(integrity_check, starred ids, read ids, article count), read with plain sqlite3."""
    conn = sqlite3.connect(db, timeout=10)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        starred = {r[0] for r in conn.execute("SELECT id FROM articles WHERE starred")}
        read = {r[0] for r in conn.execute("SELECT id FROM articles WHERE read")}
        count = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()
    return check, starred, read, count


def reader_cmd(db: Path, config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "reader.cli", "--db", str(db), "--config", str(config), *args]


@pytest.fixture(scope="module")
def kill_server():
    server = RawServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def template_db(kill_server, tmp_path_factory):
    """A database subscribed to 30 local feeds of 300 items, refreshed once, with
    some articles starred and some read; built once, copied for each test."""
    tmp = tmp_path_factory.mktemp("template")
    serve_round(kill_server, 0)
    db = tmp / "template.db"
    config = write_config(
        tmp / "k.toml", timeout=30, connect_timeout=15, concurrency=16, per_host=16
    )
    lib = Library(db)
    try:
        for f in range(N_FEEDS):
            lib.subscribe(f"{kill_server.base}/feed{f}")
    finally:
        lib.close()
    r = run_reader(db, "refresh", "-q", "--wait-index", config=config)
    assert r.returncode == 0, r.stderr
    lib = Library(db)
    try:
        ids = lib.article_ids()
        assert len(ids) == N_FEEDS * N_ITEMS
        lib.set_starred(ids[::7])
        lib.set_read(ids[::3])
    finally:
        lib.close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the one file we copy
    conn.close()
    return db, config


@pytest.fixture
def many_feeds(template_db, tmp_path):
    db = tmp_path / "kill.db"
    shutil.copyfile(template_db[0], db)
    return db, template_db[1]


# A Python with the command line imported once; each command a fork of it, so that a
# kill costs no interpreter start-up and lands in the refresh's own work.
_FORKING_READER = r"""
import os, sys
from reader.cli import main
import reader.cli.group, reader.core.refresh  # (what a refresh imports, once)
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        sys.argv = ["reader", *line.rstrip("\n").split("\0")]
        code = 1
        try:
            main()
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
        finally:
            os._exit(code)
    print(pid, flush=True)
    print(os.waitpid(pid, 0)[1], flush=True)
"""


class ForkingReader:
    """`reader ARGS` run as a fork of a process that imported it already."""

    def __init__(self) -> None:
        env = {**os.environ}
        env.pop("READER_DEBUG", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _FORKING_READER],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def start(self, *args: str) -> int:
        self.proc.stdin.write("\0".join(args) + "\n")
        self.proc.stdin.flush()
        return int(self.lines.get(timeout=60))

    def running(self) -> bool:
        return self.lines.empty()  # (its exit status not reported yet)

    def wait(self) -> int:
        return int(self.lines.get(timeout=120))

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def test_kill_9_during_refresh_repeatedly(kill_server, many_feeds):
    db, config = many_feeds
    rng = random.Random(1234)
    _, starred, read, count = db_state(db)
    # How long does a refresh's own work take here (from its first request to its exit,
    # Python's start-up left out)? Each kill lands somewhere in that work.
    serve_round(kill_server, 1)
    hits = len(kill_server.hits)
    r = run_reader(db, "refresh", "-q", config=config)
    assert r.returncode == 0, r.stderr
    work = time.monotonic() - kill_server.hits[hits][1]
    kills = 0
    killed_mid_write = 0
    round_ = 2
    # Kills land at random in the first `upper` seconds of a refresh's work; one that came
    # after the refresh ended aims earlier from then on (a warm round is quicker than the
    # first): the test goes on until enough kills landed mid-run, a state, not a time.
    upper = min(work * 0.9, 1.5)
    forker = ForkingReader()
    try:
        while killed_mid_write < KILLS * 3 // 4 and kills < KILLS * 3:
            serve_round(kill_server, round_)
            round_ += 1
            hits = len(kill_server.hits)
            # Every other one builds the index before it exits: a kill may land there too
            # (test_index_kill.py kills the indexer alone, mid-run every time).
            wait = ("--wait-index",) if kills % 2 else ()
            pid = forker.start("--db", str(db), "--config", str(config), "refresh", "-q", *wait)
            while len(kill_server.hits) == hits and forker.running():
                time.sleep(0.002)  # (until its first request: a state)
            time.sleep(rng.uniform(0.0, upper))
            if forker.running():
                os.kill(pid, signal.SIGKILL)
                killed_mid_write += 1
            else:
                upper /= 2
            forker.wait()
            kills += 1
            check, now_starred, now_read, now_count = db_state(db)
            assert check == "ok", f"after kill {kills}: {check}"
            assert starred <= now_starred and read <= now_read, f"states lost after kill {kills}"
            assert now_count >= count
            count = now_count
            # Change some state between kills, as a user would; it must persist too.
            lib = Library(db)
            try:
                ids = lib.article_ids(limit=50 + kills)
                lib.set_starred(ids[-1:])
                lib.set_read(ids[-2:])
                starred |= set(ids[-1:])
                read |= set(ids[-2:])
            finally:
                lib.close()
    finally:
        forker.close()
    assert killed_mid_write >= KILLS * 3 // 4, (kills, killed_mid_write)
    # The next refresh completes and leaves everything consistent.
    serve_round(kill_server, round_)
    r = run_reader(db, "refresh", "--wait-index", config=config)  # (-q: nothing printed)
    assert r.returncode == 0 and "30 fetched" in r.stdout, r.stdout + r.stderr
    check, now_starred, now_read, now_count = db_state(db)
    assert check == "ok" and starred <= now_starred and read <= now_read
    # Every article once: 300 per feed plus the two new ones of each round since.
    conn = sqlite3.connect(db)
    try:
        dupes = conn.execute(
            "SELECT count(*) FROM (SELECT feed_id, key FROM articles "
            "GROUP BY feed_id, key HAVING count(*) > 1)"
        ).fetchone()[0]
        assert dupes == 0
    finally:
        conn.close()
    assert_index_matches_articles(db)


def test_two_refreshes_at_once(kill_server, many_feeds):
    db, config = many_feeds
    before = db_state(db)
    serve_round(kill_server, 5)
    procs = [
        subprocess.Popen(
            reader_cmd(db, config, "refresh", "-q"),
            cwd=ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert "locked" not in err and "failed: " not in err, err
    check, starred, read, count = db_state(db)
    assert check == "ok" and before[1] <= starred and before[2] <= read
    assert count == N_FEEDS * (N_ITEMS + 10)  # five rounds of two new items, each once


def test_reader_writes_during_a_cli_refresh(kill_server, many_feeds):
    """What the TUI does while `reader refresh` runs in another shell: read the list,
    open articles, star and mark read. No "database is locked", nothing lost."""
    db, config = many_feeds
    serve_round(kill_server, 3)
    proc = subprocess.Popen(
        reader_cmd(db, config, "refresh", "-q"),
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    lib = Library(db)
    done: set[int] = set()
    try:
        ids = lib.article_ids()
        i = 0
        while proc.poll() is None or i < 20:
            batch = ids[i * 5 : (i + 1) * 5]
            lib.set_starred(batch)
            lib.set_read(batch)
            done |= set(batch)
            lib.headlines(lib.article_ids("is:unread", limit=100))
            lib.render(lib.article(batch[0]))
            lib.count("is:starred")
            i += 1
    finally:
        lib.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "locked" not in err
    check, starred, read, _ = db_state(db)
    assert check == "ok" and done <= starred and done <= read


# ---------------------------------------------------------------- bad database files


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _good_db(tmp_path: Path) -> Path:
    db = tmp_path / "good.db"
    lib = Library(db)
    try:
        lib.subscribe("http://e.invalid/feed")
    finally:
        lib.close()
    return db


def _foreign_db(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.com/')")
    conn.commit()
    conn.close()


BAD_FILES = {
    "random-bytes": lambda p, tmp: p.write_bytes(random.Random(1).randbytes(50_000)),
    "text-file": lambda p, tmp: p.write_text("these are my notes, not a database\n" * 100),
    "sqlite-header-only": lambda p, tmp: p.write_bytes(b"SQLite format 3\x00" + bytes(84)),
    "truncated-reader-db": lambda p, tmp: p.write_bytes(_good_db(tmp).read_bytes()[:6000]),
    "other-programs-sqlite": lambda p, tmp: _foreign_db(p),
    "html-page": lambda p, tmp: p.write_text("<!doctype html><html><body>oops</body></html>"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_corrupt_or_foreign_database(case, tmp_path, config_file):
    db = tmp_path / "reader.db"
    BAD_FILES[case](db, tmp_path)
    digest, mtime = _digest(db), db.stat().st_mtime_ns
    cli = Cli(db, config_file)
    for args in (
        ["feeds"],
        ["list"],
        ["refresh"],
        ["add", "http://e.invalid/x"],
        ["read", "1"],
        ["import", "-"],
        ["export"],
    ):
        if args == ["feeds"]:  # once as a user runs it, the rest in process
            r = run_reader(db, *args, config=config_file)
            r.exit_code = r.returncode
        else:
            r = cli(*args, input="<opml/>")
        assert r.exit_code == 1, (args, r.stdout, r.stderr)
        assert r.stdout == ""
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("reader: error: "), (args, r.stderr)
        assert "left untouched" in lines[0], lines[0]
        if case != "other-programs-sqlite":
            assert "move it aside" in lines[0] and f"mv '{db}'" in lines[0], lines[0]
        else:
            assert "--db" in lines[0]
    assert _digest(db) == digest and db.stat().st_mtime_ns == mtime, "the file was changed"
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


def test_newer_schema_is_refused(tmp_path, config_file):
    db = _good_db(tmp_path)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    digest = _digest(db)
    r = run_reader(db, "feeds", config=config_file)
    assert r.returncode == 1 and "newer reader" in r.stderr and r.stderr.count("\n") == 1
    assert _digest(db) == digest


# ---------------------------------------------------------------- read-only, full disk


def _chattr(flag: str, *paths: Path) -> bool:
    try:
        r = subprocess.run(
            ["chattr", flag, *map(str, paths)], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


@pytest.fixture
def immutable():
    """chattr +i: read-only even for root (tests run as root in CI)."""
    paths: list[Path] = []

    def make(*ps: Path) -> None:
        if not _chattr("+i", *ps):
            pytest.skip("chattr +i is not available here")
        paths.extend(ps)

    yield make
    if paths:
        _chattr("-i", *paths)


def test_read_only_database(feed_server, tmp_path, config_file, immutable):
    db = tmp_path / "ro" / "reader.db"
    db.parent.mkdir()
    url = feed_server.route("/f", simple_rss(5))
    assert run_reader(db, "add", url, config=config_file).returncode == 0
    star = run_reader(db, "star", "2", config=config_file)
    assert star.returncode == 0
    # The directory too: SQLite may not even create its -wal and -shm files there.
    immutable(db.parent, *db.parent.iterdir())
    digest = _digest(db)
    feed_server.route("/f", simple_rss(8))
    listed = run_reader(db, "list", config=config_file)
    reads_work = listed.returncode == 0
    if reads_work:
        assert len(listed.stdout.splitlines()) == 5
    else:  # it says why: SQLite cannot make its -wal and -shm files in a read-only folder
        assert "folder" in listed.stderr and "is read-only" in listed.stderr, listed.stderr
    for args in (
        ["refresh"],
        ["read", "1"],
        ["add", feed_server.route("/g", simple_rss(2))],
        ["mark-all-read", "--yes"],
    ):
        r = run_reader(db, *args, config=config_file)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("reader: error: "), (args, r.stderr)
        assert "read-only" in lines[0] or "cannot open" in lines[0], lines[0]
    assert _digest(db) == digest


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MiB tmpfs (needs root; CI runs as root), else skip."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
        capture_output=True,
        timeout=10,
        check=False,
    )
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {r.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True, timeout=10, check=False)


def test_full_disk(feed_server, tiny_disk, config_file):
    db = tiny_disk / "reader.db"
    small = feed_server.route("/small", simple_rss(5))
    assert run_reader(db, "add", small, config=config_file).returncode == 0
    assert run_reader(db, "star", "3", config=config_file).returncode == 0
    big = feed_server.route("/big", simple_rss(3000, body="<p>" + "lorem ipsum " * 100 + "</p>"))
    lib = Library(db)
    try:
        lib.subscribe(big)
    finally:
        lib.close()
    r = run_reader(db, "refresh", config=config_file)
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0] == f"reader: error: cannot write to the database {db}: the disk is full"
    # Nothing half-written: the big feed has no articles, the rest is as it was.
    check, starred, _, count = db_state(db)
    assert check == "ok" and count == 5 and len(starred) == 1
    listed = run_reader(db, "list", config=config_file)
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 5
    # A command that writes little still fails cleanly or works; never a traceback.
    r = run_reader(db, "read", "1", config=config_file)
    assert "Traceback" not in r.stderr and r.stderr.count("\n") <= 1
