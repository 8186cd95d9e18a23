#!/bin/sh
# The standard dnnx vs ONNX Runtime comparison on base-size Transformers (tools/bench/vs_ort.py).
#
#   tools/bench/suite.sh [--dnnx build/bin/dnnx] [--models build-bench-models] [--log DIR] [--quick]
#
# Exports the models with tools/export/bench_models.py when they are missing, then runs
# BERT-base (batch 1 and 8, sequence 128, threads 1 and 2), GPT-2-small (batch 1, sequence 128)
# and ViT-base (batch 1, 224x224) at 1 thread, printing each report and saving it to DIR
# (default build-bench-logs/<date>/). --quick uses 5 timed runs after 1 warm-up in each of 3 rounds,
# enough for the reference kernels (seconds per run); the default is 30 runs after 10 warm-ups.
# Extra arguments after -- go to every vs_ort.py call (e.g. -- --fpmath bf16).
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
python=$root/.venv/bin/python
dnnx=$root/build/bin/dnnx
models=$root/build-bench-models
log=$root/build-bench-logs/$(date +%Y%m%d-%H%M%S)
runs="-n 30 --warmup 10 --rounds 3"

while [ $# -gt 0 ]; do
    case $1 in
    --dnnx) dnnx=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --quick) runs="-n 5 --warmup 1 --rounds 3"; shift ;;
    --) shift; break ;;
    -h | --help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "suite: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

[ -x "$python" ] || { echo "suite: no venv at $root/.venv: run tools/setup-venv.sh" >&2; exit 1; }
[ -x "$dnnx" ] || { echo "suite: no dnnx binary at $dnnx: build it or pass --dnnx" >&2; exit 1; }
for model in bert_base gpt2_small vit_base; do
    [ -f "$models/$model/model.onnx" ] || "$python" "$root/tools/export/bench_models.py" --out "$models" --only "$model"
done
mkdir -p "$log"

bench() {
    name=$1
    shift
    echo "== $name: vs_ort.py $* $runs"
    # shellcheck disable=SC2086  # $runs is a list of options
    if "$python" "$root/tools/bench/vs_ort.py" "$@" $runs --dnnx "$dnnx" --json >"$log/$name.txt"; then
        grep -v '^{' "$log/$name.txt"
    else
        echo "suite: $name failed" >&2
        failed=$((failed + 1))
    fi
    echo
}
failed=0

bert=$models/bert_base/model.onnx
bench bert_b1_t1 "$bert" --shape batch=1 --shape sequence=128 --threads 1 "$@"
bench bert_b1_t2 "$bert" --shape batch=1 --shape sequence=128 --threads 2 "$@"
bench bert_b8_t1 "$bert" --shape batch=8 --shape sequence=128 --threads 1 "$@"
bench bert_b8_t2 "$bert" --shape batch=8 --shape sequence=128 --threads 2 "$@"
bench gpt2_b1_t1 "$models/gpt2_small/model.onnx" --shape batch=1 --shape sequence=128 --threads 1 "$@"
bench vit_b1_t1 "$models/vit_base/model.onnx" --shape batch=1 --threads 1 "$@"
echo "reports (the last line of each is the JSON result): $log"
[ "$failed" -eq 0 ]
