"""Export tiny Keras Transformers (and TensorFlow classes of Hugging Face `transformers`) through tf2onnx.

Run in the TensorFlow venv (tools/setup-venv.sh --tf, all families) or the full venv (tools/setup-venv.sh --full;
the Keras families only):  .venv-tf/bin/python tools/export/keras_models.py [--only NAME]... [--exporter tf2onnx17]

The Keras families are built from keras.layers (Embedding, MultiHeadAttention, LayerNormalization, Dense)
with random weights from a fixed seed and converted by tf2onnx.convert.from_keras at opset 17 and 13, with
dynamic batch and sequence dims (TensorSpec dims None). The `transformers` families (TFBertModel,
TFGPT2LMHeadModel, from configs with random weights) need transformers 4.x, which still ships the TensorFlow
classes (5.x dropped them), with tf-keras: the separate venv of tools/setup-venv.sh --tf
(tools/requirements-tf.txt); they are converted by tf2onnx.convert.from_function over a tf.function with a TensorSpec
signature. Each export goes to tests/models/<family>_<exporter>/ with two or more test_data_set_K (outputs
from ONNX Runtime; the TensorFlow vs ONNX Runtime max abs diff goes into tests/models/README.md, one section
per family). A family that cannot be exported in the running venv is reported in its section with the reason.
"""

import argparse
import dataclasses
import os
import sys
import traceback
import warnings
from typing import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow's oneDNN graph rewrites reorder float sums; off, TF's own kernels give the reference.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_common  # noqa: E402

SEED = 0
EXPORTERS = ("tf2onnx17", "tf2onnx13")


@dataclasses.dataclass
class KerasFamily:
    name: str
    description: str
    # () -> (run, convert) where run(*tf_tensors) gives the outputs in graph-output order and
    # convert(spec, opset) gives the ONNX bytes. The driver seeds Keras/TF/numpy before calling it.
    build: Callable
    # (numpy Generator, batch, seq) -> list of numpy arrays in input order.
    inputs: Callable
    # (name, tf dtype) of each graph input, in order; every input is [batch, seq] with both dims dynamic.
    input_specs: list
    # What the outputs are, for the README (the graph's own output names are what tf2onnx chose).
    output_names: list
    shapes: list
    exporters: tuple = EXPORTERS
    atol: float = export_common.EXPORT_ATOL
    # () -> None, or why this venv cannot build the family; such a family is skipped (its directories and
    # README section left as they are) unless --only names it.
    missing: Callable = lambda: None


def keras_module():
    import keras

    if not keras.__version__.startswith("3."):
        raise RuntimeError(f"the Keras families are written for Keras 3, found keras {keras.__version__}")
    return keras


def randomize(variables, rng):
    """Replaces the initializers' zeros and ones (biases, LayerNorm, embeddings) with random values, so that
    every parameter matters and a wrong broadcast or a missing bias shows in the outputs."""
    for variable in variables:
        # Keras 3 variables have a path ("block0_ln_1/gamma"); tf-keras ones only a TF name ("...gamma:0").
        name = variable.path if hasattr(variable, "path") else variable.name.split(":")[0]
        shape = tuple(variable.shape)
        if name.endswith(("gamma", "weight")) and len(shape) == 1:
            value = 1.0 + 0.2 * rng.standard_normal(shape)
        elif name.endswith(("beta", "bias")):
            value = 0.2 * rng.standard_normal(shape)
        elif "embedding" in name or "wte" in name or "wpe" in name:
            value = 0.5 * rng.standard_normal(shape)
        else:
            continue
        variable.assign(value.astype(np.float32))


