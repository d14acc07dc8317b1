#!/usr/bin/env bash
# Creates one database and one owner role per Emporium service, each with its own password, so
# that a service can reach its own database and no other. Run once by the postgres image's
# entrypoint (mounted into /docker-entrypoint-initdb.d/) on an empty data directory.
#
#   EMPORIUM_DATABASES   service names, space-separated (e.g. "account catalog order")
#   <NAME>_DB_PASSWORD   the password of each, e.g. ACCOUNT_DB_PASSWORD
#
# The role and the database are both named after the service. Connection settings come from the
# usual libpq variables (PGHOST, PGPORT, PGUSER...), which the image's entrypoint provides; the
# deploy tests run this same script against their own PostgreSQL.
set -euo pipefail

: "${EMPORIUM_DATABASES:?list the service databases to create}"

for name in ${EMPORIUM_DATABASES}; do
  if [[ ! "${name}" =~ ^[a-z_][a-z0-9_]*$ ]]; then
    echo "init-databases: '${name}' is not a plain lower-case identifier" >&2
    exit 1
  fi
  password_variable="$(tr '[:lower:]' '[:upper:]' <<<"${name}")_DB_PASSWORD"
  password="${!password_variable:-}"
  if [[ -z "${password}" ]]; then
    echo "init-databases: ${password_variable} is not set" >&2
    exit 1
  fi
  # psql variables (:"name", :'password') quote the identifier and the literal, so no value is
  # ever spliced into SQL text by the shell.
  psql --no-psqlrc --set=ON_ERROR_STOP=1 --username="${POSTGRES_USER:-${PGUSER:-postgres}}" --dbname=postgres \
    --set=name="${name}" --set=password="${password}" <<'SQL'
create role :"name" login password :'password';
create database :"name" owner :"name";
-- Only the owner (and superusers) may connect: another service's role cannot even open it.
revoke all on database :"name" from public;
SQL
  # No grant on schema public is needed: since PostgreSQL 15 it belongs to pg_database_owner, so the
  # database's owner creates its tables there, and before 15 everyone could.
  echo "init-databases: created database and role ${name}"
done
