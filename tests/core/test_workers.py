"""Refresh parsing in worker processes, and the batched writer (one transaction, a
savepoint per feed, the search index written once per batch)."""

from __future__ import annotations

import concurrent.futures
import os
import time

import pytest

from reader.core.ingest import workers
from reader.core.config import Config
from reader.core.errors import ParseError
from reader.core.library import Library
from reader.core.models import FetchResult, ParsedEntry, ParsedFeed
from reader.core.ingest.workers import CRASHED, ParsePool, parse_executor, parse_for_store


def rss(n: int, title: str, word: str) -> str:
    items = "".join(
        f"<item><title>{title} item {i}</title><guid>{title}-{i}</guid>"
        f"<link>https://example.org/{title}/{i}</link>"
        f"<description>&lt;p&gt;about {word} number {i}&lt;/p&gt;</description></item>"
        for i in range(n)
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"{items}</channel></rss>")


def crash_on(value: str) -> str:
    """Runs in a worker process: dies like a crash in a C library when told to."""
    if value == "crash":
        os._exit(3)
    return value.upper()


def worker_pid(_: object = None) -> int:
    time.sleep(0.05)
    return os.getpid()


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "r.db", Config(refresh_interval=10, timeout=5, connect_timeout=2))
    yield library
    library.close()


def test_parse_for_store_adds_hashes_and_leaves_the_text_to_the_indexer():
    parsed = parse_for_store(rss(2, "A", "otters").encode(), "https://example.org/feed")
    assert parsed.texts is None  # (extracted after the headlines: storage/indexer.py)
    assert parsed.hashes is not None and len(set(parsed.hashes)) == 2


def test_small_refresh_uses_threads_big_one_processes():
    small = parse_executor(workers.PROCESS_MIN_FEEDS - 1)
    big = parse_executor(workers.PROCESS_MIN_FEEDS)
    try:
        assert isinstance(small, concurrent.futures.ThreadPoolExecutor)
        if (os.cpu_count() or 1) > 1:
            assert isinstance(big, ParsePool)
            pids = set(big.map(worker_pid, range(4)))
            assert os.getpid() not in pids
    finally:
        small.shutdown()
        big.shutdown()


@pytest.mark.parametrize("values", [("a", "crash", "b", "c"), ("crash", "a", "b", "c")])
def test_a_crashing_worker_fails_only_its_own_feed(values):
    """Also when the crash comes first, before the pool has parsed anything: that is
    not mistaken for workers that cannot start (which would parse it in this process)."""
    pool = ParsePool(2)
    try:
        futures = [pool.submit(crash_on, v) for v in values]
        outcomes = []
        for f in futures:
            try:
                outcomes.append(f.result(timeout=60))
            except ParseError as exc:
                outcomes.append(str(exc))
        # The crash broke the pool and failed whatever was queued with it; those feeds
        # are tried again, each in a worker of its own, where only the culprit dies again.
        assert outcomes == [CRASHED if v == "crash" else v.upper() for v in values]
        assert not pool.fell_back
        assert pool.submit(crash_on, "d").result(timeout=60) == "D"  # still usable
    finally:
        pool.shutdown()


def test_big_refresh_parses_in_processes_and_indexes_everything(lib, feed_server, monkeypatch):
    monkeypatch.setattr(workers, "PROCESS_MIN_FEEDS", 4)
    monkeypatch.setattr("reader.core.refresh.WRITE_BATCH_ENTRIES", 7)  # several batches
    for i in range(6):
        lib.subscribe(feed_server.route(f"/f{i}.xml", rss(5, f"feed{i}", f"word{i}"),
                                        gzip=True, etag=f'"v{i}"'))
    seen = []
    summary = lib.refresh(on_progress=lambda d, t, f, r: seen.append((d, t, r.status)))
    assert (summary.ok, summary.new_articles, summary.failed) == (6, 30, [])
    assert [d for d, _, _ in seen] == [1, 2, 3, 4, 5, 6] and {s for *_, s in seen} == {"ok"}
    assert lib.count() == 30
    for i in range(6):  # every new article went into the search index
        assert lib.count(f'"word{i}"') == 5
    assert lib.count("number") == 30
    again = lib.refresh()
    assert (again.not_modified, again.new_articles) == (6, 0)