def keras_layers():
    keras = keras_module()

    class PositionEmbedding(keras.layers.Layer):
        """Learned absolute positions, sliced to the input's length (keras_hub's PositionEmbedding)."""

        def __init__(self, max_positions, hidden, **kwargs):
            super().__init__(**kwargs)
            self.max_positions = max_positions
            self.hidden = hidden

        def build(self, input_shape):
            self.position_embeddings = self.add_weight(
                name="position_embeddings", shape=(self.max_positions, self.hidden), initializer="glorot_uniform")

        def call(self, x):
            seq = keras.ops.shape(x)[1]
            positions = keras.ops.slice(self.position_embeddings, (0, 0), (seq, self.hidden))
            return keras.ops.expand_dims(positions, 0)

    class PaddingMask(keras.layers.Layer):
        """[batch, seq] 1/0 attention_mask -> [batch, 1, seq] bool, which MultiHeadAttention broadcasts."""

        def call(self, mask):
            return keras.ops.expand_dims(keras.ops.cast(mask, "bool"), 1)

    class TanhGelu(keras.layers.Layer):
        def call(self, x):
            return keras.activations.gelu(x, approximate=True)

    return keras, PositionEmbedding, PaddingMask, TanhGelu


def erfc_handler(ctx, node, name, args):
    """Erfc(x) as 1 - Erf(x). TF 2.21's exact gelu (Keras 3 "gelu") is 0.5 * x * erfc(-x / sqrt(2)), and
    tf2onnx 1.17 has no Erfc handler ("Tensorflow op ... Erfc is not supported"), so it is given one here."""
    from tf2onnx import constants, utils

    node.type = "Erf"
    node.domain = constants.ONNX_DOMAIN
    one = ctx.make_const(utils.make_name(f"{name}_one"), np.array(1.0, dtype=np.float32))
    ctx.insert_new_node_on_output("Sub", node.output[0], inputs=[one.output[0], node.output[0]])
    return node


# tf2onnx's public hook for TF ops it does not convert: {tf op type: (handler, args)}.
CUSTOM_OP_HANDLERS = {"Erfc": (erfc_handler, [])}


def keras_converter(model):
    def convert(spec, opset):
        proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=opset,
                                              custom_op_handlers=CUSTOM_OP_HANDLERS)
        return proto.SerializeToString()

    def run(*tensors):
        outputs = model(list(tensors) if len(tensors) > 1 else tensors[0], training=False)
        return outputs if isinstance(outputs, (list, tuple)) else [outputs]

    return run, convert


