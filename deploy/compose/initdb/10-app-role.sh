#!/bin/sh
# First start of the PostgreSQL container only: the login role the portal connects as. It owns nothing; the
# migrate service grants it its rights (manage.py grant_app_role).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set app_password="$PORTAL_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE portal_app LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
SQL
