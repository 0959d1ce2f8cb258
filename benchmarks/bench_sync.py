"""Sync against real servers on 127.0.0.1 (issue 12's targets), newsboat's tt-rss backend beside.

    python benchmarks/bench_sync.py [--articles 10000] [--server miniflux|ttrss|both]
                                    [--newsboat] [--feeds 10] [--smoke]

Starts the servers itself with the sync tests' helpers (tests/sync/postgres.py,
servers.py, ttrss_server.py, relay.py: imported from the test tree on purpose, so the
benchmark runs the very servers the tests run; they need .ci/servers/*.sh). Each server
gets a fresh user with N articles over a few feeds (the feeds served on loopback and
fetched by the server itself), then the real CLI (`reader --db ... --config ... sync`,
the password in $READER_SYNC_PASSWORD) is measured:

- the first sync of N articles: wall, CPU (the process tree's), peak RSS of the tree;
- a sync with nothing new: the median wall (and CPU) of 5;
- (tt-rss) a sync after another client read 100 articles and starred 10 (the state
  check finds the two feeds and reads only theirs), and one that reads the whole
  read/starred sets (the hourly safety net, core/sync_states.py);
- 1,000 queued changes (`reader read ID...`, one queue row each) pushed: the requests
  that sync sent, counted in a TCP relay in front of the server (every sync goes
  through it; the relay is in this process and costs a little latency).

With --newsboat (tt-rss only): `newsboat -x reload` with its tt-rss backend on the same
user, a config and cache in a temp directory: first reload and nothing-new reloads.

The machine may be busy with other work: every row carries the load average
(os.getloadavg(), 1 minute) read just before it was measured.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from proc_sample import run  # noqa: E402

from tests.sync.postgres import start_postgres  # noqa: E402
from tests.sync.relay import Relay  # noqa: E402
from tests.sync.servers import FeedSite, Item, MinifluxServer, miniflux_binary, wait_until  # noqa: E402
from tests.sync.ttrss_server import rss, start_ttrss  # noqa: E402

READER = str(Path(sys.executable).with_name("reader"))
NOTHING_NEW_RUNS = 5
CHANGES = 1000

# Real-world text: the feeds are multilingual.
TITLES = ["Київ: новини дня {n}", "東京の天気 {n}", "Выборы и рынки {n}", "Markets close {n}"]
BODY = ("<p>Сьогодні у <b>Києві</b> тепло, {n}.</p><p>東京では晴れの日が続いています。"
        "</p><p>Русский текст здесь, и ещё немного слов о погоде и рынках.</p>"
        "<p>Plain English closes the article with a <a href=\"https://example.org/{n}\">"
        "link</a>.</p>")


def load() -> float:
    return os.getloadavg()[0]


def requests(relay: Relay, since: int) -> int:
    return len(re.findall(rb"(?:GET|PUT|POST|DELETE) \S+ HTTP/1\.1\r\n",
                          bytes(relay.seen[since:])))


# The requests that change state on the server (the push), told apart from the pulls:
# Miniflux's PUT /v1/entries (status) and bookmark toggles, tt-rss's updateArticle.
PUSHES = rb"PUT /v1/entries|\"op\": ?\"(?:updateArticle|catchupFeed)\""


def pushes(relay: Relay, since: int) -> int:
    return len(re.findall(PUSHES, bytes(relay.seen[since:])))


def calls(relay: Relay, since: int) -> str:
    """What the requests were: tt-rss's ops ("getHeadlines x53"), else method and path."""
    seen = bytes(relay.seen[since:])
    names = [m.decode() for m in re.findall(rb'"op": ?"(\w+)"', seen)] or [
        f"{m.decode()} {re.sub(r'[?].*|/[0-9]+', '', p.decode())}" for m, p in
        re.findall(rb"(GET|PUT|POST|DELETE) (\S+) HTTP/1\.1\r\n", seen)]
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{n} x{c}" for n, c in sorted(counts.items(), key=lambda i: -i[1]))


