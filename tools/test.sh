#!/usr/bin/env bash
# Installs what is missing, then runs every check and test: clang-format, project lint, the
# ASan+UBSan build with -Werror, and ctest (unit, contract, black-box and SDK tests).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup-deps.sh --test
tools/format.sh --check
tools/lint.sh
(cd tests && npm ci --no-audit --no-fund --loglevel=error)
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev
