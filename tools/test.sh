#!/usr/bin/env bash
# Installs what is missing, then runs every check and test: clang-format, project lint, the
# ASan+UBSan build with -Werror, ctest (unit, contract, black-box and SDK tests) and a short
# libFuzzer run of every fuzz target (clang-16 build).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup-deps.sh --test
# A throw-away PostgreSQL for the contract and multi-instance tests, stopped on exit.
export ATRIUM_PG_DIR=${ATRIUM_PG_DIR:-/tmp/atrium-pg-$$}
export ATRIUM_PG_PORT=${ATRIUM_PG_PORT:-55432}
trap 'tools/pg.sh destroy' EXIT
tools/format.sh --check
tools/lint.sh
(cd tests && npm ci --no-audit --no-fund --loglevel=error)
cmake --preset dev >/dev/null
cmake --build --preset dev
# clang-tidy over our sources (not the unit tests, see ADR 0005), after the build so that
# generated sources exist.
tools/tidy.sh
ATRIUM_TEST_PG_DSN=$(tools/pg.sh start)
export ATRIUM_TEST_PG_DSN
ctest --preset dev
# Coverage-guided fuzzing (docs/fuzzing.md): the regression inputs, then 20 s per target.
tools/fuzz.sh --short
# ThreadSanitizer: only the test binaries that run threads (hash pool, LRU cache, store pools and
# their concurrent contract tests, HTTP server, cleanup sweeper, HTTP client).
cmake --preset tsan >/dev/null
cmake --build --preset tsan
ctest --preset tsan
