#!/usr/bin/env bash
# Makes Debian's Chromium available for the browser tests (Playwright drives /usr/bin/chromium; it cannot
# download a browser of its own here). Installs it through apt when missing and we are root.
# Exit 0 when Chromium is there. Without it: exit 1 when REQUIRE_BROWSER=1 (CI), else a notice and exit 0,
# and the browser tests are skipped with a visible reason.
set -u
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium fehlt: installiere das Debian-Paket 'chromium' …"
  { apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium; } >/dev/null 2>&1 \
    || echo "apt-get konnte Chromium nicht installieren."
fi
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "${REQUIRE_BROWSER:-0}" = "1" ]; then
  echo "FEHLER: $CHROMIUM fehlt, die Browser-Tests sind hier Pflicht (REQUIRE_BROWSER=1)." >&2
  exit 1
fi
echo "HINWEIS: $CHROMIUM fehlt – die Browser-Tests werden übersprungen (alle anderen laufen)."
exit 0
