"""Decoder-only Transformer families for hf_models.py: GPT-2 and LLaMA, each without and with a KV cache.

gpt2, llama: `XxxForCausalLM` from a tiny config with random weights, taking input_ids and attention_mask
(right padding in the rows after the first) and returning logits. Eager attention, the one Hugging Face
writes out op by op.

gpt2_past, llama_past: the same models for incremental decoding, in the one convention that
`dnnx run/compare --steps` relies on:
  inputs     input_ids [batch, new_len] int64, attention_mask [batch, past_len + new_len] int64, then
             past_key_values.{i}.key, past_key_values.{i}.value for each layer i
             ([batch, kv_heads, past_len, head_dim] float32). No position_ids: the models take the positions
             past_len + arange(new_len) from the length of the past.
  outputs    logits [batch, new_len, vocab], then present.{i}.key, present.{i}.value in the order of the past
             inputs ([batch, kv_heads, past_len + new_len, head_dim]).
  test sets  a greedy decoding chain computed with ONNX Runtime: test_data_set_0 is the prompt (batch 2, 5
             tokens, mask all ones, past tensors with past_len 0) and test_data_set_K (K = 1..3) feeds
             input_ids = argmax(logits[:, -1, :]) of step K-1 as [batch, 1], the i-th past input = the i-th
             present output of step K-1, and the mask of step K-1 with a column of ones appended.
Each past model directory gets a DECODE_STEPS file saying so. Transformers 5 keeps the cache in a Cache
object: the wrapper builds a DynamicCache from the flat past tensors and returns the flat presents.

A past family's test_inputs() steps each export's own ONNX Runtime session to build that chain, and its
extra_files adds DECODE_STEPS; tools/export/hf_models.py exports these families like the others.
"""

import dataclasses
import os
import sys

import numpy as np
import torch
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_common  # noqa: E402
import hf_models  # noqa: E402
from hf_models import TorchFamily  # noqa: E402

VOCAB = 128
MAX_POSITIONS = 64
LAYERS = 2
SHAPES = [(1, 7), (3, 11)]
# Ids below this are left for special tokens (0 pads, 1 begins, 2 ends a sequence).
FIRST_WORD_ID = 3
# The decoding chain: a prompt of PROMPT_LEN tokens in DECODE_BATCH rows, then DECODE_STEPS single tokens.
DECODE_BATCH = 2
PROMPT_LEN = 5
DECODE_STEPS = 3
# The traced example of the past models is (batch 3, new_len 2) after EXAMPLE_PAST_LEN positions: no test size.
PAST_EXAMPLE = (3, 2)
EXAMPLE_PAST_LEN = 4
# Each greedy choice must win by this much, so that a backend within the test tolerance picks the same token.
MIN_ARGMAX_MARGIN = 1e-3
DECODE_STEPS_TEXT = (
    "The test sets are a greedy decoding chain computed with ONNX Runtime (tools/export/hf_decoders.py): "
    "test_data_set_0 is the prompt with an empty past, and test_data_set_K feeds input_ids = "
    "argmax(logits[:, -1, :]) of step K-1, the i-th past input = the i-th present output of step K-1, and the "
    "attention_mask of step K-1 with a column of ones appended.\n"
)


def gpt2_config():
    # Untied LM head: with random tied embeddings every greedy step repeats the last token, and a chain of
    # equal tokens would not show a wrong input_ids feed.
    return transformers.GPT2Config(
        vocab_size=VOCAB, n_positions=MAX_POSITIONS, n_embd=32, n_layer=LAYERS, n_head=4, n_inner=64,
        bos_token_id=1, eos_token_id=2, pad_token_id=0, tie_word_embeddings=False, attn_implementation="eager")


def llama_config():
    return transformers.LlamaConfig(
        vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=LAYERS, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=MAX_POSITIONS, bos_token_id=1, eos_token_id=2,
        pad_token_id=0, attn_implementation="eager")


