#!/usr/bin/env bash
# Builds the `fuzz` preset (clang-16, libFuzzer, ASan + UBSan) and runs every fuzz target
# (docs/fuzzing.md).
#   tools/fuzz.sh --short             replay tests/fuzz/regressions/<target>/, then fuzz each
#                                     target for a few seconds (the step tools/test.sh runs)
#   tools/fuzz.sh --long [seconds]    fuzz each target for `seconds` (default 600)
#   tools/fuzz.sh ... --only submit   one target
# ATRIUM_FUZZ_SHORT_SECONDS changes the 20 s of --short.
# Seeds come from tests/fuzz/corpus/<target>/ (read only); what the fuzzer finds goes to
# build/fuzz/corpus/<target>/ (long runs, kept between runs) or build/fuzz/corpus-short/<target>/
# (short runs, from scratch each time), and crashes, timeouts, leaks and out-of-memory inputs to
# build/fuzz/findings/<target>/. The exit status is non-zero when any target found something.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=""
seconds=""
only=""
while (($#)); do
  case "$1" in
    --short) mode=short ;;
    --long)
      mode=long
      if [[ "${2:-}" =~ ^[0-9]+$ ]]; then
        seconds=$2
        shift
      fi
      ;;
    --only)
      only=${2:?--only needs a target: parsers, submit, login, webhook, webauthn or jose}
      shift
      ;;
    *)
      echo "usage: tools/fuzz.sh --short | --long [seconds] [--only <target>]" >&2
      exit 2
      ;;
  esac
  shift
done
[[ -n "$mode" ]] || {
  echo "usage: tools/fuzz.sh --short | --long [seconds] [--only <target>]" >&2
  exit 2
}
if [[ "$mode" == short ]]; then
  seconds=${ATRIUM_FUZZ_SHORT_SECONDS:-20}
else
  seconds=${seconds:-600}
fi

build=build/fuzz
targets=(parsers submit login webhook webauthn jose logs)
if [[ -n "$only" ]]; then
  [[ " ${targets[*]} " == *" $only "* ]] || {
    echo "fuzz: no target $only (targets: ${targets[*]})" >&2
    exit 2
  }
  targets=("$only")
fi

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

# Per target: libFuzzer options. The submit target creates a flow and may hash a password per
# input; its slowest legitimate inputs (several requests on a flow that echoes megabytes of
# traits) take 10-20 s under ASan on a loaded machine.
declare -A options=(
  [parsers]="-timeout=10 -max_len=4096"
  [webhook]="-timeout=10 -max_len=4096"
  [webauthn]="-timeout=10 -max_len=8192"
  [jose]="-timeout=10 -max_len=20000"
  [logs]="-timeout=10 -max_len=4096"
  [submit]="-timeout=60 -max_len=16384"
  [login]="-timeout=60 -max_len=16384"
)
# Leftovers of a crashed run (the submit target's SQLite files) stay under build/.
export TMPDIR=$PWD/$build/tmp
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"
# UBSan reports stop the run (the build has -fno-sanitize-recover) with a stack. Symbolized
# stacks: the runtime refuses the /usr/bin/llvm-symbolizer symlink, but takes its target.
ubsan=print_stacktrace=1
symbolizer=$(command -v llvm-symbolizer-16 || command -v llvm-symbolizer || true)
if [[ -n "$symbolizer" ]]; then
  symbolizer=$(readlink -f "$symbolizer")
  export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$symbolizer}
  ubsan+=:external_symbolizer_path=$symbolizer
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-$ubsan}

# The lines of a libFuzzer log that say what happened and where (our frames).
report() {
  grep -E '^(==[0-9]+== ?ERROR|SUMMARY|==== fuzz_)|deadly signal|^ +#[0-9]+ .* in (atrium|LLVMFuzzer)' "$1" |
    head -n 30 >&2 || true
}

failed=()
summary=()
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/fuzz_$t
  findings=$build/findings/$t
  # Long runs grow one corpus across runs; short runs start from the seeds alone (a grown corpus
  # is replayed before fuzzing starts, which alone can take minutes).
  corpus=$build/corpus/$t
  if [[ "$mode" == short ]]; then
    corpus=$build/corpus-short/$t
    rm -rf "$corpus"
  fi
  log=$build/fuzz-$t.log
  mkdir -p "$findings" "$corpus"
  # 1. Regressions: every input that once failed must pass (each runs once).
  shopt -s nullglob
  regressions=("tests/fuzz/regressions/$t"/*)
  shopt -u nullglob
  if ((${#regressions[@]})); then
    echo "fuzz: $t: replaying ${#regressions[@]} regression inputs"
    # shellcheck disable=SC2086
    if ! "$bin" ${options[$t]} -runs=0 "${regressions[@]}" >"$build/regressions-$t.log" 2>&1; then
      echo "fuzz: $t: a regression input fails again, see $build/regressions-$t.log" >&2
      report "$build/regressions-$t.log"
      failed+=("$t (regression)")
      continue
    fi
  fi
  # 2. Fuzzing: new inputs go to the scratch corpus (first directory), seeds are read only.
  # LeakSanitizer checks after each input whose mallocs outnumber its frees. The submit target's
  # SQLite page cache grows with its database, so nearly every input qualifies and each check
  # scans the whole heap: in short runs it checks at exit only (leaks are still reported, with
  # their allocation stacks); long runs check per input until libFuzzer gives up on it by itself
  # (after 1000 such inputs, "libFuzzer disabled leak detection after every mutation").
  leaks=()
  [[ "$mode" == long || "$t" == parsers ]] || leaks=(-detect_leaks=0)
  # One dictionary serves every target unless a target has its own.
  dict=tests/fuzz/submit.dict
  [[ ! -f tests/fuzz/$t.dict ]] || dict=tests/fuzz/$t.dict
  echo "fuzz: $t: fuzzing for ${seconds}s (log: $log)"
  status=0
  # shellcheck disable=SC2086
  "$bin" ${options[$t]} "${leaks[@]}" -dict="$dict" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$findings/" "$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1 || status=$?
  # libFuzzer's final lines: "Done 1234 runs in 20 second(s)" and stat::... counters.
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -n 1)
  rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log" | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
  summary+=("$(printf '%-8s %10s execs %8s execs/s  %6s edges  corpus %s' "$t" "${runs:-?}" \
    "${rate:-?}" "${cov:-?}" "$(find "$corpus" -type f | wc -l)")")
  if ((status != 0)); then
    echo "fuzz: $t: FOUND SOMETHING (exit $status), inputs in $findings/:" >&2
    report "$log"
    ls -1 "$findings" >&2
    failed+=("$t")
  fi
done

echo "fuzz: summary ($mode, ${seconds}s per target)"
for line in "${summary[@]}"; do
  echo "  $line"
done
if ((${#failed[@]})); then
  echo "fuzz: failed: ${failed[*]} (minimize with <binary> -minimize_crash=1 -runs=10000 <input>," \
    "then add it to tests/fuzz/regressions/<target>/)" >&2
  exit 1
fi
