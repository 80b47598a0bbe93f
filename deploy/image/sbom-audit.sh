#!/usr/bin/env bash
# The Python dependencies exactly as the image ships them: a CycloneDX SBOM (JSON, with licences) and pip-audit.
#   deploy/image/sbom-audit.sh IMAGE OUTDIR
# Tools: cyclonedx-py and pip-audit in $TOOLS_VENV (.ci/run installs them). Known vulnerabilities fail (exit 1)
# unless deploy/pip-audit-exceptions.txt lists their id with a date and a reason. Dependencies the vulnerability
# service could not look up are named loudly; with PIP_AUDIT_STRICT=1 they fail too.
set -euo pipefail
image=$1
out=$2
TOOLS_VENV=${TOOLS_VENV:-/var/cache/itvsh-portal/tools}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"

ctr=$(buildah from --pull=false "$image")
cleanup() { buildah umount "$ctr" >/dev/null 2>&1 || true; buildah rm "$ctr" >/dev/null 2>&1 || true; rm -rf "$shim"; }
shim=$(mktemp -d)
trap cleanup EXIT
mnt=$(buildah mount "$ctr")
site="$mnt/opt/venv/lib/python3.11/site-packages"
[[ -d "$site" ]] || { echo "sbom: $site fehlt im Image" >&2; exit 1; }

# An interpreter of the host that sees only the image's site-packages (cyclonedx-py reads their metadata).
python3 -m venv --without-pip "$shim"
echo "$site" > "$("$shim/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/image.pth"
"$shim/bin/python" -c "import importlib.metadata as m
print('\n'.join(sorted(f'{d.metadata[\"Name\"]}=={d.version}' for d in m.distributions(path=['$site']))))" \
  > "$out/requirements-image.txt"
"$TOOLS_VENV/bin/cyclonedx-py" environment --pyproject "$root/pyproject.toml" --of JSON --output-reproducible \
  --validate -o "$out/sbom-python.cdx.json" "$shim"
echo "sbom: $out/sbom-python.cdx.json ($(wc -l < "$out/requirements-image.txt") Pakete)"

ignore=()
while read -r id date reason; do
  [[ -z "$id" || "$id" == \#* ]] && continue
  [[ "$date" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ && -n "$reason" ]] || { echo "Ausnahme ohne Datum/Grund: $id" >&2; exit 1; }
  ignore+=(--ignore-vuln "$id")
done < "$root/deploy/pip-audit-exceptions.txt"

status=0
"$TOOLS_VENV/bin/pip-audit" --requirement "$out/requirements-image.txt" --no-deps --disable-pip \
  --progress-spinner off --format json --output "$out/pip-audit.json" "${ignore[@]}" 2> "$out/pip-audit.log" || status=$?
python3 - "$out/pip-audit.json" "$status" <<'PY'
import json, os, sys
report = json.load(open(sys.argv[1]))
deps = report.get("dependencies", [])
vulnerable = [d for d in deps if d.get("vulns")]
skipped = [d for d in deps if d.get("skip_reason")]
for d in vulnerable:
    for v in d["vulns"]:
        print(f"pip-audit: VERWUNDBAR {d['name']} {d['version']}: {v['id']} (behoben in {', '.join(v.get('fix_versions') or ['-'])})")
audited = len(deps) - len(skipped)
print(f"pip-audit: {audited} von {len(deps)} Paketen geprüft, {len(vulnerable)} mit bekannten Schwachstellen")
if skipped:
    print(f"pip-audit: WARNUNG: {len(skipped)} Pakete NICHT GEPRÜFT, der Dienst kannte sie nicht "
          f"(z. B. {skipped[0]['name']}: {skipped[0]['skip_reason']})")
if vulnerable:
    sys.exit(1)
if skipped and os.environ.get("PIP_AUDIT_STRICT") == "1":
    sys.exit(1)
if int(sys.argv[2]) not in (0, 1):
    sys.exit(int(sys.argv[2]))
PY
