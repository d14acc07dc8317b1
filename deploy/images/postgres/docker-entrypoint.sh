#!/usr/bin/env bash
# Entrypoint of the postgres stand-in (deploy/images/postgres/Dockerfile), written for Emporium to
# the official image's documented contract:
#   POSTGRES_PASSWORD          the superuser's password; required to initialise, unless
#                              POSTGRES_HOST_AUTH_METHOD=trust
#   POSTGRES_USER              the superuser (default postgres)
#   POSTGRES_DB                a database created at initialisation (default: POSTGRES_USER)
#   POSTGRES_INITDB_ARGS       extra initdb arguments
#   POSTGRES_HOST_AUTH_METHOD  pg_hba method for connections from other hosts (default scram-sha-256)
#   PGDATA                     the data directory (default /var/lib/postgresql/data)
# On an empty data directory: initdb, then a temporary server listening on the Unix socket only
# runs /docker-entrypoint-initdb.d/*.sh (executable ones run, others are sourced), *.sql and
# *.sql.gz in name order, then stops; only then does the real server start and listen on TCP.
# Started as root, it drops to the postgres user.
set -Eeuo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA
export POSTGRES_USER="${POSTGRES_USER:-postgres}"
export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"

log() { printf '%s [entrypoint] %s\n' "$(date -u +'%Y-%m-%d %H:%M:%S UTC')" "$*"; }

# `docker run image -c shared_buffers=256MB`: options for postgres.
if [[ ${1:-} == -* ]]; then
  set -- postgres "$@"
fi

if [[ ${1:-} != postgres ]]; then
  exec "$@"
fi

if [[ $(id -u) == 0 ]]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 3777 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

# Run as another user (docker run --user): that user must own the data directory.
mkdir -p "$PGDATA"
chmod 700 "$PGDATA" 2>/dev/null || true

run_init_files() {
  local file
  for file in /docker-entrypoint-initdb.d/*; do
    [[ -e $file ]] || continue
    case $file in
      *.sh)
        if [[ -x $file ]]; then
          log "running $file"
          "$file"
        else
          log "sourcing $file"
          # shellcheck disable=SC1090
          . "$file"
        fi
        ;;
      *.sql)
        log "running $file"
        psql "${psql_args[@]}" --dbname="$POSTGRES_DB" -f "$file"
        ;;
      *.sql.gz)
        log "running $file"
        gunzip -c "$file" | psql "${psql_args[@]}" --dbname="$POSTGRES_DB"
        ;;
      *) log "ignoring $file" ;;
    esac
  done
}

if [[ ! -s $PGDATA/PG_VERSION ]]; then
  host_auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [[ -z ${POSTGRES_PASSWORD:-} && $host_auth != trust ]]; then
    cat >&2 <<'MESSAGE'
Error: the database is not initialised and POSTGRES_PASSWORD is not set.
       Set POSTGRES_PASSWORD to a non-empty value for the superuser, or set
       POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without a password
       (not recommended).
MESSAGE
    exit 1
  fi

  log "initialising the database cluster in $PGDATA"
  initdb_args=(--username="$POSTGRES_USER" -D "$PGDATA")
  password_file=
  if [[ -n ${POSTGRES_PASSWORD:-} ]]; then
    password_file=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
    initdb_args+=(--pwfile="$password_file")
  fi
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments, split on purpose.
  initdb "${initdb_args[@]}" ${POSTGRES_INITDB_ARGS:-}
  [[ -z $password_file ]] || rm -f "$password_file"
  # Local connections stay trusted (initdb's default), others need the password.
  printf '\nhost all all all %s\n' "$host_auth" >>"$PGDATA/pg_hba.conf"

  # The temporary server: no TCP at all while the init files run.
  PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
  psql_args=(--no-psqlrc --set=ON_ERROR_STOP=1 --username="$POSTGRES_USER" --no-password)
  if [[ $POSTGRES_DB != postgres ]]; then
    psql "${psql_args[@]}" --dbname=postgres --set=db="$POSTGRES_DB" <<<'create database :"db";'
  fi
  run_init_files
  PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -m fast -w stop
  log 'initialisation done; starting the server'
else
  log "$PGDATA holds a database cluster: skipping initialisation"
fi

exec "$@"
