"""Tiny vision and audio encoders from Hugging Face `transformers` (random weights) for hf_models.py.

ViT (Conv2d patch embedding of an image), Whisper's encoder (Conv1d front end over log-mel features) and
wav2vec 2.0 (a strided Conv1d feature extractor over raw audio, GroupNorm, a grouped positional Conv1d
with weight normalization). Each family is exported by every exporter in hf_models.EXPORTERS.
"""

import numpy as np
import torch
from transformers import ViTConfig, ViTModel, Wav2Vec2Config, Wav2Vec2Model, WhisperConfig
from transformers.models.whisper.modeling_whisper import WhisperEncoder

from hf_models import DEFAULT_EXPORTERS, TorchFamily

IMAGE_SIZE = 32
WHISPER_MEL_BINS = 16
WHISPER_SOURCE_POSITIONS = 24
# Whisper's encoder only accepts exactly max_source_positions * 2 frames (its two convs have strides 1 and 2).
WHISPER_FRAMES = WHISPER_SOURCE_POSITIONS * 2
# wav2vec 2.0's feature extractor: 3 convs with total stride 5 * 2 * 2 = 20 samples per frame.
WAV2VEC2_CONV_STRIDE = (5, 2, 2)
WAV2VEC2_CONV_KERNEL = (10, 3, 3)


class ImageEncoder(torch.nn.Module):
    """ViTModel called with pixel_values only, returning (last_hidden_state, pooler_output)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        outputs = self.model(pixel_values=pixel_values, return_dict=True)
        return outputs.last_hidden_state, outputs.pooler_output


class WhisperFeatures(torch.nn.Module):
    """WhisperEncoder called with input_features only, returning last_hidden_state."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_features):
        return self.model(input_features=input_features, return_dict=True).last_hidden_state


class RawAudioEncoder(torch.nn.Module):
    """Wav2Vec2Model called with input_values only, returning (last_hidden_state, extract_features)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_values):
        outputs = self.model(input_values=input_values, return_dict=True)
        return outputs.last_hidden_state, outputs.extract_features


def vit_build():
    config = ViTConfig(
        image_size=IMAGE_SIZE,
        patch_size=8,
        num_channels=3,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        attn_implementation="eager",
    )
    return ImageEncoder(ViTModel(config))


def vit_inputs(rng, batch, _seq):
    return [rng.standard_normal((batch, 3, IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)]


def whisper_encoder_build():
    config = WhisperConfig(
        vocab_size=128,
        num_mel_bins=WHISPER_MEL_BINS,
        d_model=32,
        encoder_layers=2,
        encoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_layers=2,
        decoder_attention_heads=2,
        decoder_ffn_dim=64,
        max_source_positions=WHISPER_SOURCE_POSITIONS,
        max_target_positions=32,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=3,
        suppress_tokens=None,
        begin_suppress_tokens=None,
        attn_implementation="eager",
    )
    return WhisperFeatures(WhisperEncoder(config))


def whisper_encoder_inputs(rng, batch, _seq):
    return [rng.standard_normal((batch, WHISPER_MEL_BINS, WHISPER_FRAMES), dtype=np.float32)]


def wav2vec2_build():
    config = Wav2Vec2Config(
        vocab_size=32,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        feat_extract_norm="group",
        conv_dim=(16, 16, 16),
        conv_stride=WAV2VEC2_CONV_STRIDE,
        conv_kernel=WAV2VEC2_CONV_KERNEL,
        num_conv_pos_embeddings=8,
        num_conv_pos_embedding_groups=4,
        do_stable_layer_norm=False,
        apply_spec_augment=False,
        attn_implementation="eager",
    )
    return RawAudioEncoder(Wav2Vec2Model(config))


def wav2vec2_samples(seq):
    """Raw samples giving `seq` output frames: 20 * seq + 20 is the fewest, the extra 7 are dropped by the convs."""
    return 20 * seq + 27


def wav2vec2_inputs(rng, batch, seq):
    return [rng.standard_normal((batch, wav2vec2_samples(seq)), dtype=np.float32)]


FAMILIES = [
    TorchFamily(
        name="vit",
        description=(
            "Hugging Face ViTModel (random weights): Conv2d 8x8/8 patch embedding of a 3x32x32 image, CLS token, "
            "learned position embeddings, pre-LayerNorm encoder blocks with eager attention, GELU FFN, final "
            "LayerNorm and tanh pooler. hidden 32, 2 heads, 2 layers, FFN 64. Only the batch axis is dynamic."
        ),
        build=vit_build,
        inputs=vit_inputs,
        input_names=["pixel_values"],
        output_names=["last_hidden_state", "pooler_output"],
        dynamic_axes={
            "pixel_values": {0: "batch"},
            "last_hidden_state": {0: "batch"},
            "pooler_output": {0: "batch"},
        },
        shapes=[(1, 0), (3, 0)],
        example=(2, 0),
        # At opset 23 the dynamo exporter emits the ONNX Gelu op (opset 20).
        exporters=DEFAULT_EXPORTERS + ("dynamo23",),
    ),
    TorchFamily(
        name="whisper_encoder",
        description=(
            "Hugging Face WhisperEncoder (random weights): two Conv1d (k3, strides 1 and 2) with GELU over "
            f"{WHISPER_MEL_BINS}-bin log-mel features of {WHISPER_FRAMES} frames (the encoder accepts only that "
            f"length), sinusoidal-initialised position embeddings, pre-LayerNorm blocks with eager attention, "
            "final LayerNorm. d_model 32, 2 heads, 2 layers, FFN 64. Only the batch axis is dynamic."
        ),
        build=whisper_encoder_build,
        inputs=whisper_encoder_inputs,
        input_names=["input_features"],
        output_names=["last_hidden_state"],
        dynamic_axes={"input_features": {0: "batch"}, "last_hidden_state": {0: "batch"}},
        shapes=[(1, 0), (3, 0)],
        example=(2, 0),
    ),
    TorchFamily(
        name="wav2vec2",
        description=(
            "Hugging Face Wav2Vec2Model (random weights): feature extractor of three Conv1d (kernels 10/3/3, "
            "strides 5/2/2, GroupNorm after the first, GELU) over raw audio, feature projection with LayerNorm, "
            "grouped positional Conv1d (kernel 8, 4 groups, weight normalization, padding trimmed), post-LayerNorm "
            "encoder blocks with eager attention. hidden 32, 2 heads, 2 layers, FFN 64. Batch and sample axes "
            "are dynamic; the test sets use 1x207 (9 frames) and 3x347 (16 frames)."
        ),
        build=wav2vec2_build,
        inputs=wav2vec2_inputs,
        input_names=["input_values"],
        output_names=["last_hidden_state", "extract_features"],
        dynamic_axes={
            "input_values": {0: "batch", 1: "samples"},
            "last_hidden_state": {0: "batch", 1: "frames"},
            "extract_features": {0: "batch", 1: "frames"},
        },
        shapes=[(1, 9), (3, 16)],
        example=(2, 12),
    ),
]
