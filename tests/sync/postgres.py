"""A throwaway PostgreSQL cluster for the sync servers' tests (Miniflux, tt-rss).

API (test code only):

    pg = start_postgres()          # a new cluster, started, ready; skips or fails if absent
    pg.host, pg.port               # "127.0.0.1" and a free TCP port (trust auth, loopback)
    pg.socket_dir                  # the cluster's unix socket directory (a short /tmp path)
    pg.dsn("miniflux")             # postgres://postgres@127.0.0.1:PORT/miniflux?sslmode=disable
    pg.dsn("db", user="u", password="p")
    pg.create_user("u", "p")       # a login role (idempotent)
    pg.create_database("db", owner="u")   # a UTF-8 database (owner defaults to postgres)
    pg.sql("SELECT 1", dbname="db") -> str   # psql -At output, stripped; raises on error
    pg.stop()                      # immediate shutdown, the directory removed

    unavailable(reason)            # pytest.skip(reason), or pytest.fail when
                                   # $READER_REQUIRE_SERVERS is set (CI must not skip)

Each cluster lives in its own fresh directory under /tmp, listens on 127.0.0.1 only and
is tuned for speed, not durability (fsync off, no WAL sync, small buffers): a cluster
starts in about a second. postgres runs as this process's child and is told to quit
when it dies (PR_SET_PDEATHSIG), so a killed test run leaves no server behind; call
start_postgres from the thread that outlives the cluster (the main thread). initdb and postgres refuse to run as root, so as root they run
as the unprivileged `postgres` user (.ci/servers/postgres.sh makes sure it exists).
The binaries are found in $READER_PG_BIN, else the newest /usr/lib/postgresql/*/bin,
else on PATH.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import NoReturn

import pytest

PG_USER = "postgres"          # the OS user the cluster runs as when the tests run as root
SUPERUSER = "postgres"        # the cluster's superuser role


def unavailable(reason: str) -> NoReturn:
    """A server the tests need is not installed: skip here, fail in CI."""
    if os.environ.get("READER_REQUIRE_SERVERS"):
        pytest.fail(f"{reason} (READER_REQUIRE_SERVERS is set: run .ci/servers/*.sh)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bin_dir() -> Path | None:
    env = os.environ.get("READER_PG_BIN")
    if env:
        return Path(env) if (Path(env) / "initdb").exists() else None
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if versions:
        return versions[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _die_with_parent() -> None:
    """In the child, after the switch to the cluster's user (a later switch would
    clear it): SIGQUIT when the test run dies, even by kill -9."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGQUIT)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _as_cluster_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", PG_USER, "--", *argv]


class Postgres:
    host = "127.0.0.1"

    def __init__(self, bin_dir: Path, root: Path, port: int):
        self.bin_dir = bin_dir
        self.root = root
        self.port = port
        self.data_dir = root / "data"
        self.socket_dir = root
        self.log_file = root / "postgres.log"

    # -- life cycle

    def _initdb(self) -> None:
        self._run([str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
                   "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
                   "--no-instructions"], what="initdb")

    def _start(self) -> None:
        """postgres itself as our child (not pg_ctl's daemon): it dies with the test run,
        even one killed by a timeout, instead of lingering."""
        argv = [str(self.bin_dir / "postgres"), "-D", str(self.data_dir), "-p", str(self.port),
                "-k", str(self.socket_dir), "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "shared_buffers=16MB",
                "-c", "max_connections=60", "-c", "wal_level=minimal",
                "-c", "max_wal_senders=0", "-c", "autovacuum=off"]
        as_user = {"user": PG_USER, "group": PG_USER, "extra_groups": []} \
            if os.geteuid() == 0 else {}
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, cwd=self.root,
                                            preexec_fn=_die_with_parent, **as_user)
        deadline = time.monotonic() + 60
        while not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._terminate()
                log = self.log_file.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"postgres did not start: {log}")
            time.sleep(0.05)

    def _ready(self) -> bool:
        done = subprocess.run([str(self.bin_dir / "pg_isready"), "-q", "-h", self.host,
                               "-p", str(self.port), "-U", SUPERUSER], check=False)
        return done.returncode == 0

    def _terminate(self) -> None:
        process = getattr(self, "process", None)
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGQUIT)     # immediate shutdown: nothing to keep
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop(self) -> None:
        self._terminate()
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, argv: list[str], what: str) -> None:
        done = subprocess.run(_as_cluster_user(argv), capture_output=True, text=True,
                              cwd=self.root, check=False)
        if done.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(f"{what} failed ({done.returncode}): {done.stderr[-2000:]}\n{log}")

    # -- using it

    def dsn(self, dbname: str, user: str = SUPERUSER, password: str | None = None) -> str:
        auth = f"{user}:{password}" if password else user
        return f"postgres://{auth}@{self.host}:{self.port}/{dbname}?sslmode=disable"

    def sql(self, statement: str, dbname: str = "postgres") -> str:
        done = subprocess.run(
            [str(self.bin_dir / "psql"), "-h", self.host, "-p", str(self.port), "-U", SUPERUSER,
             "-d", dbname, "-v", "ON_ERROR_STOP=1", "-At", "-c", statement],
            capture_output=True, text=True, check=False, env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr.strip()[:2000]}")
        return done.stdout.strip()

    def create_user(self, name: str, password: str) -> None:
        literal = password.replace("'", "''")
        self.sql(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') "
                 f"THEN CREATE ROLE \"{name}\" LOGIN PASSWORD '{literal}'; END IF; END $$;")

    def create_database(self, name: str, owner: str = SUPERUSER) -> None:
        self.sql(f"CREATE DATABASE \"{name}\" OWNER \"{owner}\" ENCODING 'UTF8' "
                 "TEMPLATE template0 LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")


def _remove_stale_clusters(max_age_s: float = 600.0) -> None:
    """Directories a killed run left: no postmaster.pid (postgres removes it when it
    exits) and untouched for a while (a cluster being made has none yet either)."""
    for old in Path("/tmp").glob("reader-pg-*"):
        try:
            stale = (not (old / "data" / "postmaster.pid").exists()
                     and time.time() - old.stat().st_mtime > max_age_s)
        except OSError:
            continue
        if stale:
            shutil.rmtree(old, ignore_errors=True)


def start_postgres() -> Postgres:
    """A new cluster, started and ready; skip (fail in CI) when PostgreSQL is missing."""
    _remove_stale_clusters()
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        unavailable("PostgreSQL is not installed (initdb not found)")
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam(PG_USER)
        except KeyError:
            unavailable(f"running as root needs the OS user {PG_USER!r} to run PostgreSQL")
    root = Path(tempfile.mkdtemp(prefix="reader-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        os.chown(root, pw.pw_uid, pw.pw_gid)
    last_error: Exception | None = None
    for _attempt in range(3):   # a free port can be taken between the probe and the start
        cluster = Postgres(bin_dir, root, free_port())
        try:
            if not cluster.data_dir.exists():
                cluster._initdb()
            cluster._start()
            return cluster
        except RuntimeError as exc:
            last_error = exc
    shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError(f"PostgreSQL did not start: {last_error}")
