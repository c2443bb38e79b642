#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for the store tests.
#
#   scripts/postgres.sh start [DIR]   initdb + start on a free localhost port;
#                                     prints the URL (line 1) and DIR (line 2)
#   scripts/postgres.sh stop DIR      stops the server and removes DIR
#
# DIR defaults to a fresh mktemp folder. The server runs as the invoking user,
# or as 'postgres' when invoked as root (initdb refuses root). Trust
# authentication on 127.0.0.1 only; nothing survives 'stop'.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  local dir=${1:-}
  if [[ -z $dir ]]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/tabpilot-pg.XXXXXX"); fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [[ -x $PGBIN/initdb ]] || { echo "postgres.sh: no PostgreSQL 15 at $PGBIN (run scripts/setup.sh)" >&2; exit 1; }
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
  as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  local port attempt
  for attempt in 1 2 3 4 5 6 7 8; do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    port_in_use "$port" && continue
    # fsync off: the data is thrown away, and tests should not wait on the disk.
    if as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50" start \
        >>"$dir/pg_ctl.log" 2>&1; then
      as_owner "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres tabpilot
      local url="postgresql://postgres@127.0.0.1:$port/tabpilot"
      echo "$url" >"$dir/url"
      echo "$url"
      echo "$dir"
      return 0
    fi
  done
  cat "$dir/pg_ctl.log" "$dir/server.log" >&2 || true
  echo "postgres.sh: could not start PostgreSQL" >&2
  exit 1
}

stop() {
  local dir=${1:?usage: postgres.sh stop DIR}
  if [[ -f $dir/data/postmaster.pid ]]; then
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case ${1:-} in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start [DIR] | stop DIR" >&2; exit 2 ;;
esac
