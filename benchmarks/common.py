"""Shared helpers for the benchmark scripts: figures, corpora, subscriptions, newsboat.

The loopback feed server is in serve.py.
"""

from __future__ import annotations

import email.utils
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from make_db import TAGS, WORDS, title  # noqa: E402  (one vocabulary for every benchmark)

READER = str(Path(sys.executable).with_name("reader"))


# ---------------------------------------------------------------- figures


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio(a: float, b: float | None) -> str:
    return f"{a / b:.2f}x" if b else "-"


def timed(cmd: list[str], **kwargs) -> float:
    """Wall seconds of a command; raises with its stderr when it fails."""
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    wall = time.perf_counter() - start
    if out.returncode:
        raise RuntimeError(f"{' '.join(cmd[:3])}... exited {out.returncode}: {out.stderr[-2000:]}")
    return wall


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {sys.version.split()[0]}"


# ---------------------------------------------------------------- corpora


def corpus_files(folder: Path) -> list[Path]:
    """The feed files of a corpus folder (not its README or hidden files)."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".md")
    )


def _item_html(rng: random.Random) -> str:
    # Most feeds carry a summary or a short post; a few carry long articles.
    n = rng.choice((1, 1, 2, 2, 3, 4, 6, 10))
    paras = (
        " ".join(rng.choices(WORDS, k=rng.randint(20, 70))).capitalize() + "." for _ in range(n)
    )
    return "".join(
        f'<p>{p} <a href="https://example.org/{rng.randint(1, 10**6)}">more</a></p>' for p in paras
    )


def generate_corpus(folder: Path, feeds: int, items: int, seed: int = 11) -> list[Path]:
    """Write `feeds` RSS 2.0 / Atom files of `items` entries each (every third one Atom)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    now = datetime(2026, 1, 15, 12, tzinfo=UTC)
    paths = []
    for f in range(feeds):
        atom = f % 3 == 2
        parts = []
        for i in range(items):
            when = now - timedelta(minutes=i * 37 + rng.randint(0, 30))
            head, link = escape(title(rng)), f"https://site{f}.example.org/posts/{i}"
            body = escape(_item_html(rng))
            cats = rng.sample(TAGS, rng.randint(0, 3))
            if atom:
                cat = "".join(f'<category term="{c}"/>' for c in cats)
                parts.append(
                    f'<entry><title>{head}</title><link href="{link}"/><id>{link}</id>'
                    f"<updated>{when.isoformat()}</updated>{cat}"
                    f'<content type="html">{body}</content></entry>'
                )
            else:
                cat = "".join(f"<category>{c}</category>" for c in cats)
                parts.append(
                    f"<item><title>{head}</title><link>{link}</link><guid>{link}</guid>"
                    f"<pubDate>{email.utils.format_datetime(when)}</pubDate>{cat}"
                    f"<description>{body}</description></item>"
                )
        name = f"Generated feed {f} about {rng.choice(WORDS)}"
        if atom:
            doc = (
                '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
                f"<title>{name}</title><id>urn:feed:{f}</id><updated>{now.isoformat()}</updated>"
                f'<link href="https://site{f}.example.org/"/>{"".join(parts)}</feed>'
            )
        else:
            doc = (
                '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                f"<title>{name}</title><link>https://site{f}.example.org/</link>"
                f"<description>{name}</description>{''.join(parts)}</channel></rss>"
            )
        path = folder / f"feed{f:04d}.{'atom' if atom else 'xml'}"
        path.write_text(doc, encoding="utf-8")
        paths.append(path)
    return paths


def resolve_corpus(
    arg: str | None, workdir: Path, feeds: int = 200, items: int = 25
) -> tuple[Path, str]:
    """The corpus folder to use and a description: the given one, the shared one, or generated."""
    if arg:
        folder = Path(arg)
        return folder, f"{folder} ({len(corpus_files(folder))} files)"
    if DEFAULT_CORPUS.is_dir():
        return DEFAULT_CORPUS, f"shared corpus ({len(corpus_files(DEFAULT_CORPUS))} real feeds)"
    folder = workdir / "corpus"
    generate_corpus(folder, feeds, items)
    return folder, f"generated ({feeds} feeds x {items} items)"


# ---------------------------------------------------------------- subscriptions


def write_opml(urls: list[str], path: Path) -> Path:
    outlines = "\n".join(
        f'<outline type="rss" text="feed {i}" xmlUrl="{escape(u)}"/>' for i, u in enumerate(urls)
    )
    path.write_text(
        f'<?xml version="1.0"?>\n<opml version="2.0"><head><title>bench</title></head>'
        f"<body>\n{outlines}\n</body></opml>\n"
    )
    return path


def subscribed_db(urls: list[str], path: Path) -> Path:
    """A reader database subscribed to `urls`, nothing fetched yet."""
    if path.exists():
        path.unlink()
    opml = write_opml(urls, path.with_suffix(".opml"))
    subprocess.run(
        [READER, "--db", str(path), "import", str(opml)], check=True, capture_output=True
    )
    return path


def newsboat() -> str | None:
    return shutil.which("newsboat")


def newsboat_files(urls: list[str], folder: Path, threads: int = 8) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    urls_file, config = folder / "urls", folder / "config"
    urls_file.write_text("\n".join(urls) + "\n")
    config.write_text(f"reload-threads {threads}\nshow-read-feeds yes\n")
    return urls_file, config


def newsboat_env(cache: Path) -> dict[str, str]:
    """newsboat's environment: its own HOME, so no user files are touched."""
    return {
        **os.environ,
        "HOME": str(cache.parent),
        "XDG_CONFIG_HOME": str(cache.parent),
        "XDG_DATA_HOME": str(cache.parent),
    }


def newsboat_reload(urls_file: Path, config: Path, cache: Path) -> float:
    """Wall seconds of `newsboat -x reload`."""
    return timed(
        [newsboat(), "-u", str(urls_file), "-c", str(cache), "-C", str(config), "-x", "reload"],
        env=newsboat_env(cache),
        stdin=subprocess.DEVNULL,
    )