def test_one_feed_that_cannot_be_stored_is_rolled_back_alone(lib):
    ids = [lib.subscribe(f"https://example.org/{n}.xml")[0].id for n in ("a", "b", "c")]
    feeds = {f.id: f for f in lib.feeds()}

    def result(feed_id: int, title: str) -> FetchResult:
        entry = ParsedEntry(guid=f"{title}-1", link=None, title=title, author="",
                            published=None, updated=None, summary="<p>seal</p>", content="")
        return FetchResult(feed_id, feeds[feed_id].url, "ok",
                           parsed=ParsedFeed(title=f"T{title}", link="", entries=[entry]))

    bad = result(ids[1], "bad")
    bad.parsed.entries[0].categories = [object()]  # no string: storing it raises TypeError
    results = [result(ids[0], "one"), bad, result(ids[2], "three")]
    stored = lib._refresher().store_results([(feeds[r.feed_id], r) for r in results])
    assert stored == [1, 0, 1]
    assert bad.status == "error" and bad.error.startswith("could not store")
    assert sorted(a.title for a in lib.articles()) == ["one", "three"]
    assert lib.count("seal") == 2  # the survivors are searchable, the rolled-back one is not
    assert lib.store.feed(ids[1]).last_status is None  # its bookkeeping was rolled back too


@pytest.mark.skipif(not os.path.exists("/proc/self/stat") or (os.cpu_count() or 1) < 2,
                    reason="reads /proc; worker processes need 2 cores")
def test_workers_leave_when_the_refreshing_process_is_killed():
    """kill -9 of a refresh (or the TUI cancelling its refresh child) must not leave
    worker processes, or the forkserver they came from, behind."""
    import signal
    import subprocess
    import sys

    code = (
        "import os, sys, time\n"
        "from reader.core.ingest import workers\n"
        "pool = workers.parse_executor(100)\n"
        "print(*sorted(set(pool.map(workers._pid, range(8)))), flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             stderr=subprocess.DEVNULL)
    try:
        pids = [int(p) for p in child.stdout.readline().split()]
        assert pids and child.pid not in pids
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in pids if _running(p)]
    assert alive == []


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_workers_that_cannot_start_fall_back_to_threads(tmp_path):
    """A program whose __main__ cannot be imported again (no __name__ guard, as here)
    breaks every worker process before it parses anything: parse in threads instead,
    rather than failing every feed."""
    import subprocess
    import sys

    feed = tmp_path / "f.xml"
    feed.write_text(rss(2, "A", "otters"))
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from reader.core.ingest import workers\n"
        "import multiprocessing\n"
        "if multiprocessing.parent_process() is not None:\n"
        "    raise SystemExit('no')  # what a worker meets: this script runs again\n"
        "pool = workers.ParsePool(2)\n"
        f"data = open({str(feed)!r}, 'rb').read()\n"
        "futures = [pool.submit(workers.parse_for_store, data, 'https://e.org/') for _ in range(5)]\n"
        "print([len(f.result(timeout=60).entries) for f in futures], pool.fell_back)\n"
        "pool.shutdown()\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.strip() == "[2, 2, 2, 2, 2] True", out.stderr[-2000:]


@pytest.mark.skipif(not os.path.exists("/proc/self/stat") or (os.cpu_count() or 1) < 2,
                    reason="reads /proc; worker processes need 2 cores")
def test_a_closed_pool_leaves_no_helper_process_behind():
    """Once a refresh's pool is shut down, multiprocessing's forkserver and resource
    tracker have ended too, as this process's children: left running, they outlived each
    refresh child and were re-parented to PID 1 until they noticed."""
    import subprocess
    import sys

    code = (
        "import os\n"
        "from reader.core.ingest import workers\n"
        "def children():\n"
        "    out = []\n"
        "    for p in os.listdir('/proc'):\n"
        "        try:\n"
        "            stat = open(f'/proc/{p}/stat').read()\n"
        "        except (OSError, ValueError):\n"
        "            continue\n"
        "        if int(stat.rsplit(')', 1)[1].split()[1]) == os.getpid():\n"
        "            out.append(int(p))\n"
        "    return sorted(out)\n"
        "pool = workers.ParsePool(2)\n"
        "assert pool.submit(workers._pid).result(timeout=60) != os.getpid()\n"
        "print(*children(), flush=True)\n"
        "pool.shutdown(wait=True)\n"
        "print(*children(), flush=True)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=120)
    lines = out.stdout.splitlines()
    assert len(lines) >= 2, out.stderr[-2000:]
    before = [int(p) for p in lines[0].split()]
    assert len(before) >= 2  # the forkserver and the resource tracker (workers are the forkserver's)
    assert lines[1].strip() == ""  # none left: each was waited for, not left to exit later
    assert not [p for p in before if _running(p)]
