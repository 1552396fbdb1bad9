#!/usr/bin/env bash
# Registrations/s with the breach check off, and on with its service unreachable:
#   hang  - a local port that accepts and never answers (bench/blackhole.py hang)
#   drop  - a local port whose SYNs go unanswered, as towards an unroutable host
#           (bench/blackhole.py drop; no packet leaves the machine)
#
# One run starts three servers (off, hang, drop), each with a fresh SQLite database, and loads
# one at a time with wrk:
#   cold    the first DURATION seconds of each server: includes the range calls that wait for
#           the budget (2 s) before the breaker opens;
#   steady  then SLICES rounds of SLICE seconds per server, interleaved (off, hang, drop, off,
#           ...), so that other jobs on a shared machine weigh on all three alike.
# Prints each run and a markdown table of the medians over RUNS runs.
#
#   bench/breach.sh
#   RUNS=5 SLICES=6 bench/breach.sh
#   ATRIUM_BIN=/path/to/other/atrium bench/breach.sh     (compare another build; no build step)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${ATRIUM_BIN:-}" ]]; then
  cmake --preset release >/dev/null
  cmake --build --preset release -j2 >/dev/null
fi

BIN=${ATRIUM_BIN:-$PWD/build/release/src/atrium}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
SLICE=${SLICE:-5}
SLICES=${SLICES:-4}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-14533}
HANG_PORT=$((PORT + 10))
DROP_PORT=$((PORT + 11))
SCENARIOS=(off hang drop)
WORK=$(mktemp -d)
PIDS=()
declare -A SERVER PORTOF LOG
cleanup() {
  for p in "${SERVER[@]}" "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

python3 bench/blackhole.py hang "$HANG_PORT" & PIDS+=($!)
python3 bench/blackhole.py drop "$DROP_PORT" & PIDS+=($!)
sleep 0.5

start_server() {
  local name=$1 port=$2 check=$3 host=$4 dir
  dir=$(mktemp -d -p "$WORK")
  cat >"$dir/identity.schema.json" <<'JSON'
{"type": "object", "properties": {"traits": {"type": "object", "required": ["email"],
 "properties": {"email": {"type": "string", "format": "email", "title": "E-Mail",
  "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}}}}}
JSON
  cat >"$dir/atrium.yml" <<YAML
serve:
  public: {host: 127.0.0.1, port: $port, base_url: "http://127.0.0.1:$port/"}
  admin: {host: 127.0.0.1, port: $((port + 1))}
dsn: "sqlite://$dir/atrium.db"
identity: {schemas: [{id: default, url: "file://$dir/identity.schema.json"}]}
log: {level: info}
secrets: {cookie: ["bench-cookie-secret-0123456789"]}
selfservice:
  default_browser_return_url: http://127.0.0.1:4455/
  flows:
    registration:
      style: unified
      after: {password: {hooks: [{hook: session}]}}
  methods:
    password: {config: {haveibeenpwned_enabled: $check, haveibeenpwned_host: "$host"}}
YAML
  (cd "$dir" && "$BIN" migrate -c atrium.yml >/dev/null)
  (cd "$dir" && exec "$BIN" serve -c atrium.yml >"$dir/server.log" 2>&1) &
  SERVER[$name]=$!
  PORTOF[$name]=$port
  LOG[$name]=$dir/server.log
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && return 0
    sleep 0.05
  done
  echo "server $name did not start" >&2
  cat "$dir/server.log" >&2
  exit 1
}
stop_servers() {
  for name in "${!SERVER[@]}"; do
    kill "${SERVER[$name]}"
    wait "${SERVER[$name]}" 2>/dev/null || true
  done
  SERVER=()
}
# "<registrations> <seconds>" of one wrk run against a server (a generous --timeout: a request
# that waits for the budget must count as slow, not as a socket error).
load() {
  local name=$1 seconds=$2 base flow out
  base="http://127.0.0.1:${PORTOF[$name]}"
  flow=$(curl -s "$base/self-service/registration/api" | sed -E 's/^\{"id":"([^"]+)".*/\1/')
  out=$(wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" --timeout 15s -s bench/register.lua \
    "$base/self-service/registration?flow=$flow" 2>>"$WORK/wrk.err")
  echo "$out" >>"$WORK/wrk.log"
  echo "$(awk '/requests in/ {print $1}' <<<"$out") $seconds"
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.1f", n / s}'; }
median() { xargs -n1 | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f%%", 100 * a / b}'; }

declare -A COLD STEADY
for run in $(seq "$RUNS"); do
  start_server off "$PORT" false "api.pwnedpasswords.com"
  start_server hang $((PORT + 2)) true "http://127.0.0.1:$HANG_PORT"
  start_server drop $((PORT + 4)) true "http://127.0.0.1:$DROP_PORT"
  declare -A done_n=() done_s=()
  line="run $run:"
  for name in "${SCENARIOS[@]}"; do
    read -r n s < <(load "$name" "$DURATION")
    COLD[$name]="${COLD[$name]:-} $(rate "$n" "$s")"
    line+=" $name cold $(rate "$n" "$s")"
  done
  for _ in $(seq "$SLICES"); do
    for name in "${SCENARIOS[@]}"; do
      read -r n s < <(load "$name" "$SLICE")
      done_n[$name]=$((${done_n[$name]:-0} + n))
      done_s[$name]=$((${done_s[$name]:-0} + s))
    done
  done
  for name in "${SCENARIOS[@]}"; do
    STEADY[$name]="${STEADY[$name]:-} $(rate "${done_n[$name]}" "${done_s[$name]}")"
    line+=" | $name steady $(rate "${done_n[$name]}" "${done_s[$name]}")"
  done
  for name in hang drop; do
    grep -q "circuit breaker open" "${LOG[$name]}" ||
      echo "warning: the breaker did not open in scenario $name" >&2
  done
  echo "$line reg/s" >&2
  stop_servers
done

declare -A M
for name in "${SCENARIOS[@]}"; do
  M[cold_$name]=$(echo "${COLD[$name]}" | median)
  M[steady_$name]=$(echo "${STEADY[$name]}" | median)
done
cat <<TABLE
Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo).
Load: wrk -t1 -c$CONNECTIONS --timeout 15s -s bench/register.lua on the same machine, argon2id
(m=19 MiB, t=2, p=1), fresh SQLite databases per run; cold = first ${DURATION} s after start,
steady = ${SLICES} interleaved slices of ${SLICE} s; median of $RUNS runs.

| Breach check | cold (reg/s) | vs off | steady (reg/s) | vs off |
|---|---:|---:|---:|---:|
| off | ${M[cold_off]} | | ${M[steady_off]} | |
| on, service accepts and never answers | ${M[cold_hang]} | $(pct "${M[cold_hang]}" "${M[cold_off]}") | ${M[steady_hang]} | $(pct "${M[steady_hang]}" "${M[steady_off]}") |
| on, SYNs unanswered (unroutable host) | ${M[cold_drop]} | $(pct "${M[cold_drop]}" "${M[cold_off]}") | ${M[steady_drop]} | $(pct "${M[steady_drop]}" "${M[steady_off]}") |
TABLE
