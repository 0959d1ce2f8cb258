"""Where a refresh parses: worker processes for a big refresh, threads for a small one.

Decompressing a feed's body (body.decode_then: it comes as it was sent), parsing it
and hashing its entries is CPU work, mostly in Python.
In the refreshing process they take turns for the GIL with the fetching (httpx) and
with the database writer, so a 200-feed refresh ran on one core; in worker processes
they run beside those, on the other cores.

This module imports nothing heavy: a worker process imports it to find
parse_for_store, and a refresh where every feed answers 304 never parses at all.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reader.core.errors import ParseError

if TYPE_CHECKING:
    from reader.core.models import ParsedFeed

# Fewer feeds than this are parsed in threads: starting the processes costs ~0.2 s of
# CPU, more than parsing a handful of feeds.
PROCESS_MIN_FEEDS = 16
MAX_PROCESSES = 4
CRASHED = "the parser crashed on this feed (its worker process died)"
log = logging.getLogger(__name__)


def parse_for_store(data: bytes, url: str = "", content_type: str | None = None) -> ParsedFeed:
    """parse_feed, plus what storing the entries needs that is CPU work too: each one's
    content hash (`hashes`). (Their plain text for the search index is the indexer's,
    after the headlines are stored, and only for the articles that are new or changed:
    storage/indexer.py.)"""
    from reader.core.ingest.identity import content_hash
    from reader.core.ingest.parse import parse_feed

    parsed = parse_feed(data, url, content_type)
    parsed.hashes = [content_hash(e) for e in parsed.entries]
    for e in parsed.entries:
        if e.summary == e.content:
            e.summary = e.content  # one object: pickle sends it back to the refresh once
    return parsed


def _pid(_: object = None) -> int:
    """The worker's process id (for tests)."""
    return os.getpid()


def _worker_init() -> None:
    # Ctrl+C in the terminal reaches the whole process group: the refreshing process
    # handles it; a worker printing its own KeyboardInterrupt would only add noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import multiprocessing

    refreshing = multiprocessing.parent_process()  # the process that asked for us
    if refreshing is None:
        return

    def orphaned() -> None:
        # A refresh that is killed (the TUI cancelling its child, kill -9) cannot stop its
        # workers, and the forkserver they came from stays up as long as they do; so
        # they watch for the refreshing process to end and then leave.
        refreshing.join()
        os._exit(0)

    threading.Thread(target=orphaned, name="reader-orphan-watch", daemon=True).start()


def _process_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    import multiprocessing  # here: a refresh with nothing to parse never needs it

    methods = multiprocessing.get_all_start_methods()
    # forkserver: workers are forked from a small clean process that has imported the
    # parsers once (a plain fork of this process, which has threads, is not safe).
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["reader.core.ingest.workers", "reader.core.ingest.parse",
                                    "reader.core.ingest.identity", "reader.core.ingest.body"])
    return concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx,
                                                  initializer=_worker_init)


def _settle(future: concurrent.futures.Future, result: Any = None,
            exception: BaseException | None = None) -> None:
    try:
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result)
    except concurrent.futures.InvalidStateError:  # cancelled meanwhile
        pass


