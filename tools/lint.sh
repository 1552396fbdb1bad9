#!/usr/bin/env bash
# Project rules that the compiler does not check:
#  - banned calls: std::rand, system(, std::regex (use RE2), raw new/delete;
#  - outside JSON is parsed and dumped only in src/base/json.cc;
#  - Boost.Beast/Asio only inside src/http/, sqlite3 only inside src/store/, libcurl only inside
#    src/httpclient/;
#  - the dependency rule (ARCHITECTURE.md): every #include of src/ (tests too) against the DEPS
#    and TEST_DEPS of the atrium_module(...) table, and ARCHITECTURE.md's diagram drawn from that
#    table (tools/deprule.py, itself first checked on tools/lint_fixtures/).
#   tools/lint.sh                  run every check
#   tools/lint.sh --write-diagram  refresh the dependency diagram in ARCHITECTURE.md
set -uo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--write-diagram" ]]; then
  exec python3 tools/deprule.py --write-diagram
fi
status=0
fail() { echo "lint: $*"; status=1; }

mapfile -t src < <(git ls-files -co --exclude-standard 'src/**.cc' 'src/**.h' 'src/*.cc')
# Every pattern runs once over all files (one grep each, not one per file): lint stays fast.
# Hits print as file:line: message: text.
report() { # report <message>: turns grep -nH lines on stdin into failures
  local h rest
  while IFS= read -r h; do
    rest=${h#*:}
    fail "${h%%:*}:${rest%%:*}: $1: ${rest#*:}"
  done
}
scan() { # scan <message> <grep -E pattern> [files...]: report lines matching, except NOLINT ones
  local msg=$1 pattern=$2
  shift 2
  (($#)) || return 0
  local hits
  hits=$(grep -nHE -- "$pattern" "$@" | grep -v NOLINT)
  [[ -z "$hits" ]] || report "$msg" <<<"$hits"
}
scan "banned call (std::rand, system(, std::regex)" \
  '\bstd::rand\b|[^_a-zA-Z]system\(|std::regex|#include <regex>' "${src[@]}"
hits=$(grep -nHE '(^|[^_a-zA-Z:])new [A-Z][A-Za-z_:<>]*[({]' "${src[@]}" | grep -v NOLINT |
  grep -v 'std::unique_ptr<.*>(new')
[[ -z "$hits" ]] || report "raw new" <<<"$hits"
scan "raw delete" '^\s*delete [a-z_]' "${src[@]}"

json=() beast=() sqlite=() curl=()
for f in "${src[@]}"; do
  # Outside JSON is read only through base/json.h (size and depth limits), and written through
  # DumpJson (never throws).
  [[ "$f" != src/base/json.cc && "$f" != *_test.cc && "$f" != *_test.h ]] && json+=("$f")
  [[ "$f" != src/http/* ]] && beast+=("$f")
  [[ "$f" != src/store/* ]] && sqlite+=("$f")
  [[ "$f" != src/httpclient/* ]] && curl+=("$f")
done
scan "parses or dumps JSON outside base/json.h" '(::parse\(|\.dump\(|->dump\()' "${json[@]}"
scan "includes Beast/Asio outside src/http/" '#include <boost/(beast|asio)' "${beast[@]}"
scan "includes sqlite3 outside src/store/" '#include <sqlite3.h>' "${sqlite[@]}"
scan "includes libcurl outside src/httpclient/ (use httpclient::Client)" '#include <curl/' "${curl[@]}"

# The dependency rule; its checker must first pass its own fixtures (a checker that lets
# everything through fails here).
selftest=$(python3 tools/deprule.py --selftest) || {
  echo "$selftest"
  fail "the dependency checker fails its self-test (tools/deprule.py --selftest)"
}
python3 tools/deprule.py || status=1

[[ $status -eq 0 ]] && echo "lint: clean"
exit $status