def build_keras_encoder(vocab=100, hidden=32, heads=4, layers=2, intermediate=64, max_positions=32):
    keras, PositionEmbedding, PaddingMask, _ = keras_layers()
    input_ids = keras.Input((None,), dtype="int32", name="input_ids")
    attention_mask = keras.Input((None,), dtype="int32", name="attention_mask")
    x = keras.layers.Embedding(vocab, hidden, name="token_embedding")(input_ids)
    x = x + PositionEmbedding(max_positions, hidden, name="position_embedding")(input_ids)
    x = keras.layers.LayerNormalization(epsilon=1e-12, name="embedding_norm")(x)
    mask = PaddingMask(name="padding_mask")(attention_mask)
    for index in range(layers):
        attention = keras.layers.MultiHeadAttention(heads, hidden // heads, name=f"block{index}_attention")
        x = keras.layers.LayerNormalization(epsilon=1e-12, name=f"block{index}_attention_norm")(
            x + attention(x, x, attention_mask=mask))
        ffn = keras.layers.Dense(intermediate, activation="gelu", name=f"block{index}_intermediate")(x)
        ffn = keras.layers.Dense(hidden, name=f"block{index}_output")(ffn)
        x = keras.layers.LayerNormalization(epsilon=1e-12, name=f"block{index}_output_norm")(x + ffn)
    pooled = keras.layers.Dense(hidden, activation="tanh", name="pooler")(x[:, 0])
    model = keras.Model([input_ids, attention_mask], [x, pooled], name="keras_encoder")
    randomize(model.weights, np.random.default_rng(SEED))
    return keras_converter(model)


def build_keras_decoder(vocab=100, hidden=32, heads=4, layers=2, intermediate=64, max_positions=32):
    keras, PositionEmbedding, _, TanhGelu = keras_layers()
    input_ids = keras.Input((None,), dtype="int32", name="input_ids")
    x = keras.layers.Embedding(vocab, hidden, name="token_embedding")(input_ids)
    x = x + PositionEmbedding(max_positions, hidden, name="position_embedding")(input_ids)
    for index in range(layers):
        h = keras.layers.LayerNormalization(epsilon=1e-5, name=f"block{index}_ln_1")(x)
        attention = keras.layers.MultiHeadAttention(heads, hidden // heads, name=f"block{index}_attention")
        x = x + attention(h, h, use_causal_mask=True)
        h = keras.layers.LayerNormalization(epsilon=1e-5, name=f"block{index}_ln_2")(x)
        h = TanhGelu(name=f"block{index}_gelu")(keras.layers.Dense(intermediate, name=f"block{index}_fc")(h))
        x = x + keras.layers.Dense(hidden, name=f"block{index}_proj")(h)
    x = keras.layers.LayerNormalization(epsilon=1e-5, name="ln_f")(x)
    logits = keras.layers.Dense(vocab, use_bias=False, name="lm_head")(x)
    model = keras.Model(input_ids, logits, name="keras_decoder")
    randomize(model.weights, np.random.default_rng(SEED))
    return keras_converter(model)


def transformers_tf_missing():
    try:
        import transformers
    except ImportError:
        return "transformers is not installed; run from the venv of tools/setup-venv.sh --tf"
    if not hasattr(transformers, "TFBertModel"):
        return (f"transformers {transformers.__version__} has no TensorFlow classes (dropped in 5.0); "
                "run from the venv of tools/setup-venv.sh --tf")
    return None


def transformers_tf():
    """transformers with its TensorFlow classes, or an error saying why this venv has none."""
    reason = transformers_tf_missing()
    if reason:
        raise RuntimeError(reason)
    import transformers

    return transformers


def function_converter(call, input_specs):
    """A tf.function over call(*tensors) -> tuple, converted by tf2onnx.convert.from_function."""
    function = tf.function(call, input_signature=tensor_specs(input_specs))

    def convert(spec, opset):
        proto, _ = tf2onnx.convert.from_function(function, input_signature=spec, opset=opset,
                                                 custom_op_handlers=CUSTOM_OP_HANDLERS)
        return proto.SerializeToString()

    return call, convert


def build_tf_bert():
    transformers = transformers_tf()
    config = transformers.BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=64, max_position_embeddings=32, type_vocab_size=2,
                                     initializer_range=0.2)
    model = transformers.TFBertModel(config)
    model(model.dummy_inputs, training=False)
    randomize(model.weights, np.random.default_rng(SEED))

    def call(input_ids, attention_mask, token_type_ids):
        out = model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                    training=False)
        return out.last_hidden_state, out.pooler_output

    return function_converter(call, BERT_INPUTS)


def build_tf_gpt2():
    transformers = transformers_tf()
    config = transformers.GPT2Config(vocab_size=100, n_embd=32, n_layer=2, n_head=4, n_inner=64, n_positions=32,
                                     initializer_range=0.2, use_cache=False)
    model = transformers.TFGPT2LMHeadModel(config)
    model(model.dummy_inputs, training=False)
    randomize(model.weights, np.random.default_rng(SEED))

    def call(input_ids, attention_mask):
        out = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False, training=False)
        return (out.logits,)

    return function_converter(call, GPT2_INPUTS)


def tensor_specs(input_specs):
    return [tf.TensorSpec((None, None), dtype, name=name) for name, dtype in input_specs]


def token_ids(rng, batch, seq, vocab=100):
    return rng.integers(0, vocab, size=(batch, seq))


def padding_mask(rng, batch, seq):
    """1 for real tokens, 0 for right padding; the first row is never padded, the others keep >= 2 tokens."""
    mask = np.ones((batch, seq), dtype=np.int64)
    for row in range(1, batch):
        mask[row, rng.integers(2, seq + 1):] = 0
    return mask


def keras_encoder_inputs(rng, batch, seq):
    return [token_ids(rng, batch, seq).astype(np.int32), padding_mask(rng, batch, seq).astype(np.int32)]


def keras_decoder_inputs(rng, batch, seq):
    return [token_ids(rng, batch, seq).astype(np.int32)]


