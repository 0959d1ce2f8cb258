#!/usr/bin/env bash
# PostgreSQL 15 for the sync servers' tests (Miniflux and tt-rss keep their data in it).
# Idempotent: installs Debian's package only when initdb is missing. The fixtures
# (tests/sync/postgres.py) start their own throwaway clusters as the `postgres` user;
# no system cluster or service is started here.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "postgres.sh: PostgreSQL present ($(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' '))"
else
    echo "postgres.sh: installing postgresql from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql postgresql-client >/dev/null
fi
if ! id -u postgres >/dev/null 2>&1; then
    echo "postgres.sh: creating the system user postgres"
    useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
fi
command -v runuser >/dev/null || { echo "postgres.sh: runuser is missing" >&2; exit 1; }
echo "postgres.sh: ok"
