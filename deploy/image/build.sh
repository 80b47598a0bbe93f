#!/usr/bin/env bash
# `make image`: builds the portal's OCI image with buildah (Containerfile). Where BASE_IMAGE is not given and the
# default base (docker.io/library/debian:bookworm-slim) cannot be pulled, because no registry is reachable, the
# base is made from Debian's packages first (deploy/image/make-base.sh).
#   IMAGE       tag of the result (default localhost/itvsh-portal:latest)
#   BASE_IMAGE  base image; "mmdebstrap" forces the local base
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=${IMAGE:-localhost/itvsh-portal:latest}
DEFAULT_BASE=docker.io/library/debian:bookworm-slim
LOCAL_BASE=localhost/itvsh-portal-base:bookworm
BASE_IMAGE=${BASE_IMAGE:-}

command -v buildah >/dev/null || { echo "buildah fehlt (Debian: apt-get install buildah)" >&2; exit 1; }

if [[ -z "$BASE_IMAGE" ]]; then
  if buildah inspect --type image "$DEFAULT_BASE" >/dev/null 2>&1; then
    BASE_IMAGE=$DEFAULT_BASE
  elif buildah inspect --type image "$LOCAL_BASE" >/dev/null 2>&1 || [[ -n "${NO_REGISTRY:-}" ]]; then
    BASE_IMAGE=mmdebstrap
  elif timeout 60 buildah pull --quiet "$DEFAULT_BASE" >/dev/null 2>&1; then
    BASE_IMAGE=$DEFAULT_BASE
  else
    echo "image: $DEFAULT_BASE not reachable, making the base with mmdebstrap"
    BASE_IMAGE=mmdebstrap
  fi
fi
if [[ "$BASE_IMAGE" == mmdebstrap ]]; then
  command -v mmdebstrap >/dev/null || { echo "mmdebstrap fehlt (Debian: apt-get install mmdebstrap)" >&2; exit 1; }
  deploy/image/make-base.sh
  BASE_IMAGE=$LOCAL_BASE
fi

version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n 1)
revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
args=(--isolation chroot --layers --pull=false -f Containerfile -t "$IMAGE"
      --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "VERSION=$version" --build-arg "REVISION=$revision")
# The host's CA bundle, for pip behind a TLS-inspecting proxy: a build secret, never stored in a layer.
for bundle in "${PIP_CERT:-}" /etc/ssl/certs/ca-certificates.crt; do
  if [[ -n "$bundle" && -s "$bundle" ]]; then args+=(--secret "id=cacert,src=$bundle"); break; fi
done

echo "image: buildah build $IMAGE (base $BASE_IMAGE, $version, $revision)"
start=$(date +%s)
buildah build "${args[@]}" .
echo "image: $IMAGE built in $(( $(date +%s) - start )) s, $(buildah images --format '{{.Size}}' "$IMAGE" | head -n 1)"
