"""Full-article extraction on real pages: the public article-extraction benchmark.

    python benchmarks/bench_extract_public.py [--data DIR] [--limit N] [--runs N]
                                              [--direct] [--save FILE] [--worst N]

The data is Scrapinghub's article-extraction-benchmark (MIT licence; 181 real news and
blog pages with each page's articleBody typed as ground truth). It is not copied into
this repository; get it with

    git clone https://github.com/scrapinghub/article-extraction-benchmark /tmp/aeb

(the folder needs html/*.html.gz, ground-truth.json and evaluate.py).

Each page is served on 127.0.0.1 behind a feed (one item per page), the feed is added
with `reader add`, and each article's `reader show ID --full --json` "text" is scored
(--direct instead calls ingest.extract.extract_page in this process: the same text,
faster, for trying changes; the figures to report are the default's). The same pages
also go through trafilatura alone, as the benchmark's extractors/run_trafilatura.py
runs it (`trafilatura.extract(html, include_comments=False)`), so the two columns show
what reader's pipeline (decode, clean, trafilatura with structure, tidy, HTML -> plain
text) adds or loses against the extractor alone.

Two scores: the benchmark's own (evaluate.py's 4-gram shingle matching, imported from
the data folder, not reimplemented; its overall F1 is the harmonic mean of the mean
precision and the mean recall over pages) and bench_extract.py's token-level F1 (a bag
of tokens). Per-page figures are each page's own F1. Cost: CPU of extract_page per page.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_extract import ROOT, _feed, _serve, f1, reader  # noqa: E402

DEFAULT_DATA = Path("/tmp/aeb")
CLONE = "git clone https://github.com/scrapinghub/article-extraction-benchmark DIR"


def load(data: Path, limit: int | None) -> tuple[dict[str, str], dict[str, str], ModuleType]:
    """(page id -> html, page id -> ground-truth body, the benchmark's evaluate module)."""
    spec = importlib.util.spec_from_file_location("aeb_evaluate", data / "evaluate.py")
    assert spec and spec.loader
    evaluate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(evaluate)
    truth = {k: v.get("articleBody", "") for k, v in
             json.loads((data / "ground-truth.json").read_text(encoding="utf-8")).items()}
    pages = {}
    for path in sorted((data / "html").glob("*.html.gz")):
        key = path.name.split(".")[0]
        if key in truth:
            # As the benchmark reads them: its pages are stored as UTF-8.
            with gzip.open(path, "rt", encoding="utf8") as f:
                pages[key] = f.read()
        if limit and len(pages) >= limit:
            break
    return pages, {k: truth[k] for k in pages}, evaluate


def through_reader(pages: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Each page's `reader show ID --full --json` text, and the error line of each that failed."""
    texts: dict[str, str] = {}
    failed: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        for key, html in pages.items():
            (site / f"{key}.html").write_text(html, encoding="utf-8")
        httpd, base = _serve(site)
        try:
            (site / "feed.xml").write_text(_feed(base, list(pages)), encoding="utf-8")
            db = Path(tmp) / "bench.db"
            added = reader(db, "add", f"{base}/feed.xml")
            assert added.returncode == 0, added.stderr
            ids = {row["title"]: row["id"] for row in json.loads(reader(db, "list", "--json").stdout)}
            for n, key in enumerate(pages, 1):
                shown = reader(db, "show", str(ids[key]), "--full", "--json")
                got = json.loads(shown.stdout) if shown.stdout.strip() else {}
                if shown.returncode != 0 or not got.get("full"):
                    lines = shown.stderr.strip().splitlines()
                    failed[key] = lines[-1] if lines else f"exit {shown.returncode}, no message"
                    texts[key] = ""  # the feed's one-line lead is not an extraction
                else:
                    texts[key] = got["text"]
                if n % 20 == 0:
                    print(f"  ... {n}/{len(pages)} pages shown", file=sys.stderr)
        finally:
            httpd.shutdown()
    return texts, failed


def direct(pages: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    from reader.core.ingest.extract import ExtractionFailed, extract_page

    texts: dict[str, str] = {}
    failed: dict[str, str] = {}
    for key, html in pages.items():
        try:
            texts[key] = extract_page(html.encode("utf-8"), "text/html", f"http://127.0.0.1/{key}.html").text
        except ExtractionFailed as e:
            texts[key], failed[key] = "", str(e)
    return texts, failed


def trafilatura_alone(pages: dict[str, str]) -> dict[str, str]:
    import trafilatura

    return {key: trafilatura.extract(html, include_comments=False) or "" for key, html in pages.items()}


def cpu_ms(pages: dict[str, str], runs: int) -> list[float]:
    from reader.core.ingest.extract import ExtractionFailed, extract_page

    data = {k: h.encode("utf-8") for k, h in pages.items()}
    per_page = []
    for key, page in data.items():
        times = []
        for _ in range(runs + 1):  # the first run of each page is a warm-up
            start = time.process_time()
            try:
                extract_page(page, "text/html", f"http://127.0.0.1/{key}.html")
            except ExtractionFailed:
                pass
            times.append((time.process_time() - start) * 1000)
        per_page.append(statistics.median(times[1:]))
    return per_page


def scores(texts: dict[str, str], truth: dict[str, str], evaluate: ModuleType) -> dict:
    tp_fp_fns = [evaluate.string_shingle_matching(true=truth[k], pred=texts[k]) for k in truth]
    page_shingle = {k: _page_f1(evaluate, t) for k, t in zip(truth, tp_fp_fns)}
    page_token = {k: f1(texts[k], truth[k])[2] for k in truth}
    return {"benchmark": evaluate.metrics_from_tp_fp_fns(tp_fp_fns),
            "shingle": page_shingle, "token": page_token}


def _page_f1(evaluate: ModuleType, tp_fp_fn: tuple[float, float, float]) -> float:
    p, r = evaluate.precision_score(*tp_fp_fn), evaluate.recall_score(*tp_fp_fn)
    return 2 * p * r / (p + r) if p + r else 0.0


def _summary(values: dict[str, float]) -> str:
    v = list(values.values())
    under = sum(x < 0.8 for x in v)
    return (f"mean {statistics.mean(v):.3f}  median {statistics.median(v):.3f}  "
            f"min {min(v):.3f}  under 0.8: {under}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="the benchmark's checkout (html/, ground-truth.json, evaluate.py)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N pages")
    ap.add_argument("--runs", type=int, default=3, help="timed runs of extract_page per page (0: none)")
    ap.add_argument("--direct", action="store_true",
                    help="call extract_page in this process instead of `reader show --full --json`")
    ap.add_argument("--worst", type=int, default=10,
                    help="list the N pages that lose most against trafilatura alone")
    ap.add_argument("--save", type=Path, help="write every page's texts and scores as JSON")
    args = ap.parse_args()
    if not all((args.data / f).exists() for f in ("ground-truth.json", "evaluate.py", "html")):
        sys.exit(f"no benchmark data in {args.data}: get it with `{CLONE}`, then --data DIR")

    pages, truth, evaluate = load(args.data, args.limit)
    ours, failed = direct(pages) if args.direct else through_reader(pages)
    alone = trafilatura_alone(pages)
    s_ours, s_alone = scores(ours, truth, evaluate), scores(alone, truth, evaluate)

    import trafilatura

    how = "extract_page in process" if args.direct else "`reader show ID --full --json`"
    print(f"{len(pages)} pages of {args.data}; trafilatura {trafilatura.__version__}")
    for label, s in ((f"reader ({how})", s_ours), ("trafilatura alone", s_alone)):
        b = s["benchmark"]
        print(f"{label}:\n  benchmark's metric (evaluate.py): F1 {b['f1']:.3f}"
              f"  precision {b['precision']:.3f}  recall {b['recall']:.3f}")
        print(f"  shingle F1 per page: {_summary(s['shingle'])}")
        print(f"  token F1 per page:   {_summary(s['token'])}")
    print(f"extraction failed on {len(failed)} pages")
    for key, line in failed.items():
        print(f"  {key[:12]}  {line}")
    loss = sorted(truth, key=lambda k: s_ours["shingle"][k] - s_alone["shingle"][k])
    print(f"the {args.worst} pages that lose most against trafilatura alone (shingle F1):")
    for key in loss[:args.worst]:
        print(f"  {key[:12]}  reader {s_ours['shingle'][key]:.3f}  alone {s_alone['shingle'][key]:.3f}"
              f"  (token {s_ours['token'][key]:.3f} / {s_alone['token'][key]:.3f})"
              f"  {len(ours[key])} / {len(alone[key])} / {len(truth[key])} chars (truth)")
    if args.save:
        args.save.write_text(json.dumps(
            {"ours": ours, "alone": alone, "truth": truth, "failed": failed,
             "scores": {"ours": s_ours, "alone": s_alone}}, ensure_ascii=False), encoding="utf-8")
    if args.runs < 1:
        return
    ms = sorted(cpu_ms(pages, args.runs))
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    print(f"extract_page CPU per page (median of {args.runs} runs each): median"
          f" {statistics.median(ms):.1f} ms  p90 {p90:.1f} ms  max {ms[-1]:.1f} ms")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
