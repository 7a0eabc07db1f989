#!/usr/bin/env bash
# Installs uv's binary into a folder from uv's wheel on PyPI, checked against the wheel's sha256 before
# anything is unpacked: the first step of the Cloud Build pipelines (cloudbuild.yaml,
# cloudbuild-eval.yaml), where uv was an image pinned by tag alone. The version is the Makefile's
# UV_VERSION (a test holds them equal); to move uv, change both, with the wheel's address and sha256
# from https://pypi.org/simple/uv/ (the manylinux x86_64 wheel; Cloud Build runs on x86_64).
# Needs bash, curl, sha256sum and python3 (the google-cloud-cli image has them).
#   tools/install_uv.sh <folder> [wheel-url sha256]   (the last two only for the tests)
set -euo pipefail
UV_VERSION=0.13.8
UV_WHEEL_URL="https://files.pythonhosted.org/packages/c5/32/52ee34636aea1ab3f8baeeae1c3599461b8cddfb379862cc72ac61b8d91c/uv-${UV_VERSION}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
UV_WHEEL_SHA256=e18a57b8b352eb7c8feb317b9f6f533c8f0ad9673fd6cf34bbe3cf1a9f6a8984

dest=${1:?usage: tools/install_uv.sh <folder> [wheel-url sha256]}
url=${2:-$UV_WHEEL_URL}
sum=${3:-$UV_WHEEL_SHA256}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
curl -fsSL --retry 3 -o "$tmp/uv.whl" "$url"
if ! echo "$sum  $tmp/uv.whl" | sha256sum -c --status -; then
  echo "ERROR: uv's wheel from $url does not have the pinned sha256: nothing installed" >&2
  exit 1
fi
mkdir -p "$dest"
python3 - "$tmp/uv.whl" "$dest" <<'PY'
import os, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    names = [n for n in archive.namelist() if n.endswith(".data/scripts/uv")]
    if len(names) != 1:
        sys.exit("ERROR: uv's wheel holds no single .data/scripts/uv")
    target = os.path.join(dest, "uv")
    with archive.open(names[0]) as source, open(target, "wb") as out:
        out.write(source.read())
os.chmod(target, 0o755)
PY
