#!/usr/bin/env bash
# Installs what is missing, builds the optimised binary and runs the server on the embedded
# default: SQLite file ./atrium.db, built-in identity schema, dev mode (ports 4433 and 4434).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/src/atrium serve --dev "$@"
