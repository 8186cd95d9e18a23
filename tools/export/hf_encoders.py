"""Encoder-only Transformer families for hf_models.py: BERT, DistilBERT, RoBERTa, ALBERT, ELECTRA.

Each is the bare `XxxModel` from a tiny config with random weights, wrapped so it takes input_ids,
attention_mask (and token_type_ids where the family's tokenizer gives them) positionally and returns
last_hidden_state (and pooler_output where the model has a pooler). Attention is transformers' default,
SDPA, which the exporters decompose (boolean mask applied with Where, scale split over Q and K, an IsNaN
guard for fully masked rows); bert_eager is BERT with the "eager" attention instead (additive float mask,
scores scaled after Q K^T), the other pattern exported Transformers carry.
"""

import numpy as np
import torch
import transformers

from hf_models import DEFAULT_EXPORTERS, TorchFamily

VOCAB = 256
MAX_POSITIONS = 64
# The last set is a single token per row: dims of 1 are where broadcasting and Squeeze go wrong.
SHAPES = [(1, 7), (3, 16), (4, 1)]
# Ids below this are left for special tokens (padding is 0 for BERT-likes, 1 for RoBERTa).
FIRST_WORD_ID = 3


class EncoderOutputs(torch.nn.Module):
    """Positional inputs in, a plain tuple of the named outputs out, so every exporter sees the same signature."""

    def __init__(self, model, input_names, output_names):
        super().__init__()
        self.model = model
        self.input_names = list(input_names)
        self.output_names = list(output_names)

    def forward(self, *inputs):
        outputs = self.model(**dict(zip(self.input_names, inputs)), return_dict=True)
        return tuple(getattr(outputs, name) for name in self.output_names)


def token_inputs(pad_id, with_token_types):
    """(rng, batch, seq) -> [input_ids, attention_mask(, token_type_ids)] with padded rows after the first.

    Row b keeps its first seq - 2*b tokens (at least 1); padded positions hold pad_id and mask 0. The second
    "sentence" (token type 1) starts at the middle of each row's real tokens.
    """

    def make(rng, batch, seq):
        lengths = np.maximum(seq - 2 * np.arange(batch), 1)
        real = np.arange(seq)[None, :] < lengths[:, None]
        input_ids = rng.integers(FIRST_WORD_ID, VOCAB, size=(batch, seq), dtype=np.int64)
        input_ids = np.where(real, input_ids, pad_id).astype(np.int64)
        attention_mask = real.astype(np.int64)
        inputs = [input_ids, attention_mask]
        if with_token_types:
            second = np.arange(seq)[None, :] >= (lengths[:, None] + 1) // 2
            inputs.append((second & real).astype(np.int64))
        return inputs

    return make


def dynamic_axes(input_names, output_names):
    axes = {name: {0: "batch", 1: "sequence"} for name in input_names}
    for name in output_names:
        axes[name] = {0: "batch", 1: "sequence"} if name == "last_hidden_state" else {0: "batch"}
    return axes


def encoder_family(name, description, model_class, config, with_token_types, outputs, exporters=DEFAULT_EXPORTERS):
    input_names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_token_types else [])

    def build():
        model = model_class(config)
        return EncoderOutputs(model, input_names, outputs)

    return TorchFamily(
        name=name,
        description=description,
        build=build,
        inputs=token_inputs(config.pad_token_id, with_token_types),
        input_names=input_names,
        output_names=list(outputs),
        dynamic_axes=dynamic_axes(input_names, outputs),
        shapes=SHAPES,
        exporters=exporters,
    )


COMMON = dict(vocab_size=VOCAB, max_position_embeddings=MAX_POSITIONS, num_hidden_layers=2)
BERT = dict(hidden_size=32, num_attention_heads=4, intermediate_size=64, pad_token_id=0, **COMMON)

FAMILIES = [
    encoder_family(
        "bert",
        "`BertModel`: word + position + token-type embeddings, post-LayerNorm layers, SDPA attention, erf GELU, "
        "tanh pooler. hidden 32, 4 heads, 2 layers, FFN 64, vocab 256, 64 positions.",
        transformers.BertModel,
        transformers.BertConfig(**BERT),
        with_token_types=True,
        outputs=("last_hidden_state", "pooler_output"),
        # At opset 23 the dynamo exporter turns SDPA into the ONNX Attention op.
        exporters=DEFAULT_EXPORTERS + ("dynamo23",),
    ),
    encoder_family(
        "bert_eager",
        "`BertModel` as above with `attn_implementation=\"eager\"`: the padding mask becomes an additive "
        "float mask (Where: 0 or float32 min), scores are MatMul * 1/sqrt(head size) + mask, then Softmax.",
        transformers.BertModel,
        transformers.BertConfig(attn_implementation="eager", **BERT),
        with_token_types=True,
        outputs=("last_hidden_state", "pooler_output"),
    ),
    encoder_family(
        "distilbert",
        "`DistilBertModel`: word + learned position embeddings (no token types), post-LayerNorm layers, SDPA "
        "attention, erf GELU, no pooler. dim 32, 2 heads, 2 layers, FFN 64, vocab 256, 64 positions.",
        transformers.DistilBertModel,
        transformers.DistilBertConfig(vocab_size=VOCAB, max_position_embeddings=MAX_POSITIONS, n_layers=2, dim=32,
                                      n_heads=2, hidden_dim=64, pad_token_id=0),
        with_token_types=False,
        outputs=("last_hidden_state",),
    ),
    encoder_family(
        "roberta",
        "`RobertaModel`: position ids counted from the non-padding tokens (CumSum) after the padding id, one "
        "token type (no token_type_ids input, as RoBERTa tokenizers give none: the model expands its zero "
        "buffer), SDPA attention, tanh pooler. hidden 32, 2 heads, 2 layers, FFN 64, vocab 256, 64 positions.",
        transformers.RobertaModel,
        transformers.RobertaConfig(hidden_size=32, num_attention_heads=2, intermediate_size=64, pad_token_id=1,
                                   type_vocab_size=1, **COMMON),
        with_token_types=False,
        outputs=("last_hidden_state", "pooler_output"),
    ),
    encoder_family(
        "albert",
        "`AlbertModel`: factorized embeddings (size 16, projected to hidden 40), one layer group shared by "
        "both layers, SDPA attention, gelu_new (tanh) activation, tanh pooler. hidden 40, 4 heads (head size "
        "10), FFN 80, vocab 256, 64 positions.",
        transformers.AlbertModel,
        transformers.AlbertConfig(embedding_size=16, hidden_size=40, num_attention_heads=4, intermediate_size=80,
                                  pad_token_id=0, **COMMON),
        with_token_types=True,
        outputs=("last_hidden_state", "pooler_output"),
    ),
    encoder_family(
        "electra",
        "`ElectraModel` (the discriminator body): embeddings of size 16 projected to hidden 32, post-LayerNorm "
        "layers, SDPA attention, erf GELU, no pooler. hidden 32, 4 heads, 2 layers, FFN 64, vocab 256, 64 "
        "positions.",
        transformers.ElectraModel,
        transformers.ElectraConfig(embedding_size=16, hidden_size=32, num_attention_heads=4, intermediate_size=64,
                                   pad_token_id=0, **COMMON),
        with_token_types=True,
        outputs=("last_hidden_state",),
    ),
]
