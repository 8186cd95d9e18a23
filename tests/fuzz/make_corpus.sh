#!/bin/sh
# Builds the seed corpora of the fuzz harnesses under OUT_DIR (nothing here is committed):
#   OUT_DIR/fuzz_load    the test models, the malformed models of tests/bad, tests/fuzz/seeds, the ONNX node-test models
#   OUT_DIR/fuzz_run     the same models, plus copies with a fill-bytes trailer (see fuzz_run.c)
#   OUT_DIR/fuzz_tensor  TensorProto files of the test models and node tests, and small .npy files
# and OUT_DIR/fuzz_*.dict, the dictionary for each harness.
# Usage: make_corpus.sh OUT_DIR   (NODE_STEP=N takes every N-th node test; NODE_DIR overrides their location)
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
out=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
node_dir=${NODE_DIR:-/usr/include/onnx/backend/test/data/node}
node_step=${NODE_STEP:-1}

mkdir -p "$out/fuzz_load" "$out/fuzz_run" "$out/fuzz_tensor"

# One byte as a printf octal escape.
octal_byte() { printf '\\%03o' "$(($1 & 255))"; }

# Writes MODEL followed by up to 256 bytes of FILL_FILE and the trailer [len u16 LE][flags][0xA5].
with_trailer() {
    model=$1 fill_file=$2 flags=$3 dest=$4
    fill_len=$(wc -c <"$fill_file")
    [ "$fill_len" -gt 256 ] && fill_len=256
    {
        cat "$model"
        head -c "$fill_len" "$fill_file"
        printf "$(octal_byte "$fill_len")$(octal_byte $((fill_len >> 8)))$(octal_byte "$flags")\\245"
    } >"$dest"
}

# Copies one model into the corpora under NAME; fuzz_run also gets copies with fill bytes
# from its first test input, or from FILL_FILE if given.
add_model() {
    model=$1 name=$2 input=${3:-}
    [ -f "$model" ] || return 0
    cp "$model" "$out/fuzz_load/$name.onnx"
    cp "$model" "$out/fuzz_run/$name.onnx"
    [ -n "$input" ] || input=$(ls "$(dirname "$model")"/test_data_set_0/input_0.pb 2>/dev/null || true)
    if [ -n "$input" ]; then
        # flags 0x08: small finite values; 0x0a: the same with symbolic dims of 1.
        with_trailer "$model" "$input" 8 "$out/fuzz_run/$name.small.onnx"
        with_trailer "$model" "$input" 10 "$out/fuzz_run/$name.small1.onnx"
        with_trailer "$model" "$input" 0 "$out/fuzz_run/$name.raw.onnx"
    fi
}

for model in "$root"/tests/models/*/model.onnx "$root"/tests/bad/*/model.onnx; do
    [ -f "$model" ] || continue
    dir=$(dirname "$model")
    add_model "$model" "$(basename "$(dirname "$dir")")-$(basename "$dir")"
    for pb in "$dir"/test_data_set_*/*.pb; do
        [ -f "$pb" ] || continue
        set_dir=$(dirname "$pb")
        cp "$pb" "$out/fuzz_tensor/$(basename "$dir")-$(basename "$set_dir")-$(basename "$pb")"
    done
done

# Models for ops the node tests lack (made by make_seeds.py); their fill bytes are their own.
for model in "$here"/seeds/*.onnx; do
    [ -f "$model" ] && add_model "$model" "seed-$(basename "$model" .onnx)" "$model"
done

i=0
for dir in "$node_dir"/test_*; do
    i=$((i + 1))
    [ $((i % node_step)) -eq 0 ] || continue
    name=node-$(basename "$dir")
    add_model "$dir/model.onnx" "$name"
    # Tensor seeds: the first set's files, skipping big ones (they slow every mutation).
    for pb in "$dir"/test_data_set_0/*.pb; do
        [ -f "$pb" ] || continue
        [ "$(wc -c <"$pb")" -le 16384 ] || continue
        cp "$pb" "$out/fuzz_tensor/$name-$(basename "$pb")"
    done
done

# .npy seeds: HEADER_DICT padded to a 64-byte preamble, then DATA_BYTES bytes of data.
npy() {
    name=$1 version=$2 dict=$3 data_bytes=$4
    dest="$out/fuzz_tensor/$name.npy"
    len_bytes=2
    [ "$version" -ge 2 ] && len_bytes=4
    preamble=$((6 + 2 + len_bytes))
    body_len=$((${#dict} + 1))
    total=$(((preamble + body_len + 63) / 64 * 64))
    pad=$((total - preamble - body_len))
    header_len=$((total - preamble))
    {
        printf '\223NUMPY'
        printf "$(octal_byte "$version")\\000"
        printf "$(octal_byte "$header_len")$(octal_byte $((header_len >> 8)))"
        [ "$len_bytes" -eq 4 ] && printf '\000\000'
        printf '%s' "$dict"
        printf "%${pad}s\\n" ""
        head -c "$data_bytes" "$root/include/dnnx.h"
    } >"$dest"
}
npy f4_2x3 1 "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" 24
npy f8_vec 1 "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }" 32
npy f2_vec 1 "{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }" 6
npy i8_scalar 1 "{'descr': '<i8', 'fortran_order': False, 'shape': (), }" 8
npy i4_3d 1 "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2, 2), }" 16
npy u1_empty 1 "{'descr': '|u1', 'fortran_order': False, 'shape': (0, 5), }" 0
npy b1_vec 1 "{'descr': '|b1', 'fortran_order': False, 'shape': (5,), }" 5
npy i1_v2 2 "{'descr': '|i1', 'fortran_order': False, 'shape': (4,), }" 4
npy u8_v3 3 "{'descr': '<u8', 'fortran_order': False, 'shape': (2,), }" 16
npy f4_fortran 1 "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }" 16
npy f4_big_endian 1 "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }" 8
npy f4_short 1 "{'descr': '<f4', 'fortran_order': False, 'shape': (100,), }" 12
for file in /usr/lib/python3/dist-packages/numpy/lib/tests/data/*.npy; do
    [ -f "$file" ] && cp "$file" "$out/fuzz_tensor/numpy-$(basename "$file")"
done

cat "$here/onnx.dict" >"$out/fuzz_load.dict"
cat "$here/onnx.dict" >"$out/fuzz_run.dict"
cat "$here/onnx.dict" "$here/npy.dict" >"$out/fuzz_tensor.dict"

for harness in fuzz_load fuzz_run fuzz_tensor; do
    echo "make_corpus: $harness: $(ls "$out/$harness" | wc -l) seeds"
done
