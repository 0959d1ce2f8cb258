"""Full-article extraction: quality against hand-made ground truth, and CPU per page.

    python benchmarks/bench_extract.py [--pages DIR] [--truth DIR] [--runs N] [--smoke]

Quality is measured as a user gets it: the pages (tests/data/pages, news and blog
layouts with navigation, related links, comments and cookie banners, in Ukrainian,
Japanese and English) are served on 127.0.0.1 behind a feed, the feed is added with
`reader add`, and each article's `reader show ID --full --json` "text" is compared with
the page's ground truth (extract_truth/NAME.txt: the article body, typed by hand).
The score is token-level F1 (bag of tokens: words, and each CJK character a token of
its own, as Japanese has no spaces); the target is F1 >= 0.95.

Cost is CPU time of ingest.extract.extract_page per page (decode, trafilatura,
tidy, plain text), in this process after a warm-up; the target is a median < 25 ms.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ROOT / "tests" / "data" / "pages"
TRUTH = Path(__file__).resolve().parent / "extract_truth"
_TOKEN = re.compile(
    r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]|[^\W\u3040-\u30ff\u3400-\u9fff]+"
)


def tokens(text: str) -> Counter[str]:
    return Counter(_TOKEN.findall(text.casefold()))


def f1(got: str, truth: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of got's tokens against truth's (multiset overlap)."""
    g, t = tokens(got), tokens(truth)
    common = sum((g & t).values())
    if not common:
        return 0.0, 0.0, 0.0
    p, r = common / sum(g.values()), common / sum(t.values())
    return p, r, 2 * p * r / (p + r)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def _feed(base: str, names: list[str]) -> str:
    items = "".join(
        f"<item><title>{n}</title><link>{base}/{n}.html</link><guid>{n}</guid>"
        f"<description>A short lead of {n}.</description></item>"
        for n in names
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Pages</title><link>{base}/</link>{items}</channel></rss>")


def reader(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reader.cli", "--db", str(db), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def quality(pages: Path, truth: Path, names: list[str]) -> list[tuple[str, float, float, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        for n in names:
            (site / f"{n}.html").write_bytes((pages / f"{n}.html").read_bytes())
        httpd, base = _serve(site)
        try:
            (site / "feed.xml").write_text(_feed(base, names), encoding="utf-8")
            db = Path(tmp) / "bench.db"
            added = reader(db, "add", f"{base}/feed.xml")
            assert added.returncode == 0, added.stderr
            ids = {}
            for row in json.loads(reader(db, "list", "--json").stdout):
                ids[row["title"]] = row["id"]
            out = []
            for n in names:
                shown = reader(db, "show", str(ids[n]), "--full", "--json")
                got = json.loads(shown.stdout)
                if not got.get("full"):
                    print(f"  {n}: not extracted: {shown.stderr.strip()}")
                p, r, f = f1(got["text"], (truth / f"{n}.txt").read_text(encoding="utf-8"))
                out.append((n, p, r, f))
            return out
        finally:
            httpd.shutdown()


def cpu_ms(pages: Path, names: list[str], runs: int) -> list[float]:
    from reader.core.ingest.extract import extract_page

    data = {n: (pages / f"{n}.html").read_bytes() for n in names}
    for n in names:  # warm-up: imports, lxml's first parse
        extract_page(data[n], "text/html", f"https://example.org/{n}")
    per_page = []
    for n in names:
        times = []
        for _ in range(runs):
            start = time.process_time()
            extract_page(data[n], "text/html", f"https://example.org/{n}")
            times.append((time.process_time() - start) * 1000)
        per_page.append(statistics.median(times))
    return per_page


_LAYOUT = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} | Site</title>
<script>var _paq = window._paq || []; _paq.push(['trackPageView']);</script></head><body>
<div class="cookie-banner"><p>This site uses cookies to analyse traffic and personalise ads.
By continuing you accept our use of cookies.</p><button>Accept</button></div>
<header><a href="/">Site</a><nav><ul><li><a href="/news">News</a></li><li><a href="/world">World</a>
</li><li><a href="/tech">Technology</a></li><li><a href="/about">About us</a></li></ul></nav></header>
<main><article><h1>{title}</h1><p class="byline">By Staff Writer · 3 December 2026</p>
<div class="entry-content">{body}</div>
<div class="share"><a href="https://twitter.com/share">Share</a> <a href="https://facebook.com/s">Facebook</a></div>
</article>
<aside class="related"><h3>Related stories</h3><ul><li><a href="/r/1">Markets close higher on
strong earnings reports from the tech sector</a></li><li><a href="/r/2">Opinion: what the new rules
mean for small businesses</a></li></ul></aside>
<section class="comments"><h3>2 comments</h3><div class="comment"><p>Great article, thanks for
sharing this with us!</p></div><div class="comment"><p>I disagree with the second point entirely.
</p></div></section></main>
<footer><p>© 2026 Site Media Group. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>"""


def corpus_pages(corpus: Path, folder: Path, count: int) -> list[str]:
    """Real article bodies (full-content feed entries of the corpus, 3-40 KB of HTML) in
    a news page's layout; their truth is the feed's own HTML as plain text (made by
    reader's html_to_text, not by hand: a check of how well the layout is taken away)."""
    import html as html_lib

    from reader.core.ingest.parse import parse_feed
    from reader.core.ingest.text import html_to_text

    names: list[str] = []
    for path in sorted(corpus.iterdir()):
        try:
            parsed = parse_feed(path.read_bytes(), "https://example.org/")
        except Exception:
            continue
        for entry in parsed.entries[:2]:
            body = entry.content or ""
            if not 3000 <= len(body) <= 40000 or "<p" not in body:
                continue
            name = f"corpus_{len(names):03d}"
            title = html_lib.escape(entry.title or "Untitled")
            (folder / f"{name}.html").write_text(_LAYOUT.format(title=title, body=body),
                                                 encoding="utf-8")
            (folder / f"{name}.txt").write_text(html_to_text(body, paragraphs=True),
                                                encoding="utf-8")
            names.append(name)
            break
        if len(names) >= count:
            break
    return names


def report(label: str, pages: Path, truth: Path, names: list[str], runs: int,
           verbose: bool) -> None:
    scores = quality(pages, truth, names)
    if verbose:
        for n, p, r, f in scores:
            print(f"  {n:<14} precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    f1s = [s[3] for s in scores]
    print(f"{label}: {len(names)} pages; token F1 via `reader show --full --json`:"
          f" mean {statistics.mean(f1s):.3f}, median {statistics.median(f1s):.3f},"
          f" min {min(f1s):.3f}")
    ms = cpu_ms(pages, names, runs)
    if verbose:
        for n, m in zip(names, ms):
            print(f"  {n:<14} {m:6.1f} ms CPU")
    print(f"{label}: extraction CPU per page: median {statistics.median(ms):.1f} ms,"
          f" max {max(ms):.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=Path, default=PAGES)
    ap.add_argument("--truth", type=Path, default=TRUTH)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--smoke", action="store_true", help="one page, one run")
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus",
                    help="feeds whose full-content entries become pages (skipped when absent)")
    ap.add_argument("--corpus-pages", type=int, default=40)
    args = ap.parse_args()
    names = sorted(p.stem for p in args.truth.glob("*.txt") if (args.pages / f"{p.stem}.html").exists())
    if args.smoke:
        names, args.runs, args.corpus_pages = names[:1], 1, min(2, args.corpus_pages)
    report("hand-made truth", args.pages, args.truth, names, args.runs, True)
    if args.corpus.is_dir() and args.corpus_pages:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            found = corpus_pages(args.corpus, folder, args.corpus_pages)
            if found:
                report("corpus bodies in a news layout", folder, folder, found,
                       max(1, args.runs // 4), False)


if __name__ == "__main__":
    main()
