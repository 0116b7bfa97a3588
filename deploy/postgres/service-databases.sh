#!/bin/sh
# PostgreSQL's first start (docker-entrypoint-initdb.d, as the superuser of POSTGRES_USER): a role
# per service, owning its database and nothing else. Each role logs in with the password of its
# Secret (USER_SERVICE_DB_PASSWORD, INVENTORY_SERVICE_DB_PASSWORD), has no SUPERUSER, CREATEDB,
# CREATEROLE, REPLICATION or BYPASSRLS, and CONNECT on every database is revoked from PUBLIC, so
# no role reaches another service's database (nor the admin's). The services apply their own
# migrations as these roles. Idempotent: run it again (psql as the superuser) to reset passwords.
set -eu

: "${USER_SERVICE_DB_PASSWORD:?the password of role user_service (Secret user-service-postgres)}"
: "${INVENTORY_SERVICE_DB_PASSWORD:?the password of role inventory_service (Secret inventory-service-postgres)}"

admin_db="${POSTGRES_DB:-$POSTGRES_USER}"

# role, database, password: psql quotes them (:"identifier", :'literal'), whatever they hold.
service_database() {
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$admin_db" \
    -v role="$1" -v db="$2" -v password="$3" <<'SQL'
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
ALTER DATABASE :"db" OWNER TO :"role";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
}

service_database user_service users "$USER_SERVICE_DB_PASSWORD"
service_database inventory_service inventory "$INVENTORY_SERVICE_DB_PASSWORD"

# The shared databases: the superuser's only.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$admin_db" -v admin_db="$admin_db" <<'SQL'
REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE :"admin_db" FROM PUBLIC;
SQL