class CausalLogits(torch.nn.Module):
    """input_ids, attention_mask -> logits, without a cache."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits


class CausalLogitsWithPast(torch.nn.Module):
    """input_ids, attention_mask, flat past key/values -> logits, flat present key/values."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    # One parameter per past tensor (LAYERS == 2), so every exporter sees a flat signature.
    def forward(self, input_ids, attention_mask, past_key_0, past_value_0, past_key_1, past_value_1):
        cache = transformers.DynamicCache()
        cache.update(past_key_0, past_value_0, 0)
        cache.update(past_key_1, past_value_1, 1)
        outputs = self.model(input_ids=input_ids, attention_mask=attention_mask, past_key_values=cache,
                             use_cache=True)
        presents = []
        for layer in outputs.past_key_values.layers:
            presents += [layer.keys, layer.values]
        return (outputs.logits, *presents)


def padded_tokens(rng, batch, seq):
    """[input_ids, attention_mask]: row b keeps its first seq - 2*b tokens (at least 1), the rest is padding."""
    lengths = np.maximum(seq - 2 * np.arange(batch), 1)
    real = np.arange(seq)[None, :] < lengths[:, None]
    input_ids = rng.integers(FIRST_WORD_ID, VOCAB, size=(batch, seq), dtype=np.int64)
    return [np.where(real, input_ids, 0).astype(np.int64), real.astype(np.int64)]


def cache_names(prefix):
    return [f"{prefix}.{layer}.{part}" for layer in range(LAYERS) for part in ("key", "value")]


def past_dynamic_axes():
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "total_sequence"},
            "logits": {0: "batch", 1: "sequence"}}
    axes.update({name: {0: "batch", 2: "past_sequence"} for name in cache_names("past_key_values")})
    axes.update({name: {0: "batch", 2: "total_sequence"} for name in cache_names("present")})
    return axes


def tokens_after_past(config, rng, batch, new_len, past_len):
    """Inputs of a past model: random tokens after a random past of past_len positions, mask all ones."""
    kv_heads = getattr(config, "num_key_value_heads", None) or config.num_attention_heads
    head_dim = config.hidden_size // config.num_attention_heads
    inputs = [rng.integers(FIRST_WORD_ID, VOCAB, size=(batch, new_len), dtype=np.int64),
              np.ones((batch, past_len + new_len), dtype=np.int64)]
    inputs += [rng.standard_normal((batch, kv_heads, past_len, head_dim)).astype(np.float32)
               for _ in cache_names("past_key_values")]
    return inputs


def next_step(inputs, outputs):
    """The inputs of the decoding step after `inputs`, whose outputs were `outputs` (convention above)."""
    last = outputs[0][:, -1, :]
    top_two = np.sort(last, axis=-1)[:, -2:]
    margin = float(np.min(top_two[:, 1] - top_two[:, 0]))
    if margin < MIN_ARGMAX_MARGIN:
        raise ValueError(f"greedy choice won by only {margin:.2e}: the decoding chain would not be robust")
    input_ids = np.argmax(last, axis=-1).astype(np.int64)[:, None]
    mask = inputs[1]
    mask = np.concatenate([mask, np.ones((mask.shape[0], 1), dtype=mask.dtype)], axis=1)
    return [input_ids, mask] + [np.ascontiguousarray(present) for present in outputs[1:]]


def decoding_chain(config, run, rng):
    """Test-set inputs of the greedy chain: the prompt, then DECODE_STEPS steps, each fed by run(inputs)."""
    sets = [tokens_after_past(config, rng, DECODE_BATCH, PROMPT_LEN, 0)]
    for _ in range(DECODE_STEPS):
        sets.append(next_step(sets[-1], run(sets[-1])))
    return sets


