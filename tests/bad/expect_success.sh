#!/bin/sh
# Runs `dnnx compare MODEL test_data_set_0 ARGS...` from a valid-case directory of the bad
# corpus (odd but valid ONNX: empty tensors, inf/nan, unknown fields) and passes only if every
# output matches the expected one and nothing is written to stderr.
# usage: expect_success.sh DNNX CASE_DIR [ARGS...]
# Environment: DNNX_BAD_WRAPPER and DNNX_BAD_VMEM_KB as for expect_error.sh.
dnnx=$1 dir=$2
shift 2
cd "$dir" || exit 2
[ -z "$DNNX_BAD_VMEM_KB" ] || ulimit -v "$DNNX_BAD_VMEM_KB" || exit 2
errors=$(mktemp) || exit 2
stdout=$(timeout 300 $DNNX_BAD_WRAPPER "$dnnx" compare model.onnx test_data_set_0 "$@" 2>"$errors")
status=$?
stderr=$(cat "$errors")
rm -f "$errors"
echo "exit $status:"
printf '%s\n' "$stdout" "$stderr"
[ "$status" -eq 0 ] || { echo "FAIL: expected exit 0"; exit 1; }
[ -z "$stderr" ] || { echo "FAIL: expected nothing on stderr"; exit 1; }
case "$stdout" in
*FAIL*) echo "FAIL: an output differs"; exit 1 ;;
*PASS*) exit 0 ;;
*) echo "FAIL: no output was compared"; exit 1 ;;
esac
