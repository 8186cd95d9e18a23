"""Export tiny BERT, GPT-2 and ViT models (plain torch.nn, random weights) with ONNX test data.

Run with the project venv (tools/setup-venv.sh):  .venv/bin/python tools/export/tiny_models.py [--out DIR]

Each model is exported at opset 13 (LayerNorm decomposed into ReduceMean/Sub/Pow/Sqrt/Div) and at
opset 17 (LayerNormalization) with dynamic batch/sequence axes, into DIR/<name>_opset<N>/model.onnx
with test_data_set_0/ and test_data_set_1/ at two different shapes (input_K.pb, output_K.pb: the
layout of the ONNX backend tests; the outputs are ONNX Runtime's). The `tiny` section of DIR/README.md
is rewritten with what each model is, its test shapes, its op histogram and the PyTorch vs ONNX Runtime
difference. Weights and inputs come from fixed seeds, so reruns give the same models and data.
"""

import argparse
import collections
import inspect
import io
import math
import os
import sys
import warnings

import numpy as np
import onnx
import onnxruntime
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_common  # noqa: E402

OPSETS = (13, 17)
SEED = 0


class SelfAttention(nn.Module):
    """BERT/ViT multi-head self-attention written as Hugging Face writes it (view, permute, matmul)."""

    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.head_size = hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.output = nn.Linear(hidden, hidden)

    def split_heads(self, x):
        x = x.view(x.size()[:-1] + (self.heads, self.head_size))
        return x.permute(0, 2, 1, 3)

    def forward(self, x, additive_mask=None):
        q = self.split_heads(self.query(x))
        k = self.split_heads(self.key(x))
        v = self.split_heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size)
        if additive_mask is not None:
            scores = scores + additive_mask
        probs = torch.softmax(scores, dim=-1)
        context = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        context = context.view(context.size()[:-2] + (self.heads * self.head_size,))
        return self.output(context)


class BertLayer(nn.Module):
    """Post-LayerNorm encoder block with an erf GELU feed-forward."""

    def __init__(self, hidden, heads, intermediate):
        super().__init__()
        self.attention = SelfAttention(hidden, heads)
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, intermediate)
        self.gelu = nn.GELU()
        self.output = nn.Linear(intermediate, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x, additive_mask):
        x = self.attention_norm(x + self.attention(x, additive_mask))
        return self.output_norm(x + self.output(self.gelu(self.intermediate(x))))


class BertTiny(nn.Module):
    def __init__(self, vocab=100, hidden=64, heads=4, layers=2, intermediate=128, max_positions=32, type_vocab=2):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden)
        self.position_embeddings = nn.Embedding(max_positions, hidden)
        self.token_type_embeddings = nn.Embedding(type_vocab, hidden)
        self.embedding_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.register_buffer("position_ids", torch.arange(max_positions).unsqueeze(0))
        self.layers = nn.ModuleList(BertLayer(hidden, heads, intermediate) for _ in range(layers))
        self.pooler = nn.Linear(hidden, hidden)

    def forward(self, input_ids, attention_mask, token_type_ids):
        position_ids = self.position_ids[:, : input_ids.size(1)]
        x = self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
        x = self.embedding_norm(x + self.token_type_embeddings(token_type_ids))
        additive_mask = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, additive_mask)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return x, pooled


class Conv1D(nn.Module):
    """GPT-2's transposed linear layer (weight [in, out], addmm), which exports as Gemm."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_in, n_out) * 0.02)
        self.bias = nn.Parameter(torch.randn(n_out) * 0.02)

    def forward(self, x):
        size_out = x.size()[:-1] + (self.weight.size(-1),)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


def new_gelu(x):
    """GPT-2's tanh approximation of GELU."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Attention(nn.Module):
    def __init__(self, hidden, heads, max_positions):
        super().__init__()
        self.heads = heads
        self.head_size = hidden // heads
        self.hidden = hidden
        self.c_attn = Conv1D(hidden, 3 * hidden)
        self.c_proj = Conv1D(hidden, hidden)
        causal = torch.tril(torch.ones(max_positions, max_positions, dtype=torch.bool))
        self.register_buffer("bias", causal.view(1, 1, max_positions, max_positions))

    def split_heads(self, x):
        x = x.view(x.size()[:-1] + (self.heads, self.head_size))
        return x.permute(0, 2, 1, 3)

    def forward(self, x):
        query, key, value = self.c_attn(x).split(self.hidden, dim=2)
        query, key, value = self.split_heads(query), self.split_heads(key), self.split_heads(value)
        weights = torch.matmul(query, key.transpose(-1, -2)) / math.sqrt(self.head_size)
        query_length, key_length = query.size(-2), key.size(-2)
        causal_mask = self.bias[:, :, key_length - query_length : key_length, :key_length]
        mask_value = torch.full((), torch.finfo(weights.dtype).min, dtype=weights.dtype)
        weights = torch.where(causal_mask, weights, mask_value)
        weights = torch.softmax(weights, dim=-1)
        context = torch.matmul(weights, value).permute(0, 2, 1, 3).contiguous()
        context = context.view(context.size()[:-2] + (self.hidden,))
        return self.c_proj(context)


