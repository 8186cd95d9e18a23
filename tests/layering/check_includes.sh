#!/bin/sh
# The module boundaries of DESIGN.md, checked on the sources:
#  - only proto/ includes protobuf-c or onnx.pb-c.h; only backends/onednn/ includes dnnl.h;
#  - the IR core (graph/ except session.c, run.c, session_internal.h) includes nothing of ops/, proto/ or backends/;
#  - ops/ includes nothing of proto/ or backends/; backends/ never includes proto/;
#  - tools/ and examples/ include only the public header.
cd "$(dirname "$0")/../.." || exit 2
failed=0
violation() { echo "layering: $1"; failed=1; }

for f in $(grep -rlE '#include [<"](protobuf-c/|proto/onnx\.pb-c\.h|onnx\.pb-c\.h)' --include='*.[ch]' . | grep -v '^\./build'); do
    case "$f" in ./proto/*|./tests/unit/test_proto.c|./tests/fuzz/*) ;; *) violation "$f includes protobuf-c outside proto/" ;; esac
done
for f in $(grep -rlE '#include [<"](oneapi/dnnl/)?dnnl' --include='*.[ch]' . | grep -v '^\./build'); do
    case "$f" in ./backends/onednn/*) ;; *) violation "$f includes dnnl.h outside backends/onednn/" ;; esac
done
for f in $(ls graph/*.c graph/*.h graph/passes/*.c 2>/dev/null | grep -vE 'graph/(session\.c|session_internal\.h|run\.c)'); do
    grep -qE '#include "(ops|proto|backends)/' "$f" && violation "$f (IR core) includes ops/, proto/ or backends/"
done
for f in ops/*.c ops/*.h; do
    grep -qE '#include "(proto|backends)/' "$f" && violation "$f (ops) includes proto/ or backends/"
done
for f in $(find backends -name '*.[ch]'); do
    grep -qE '#include "proto/' "$f" && violation "$f (backend) includes proto/"
done
for f in $(find tools examples -name '*.[ch]'); do
    grep -E '#include "' "$f" | grep -vqE '#include "(dnnx\.h|cli\.h|cli_[a-z_]+\.h)"' && violation "$f includes more than dnnx.h"
done
[ $failed -eq 0 ] && echo "layering: ok"
exit $failed
