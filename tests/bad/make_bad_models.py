#!/usr/bin/python3
"""Regenerates the malformed-model corpus in tests/bad/ (run with Debian's python3-onnx).

Each case is a directory with a model (and sometimes inputs); cases.txt lists, per case,
the `dnnx run` arguments and a fragment the one-line error must contain. The files are
committed, so the tests need no Python.
"""
import os
import random
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = []


def case(name, model_bytes, expect, args="", files=None):
    """Writes tests/bad/<name>/model.onnx (+ extra files) and records the expectation."""
    directory = os.path.join(HERE, name)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    with open(os.path.join(directory, "model.onnx"), "wb") as f:
        f.write(model_bytes)
    for relative, content in (files or {}).items():
        path = os.path.join(directory, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content)
    CASES.append((name, args, expect))


def model(nodes, inputs, outputs, initializers=(), opset=17, domain_opsets=()):
    graph = helper.make_graph(nodes, "bad", inputs, outputs, initializer=list(initializers))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in domain_opsets]
    m = helper.make_model(graph, opset_imports=opsets, producer_name="dnnx-bad-corpus")
    m.ir_version = 8
    return m


def float_input(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def good_model():
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [float_input("x", [2, 3])],
                 [float_input("y", [2, 3])])


def tensor_pb(array, name):
    return numpy_helper.from_array(array, name).SerializeToString()


def main():
    for entry in os.listdir(HERE):
        if os.path.isdir(os.path.join(HERE, entry)):
            shutil.rmtree(os.path.join(HERE, entry))
    rng = random.Random(1234)
    good = good_model().SerializeToString()

    case("empty_file", b"", "cannot parse model")
    case("random_bytes", bytes(rng.getrandbits(8) for _ in range(4096)), "cannot parse model")
    case("truncated", good[: len(good) // 2], "cannot parse model")

    w = numpy_helper.from_array(np.ones((3, 4), np.float32), "W")
    w.raw_data = w.raw_data[:40]
    case("raw_data_short",
         model([helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")], [float_input("x", [2, 3])],
               [float_input("y", [2, 4])], [w]).SerializeToString(), "raw_data")

    case("missing_initializer",
         model([helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")], [float_input("x", [2, 3])],
               [float_input("y", [2, 4])]).SerializeToString(), "'W'")

    case("unknown_op",
         model([helper.make_node("FancyOp", ["x"], ["y"], name="fancy")], [float_input("x", [2])],
               [float_input("y", [2])]).SerializeToString(), "FancyOp")
    case("unknown_domain",
         model([helper.make_node("Relu", ["x"], ["y"], name="r", domain="com.example")], [float_input("x", [2])],
               [float_input("y", [2])], domain_opsets=[("com.example", 1)]).SerializeToString(), "com.example")
    case("opset_too_new",
         model([helper.make_node("Relu", ["x"], ["y"], name="r")], [float_input("x", [2])],
               [float_input("y", [2])], opset=99).SerializeToString(), "opset 99")

    mm = model([helper.make_node("MatMul", ["a", "b"], ["y"], name="layer.0/attn/MatMul")],
               [float_input("a", [2, 64]), float_input("b", [96, 8])], [float_input("y", [2, 8])])
    case("matmul_dims_mismatch", mm.SerializeToString(), "64 and 96")

    relu = good_model().SerializeToString()
    case("input_wrong_dtype", relu, "must be float, not int64", args="-i x=x.pb",
         files={"x.pb": tensor_pb(np.zeros((2, 3), np.int64), "x")})
    case("input_wrong_rank", relu, "rank 2", args="-i x=x.pb",
         files={"x.pb": tensor_pb(np.zeros((2, 3, 1), np.float32), "x")})
    case("input_wrong_shape", relu, "shape", args="-i x=x.pb",
         files={"x.pb": tensor_pb(np.zeros((2, 4), np.float32), "x")})

    gather = model([helper.make_node("Gather", ["data", "idx"], ["y"], name="embed", axis=0)],
                   [float_input("data", [5, 4]), helper.make_tensor_value_info("idx", TensorProto.INT64, [3])],
                   [float_input("y", [3, 4])])
    case("gather_index_out_of_range", gather.SerializeToString(), "out of range", args="-i data=data.pb -i idx=idx.pb",
         files={"data.pb": tensor_pb(np.zeros((5, 4), np.float32), "data"),
                "idx.pb": tensor_pb(np.array([0, 7, 1], np.int64), "idx")})

    def external(name, location, offset=0, length=48):
        t = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[3, 4])
        t.data_location = TensorProto.EXTERNAL
        for key, value in (("location", location), ("offset", str(offset)), ("length", str(length))):
            entry = t.external_data.add()
            entry.key, entry.value = key, value
        m = model([helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")], [float_input("x", [2, 3])],
                  [float_input("y", [2, 4])], [t])
        return m.SerializeToString()

    case("external_data_escapes_dir", external("ed", "../escape.bin"), "external data")
    case("external_data_absolute", external("ed", "/etc/passwd"), "external data")
    case("external_data_beyond_file", external("ed", "weights.bin", offset=16), "external data",
         files={"weights.bin": np.ones(12, np.float32).tobytes()})

    cyclic = model([helper.make_node("Add", ["x", "c"], ["a"], name="a"), helper.make_node("Relu", ["a"], ["c"], name="c")],
                   [float_input("x", [2])], [float_input("c", [2])])
    case("cyclic_graph", cyclic.SerializeToString(), "cycle")

    two = model([helper.make_node("Relu", ["x"], ["y"], name="r1"), helper.make_node("Relu", ["x"], ["y"], name="r2")],
                [float_input("x", [2])], [float_input("y", [2])])
    case("two_producers", two.SerializeToString(), "two nodes")

    huge = numpy_helper.from_array(np.array([1 << 20, 1 << 20, 1 << 10], np.int64), "shape")
    case("expand_terabytes",
         model([helper.make_node("Expand", ["x", "shape"], ["y"], name="expand")], [float_input("x", [1])],
               [float_input("y", None)], [huge]).SerializeToString(), "memory limit", args="--shape x=1")
    case("constant_of_shape_terabytes",
         model([helper.make_node("ConstantOfShape", ["shape"], ["y"], name="fill")], [],
               [float_input("y", None)], [huge]).SerializeToString(), "memory limit")

    with open(os.path.join(HERE, "cases.txt"), "w") as f:
        f.write("# case | dnnx run arguments after MODEL | fragment the error line must contain\n")
        for name, args, expect in CASES:
            f.write(f"{name} | {args} | {expect}\n")


if __name__ == "__main__":
    main()
