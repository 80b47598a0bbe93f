#!/usr/bin/env bash
# Wiederherstellung (docs/BETRIEB.md, „Sicherung und Wiederherstellung“):
#   restore.sh DUMP TARGET_DATABASE_URL [OPENDATA_TAR OPENDATA_ROOT]
# spielt DUMP in eine leere Datenbank ein (eine Transaktion: alles oder nichts), als die Rolle aus
# TARGET_DATABASE_URL, die danach Eigentümerin der Tabellen ist; Eigentümer und Rechte der Quelle werden nicht
# übernommen. Danach `manage.py migrate` und `manage.py grant_app_role ROLLE` (das Kommando `migrate` des Images
# tut beides). Mit OPENDATA_TAR werden die veröffentlichten Dateien nach OPENDATA_ROOT zurückgelegt; eine dort
# schon liegende Datei wird nie überschrieben (Abbruch).
set -euo pipefail
[[ $# -eq 2 || $# -eq 4 ]] || { echo "Aufruf: $0 DUMP TARGET_DATABASE_URL [OPENDATA_TAR OPENDATA_ROOT]" >&2; exit 2; }
dump=$1
target=$2

if [[ -f "$dump.sha256" ]]; then
  sha256sum --check --quiet "$dump.sha256"
fi
tables=$(psql "$target" --no-psqlrc --tuples-only --no-align --command \
  "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
if [[ "$tables" != 0 ]]; then
  echo "Die Zieldatenbank ist nicht leer ($tables Tabellen); Wiederherstellung nur in eine leere." >&2
  exit 1
fi
pg_restore --dbname="$target" --no-owner --no-privileges --exit-on-error --single-transaction --no-password "$dump"
echo "Wiederhergestellt: $dump ($(psql "$target" --no-psqlrc -tAc \
  "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()") Tabellen)"

if [[ $# -eq 4 ]]; then
  archive=$3
  opendata_root=$4
  if [[ -f "$archive.sha256" ]]; then
    sha256sum --check --quiet "$archive.sha256"
  fi
  mkdir -p "$opendata_root"
  tar --extract --keep-old-files --file="$archive" --directory="$opendata_root"
  echo "Wiederhergestellt: $(tar --list --file="$archive" | grep -vc '/$') Dateien nach $opendata_root"
fi
