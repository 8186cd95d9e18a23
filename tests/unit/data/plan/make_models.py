#!/usr/bin/python3
"""Writes the small models tests/unit/test_plan.c runs to check the arena plan's sharing: views
(Reshape, Squeeze, Unsqueeze, Flatten, Identity) and elementwise ops written in place. Needs onnx and
numpy (Debian: python3-onnx):
    /usr/bin/python3 tests/unit/data/plan/make_models.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def node(op, inputs, outputs, **attrs):
    return helper.make_node(op, inputs, outputs, outputs[0] + "_" + op.lower(), **attrs)


def save(name, nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="dnnx-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    with open(os.path.join(HERE, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())


def reuse_after():
    """y = -(exp(relu(x)) + relu(x)): Exp may not write over relu(x), which the Add reads after it."""
    save("reuse_after", [
        node("Relu", ["x"], ["a"]),
        node("Exp", ["a"], ["b"]),
        node("Add", ["b", "a"], ["c"]),
        node("Neg", ["c"], ["y"]),
    ], [vi("x", F, ["n", 3])], [vi("y", F, ["n", 3])])


def views():
    """y = -(exp(relu(x)) + x) as [1, 4n] through views of the input (Reshape, then Unsqueeze of
    that) and of the arena (Flatten, Identity): the Relu must not write over the caller's x."""
    save("views", [
        node("Reshape", ["x", "flat"], ["v1"]),
        node("Unsqueeze", ["v1", "zero"], ["v2"]),
        node("Relu", ["v2"], ["r"]),
        node("Flatten", ["r"], ["f"], axis=0),
        node("Identity", ["f"], ["g"]),
        node("Exp", ["g"], ["e"]),
        node("Add", ["e", "v1"], ["t"]),
        node("Neg", ["t"], ["y"]),
    ], [vi("x", F, ["n", 4])], [vi("y", F, [1, None])],
        [const("flat", np.array([-1], np.int64)), const("zero", np.array([0], np.int64))])


def view_lifetime():
    """y = sigmoid(-x + exp(relu(x)) + relu(x)) as [4n]: the Reshape's view of -x outlives -x's own
    last read, so exp(relu(x)), made after it (the executor runs ready nodes first come, first served)
    and not over relu(x) (read again at the end), must not take its bytes."""
    save("view_lifetime", [
        node("Neg", ["x"], ["a"]),
        node("Relu", ["x"], ["q"]),
        node("Reshape", ["a", "flat"], ["v"]),
        node("Exp", ["q"], ["b"]),
        node("Reshape", ["b", "flat"], ["w"]),
        node("Add", ["v", "w"], ["s"]),
        node("Reshape", ["q", "flat"], ["p"]),
        node("Add", ["s", "p"], ["t"]),
        node("Sigmoid", ["t"], ["y"]),
    ], [vi("x", F, ["n", 4])], [vi("y", F, [None])], [const("flat", np.array([-1], np.int64))])


def chain():
    """y = |softmax(k - sqrt(sigmoid(tanh(exp(-x)))))| over rows of 16: every intermediate fits in
    one block, written in place; the Sub's first input broadcasts, so it writes over its second."""
    save("chain", [
        node("Neg", ["x"], ["a"]),
        node("Exp", ["a"], ["b"]),
        node("Tanh", ["b"], ["c"]),
        node("Sigmoid", ["c"], ["d"]),
        node("Sqrt", ["d"], ["e"]),
        node("Sub", ["k", "e"], ["s"]),
        node("Softmax", ["s"], ["m"], axis=-1),
        node("Abs", ["m"], ["y"]),
    ], [vi("x", F, ["n", 16])], [vi("y", F, ["n", 16])],
        [const("k", np.linspace(-1, 2, 16).astype(np.float32))])


def loop_views():
    """x' = 0.5 * (relu(-x) + exp(x0)) three times from x0, then y = -(exp(x0) * x): the body views its
    carried input and writes in place around it; exp(x0) is read inside the loop and after it; the
    Loop's output, which the executor frees after its last read, may not be viewed."""
    body = helper.make_graph([
        node("Reshape", ["x_in", "flat"], ["v"]),
        node("Neg", ["v"], ["n"]),
        node("Relu", ["n"], ["r"]),
        node("Reshape", ["r", "square"], ["u"]),
        node("Add", ["u", "o"], ["t"]),
        node("Mul", ["t", "half"], ["x_out"]),
        node("Identity", ["cond_in"], ["cond_out"]),
    ], "body", [vi("iter", I64, []), vi("cond_in", B, []), vi("x_in", F, [2, 2])],
        [vi("cond_out", B, []), vi("x_out", F, [2, 2])],
        [const("flat", np.array([-1], np.int64)), const("square", np.array([2, 2], np.int64)),
         const("half", np.array(0.5, np.float32))])
    save("loop_views", [
        node("Exp", ["x"], ["o"]),
        helper.make_node("Loop", ["trips", "yes", "x"], ["x_final"], "loop", body=body),
        node("Reshape", ["x_final", "square"], ["f"]),
        node("Mul", ["o", "f"], ["z"]),
        node("Neg", ["z"], ["y"]),
    ], [vi("x", F, [2, 2])], [vi("y", F, [2, 2])],
        [const("trips", np.array(3, np.int64)), const("yes", np.array(True)),
         const("square", np.array([2, 2], np.int64))])


if __name__ == "__main__":
    reuse_after()
    views()
    view_lifetime()
    chain()
    loop_views()
