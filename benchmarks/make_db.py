"""Build a large reader database for benchmarks: N feeds x M articles, written through Store.

    python benchmarks/make_db.py /tmp/big.db --feeds 200 --articles 500

Titles, tags, authors and content sizes are varied and realistic enough for the
list, the sidebar, full-text search and the article pane; dates spread over a year.
Deterministic (seeded), so runs compare.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reader.core.models import ParsedEntry  # noqa: E402
from reader.core.storage.store import Store  # noqa: E402

WORDS = (
    "market election climate study river court vote energy rocket compiler kernel garden "
    "museum storm harbor bridge vaccine galaxy protein budget summit festival railway "
    "satellite drought treaty startup privacy battery reactor ocean forest city council "
    "report review update release launch record crisis deal plan ruling strike talks"
).split()
TAGS = [
    "news",
    "world",
    "tech",
    "science",
    "space",
    "politics",
    "business",
    "culture",
    "sports",
    "health",
    "food",
    "podcasts",
]
CJK = ["東京で新しい研究が発表された", "経済の見通しについて", "新型ロケットの打ち上げ成功"]
RTL = ["חדשות העולם היום", "أخبار التكنولوجيا اليوم"]


def title(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.02:
        return rng.choice(CJK)
    if r < 0.03:
        return rng.choice(RTL)
    words = rng.sample(WORDS, rng.randint(4, 11))
    return " ".join(words).capitalize()


def _vocabulary(n: int = 20_000) -> tuple[list[str], list[float]]:
    """WORDS plus n rarer made-up words, with Zipf weights: as in real text, a search
    word matches anything from most articles to a handful."""
    rng = random.Random(3)
    syllables = "ka lo mi ra te su no vi de pa zo ri mu fe lu ta be go ni sha".split()
    rare: dict[str, None] = {}
    while len(rare) < n:
        rare["".join(rng.choices(syllables, k=rng.randint(2, 4)))] = None
    words = WORDS + [w for w in rare if w not in WORDS]
    cum, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1 / rank
        cum.append(total)
    return words, cum


def _paragraph(rng: random.Random, words: list[str], cum: list[float]) -> tuple[str, str]:
    sentence = " ".join(rng.choices(words, cum_weights=cum, k=rng.randint(30, 90))).capitalize()
    link = f"<a href='https://example.com/{rng.randint(1, 10**6)}'>more</a>"
    return f"<p>{sentence}. {link}</p>", f"{sentence}. more"


_POOL: list[tuple[str, str]] = []  # (html, text): a fixed pool makes 1M articles minutes, not hours


def content(rng: random.Random) -> tuple[str, str]:
    """An article's HTML (2-12 paragraphs, ~3 KB on average) and its text for the index."""
    if not _POOL:
        pool_rng, (words, cum) = random.Random(1), _vocabulary()
        _POOL.extend(_paragraph(pool_rng, words, cum) for _ in range(4000))
    picked = rng.choices(_POOL, k=rng.randint(2, 12))
    return "\n".join(h for h, _ in picked), " ".join(t for _, t in picked)


def build(path: Path, feeds: int, articles: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    store = Store(path)
    store.execute("PRAGMA cache_size = -500000")
    now = datetime.now(UTC)
    for f in range(feeds):
        tags = rng.sample(TAGS, rng.randint(0, 2))
        feed_id = store.add_feed(
            f"https://feeds{f}.example.com/rss.xml",
            title=f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {f}",
            tags=tags,
        )
        entries, texts = [], []
        for a in range(articles):
            published = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
            html, text = content(rng)
            entries.append(
                ParsedEntry(
                    guid=f"f{f}-a{a}",
                    link=f"https://feeds{f}.example.com/a/{a}",
                    title=title(rng),
                    author=rng.choice(["", "A. Writer", "Staff", "Jo Bloggs"]),
                    published=published,
                    updated=None,
                    summary="",
                    content=html,
                    categories=rng.sample(TAGS, rng.randint(0, 2)),
                )
            )
            texts.append(text)
        store.write(store.merge_entries, feed_id, entries, texts)
        # fetched "just now" and not due for a year: the app must not refresh fake hosts
        store.write(
            store.update_feed_fetch,
            feed_id,
            last_status="ok",
            last_fetched=now,
            next_fetch=now + timedelta(days=365),
        )
        # most old articles read, as a real reader's would be
        store.write(
            lambda c, fid: c.execute(
                "UPDATE articles SET read = 1 WHERE feed_id = ? AND sort_time < ?",
                (fid, (now - timedelta(days=30)).timestamp()),
            ),
            feed_id,
        )
    store.update_index()  # (a refresh's headlines come first; the index after them)
    store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--articles", type=int, default=500)
    args = parser.parse_args()
    if args.path.exists():
        sys.exit(f"{args.path} exists; remove it first")
    start = time.perf_counter()
    build(args.path, args.feeds, args.articles)
    size = args.path.stat().st_size / 1e6
    print(
        f"{args.feeds * args.articles:,} articles in {args.feeds} feeds -> {args.path} "
        f"({size:.0f} MB) in {time.perf_counter() - start:.1f} s"
    )


if __name__ == "__main__":
    main()
