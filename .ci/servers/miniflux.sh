#!/usr/bin/env bash
# Miniflux for the sync tests (its REST API and its Google Reader API): built from the Go
# module proxy into $READER_CI_BIN (default /opt/reader-ci/bin/miniflux), where
# tests/sync/servers.py looks for it. Idempotent: does nothing when that exact version
# is already there. PostgreSQL under it comes from postgres.sh.
set -euo pipefail
version=v2.3.5
bin_dir=${READER_CI_BIN:-/opt/reader-ci/bin}
target=$bin_dir/miniflux
if [ -x "$target" ] && "$target" -version 2>/dev/null | grep -qx "${version#v}"; then
    echo "miniflux.sh: miniflux $version present at $target"
    exit 0
fi
command -v go >/dev/null || { echo "miniflux.sh: go is not installed (Go >= 1.24 needed)" >&2; exit 1; }
echo "miniflux.sh: building miniflux.app/v2@$version with $(go version | cut -d' ' -f3)"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
mkdir -p "$bin_dir"
(cd "$build" && GOBIN="$build" GOFLAGS=-buildvcs=false go install \
    -ldflags="-s -w -X miniflux.app/v2/internal/version.Version=${version#v}" "miniflux.app/v2@$version")
mv "$build/miniflux.app" "$target"
echo "miniflux.sh: installed $target ($("$target" -version))"
