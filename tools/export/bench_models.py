"""Export BERT-base, GPT-2-small and ViT-base sized models (random weights) for benchmarking.

Run with the project venv (tools/setup-venv.sh):
    .venv/bin/python tools/export/bench_models.py [--out build-bench-models] [--only bert_base,...]

The architectures are those of tools/export/tiny_models.py (imported, not copied) at the sizes of
the published base models, with random weights from a fixed seed, exported by PyTorch's
TorchScript exporter at opset 17 with dynamic batch (and sequence) axes into
OUT/<name>/model.onnx. The default OUT, build-bench-models/, is git-ignored (/build*/): these
files are hundreds of MB each and are never committed. Each export is checked against PyTorch
with ONNX Runtime on one small input before it is kept. Benchmark them with tools/bench/vs_ort.py.
"""

import argparse
import functools
import os
import sys
import time

import numpy as np
import onnx
import onnxruntime
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tiny_models  # noqa: E402  (a sibling script, not an installed package)
from tiny_models import SEED, BertTiny, GPT2Tiny, ViTTiny, export_to_bytes  # noqa: E402

OPSET = 17
# Random-weight base-size models accumulate more rounding than the tiny ones.
EXPORT_ATOL = 1e-3

BERT_BASE = dict(vocab=30522, hidden=768, heads=12, layers=12, intermediate=3072, max_positions=512, type_vocab=2)
GPT2_SMALL = dict(vocab=50257, hidden=768, heads=12, layers=12, intermediate=3072, max_positions=1024)
VIT_BASE = dict(image=224, patch=16, channels=3, hidden=768, heads=12, layers=12, intermediate=3072)


def tiny_spec(name):
    return next(spec for spec in tiny_models.SPECS if spec.name == name)


def vit_base_inputs(rng, batch, _seq):
    return [rng.standard_normal((batch, 3, VIT_BASE["image"], VIT_BASE["image"])).astype(np.float32)]


# The tiny models' specs (input/output names, dynamic axes, input makers) with base sizes.
BENCH_SPECS = [
    tiny_spec("bert_tiny")._replace(
        name="bert_base",
        make=functools.partial(BertTiny, **BERT_BASE),
        description="BERT-base-size encoder: " + ", ".join(f"{k} {v}" for k, v in BERT_BASE.items()),
    ),
    tiny_spec("gpt2_tiny")._replace(
        name="gpt2_small",
        make=functools.partial(GPT2Tiny, **GPT2_SMALL),
        description="GPT-2-small-size causal decoder: " + ", ".join(f"{k} {v}" for k, v in GPT2_SMALL.items()),
    ),
    tiny_spec("vit_tiny")._replace(
        name="vit_base",
        make=functools.partial(ViTTiny, **VIT_BASE),
        inputs=vit_base_inputs,
        description="ViT-base-size encoder: " + ", ".join(f"{k} {v}" for k, v in VIT_BASE.items()),
    ),
]


def check_with_ort(model, onnx_path, spec):
    """Max abs difference between PyTorch and ONNX Runtime on one small input (batch 1, seq 8)."""
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = onnxruntime.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
    inputs = spec.inputs(np.random.default_rng(SEED + 1), 1, 8)
    ort_outputs = session.run(spec.output_names, dict(zip(spec.input_names, inputs)))
    with torch.no_grad():
        torch_outputs = model(*(torch.from_numpy(a) for a in inputs))
    if isinstance(torch_outputs, torch.Tensor):
        torch_outputs = (torch_outputs,)
    return max(float(np.max(np.abs(o - t.numpy()))) for o, t in zip(ort_outputs, torch_outputs))


def export(spec, out_dir):
    start = time.monotonic()
    torch.manual_seed(SEED)
    model = spec.make().eval()
    parameters = sum(p.numel() for p in model.parameters())
    # Traced at batch 2, sequence 5 as tiny_models does, so no test size is baked in as a constant.
    example = spec.inputs(np.random.default_rng(SEED), 2, 5)
    onnx_bytes = export_to_bytes(model, example, spec, OPSET)
    onnx_model = onnx.load_from_string(onnx_bytes)
    onnx.checker.check_model(onnx_model)
    model_dir = os.path.join(out_dir, spec.name)
    os.makedirs(model_dir, exist_ok=True)
    path = os.path.join(model_dir, "model.onnx")
    with open(path + ".tmp", "wb") as f:
        f.write(onnx_bytes)
    diff = check_with_ort(model, path + ".tmp", spec)
    if not diff <= EXPORT_ATOL:
        os.remove(path + ".tmp")
        sys.exit(f"{spec.name}: ONNX Runtime differs from PyTorch by {diff}")
    os.replace(path + ".tmp", path)
    dims = {
        i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in onnx_model.graph.input
    }
    print(
        f"{path}: {parameters / 1e6:.1f}M parameters, {len(onnx_bytes) / 2**20:.0f} MiB, "
        f"{len(onnx_model.graph.node)} nodes, inputs {dims}, PyTorch vs ORT max abs diff {diff:.2e}, "
        f"{time.monotonic() - start:.0f} s"
    )
    print(f"  {spec.description}")


def main():
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(root, "build-bench-models"), help="output directory")
    parser.add_argument("--only", help="comma-separated names: " + ",".join(s.name for s in BENCH_SPECS))
    args = parser.parse_args()
    wanted = args.only.split(",") if args.only else [s.name for s in BENCH_SPECS]
    unknown = set(wanted) - {s.name for s in BENCH_SPECS}
    if unknown:
        parser.error(f"unknown model(s): {', '.join(sorted(unknown))}")
    os.makedirs(args.out, exist_ok=True)
    for spec in BENCH_SPECS:
        if spec.name in wanted:
            with torch.no_grad():
                export(spec, args.out)


if __name__ == "__main__":
    main()
