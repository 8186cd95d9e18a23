#!/bin/sh
# Installs the Debian packages dnnx builds and tests with, if any is missing.
# Idempotent and silent when everything is present; uses sudo only when not root.
set -eu

packages="build-essential cmake pkg-config libprotobuf-c-dev protobuf-c-compiler libonnx-dev libdnnl-dev
libcmocka-dev libonnx-testdata"
[ "${DNNX_WITH_SANITIZER_TOOLS:-0}" = 1 ] && packages="$packages valgrind clang libclang-rt-14-dev"

missing=""
for package in $packages; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "install-deps: missing packages:$missing (run as root or install sudo)" >&2
    exit 1
fi
echo "install-deps: installing$missing" >&2
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends $missing >/dev/null
