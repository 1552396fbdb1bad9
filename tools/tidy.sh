#!/usr/bin/env bash
# clang-tidy 16 (checks in .clang-tidy, every finding an error) over our sources, src/**/*.cc, on
# two cores, with the compile commands of the dev build (configure it first: cmake --preset dev).
# Headers of src/ are checked through the sources that include them. Prints how long it took.
#   tools/tidy.sh                  every source but the unit tests (*_test.cc): what tools/test.sh
#                                  runs, ~7 min on 2 idle cores (ADR 0005)
#   tools/tidy.sh --all            the unit tests too (~12 min more CPU: gtest and the fixtures)
#   tools/tidy.sh src/hash/pool.cc ...   only these
set -euo pipefail
cd "$(dirname "$0")/.."
build=${ATRIUM_TIDY_BUILD:-build/dev}
if [[ ! -f "$build/compile_commands.json" ]]; then
  echo "tidy: $build/compile_commands.json is missing (cmake --preset dev)" >&2
  exit 1
fi
if [[ "${1:-}" == "--all" ]]; then
  mapfile -t files < <(git ls-files -co --exclude-standard 'src/**.cc' 'src/*.cc')
elif (($#)); then
  files=("$@")
else
  mapfile -t files < <(git ls-files -co --exclude-standard 'src/**.cc' 'src/*.cc' | grep -v '_test\.cc$')
fi
start=$(date +%s)
# -Wno-unknown-warning-option: the compile commands are g++'s (-Wno-restrict is unknown to clang).
# xargs -P2 runs two clang-tidy at a time; each prints its findings only once it is done
# (--quiet drops the summary lines), so outputs do not interleave mid-line.
status=0
printf '%s\n' "${files[@]}" |
  xargs -P2 -n1 clang-tidy-16 -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option \
    2> >(grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings' >&2) ||
  status=1
elapsed=$(($(date +%s) - start))
if ((status)); then
  echo "tidy: findings in ${#files[@]} files ($((elapsed / 60))m$((elapsed % 60))s)" >&2
  exit 1
fi
echo "tidy: ${#files[@]} files clean ($((elapsed / 60))m$((elapsed % 60))s)"
