#!/usr/bin/env bash
# Makes the image's base from Debian's packages where no container registry is reachable: a minimal Debian
# bookworm (mmdebstrap --variant=minbase) with ca-certificates and Python 3.11, imported into buildah's storage
# as $BASE_TAG. The tarball is cached in $BASE_CACHE_DIR and made again after $BASE_MAX_AGE_DAYS days, so that a
# rerun is fast and the base still takes Debian's security updates.
set -euo pipefail

BASE_TAG=${BASE_TAG:-localhost/itvsh-portal-base:bookworm}
BASE_CACHE_DIR=${BASE_CACHE_DIR:-/var/cache/itvsh-portal}
BASE_MAX_AGE_DAYS=${BASE_MAX_AGE_DAYS:-7}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
tarball="$BASE_CACHE_DIR/debian-bookworm-minbase-python3.tar"

mkdir -p "$BASE_CACHE_DIR"
if [[ -f "$tarball" && -z "$(find "$tarball" -mtime +"$BASE_MAX_AGE_DAYS")" ]]; then
  echo "base: cached $tarball"
else
  echo "base: mmdebstrap --variant=minbase bookworm (ca-certificates, python3, python3-venv)"
  # No documentation, manual pages or locales in the image, but every package's copyright file.
  # merged-usr: /bin, /lib, /sbin as links into /usr (as in Debian's own images) without the usrmerge package and
  # the Perl it needs.
  mmdebstrap --variant=minbase --format=tar --include=ca-certificates,python3,python3-venv \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*.log' \
    bookworm "$tarball.tmp" \
    "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" "deb $SECURITY_MIRROR bookworm-security main"
  mv "$tarball.tmp" "$tarball"
  buildah rmi "$BASE_TAG" >/dev/null 2>&1 || true
fi

if buildah inspect --type image "$BASE_TAG" >/dev/null 2>&1 \
   && [[ "$(buildah inspect --type image --format '{{index .ImageAnnotations "itvsh.base.tarball-mtime"}}' "$BASE_TAG")" \
         == "$(stat -c %Y "$tarball")" ]]; then
  echo "base: $BASE_TAG is up to date"
  exit 0
fi
echo "base: importing into $BASE_TAG"
ctr=$(buildah from scratch)
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
buildah add --quiet "$ctr" "$tarball" /
buildah config --env LANG=C.UTF-8 --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --cmd /bin/bash --annotation "itvsh.base.tarball-mtime=$(stat -c %Y "$tarball")" "$ctr"
buildah commit --quiet --rm "$ctr" "$BASE_TAG" >/dev/null
trap - EXIT
echo "base: $BASE_TAG ($(buildah inspect --type image --format '{{.FromImageID}}' "$BASE_TAG" | cut -c1-12))"