class Rows:
    """The table: one row per measurement."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def add(self, server: str, client: str, what: str, wall: str, cpu: str, rss: str,
            reqs: str, note: str, avg: float) -> None:
        self.rows.append((server, client, what, wall, cpu, rss, reqs, f"{avg:.1f}", note))
        print("  " + " | ".join(self.rows[-1]), flush=True)

    def print(self) -> None:
        head = ("server", "client", "what", "wall", "CPU", "peak RSS", "requests", "load",
                "note")
        print("\n| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for row in self.rows:
            print("| " + " | ".join(row) + " |")


def entries_for(feed: int, count: int, start: int) -> list[tuple[str, str, str, datetime]]:
    """(guid, title, html, published) of `count` articles, newest last, all recent
    (tt-rss purges articles older than its purge setting)."""
    now = datetime.now(timezone.utc)
    out = []
    for k in range(count):
        n = start + k
        out.append((f"bench-{feed}-{n}", TITLES[n % len(TITLES)].format(n=n),
                    BODY.format(n=n), now - timedelta(minutes=count - k)))
    return out


def split(articles: int, feeds: int) -> list[int]:
    per, extra = divmod(articles, feeds)
    return [per + (1 if f < extra else 0) for f in range(feeds)]


# ---------------------------------------------------------------- reader's side


class ReaderClient:
    def __init__(self, tmp: Path, service: str, url: str, username: str, password: str):
        tmp.mkdir(parents=True, exist_ok=True)
        self.db = tmp / "reader.db"
        self.config = tmp / "config.toml"
        self.config.write_text(f'[sync]\nservice = "{service}"\nurl = "{url}"\n'
                               f'username = "{username}"\n', encoding="utf-8")
        self.env = {**os.environ, "READER_SYNC_PASSWORD": password}
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)

    def argv(self, *args: str) -> list[str]:
        return [READER, "--db", str(self.db), "--config", str(self.config), *args]

    def sync(self):
        cost = run(self.argv("sync"), env=self.env)
        if cost.returncode:
            raise RuntimeError(f"reader sync exited {cost.returncode}: {cost.stderr[-2000:]}")
        return cost

    def count(self) -> int:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as con:
            return con.execute("SELECT count(*) FROM articles").fetchone()[0]

    def queue_changes(self, n: int) -> None:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as con:
            ids = [str(r[0]) for r in con.execute(
                "SELECT id FROM articles WHERE NOT read ORDER BY id LIMIT ?", (n,))]
        if len(ids) < n:
            raise RuntimeError(f"only {len(ids)} unread articles to mark read")
        done = subprocess.run(self.argv("read", *ids), env=self.env, capture_output=True,
                              text=True)
        if done.returncode:
            raise RuntimeError(f"reader read: {done.stderr[-2000:]}")

    def forget_full_read(self) -> None:
        """The next sync reads the whole read/starred sets (core/sync_states.py's
        hourly safety net), as if the last whole read were an hour old."""
        with sqlite3.connect(self.db) as con:
            con.execute("UPDATE sync_state SET value = '0' WHERE key = 'states_full'")

    def pending(self) -> int:
        done = subprocess.run(self.argv("sync", "--status", "--json"), env=self.env,
                              capture_output=True, text=True, check=True)
        return int(json.loads(done.stdout)["pending"])


def measure_reader(rows: Rows, server: str, client: ReaderClient, relay: Relay,
                   articles: int, on_server: Callable[[], str] | None = None) -> None:
    """on_server: changes another client makes there (returns what it did, for the
    note); then a sync is measured, and (tt-rss) one that reads the whole sets."""
    avg, mark = load(), len(relay.seen)
    cost = client.sync()
    held = client.count()
    rows.add(server, "reader", f"first sync ({held} articles)", f"{cost.wall:.1f} s",
             f"{cost.cpu:.1f} s", f"{cost.peak_rss_mb:.0f} MB",
             str(requests(relay, mark)), cost.stdout.strip().splitlines()[-1][:60], avg)
    # A sync fetches at most 5,000 unread or starred articles it does not hold
    # (core/sync.py MISSING_MOST): the rest come with the next syncs, measured here
    # so that the "nothing new" rows below really have nothing new.
    more, total_wall, peak = 0, 0.0, 0.0
    while held < articles and more < 5:
        avg, mark = load(), len(relay.seen)
        cost = client.sync()
        more, total_wall, peak = more + 1, total_wall + cost.wall, max(peak, cost.peak_rss_mb)
        held = client.count()
    if more:
        rows.add(server, "reader", f"then {more} more sync(s) to hold {held}",
                 f"{total_wall:.1f} s", "-", f"{peak:.0f} MB", "-",
                 f"server has {articles}", avg)
    walls, cpus, avgs, reqs = [], [], [], []
    for _ in range(NOTHING_NEW_RUNS):
        avgs.append(load())
        mark = len(relay.seen)
        cost = client.sync()
        walls.append(cost.wall)
        cpus.append(cost.cpu)
        reqs.append(requests(relay, mark))
    walls.sort()
    rows.add(server, "reader", f"nothing new (median of {NOTHING_NEW_RUNS})",
             f"{walls[len(walls) // 2]:.2f} s", f"{sorted(cpus)[len(cpus) // 2]:.2f} s", "-",
             str(sorted(reqs)[len(reqs) // 2]), f"min {walls[0]:.2f} max {walls[-1]:.2f} s; "
             f"the last: {calls(relay, mark)}", sum(avgs) / len(avgs))
    if on_server is not None:
        did = on_server()
        avg, mark = load(), len(relay.seen)
        cost = client.sync()
        rows.add(server, "reader", "after another client's changes", f"{cost.wall:.2f} s",
                 f"{cost.cpu:.2f} s", "-", str(requests(relay, mark)),
                 f"{did}; {calls(relay, mark)}", avg)
        client.forget_full_read()
        avg, mark = load(), len(relay.seen)
        cost = client.sync()
        rows.add(server, "reader", "the whole sets (hourly)", f"{cost.wall:.2f} s",
                 f"{cost.cpu:.2f} s", "-", str(requests(relay, mark)), calls(relay, mark), avg)
    client.queue_changes(CHANGES)
    queued = client.pending()
    avg, mark = load(), len(relay.seen)
    cost = client.sync()
    rows.add(server, "reader", f"{queued} queued changes pushed", f"{cost.wall:.2f} s",
             f"{cost.cpu:.2f} s", "-",
             f"{pushes(relay, mark)} push / {requests(relay, mark)} all",
             f"{client.pending()} pending after", avg)


# ---------------------------------------------------------------- Miniflux


def bench_miniflux(rows: Rows, articles: int, feeds: int, tmp: Path) -> None:
    binary = miniflux_binary()
    if binary is None:
        raise SystemExit("Miniflux is not installed: run .ci/servers/miniflux.sh")
    pg = start_postgres()
    site = FeedSite()
    server = MinifluxServer(binary, pg, tmp)
    try:
        user = server.create_user(site, prefix="bench")
        start = time.perf_counter()
        for f, count in enumerate(split(articles, feeds)):
            items = [Item(g, t, c, published=p) for g, t, c, p in entries_for(f, count, 0)]
            user.add_feed(site.publish(f"feed{f}", f"Стрічка {f} / フィード", items),
                          category=f"Категорія {f % 3}")
        wait_until(lambda: user.api("GET", "/v1/entries", params={"limit": 1})["total"]
                   >= articles, f"{articles} entries in Miniflux", timeout=600, every=0.5)
        print(f"miniflux: {articles} entries in {feeds} feeds in "
              f"{time.perf_counter() - start:.0f} s", flush=True)
        relay = Relay(server.port)
        # The API key as the password, no username: Miniflux checks a password with
        # bcrypt on every request (README, "Syncing with Miniflux").
        client = ReaderClient(tmp / "miniflux", "miniflux", relay.url + "/", "", user.api_key)
        measure_reader(rows, "miniflux", client, relay, articles)
        relay.down()
    finally:
        server.stop()
        site.stop()
        pg.stop()


# ---------------------------------------------------------------- Tiny Tiny RSS


def ttrss_count(server, uid: int) -> int:
    return int(server.sql(f"SELECT count(*) FROM ttrss_user_entries WHERE owner_uid = {uid}"))


def bench_ttrss(rows: Rows, articles: int, feeds: int, tmp: Path, newsboat: bool) -> None:
    server = start_ttrss()
    try:
        user = server.add_user()
        start = time.perf_counter()
        feed_ids: list[int] = []
        for f, count in enumerate(split(articles, feeds)):
            items = [{"guid": g, "title": t, "html": c, "date": int(p.timestamp())}
                     for g, t, c, p in entries_for(f, count, 0)]
            url = server.feeds.publish(f"bench/feed{f}.xml",
                                       rss(f"Стрічка {f} / フィード", items))
            feed_ids.append(user.subscribe(url))
            user.update_feed(feed_ids[-1])
        held = ttrss_count(server, user.uid)
        print(f"tt-rss: {held} articles in {feeds} feeds in "
              f"{time.perf_counter() - start:.0f} s", flush=True)
        relay = Relay(server.port)
        client = ReaderClient(tmp / "ttrss", "ttrss", relay.url + "/", user.login,
                              user.password)
        if newsboat:
            # newsboat first, while every article is still unread on the server.
            measure_newsboat(rows, tmp / "newsboat", relay, user.login, user.password)

        def on_server() -> str:
            # Another client reads 100 articles of one feed and stars 10 of another.
            first = user.headline_ids(feed_id=feed_ids[0], view_mode="unread")[:100]
            second = user.headline_ids(feed_id=feed_ids[1])[:10]
            user.call("updateArticle", article_ids=",".join(map(str, first)), field=2, mode=0)
            user.call("updateArticle", article_ids=",".join(map(str, second)), field=0,
                      mode=1)
            return f"{len(first)} read, {len(second)} starred there"

        measure_reader(rows, "tt-rss", client, relay, held, on_server)
        relay.down()
    finally:
        server.stop()


def measure_newsboat(rows: Rows, home: Path, relay: Relay, login: str, password: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "urls").write_text("", encoding="utf-8")
    (home / "password").write_text(password + "\n", encoding="utf-8")
    (home / "config").write_text(
        'urls-source "ttrss"\n'
        f'ttrss-url "{relay.url}"\n'
        f'ttrss-login "{login}"\n'
        f'ttrss-passwordfile "{home / "password"}"\n'
        'ttrss-flag-star "s"\n'
        'ttrss-flag-publish "p"\n', encoding="utf-8")
    argv = ["newsboat", "-C", str(home / "config"), "-u", str(home / "urls"),
            "-c", str(home / "cache.db"), "-x", "reload"]
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home),
           "XDG_DATA_HOME": str(home)}

    def reload():
        cost = run(argv, env=env)
        if cost.returncode:
            raise RuntimeError(f"newsboat exited {cost.returncode}: {cost.stderr[-2000:]}")
        return cost

    avg, mark = load(), len(relay.seen)
    cost = reload()
    with sqlite3.connect(home / "cache.db") as con:
        held = con.execute("SELECT count(*) FROM rss_item").fetchone()[0]
    rows.add("tt-rss", "newsboat", f"first reload ({held} articles)", f"{cost.wall:.1f} s",
             f"{cost.cpu:.1f} s", f"{cost.peak_rss_mb:.0f} MB",
             str(requests(relay, mark)), "newsboat -x reload", avg)
    walls, cpus, avgs, reqs = [], [], [], []
    for _ in range(NOTHING_NEW_RUNS):
        avgs.append(load())
        mark = len(relay.seen)
        cost = reload()
        walls.append(cost.wall)
        cpus.append(cost.cpu)
        reqs.append(requests(relay, mark))
    walls.sort()
    rows.add("tt-rss", "newsboat", f"nothing new (median of {NOTHING_NEW_RUNS})",
             f"{walls[len(walls) // 2]:.2f} s", f"{sorted(cpus)[len(cpus) // 2]:.2f} s", "-",
             str(sorted(reqs)[len(reqs) // 2]), f"min {walls[0]:.2f} max {walls[-1]:.2f} s; "
             f"the last: {calls(relay, mark)}", sum(avgs) / len(avgs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--server", choices=("miniflux", "ttrss", "both"), default="both")
    parser.add_argument("--newsboat", action="store_true",
                        help="newsboat's tt-rss backend on the same tt-rss user")
    parser.add_argument("--smoke", action="store_true",
                        help="a quick check that it runs (~10 s): 1,000 articles, 2 feeds, "
                             "Miniflux only")
    args = parser.parse_args()
    if args.smoke:
        args.articles, args.feeds, args.server, args.newsboat = CHANGES, 2, "miniflux", False
    if args.articles < CHANGES:
        parser.error(f"--articles must be at least {CHANGES} (the queued changes)")
    rows = Rows()
    print(f"load average at start: {load():.1f}; {args.articles} articles, "
          f"{args.feeds} feeds", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        if args.server in ("miniflux", "both"):
            bench_miniflux(rows, args.articles, args.feeds, Path(tmp))
        if args.server in ("ttrss", "both"):
            bench_ttrss(rows, args.articles, args.feeds, Path(tmp), args.newsboat)
    rows.print()
    print("\nTargets: first sync of 10,000 under 30 s and 150 MB; nothing new under 1 s; "
          f"{CHANGES:,} changes in at most 20 requests.")


if __name__ == "__main__":
    main()
