"""Tiny text-to-text models from Hugging Face `transformers` (random weights) for hf_models.py.

T5's encoder (RMSNorm, bucketed relative position bias, gated GELU FFN) and BART's encoder-decoder (learned
positions, causal self-attention and cross-attention in the decoder, no past key values). Each family is
exported by every exporter in hf_models.EXPORTERS.
"""

import numpy as np
import torch
from transformers import BartConfig, BartModel, T5Config, T5EncoderModel

from hf_models import DEFAULT_EXPORTERS, TorchFamily

VOCAB = 128
BART_PAD = 1


class TextEncoder(torch.nn.Module):
    """T5EncoderModel called with (input_ids, attention_mask), returning last_hidden_state."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask, return_dict=True).last_hidden_state


class EncoderDecoder(torch.nn.Module):
    """BartModel without past key values, returning (last_hidden_state, encoder_last_hidden_state)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, decoder_input_ids):
        outputs = self.model(input_ids=input_ids, attention_mask=attention_mask,
                             decoder_input_ids=decoder_input_ids, use_cache=False, return_dict=True)
        return outputs.last_hidden_state, outputs.encoder_last_hidden_state


def padded_mask(batch, seq):
    """int64 [batch, seq] attention mask: even rows end in row + 1 padding positions, odd rows are full."""
    lengths = [seq if row % 2 else max(1, seq - row - 1) for row in range(batch)]
    return np.array([[1] * n + [0] * (seq - n) for n in lengths], dtype=np.int64)


def token_ids(rng, batch, seq, mask, pad):
    ids = rng.integers(3, VOCAB, size=(batch, seq), dtype=np.int64)
    return np.where(mask == 1, ids, pad).astype(np.int64)


def t5_encoder_build():
    config = T5Config(
        vocab_size=VOCAB,
        d_model=32,
        d_kv=16,
        d_ff=64,
        num_layers=2,
        num_heads=2,
        relative_attention_num_buckets=16,
        relative_attention_max_distance=32,
        feed_forward_proj="gated-gelu",
        use_cache=False,
        attn_implementation="eager",
    )
    return TextEncoder(T5EncoderModel(config))


def t5_encoder_inputs(rng, batch, seq):
    mask = padded_mask(batch, seq)
    return [token_ids(rng, batch, seq, mask, 0), mask]


def bart_build():
    config = BartConfig(
        vocab_size=VOCAB,
        d_model=24,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=48,
        decoder_ffn_dim=48,
        max_position_embeddings=32,
        pad_token_id=BART_PAD,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        use_cache=False,
        attn_implementation="eager",
    )
    return EncoderDecoder(BartModel(config))


def bart_decoder_length(seq):
    """The decoder sequence differs from the encoder's so no exporter can tie the two axes together."""
    return seq // 2 + 1


def bart_inputs(rng, batch, seq):
    mask = padded_mask(batch, seq)
    decoder_ids = rng.integers(3, VOCAB, size=(batch, bart_decoder_length(seq)), dtype=np.int64)
    decoder_ids[:, 0] = 2
    return [token_ids(rng, batch, seq, mask, BART_PAD), mask, decoder_ids]


FAMILIES = [
    TorchFamily(
        name="t5_encoder",
        description=(
            "Hugging Face T5EncoderModel (random weights), T5 v1.1 style: token embedding, RMSNorm (T5LayerNorm) "
            "pre-norm blocks, unscaled attention with a bucketed relative position bias (16 buckets, max distance "
            "32, computed from Range/Log/Min/Where in the graph) and additive padding mask, gated tanh-GELU FFN. "
            "vocab 128, d_model 32, 2 heads of 16, 2 layers, FFN 64. Padding at the end of even batch rows."
        ),
        build=t5_encoder_build,
        inputs=t5_encoder_inputs,
        input_names=["input_ids", "attention_mask"],
        output_names=["last_hidden_state"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "last_hidden_state": {0: "batch", 1: "sequence"},
        },
        shapes=[(1, 7), (3, 16)],
        # At opset 23 the dynamo exporter emits the ONNX RMSNormalization op.
        exporters=DEFAULT_EXPORTERS + ("dynamo23",),
    ),
    TorchFamily(
        name="bart",
        description=(
            "Hugging Face BartModel (random weights): encoder-decoder with learned positions (offset 2), "
            "post-LayerNorm blocks with embedding LayerNorm, eager attention, GELU FFN; the decoder has causal "
            "self-attention and cross-attention over the encoder output under the encoder's padding mask, no "
            "past key values. Padding at the end of even batch rows. vocab 128, d_model 24, 2 heads of 12, 2+2 "
            "layers, FFN 48, 32 positions. The decoder length is seq // 2 + 1, a separate dynamic axis."
        ),
        build=bart_build,
        inputs=bart_inputs,
        input_names=["input_ids", "attention_mask", "decoder_input_ids"],
        output_names=["last_hidden_state", "encoder_last_hidden_state"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "decoder_input_ids": {0: "batch", 1: "decoder_sequence"},
            "last_hidden_state": {0: "batch", 1: "decoder_sequence"},
            "encoder_last_hidden_state": {0: "batch", 1: "sequence"},
        },
        shapes=[(1, 7), (3, 16)],
    ),
]
