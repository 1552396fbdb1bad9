#!/usr/bin/env bash
# Builds the release binary, starts it with a throw-away data directory, loads it with wrk on the
# same machine, and prints markdown tables (docs/benchmarks.md).
#
#   bench/run.sh          SQLite (embedded default)
#   bench/run.sh --pg     SQLite, then PostgreSQL 15 (a throw-away server from tools/pg.sh)
#   DURATION=20 CONNECTIONS=64 PREFILL=100000 REG_ROUNDS=5 bench/run.sh
#
# PREFILL: flow writes made before the registration rows (default one million), so that the
# registrations run against a database that has seen real traffic (WAL, checkpoints, page cache).
# REG_ROUNDS: runs of each argon2id registration row (default 3), each against the mean of the
# bounds measured right before and right after it, reported as the median: on a shared 2-core
# machine one 10 s run moves by up to ten points of a bound taken a few minutes earlier.
# Server and load generator share the machine: on a 2-core box both compete for the CPU, so
# the figures are a lower bound for a dedicated server.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup-deps.sh --test >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DATRIUM_BUILD_TESTS=OFF \
  -DATRIUM_BUILD_BENCH=ON >/dev/null
cmake --build build/bench --target atrium_hash_bench atrium_beast_reference >/dev/null

# ATRIUM_BIN: measure another build (an older commit's release binary) with the same script.
BIN=${ATRIUM_BIN:-$PWD/build/release/src/atrium}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
PORT=${PORT:-14433}
PREFILL=${PREFILL:-1000000}
REG_ROUNDS=${REG_ROUNDS:-3}
((REG_ROUNDS >= 1 && REG_ROUNDS % 2 == 1)) || { echo "REG_ROUNDS must be odd (a median run)" >&2; exit 2; }
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
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
# CPU time (clock ticks, utime + stime) used so far by the tasks whose /proc stat files are
# given; a task that has gone meanwhile counts 0.
stat_ticks() { awk '{t += $14 + $15} END {print t + 0}' "$@" /dev/null 2>/dev/null; }
# ... by the PostgreSQL server's processes on this machine.
db_ticks() {
  local p stats=()
  for p in $(pgrep -x postgres); do stats+=("/proc/$p/stat"); done
  stat_ticks "${stats[@]}"
}
# CPU time so far, in clock ticks: "<the server's hashing threads> <the database> <the machine
# busy> <the machine in all>". The hashing threads are the server's threads named atrium-hash
# (NameThisThread); the machine's ticks come from /proc/stat (every core, user + system + irq).
cpu_ticks() {
  local t stats=()
  for t in /proc/"$PID"/task/*; do
    [[ $(cat "$t/comm" 2>/dev/null) == atrium-hash ]] && stats+=("$t/stat")
  done
  echo "$(stat_ticks "${stats[@]}") $(db_ticks) $(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat)"
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
# Prints "<successful req/s> <p50 ms> <p99 ms>" from wrk's output: only 2xx answers count (a
# refused or failed request is cheap and would inflate the rate); the latencies are wrk's.
run_wrk() {
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" 2>>"$WORK/wrk.err")
  echo "$out" >>"$WORK/wrk.log"
  echo "$(awk '/requests in/ {n = $1; s = $4; sub(/s,$/, "", s)} /Non-2xx/ {bad = $5}
               END {printf "%.2f", (n - bad) / s}' <<<"$out") \
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
# One load generator, one address: the per-address connection cap would refuse -c128.
atrium: {limits: {max_connections_per_ip: 4096}}
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

# The HTTP layer against the reference: a minimal Beast server (bench/reference), then
# /health/alive, one right after the other in the same run.
bench_http() {
  local ref ref_pid a b c
  build/bench/bench/reference/atrium_beast_reference $((PORT + 3)) >"$WORK/ref.port" &
  ref_pid=$!
  sleep 0.5
  read -r ref b c < <(run_wrk "http://127.0.0.1:$((PORT + 3))/health/alive")
  kill "$ref_pid"
  wait "$ref_pid" 2>/dev/null || true
  echo "| - | minimal Beast server (reference) | $ref | $b | $c | |" >>"$WORK/rows"
  start_server "sqlite://$WORK/http.db" argon2
  read -r a b c < <(run_wrk "$BASE/health/alive")
  echo "| SQLite | /health/alive | $a | $b | $c | >= 70% of the reference: $(pct "$a" "$ref") |" >>"$WORK/rows"
  stop_server
  rm -f "$WORK"/http.db*
}

# Flow writes until the database has seen $PREFILL of them (the flow-init rows count too).
prefill() {
  local written=$1 left
  left=$((PREFILL - written))
  while ((left > 0)); do
    local out n
    out=$(wrk -t1 -c32 -d10s -H 'Accept: application/json' "$BASE/self-service/registration/api" 2>&1)
    n=$(awk '/requests in/ {print $1}' <<<"$out")
    written=$((written + n))
    left=$((PREFILL - written))
  done
  echo "$written"
}
# Waits until the hashing pool is idle. A wrk run that stops leaves up to one request per
# connection in flight; the server still hashes them, which would delay the next row's first
# requests (after a -c128 row: 1.5 s of the next 10 s run).
drain() {
  local i seen
  for ((i = 0; i < 300; i++)); do
    seen=$(curl -s --max-time 2 "http://127.0.0.1:$((PORT + 1))/metrics/prometheus" |
      awk '/^atrium_hash_pool_(queue_length|busy_threads) / {n++; s += $2} END {print n + 0, s + 0}')
    [[ ${seen%% *} == 2 ]] || { echo "drain: no hashing pool gauges on /metrics/prometheus" >&2; return; }
    [[ ${seen##* } == 0 ]] && return
    sleep 0.1
  done
  echo "drain: the hashing pool was still busy after 30 s" >&2
}
wrk_count() { awk '/requests in/ {print $1}' "$WORK/wrk.log" | tail -1; }

# One backend: flow init, GET flow, whoami, registrations (argon2id at 8/32/128 connections
# after PREFILL flow writes, bcrypt), sign-ins, whoami under registration load, RSS. Appends
# table rows to $WORK/rows.
bench_backend() {
  local label=$1 dsn=$2
  start_server "$dsn" argon2
  sleep 1
  local idle flow token written
  idle=$(rss_kb "$PID")
  flow=$(new_flow)
  token=$(curl -s -H 'Content-Type: application/json' \
    -d '{"method":"password","password":"l3f9toh1uaf81n21-bench","traits":{"email":"token@example.com"}}' \
    "$BASE/self-service/registration?flow=$flow" | sed -E 's/^\{"session_token":"([^"]+)".*/\1/')
  read -r a b c < <(run_wrk -H 'Accept: application/json' "$BASE/self-service/registration/api")
  echo "| $label | API flow init | $a | $b | $c | >= $3 req/s |" >>"$WORK/rows"
  written=$(wrk_count)
  read -r a b c < <(run_wrk -H 'Accept: application/json' "$BASE/self-service/registration/flows?id=$flow")
  echo "| $label | GET flow | $a | $b | $c | >= $4 req/s |" >>"$WORK/rows"
  read -r a b c < <(BENCH_TOKEN=$token run_wrk -s bench/whoami.lua "$BASE/sessions/whoami")
  echo "| $label | whoami | $a | $b | $c | >= $5 req/s |" >>"$WORK/rows"
  written=$(prefill "$written")
  echo "| $label | (flow writes before the rows below) | $written | | | |" >>"$WORK/rows"
  # REG_ROUNDS runs of each row, the rows interleaved so that a slow minute of the machine does
  # not fall on one row only. The machine's speed drifts by several per cent within minutes, so
  # each run is compared with the mean of the bounds measured right before and right after it
  # (the bound after one run is the bound before the next). Each row shows its median run (by
  # rate/bound) and lists every run as rate/bound.
  # bounds: "<hashes/s> <the workers' share of the cores>" of each measurement, in order.
  local -a run_conns=() run_figures=() bounds=()
  local round conns k
  for ((round = 1; round <= REG_ROUNDS; round++)); do
    for conns in 8 32 128; do
      local before split
      drain
      measure_bound 3
      bounds+=("$ARGON_BOUND $ARGON_SHARE")
      before=$(cpu_ticks)
      read -r a b c < <(CONNECTIONS=$conns run_wrk -s bench/register.lua "$BASE/self-service/registration?flow=$flow")
      # Where the cores' time went during the run: shares of the hashing threads, of a database
      # server on the same machine (which takes its CPU from the hashing threads; the run against
      # the bound net of it is printed too) and of nothing (idle). Unlike rate/bound, these do not
      # move with the machine's speed.
      split=$(awk -v b="$before" -v e="$(cpu_ticks)" 'BEGIN {split(b, x); split(e, y); t = y[4] - x[4];
        printf "%.3f %.3f %.3f", (y[2] - x[2]) / t, (y[1] - x[1]) / t, 1 - (y[3] - x[3]) / t}')
      run_conns+=("$conns")
      run_figures+=("$a $b $c $split")
    done
  done
  drain
  measure_bound 3
  bounds+=("$ARGON_BOUND $ARGON_SHARE")
  local -A runs
  local pg=""
  [[ $label == PostgreSQL ]] && pg=1
  for k in "${!run_conns[@]}"; do
    local bound bound_share
    read -r bound bound_share < <(awk -v x="${bounds[k]}" -v y="${bounds[k + 1]}" \
      'BEGIN {split(x, b); split(y, a); printf "%.1f %.3f\n", (b[1] + a[1]) / 2, (b[2] + a[2]) / 2}')
    read -r a b c db hash spare <<<"${run_figures[k]}"
    runs[${run_conns[k]}]+="$(awk -v a="$a" -v b="$bound" 'BEGIN {printf "%.4f", a / b}') $a $b $c $db $bound $hash $spare $bound_share"$'\n'
  done
  for conns in 8 32 128; do
    local r bound db hash spare bound_share net="" all
    # The median run by rate/bound (REG_ROUNDS is odd), and every run as rate/bound with the
    # hashing threads' share of the cores (and the database's on PostgreSQL: an autovacuum or a
    # checkpoint shows there).
    read -r r a b c db bound hash spare bound_share < <(sort -g <<<"${runs[$conns]%$'\n'}" | sed -n "$(((REG_ROUNDS + 1) / 2))p")
    # By shares: each run's hashing share over the share the bound's workers had around it, which
    # does not move with the machine's speed as rate/bound does; the median of the runs.
    local by_shares
    by_shares=$(awk 'NF {printf "%.4f\n", $7 / $9}' <<<"${runs[$conns]}" | sort -g | sed -n "$(((REG_ROUNDS + 1) / 2))p")
    all=$(awk -v pg="$pg" 'NF {printf "%s%s/%s (hash %.1f%%", (n++ ? " / " : ""), $2, $6, 100 * $7;
      if (pg) printf ", db %.0f%%", 100 * $5; printf ")"}' <<<"${runs[$conns]}")
    if [[ -n $pg ]]; then
      net=" (database CPU $(pct "$db" 1) of the cores; $(pct "$r" "$(awk -v d="$db" 'BEGIN {print 1 - d}')") of the bound net of it)"
    fi
    echo "| $label | registrations, argon2id, -c$conns | $a | $b | $c | >= 95% of the bound: $(pct "$r" 1)$net; by shares $(awk -v x="$by_shares" 'BEGIN {printf "%.1f%%", 100 * x}'); hashing threads $(pct "$hash" 1) of the cores (the bound's workers $(pct "$bound_share" 1)), idle $(pct "$spare" 1); median of $REG_ROUNDS runs (rate/bound before and after): $all |" >>"$WORK/rows"
  done
  # Sign-ins of one identity (throttling on, as by default): verify + session + flow update.
  local login
  drain
  measure_bound 3
  login=$(curl -s "$BASE/self-service/login/api" | sed -E 's/^\{"id":"([^"]+)".*/\1/')
  read -r a b c < <(BENCH_IDENTIFIER=token@example.com BENCH_PASSWORD=l3f9toh1uaf81n21-bench \
    run_wrk -s bench/login.lua "$BASE/self-service/login?flow=$login")
  echo "| $label | sign-ins, argon2id | $a | $b | $c | >= 95% of $ARGON_BOUND/s: $(pct "$a" "$ARGON_BOUND") |" >>"$WORK/rows"
  # whoami while registrations saturate the hashing pool.
  wrk -t1 -c16 -d"$((DURATION + 2))s" -s bench/register.lua \
    "$BASE/self-service/registration?flow=$flow" >/dev/null 2>&1 &
  local load=$!
  sleep 1
  read -r a b c < <(CONNECTIONS=8 BENCH_TOKEN=$token run_wrk -s bench/whoami.lua "$BASE/sessions/whoami")
  echo "| $label | whoami during registrations (-c8) | $a | $b | $c | p99 < 10 ms |" >>"$WORK/rows"
  wait "$load" || true
  local peak
  peak=$(hwm_kb "$PID")
  echo "| $label | RSS idle / peak (MiB) | $(mib "$idle") / $(mib "$peak") | | | idle <= 15 MiB |" >>"$WORK/rows"
  stop_server
  start_server "$dsn" bcrypt
  flow=$(new_flow)
  read -r a b c < <(run_wrk -s bench/register.lua "$BASE/self-service/registration?flow=$flow")
  echo "| $label | registrations, bcrypt 12 | $a | $b | $c | >= 95% of $BCRYPT_BOUND/s: $(pct "$a" "$BCRYPT_BOUND") |" >>"$WORK/rows"
  stop_server
}

pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f%%", 100 * a / b}'; }
# The hashing bound: the pool's throughput with every worker busy (src/hash/hash_bench.cc),
# measured at the start and again around each registration run ($1: rounds, default 7).
field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/" <<<"$HASH"; }
measure_bound() {
  HASH=$(build/bench/src/hash/atrium_hash_bench "${1:-7}")
  ARGON_BOUND=$(field argon2id_per_second)
  ARGON_SHARE=$(field argon2id_share)
  BCRYPT_BOUND=$(field bcrypt12_per_second)
  echo "$HASH" >>"$WORK/bounds"
}
CORES=$(nproc)
measure_bound

bench_http
bench_backend SQLite "sqlite://$WORK/atrium.db" 15,000 25,000 40,000
if [[ "${1:-}" == "--pg" ]]; then
  # The SQLite part leaves a database of a million flows whose pages the kernel has not all
  # written yet; deleted, they are dropped instead of being written back while PostgreSQL is
  # measured.
  rm -f "$WORK"/atrium.db "$WORK"/atrium.db-wal "$WORK"/atrium.db-shm
  PG_STARTED=1
  PG_DSN=$(ATRIUM_PG_DIR=$PGDIR ATRIUM_PG_PORT=$((PORT + 2)) tools/pg.sh start)
  bench_backend PostgreSQL "$PG_DSN&max_conns=16" 10,000 15,000 20,000
fi

cat <<TABLE
Machine: $CORES cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo).
Load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s on the same machine unless the row says otherwise.
Hashing bound: the pool's throughput in hashes/s, $CORES workers all busy, median of rounds
(argon2id m=19 MiB, t=2, p=1; bcrypt cost 12; "_single" = one hash alone on an idle thread, ms).
Measured at the start (7 rounds), and before and after each argon2id registration run (3 rounds);
each run is compared with the mean of the two measurements around it:
$(cat "$WORK/bounds")

| Store | Benchmark | req/s | p50 ms | p99 ms | Target |
|---|---|---:|---:|---:|---|
$(cat "$WORK/rows")
TABLE

# Sign-up by one-time code through the courier to a real SMTP sink on loopback (Node).
echo
echo "| Sign-up by code (SQLite, bench/code.mjs) | rate |"
echo "|---|---:|"
ATRIUM_BIN=$BIN node bench/code.mjs