def bert_inputs(rng, batch, seq):
    types = np.zeros((batch, seq), dtype=np.int32)
    types[:, seq // 2:] = 1
    return [token_ids(rng, batch, seq).astype(np.int32), padding_mask(rng, batch, seq).astype(np.int32), types]


def gpt2_inputs(rng, batch, seq):
    return [token_ids(rng, batch, seq).astype(np.int32), padding_mask(rng, batch, seq).astype(np.int32)]


BERT_INPUTS = [("input_ids", tf.int32), ("attention_mask", tf.int32), ("token_type_ids", tf.int32)]
GPT2_INPUTS = [("input_ids", tf.int32), ("attention_mask", tf.int32)]

SHAPES = [(1, 7), (3, 12)]

FAMILIES = [
    KerasFamily(
        name="keras_encoder",
        description="Keras 3 functional encoder: Embedding + learned positions (custom layer slicing a weight to "
        "the sequence length), post-LayerNorm blocks of keras.layers.MultiHeadAttention with a padding mask "
        "([batch, 1, seq] bool from the int32 attention_mask), Dense FFN with erf GELU, tanh pooler on the first "
        "token. vocab 100, hidden 32, 4 heads, 2 blocks, FFN 64, 32 positions.",
        build=build_keras_encoder,
        inputs=keras_encoder_inputs,
        input_specs=[("input_ids", tf.int32), ("attention_mask", tf.int32)],
        output_names=["last_hidden_state", "pooled"],
        shapes=SHAPES,
    ),
    KerasFamily(
        name="keras_decoder",
        description="Keras 3 functional causal decoder: Embedding + learned positions, pre-LayerNorm blocks of "
        "keras.layers.MultiHeadAttention(use_causal_mask=True) (the mask is built from CumSum of ones and "
        "GreaterEqual), Dense FFN with tanh GELU, final LayerNorm, Dense LM head without bias. vocab 100, hidden 32, "
        "4 heads, 2 blocks, FFN 64, 32 positions.",
        build=build_keras_decoder,
        inputs=keras_decoder_inputs,
        input_specs=[("input_ids", tf.int32)],
        output_names=["logits"],
        shapes=SHAPES,
    ),
    KerasFamily(
        name="tf_bert",
        description="transformers.TFBertModel (TensorFlow) from BertConfig: vocab 100, hidden 32, 4 heads, 2 layers, "
        "FFN 64, 32 positions, 2 token types, initializer_range 0.2; padding attention_mask and token_type_ids inputs.",
        build=build_tf_bert,
        inputs=bert_inputs,
        input_specs=BERT_INPUTS,
        output_names=["last_hidden_state", "pooler_output"],
        shapes=SHAPES,
        missing=transformers_tf_missing,
    ),
    KerasFamily(
        name="tf_gpt2",
        description="transformers.TFGPT2LMHeadModel (TensorFlow) from GPT2Config: vocab 100, hidden 32, 4 heads, "
        "2 layers, FFN 64, 32 positions, initializer_range 0.2, no KV cache; padding attention_mask input.",
        build=build_tf_gpt2,
        inputs=gpt2_inputs,
        input_specs=GPT2_INPUTS,
        output_names=["logits"],
        shapes=SHAPES,
        missing=transformers_tf_missing,
    ),
]


def seed_everything():
    np.random.seed(SEED)
    tf.random.set_seed(SEED)
    try:
        keras_module().utils.set_random_seed(SEED)
    except Exception:  # the transformers families run on tf-keras; TF's seed is enough for them
        pass


def error_text(error):
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"{type(error).__name__}: {message}"[:300]


def export_family(family, out_dir, exporters):
    entries, failures = [], []
    for exporter in exporters:
        if exporter not in family.exporters:
            continue
        dir_name = f"{family.name}_{exporter}"
        try:
            seed_everything()
            run, convert = family.build()
            onnx_bytes = convert(tensor_specs(family.input_specs), int(exporter[len("tf2onnx"):]))
            data_rng = np.random.default_rng(SEED + 1)
            input_sets = [family.inputs(data_rng, batch, seq) for batch, seq in family.shapes]

            def framework_run(inputs):
                return [np.asarray(o) for o in run(*(tf.constant(a) for a in inputs))]

            entry = export_common.record_model(out_dir, dir_name, onnx_bytes, input_sets, framework_run, family.atol)
        except Exception as error:  # an exporter that cannot handle a family is a result to report
            failures.append((exporter, error_text(error)))
            print(f"{dir_name}: FAILED: {failures[-1][1]}", flush=True)
            if os.environ.get("DNNX_EXPORT_TRACEBACK"):
                traceback.print_exc()
            continue
        export_common.print_summary(entry)
        entries.append(entry)
    return entries, failures


def versions(with_transformers):
    import onnxruntime

    names = [f"tensorflow {tf.__version__}"]
    if with_transformers:
        import tf_keras

        names.append(f"transformers {transformers_tf().__version__} on tf-keras {tf_keras.__version__}")
    else:
        names.append(f"keras {keras_module().__version__}")
    return ", ".join(names + [f"tf2onnx {tf2onnx.__version__}", f"onnxruntime {onnxruntime.__version__}"])


def family_section(family, entries, failures):
    lines = [f"### {family.name}", "", family.description, ""]
    lines += ["Inputs: " + ", ".join(name for name, _ in family.input_specs) + " (int32). Outputs: "
              + ", ".join(family.output_names) + " (the graph names them as tf2onnx does).", ""]
    if entries:
        lines += [f"Exported with {versions(family.name.startswith('tf_'))}.", ""]
        lines += export_common.entries_table(entries, "TensorFlow") + [""]
    for exporter, reason in failures:
        lines += [f"Not exported by {exporter}: `{reason}`", ""]
    lines += export_common.ops_lines(entries)
    return "\n".join(lines)


INTRO = """## TensorFlow / Keras (tf2onnx)

Generated by `tools/export/keras_models.py`. The Keras families (keras_encoder, keras_decoder) run in the full
venv (`tools/setup-venv.sh --full`); the `transformers` TensorFlow families (tf_bert, tf_gpt2) need
transformers 4.x, whose TensorFlow classes 5.x dropped, on tf-keras: the separate venv of
`tools/setup-venv.sh --tf` (`tools/requirements-tf.txt`, in `.venv-tf`), which runs all four. Keras models
are converted with `tf2onnx.convert.from_keras`,
the `transformers` ones with `tf2onnx.convert.from_function` over a `tf.function` whose TensorSpec signature
has None batch and sequence dims; directories are `<family>_tf2onnx<opset>`. Keras 3's exact `gelu` is
`0.5 * x * erfc(-x / sqrt(2))` in TensorFlow 2.21, and tf2onnx 1.17 cannot convert Erfc, so the script passes
tf2onnx a custom op handler that writes it as `1 - Erf(x)`. TensorFlow runs with `TF_ENABLE_ONEDNN_OPTS=0`.
tf2onnx's graphs at opset 13 vary from run to run (PYTHONHASHSEED does not fix it): its Einsum optimizer leaves
an Einsum in place (here MultiHeadAttention's output projection `abcd,cde->abe`) when the Transpose feeding it
has no inferred shape yet, so a rerun may change the node count and op mix; the committed files are one run."""


def main():
    default_out = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                                "models"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=default_out, help="output directory (tests/models)")
    parser.add_argument("--only", action="append", help="export only this family (repeatable)")
    parser.add_argument("--exporter", action="append", choices=EXPORTERS, help="only this exporter (repeatable)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    unknown = set(args.only or []) - {f.name for f in FAMILIES}
    if unknown:
        sys.exit(f"unknown families: {sorted(unknown)}; known: {[f.name for f in FAMILIES]}")
    os.makedirs(args.out, exist_ok=True)
    readme = os.path.join(args.out, "README.md")
    export_common.update_readme_section(readme, "keras", INTRO)
    for family in FAMILIES:
        if args.only and family.name not in args.only:
            continue
        reason = family.missing()
        if reason and not args.only:
            print(f"{family.name}: skipped: {reason}", flush=True)
            continue
        entries, failures = export_family(family, args.out, args.exporter or EXPORTERS)
        export_common.update_readme_section(readme, f"keras {family.name}", family_section(family, entries, failures))


if __name__ == "__main__":
    main()