class GPT2Block(nn.Module):
    def __init__(self, hidden, heads, intermediate, max_positions):
        super().__init__()
        self.ln_1 = nn.LayerNorm(hidden, eps=1e-5)
        self.attn = GPT2Attention(hidden, heads, max_positions)
        self.ln_2 = nn.LayerNorm(hidden, eps=1e-5)
        self.c_fc = Conv1D(hidden, intermediate)
        self.c_proj = Conv1D(intermediate, hidden)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(new_gelu(self.c_fc(self.ln_2(x))))


class GPT2Tiny(nn.Module):
    def __init__(self, vocab=100, hidden=64, heads=4, layers=2, intermediate=128, max_positions=32):
        super().__init__()
        self.wte = nn.Embedding(vocab, hidden)
        self.wpe = nn.Embedding(max_positions, hidden)
        self.blocks = nn.ModuleList(GPT2Block(hidden, heads, intermediate, max_positions) for _ in range(layers))
        self.ln_f = nn.LayerNorm(hidden, eps=1e-5)
        self.lm_head = nn.Linear(hidden, vocab, bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, input_ids):
        position_ids = torch.arange(0, input_ids.size(-1), dtype=torch.long).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(position_ids)
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x))


class ViTLayer(nn.Module):
    """Pre-LayerNorm encoder block with an erf GELU feed-forward."""

    def __init__(self, hidden, heads, intermediate):
        super().__init__()
        self.layernorm_before = nn.LayerNorm(hidden, eps=1e-12)
        self.attention = SelfAttention(hidden, heads)
        self.layernorm_after = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, intermediate)
        self.gelu = nn.GELU()
        self.output = nn.Linear(intermediate, hidden)

    def forward(self, x):
        x = x + self.attention(self.layernorm_before(x))
        return x + self.output(self.gelu(self.intermediate(self.layernorm_after(x))))


