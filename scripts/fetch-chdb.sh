#!/usr/bin/env bash
# Fetches libchdb (ClickHouse 26.7 as a C library) for the integration tests' ClickHouse 26
# engine: `npm pack` of the npm registry package @chdb/lib-linux-x64-gnu (~180 MB), checked
# against a pinned SHA-1, then package/libchdb.so (~570 MB) is extracted to
#   $PG2CH_CHDB_CACHE (default: .cache/chdb in the repository, git-ignored)/<version>/libchdb.so
# with the symlink <cache>/libchdb.so pointing at it (what the test harness loads).
# Idempotent: does nothing when that version is already there. Needs npm (install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=26.7.3-stable.1
PACKAGE=@chdb/lib-linux-x64-gnu
# `shasum` of the tarball as `npm pack` reports it; a registry answer that differs is refused.
TARBALL_SHA1=d2905fafd0e0ac0e231cccadd1f0f6d010977297

cache="${PG2CH_CHDB_CACHE:-$PWD/.cache/chdb}"
target="$cache/$VERSION/libchdb.so"
if [ -s "$target" ]; then
  ln -sfn "$VERSION/libchdb.so" "$cache/libchdb.so"
  echo "fetch-chdb: $PACKAGE@$VERSION already in $cache"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "fetch-chdb: npm is missing (scripts/install-deps.sh installs it)" >&2
  exit 1
fi

mkdir -p "$cache"
work="$(mktemp -d "$cache/fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "fetch-chdb: npm pack $PACKAGE@$VERSION"
# A private npm cache: the tarball is not kept twice, and a user's ~/.npm is not touched.
(cd "$work" && npm pack --silent --cache "$work/npm-cache" "$PACKAGE@$VERSION" >"$work/pack.out")
tarball="$work/$(tail -n 1 "$work/pack.out")"
actual="$(sha1sum "$tarball" | cut -d' ' -f1)"
if [ "$actual" != "$TARBALL_SHA1" ]; then
  echo "fetch-chdb: $tarball has SHA-1 $actual, expected $TARBALL_SHA1" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" package/libchdb.so
mkdir -p "$cache/$VERSION"
mv "$work/package/libchdb.so" "$target.part"
mv "$target.part" "$target"  # atomic: a half-written library is never at the final path
ln -sfn "$VERSION/libchdb.so" "$cache/libchdb.so"
echo "fetch-chdb: $target"
