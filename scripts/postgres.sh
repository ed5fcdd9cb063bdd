#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, from Debian's `postgresql`
# package (installed with apt when missing).
#
#   scripts/postgres.sh [start] [DIR]   # start a cluster in DIR (default: a new
#                                       # mktemp dir); the last stdout line is
#                                       # its URL, postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/postgres.sh url DIR         # print the URL of the cluster in DIR
#   scripts/postgres.sh stop DIR        # stop it and delete DIR
#
# The cluster listens on 127.0.0.1 only, on a free port, with trust
# authentication (no password), its socket in DIR. initdb refuses to run as
# root, so as root the cluster belongs to the `postgres` user that the
# package creates. Starting an already running cluster in DIR only prints
# its URL again. Everything but the URL goes to stderr.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 2; }

MARKER=.plimsoll-postgres

find_bindir() {
  local d
  # Newest major version first.
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5 -n -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

ensure_postgres() {
  if ! BINDIR=$(find_bindir); then
    [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
    log "installing Debian's postgresql with apt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q postgresql >&2
    BINDIR=$(find_bindir) || die "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"
  fi
}

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

url_of() {
  echo "postgres://postgres@127.0.0.1:$(cat "$1/port")/postgres"
}

running() {
  [ -f "$1/data/postmaster.pid" ] && as_owner "$BINDIR/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

start() {
  local dir=${1:-}
  ensure_postgres
  if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/plimsoll-postgres.XXXXXX")
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/$MARKER" ] && [ -f "$dir/port" ] && running "$dir"; then
    log "already running in $dir"
    url_of "$dir"
    return 0
  fi
  if [ -e "$dir/data" ] && [ ! -f "$dir/$MARKER" ]; then
    die "$dir/data exists but was not made by this script; give an empty directory"
  fi
  touch "$dir/$MARKER"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' user to own the cluster (the postgresql package creates it)"
    chown postgres: "$dir"
    as_owner test -w "$dir" \
      || die "the postgres user cannot write $dir (a parent directory is closed to it); use a directory under /tmp"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    rm -rf "$dir/data"
    log "initdb in $dir/data ($("$BINDIR/initdb" --version))"
    as_owner "$BINDIR/initdb" -D "$dir/data" -U postgres --auth=trust \
      --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  fi
  local port try
  for try in 1 2 3 4 5; do
    port=$(free_port)
    echo "$port" >"$dir/port"
    if as_owner "$BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
         -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=200" \
         start >&2; then
      log "running in $dir on 127.0.0.1:$port (stop: scripts/postgres.sh stop $dir)"
      url_of "$dir"
      return 0
    fi
    log "start on port $port failed (attempt $try); server log:"
    tail -n 20 "$dir/server.log" >&2 || true
  done
  die "could not start PostgreSQL in $dir"
}

stop() {
  local dir=${1:-}
  [ -n "$dir" ] || die "usage: scripts/postgres.sh stop DIR"
  [ -d "$dir" ] || { log "$dir does not exist: nothing to stop"; return 0; }
  [ -f "$dir/$MARKER" ] || die "$dir was not made by scripts/postgres.sh; not touching it"
  ensure_postgres
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$BINDIR/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2 || log "pg_ctl stop failed"
  fi
  rm -rf "$dir"
  log "stopped and removed $dir"
}

case "${1:-start}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  url)
    if [ -z "${2:-}" ] || [ ! -f "$2/port" ]; then
      die "usage: scripts/postgres.sh url DIR (of a started cluster)"
    fi
    url_of "$2"
    ;;
  -h|--help) sed -n '2,15p' "$0" ;;
  *)
    # `scripts/postgres.sh DIR` starts in DIR.
    start "$1"
    ;;
esac
