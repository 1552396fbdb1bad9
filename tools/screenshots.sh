#!/usr/bin/env bash
# Refreshes the README's screenshots (docs/screenshots/) from the built-in UI in Chromium: the
# browser test run with its screenshots written there instead of build/screenshots/. Needs the
# dev build (tools/test.sh, or cmake --preset dev && cmake --build --preset dev).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ATRIUM_BIN:-$PWD/build/dev/src/atrium}
[[ -x "$bin" ]] || { echo "screenshots: build the dev preset first ($bin is missing)" >&2; exit 1; }
cd tests
ATRIUM_BIN=$bin ATRIUM_SCREENSHOTS=$PWD/../docs/screenshots node --test browser/ui.test.mjs
