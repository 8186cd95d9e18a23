#!/bin/sh
# Creates the project-local Python venv (.venv) used by tools/export and tools/bench.
#
#   tools/setup-venv.sh           light: Debian's python3-torch 1.13 + pinned onnx, onnxruntime, numpy from PyPI
#   tools/setup-venv.sh --full    torch, transformers, tensorflow-cpu, tf2onnx from PyPI (several GB of CUDA wheels)
#   tools/setup-venv.sh --tf      a separate venv (.venv-tf) with transformers 4.x's TensorFlow classes and tf2onnx
#   tools/setup-venv.sh --force   rebuild the venv even if it is up to date
#
# Idempotent: prints nothing and exits 0 when the venv already matches the pinned requirements.
# DNNX_VENV overrides the venv location (default: <repo>/.venv, <repo>/.venv-tf for --tf).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
# Always Debian's interpreter: Debian's torch is built for it, and the python3 on PATH may be another one.
python=/usr/bin/python3
mode=light
force=0

usage() {
    sed -n '2,11s/^# \{0,1\}//p' "$0"
}

for arg in "$@"; do
    case $arg in
    --full) mode=full ;;
    --tf) mode=tf ;;
    --force) force=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "setup-venv: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
    esac
done

say() {
    echo "setup-venv: $*"
}

die() {
    echo "setup-venv: $*" >&2
    exit 1
}

# transformers 5 dropped TensorFlow, so the TF exports need transformers 4.x: a venv of their own.
if [ "$mode" = tf ]; then
    venv=${DNNX_VENV:-$root/.venv-tf}
else
    venv=${DNNX_VENV:-$root/.venv}
fi

requirements() {
    echo "$root/tools/requirements-$1.txt"
}

# The stamp records the mode and a hash of the requirements it was built from.
stamp_for() {
    echo "$1 $(sha256sum "$(requirements "$1")" | cut -d' ' -f1)"
}

debian_packages_present() {
    for package in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
        [ "$status" = "install ok installed" ] || return 1
    done
}

install_debian_packages() {
    debian_packages_present "$@" && return 0
    command -v apt-get >/dev/null 2>&1 || die "need the Debian packages: $* (no apt-get here)"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "need root or sudo to install: $*"
        sudo=sudo
    fi
    say "installing Debian packages: $*"
    export DEBIAN_FRONTEND=noninteractive
    log=$(mktemp)
    # A fresh machine may have no package lists yet; update only when the first attempt fails.
    if ! $sudo apt-get install -y -q --no-install-recommends "$@" >"$log" 2>&1; then
        if ! { $sudo apt-get update -q && $sudo apt-get install -y -q --no-install-recommends "$@"; } >"$log" 2>&1; then
            cat "$log" >&2
            rm -f "$log"
            die "could not install the Debian packages: $*"
        fi
    fi
    rm -f "$log"
}

# What a mode needs from Debian: the venv module always; in light mode also Debian's torch.
debian_needs() {
    if [ "$1" = light ]; then
        echo python3-venv python3-torch
    else
        echo python3-venv
    fi
}

# A full venv also serves a light request: it has every package the light one has.
up_to_date() {
    [ -x "$venv/bin/python" ] && [ -f "$venv/.dnnx-setup" ] || return 1
    have=$(cat "$venv/.dnnx-setup")
    # shellcheck disable=SC2046
    if [ "$have" = "$(stamp_for "$mode")" ]; then
        debian_packages_present $(debian_needs "$mode")
    elif [ "$mode" = light ] && [ "$have" = "$(stamp_for full)" ]; then
        debian_packages_present $(debian_needs full)
    else
        return 1
    fi
}

[ -x "$python" ] || die "$python not found (install Debian's python3)"
[ $force -eq 1 ] || ! up_to_date || exit 0

# shellcheck disable=SC2046
install_debian_packages $(debian_needs "$mode")

if [ -d "$venv" ]; then
    say "rebuilding $venv ($mode)"
    rm -rf "$venv"
else
    say "creating $venv ($mode)"
fi
if [ "$mode" = light ]; then
    "$python" -m venv --system-site-packages "$venv"
else
    "$python" -m venv "$venv"
fi

"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$(requirements "$mode")"

if [ "$mode" = light ]; then
    check="import numpy, onnx, onnxruntime, torch
assert numpy.__version__.startswith('1.'), numpy.__version__
assert torch.__version__.startswith('1.13'), torch.__version__"
elif [ "$mode" = full ]; then
    check="import numpy, onnx, onnxruntime, torch, transformers, tensorflow, tf2onnx"
else
    check="import numpy, onnx, onnxruntime, tensorflow, tf2onnx, transformers
transformers.TFBertModel, transformers.TFGPT2LMHeadModel"
fi
log=$(mktemp)
if ! TF_CPP_MIN_LOG_LEVEL=2 "$venv/bin/python" -c "$check" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    die "the new venv cannot import its packages; see the error above"
fi
rm -f "$log"

stamp_for "$mode" >"$venv/.dnnx-setup"
if [ "$mode" = tf ]; then
    TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" -c "import numpy, onnx, onnxruntime, tensorflow, transformers
print('setup-venv: ready:', '$venv', 'tensorflow', tensorflow.__version__, 'transformers', transformers.__version__,
      'onnx', onnx.__version__, 'onnxruntime', onnxruntime.__version__, 'numpy', numpy.__version__)"
else
    "$venv/bin/python" -c "import numpy, onnx, onnxruntime, torch
print('setup-venv: ready: torch', torch.__version__, 'onnx', onnx.__version__,
      'onnxruntime', onnxruntime.__version__, 'numpy', numpy.__version__)"
fi
