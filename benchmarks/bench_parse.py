"""Parse: CPU seconds to parse a corpus, and which path (fast or fallback) handled each file.

    python benchmarks/bench_parse.py ../shared/corpus
    python benchmarks/bench_parse.py --smoke

`parse_feed` is what a refresh runs: the fastfeedparser fast path, and feedparser (or
the JSON Feed parser) when the fast path raises or finds nothing. For reference the
two libraries are also timed alone on every file (feedparser alone takes ~30 s on the
shared corpus; --no-feedparser skips it).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import corpus_files, generate_corpus, machine, median, resolve_corpus

from reader.core.errors import ParseError
from reader.core.ingest.parse import parse_feed


def cpu(fn, data: bytes):
    start = time.thread_time()
    try:
        result = fn(data)
    except Exception as exc:  # noqa: BLE001 - a file a parser rejects is a figure, not a crash
        result = exc
    return time.thread_time() - start, result


def pipeline(
    datas: dict[str, bytes], repeat: int
) -> tuple[float, dict[str, list[float]], dict[str, int]]:
    """parse_feed on every file, `repeat` times: median total CPU, CPU per path, files per path."""
    totals, by_path, files = [], {}, {}
    for r in range(repeat):
        total, seconds = 0.0, {"fast": 0.0, "fallback": 0.0, "failed": 0.0}
        counts = {"fast": 0, "fallback": 0, "failed": 0}
        for name, data in datas.items():
            took, result = cpu(lambda d, n=name: parse_feed(d, f"http://127.0.0.1/{n}"), data)
            path = "failed" if isinstance(result, Exception) else result.parser
            if isinstance(result, Exception) and not isinstance(result, ParseError):
                print(f"  {name}: unexpected {type(result).__name__}: {result}")
            total += took
            seconds[path] += took
            counts[path] += 1
        totals.append(total)
        for k, v in seconds.items():
            by_path.setdefault(k, []).append(v)
        files = counts
    return median(totals), by_path, files


def library_alone(datas: dict[str, bytes], fn) -> tuple[float, int]:
    total, with_entries = 0.0, 0
    for data in datas.values():
        took, result = cpu(fn, data)
        total += took
        if not isinstance(result, Exception) and result.get("entries"):
            with_entries += 1
    return total, with_entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?")
    parser.add_argument("--repeat", type=int, default=3, help="median of this many passes")
    parser.add_argument("--no-feedparser", action="store_true", help="skip timing feedparser alone")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reader-bench-parse-"))
    try:
        if args.smoke:
            folder, what, args.repeat = work / "corpus", "generated (smoke)", 1
            generate_corpus(folder, 3, 5)
        else:
            folder, what = resolve_corpus(args.corpus, work)
        datas = {p.name: p.read_bytes() for p in corpus_files(folder)}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    import fastfeedparser
    import feedparser

    parse_feed(next(iter(datas.values())))  # warm up: lazy imports and compiled regexes
    total, by_path, files = pipeline(datas, args.repeat)
    size = sum(len(d) for d in datas.values()) / 1e6
    print(f"machine: {machine()}")
    print(f"corpus: {what}, {len(datas)} files, {size:.0f} MB")
    print(f"parse_feed, all files:  {total:6.2f} s CPU (median of {args.repeat})")
    for path in ("fast", "fallback", "failed"):
        print(f"  {path:9} {files[path]:4d} files  {median(by_path[path]):6.2f} s CPU")
    fast_s, fast_n = library_alone(datas, fastfeedparser.parse)
    print(f"fastfeedparser alone:   {fast_s:6.2f} s CPU, entries found in {fast_n} files")
    if not args.no_feedparser:
        slow_s, slow_n = library_alone(datas, feedparser.parse)
        print(f"feedparser alone:       {slow_s:6.2f} s CPU, entries found in {slow_n} files")


if __name__ == "__main__":
    sys.exit(main())
