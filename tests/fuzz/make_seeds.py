#!/usr/bin/python3
"""Writes tests/fuzz/seeds/*.onnx: small models for ops that the ONNX 1.12 node tests do not
cover (opset 18+ ops and dnnx's own fused ops), so the fuzzers start inside those kernels.
The outputs are committed; rerun with Debian's python3-onnx when adding a seed:
    /usr/bin/python3 tests/fuzz/make_seeds.py
"""
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "seeds")
F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


def value(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def save(name, nodes, inputs, outputs, initializers=(), opset=23, extra_opsets=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="dnnx-fuzz-seeds")
    model.ir_version = 8
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())


def attention_seeds():
    q4 = value("Q", F, [2, 2, 3, 4])
    k4 = value("K", F, [2, 2, 5, 4])
    v4 = value("V", F, [2, 2, 5, 4])
    y4 = value("Y", F, None)
    save("attention_4d", [helper.make_node("Attention", ["Q", "K", "V"], ["Y"])], [q4, k4, v4], [y4])
    save("attention_4d_causal_scale",
         [helper.make_node("Attention", ["Q", "K", "V"], ["Y"], is_causal=1, scale=0.5, softcap=2.0)],
         [q4, k4, v4], [y4])
    save("attention_bool_mask", [helper.make_node("Attention", ["Q", "K", "V", "M"], ["Y"])],
         [q4, k4, v4, value("M", B, [3, 5])], [y4])
    save("attention_float_mask_qk_out",
         [helper.make_node("Attention", ["Q", "K", "V", "M"], ["Y", "", "", "QK"], qk_matmul_output_mode=1)],
         [q4, k4, v4, value("M", F, [2, 1, 3, 5])], [y4, value("QK", F, None)])
    save("attention_3d_gqa",
         [helper.make_node("Attention", ["Q", "K", "V"], ["Y"], q_num_heads=4, kv_num_heads=2)],
         [value("Q", F, ["batch", 3, 8]), value("K", F, ["batch", 5, 4]), value("V", F, ["batch", 5, 6])], [y4])
    save("attention_past_kv",
         [helper.make_node("Attention", ["Q", "K", "V", "", "PK", "PV"], ["Y", "KP", "VP"], is_causal=1)],
         [q4, value("K", F, [2, 2, 3, 4]), value("V", F, [2, 2, 3, 4]), value("PK", F, [2, 2, 2, 4]),
          value("PV", F, [2, 2, 2, 4])], [y4, value("KP", F, None), value("VP", F, None)])
    save("rotary_embedding",
         [helper.make_node("RotaryEmbedding", ["X", "C", "S", "P"], ["Y"])],
         [value("X", F, [2, 2, 3, 8]), value("C", F, [6, 4]), value("S", F, [6, 4]), value("P", I64, [2, 3])],
         [y4])
    save("rotary_embedding_3d_interleaved",
         [helper.make_node("RotaryEmbedding", ["X", "C", "S"], ["Y"], interleaved=1, num_heads=2,
                           rotary_embedding_dim=4)],
         [value("X", F, [2, 3, 16]), value("C", F, [2, 3, 2]), value("S", F, [2, 3, 2])], [y4])


def fused_seeds():
    nodes = [helper.make_node("FusedMatMul", ["A", "W", "b", "R"], ["Y"], domain="dnnx", activation="Gelu", transB=1)]
    save("fused_matmul_gelu", nodes, [value("A", F, ["batch", 3, 4]), value("R", F, [5])], [value("Y", F, None)],
         [const("W", np.arange(20, dtype=np.float32).reshape(5, 4) / 10), const("b", np.ones(5, np.float32))],
         extra_opsets=[("dnnx", 1)])
    nodes = [helper.make_node("FusedMatMul", ["A", "B"], ["Y"], domain="dnnx", activation="Relu")]
    save("fused_matmul_relu", nodes, [value("A", F, [4]), value("B", F, [2, 4, 3])], [value("Y", F, None)],
         extra_opsets=[("dnnx", 1)])