class ViTTiny(nn.Module):
    def __init__(self, image=32, patch=8, channels=3, hidden=48, heads=3, layers=2, intermediate=96):
        super().__init__()
        self.patch_embeddings = nn.Conv2d(channels, hidden, kernel_size=patch, stride=patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, hidden) * 0.02)
        self.position_embeddings = nn.Parameter(torch.randn(1, (image // patch) ** 2 + 1, hidden) * 0.02)
        self.layers = nn.ModuleList(ViTLayer(hidden, heads, intermediate) for _ in range(layers))
        self.layernorm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, pixel_values):
        x = self.patch_embeddings(pixel_values).flatten(2).transpose(1, 2)
        cls_tokens = self.cls_token.expand(x.size(0), -1, -1)
        x = torch.cat((cls_tokens, x), dim=1) + self.position_embeddings
        for layer in self.layers:
            x = layer(x)
        return self.layernorm(x)


def token_inputs(rng, batch, seq, vocab):
    return rng.integers(0, vocab, size=(batch, seq), dtype=np.int64)


def bert_inputs(rng, batch, seq):
    input_ids = token_inputs(rng, batch, seq, 100)
    # Row b keeps its first seq - 2*b tokens, so batched sets mix full and padded rows.
    lengths = np.maximum(seq - 2 * np.arange(batch), 1)
    attention_mask = (np.arange(seq)[None, :] < lengths[:, None]).astype(np.int64)
    token_type_ids = (np.arange(seq)[None, :] >= (lengths[:, None] + 1) // 2).astype(np.int64) * attention_mask
    return [input_ids, attention_mask, token_type_ids]


def gpt2_inputs(rng, batch, seq):
    return [token_inputs(rng, batch, seq, 100)]


def vit_inputs(rng, batch, _seq):
    return [rng.standard_normal((batch, 3, 32, 32)).astype(np.float32)]


Spec = collections.namedtuple("Spec", "name make description inputs input_names output_names dynamic_axes shapes")

SPECS = [
    Spec(
        "bert_tiny",
        BertTiny,
        "BERT-style encoder: token + position + token-type embeddings, post-LayerNorm, additive attention "
        "mask (1 - mask) * -10000 from an int64 attention_mask, erf GELU FFN, tanh pooler. "
        "vocab 100, hidden 64, 4 heads, 2 layers, FFN 128, 32 positions.",
        bert_inputs,
        ["input_ids", "attention_mask", "token_type_ids"],
        ["last_hidden_state", "pooler_output"],
        {
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "token_type_ids": {0: "batch", 1: "sequence"},
            "last_hidden_state": {0: "batch", 1: "sequence"},
            "pooler_output": {0: "batch"},
        },
        [(1, 7), (3, 16)],
    ),
    Spec(
        "gpt2_tiny",
        GPT2Tiny,
        "GPT-2-style decoder: token + position (Range) embeddings, pre-LayerNorm blocks, Conv1D (Gemm) "
        "projections, fused QKV split, causal mask sliced from a tril buffer and applied with Where "
        "(float32 min), tanh-approximation GELU, final LayerNorm, LM head tied to the token embedding. "
        "vocab 100, hidden 64, 4 heads, 2 layers, FFN 128, 32 positions.",
        gpt2_inputs,
        ["input_ids"],
        ["logits"],
        {"input_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}},
        [(1, 7), (3, 16)],
    ),
    Spec(
        "vit_tiny",
        ViTTiny,
        "ViT-style encoder: Conv2d 8x8/8 patch embedding of a 3x32x32 image (16 patches), CLS token "
        "(Expand + Concat), learned position embeddings, pre-LayerNorm blocks, erf GELU FFN, final "
        "LayerNorm. hidden 48, 3 heads, 2 layers, FFN 96.",
        vit_inputs,
        ["pixel_values"],
        ["last_hidden_state"],
        {"pixel_values": {0: "batch"}, "last_hidden_state": {0: "batch"}},
        [(1, None), (3, None)],
    ),
]


def export_to_bytes(model, example, spec, opset):
    kwargs = dict(
        input_names=spec.input_names,
        output_names=spec.output_names,
        dynamic_axes=spec.dynamic_axes,
        opset_version=opset,
        do_constant_folding=True,
    )
    # torch >= 2.5 (the --full venv) has a dynamo exporter; these models are for the TorchScript one.
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export", category=DeprecationWarning)
    buffer = io.BytesIO()
    torch.onnx.export(model, tuple(torch.from_numpy(a) for a in example), buffer, **kwargs)
    return buffer.getvalue()


def torch_runner(model):
    def run(inputs):
        with torch.no_grad():
            outputs = model(*(torch.from_numpy(a) for a in inputs))
        if isinstance(outputs, torch.Tensor):
            outputs = (outputs,)
        return [o.numpy() for o in outputs]

    return run


def export_model(spec, opset, out_dir):
    torch.manual_seed(SEED)
    model = spec.make().eval()
    example_rng = np.random.default_rng(SEED)
    # The traced example avoids size 1 and the test shapes so no dim gets baked in as a constant.
    example = spec.inputs(example_rng, 2, 5)
    onnx_bytes = export_to_bytes(model, example, spec, opset)
    onnx_model = onnx.load_from_string(onnx_bytes)
    graph_inputs = [i.name for i in onnx_model.graph.input]
    graph_outputs = [o.name for o in onnx_model.graph.output]
    if graph_inputs != spec.input_names or graph_outputs != spec.output_names:
        sys.exit(f"{spec.name}: exported inputs {graph_inputs} outputs {graph_outputs} differ from the spec")
    data_rng = np.random.default_rng(SEED + 1)
    input_sets = [spec.inputs(data_rng, batch, seq) for batch, seq in spec.shapes]
    try:
        return export_common.record_model(out_dir, f"{spec.name}_opset{opset}", onnx_bytes, input_sets,
                                          torch_runner(model))
    except ValueError as error:
        sys.exit(f"{spec.name} opset {opset}: {error}")


def readme_section(results):
    lines = [
        "## Tiny plain-torch models",
        "",
        "Generated by `tools/export/tiny_models.py` (do not edit by hand; rerun it instead):",
        "",
        "    tools/setup-venv.sh && .venv/bin/python tools/export/tiny_models.py",
        "",
        "Three small Transformers in plain `torch.nn` with random weights from a fixed seed, exported by "
        f"torch {torch.__version__}'s TorchScript exporter at opset 13 (LayerNorm decomposed into "
        "ReduceMean/Sub/Pow/Add/Sqrt/Div/Mul/Add) and opset 17 (LayerNormalization), with dynamic batch "
        "and sequence axes, into `<name>_opset<N>/`. Reference outputs from ONNX Runtime "
        f"{onnxruntime.__version__}.",
        "",
    ]
    for spec, entries in results:
        lines += [f"### {spec.name}", "", spec.description, ""]
        lines += [
            "Inputs: " + ", ".join(spec.input_names) + ". Outputs: " + ", ".join(spec.output_names) + ".",
            "",
        ]
        lines += export_common.entries_table(entries, "PyTorch") + [""]
        for e in entries:
            ops = ", ".join(f"{op} {count}" for op, count in e["ops"])
            lines += [f"Ops at opset {e['opset']}: {ops}.", ""]
    return "\n".join(lines)


def main():
    default_out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "models")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.normpath(default_out), help="output directory (tests/models)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    results = []
    for spec in SPECS:
        entries = [export_model(spec, opset, args.out) for opset in OPSETS]
        for e in entries:
            export_common.print_summary(e)
        results.append((spec, entries))
    export_common.update_readme_section(os.path.join(args.out, "README.md"), "tiny", readme_section(results))


if __name__ == "__main__":
    main()
