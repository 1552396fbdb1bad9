#!/usr/bin/env bash
# Builds the release binary, starts it with a throw-away data directory, loads it with wrk on the
# same machine, and prints a markdown table.
#
#   bench/run.sh          SQLite (embedded default)
#   bench/run.sh --pg     SQLite, then PostgreSQL 15 (a throw-away server from tools/pg.sh)
#   DURATION=20 CONNECTIONS=64 bench/run.sh
#
# Server and load generator share the machine: on a 2-core box both compete for the CPU, so
# the figures are a lower bound for a dedicated server.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup-deps.sh --test >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DATRIUM_BUILD_TESTS=OFF >/dev/null
cmake --build build/bench --target atrium_hash_bench >/dev/null

BIN=$PWD/build/release/src/atrium
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
PORT=${PORT:-14433}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
PGDIR=/tmp/atrium-bench-pg-$$
PID=""
cleanup() {
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null || true
  [[ -n "${PG_STARTED:-}" ]] && ATRIUM_PG_DIR=$PGDIR tools/pg.sh destroy
  rm -rf "$WORK"
}
trap cleanup EXIT

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
to_ms() {
  local v=$1
  case "$v" in
    *us) awk -v x="${v%us}" 'BEGIN {printf "%.2f", x / 1000}' ;;
    *ms) awk -v x="${v%ms}" 'BEGIN {printf "%.2f", x}' ;;
    *s) awk -v x="${v%s}" 'BEGIN {printf "%.2f", x * 1000}' ;;
    *) echo "$v" ;;
  esac
}
# Prints "<req/s> <p50 ms> <p99 ms>" from wrk's latency distribution.
run_wrk() {
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" 2>>"$WORK/wrk.err")
  echo "$out" >>"$WORK/wrk.log"
  echo "$(awk '/^Requests\/sec/ {print $2}' <<<"$out") \
$(to_ms "$(awk '$1=="50%" {print $2}' <<<"$out")") $(to_ms "$(awk '$1=="99%" {print $2}' <<<"$out")")"
}

start_server() {
  local dsn=$1 algorithm=$2
  cat >"$WORK/identity.schema.json" <<'JSON'
{"type": "object", "properties": {"traits": {"type": "object", "required": ["email"],
 "properties": {"email": {"type": "string", "format": "email", "title": "E-Mail",
  "ory.sh/kratos": {"credentials": {"password": {"identifier": true}},
                    "verification": {"via": "email"}, "recovery": {"via": "email"}}}}}}}
JSON
  cat >"$WORK/atrium.yml" <<YAML
serve:
  public: {host: 127.0.0.1, port: $PORT, base_url: "$BASE/"}
  admin: {host: 127.0.0.1, port: $((PORT + 1))}
dsn: "$dsn"
identity: {schemas: [{id: default, url: "file://$WORK/identity.schema.json"}]}
log: {level: warning}
secrets: {cookie: ["bench-cookie-secret-0123456789"]}
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
  (cd "$WORK" && "$BIN" migrate -c atrium.yml >/dev/null)
  (cd "$WORK" && exec "$BIN" serve -c atrium.yml >"$WORK/server.log" 2>&1) &
  PID=$!
  for _ in $(seq 100); do
    curl -sf "$BASE/health/ready" >/dev/null && return 0
    sleep 0.05
  done
  echo "server did not start" >&2
  cat "$WORK/server.log" >&2
  exit 1
}
stop_server() {
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=""
}
new_flow() { curl -s "$BASE/self-service/registration/api" | sed -E 's/^\{"id":"([^"]+)".*/\1/'; }