def image_seeds():
    save("affine_grid", [helper.make_node("AffineGrid", ["T", "S"], ["G"], align_corners=1)],
         [value("T", F, [2, 2, 3])], [value("G", F, None)], [const("S", np.array([2, 1, 3, 4], np.int64))])
    save("affine_grid_3d", [helper.make_node("AffineGrid", ["T", "S"], ["G"])],
         [value("T", F, [1, 3, 4])], [value("G", F, None)], [const("S", np.array([1, 1, 2, 3, 2], np.int64))])
    save("center_crop_pad", [helper.make_node("CenterCropPad", ["X", "S"], ["Y"], axes=[0, -1])],
         [value("X", F, [5, 2, 3])], [value("Y", F, None)], [const("S", np.array([3, 6], np.int64))])
    save("col2im", [helper.make_node("Col2Im", ["X", "I", "K"], ["Y"], strides=[1, 1], pads=[0, 1, 0, 1])],
         [value("X", F, [1, 4, 10])], [value("Y", F, None)],
         [const("I", np.array([3, 4], np.int64)), const("K", np.array([2, 2], np.int64))])
    save("deform_conv", [helper.make_node("DeformConv", ["X", "W", "O", "Bias", "M"], ["Y"], kernel_shape=[2, 2],
                                          pads=[0, 0, 0, 0], offset_group=1)],
         [value("X", F, [1, 1, 3, 3]), value("W", F, [1, 1, 2, 2]), value("O", F, [1, 8, 2, 2]),
          value("Bias", F, [1]), value("M", F, [1, 4, 2, 2])], [value("Y", F, None)], opset=22)
    for mode in ["linear", "nearest", "cubic"]:
        for padding in ["zeros", "border", "reflection"]:
            save("grid_sample_%s_%s" % (mode, padding),
                 [helper.make_node("GridSample", ["X", "G"], ["Y"], mode=mode, padding_mode=padding,
                                   align_corners=int(padding == "border"))],
                 [value("X", F, [1, 2, 3, 4]), value("G", F, [1, 2, 5, 2])], [value("Y", F, None)], opset=20)
    save("grid_sample_16_bilinear",
         [helper.make_node("GridSample", ["X", "G"], ["Y"], mode="bilinear")],
         [value("X", F, [1, 1, 3, 3]), value("G", F, [1, 2, 2, 2])], [value("Y", F, None)], opset=16)
    save("grid_sample_3d", [helper.make_node("GridSample", ["X", "G"], ["Y"])],
         [value("X", F, [1, 1, 2, 3, 2]), value("G", F, [1, 2, 2, 2, 3])], [value("Y", F, None)], opset=22)
    save("tfidf_vectorizer",
         [helper.make_node("TfIdfVectorizer", ["X"], ["Y"], mode="TFIDF", min_gram_length=1, max_gram_length=2,
                           max_skip_count=1, ngram_counts=[0, 3], ngram_indexes=[0, 1, 2, 3, 4],
                           pool_int64s=[2, 3, 5, 5, 6], weights=[1.0, 0.5, 2.0, 1.5, 1.0])],
         [value("X", I64, [2, 6])], [value("Y", F, None)], opset=9)


def empty_huge_seeds():
    """An empty initializer whose other dims are 2^40: zero elements, but stride and scratch
    arithmetic over its dims overflows (mutating op_type reaches the ops that do that)."""
    big = 1 << 40
    empty = helper.make_tensor("Z", F, [0, big, big], [])
    for name, node in [("flatten", helper.make_node("Flatten", ["Z"], ["Y"], axis=2)),
                       ("reduce_sum", helper.make_node("ReduceSum", ["Z"], ["Y"], keepdims=1)),
                       ("concat", helper.make_node("Concat", ["Z", "Z"], ["Y"], axis=1)),
                       ("softmax", helper.make_node("Softmax", ["Z"], ["Y"], axis=1))]:
        save("empty_huge_" + name, [node], [], [value("Y", F, None)], [empty], opset=17)


def main():
    os.makedirs(OUT, exist_ok=True)
    attention_seeds()
    fused_seeds()
    image_seeds()
    empty_huge_seeds()


if __name__ == "__main__":
    main()
