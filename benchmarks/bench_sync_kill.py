"""kill -9 during a sync, at random moments (issue 12's target): nothing lost, nothing doubled.

    python benchmarks/bench_sync_kill.py [--service miniflux|ttrss|both] [--rounds 20]
                                         [--articles 3000] [--feeds 6] [--seed N] [--smoke]

Against the real servers of the sync tests (Miniflux 2.3.5, Debian's tt-rss; started by
tests/sync's helpers as bench_sync.py does), a user with N articles, synced once by the
real CLI. Then each round:

1. the server gains entries in a feed or two (so the sync has a pull to do);
2. sometimes another client (the server's API, beside reader) flips read/starred
   (/published) of some articles: before the sync, or while it runs;
3. the user makes a random batch of changes with the real CLI (`reader read`, `unread`,
   `star`, `unstar`, `mark-all-read feedid:N`, `remove`, Miniflux `add`, tt-rss `share`
   and `unshare`), sometimes offline (the server unreachable: `add`/`remove` queue);
4. `reader sync` starts and is SIGKILLed: aimed at a phase (push, feeds, entries,
   states) plus a random delay, or at a random time, or just after the server took a
   push whose answer the relay holds back (the worst moment). Which phase it hit is read
   from the requests it had sent (a TCP relay in front of the server records them);
5. the database must pass `PRAGMA integrity_check` (and FTS5's), and every change not
   yet on the server must still be queued: a change gone from the queue that the server
   does not have is LOST.

At the end one clean sync (tt-rss: and one reading the whole read/starred sets), then:
the server's read/starred(/published) of every entry equals the last write to it (the
user's changes in order, and the other client's, which touches only what has no change
queued); its subscriptions equal the initial ones plus `add`s minus `remove`s, none
twice; reader holds each server entry once (remote_id unique, the same count), with the
server's flags; the queue is empty. A user's change missing at the end is lost; another
client's change undone (an old change pushed again over it), a feed subscribed twice or
an article held twice is DOUBLED. Exits 1 when anything was lost, doubled or corrupt.
The servers and what is asked of them: sync_sides.py.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_sync import ReaderClient  # noqa: E402
from sync_sides import MinifluxSide, TtrssSide  # noqa: E402

from tests.sync.servers import wait_until  # noqa: E402

PHASES = ("push", "feeds", "entries", "states", "any", "held push")
JITTER = {"push": 0.05, "feeds": 0.03, "entries": 0.15, "states": 0.08}   # seconds


# ---------------------------------------------------------------- reader's database, read-only


def local(db: Path, query: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as con:
        return con.execute(query, params).fetchall()


def queue(db: Path) -> dict[tuple[str, str], str]:
    return {(k, t): v for k, t, v in local(db, "SELECT kind, target, value FROM sync_queue")}


def integrity(db: Path) -> str:
    """PRAGMA integrity_check and FTS5's own check of the search index ("ok" when both pass).
    (A read-write connection: opening it recovers what the killed process left in the WAL.)"""
    con = sqlite3.connect(db, timeout=30)
    try:
        problems = [r[0] for r in con.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            return "; ".join(problems)[:300]
        try:
            con.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            return f"fts: {exc}"
        return "ok"
    finally:
        con.close()


# ---------------------------------------------------------------- the expected state


class Model:
    """What the server must end with: the last write to each (flag, entry), the user's
    changes not yet known to be on the server, the subscriptions."""

    def __init__(self, side, snapshot: dict[str, tuple[str, dict[str, bool]]]) -> None:
        self.side = side
        self.initial = {(flag, rid): value for rid, (_, flags) in snapshot.items()
                        for flag, value in flags.items()}
        self.writes: dict[tuple[str, str], tuple[bool, str]] = {}
        self.pending: dict[tuple[str, str], str] = {}   # (kind, target) -> queued value
        # Marks set on articles not linked to the server's copy yet (a feed just added):
        # (flag, local id); their server id is known once a pull links them.
        self.unlinked: set[tuple[str, int]] = set()
        self.subs = {url for _, url in side.feeds()}
        self.made = Counter()
        self.lost: list[str] = []
        self.confirmed = 0

    def expected(self, flag: str, rid: str) -> bool:
        return self.writes.get((flag, rid), (self.initial.get((flag, rid), False), ""))[0]

    def user(self, flag: str, rids: list[str], value: bool, what: str) -> None:
        for rid in rids:
            self.writes[(flag, rid)] = (value, "user")
            self.pending[(flag, rid)] = "1" if value else "0"
        self.made[what] += len(rids)

    def link(self, db: Path) -> None:
        """Marks made before the article's server id was known: a change like the
        others once a pull linked it (the user's last write to that entry)."""
        for flag, aid in list(self.unlinked):
            row = local(db, "SELECT remote_id FROM articles WHERE id = ?", (aid,))
            if not row or row[0][0] is not None:
                self.unlinked.discard((flag, aid))
            if row and row[0][0] is not None:
                self.writes[(flag, row[0][0])] = (True, "user")
                self.pending[(flag, row[0][0])] = "1"

    def check_after_kill(self, db: Path) -> tuple[int, int, int]:
        """(still queued, confirmed now, lost now): every pending change is queued as it
        was made, or the server has it."""
        self.link(db)
        held = queue(db)
        entries = self.side.entries()
        feeds = self.side.feeds()
        urls, feed_ids = {u for _, u in feeds}, {i for i, _ in feeds}
        queued = confirmed = lost = 0
        for (kind, target), value in list(self.pending.items()):
            if kind in ("subscribe", "unsubscribe"):
                if (kind, target) in held:
                    queued += 1
                    continue
                ok = target in urls if kind == "subscribe" else target not in feed_ids
            else:
                if held.get((kind, target)) == value:
                    queued += 1
                    continue
                if target not in entries:   # (its feed is gone from the server)
                    del self.pending[(kind, target)]
                    continue
                ok = entries[target][1][kind] == (value == "1")
            if ok:
                confirmed += 1
                del self.pending[(kind, target)]
            else:
                lost += 1
                self.lost.append(f"{kind} {target} = {value}")
                del self.pending[(kind, target)]
        self.confirmed += confirmed
        return queued, confirmed, lost


# ---------------------------------------------------------------- one round


def cli(client: ReaderClient, *args: str) -> str:
    done = subprocess.run(client.argv(*args), env=client.env, capture_output=True, text=True,
                          timeout=300)
    if done.returncode:
        raise RuntimeError(f"reader {' '.join(args[:2])} exited {done.returncode}: "
                           f"{done.stderr.strip()[-500:]}")
    return done.stdout + done.stderr


def synced_articles(db: Path, flag: str, value: bool) -> list[tuple[int, str, str]]:
    """(id, remote_id, feed remote_id) of synced articles with flag = value."""
    return local(db, f"SELECT a.id, a.remote_id, f.remote_id FROM articles a JOIN feeds f ON "
                     f"f.id = a.feed_id WHERE a.remote_id IS NOT NULL AND f.remote_id IS NOT "
                     f"NULL AND a.{flag} = ?", (int(value),))


VERBS = {("read", True): "read", ("read", False): "unread", ("starred", True): "star",
         ("starred", False): "unstar", ("shared", True): "share", ("shared", False): "unshare"}


def user_changes(side, model: Model, rng: random.Random, offline: bool) -> tuple[list[str], int]:
    """A random batch of changes through the CLI: (what was done, briefly; changes lost)."""
    db, client, done = side.client.db, side.client, []
    kinds = [*side.flags, *side.flags, "mark-all-read", "remove"] + (["add"] if side.can_add
                                                                      else [])
    ops = rng.sample(kinds, rng.randint(2, 5))
    if model.unlinked or rng.random() < 0.5:
        ops.append("before its id")
    # (add and remove first: online they push the whole queue at once)
    for kind in sorted(ops, key=lambda k: k not in ("add", "remove")):
        if kind in side.flags:
            value = rng.random() < 0.5
            pool = synced_articles(db, kind, not value)      # a change, not a no-op
            if not pool:
                continue
            picked = rng.sample(pool, min(len(pool), rng.randint(1, 60)))
            cli(client, VERBS[(kind, value)], *[str(p[0]) for p in picked])
            model.user(kind, [p[1] for p in picked], value, VERBS[(kind, value)])
            done.append(f"{VERBS[(kind, value)]} {len(picked)}")
        elif kind == "before its id":
            pool = local(db, "SELECT a.id FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE "
                             "a.remote_id IS NULL AND NOT a.read AND NOT a.starred")
            if not pool:
                continue
            flag = rng.choice(("read", "starred"))
            picked = [p[0] for p in rng.sample(pool, min(len(pool), rng.randint(1, 5)))]
            cli(client, VERBS[(flag, True)], *map(str, picked))
            model.unlinked.update((flag, aid) for aid in picked)
            model.made[f"{VERBS[(flag, True)]} (before its id)"] += len(picked)
            done.append(f"{VERBS[(flag, True)]} {len(picked)} not linked yet")
        elif kind == "mark-all-read":
            feeds = local(db, "SELECT id FROM feeds WHERE remote_id IS NOT NULL")
            if not feeds:
                continue
            (feed,) = rng.choice(feeds)
            unread = [r for (r,) in local(db, "SELECT remote_id FROM articles WHERE feed_id = ? "
                                              "AND NOT read AND remote_id IS NOT NULL", (feed,))]
            unlinked = [a for (a,) in local(db, "SELECT id FROM articles WHERE feed_id = ? AND "
                                               "NOT read AND remote_id IS NULL", (feed,))]
            cli(client, "mark-all-read", f"feedid:{feed}")
            model.user("read", unread, True, "mark-all-read")
            model.unlinked.update(("read", a) for a in unlinked)
            done.append(f"mark-all-read {len(unread)}")
        elif kind == "remove":
            feeds = local(db, "SELECT id, remote_id, url FROM feeds WHERE remote_id IS NOT NULL")
            if len(feeds) <= 3 or rng.random() < 0.5:
                continue   # (keep most feeds: removing one drops its articles' changes)
            feed, remote_id, url = rng.choice(feeds)
            gone = {r for (r,) in local(db, "SELECT remote_id FROM articles WHERE feed_id = ? "
                                            "AND remote_id IS NOT NULL", (feed,))}
            cli(client, "remove", str(feed))
            for key in [k for k in model.pending if k[1] in gone]:
                del model.pending[key]     # (the queue drops them with the feed)
            model.subs.discard(url)
            if (("unsubscribe", remote_id)) in queue(db):
                model.pending[("unsubscribe", remote_id)] = ""
            model.made["remove"] += 1
            done.append("remove 1")
        elif kind == "add":
            url = side.new_feed(rng)
            cli(client, "add", url, "-t", "Додані")
            model.subs.add(url)
            if ("subscribe", url) in queue(db):
                model.pending[("subscribe", url)] = ""
            model.made["add"] += 1
            done.append("add 1")
    # Every change is queued, or on the server (online, `add` and `remove` push the
    # whole queue at once).
    _, confirmed, lost = model.check_after_kill(db)
    if confirmed:
        done.append(f"({confirmed} pushed by add/remove)")
    return done + (["offline"] if offline else []), lost


def other_client(side, model: Model, rng: random.Random, avoid: set[tuple[str, str]]) -> \
        list[tuple[str, list[str], bool]]:
    """Changes another client will make: flips of entries that have no change queued here
    and that the user did not touch this round (else who wins is a race by design)."""
    entries = side.entries()
    subscribed = {i for i, _ in side.feeds()}
    plan = []
    for flag in rng.sample(side.flags, rng.randint(1, len(side.flags))):
        pool = [rid for rid, (feed, _) in entries.items() if feed in subscribed
                and (flag, rid) not in avoid]
        picked = rng.sample(pool, min(len(pool), rng.randint(1, 40)))
        for value in (True, False):
            ids = [r for r in picked if model.expected(flag, r) != value]
            if ids:
                plan.append((flag, ids, value))
    return plan


def apply_other(side, model: Model, plan) -> int:
    for flag, ids, value in plan:
        side.other_set(flag, ids, value)
        for rid in ids:
            model.writes[(flag, rid)] = (value, "other")
    return sum(len(ids) for _, ids, _ in plan)


REQUEST = re.compile(rb"(GET|PUT|POST|DELETE) (\S+) HTTP/1\.1\r\n")
TTRSS_CALL = re.compile(rb'\{"op": ?"(\w+)"[^{}]*\}')


def phases(side, seen: bytes) -> list[str]:
    """The sync phase of each request it sent, in order."""
    out: list[str] = []
    if isinstance(side, TtrssSide):
        for m in TTRSS_CALL.finditer(seen):
            op, body = m.group(1).decode(), m.group(0)
            late = any(p in ("states", "marks") for p in out)
            if op in ("updateArticle", "subscribeToFeed", "unsubscribeFeed", "catchupFeed"):
                out.append("push (end)" if late else "push")
            elif op in ("getFeeds", "getCategories"):
                out.append("feeds")
            elif op == "getHeadlines" and b"since_id" in body or (
                    op == "getHeadlines" and out and out[-1] in ("feeds", "entries")
                    and b"show_content" in body):
                out.append("entries")
            elif op == "getLabels" or (op == "getHeadlines" and out and out[-1] == "marks"):
                out.append("marks")
            elif op in ("getHeadlines", "getCounters", "getPref", "getArticle", "getUnread"):
                out.append("states")
            else:
                out.append({"login": "login", "logout": "end"}.get(op, op))
        return out
    for method, path in REQUEST.findall(seen):
        late = any(p == "states" for p in out)
        if method != b"GET" or re.match(rb"/v1/(categories|feeds/\d+)", path):
            out.append("push (end)" if late else "push")
        elif path.startswith(b"/v1/me"):
            out.append("login")
        elif path.startswith(b"/v1/entries/"):
            out.append("states")
        elif path.startswith(b"/v1/entries"):
            out.append("entries")
        elif path.startswith(b"/v1/feeds"):
            out.append("feeds")
        else:
            out.append(path.decode())
    return out


def killed_sync(side, rng: random.Random, target: str, other_plan, model: Model,
                typical: float) -> tuple[str, float, bool]:
    """Start `reader sync`, SIGKILL it as `target` says: (phase hit, seconds, killed)."""
    relay, mark = side.relay, len(side.relay.seen)
    if target == "held push":
        relay.hold_on = side.write
    started = time.monotonic()
    child = subprocess.Popen(side.client.argv("sync"), env=side.client.env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    during = None
    if other_plan:
        during = threading.Thread(target=lambda: (time.sleep(rng.uniform(0, typical)),
                                                  apply_other(side, model, other_plan)))
        during.start()

    def reached(phase: str) -> bool:
        return child.poll() is not None or phase in phases(side, bytes(relay.seen[mark:]))

    try:
        if target == "held push":
            wait_until(lambda: child.poll() is not None or relay._held.is_set(),
                       "a push", 120, 0.002)
            time.sleep(rng.uniform(0.2, 0.5))    # (the server applies it meanwhile)
        elif target == "any":
            wait_until(lambda: reached("login"), "the sync's first request", 120, 0.002)
            time.sleep(rng.uniform(0, typical))
        else:
            wait_until(lambda: reached(target), f"the sync's {target}", 120, 0.002)
            # (short: the phases of a sync with a few hundred new entries last 0.05-0.3 s)
            time.sleep(rng.uniform(0, JITTER[target]))
        killed = child.poll() is None
        if killed:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
    finally:
        relay.hold_on = None
        relay.release()
        if during is not None:
            during.join()
    seconds = time.monotonic() - started
    seen = phases(side, bytes(relay.seen[mark:]))
    hit = (seen[-1] if seen else "start") if killed else "ended first"
    return hit, seconds, killed


# ---------------------------------------------------------------- the whole run


def run(side, rounds: int, rng: random.Random) -> dict:
    client = side.client
    start = time.monotonic()
    cost = client.sync()
    print(f"{side.name}: first sync {cost.wall:.1f} s, {client.count()} articles; "
          f"{cost.stdout.strip()}", flush=True)
    typical = min(client.sync().wall for _ in range(2))
    model = Model(side, side.entries())
    kills, hits, integrity_failures, lost_all = 0, Counter(), 0, 0
    n = 0
    while kills < rounds and n < 2 * rounds:
        n += 1
        grown = side.grow(rng)
        offline = rng.random() < 0.3
        before = during = []
        avoid = set(queue(client.db)) | set(model.pending)
        if rng.random() < 0.4:
            before = other_client(side, model, rng, avoid)
            apply_other(side, model, before)
        if offline:
            side.relay.down()
        try:
            done, lost_now = user_changes(side, model, rng, offline)
        finally:
            if offline:
                side.relay.up()
        avoid = set(queue(client.db)) | set(model.pending) | {
            k for k, (_, who) in model.writes.items() if who == "user"}
        if rng.random() < 0.3:
            during = other_client(side, model, rng, avoid)
        target = rng.choice(PHASES)
        hit, seconds, killed = killed_sync(side, rng, target, during, model, typical)
        kills += killed
        hits[hit] += 1
        check = integrity(client.db)
        integrity_failures += check != "ok"
        queued, confirmed, lost = model.check_after_kill(client.db)
        lost += lost_now
        lost_all += lost
        other = sum(len(i) for _, i, _ in before) + sum(len(i) for _, i, _ in during)
        print(f"{side.name} round {n:2}: +{grown} on the server; user: {', '.join(done) or '-'};"
              f" other client: {other}{' (during)' if during else ''}; aim {target}: "
              f"{f'killed at {seconds:.2f} s in {hit}' if killed else f'it ended first ({seconds:.2f} s)'}; "
              f"integrity {check}; queue {queued} pending, {confirmed} confirmed, {lost} lost",
              flush=True)
    final = client.sync()
    if isinstance(side, TtrssSide):   # (the state check may miss flips that cancel out)
        client.forget_full_read()
        client.sync()
    problems = compare(side, model)
    return {"service": side.name, "rounds": n, "kills": kills, "hits": hits,
            "made": sum(model.made.values()), "by verb": model.made, "confirmed":
            model.confirmed, "lost": lost_all + problems["lost"], "doubled": problems["doubled"],
            "stale": problems["stale"], "integrity": integrity_failures,
            "compared": problems["compared"],
            "final": final.stdout.strip(), "seconds": time.monotonic() - start,
            "notes": problems["notes"] + model.lost[:5]}


def compare(side, model: Model) -> dict:
    db, notes = side.client.db, []
    lost = doubled = stale = 0
    model.link(db)
    if model.unlinked:
        notes.append(f"{len(model.unlinked)} marks on articles never linked to the server's")
    feeds = side.feeds()
    urls = Counter(u for _, u in feeds)
    twice = [u for u, c in urls.items() if c > 1]
    doubled += len(twice)
    if set(urls) != model.subs:
        lost += len(set(urls) ^ model.subs)
        notes.append(f"subscriptions differ: {sorted(set(urls) ^ model.subs)[:3]}")
    left = queue(db)
    if left:
        lost += len(left)
        notes.append(f"{len(left)} changes still queued: {list(left)[:3]}")
    entries = side.entries()
    subscribed = {i for i, _ in feeds}
    held = {r[0]: r[1:] for r in local(db, "SELECT remote_id, read, starred, shared FROM articles"
                                           " WHERE remote_id IS NOT NULL")}
    for rid, (feed, flags) in entries.items():
        if feed not in subscribed:
            continue
        for flag, value in flags.items():
            want = model.expected(flag, rid)
            if value != want:
                who = model.writes.get((flag, rid), (None, "nobody"))[1]
                if who == "other":
                    doubled += 1
                else:
                    lost += 1
                notes.append(f"server {flag} of {rid} is {value}, the {who}'s write {want}")
            mine = held.get(rid)
            if mine is not None and bool(mine[("read", "starred", "shared").index(flag)]) != value:
                stale += 1
    server_ids = {rid for rid, (feed, _) in entries.items() if feed in subscribed}
    if set(held) != server_ids:
        notes.append(f"reader holds {len(held)} synced articles, the server {len(server_ids)} "
                     f"({len(server_ids - set(held))} not held, {len(set(held) - server_ids)} "
                     f"not on the server)")
    for what, query in (("articles", "SELECT count(*) FROM articles a JOIN feeds f ON f.id = "
                                     "a.feed_id WHERE f.remote_id IS NOT NULL AND a.remote_id "
                                     "IS NULL"),
                        ("feeds", "SELECT count(*) - count(DISTINCT url) FROM feeds")):
        (extra,) = local(db, query)[0]
        if extra:
            doubled += extra
            notes.append(f"{extra} {what} held twice (or a synced feed's article without an id)")
    local_feeds = {r for (r,) in local(db, "SELECT remote_id FROM feeds WHERE remote_id IS NOT "
                                           "NULL")}
    if local_feeds != subscribed:
        notes.append(f"feeds here {sorted(local_feeds)}, on the server {sorted(subscribed)}")
    return {"lost": lost, "doubled": doubled, "stale": stale, "notes": notes,
            "compared": f"{len(server_ids)} entries x {len(side.flags)} flags, {len(feeds)} feeds"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--service", choices=("miniflux", "ttrss", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=20, help="kills per service")
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--feeds", type=int, default=6)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--smoke", action="store_true",
                        help="a quick check that it runs: Miniflux, 300 articles, 3 kills")
    args = parser.parse_args()
    if args.smoke:
        args.service, args.rounds, args.articles, args.feeds = "miniflux", 3, 300, 4
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print(f"seed {seed}; load average {os.getloadavg()[0]:.1f}; {args.articles} articles in "
          f"{args.feeds} feeds; {args.rounds} kills a service", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-sync-kill-") as tmp:
        for name, kind in (("miniflux", MinifluxSide), ("ttrss", TtrssSide)):
            if args.service not in (name, "both"):
                continue
            side = kind(args.articles, args.feeds, Path(tmp))
            try:
                results.append(run(side, args.rounds, random.Random(f"{seed}-{name}")))
            finally:
                side.stop()
    print("\n| service | kills (rounds) | phases hit | changes made | confirmed before the end |"
          " lost | doubled | integrity failures | time |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        hits = ", ".join(f"{k} {v}" for k, v in r["hits"].most_common())
        print(f"| {r['service']} | {r['kills']} ({r['rounds']}) | {hits} | {r['made']} | "
              f"{r['confirmed']} | {r['lost']} | {r['doubled']} | {r['integrity']} | "
              f"{r['seconds']:.0f} s |")
    for r in results:
        print(f"{r['service']}: changes by verb {dict(r['by verb'])}; final sync: {r['final']}; "
              f"compared {r['compared']}; reader's flags unlike the server's: {r['stale']}")
        for note in r["notes"]:
            print(f"  {note}")
    bad = sum(r["lost"] + r["doubled"] + r["integrity"] for r in results)
    print(f"\nTarget: kill -9 during a sync, {args.rounds} times at random moments (issue 12: "
          "20): nothing lost or applied twice, integrity_check ok: "
          f"{'MET' if not bad else 'NOT MET'}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
