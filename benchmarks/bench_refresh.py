"""Refresh: `reader refresh` against `newsboat -x reload`, same feeds, same loopback server.

    python benchmarks/bench_refresh.py ../shared/corpus        # the 200 real feeds
    python benchmarks/bench_refresh.py --generate 100x1000     # 100 feeds of 1,000 items
    python benchmarks/bench_refresh.py --smoke                 # seconds; for CI
    python benchmarks/bench_refresh.py --generate 100x1000 --threads  # and each thread's CPU

Cold: an empty database (reader: subscribed, nothing fetched; newsboat: a new cache).
Warm: everything already fetched, so every feed answers 304 Not Modified. newsboat
stores a feed's ETag/Last-Modified only on its second reload, so its warm runs come
after one extra reload. Runs alternate between the two programs, so a busy machine
slows both alike; each figure is the median of --runs runs.

Each run is also measured as its processes pay it (proc_sample.py): CPU seconds (user +
system of the command and all its descendants) and the peak of the process tree's
summed resident memory (RSS, and PSS, which splits shared pages): on a shared machine
those move far less than wall time.

`reader refresh` exits once the headlines are stored and leaves the search index to a
detached process: its runs also report the wall time until that index is complete
("index done", the database polled every 10 ms). `reader refresh --wait-index` runs
("reader+index") do both in the command: their CPU and memory are the whole cost.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import proc_sample
from common import (
    READER,
    corpus_files,
    generate_corpus,
    machine,
    median,
    newsboat,
    newsboat_env,
    newsboat_files,
    newsboat_reload,
    ratio,
    resolve_corpus,
    subscribed_db,
    write_opml,
)
from serve import serve


def reader_refresh(db: Path, expect: str, source: Path | None = None,
                   wait_index: bool = False, threads: bool = False) -> proc_sample.Cost:
    """`source`: run the reader of that source tree (PYTHONPATH) instead of this one.
    Runs without `wait_index` wait for the detached indexer afterwards, and record when
    it was done (cost.index_wall, from the command's start)."""
    env = {**os.environ, "PYTHONPATH": str(source)} if source else None
    # (no -q: it prints nothing unless a feed failed; stderr is no terminal: no progress bar)
    started = time.monotonic()
    cmd = [READER, "--db", str(db), "refresh", *(["--wait-index"] if wait_index else [])]
    if threads:  # the same command in proc_sample's wrapper, which times each thread
        cmd[:1] = [sys.executable, str(Path(proc_sample.__file__)), "threads"]
    cost = proc_sample.run(cmd, env=env)
    cost.threads = next((line for line in cost.stderr.splitlines()
                         if line.startswith('{"wall"')), "") if threads else ""
    if cost.returncode or expect not in cost.stdout:
        raise RuntimeError(
            f"reader refresh exited {cost.returncode}: expected '{expect}', got: "
            f"{cost.stdout}{cost.stderr[-1500:]}"
        )
    cost.index_wall = cost.wall
    cost.load = os.getloadavg()[0]  # (others' tests share the machine: noted with each run)
    if not wait_index:  # (a --baseline's too: its indexer would run into the next run)
        while index_lacking(db):
            time.sleep(0.01)
        cost.index_wall = time.monotonic() - started
    return cost


def index_lacking(db: Path) -> int:
    """Articles the search index lacks (0 for a reader without a deferred index)."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'index_queue'").fetchone():
            return 0
        return conn.execute(
            "SELECT (SELECT count(*) FROM articles WHERE id >"
            " coalesce((SELECT value FROM counters WHERE name = 'indexed_id'), 0))"
            " + (SELECT count(*) FROM index_queue)").fetchone()[0]
    finally:
        conn.close()


def newsboat_measured(urls: Path, config: Path, cache: Path) -> proc_sample.Cost:
    cmd = [newsboat(), "-u", str(urls), "-c", str(cache), "-C", str(config), "-x", "reload"]
    cost = proc_sample.run(cmd, env=newsboat_env(cache), stdin=subprocess.DEVNULL)
    if cost.returncode:
        raise RuntimeError(f"newsboat exited {cost.returncode}: {cost.stderr[-1500:]}")
    return cost


def fresh_copy(template: Path, db: Path) -> Path:
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    shutil.copy(template, db)
    return db


def newsboat_validators(cache: Path) -> int:
    with sqlite3.connect(cache) as con:
        return con.execute(
            "SELECT count(*) FROM rss_feed WHERE etag != '' OR lastmodified > 0"
        ).fetchone()[0]


def articles(db: Path) -> int:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT count(*) FROM articles").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "corpus",
        nargs="?",
        help="folder of feed files (default: ../shared/corpus, else a generated one)",
    )
    parser.add_argument(
        "--generate", metavar="FEEDSxITEMS", help="generate the corpus, e.g. 100x1000"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--hosts",
        type=int,
        default=1,
        help="spread the feeds over this many loopback addresses (127.0.0.N)",
    )
    parser.add_argument("--python-server", action="store_true", help="not nginx, even if installed")
    parser.add_argument("--no-newsboat", action="store_true")
    parser.add_argument(
        "--baseline",
        metavar="SRC",
        type=Path,
        help="also run another build's reader, alternating: its source tree (e.g. "
        "`git archive HEAD | tar -x -C /tmp/base`), put first on PYTHONPATH",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny generated corpus, one run")
    parser.add_argument(
        "--threads", action="store_true",
        help="cold runs of reader (and --baseline) in proc_sample's wrapper: each thread's "
        "CPU and run-queue wait, the writer's time in store_results")
    args = parser.parse_args()
    if args.smoke:
        args.generate, args.runs, args.no_newsboat = args.generate or "4x5", 1, True

    work = Path(tempfile.mkdtemp(prefix="reader-bench-refresh-"))
    try:
        if args.generate:
            feeds, items = (int(n) for n in args.generate.lower().split("x"))
            folder = work / "corpus"
            generate_corpus(folder, feeds, items)
            what = f"generated, {feeds} feeds x {items} items"
        else:
            folder, what = resolve_corpus(args.corpus, work)
        n_files = len(corpus_files(folder))
        size = sum(p.stat().st_size for p in corpus_files(folder)) / 1e6
        use_newsboat = bool(newsboat()) and not args.no_newsboat
        with serve(folder, hosts=args.hosts, use_nginx=not args.python_server) as served:
            print(f"machine: {machine()}")
            print(
                f"corpus: {what} ({n_files} files, {size:.0f} MB), served by {served.kind} "
                f"(gzip, ETag, Last-Modified) on {args.hosts} loopback address(es)"
            )
            template = subscribed_db(served.urls, work / "template.db")
            base_template = None
            if args.baseline:  # (its own: an older reader refuses a newer schema)
                base_template = work / "base-template.db"
                subprocess.run(
                    [READER, "--db", str(base_template), "import",
                     str(write_opml(served.urls, work / "base.opml"))],
                    check=True, capture_output=True,
                    env={**os.environ, "PYTHONPATH": str(args.baseline)})
            db = work / "reader.db"
            nb_urls, nb_config = newsboat_files(served.urls, work / "newsboat")
            nb_cache = work / "newsboat" / "cache.db"
            base_db = work / "baseline.db"
            programs = ("reader", "reader+index", "baseline", "newsboat")
            cold: dict[str, list[proc_sample.Cost]] = {p: [] for p in programs}
            warm: dict[str, list[proc_sample.Cost]] = {p: [] for p in programs}
            indexed_db = work / "indexed.db"
            for _ in range(args.runs):
                cold["reader"].append(reader_refresh(
                    fresh_copy(template, db), f"{n_files} fetched", threads=args.threads))
                cold["reader+index"].append(reader_refresh(
                    fresh_copy(template, indexed_db), f"{n_files} fetched", wait_index=True))
                if args.baseline:
                    cold["baseline"].append(reader_refresh(
                        fresh_copy(base_template, base_db), f"{n_files} fetched", args.baseline,
                        threads=args.threads))
                if use_newsboat:
                    nb_cache.unlink(missing_ok=True)
                    cold["newsboat"].append(newsboat_measured(nb_urls, nb_config, nb_cache))
            stored = articles(db)
            if use_newsboat:
                newsboat_reload(nb_urls, nb_config, nb_cache)  # now it has the validators
                n = newsboat_validators(nb_cache)
                print(f"newsboat: {n} feeds with validators for the warm runs")
            for _ in range(args.runs):
                warm["reader"].append(reader_refresh(db, f"{n_files} not modified"))
                if args.baseline:
                    warm["baseline"].append(
                        reader_refresh(base_db, f"{n_files} not modified", args.baseline))
                if use_newsboat:
                    warm["newsboat"].append(newsboat_measured(nb_urls, nb_config, nb_cache))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"reader stored {stored:,} articles from {n_files} feeds")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    report("cold refresh", cold, args.runs)
    report("warm refresh (all 304)", warm, args.runs)


FIGURES = (
    ("wall (under load)", "s", lambda c: c.wall),
    ("... index done", "s", lambda c: getattr(c, "index_wall", c.wall)),
    ("CPU user+sys", "s", lambda c: c.cpu),
    ("peak RSS, all procs", "MB", lambda c: c.peak_rss_mb),
    ("peak PSS, all procs", "MB", lambda c: c.peak_pss_mb),
)


def report(name: str, runs: dict[str, list[proc_sample.Cost]], n: int) -> None:
    """Medians of each figure, reader against newsboat, then every run's figures."""
    print(f"{name} (median of {n}; ratios to newsboat)")
    shown = [p for p in ("reader", "reader+index", "baseline") if runs[p]]
    print(f"  {'':22}" + "".join(f" {p:>12} {'ratio':>7}" for p in shown) + f" {'newsboat':>9}")
    for label, unit, get in FIGURES:
        nb = median([get(c) for c in runs["newsboat"]]) if runs["newsboat"] else None
        cells = []
        for prog in shown:
            value = median([get(c) for c in runs[prog]])
            cells.append(f"{value:9.2f} {unit:<2} {ratio(value, nb):>7}")
        nb_text = f"{nb:6.2f} {unit:<2}" if nb else f"{'-':>9}"
        print(f"  {label:22} {' '.join(cells)} {nb_text}")
    for prog, costs in runs.items():
        for c in costs:
            parts = ", ".join(f"{k} x{n} {r:.0f}/{p:.0f}"
                              for k, (r, p, n) in c.peaks_by_name.items())
            print(f"  {prog}: load {getattr(c, 'load', os.getloadavg()[0]):.1f}, wall {c.wall:.2f} s"
                  f" (index done {getattr(c, 'index_wall', c.wall):.2f}),"
                  f" CPU {c.user:.2f}+{c.system:.2f} s, "
                  f"peak RSS {c.peak_rss_mb:.0f} MB, PSS {c.peak_pss_mb:.0f} MB "
                  f"(RSS/PSS at the RSS peak: {parts})")
            if getattr(c, "threads", ""):
                print(f"    threads: {c.threads}")


if __name__ == "__main__":
    sys.exit(main())
