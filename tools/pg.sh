#!/usr/bin/env bash
# A throw-away PostgreSQL 15 server for the tests, on 127.0.0.1 with its own data directory.
#   tools/pg.sh start     initdb (once) and start; prints the DSN
#   tools/pg.sh stop      fast shutdown (the data directory stays, for restarts)
#   tools/pg.sh restart   start again after a stop (fault tests)
#   tools/pg.sh destroy   stop and delete the data directory
# Environment: ATRIUM_PG_DIR (default /tmp/atrium-pg), ATRIUM_PG_PORT (default 55432).
set -euo pipefail
DIR=${ATRIUM_PG_DIR:-/tmp/atrium-pg}
PORT=${ATRIUM_PG_PORT:-55432}
BIN=/usr/lib/postgresql/15/bin
as_postgres() {
  if [[ $(id -un) == postgres ]]; then "$@"; else su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; fi
}

start() {
  if [[ ! -f "$DIR/PG_VERSION" ]]; then
    mkdir -p "$DIR"
    chown postgres:postgres "$DIR"
    as_postgres "$BIN/initdb" -D "$DIR" -A trust -U postgres >/dev/null
  fi
  if ! as_postgres "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
    as_postgres "$BIN/pg_ctl" -D "$DIR" -l "$DIR/log" -w \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null
  fi
  echo "postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"
}

case "${1:-start}" in
  start|restart) start ;;
  stop) as_postgres "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null 2>&1 || true ;;
  destroy)
    as_postgres "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
  *) echo "usage: $0 start|stop|restart|destroy" >&2; exit 2 ;;
esac
