"""Writes the two tiny decoders with past key/values that test `--steps` (tests/unit/test_cli.c, the
decode example): hand-written torch modules exported by torch.onnx.export(dynamo=False), random
weights from a fixed seed, with a greedy decoding chain computed by ONNX Runtime as test data.

    .venv/bin/python tests/unit/data/decode/make_models.py      (the tools venv: tools/setup-venv.sh)

with_positions/:    inputs input_ids, attention_mask, position_ids, past_key_values.{0,1}.{key,value}
without_positions/: inputs input_ids, past_key_values.{0,1}.{key,value} (positions from the past length)
Outputs logits, present.{0,1}.{key,value}. Grouped-query attention: 2 query heads share 1 KV head.
test_data_set_0 is a prompt with an empty past ([batch,1,0,8]); test_data_set_K (K >= 1) feeds
argmax(logits[:, -1, :]) of step K-1 as input_ids [batch,1], present i of step K-1 as past i, the mask
with a column of ones appended and position_ids = [[past_len]] per row. DECODE_STEPS marks the chain.
"""
import math
import os
import shutil

import numpy as np
import onnx
import onnxruntime
import torch
from onnx import numpy_helper
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB, HIDDEN, HEADS, KV_HEADS, LAYERS, MAX_POS = 32, 16, 2, 1, 2, 32
HEAD = HIDDEN // HEADS
BATCH, PROMPT, STEPS, OPSET = 2, 4, 4, 17


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(HIDDEN)
        self.q = nn.Linear(HIDDEN, HIDDEN)
        self.k = nn.Linear(HIDDEN, KV_HEADS * HEAD)
        self.v = nn.Linear(HIDDEN, KV_HEADS * HEAD)
        self.o = nn.Linear(HIDDEN, HIDDEN)
        self.norm2 = nn.LayerNorm(HIDDEN)
        self.up = nn.Linear(HIDDEN, 2 * HIDDEN)
        self.down = nn.Linear(2 * HIDDEN, HIDDEN)

    def forward(self, x, past_k, past_v, bias):
        b, s, _ = x.shape
        h = self.norm1(x)
        q = self.q(h).view(b, s, HEADS, HEAD).transpose(1, 2)
        k = torch.cat([past_k, self.k(h).view(b, s, KV_HEADS, HEAD).transpose(1, 2)], dim=2)
        v = torch.cat([past_v, self.v(h).view(b, s, KV_HEADS, HEAD).transpose(1, 2)], dim=2)
        repeat = HEADS // KV_HEADS
        scores = torch.matmul(q, k.repeat_interleave(repeat, dim=1).transpose(-1, -2)) / math.sqrt(HEAD) + bias
        out = torch.matmul(torch.softmax(scores, dim=-1), v.repeat_interleave(repeat, dim=1))
        x = x + self.o(out.transpose(1, 2).reshape(b, s, HIDDEN))
        x = x + self.down(torch.nn.functional.gelu(self.up(self.norm2(x))))
        return x, k, v


class Decoder(nn.Module):
    def __init__(self, positions):
        super().__init__()
        self.positions = positions
        self.embed = nn.Embedding(VOCAB, HIDDEN)
        self.pos = nn.Embedding(MAX_POS, HIDDEN)
        self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.norm = nn.LayerNorm(HIDDEN)
        self.head = nn.Linear(HIDDEN, VOCAB, bias=False)

    def forward(self, input_ids, *rest):
        if self.positions:
            attention_mask, position_ids, past = rest[0], rest[1], rest[2:]
        else:
            past = rest
        b, s = input_ids.shape
        past_len = past[0].shape[2]
        if not self.positions:
            position_ids = (torch.arange(s) + past_len).unsqueeze(0).expand(b, s)
        x = self.embed(input_ids) + self.pos(position_ids)
        allowed = torch.arange(past_len + s).unsqueeze(0) <= torch.arange(s).unsqueeze(1) + past_len
        allowed = allowed.unsqueeze(0).unsqueeze(0)
        if self.positions:
            allowed = allowed & (attention_mask[:, None, None, :] > 0)
        bias = torch.where(allowed, torch.zeros(()), torch.full((), -1e9))
        presents = []
        for i, block in enumerate(self.blocks):
            x, k, v = block(x, past[2 * i], past[2 * i + 1], bias)
            presents += [k, v]
        return (self.head(self.norm(x)),) + tuple(presents)


