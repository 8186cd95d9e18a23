#!/usr/bin/python3
"""Writes the small control-flow models tests/unit/test_control.c runs (If, Loop, Scan, outer-scope
references, never-ending and runaway loops). Needs onnx and numpy (Debian: python3-onnx):
    /usr/bin/python3 tests/unit/data/control/make_models.py
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


def save(name, nodes, inputs, outputs, initializers=(), opset=17, ir_version=8):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="dnnx-tests")
    model.ir_version = ir_version
    with open(os.path.join(HERE, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())


def if_outer():
    """out = If(c, then: Relu(x) + w, else: ReduceSum(Relu(x))) * 2, the If listed before the Relu
    it reads from its branches, and a longer chain beside it so the arena has something to reuse."""
    then_branch = helper.make_graph([helper.make_node("Add", ["a", "w"], ["t"])], "then", [], [vi("t", F, [2, 3])])
    else_branch = helper.make_graph([helper.make_node("ReduceSum", ["a"], ["e"], keepdims=0)], "else", [],
                                    [vi("e", F, [])])
    nodes = [
        helper.make_node("If", ["c"], ["y"], "if", then_branch=then_branch, else_branch=else_branch),
        helper.make_node("Relu", ["x"], ["a"], "relu"),
        helper.make_node("Exp", ["x"], ["b1"], "exp"),
        helper.make_node("Sigmoid", ["b1"], ["b2"], "sigmoid"),
        helper.make_node("Neg", ["b2"], ["b3"], "neg"),
        helper.make_node("Mul", ["y", "two"], ["out"], "mul"),
        helper.make_node("Add", ["b3", "b2"], ["side"], "side"),
    ]
    save("if_outer", nodes, [vi("c", B, []), vi("x", F, [2, 3])], [vi("out", F, None), vi("side", F, [2, 3])],
         [const("w", np.array([1, 2, 3], np.float32)), const("two", np.array(2, np.float32))])


def if_opset21():
    """If-21: y = x + 1 or x - 1."""
    then_branch = helper.make_graph([helper.make_node("Add", ["x", "one"], ["t"])], "then", [], [vi("t", F, [3])])
    else_branch = helper.make_graph([helper.make_node("Sub", ["x", "one"], ["e"])], "else", [], [vi("e", F, [3])])
    save("if_opset21", [helper.make_node("If", ["c"], ["y"], "if", then_branch=then_branch, else_branch=else_branch)],
         [vi("c", B, []), vi("x", F, [3])], [vi("y", F, [3])], [const("one", np.array(1, np.float32))], opset=21,
         ir_version=10)


def if_untaken_bad_branch():
    """The else branch reshapes x [2, 3] to [4]: wrong, but only if taken."""
    then_branch = helper.make_graph([helper.make_node("Neg", ["x"], ["t"])], "then", [], [vi("t", F, None)])
    else_branch = helper.make_graph([helper.make_node("Reshape", ["x", "bad_shape"], ["e"], "bad_reshape")], "else",
                                    [], [vi("e", F, None)])
    save("if_untaken_bad_branch",
         [helper.make_node("If", ["c"], ["y"], "if", then_branch=then_branch, else_branch=else_branch)],
         [vi("c", B, []), vi("x", F, [2, 3])], [vi("y", F, None)], [const("bad_shape", np.array([4], np.int64))])


def if_bad_cond():
    branch = helper.make_graph([helper.make_node("Neg", ["x"], ["t"])], "b", [], [vi("t", F, [2])])
    save("if_bad_cond", [helper.make_node("If", ["c"], ["y"], "if", then_branch=branch, else_branch=branch)],
         [vi("c", F, []), vi("x", F, [2])], [vi("y", F, [2])])


def subgraph_undefined():
    branch = helper.make_graph([helper.make_node("Neg", ["nowhere"], ["t"])], "b", [], [vi("t", F, [2])])
    save("subgraph_undefined", [helper.make_node("If", ["c"], ["y"], "if", then_branch=branch, else_branch=branch)],
         [vi("c", B, [])], [vi("y", F, [2])])


def loop_nested():
    """Loop(M, cond=true, s=x): while i < limit: s = s + w if i is even else s - w; scan s. w = 2x is
    computed in the main graph and read from an If inside the body (two scopes up); limit is a
    main-graph initializer."""
    even = helper.make_graph([helper.make_node("Add", ["s_in", "w"], ["t_even"])], "even", [], [vi("t_even", F, [2])])
    odd = helper.make_graph([helper.make_node("Sub", ["s_in", "w"], ["t_odd"])], "odd", [], [vi("t_odd", F, [2])])
    body = helper.make_graph(
        [
            helper.make_node("Add", ["i", "one64"], ["next_i"]),
            helper.make_node("Less", ["next_i", "limit"], ["cond_out"]),
            helper.make_node("Mod", ["i", "two64"], ["parity"]),
            helper.make_node("Equal", ["parity", "zero64"], ["is_even"]),
            helper.make_node("If", ["is_even"], ["s_out"], "step", then_branch=even, else_branch=odd),
            helper.make_node("Identity", ["s_out"], ["scan"]),
        ],
        "body", [vi("i", I64, []), vi("cond_in", B, []), vi("s_in", F, [2])],
        [vi("cond_out", B, []), vi("s_out", F, [2]), vi("scan", F, [2])],
        [const("one64", np.array(1, np.int64)), const("two64", np.array(2, np.int64)),
         const("zero64", np.array(0, np.int64))])
    nodes = [
        helper.make_node("Loop", ["M", "true", "x"], ["s_final", "scans"], "loop", body=body),
        helper.make_node("Mul", ["x", "two"], ["w"], "double"),
    ]
    save("loop_nested", nodes, [vi("M", I64, []), vi("x", F, [2])],
         [vi("s_final", F, [2]), vi("scans", F, [None, 2])],
         [const("two", np.array(2, np.float32)), const("true", np.array(True)), const("limit", np.array(5, np.int64))])


def loop_forever():
    """No trip count; the body hands its condition through: runs forever if cond is true."""
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]), helper.make_node("Add", ["s_in", "one"], ["s_out"])],
        "body", [vi("i", I64, []), vi("cond_in", B, []), vi("s_in", F, [1])],
        [vi("cond_out", B, []), vi("s_out", F, [1])], [const("one", np.array([1], np.float32))])
    save("loop_forever", [helper.make_node("Loop", ["", "c", "x"], ["y"], "loop", body=body)],
         [vi("c", B, []), vi("x", F, [1])], [vi("y", F, [1])])


def loop_forever_max():
    """M = INT64_MAX and a constant-true condition."""
    body = helper.make_graph(
        [helper.make_node("Constant", [], ["cond_out"], value=helper.make_tensor("t", B, [], [True])),
         helper.make_node("Add", ["s_in", "one"], ["s_out"])],
        "body", [vi("i", I64, []), vi("cond_in", B, []), vi("s_in", F, [1])],
        [vi("cond_out", B, []), vi("s_out", F, [1])], [const("one", np.array([1], np.float32))])
    save("loop_forever_max", [helper.make_node("Loop", ["M", "", "x"], ["y"], "loop", body=body)],
         [vi("M", I64, []), vi("x", F, [1])], [vi("y", F, [1])])


def loop_runaway():
    """No trip count and a condition (i > -1) that stays true without being provably so; each
    iteration scans 1024 floats out, so the memory limit ends it."""
    body = helper.make_graph(
        [helper.make_node("Greater", ["i", "minus_one"], ["cond_out"]),
         helper.make_node("Identity", ["x"], ["scan"])],
        "body", [vi("i", I64, []), vi("cond_in", B, [])], [vi("cond_out", B, []), vi("scan", F, [1024])],
        [const("minus_one", np.array(-1, np.int64))])
    save("loop_runaway", [helper.make_node("Loop", ["", ""], ["scans"], "loop", body=body)], [vi("x", F, [1024])],
         [vi("scans", F, None)])


def loop_matmul():
    """h = Tanh(h @ W) five times, W [16, 16] a main-graph initializer read from the body."""
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]), helper.make_node("MatMul", ["h_in", "W"], ["mm"]),
         helper.make_node("Tanh", ["mm"], ["h_out"])],
        "body", [vi("i", I64, []), vi("cond_in", B, []), vi("h_in", F, [1, 16])],
        [vi("cond_out", B, []), vi("h_out", F, [1, 16])])
    weights = ((np.arange(256, dtype=np.float32).reshape(16, 16) % 7) - 3) / 8
    save("loop_matmul", [helper.make_node("Loop", ["M", "", "h"], ["y"], "loop", body=body)],
         [vi("h", F, [1, 16])], [vi("y", F, [1, 16])], [const("W", weights), const("M", np.array(5, np.int64))])


def scan_axes():
    """State s [2]; scan x [2, 4] along axis 1 in reverse and y [4, 2] along axis 0; outputs the
    running s stacked along axis 1 and x_t * y_t stacked along axis 0 in reverse."""
    body = helper.make_graph(
        [helper.make_node("Add", ["s_in", "x_t"], ["partial"]), helper.make_node("Add", ["partial", "y_t"], ["s_out"]),
         helper.make_node("Mul", ["x_t", "y_t"], ["prod"]), helper.make_node("Identity", ["s_out"], ["running"])],
        "body", [vi("s_in", F, [2]), vi("x_t", F, [2]), vi("y_t", F, [2])],
        [vi("s_out", F, [2]), vi("running", F, [2]), vi("prod", F, [2])])
    node = helper.make_node("Scan", ["s", "x", "y"], ["s_final", "runs", "prods"], "scan", body=body,
                            num_scan_inputs=2, scan_input_axes=[1, 0], scan_input_directions=[1, 0],
                            scan_output_axes=[1, 0], scan_output_directions=[0, 1])
    save("scan_axes", [node], [vi("s", F, [2]), vi("x", F, [2, 4]), vi("y", F, [4, 2])],
         [vi("s_final", F, [2]), vi("runs", F, [2, 4]), vi("prods", F, [4, 2])])


def scan_negative_axis(opset):
    body = helper.make_graph([helper.make_node("Add", ["s_in", "x_t"], ["s_out"])], "body",
                             [vi("s_in", F, [2]), vi("x_t", F, [2])], [vi("s_out", F, [2])])
    node = helper.make_node("Scan", ["s", "x"], ["s_final"], "scan", body=body, num_scan_inputs=1,
                            scan_input_axes=[-1])
    save(f"scan{opset}_negative_axis", [node], [vi("s", F, [2]), vi("x", F, [2, 3])], [vi("s_final", F, [2])],
         opset=opset, ir_version=4 if opset < 11 else 6)


if __name__ == "__main__":
    if_outer()
    if_opset21()
    if_untaken_bad_branch()
    if_bad_cond()
    subgraph_undefined()
    loop_nested()
    loop_forever()
    loop_forever_max()
    loop_runaway()
    loop_matmul()
    scan_axes()
    scan_negative_axis(9)
    scan_negative_axis(11)
