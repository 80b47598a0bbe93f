#!/usr/bin/env bash
# Prüft eine Wiederherstellung: dieselben Tabellen und in jeder genau dieselbe Zahl von Zeilen (count(*)).
#   compare-row-counts.sh SOURCE_DATABASE_URL TARGET_DATABASE_URL
set -euo pipefail
[[ $# -eq 2 ]] || { echo "Aufruf: $0 SOURCE_DATABASE_URL TARGET_DATABASE_URL" >&2; exit 2; }

counts() {
  # One line per table: name and exact row count (a query per table, built in the database).
  psql "$1" --no-psqlrc --tuples-only --no-align --field-separator ' ' --set ON_ERROR_STOP=1 <<'SQL'
SELECT format('SELECT %L, count(*) FROM %I.%I', tablename, schemaname, tablename)
FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename
\gexec
SQL
}
source_counts=$(counts "$1")
target_counts=$(counts "$2")
if [[ "$source_counts" != "$target_counts" ]]; then
  echo "Zeilenzahlen weichen ab (Quelle < > Ziel):" >&2
  diff <(echo "$source_counts") <(echo "$target_counts") >&2 || true
  exit 1
fi
tables=$(echo "$source_counts" | wc -l)
rows=$(echo "$source_counts" | awk '{ sum += $2 } END { print sum }')
echo "Zeilenzahlen gleich: $tables Tabellen, $rows Zeilen"