class ParsePool(concurrent.futures.Executor):
    """The executor a refresh parses in, with `workers` processes (see parse_executor).

    When a worker process dies (killed, out of memory, a crash in a C library on a
    hostile feed), a process pool breaks and fails everything queued in it. Here the
    pool is replaced, and each feed that was in the broken one is tried again in a
    worker process of its own: the feed that crashes that one too gets a one-line
    error, and no other feed can be taken down with it.
    """

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._lock = threading.Lock()
        # Made on first use: a refresh where every feed answers 304 starts no process
        # (not even multiprocessing's resource tracker).
        self._pool: concurrent.futures.Executor | None = None
        self._parsed = False  # has the current pool parsed anything yet?
        self._old: list[concurrent.futures.Executor] = []
        self._alone: concurrent.futures.ThreadPoolExecutor | None = None  # runs the retries
        self._closed = False
        self._counted = False  # in _open_pools
        self.fell_back = False  # to threads (see _after_break)

    @property
    def workers(self) -> int:
        return self._workers

    def start(self) -> concurrent.futures.Future:
        """Start the worker processes now, before the first feed to parse: a refresh
        that will parse (a feed never fetched has no validators, so no 304) then finds
        them ready instead of waiting ~0.2 s for them after its first body. The future
        is a worker's process id."""
        return self.submit(_pid)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future:
        outer: concurrent.futures.Future = concurrent.futures.Future()
        self._start(outer, fn, args, kwargs, retry=True)
        return outer

    def _start(self, outer, fn, args, kwargs, retry: bool) -> None:
        with self._lock:
            if self._pool is None:
                try:
                    self._pool = _process_pool(self._workers)
                    self._counted = True
                    _pool_opened()
                except (OSError, ValueError, ImportError):  # no usable multiprocessing here
                    self.fell_back = True
                    self._pool = _thread_pool()
                    log.warning("parsing in threads: worker processes cannot start")
            pool = self._pool
        try:
            inner = pool.submit(fn, *args, **kwargs)
        except concurrent.futures.BrokenExecutor:
            self._after_break(pool, outer, fn, args, kwargs, retry)
            return
        except RuntimeError as exc:  # shut down meanwhile
            _settle(outer, exception=exc)
            return

        # No reference cycle between the two futures: through `done` the inner one holds
        # the body (args) and the outer one the parsed feed, and a cycle keeps both after
        # the feed is stored, until a full garbage collection, which a refresh rarely runs.
        link = [inner]

        def done(f: concurrent.futures.Future) -> None:
            link.clear()
            if outer.done():  # cancelled by its caller
                return
            if f.cancelled():
                outer.cancel()
            elif isinstance(f.exception(), concurrent.futures.BrokenExecutor):
                self._after_break(pool, outer, fn, args, kwargs, retry)
            elif f.exception() is not None:
                _settle(outer, exception=f.exception())
            else:
                self._parsed = True
                _settle(outer, result=f.result())

        outer.add_done_callback(lambda o: o.cancelled() and link and link[0].cancel())
        inner.add_done_callback(done)

    def _after_break(self, broken, outer, fn, args, kwargs, retry: bool) -> None:
        with self._lock:
            if self._pool is broken:  # the first feed to notice replaces the pool
                self._old.append(broken)
                self._pool = _process_pool(self._workers)
                if not self._parsed and not self.fell_back and not _starts(self._pool):
                    # Not a feed that crashed a worker: no worker can even start here (the
                    # program's __main__ fails when a worker imports it again, no
                    # semaphores, ...). Parse in threads, as on a machine with one core.
                    self._old.append(self._pool)
                    self.fell_back = True
                    self._pool = _thread_pool()
                    log.warning("parsing in threads: worker processes cannot start")
                self._parsed = False
            if self._alone is None and not self.fell_back:
                self._alone = concurrent.futures.ThreadPoolExecutor(
                    self._workers, thread_name_prefix="reader-parse-alone")
            alone = self._alone
        if self._closed or not retry:
            _settle(outer, exception=ParseError(CRASHED))
            return
        if self.fell_back:
            self._start(outer, fn, args, kwargs, retry=False)
            return
        try:
            inner = alone.submit(_run_alone, fn, args, kwargs)
        except RuntimeError as exc:  # shut down meanwhile
            _settle(outer, exception=exc)
            return
        inner.add_done_callback(
            lambda f: outer.done() or (_settle(outer, exception=f.exception())
                                       if f.exception() is not None
                                       else _settle(outer, result=f.result())))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            counted, self._counted, self._closed = self._counted, False, True
            pools = [*self._old, self._pool, self._alone]
        for pool in pools:
            if pool is not None:
                pool.shutdown(wait=wait, cancel_futures=cancel_futures)
        if counted:
            _pool_closed(wait)


_open_pools = 0  # ParsePools whose processes may be running (see _pool_closed)
_open_lock = threading.Lock()


def _pool_opened() -> None:
    global _open_pools
    with _open_lock:
        _open_pools += 1


def _pool_closed(wait: bool) -> None:
    """The last pool with processes is done: stop multiprocessing's forkserver and
    resource tracker and wait for them. Left running, they end only when they see this
    process gone, so each refresh child's pair outlived it, re-parented to PID 1."""
    global _open_pools
    with _open_lock:
        _open_pools -= 1
        if _open_pools > 0 or not wait:
            return
        import gc
        from multiprocessing import forkserver, resource_tracker

        gc.collect()  # the pools' queues: their semaphores leave the tracker's list first
        # The forkserver holds the tracker's pipe too: it goes first.
        forkserver._forkserver._stop()
        resource_tracker._resource_tracker._stop()


def _run_alone(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """fn(*args, **kwargs) in a worker process of its own (a feed tried again after a
    crash); ParseError(CRASHED) when that worker dies too."""
    pool = _process_pool(1)
    try:
        return pool.submit(fn, *args, **kwargs).result()
    except concurrent.futures.BrokenExecutor:
        raise ParseError(CRASHED) from None
    finally:
        pool.shutdown(wait=False)


def _starts(pool: concurrent.futures.Executor) -> bool:
    """Whether a worker of this pool can start and run something."""
    try:
        pool.submit(_pid).result(timeout=60)
    except Exception:
        return False
    return True


def _thread_pool() -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="reader-parse")


def parse_executor(n_feeds: int) -> concurrent.futures.Executor:
    """Processes (one per core, up to MAX_PROCESSES) for a refresh of many feeds on a
    machine with several cores; two threads otherwise. Processes start on first use, so
    a refresh where every feed answers 304 starts none."""
    cpus = os.cpu_count() or 1
    if n_feeds >= PROCESS_MIN_FEEDS and cpus > 1:
        return ParsePool(min(cpus, MAX_PROCESSES))
    return _thread_pool()
