#!/bin/sh
# Runs `dnnx run MODEL ARGS...` from a bad-corpus case directory and passes only if dnnx
# exits 1 (not a crash, not 0) with exactly one stderr line containing FRAGMENT.
# usage: expect_error.sh DNNX CASE_DIR FRAGMENT [ARGS...]
# Environment: DNNX_BAD_WRAPPER runs dnnx under a tool, e.g.
#   DNNX_BAD_WRAPPER='valgrind --error-exitcode=9 -q --leak-check=full --errors-for-leak-kinds=all'
# (a finding makes dnnx exit 9, which fails the case); DNNX_BAD_VMEM_KB caps the virtual memory
# (ulimit -v) so a huge allocation fails the case instead of swapping the machine.
dnnx=$1 dir=$2 fragment=$3
shift 3
cd "$dir" || exit 2
[ -z "$DNNX_BAD_VMEM_KB" ] || ulimit -v "$DNNX_BAD_VMEM_KB" || exit 2
stderr=$(timeout 300 $DNNX_BAD_WRAPPER "$dnnx" run model.onnx "$@" 2>&1 >/dev/null)
status=$?
echo "exit $status: $stderr"
[ "$status" -eq 1 ] || { echo "FAIL: expected exit 1"; exit 1; }
[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || { echo "FAIL: expected one error line"; exit 1; }
case "$stderr" in
"dnnx: error: "*"$fragment"*) exit 0 ;;
*) echo "FAIL: error does not mention '$fragment'"; exit 1 ;;
esac
