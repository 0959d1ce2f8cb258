"""Refresh: `reader refresh` against `newsboat -x reload`, same feeds, same loopback server.

    python benchmarks/bench_refresh.py ../shared/corpus        # the 200 real feeds
    python benchmarks/bench_refresh.py --generate 100x1000     # 100 feeds of 1,000 items
    python benchmarks/bench_refresh.py --smoke                 # seconds; for CI

Cold: an empty database (reader: subscribed, nothing fetched; newsboat: a new cache).
Warm: everything already fetched, so every feed answers 304 Not Modified. newsboat
stores a feed's ETag/Last-Modified only on its second reload, so its warm runs come
after one extra reload. Runs alternate between the two programs, so a busy machine
slows both alike; each figure is the median of --runs runs.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    READER,
    corpus_files,
    generate_corpus,
    machine,
    median,
    newsboat,
    newsboat_files,
    newsboat_reload,
    ratio,
    resolve_corpus,
    subscribed_db,
)
from serve import serve


def reader_refresh(db: Path, expect: str) -> float:
    start = time.perf_counter()
    # (no -q: it prints nothing unless a feed failed; stderr is no terminal: no progress bar)
    out = subprocess.run([READER, "--db", str(db), "refresh"], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if out.returncode or expect not in out.stdout:
        raise RuntimeError(
            f"reader refresh: expected '{expect}', got: {out.stdout}{out.stderr[-1500:]}"
        )
    return wall


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
    parser.add_argument("--smoke", action="store_true", help="tiny generated corpus, one run")
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
            db = work / "reader.db"
            nb_urls, nb_config = newsboat_files(served.urls, work / "newsboat")
            nb_cache = work / "newsboat" / "cache.db"
            cold: dict[str, list[float]] = {"reader": [], "newsboat": []}
            warm: dict[str, list[float]] = {"reader": [], "newsboat": []}
            for _ in range(args.runs):
                cold["reader"].append(
                    reader_refresh(fresh_copy(template, db), f"{n_files} fetched")
                )
                if use_newsboat:
                    nb_cache.unlink(missing_ok=True)
                    cold["newsboat"].append(newsboat_reload(nb_urls, nb_config, nb_cache))
            stored = articles(db)
            if use_newsboat:
                newsboat_reload(nb_urls, nb_config, nb_cache)  # now it has the validators
                n = newsboat_validators(nb_cache)
                print(f"newsboat: {n} feeds with validators for the warm runs")
            for _ in range(args.runs):
                warm["reader"].append(reader_refresh(db, f"{n_files} not modified"))
                if use_newsboat:
                    warm["newsboat"].append(newsboat_reload(nb_urls, nb_config, nb_cache))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"reader stored {stored:,} articles from {n_files} feeds")
    print(f"{'median of ' + str(args.runs):22} {'reader':>9} {'newsboat':>9} {'ratio':>7}")
    for name, runs in (("cold refresh", cold), ("warm refresh (all 304)", warm)):
        r = median(runs["reader"])
        nb = median(runs["newsboat"]) if runs["newsboat"] else None
        nb_text = f"{nb:8.2f}s" if nb else f"{'-':>9}"
        print(f"{name:22} {r:8.2f}s {nb_text} {ratio(r, nb):>7}")
    print(
        "runs (s): "
        + "; ".join(
            f"{k} {p}: " + " ".join(f"{v:.2f}" for v in d[p])
            for k, d in (("cold", cold), ("warm", warm))
            for p in d
            if d[p]
        )
    )


if __name__ == "__main__":
    sys.exit(main())
