#!/bin/sh
# Runs `dnnx run MODEL ARGS...` from a bad-corpus case directory and passes only if dnnx
# exits 1 (not a crash, not 0) with exactly one stderr line containing FRAGMENT.
# usage: expect_error.sh DNNX CASE_DIR FRAGMENT [ARGS...]
dnnx=$1 dir=$2 fragment=$3
shift 3
cd "$dir" || exit 2
stderr=$(timeout 60 "$dnnx" run model.onnx "$@" 2>&1 >/dev/null)
status=$?
echo "exit $status: $stderr"
[ "$status" -eq 1 ] || { echo "FAIL: expected exit 1"; exit 1; }
[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || { echo "FAIL: expected one error line"; exit 1; }
case "$stderr" in
*"$fragment"*) exit 0 ;;
*) echo "FAIL: error does not mention '$fragment'"; exit 1 ;;
esac
