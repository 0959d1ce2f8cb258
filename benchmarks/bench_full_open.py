"""Opening the full text of a cached article (f): key to the frame that shows it.

    python benchmarks/bench_full_open.py [--opens 20] [--runs 1] [--smoke]

Issue 14's target: on screen within 50 ms of the key. The pages (the four hand-made
news and blog pages of tests/data/pages, and real article bodies from the corpus's
full-content feeds in a news page's layout, as bench_extract.py makes them) are served
on 127.0.0.1 behind a feed, added, and each page fetched and cached once before
anything is timed. Then, for each of `--opens` articles: the article is opened (J from
the one before; the feed's text shows), the app settles, and f is pressed.

- headless: App.run_test; the time from the key to the app's first frame (its
  compositor update, App._display) that shows the full article (the pane's status line
  says "Full article"). Nothing is written to a terminal.
- pty: the real `reader` in a pseudo-terminal of the script's own (pty_term.py):
  from writing f to the end of the frame that writes "Full article from", the app's
  own time including turning the frame into terminal output.

Images are off (`[ui] images = "off"`): pictures are loaded in threads after the text
and are not what this times. Prints the median, p90 and max over the opens, of the
time and of the CPU spent meanwhile (the event loop's thread headless, the app's whole
process in the pty): on a busy host the time includes waiting for a CPU, the CPU does
not. `--code DIR` runs another build of the reader package, to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench_extract import _serve, corpus_pages  # noqa: E402

PAGES = ROOT / "tests" / "data" / "pages"
HAND_MADE = ["uk_news", "ja_news", "en_news", "en_blog"]
SIZE = (160, 48)
MARK = "Full article"


def build(work: Path, opens: int, corpus: Path) -> tuple[Path, Path]:
    """A database with `opens` + 1 articles whose pages are fetched and cached, and the
    config the app runs with. Returns (db, config)."""
    from reader.core.config import Config
    from reader.core.library import Library

    site = work / "site"
    site.mkdir()
    names = []
    for n in HAND_MADE:
        (site / f"{n}.html").write_bytes((PAGES / f"{n}.html").read_bytes())
        names.append(n)
    if corpus.is_dir():
        names += corpus_pages(corpus, site, opens + 1 - len(names))
    while len(names) < opens + 1:  # no corpus: the hand-made pages again, as more stories
        n = f"copy_{len(names):03d}"
        body = (PAGES / f"{HAND_MADE[len(names) % 4]}.html").read_text(encoding="utf-8")
        (site / f"{n}.html").write_text(body, encoding="utf-8")
        names.append(n)
    names = names[: opens + 1]
    httpd, base = _serve(site)
    try:
        items = "".join(
            f"<item><title>Story {i:02d} {n}</title><link>{base}/{n}.html</link><guid>{n}</guid>"
            f"<pubDate>{(i % 28) + 1:02d} Nov 2026 {i % 24:02d}:00:00 GMT</pubDate>"
            f"<description>A short lead of story {i}.</description></item>"
            for i, n in enumerate(names))
        (site / "feed.xml").write_text(
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Pages</title><link>{base}/</link>{items}</channel></rss>", encoding="utf-8")
        db = work / "open.db"
        library = Library(db, Config())
        try:
            library.add_feed(f"{base}/feed.xml")
            failed = [aid for aid in library.article_ids("")
                      if library.fetch_full_article(aid).status != "ok"]
            if failed:
                raise SystemExit(f"pages not extracted: {failed}")
        finally:
            library.close()
    finally:
        httpd.shutdown()
    config = work / "config.toml"
    config.write_text('[ui]\nimages = "off"\n', encoding="utf-8")
    return db, config


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


def summary(label: str, got: tuple[list[float], list[float]], cpu_of: str,
            verbose: bool = False) -> dict:
    """got: (wall ms, CPU ms) per open."""
    raw, cpu = got
    print(f"{label:10} key -> full article on screen: median {statistics.median(raw):5.1f} ms"
          f"   p90 {p90(raw):5.1f} ms   max {max(raw):5.1f} ms   ({len(raw)} opens)")
    print(f"{'':10} CPU of {cpu_of} meanwhile: median {statistics.median(cpu):5.1f} ms"
          f"   p90 {p90(cpu):5.1f} ms   max {max(cpu):5.1f} ms")
    if verbose:
        print("           each: " + " ".join(f"{m:.0f}" for m in raw))
        print("           CPU:  " + " ".join(f"{m:.0f}" for m in cpu))
    return {"median": statistics.median(raw), "p90": p90(raw), "max": max(raw), "all": raw,
            "cpu_median": statistics.median(cpu), "cpu_p90": p90(cpu), "cpu_all": cpu}


def process_cpu_ms(pid: int) -> float:
    """utime + stime of a process (all its threads), in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


# -- headless --------------------------------------------------------------------------------