def export(name, positions):
    torch.manual_seed(0)
    model = Decoder(positions).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(2.0)  # sharper logits, so greedy choices are far from ties
    past_names = [f"past_key_values.{i}.{kv}" for i in range(LAYERS) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(LAYERS) for kv in ("key", "value")]
    input_names = ["input_ids"] + (["attention_mask", "position_ids"] if positions else []) + past_names
    output_names = ["logits"] + present_names
    b, s, p = 2, 3, 4  # a non-empty past when tracing, so no size is taken as a constant
    example = [torch.randint(0, VOCAB, (b, s))]
    if positions:
        example += [torch.ones(b, p + s, dtype=torch.int64), torch.arange(p, p + s).repeat(b, 1)]
    example += [torch.randn(b, KV_HEADS, p, HEAD) for _ in past_names]
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}}
    if positions:
        axes["attention_mask"] = {0: "batch", 1: "past_sequence + sequence"}
        axes["position_ids"] = {0: "batch", 1: "sequence"}
    axes.update({n: {0: "batch", 2: "past_sequence"} for n in past_names})
    axes.update({n: {0: "batch", 2: "past_sequence + sequence"} for n in present_names})
    out_dir = os.path.join(HERE, name)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    path = os.path.join(out_dir, "model.onnx")
    torch.onnx.export(model, tuple(example), path, input_names=input_names, output_names=output_names,
                      dynamic_axes=axes, opset_version=OPSET, dynamo=False)
    onnx.checker.check_model(onnx.load(path))

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    feed = {"input_ids": rng.integers(0, VOCAB, (BATCH, PROMPT)).astype(np.int64)}
    if positions:
        feed["attention_mask"] = np.ones((BATCH, PROMPT), np.int64)
        feed["position_ids"] = np.tile(np.arange(PROMPT, dtype=np.int64), (BATCH, 1))
    feed.update({n: np.zeros((BATCH, KV_HEADS, 0, HEAD), np.float32) for n in past_names})
    chosen = []
    for step in range(STEPS):
        outputs = session.run(output_names, feed)
        with torch.no_grad():
            torch_outputs = model(*[torch.from_numpy(feed[n]) for n in input_names])
        diff = max(float(np.abs(t.numpy() - o).max()) if o.size else 0.0 for t, o in zip(torch_outputs, outputs))
        if diff > 1e-4:
            raise SystemExit(f"{name} step {step}: PyTorch and ONNX Runtime differ by {diff}")
        step_dir = os.path.join(out_dir, f"test_data_set_{step}")
        os.makedirs(step_dir)
        for kind, names, arrays in (("input", input_names, [feed[n] for n in input_names]),
                                    ("output", output_names, outputs)):
            for k, (n, array) in enumerate(zip(names, arrays)):
                with open(os.path.join(step_dir, f"{kind}_{k}.pb"), "wb") as f:
                    f.write(numpy_helper.from_array(np.ascontiguousarray(array), n).SerializeToString())
        tokens = outputs[0][:, -1, :].argmax(-1)
        chosen.append(tokens.tolist())
        past_len = outputs[1].shape[2]
        feed = {"input_ids": tokens.reshape(BATCH, 1).astype(np.int64)}
        if positions:
            feed["attention_mask"] = np.ones((BATCH, past_len + 1), np.int64)
            feed["position_ids"] = np.full((BATCH, 1), past_len, np.int64)
        feed.update(dict(zip(past_names, outputs[1:])))
    with open(os.path.join(out_dir, "DECODE_STEPS"), "w") as f:
        f.write(f"{STEPS}\n")
    print(name, "tokens per step", chosen)


if __name__ == "__main__":
    export("with_positions", True)
    export("without_positions", False)
