#!/usr/bin/env bash
# The one test command (README and CI): installs dependencies, configures, builds everything and
# runs every test (unit, and integration against real PostgreSQL 15 and two ClickHouse engines:
# Debian's 18.16 server and ClickHouse 26 as a library, fetched by scripts/fetch-chdb.sh), and the
# version-sensitive part of the integration suite on PostgreSQL 12, 13, 14, 16, 17 and 18
# (fetched by scripts/fetch-postgres.sh; ctest -L pg_versions, one test per version).
# Exits non-zero on any failure.
# Then scripts/fuzz.sh: the unit tests under ASan + UBSan (a clang build in build-fuzz/), the fuzz
# corpora and regressions, and a bounded run of every fuzz target.
#   PG2CH_FUZZ_SECONDS=N      seconds per fuzz target (default 20; 0 replays the corpora only)
#   PG2CH_SKIP_FUZZ=1         skip scripts/fuzz.sh
#   PG2CH_TEST_KEEP=1         keep the servers' throwaway dirs under /tmp for debugging
#   PG2CH_TEST_ENGINES=ch26   run the ClickHouse tests on one engine only (ch18, ch26 or both,
#                             comma-separated; default both); the per-version runs use ch26
#                             when it is in the list, else ch18
#   PG2CH_TEST_PG_VERSIONS=12,17  the other PostgreSQL majors to run (default 12,13,14,16,17,18;
#                             empty: none)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
  bash scripts/install-deps.sh
else
  # Without root we can only check; install-deps.sh names what is missing.
  bash scripts/install-deps.sh || { echo "test.sh: run scripts/install-deps.sh as root" >&2; exit 1; }
fi

# The integration tests run against ClickHouse 18.16 (Debian) and 26.7 (libchdb, ~570 MB, cached
# in .cache/chdb); PG2CH_TEST_ENGINES=ch18 runs only the former and needs no download.
if [[ ",${PG2CH_TEST_ENGINES:-ch26}," == *,ch26,* ]]; then
  bash scripts/fetch-chdb.sh
fi

pg_versions="${PG2CH_TEST_PG_VERSIONS-12,13,14,16,17,18}"
pg_versions="${pg_versions//,/ }"
if [ -n "${pg_versions// /}" ]; then
  # shellcheck disable=SC2086  # one argument per version
  bash scripts/fetch-postgres.sh $pg_versions
fi
version_engine=ch18
if [[ ",${PG2CH_TEST_ENGINES:-ch26}," == *,ch26,* ]]; then version_engine=ch26; fi
pg_version_list="$(echo $pg_versions | tr ' ' ';')"

build_dir=build
cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  "-DPG2CH_TEST_PG_VERSIONS=$pg_version_list" "-DPG2CH_VERSION_ENGINE=$version_engine")

jobs="$(nproc)"
cmake -S . -B "$build_dir" "${cmake_args[@]}"
cmake --build "$build_dir" --parallel "$jobs"

# The integration test carries its own 50 min limit (tests/CMakeLists.txt); this one is a
# backstop for anything without one.
ctest --test-dir "$build_dir" --output-on-failure --timeout 3000 --parallel "$jobs"

if [ "${PG2CH_SKIP_FUZZ:-0}" != 1 ]; then
  bash scripts/fuzz.sh
fi
