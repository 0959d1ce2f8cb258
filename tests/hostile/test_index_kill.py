"""kill -9 of the indexer (storage/indexer.py), mid-run every time: the index stays
whole at each kill, search is right meanwhile (its fallback), and the next run catches
up to an index that matches the articles exactly."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from reader.core.config import Config
from reader.core.ingest.text import html_to_text
from reader.core.library import Library

from .hostile_kit import ROOT
from .test_faults import (  # noqa: F401  (the fixtures, shared)
    assert_index_matches_articles,
    db_state,
    kill_server,
    many_feeds,
    serve_round,
    template_db,
)

KILLS = 6
# The detached indexer (indexer_child.py) in batches of 500: more batches to kill between.
SMALL_BATCHES = ("import sys; from reader.core.storage import indexer; indexer.BATCH = 500;"
                 " from reader.core.indexer_child import _main; sys.exit(_main())")


def pending(db: Path) -> int:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return conn.execute(
            "SELECT (SELECT count(*) FROM articles WHERE id >"
            " (SELECT value FROM counters WHERE name = 'indexed_id'))"
            " + (SELECT count(*) FROM index_queue)").fetchone()[0]
    finally:
        conn.close()


def with_phrase(db: Path, phrase: str) -> list[int]:
    """The articles whose text (as the indexer makes it) has the phrase, by Python."""
    conn = sqlite3.connect(db, timeout=10)
    try:
        return sorted(aid for aid, content in conn.execute("SELECT id, content FROM articles")
                      if phrase in html_to_text(content))
    finally:
        conn.close()


def test_kill_9_of_the_indexer_repeatedly(kill_server, many_feeds):  # noqa: F811
    db, _ = many_feeds
    serve_round(kill_server, 7)  # every description changes, 14 new items a feed
    lib = Library(db, Config(timeout=30, connect_timeout=15))
    try:
        summary = lib.refresh(index=False)  # the headlines only: the index is behind
        assert summary.ok == 30
    finally:
        lib.close()
    before = pending(db)
    assert before == 30 * 300  # (286 edited and 14 new articles a feed)
    kills = 0
    env = {**os.environ}
    env.pop("READER_DEBUG", None)
    while kills < KILLS:
        proc = subprocess.Popen([sys.executable, "-c", SMALL_BATCHES, str(db)], cwd=ROOT, env=env)
        while pending(db) == before and proc.poll() is None:
            time.sleep(0.005)  # (until a batch is committed: a state)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.returncode != -signal.SIGKILL:
            break  # it finished first: nothing left to kill
        kills += 1
        now = pending(db)
        assert 0 < now < before, (kills, before, now)
        before = now
        check, *_ = db_state(db)
        assert check == "ok"
        conn = sqlite3.connect(db)
        try:  # what is indexed so far agrees with its content table
            conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        finally:
            conn.close()
        # Search, half indexed: new text found, old text of edited articles not.
        lib = Library(db)
        try:
            for phrase in ("round 7 text", "round 0 text"):
                assert sorted(lib.article_ids(f'"{phrase}"')) == with_phrase(db, phrase), phrase
        finally:
            lib.close()
    assert kills >= KILLS // 2, kills
    done = subprocess.run([sys.executable, "-m", "reader.core.indexer_child", str(db)],
                          cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0
    assert pending(db) == 0
    assert_index_matches_articles(db)