@dataclasses.dataclass
class DecodingFamily(TorchFamily):
    """A family with past key/values whose test sets are the greedy decoding chain of the module docstring.

    inputs() only makes the traced example; shapes lists (batch, new_len) of the chain's test sets.
    """

    config: object = None

    def test_inputs(self, onnx_bytes, exporter):
        """The greedy decoding chain, stepped by this export's own ONNX Runtime session."""
        session = export_common.ort_session(onnx_bytes)
        names = [i.name for i in session.get_inputs()]
        return decoding_chain(self.config, lambda inputs: session.run(None, dict(zip(names, inputs))),
                              np.random.default_rng(hf_models.SEED + 1))


def causal_family(name, description, model_class, make_config, exporters=hf_models.DEFAULT_EXPORTERS,
                  exporter_shapes=None):
    return TorchFamily(
        name=name,
        description=description,
        build=lambda: CausalLogits(model_class(make_config())),
        inputs=padded_tokens,
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_axes={name: {0: "batch", 1: "sequence"} for name in ("input_ids", "attention_mask", "logits")},
        shapes=SHAPES,
        exporters=exporters,
        exporter_shapes=exporter_shapes or {},
    )


def past_family(name, description, model_class, make_config):
    config = make_config()

    def example_inputs(rng, batch, new_len):
        if (batch, new_len) != PAST_EXAMPLE:
            raise ValueError(f"{name}: its test sets are the decoding chain of DecodingFamily.test_inputs")
        return tokens_after_past(config, rng, batch, new_len, EXAMPLE_PAST_LEN)

    return DecodingFamily(
        name=name,
        description=description,
        build=lambda: CausalLogitsWithPast(model_class(make_config())),
        inputs=example_inputs,
        input_names=["input_ids", "attention_mask"] + cache_names("past_key_values"),
        output_names=["logits"] + cache_names("present"),
        dynamic_axes=past_dynamic_axes(),
        shapes=[(DECODE_BATCH, PROMPT_LEN)] + [(DECODE_BATCH, 1)] * DECODE_STEPS,
        example=PAST_EXAMPLE,
        extra_files={"DECODE_STEPS": DECODE_STEPS_TEXT},
        config=config,
    )


GPT2_TEXT = (
    "GPT-2 (`GPT2LMHeadModel`): learned positions, pre-LayerNorm blocks with a fused QKV Conv1D, tanh GELU MLP, "
    "causal eager attention; n_embd 32, 2 layers, 4 heads, MLP 64, vocab 128, untied LM head"
)
LLAMA_TEXT = (
    "LLaMA (`LlamaForCausalLM`): RMSNorm, rotary position embeddings, SiLU-gated MLP, grouped-query attention "
    "(4 query heads sharing 2 key/value heads), eager attention; hidden 32, 2 layers, MLP 64, vocab 128"
)
NO_PAST_TEXT = ", no cache; right-padded attention masks."
PAST_TEXT = (
    ", with past key/values for incremental decoding (`DynamicCache` built from flat past inputs). The test sets "
    "are a greedy decoding chain run in ONNX Runtime: a 5-token prompt with an empty past, then 3 single-token "
    "steps, each fed the previous step's argmax token and presents and a mask one column longer (see "
    "DECODE_STEPS in each directory and tools/export/hf_decoders.py)."
)

FAMILIES = [
    causal_family("gpt2", GPT2_TEXT + NO_PAST_TEXT, transformers.GPT2LMHeadModel, gpt2_config),
    past_family("gpt2_past", GPT2_TEXT + PAST_TEXT, transformers.GPT2LMHeadModel, gpt2_config),
    # At opset 23 the dynamo exporter emits RotaryEmbedding and RMSNormalization. Its cos/sin caches have a
    # batch dim of 1, which ONNX Runtime 1.31 only accepts at batch 1, hence the batch-1 test sets there.
    causal_family("llama", LLAMA_TEXT + NO_PAST_TEXT, transformers.LlamaForCausalLM, llama_config,
                  exporters=hf_models.DEFAULT_EXPORTERS + ("dynamo23",),
                  exporter_shapes={"dynamo23": [(1, 7), (1, 11)]}),
    past_family("llama_past", LLAMA_TEXT + PAST_TEXT, transformers.LlamaForCausalLM, llama_config),
]

