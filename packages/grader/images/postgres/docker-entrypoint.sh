#!/bin/bash
# Initialises the cluster on first start (as the official image does), then execs postgres.
set -euo pipefail
[ "${1:-}" = postgres ] && shift

# Bash as PID 1 ignores SIGTERM/SIGINT without a handler, and a foreground child blocks traps:
# long steps run in the background and are stopped with us, so `docker stop` during initdb is
# quick instead of taking the whole stop timeout.
child=
trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null || true; fi; exit 143' TERM INT
run() { "$@" & child=$!; wait "$child"; child=; }

user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set (as in the official image)}"
  pwfile="$(mktemp)"
  printf '%s' "$POSTGRES_PASSWORD" >"$pwfile"
  run initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  shopt -s nullglob
  scripts=(/docker-entrypoint-initdb.d/*.sql)
  if [ "$db" != postgres ] || [ ${#scripts[@]} -gt 0 ]; then
    run pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/tmp" -w start >/dev/null
    if [ "$db" != postgres ]; then
      run psql -q -v ON_ERROR_STOP=1 -h /tmp -U "$user" -d postgres -c "CREATE DATABASE \"$db\""
    fi
    for script in "${scripts[@]}"; do
      echo "docker-entrypoint.sh: running $script"
      run psql -q -v ON_ERROR_STOP=1 -h /tmp -U "$user" -d "$db" -f "$script"
    done
    run pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  fi
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp "$@"
