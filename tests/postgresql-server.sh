#!/usr/bin/env bash
# A PostgreSQL server on loopback with an empty test database, for `make test`: installs
# Debian's postgresql when missing (as root), starts the cluster, creates the role and database.
# Safe to run again; prints the SQLAlchemy URL for INYETT_DATABASE_URL and nothing else
# on standard output: the tools below talk to stderr (pg_ctlcluster, for one, reports
# "Removed stale pid file." after an unclean stop), so their words cannot end up in the URL.
set -euo pipefail
{
ROLE=inyett_test
DATABASE=inyett_test
PORT=${INYETT_TEST_POSTGRES_PORT:-5432}

if ! compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster --port "$PORT" "$version" main >/dev/null
fi
if ! pg_lsclusters -h | grep -q "^$version main .* online"; then
  pg_ctlcluster "$version" main start
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')

as_postgres() { su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -qtAc \"$1\""; }
if [ -z "$(as_postgres "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" ]; then
  as_postgres "CREATE ROLE $ROLE LOGIN PASSWORD '$ROLE'"
fi
if [ -z "$(as_postgres "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" ]; then
  as_postgres "CREATE DATABASE $DATABASE OWNER $ROLE"
fi
} >&2
echo "postgresql+psycopg://$ROLE:$ROLE@127.0.0.1:$port/$DATABASE"