async def headless(db: Path, config_path: Path, opens: int) -> list[float]:
    from reader.core.config import load_config
    from reader.core.library import Library
    from reader.ui.app import ReaderApp

    sys.path.insert(0, str(ROOT / "tests"))
    from ui.conftest import settle  # noqa: E402  (waits for a state, never a time)

    import reader.ui.app

    class TimedApp(ReaderApp):
        """Records when the first frame showing the full article of `target` is made."""

        # CSS_PATH is relative to the module of the class: point it back at the app's.
        CSS_PATH = str(Path(reader.ui.app.__file__).with_name(str(ReaderApp.CSS_PATH)))
        target: int | None = None
        shown_at: float | None = None
        shown_cpu: float = 0.0  # the loop thread's CPU time then

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            pane = self.main.article if self.target is not None else None
            if (pane is not None and self.shown_at is None and pane.article is not None
                    and pane.article.id == self.target and pane.showing_full):
                status = pane.query_one("#article-status")
                if status.display and str(status.content).startswith(MARK):
                    self.shown_at = time.perf_counter()
                    self.shown_cpu = time.thread_time()

    config = load_config(config_path)
    library = Library(db, config)
    # As run_app runs the app: its GC tuning and thread switch interval.
    import gc

    from reader.ui.app import SWITCH_INTERVAL

    gc.disable()
    switch = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    app = TimedApp(library, config, background_refresh=False, watch_db=False, tune_gc=True)
    out: list[float] = []
    cpus: list[float] = []
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            await pilot.press("enter")
            await settle(pilot, app)
            app.main.focus_pane("article")
            await settle(pilot, app)
            for n in range(opens):
                if n:
                    await pilot.press("J")
                    await settle(pilot, app)
                pane = app.main.article
                assert pane.article is not None and not pane.showing_full
                app.target, app.shown_at = pane.article.id, None
                start, cpu = time.perf_counter(), time.thread_time()
                await pilot.press("f")
                while app.shown_at is None:
                    if time.perf_counter() - start > 10:
                        raise TimeoutError("the full article never showed")
                    await asyncio.sleep(0)
                out.append((app.shown_at - start) * 1000)
                cpus.append((app.shown_cpu - cpu) * 1000)
                await settle(pilot, app)
    finally:
        library.close()
        sys.setswitchinterval(switch)
        gc.unfreeze()
        gc.set_threshold(700, 10, 10)
        gc.enable()
    return out, cpus


# -- in a pty --------------------------------------------------------------------------------


def in_pty(db: Path, config_path: Path, opens: int, pause: float = 1.0):
    from pty_term import PtyApp

    cmd = [sys.executable, "-m", "reader.cli", "--db", str(db), "--config", str(config_path)]
    out: list[float] = []
    cpus: list[float] = []
    with PtyApp(cmd, *SIZE) as app:
        app.wait_text("Story ", timeout=60)
        app.key_to_text(b"\r", "A short lead of story")
        app.write(b"l")  # the focus to the article pane, where J is the next article
        app.settle(0.3)
        for n in range(opens):
            if n:
                app.key_to_text(b"J", "A short lead of story")
                app.settle(0.3)
                time.sleep(pause)  # a reader looks at the lead before f (the app works meanwhile)
            app.settle()
            cpu = process_cpu_ms(app.proc.pid)
            out.append(app.key_to_text(b"f", f"{MARK} from") * 1000)
            cpus.append(process_cpu_ms(app.proc.pid) - cpu)  # (10 ms ticks)
        app.write(b"q")
    return out, cpus


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--opens", type=int, default=20)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--no-pty", action="store_true")
    ap.add_argument("--no-headless", action="store_true")
    ap.add_argument("--pause", type=float, default=1.0,
                    help="seconds between opening an article and f, in the pty (default 1)")
    ap.add_argument("--verbose", "-v", action="store_true", help="each open's figure too")
    ap.add_argument("--json", type=Path, help="write the figures here too")
    ap.add_argument("--smoke", action="store_true", help="3 opens of hand-made pages")
    ap.add_argument("--code", type=Path, help="run the reader package in this folder instead"
                    " (a build to compare with: `git archive REV reader | tar -x -C DIR`)")
    args = ap.parse_args()
    if args.code:
        sys.path.insert(0, str(args.code.resolve()))
        os.environ["PYTHONPATH"] = str(args.code.resolve())
    if args.smoke:  # the hand-made pages only
        args.opens, args.runs, args.corpus = 3, 1, Path("/nonexistent")
    figures: dict[str, list] = {"headless": [], "pty": []}
    with tempfile.TemporaryDirectory(prefix="reader-bench-open-") as tmp:
        db, config = build(Path(tmp), args.opens, args.corpus)
        import reader

        print(f"reader from {Path(reader.__file__).parent}; load {os.getloadavg()[0]:.1f}")
        for run in range(args.runs):
            print(f"run {run + 1}:")
            if not args.no_headless:
                figures["headless"].append(summary("headless", asyncio.run(
                    headless(db, config, args.opens)), "the event loop", args.verbose))
            if not args.no_pty:
                figures["pty"].append(summary("pty", in_pty(db, config, args.opens, args.pause),
                                              "the app's process", args.verbose))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
