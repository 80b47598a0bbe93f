#!/usr/bin/env bash
# Sicherung des Portals (docs/BETRIEB.md, „Sicherung und Wiederherstellung“):
#   backup.sh DATABASE_URL BACKUP_DIR [OPENDATA_ROOT]
# schreibt BACKUP_DIR/portal-<Zeit>.dump (pg_dump, Custom-Format, mit Prüfsumme) und, wenn OPENDATA_ROOT angegeben
# ist, BACKUP_DIR/opendata-<Zeit>.tar (die veröffentlichten Monatsstände; unveränderlich, sie müssen überleben).
# DATABASE_URL ist die Rolle, der die Tabellen gehören (oder eine mit Leserecht auf alle). Exit ≠ 0 bei jedem Fehler.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "Aufruf: $0 DATABASE_URL BACKUP_DIR [OPENDATA_ROOT]" >&2; exit 2; }
database_url=$1
backup_dir=$2
opendata_root=${3:-}
stamp=$(date -u +%Y%m%dT%H%M%SZ)

mkdir -p "$backup_dir"
dump="$backup_dir/portal-$stamp.dump"
pg_dump --dbname="$database_url" --format=custom --compress=6 --no-password --file="$dump.part"
mv "$dump.part" "$dump"
sha256sum "$dump" > "$dump.sha256"
echo "Sicherung: $dump ($(du -h "$dump" | cut -f1))"

if [[ -n "$opendata_root" ]]; then
  archive="$backup_dir/opendata-$stamp.tar"
  if [[ -d "$opendata_root" ]]; then
    tar --create --file="$archive.part" --directory="$opendata_root" .
  else
    tar --create --file="$archive.part" --files-from=/dev/null  # noch nichts veröffentlicht
  fi
  mv "$archive.part" "$archive"
  sha256sum "$archive" > "$archive.sha256"
  echo "Sicherung: $archive ($(tar --list --file="$archive" | grep -vc '/$') Dateien)"
fi
