#!/usr/bin/env bash
# Builds the release binary, starts it on the embedded SQLite default with a throw-away data
# directory, and loads it with wrk on the same machine. Prints a markdown table of the results.
#
#   bench/run.sh                 # argon2id (default) and bcrypt cost 12
#   DURATION=20 CONNECTIONS=64 bench/run.sh
#
# Server and load generator share the machine: on a 2-core box both are CPU-bound, so figures
# are a lower bound for a dedicated server.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup-deps.sh --test >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DATRIUM_BUILD_TESTS=OFF >/dev/null
cmake --build build/bench --target atrium_hash_bench >/dev/null

BIN=build/release/src/atrium
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
PORT=${PORT:-14433}
WORK=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# wrk's latency distribution, parsed: "<req/s> <p50 ms> <p99 ms>".
run_wrk() {
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" 2>"$WORK/wrk.err")
  echo "$out" >>"$WORK/wrk.log"
  local rps p50 p99
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
to_ms() {
  local v=$1
  case "$v" in
    *us) awk -v x="${v%us}" 'BEGIN {printf "%.2f", x / 1000}' ;;
    *ms) awk -v x="${v%ms}" 'BEGIN {printf "%.2f", x}' ;;
    *s) awk -v x="${v%s}" 'BEGIN {printf "%.2f", x * 1000}' ;;
    *) echo "$v" ;;
  esac
}

start_server() {
  local algorithm=$1
  rm -f "$WORK"/atrium.db*
  cat >"$WORK/atrium.yml" <<YAML
serve:
  public: {host: 127.0.0.1, port: $PORT, base_url: "http://127.0.0.1:$PORT/"}
  admin: {host: 127.0.0.1, port: $((PORT + 1))}
dsn: sqlite://$WORK/atrium.db
log: {level: warning}
hashers: {algorithm: $algorithm, bcrypt: {cost: 12}}
selfservice:
  default_browser_return_url: http://127.0.0.1:4455/
  flows:
    registration:
      style: unified
      after: {password: {hooks: [{hook: session}]}}
  methods:
    password: {config: {haveibeenpwned_enabled: false}}
YAML
  (cd "$WORK" && exec "$OLDPWD/$BIN" serve --dev -c atrium.yml >"$WORK/server.log" 2>&1) &
  PID=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && return 0
    sleep 0.05
  done
  echo "server did not start" >&2
  cat "$WORK/server.log" >&2
  exit 1
}

BASE="http://127.0.0.1:$PORT"
HASH=$(build/bench/src/hash/atrium_hash_bench 10)
ARGON_MS=$(sed -E 's/.*"argon2id_ms_median":([0-9.]+).*/\1/' <<<"$HASH")
BCRYPT_MS=$(sed -E 's/.*"bcrypt12_ms_median":([0-9.]+).*/\1/' <<<"$HASH")
CORES=$(nproc)

start_server argon2
sleep 1
IDLE_RSS=$(rss_kb $PID)
FLOW=$(curl -s "$BASE/self-service/registration/api" | sed -E 's/^\{"id":"([^"]+)".*/\1/')
TOKEN=$(curl -s -H 'Content-Type: application/json' -d '{"method":"password","password":"l3f9toh1uaf81n21-bench","traits":{"email":"token@example.com"}}' \
  "$BASE/self-service/registration?flow=$FLOW" | sed -E 's/^\{"session_token":"([^"]+)".*/\1/')

read -r INIT_RPS INIT_P50 INIT_P99 < <(run_wrk -H 'Accept: application/json' "$BASE/self-service/registration/api")
read -r GET_RPS GET_P50 GET_P99 < <(run_wrk -H 'Accept: application/json' "$BASE/self-service/registration/flows?id=$FLOW")
read -r WHO_RPS WHO_P50 WHO_P99 < <(BENCH_TOKEN=$TOKEN run_wrk -s bench/whoami.lua "$BASE/sessions/whoami")
read -r REG_RPS REG_P50 REG_P99 < <(run_wrk -s bench/register.lua "$BASE/self-service/registration?flow=$FLOW")
# whoami while registrations saturate the hashing pool.
(wrk -t1 -c16 -d"$((DURATION + 2))s" -s bench/register.lua "$BASE/self-service/registration?flow=$FLOW" >/dev/null 2>&1 &)
sleep 1
read -r MIX_RPS MIX_P50 MIX_P99 < <(BENCH_TOKEN=$TOKEN run_wrk -c8 -s bench/whoami.lua "$BASE/sessions/whoami")
sleep 2
PEAK_RSS=$(hwm_kb $PID)
kill $PID; wait $PID 2>/dev/null || true

start_server bcrypt
FLOW=$(curl -s "$BASE/self-service/registration/api" | sed -E 's/^\{"id":"([^"]+)".*/\1/')
read -r BC_RPS BC_P50 BC_P99 < <(run_wrk -s bench/register.lua "$BASE/self-service/registration?flow=$FLOW")
kill $PID; wait $PID 2>/dev/null || true

bound() { awk -v c="$CORES" -v ms="$1" 'BEGIN {printf "%.1f", c * 1000 / ms}'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f%%", 100 * a / b}'; }
ARGON_BOUND=$(bound "$ARGON_MS")
BCRYPT_BOUND=$(bound "$BCRYPT_MS")

cat <<TABLE
Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s on the same machine.

| Benchmark | req/s | p50 ms | p99 ms | Target |
|---|---:|---:|---:|---|
| API flow init | $INIT_RPS | $INIT_P50 | $INIT_P99 | >= 10,000 req/s |
| GET flow | $GET_RPS | $GET_P50 | $GET_P99 | |
| whoami | $WHO_RPS | $WHO_P50 | $WHO_P99 | >= 20,000 req/s |
| whoami during registrations (-c8) | $MIX_RPS | $MIX_P50 | $MIX_P99 | p99 < 25 ms |
| registrations, argon2id | $REG_RPS | $REG_P50 | $REG_P99 | >= 85% of bound $ARGON_BOUND/s: $(pct "$REG_RPS" "$ARGON_BOUND") |
| registrations, bcrypt 12 | $BC_RPS | $BC_P50 | $BC_P99 | >= 85% of bound $BCRYPT_BOUND/s: $(pct "$BC_RPS" "$BCRYPT_BOUND") |

One hash (median of 10, single thread): argon2id ${ARGON_MS} ms, bcrypt cost 12 ${BCRYPT_MS} ms.
Hashing bound = cores / time of one hash.

RSS: idle $((IDLE_RSS / 1024)) MiB, peak $((PEAK_RSS / 1024)) MiB (target idle <= 25 MB).
TABLE