# One backend: flow init, GET flow, whoami, registrations (argon2id and bcrypt), whoami under
# registration load, RSS. Appends table rows to $WORK/rows.
bench_backend() {
  local label=$1 dsn=$2
  start_server "$dsn" argon2
  sleep 1
  local idle flow token
  idle=$(rss_kb "$PID")
  flow=$(new_flow)
  token=$(curl -s -H 'Content-Type: application/json' \
    -d '{"method":"password","password":"l3f9toh1uaf81n21-bench","traits":{"email":"token@example.com"}}' \
    "$BASE/self-service/registration?flow=$flow" | sed -E 's/^\{"session_token":"([^"]+)".*/\1/')
  read -r a b c < <(run_wrk -H 'Accept: application/json' "$BASE/self-service/registration/api")
  echo "| $label | API flow init | $a | $b | $c | >= 10,000 req/s |" >>"$WORK/rows"
  read -r a b c < <(run_wrk -H 'Accept: application/json' "$BASE/self-service/registration/flows?id=$flow")
  echo "| $label | GET flow | $a | $b | $c | |" >>"$WORK/rows"
  read -r a b c < <(BENCH_TOKEN=$token run_wrk -s bench/whoami.lua "$BASE/sessions/whoami")
  echo "| $label | whoami | $a | $b | $c | >= 20,000 req/s |" >>"$WORK/rows"
  read -r a b c < <(run_wrk -s bench/register.lua "$BASE/self-service/registration?flow=$flow")
  echo "| $label | registrations, argon2id | $a | $b | $c | >= 85% of $ARGON_BOUND/s: $(pct "$a" "$ARGON_BOUND") |" >>"$WORK/rows"
  # Sign-ins of one identity (throttling on, as by default): verify + session + flow update.
  local login
  login=$(curl -s "$BASE/self-service/login/api" | sed -E 's/^\{"id":"([^"]+)".*/\1/')
  read -r a b c < <(BENCH_IDENTIFIER=token@example.com BENCH_PASSWORD=l3f9toh1uaf81n21-bench \
    run_wrk -s bench/login.lua "$BASE/self-service/login?flow=$login")
  echo "| $label | sign-ins, argon2id | $a | $b | $c | >= 85% of $ARGON_BOUND/s: $(pct "$a" "$ARGON_BOUND") |" >>"$WORK/rows"
  # whoami while registrations saturate the hashing pool.
  wrk -t1 -c16 -d"$((DURATION + 2))s" -s bench/register.lua \
    "$BASE/self-service/registration?flow=$flow" >/dev/null 2>&1 &
  local load=$!
  sleep 1
  read -r a b c < <(CONNECTIONS=8 BENCH_TOKEN=$token run_wrk -s bench/whoami.lua "$BASE/sessions/whoami")
  echo "| $label | whoami during registrations (-c8) | $a | $b | $c | p99 < 25 ms |" >>"$WORK/rows"
  wait "$load" || true
  local peak
  peak=$(hwm_kb "$PID")
  echo "| $label | RSS idle / peak (MiB) | $((idle / 1024)) / $((peak / 1024)) | | | idle <= 25 MB |" >>"$WORK/rows"
  stop_server
  start_server "$dsn" bcrypt
  flow=$(new_flow)
  read -r a b c < <(run_wrk -s bench/register.lua "$BASE/self-service/registration?flow=$flow")
  echo "| $label | registrations, bcrypt 12 | $a | $b | $c | >= 85% of $BCRYPT_BOUND/s: $(pct "$a" "$BCRYPT_BOUND") |" >>"$WORK/rows"
  stop_server
}

pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f%%", 100 * a / b}'; }
HASH=$(build/bench/src/hash/atrium_hash_bench 10)
ARGON_MS=$(sed -E 's/.*"argon2id_ms_median":([0-9.]+).*/\1/' <<<"$HASH")
BCRYPT_MS=$(sed -E 's/.*"bcrypt12_ms_median":([0-9.]+).*/\1/' <<<"$HASH")
CORES=$(nproc)
ARGON_BOUND=$(awk -v c="$CORES" -v ms="$ARGON_MS" 'BEGIN {printf "%.1f", c * 1000 / ms}')
BCRYPT_BOUND=$(awk -v c="$CORES" -v ms="$BCRYPT_MS" 'BEGIN {printf "%.1f", c * 1000 / ms}')

bench_backend SQLite "sqlite://$WORK/atrium.db"
if [[ "${1:-}" == "--pg" ]]; then
  PG_STARTED=1
  PG_DSN=$(ATRIUM_PG_DIR=$PGDIR ATRIUM_PG_PORT=$((PORT + 2)) tools/pg.sh start)
  bench_backend PostgreSQL "$PG_DSN&max_conns=16"
fi

cat <<TABLE
Machine: $CORES cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo).
Load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s on the same machine. One hash (median of 10,
single thread): argon2id (m=19 MiB, t=2, p=1) ${ARGON_MS} ms, bcrypt cost 12 ${BCRYPT_MS} ms;
hashing bound = cores / time of one hash.

| Store | Benchmark | req/s | p50 ms | p99 ms | Target |
|---|---|---:|---:|---:|---|
$(cat "$WORK/rows")
TABLE

# Sign-up by one-time code through the courier to a real SMTP sink on loopback (Node).
echo
echo "| Sign-up by code (SQLite, bench/code.mjs) | rate |"
echo "|---|---:|"
ATRIUM_BIN=$BIN node bench/code.mjs
