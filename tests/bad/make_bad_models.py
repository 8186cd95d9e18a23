#!/usr/bin/python3
"""Regenerates the malformed-model corpus in tests/bad/ (run with Debian's python3-onnx).

Each case is a directory with model.onnx (and sometimes inputs or data files). Two lists:
  cases.txt        must fail: `dnnx run model.onnx ARGS` exits 1 with one stderr line
                   containing FRAGMENT (expect_error.sh);
  valid_cases.txt  odd but valid ONNX that must run like ONNX Runtime: `dnnx compare
                   model.onnx test_data_set_0 ARGS` passes against outputs computed here with
                   numpy (expect_success.sh).
The files are committed, so the tests need no Python.
"""
import os
import random
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = []
VALID_CASES = []


def write_case_dir(name, model_bytes, files):
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
    return directory


def case(name, model_bytes, expect, args="", files=None):
    """Writes tests/bad/<name>/model.onnx (+ extra files) and records the expected error."""
    assert "|" not in expect and "|" not in args
    write_case_dir(name, as_bytes(model_bytes), files)
    CASES.append((name, args, expect))


def valid_case(name, model_bytes, inputs, outputs, args=""):
    """Writes a case that must run: test_data_set_0 holds the inputs and expected outputs."""
    files = {f"test_data_set_0/input_{k}.pb": numpy_helper.from_array(a, n).SerializeToString()
             for k, (n, a) in enumerate(inputs)}
    files.update({f"test_data_set_0/output_{k}.pb": numpy_helper.from_array(a, n).SerializeToString()
                  for k, (n, a) in enumerate(outputs)})
    write_case_dir(name, as_bytes(model_bytes), files)
    VALID_CASES.append((name, args))


def as_bytes(m):
    return m if isinstance(m, bytes) else m.SerializeToString()


def model(nodes, inputs, outputs, initializers=(), opset=17, domain_opsets=(), ir_version=8):
    graph = helper.make_graph(nodes, "bad", inputs, outputs, initializer=list(initializers))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in domain_opsets]
    m = helper.make_model(graph, opset_imports=opsets, producer_name="dnnx-bad-corpus")
    m.ir_version = ir_version
    return m


def vi(name, elem_type, shape):
    return helper.make_tensor_value_info(name, elem_type, shape)


def float_input(name, shape):
    return vi(name, TensorProto.FLOAT, shape)


def int64_input(name, shape):
    return vi(name, TensorProto.INT64, shape)


def node(op, inputs, outputs, name, **attrs):
    return helper.make_node(op, inputs, outputs, name=name, **attrs)


def const(array, name):
    return numpy_helper.from_array(np.asarray(array), name)


def i64(values):
    return np.array(values, np.int64)


def good_model():
    return model([node("Relu", ["x"], ["y"], "relu")], [float_input("x", [2, 3])], [float_input("y", [2, 3])])


def tensor_pb(array, name):
    return numpy_helper.from_array(array, name).SerializeToString()


def one_node(op, inputs, outputs, attrs=None, inits=(), value_infos=None, out_infos=None, opset=17, name=None):
    """A graph of one node; graph inputs are the node inputs that are not initializers."""
    init_names = {t.name for t in inits}
    value_infos = value_infos or {}
    graph_inputs = [value_infos.get(i) or float_input(i, None) for i in inputs if i and i not in init_names]
    graph_outputs = [(out_infos or {}).get(o) or float_input(o, None) for o in outputs]
    return model([node(op, inputs, outputs, name or op.lower(), **(attrs or {}))], graph_inputs, graph_outputs,
                 inits, opset=opset)


# --- protobuf wire format, for the cases onnx's Python API cannot produce ---

def varint(value):
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def tag(field, wire_type):
    return varint((field << 3) | wire_type)


def ld(field, payload):
    """A length-delimited field (wire type 2)."""
    return tag(field, 2) + varint(len(payload)) + payload


def vf(field, value):
    """A varint field (wire type 0)."""
    return tag(field, 0) + varint(value)


PARSE_ERROR = "cannot parse model: not a valid ONNX ModelProto"
OPSET_17 = ld(8, ld(1, b"") + vf(2, 17))  # ModelProto.opset_import {domain: "", version: 17}


def relu_graph(node_bytes=None):
    """GraphProto bytes of y = Relu(x) over float[2,3], with an optional hand-made node."""
    value_x = float_input("x", [2, 3]).SerializeToString()
    value_y = float_input("y", [2, 3]).SerializeToString()
    if node_bytes is None:
        node_bytes = ld(1, b"x") + ld(2, b"y") + ld(3, b"relu") + ld(4, b"Relu")
    return ld(1, node_bytes) + ld(2, b"g") + ld(11, value_x) + ld(12, value_y)


def model_bytes(graph_field):
    return vf(1, 8) + OPSET_17 + graph_field


def nested_if(depth):
    """A then-branch graph returning x through `depth` nested If nodes with true conditions."""
    inner = helper.make_graph([node("Identity", ["x"], ["r0"], "leaf")], "leaf", [], [float_input("r0", [2])])
    for level in range(1, depth + 1):
        cond = const(np.array(True), f"c{level}")
        els = helper.make_graph([node("Neg", ["x"], [f"e{level}"], f"else{level}")], f"else{level}", [],
                                [float_input(f"e{level}", [2])])
        inner = helper.make_graph(
            [node("If", [f"c{level}"], [f"r{level}"], f"if{level}", then_branch=inner, else_branch=els)],
            f"then{level}", [], [float_input(f"r{level}", [2])], initializer=[cond])
    return inner


def nested_if_model(depth):
    """y = x through `depth` nested If nodes whose conditions are all true."""
    negate = helper.make_graph([node("Neg", ["x"], ["z"], "negate")], "negate", [], [float_input("z", [2])])
    return model([node("If", ["c"], ["y"], "root", then_branch=nested_if(depth - 1), else_branch=negate)],
                 [float_input("x", [2])], [float_input("y", [2])], [const(np.array(True), "c")])


def true_named(name):
    """A true bool scalar initializer."""
    return const(np.array(True), name)


def main():
    for entry in os.listdir(HERE):
        path = os.path.join(HERE, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
    rng = random.Random(1234)
    good = good_model().SerializeToString()

    # --- files that are not ONNX models at all ---
    case("empty_file", b"", "cannot parse model: not a valid ONNX ModelProto (it is empty)")
    case("random_bytes", bytes(rng.getrandbits(8) for _ in range(4096)), PARSE_ERROR)
    case("truncated", good[: len(good) // 2], PARSE_ERROR)
    case("truncated_last_byte", good[:-1], PARSE_ERROR)
    case("text_file", b"ir_version: 8\ngraph { node { op_type: 'Relu' } }\n", PARSE_ERROR)

    # --- hand-made protobuf: wrong wire types, bad lengths and varints ---
    case("wire_graph_as_varint", model_bytes(vf(7, 1)), PARSE_ERROR)
    case("wire_ir_version_as_bytes", ld(1, b"abc") + OPSET_17 + ld(7, relu_graph()), PARSE_ERROR)
    case("wire_type_7", model_bytes(ld(7, relu_graph())) + tag(20, 7) + b"\x00", PARSE_ERROR)
    case("wire_start_group", model_bytes(ld(7, relu_graph())) + tag(20, 3), PARSE_ERROR)
    case("wire_length_past_end", model_bytes(tag(7, 2) + varint(1000) + relu_graph()), PARSE_ERROR)
    case("wire_varint_overlong", model_bytes(ld(7, relu_graph())) + tag(1, 0) + b"\xff" * 11 + b"\x01",
         PARSE_ERROR)
    node_fixed32_input = tag(1, 5) + b"x\0\0\0" + ld(2, b"y") + ld(4, b"Relu")
    case("wire_node_input_fixed32", model_bytes(ld(7, relu_graph(node_fixed32_input))), PARSE_ERROR)
    node_length_too_long = tag(1, 2) + varint(50) + b"x" + ld(2, b"y") + ld(4, b"Relu")
    case("wire_node_input_length_past_node", model_bytes(ld(7, relu_graph(node_length_too_long))),
         PARSE_ERROR)

    # --- models with no graph, no opset, bad IR versions ---
    case("no_graph", vf(1, 8) + OPSET_17, "model has no graph")
    case("no_opset_import", vf(1, 8) + ld(7, relu_graph()), "model imports no opset")
    case("ir_version_0", model([node("Relu", ["x"], ["y"], "r")], [float_input("x", [2])], [float_input("y", [2])],
                               ir_version=0), "ir_version 0 is not valid")
    case("ir_version_too_new", model([node("Relu", ["x"], ["y"], "r")], [float_input("x", [2])],
                                     [float_input("y", [2])], ir_version=99), "ir_version 99 is newer than")

    # --- tensor data that does not match its dims or type ---
    w = numpy_helper.from_array(np.ones((3, 4), np.float32), "W")
    w.raw_data = w.raw_data[:40]
    case("raw_data_short",
         model([node("MatMul", ["x", "W"], ["y"], "mm")], [float_input("x", [2, 3])],
               [float_input("y", [2, 4])], [w]),
         "initializer 'W': raw_data has 40 bytes, dims [3,4] of float need 48")
    w = numpy_helper.from_array(np.ones((3, 4), np.float32), "W")
    w.raw_data = w.raw_data + b"\0" * 8
    case("raw_data_long", model([node("MatMul", ["x", "W"], ["y"], "mm")], [float_input("x", [2, 3])],
                                [float_input("y", [2, 4])], [w]),
         "initializer 'W': raw_data has 56 bytes, dims [3,4] of float need 48")
    w = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[3, 4], float_data=[1.0] * 10)
    case("float_data_count", model([node("MatMul", ["x", "W"], ["y"], "mm")], [float_input("x", [2, 3])],
                                   [float_input("y", [2, 4])], [w]),
         "initializer 'W': float_data has 10 values, dims [3,4] need 12")
    shape = TensorProto(name="shape", data_type=TensorProto.INT64, dims=[2], int64_data=[3, 2, 1])
    case("int64_data_count", model([node("Reshape", ["x", "shape"], ["y"], "reshape")], [float_input("x", [2, 3])],
                                   [float_input("y", [3, 2])], [shape]),
         "initializer 'shape': int64_data has 3 values, dims [2] need 2")
    bias = TensorProto(name="bias", data_type=TensorProto.INT32, dims=[3], int32_data=[1, 2])
    case("int32_data_count", model([node("Add", ["x", "bias"], ["y"], "add")], [vi("x", TensorProto.INT32, [3])],
                                   [vi("y", TensorProto.INT32, [3])], [bias]),
         "initializer 'bias': int32_data has 2 values, dims [3] need 3")
    mask = TensorProto(name="mask", data_type=TensorProto.BOOL, dims=[4], int32_data=[1, 0, 1])
    case("bool_int32_data_count", model([node("And", ["x", "mask"], ["y"], "and")], [vi("x", TensorProto.BOOL, [4])],
                                        [vi("y", TensorProto.BOOL, [4])], [mask]),
         "initializer 'mask': int32_data has 3 values, dims [4] need 4")
    w = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[-3, 4], raw_data=b"\0" * 48)
    case("initializer_negative_dim", model([node("MatMul", ["x", "W"], ["y"], "mm")], [float_input("x", [2, 3])],
                                           [float_input("y", [2, 4])], [w]),
         "initializer 'W': dims [-3,4] has a negative dim")
    w = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[1 << 40, 1 << 40], raw_data=b"\0" * 16)
    case("initializer_dims_overflow", model([node("Relu", ["W"], ["y"], "relu")], [], [float_input("y", None)], [w]),
         "initializer 'W': dims [1099511627776,1099511627776] of float overflow")
    w = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[1 << 30, 1 << 30], raw_data=b"\0" * 16)
    case("initializer_dims_huge", model([node("Relu", ["W"], ["y"], "relu")], [], [float_input("y", None)], [w]),
         "initializer 'W': raw_data has 16 bytes, dims [1073741824,1073741824] of float need")
    w = TensorProto(name="W", data_type=0, dims=[3, 4], raw_data=b"\0" * 48)
    case("initializer_dtype_undefined", model([node("MatMul", ["x", "W"], ["y"], "mm")], [float_input("x", [2, 3])],
                                              [float_input("y", [2, 4])], [w]),
         "initializer 'W': element type is undefined (0)")
    w = TensorProto(name="W", data_type=99, dims=[3, 4], raw_data=b"\0" * 48)
    case("initializer_dtype_99", model([node("MatMul", ["x", "W"], ["y"], "mm")], [float_input("x", [2, 3])],
                                       [float_input("y", [2, 4])], [w]), "initializer 'W': element type 99 is unknown")
    case("input_dtype_undefined", model([node("Relu", ["x"], ["y"], "relu")], [vi("x", 0, [2])],
                                        [float_input("y", [2])]), "graph input 'x': has no element type")
    case("input_dtype_99", model([node("Relu", ["x"], ["y"], "relu")], [vi("x", 99, [2])],
                                 [float_input("y", [2])]), "graph input 'x': element type 99 is unknown")
    case("input_negative_dim", model([node("Relu", ["x"], ["y"], "relu")], [float_input("x", [2, -5])],
                                     [float_input("y", [2, 3])]), "graph input 'x': dim 1 is -5, which is negative")

    # --- external data ---
    def external(location, offset=0, length=48, extra=()):
        t = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[3, 4])
        t.data_location = TensorProto.EXTERNAL
        entries = [("location", location)]
        entries += [("offset", str(offset))] if offset is not None else []
        entries += [("length", str(length))] if length is not None else []
        for key, value in entries + list(extra):
            entry = t.external_data.add()
            entry.key, entry.value = key, value
        return model([node("MatMul", ["x", "W"], ["y"], "mm")], [float_input("x", [2, 3])],
                     [float_input("y", [2, 4])], [t])

    weights = np.ones(12, np.float32).tobytes()
    case("external_data_escapes_dir", external("../escape.bin"), "external data path '../escape.bin' contains '..'")
    case("external_data_absolute", external("/etc/passwd"), "external data path '/etc/passwd' is absolute")
    case("external_data_beyond_file", external("weights.bin", offset=16),
         "external data at offset 16 with length 48 runs past the end of 'weights.bin'",
         files={"weights.bin": weights})
    case("external_data_offset_past_end", external("weights.bin", offset=4096, length=None),
         "external data offset 4096 is past the end of 'weights.bin'", files={"weights.bin": weights})
    case("external_data_negative_offset", external("weights.bin", offset=-16),
         "external data offset '-16' is not a non-negative integer", files={"weights.bin": weights})
    case("external_data_offset_overflow", external("weights.bin", offset=(1 << 64) - 8),
         "external data offset 18446744073709551608 is past the end", files={"weights.bin": weights})
    case("external_data_length_mismatch", external("weights.bin", length=40),
         "initializer 'W': external data length is 40 bytes, dims [3,4] of float need 48",
         files={"weights.bin": weights})
    case("external_data_missing_file", external("nothing.bin"), "cannot open external data file 'nothing.bin'")
    case("external_data_no_location", external("", extra=()), "initializer 'W': external data location is empty")
    case("external_data_directory", external("subdir"), "external data file 'subdir' is not a readable regular file",
         files={"subdir/keep": b""})
    case("external_data_symlink_outside", external("weights.bin"),
         "external data path 'weights.bin' resolves outside the model directory")
    os.symlink("../external_data_beyond_file/weights.bin", os.path.join(HERE, "external_data_symlink_outside",
                                                                        "weights.bin"))

    # --- graph structure: undefined, duplicated and cyclic values ---
    case("missing_initializer",
         model([node("MatMul", ["x", "W"], ["y"], "mm")], [float_input("x", [2, 3])],
               [float_input("y", [2, 4])]), "node 'mm' (MatMul) reads 'W', which no node, input or initializer defines")
    case("undefined_second_input",
         model([node("Relu", ["x"], ["a"], "relu"), node("Add", ["a", "ghost"], ["y"], "add")],
               [float_input("x", [2])], [float_input("y", [2])]), "node 'add' (Add) reads 'ghost', which no node")
    case("output_not_produced",
         model([node("Relu", ["x"], ["y"], "relu")], [float_input("x", [2])],
               [float_input("y", [2]), float_input("phantom", [2])]),
         "graph output 'phantom' is not produced by any node")
    cyclic = model([node("Add", ["x", "c"], ["a"], "a"), node("Relu", ["a"], ["c"], "c")],
                   [float_input("x", [2])], [float_input("c", [2])])
    case("cyclic_graph", cyclic, "the graph has a cycle through node 'a' (Add)")
    case("self_loop", model([node("Relu", ["y"], ["y"], "loop")], [], [float_input("y", [2])]),
         "the graph has a cycle through node 'loop' (Relu)")
    two = model([node("Relu", ["x"], ["y"], "r1"), node("Relu", ["x"], ["y"], "r2")],
                [float_input("x", [2])], [float_input("y", [2])])
    case("two_producers", two, "value 'y' is produced by two nodes, 'r1' and 'r2'")
    case("same_output_twice_in_node",
         model([node("Split", ["x"], ["a", "a"], "split", axis=0)], [float_input("x", [4])], [float_input("a", [2])]),
         "value 'a' is produced by two nodes, 'split' and 'split'")
    case("node_overwrites_input", model([node("Relu", ["x"], ["x"], "relu")], [float_input("x", [2])],
                                        [float_input("x", [2])]),
         "node 'relu' (Relu) writes 'x', which is a graph input")
    case("node_overwrites_initializer",
         model([node("Relu", ["x"], ["W"], "relu"), node("Add", ["W", "W"], ["y"], "add")], [float_input("x", [2])],
               [float_input("y", [2])], [const(np.ones(2, np.float32), "W")]),
         "node 'relu' (Relu) writes 'W', which is a graph initializer")
    case("node_no_op_type", model([node("", ["x"], ["y"], "nameless")], [float_input("x", [2])],
                                  [float_input("y", [2])]), "node 0 ('nameless') has no op_type")
    case("too_many_inputs", model([node("Relu", ["x", "x"], ["y"], "relu")], [float_input("x", [2])],
                                  [float_input("y", [2])]), "node 'relu' (Relu-14): has 2 inputs, expected 1")
    case("too_few_inputs", model([node("Add", ["x"], ["y"], "add")], [float_input("x", [2])],
                                 [float_input("y", [2])]), "node 'add' (Add-14): has 1 inputs, expected 2")
    case("too_many_outputs", model([node("Relu", ["x"], ["y", "z"], "relu")], [float_input("x", [2])],
                                   [float_input("y", [2]), float_input("z", [2])]),
         "node 'relu' (Relu-14): has 2 outputs, expected 1")

    # --- ops, domains and opsets ---
    case("unknown_op", model([node("FancyOp", ["x"], ["y"], "fancy")], [float_input("x", [2])],
                             [float_input("y", [2])]),
         "node 'fancy': op FancyOp of domain 'ai.onnx' (opset 17) is not supported")
    case("unknown_domain",
         model([helper.make_node("Relu", ["x"], ["y"], name="r", domain="com.example")], [float_input("x", [2])],
               [float_input("y", [2])], domain_opsets=[("com.example", 1)]),
         "node 'r': op Relu of domain 'com.example' (opset 1) is not supported")
    case("opset_too_new", model([node("Relu", ["x"], ["y"], "r")], [float_input("x", [2])], [float_input("y", [2])],
                                opset=99), "opset 99 of domain 'ai.onnx' is not supported")
    case("domain_not_imported",
         model([helper.make_node("Gelu", ["x"], ["y"], name="gelu", domain="com.microsoft")], [float_input("x", [2])],
               [float_input("y", [2])]),
         "node 'gelu' (Gelu) uses domain 'com.microsoft', which the model does not import")
    case("op_version_too_old", model([node("Relu", ["x"], ["y"], "r")], [float_input("x", [2])],
                                     [float_input("y", [2])], opset=1),
         "node 'r': op Relu of domain 'ai.onnx' is supported from opset 6, the model imports opset 1")

    # --- attributes of the wrong type or out of range ---
    case("softmax_axis_float", one_node("Softmax", ["x"], ["y"], {"axis": 1.0},
                                        value_infos={"x": float_input("x", [2, 3])}),
         "node 'softmax' (Softmax-13): attribute 'axis' must be of type int, not float")
    case("transpose_perm_string", one_node("Transpose", ["x"], ["y"], {"perm": "10"},
                                           value_infos={"x": float_input("x", [2, 3])}),
         "node 'transpose' (Transpose-13): attribute 'perm' must be of type ints, not string")
    case("softmax_axis_out_of_range", one_node("Softmax", ["x"], ["y"], {"axis": 2},
                                               value_infos={"x": float_input("x", [2, 3])}),
         "node 'softmax' (Softmax-13): axis 2 is out of range for rank 2")
    case("cast_to_unknown_type", one_node("Cast", ["x"], ["y"], {"to": 99},
                                          value_infos={"x": float_input("x", [2])}),
         "node 'cast' (Cast-13): target dtype 99 is not an ONNX tensor type")
    case("concat_no_axis", one_node("Concat", ["a", "b"], ["y"], value_infos={
        "a": float_input("a", [2]), "b": float_input("b", [2])}),
         "node 'concat' (Concat-13): attribute 'axis' is required")

    # --- type errors between nodes ---
    case("add_float_int64", one_node("Add", ["a", "b"], ["y"], value_infos={
        "a": float_input("a", [2]), "b": int64_input("b", [2])}),
         "node 'add' (Add-14): inputs 0 and 1 must have the same dtype, not float and int64")

    # --- arguments out of range ---
    matmul = model([node("MatMul", ["a", "b"], ["y"], "layer.0/attn/MatMul")],
                   [float_input("a", [2, 64]), float_input("b", [96, 8])], [float_input("y", [2, 8])])
    case("matmul_dims_mismatch", matmul, "node 'layer.0/attn/MatMul' (MatMul-13): inner dims 64 and 96 do not match")
    matmul = model([node("MatMul", ["a", "b"], ["y"], "layer.0/attn/MatMul")],
                   [float_input("a", [2, "k"]), float_input("b", ["m", 8])], [float_input("y", [2, 8])])
    case("matmul_dims_mismatch_at_run", matmul,
         "node 'layer.0/attn/MatMul' (MatMul-13): inner dims 64 and 96 do not match",
         args="--shape k=64 --shape m=96")

    gather = model([node("Gather", ["data", "idx"], ["y"], "embed", axis=0)],
                   [float_input("data", [5, 4]), int64_input("idx", [3])], [float_input("y", [3, 4])])
    case("gather_index_out_of_range", gather, "node 'embed' (Gather-13): index 7 is out of range [-5, 5) on axis 0",
         args="-i data=data.pb -i idx=idx.pb",
         files={"data.pb": tensor_pb(np.zeros((5, 4), np.float32), "data"),
                "idx.pb": tensor_pb(i64([0, 7, 1]), "idx")})
    case("gather_negative_index_out_of_range", gather, "node 'embed' (Gather-13): index -6 is out of range",
         args="-i data=data.pb -i idx=idx.pb",
         files={"data.pb": tensor_pb(np.zeros((5, 4), np.float32), "data"),
                "idx.pb": tensor_pb(i64([0, -6, 1]), "idx")})
    case("gather_axis_out_of_range", one_node("Gather", ["data", "idx"], ["y"], {"axis": 2},
                                              inits=[const(i64([0]), "idx")],
                                              value_infos={"data": float_input("data", [5, 4])}),
         "node 'gather' (Gather-13): axis 2 is out of range for rank 2")
    case("gather_elements_index_out_of_range",
         one_node("GatherElements", ["data", "idx"], ["y"], {"axis": 1},
                  value_infos={"data": float_input("data", [2, 3]), "idx": int64_input("idx", [2, 2])}),
         "node 'gatherelements' (GatherElements-13): index 3 is out of range [-3, 3) on axis 1",
         args="-i data=data.pb -i idx=idx.pb",
         files={"data.pb": tensor_pb(np.zeros((2, 3), np.float32), "data"),
                "idx.pb": tensor_pb(i64([[0, 1], [3, 0]]), "idx")})
    case("gather_elements_rank_mismatch",
         one_node("GatherElements", ["data", "idx"], ["y"], {"axis": 0}, inits=[const(i64([0, 1]), "idx")],
                  value_infos={"data": float_input("data", [2, 3])}),
         "node 'gatherelements' (GatherElements-13): indices have rank 1 but data has rank 2")
    slice_inputs = ["x", "starts", "ends", "axes", "steps"]
    case("slice_step_zero",
         one_node("Slice", slice_inputs, ["y"], inits=[const(i64([0]), "starts"), const(i64([2]), "ends"),
                                                       const(i64([0]), "axes"), const(i64([0]), "steps")],
                  value_infos={"x": float_input("x", [4])}), "node 'slice' (Slice-13): step of axis 0 is 0")
    case("slice_axis_out_of_range",
         one_node("Slice", slice_inputs, ["y"], inits=[const(i64([0]), "starts"), const(i64([2]), "ends"),
                                                       const(i64([3]), "axes"), const(i64([1]), "steps")],
                  value_infos={"x": float_input("x", [4])}),
         "node 'slice' (Slice-13): axis 3 is out of range for rank 1")
    case("slice_axes_repeated",
         one_node("Slice", slice_inputs, ["y"], inits=[const(i64([0, 0]), "starts"), const(i64([2, 2]), "ends"),
                                                       const(i64([0, 0]), "axes"), const(i64([1, 1]), "steps")],
                  value_infos={"x": float_input("x", [4])}),
         "node 'slice' (Slice-13): axis 0 is sliced more than once")
    case("split_sizes_sum",
         model([node("Split", ["x", "split"], ["a", "b"], "split", axis=0)], [float_input("x", [6])],
               [float_input("a", None), float_input("b", None)], [const(i64([2, 2]), "split")], opset=13),
         "node 'split' (Split-13): split sizes add up to 4, not to the dim 6 of axis 0")
    case("concat_dims_mismatch", one_node("Concat", ["a", "b"], ["y"], {"axis": 0}, value_infos={
        "a": float_input("a", [2, 3]), "b": float_input("b", [2, 4])}),
         "node 'concat' (Concat-13): input 1 [2,4] and input 0 [2,3] differ on axis 1")
    case("concat_axis_out_of_range", one_node("Concat", ["a", "b"], ["y"], {"axis": 2}, value_infos={
        "a": float_input("a", [2, 3]), "b": float_input("b", [2, 3])}),
         "node 'concat' (Concat-13): axis 2 is out of range for rank 2")
    case("transpose_perm_out_of_range", one_node("Transpose", ["x"], ["y"], {"perm": [0, 2]},
                                                 value_infos={"x": float_input("x", [2, 3])}),
         "node 'transpose' (Transpose-13): perm is not a permutation of 0..1 (entry 1 is 2)")
    case("transpose_perm_duplicate", one_node("Transpose", ["x"], ["y"], {"perm": [1, 1]},
                                              value_infos={"x": float_input("x", [2, 3])}),
         "node 'transpose' (Transpose-13): perm is not a permutation of 0..1 (entry 1 is 1)")
    case("transpose_perm_wrong_length", one_node("Transpose", ["x"], ["y"], {"perm": [1, 0, 2]},
                                                 value_infos={"x": float_input("x", [2, 3])}),
         "node 'transpose' (Transpose-13): perm has 3 entries for a rank-2 input")
    case("reshape_two_minus_ones", one_node("Reshape", ["x", "shape"], ["y"], inits=[const(i64([-1, -1]), "shape")],
                                            value_infos={"x": float_input("x", [2, 3])}),
         "node 'reshape' (Reshape-14): cannot reshape input [2,3] into shape [-1,-1]: more than one -1")
    case("reshape_count_mismatch", one_node("Reshape", ["x", "shape"], ["y"], inits=[const(i64([4, 2]), "shape")],
                                            value_infos={"x": float_input("x", [2, 3])}),
         "node 'reshape' (Reshape-14): cannot reshape input [2,3] into shape [4,2]: 6 elements, not 8")
    case("reshape_dim_below_minus_one",
         one_node("Reshape", ["x", "shape"], ["y"], inits=[const(i64([-2, 3]), "shape")],
                  value_infos={"x": float_input("x", [2, 3])}),
         "node 'reshape' (Reshape-14): cannot reshape input [2,3] into shape [-2,3]: dim 0 is -2")
    case("expand_incompatible", one_node("Expand", ["x", "shape"], ["y"], inits=[const(i64([4]), "shape")],
                                         value_infos={"x": float_input("x", [3])}),
         "node 'expand' (Expand-13): shapes [3] and [4] cannot be broadcast")
    case("add_broadcast_mismatch_at_run", one_node("Add", ["a", "b"], ["y"], value_infos={
        "a": float_input("a", ["n"]), "b": float_input("b", ["m"])}),
         "node 'add' (Add-14): shapes [3] and [4] cannot be broadcast",
         args="--shape n=3 --shape m=4")
    case("conv_kernel_larger_than_input",
         one_node("Conv", ["x", "W"], ["y"], inits=[const(np.ones((1, 1, 5, 5), np.float32), "W")],
                  value_infos={"x": float_input("x", [1, 1, 3, 3])}),
         "node 'conv' (Conv-11): kernel extent 5 is larger than the padded input size 3 on spatial axis 0")
    case("conv_channels_mismatch",
         one_node("Conv", ["x", "W"], ["y"], inits=[const(np.ones((1, 2, 1, 1), np.float32), "W")],
                  value_infos={"x": float_input("x", [1, 3, 4, 4])}),
         "node 'conv' (Conv-11): W has 2 input channels per group and group is 1, but X has 3 channels")
    case("topk_k_too_large",
         model([node("TopK", ["x", "k"], ["v", "i"], "topk")], [float_input("x", [3])],
               [float_input("v", None), int64_input("i", None)], [const(i64([5]), "k")]),
         "node 'topk' (TopK-11): k 5 is larger than axis 0 of size 3")
    case("range_delta_zero",
         model([node("Range", ["s", "l", "d"], ["y"], "range")], [], [int64_input("y", None)],
               [const(np.int64(0), "s"), const(np.int64(10), "l"), const(np.int64(0), "d")]),
         "node 'range' (Range-11): delta is 0")

    # --- outputs asking for terabytes ---
    huge = const(i64([1 << 20, 1 << 20, 1 << 10]), "shape")
    case("expand_terabytes",
         model([node("Expand", ["x", "shape"], ["y"], "expand")], [float_input("x", [1])],
               [float_input("y", None)], [huge]),
         "node 'expand' (Expand-13) output 0: needs 4503599627370496 bytes, past the memory limit", args="--shape x=1")
    case("constant_of_shape_terabytes",
         model([node("ConstantOfShape", ["shape"], ["y"], "fill")], [], [float_input("y", None)], [huge]),
         "node 'fill' (ConstantOfShape-9) output 0: needs 4503599627370496 bytes, past the memory limit")
    case("tile_terabytes", one_node("Tile", ["x", "repeats"], ["y"], inits=[const(i64([1 << 20, 1 << 20]), "repeats")],
                                    value_infos={"x": float_input("x", [1, 1])}),
         "node 'tile' (Tile-13) output 0: needs 4398046511104 bytes, past the memory limit")
    case("range_terabytes",
         model([node("Range", ["s", "l", "d"], ["y"], "range")], [], [int64_input("y", None)],
               [const(np.int64(0), "s"), const(np.int64(1 << 50), "l"), const(np.int64(1), "d")]),
         "node 'range' (Range-11) output 0: needs 9007199254740992 bytes, past the memory limit")
    case("expand_terabytes_at_run", model([node("Expand", ["x", "shape"], ["y"], "expand")],
                                          [float_input("x", [1]), int64_input("shape", [3])], [float_input("y", None)]),
         "node 'expand' (Expand-13) output 0: needs 4503599627370496 bytes, past the memory limit",
         args="-i shape=shape.pb", files={"shape.pb": tensor_pb(i64([1 << 20, 1 << 20, 1 << 10]), "shape")})

    # --- inputs that do not fit the model ---
    relu = good_model()
    case("input_wrong_dtype", relu, "input 'x' must be float, not int64", args="-i x=x.pb",
         files={"x.pb": tensor_pb(np.zeros((2, 3), np.int64), "x")})
    case("input_wrong_rank", relu, "input 'x' must have rank 2 [2,3], not rank 3 [2,3,1]", args="-i x=x.pb",
         files={"x.pb": tensor_pb(np.zeros((2, 3, 1), np.float32), "x")})
    case("input_wrong_shape", relu, "input 'x' must have shape [2,3], not [2,4] (dim 1)", args="-i x=x.pb",
         files={"x.pb": tensor_pb(np.zeros((2, 4), np.float32), "x")})
    add = model([node("Add", ["a", "b"], ["y"], "add")], [float_input("a", [2]), float_input("b", [2])],
                [float_input("y", [2])])
    case("input_missing", add, "node 'add' (Add): input 'b' was not given", args="-d data",
         files={"data/input_0.pb": tensor_pb(np.zeros(2, np.float32), "a")})
    case("input_file_corrupt", relu, "x.pb: cannot parse tensor: not a valid ONNX TensorProto", args="-i x=x.pb",
         files={"x.pb": tensor_pb(np.zeros((2, 3), np.float32), "x")[:-5]})

    # --- more attributes and arguments out of range ---
    def on(op, inputs, attrs=None, inits=(), x_shape=None, out_infos=None, opset=17, x_info=None):
        infos = {"x": x_info or float_input("x", x_shape)}
        return one_node(op, inputs, ["y"], attrs, inits=inits, value_infos=infos, out_infos=out_infos, opset=opset)

    w1 = const(np.ones((1, 1, 1, 1), np.float32), "W")
    case("conv_stride_zero", on("Conv", ["x", "W"], {"strides": [0, 0]}, [w1], [1, 1, 3, 3]),
         "node 'conv' (Conv-11): attribute 'strides' has 0 on spatial axis 0, must be >= 1")
    case("conv_dilation_zero", on("Conv", ["x", "W"], {"dilations": [0, 0]}, [w1], [1, 1, 3, 3]),
         "node 'conv' (Conv-11): attribute 'dilations' has 0 on spatial axis 0, must be >= 1")
    case("conv_group_zero", on("Conv", ["x", "W"], {"group": 0}, [w1], [1, 1, 3, 3]),
         "node 'conv' (Conv-11): group must be >= 1, not 0")
    w3 = const(np.ones((3, 1, 1, 1), np.float32), "W")
    case("conv_group_not_dividing", on("Conv", ["x", "W"], {"group": 2}, [w3], [1, 2, 3, 3]),
         "node 'conv' (Conv-11): group 2 does not divide the 3 output channels")
    case("conv_pads_negative", on("Conv", ["x", "W"], {"pads": [-5, -5, 0, 0]}, [w1], [1, 1, 3, 3]),
         "node 'conv' (Conv-11): attribute 'pads' has value -5, outside 0..")
    case("conv_pads_huge", on("Conv", ["x", "W"], {"pads": [1 << 40] * 4}, [w1], [1, 1, 3, 3]),
         "node 'conv' (Conv-11): attribute 'pads' has value 1099511627776, outside 0..")
    case("maxpool_kernel_zero", on("MaxPool", ["x"], {"kernel_shape": [0, 0]}, x_shape=[1, 1, 3, 3]),
         "node 'maxpool' (MaxPool-12): attribute 'kernel_shape' has 0 on spatial axis 0, must be >= 1")
    case("maxpool_kernel_larger_than_input", on("MaxPool", ["x"], {"kernel_shape": [5, 5]}, x_shape=[1, 1, 3, 3]),
         "node 'maxpool' (MaxPool-12): kernel extent 5 is larger than the padded input size 3 on spatial axis 0")
    case("softmax_axis_int64_min", on("Softmax", ["x"], {"axis": -(1 << 63)}, x_shape=[2]),
         "node 'softmax' (Softmax-13): axis -9223372036854775808 is out of range for rank 1")
    case("squeeze_axis_not_one", on("Squeeze", ["x", "axes"], inits=[const(i64([0]), "axes")], x_shape=[2, 3]),
         "node 'squeeze' (Squeeze-13): cannot squeeze axis 0 of input [2,3]: its size is 2, not 1")
    case("unsqueeze_axes_repeated", on("Unsqueeze", ["x", "axes"], inits=[const(i64([0, 0]), "axes")], x_shape=[2]),
         "node 'unsqueeze' (Unsqueeze-13): axis 0 is given more than once")
    case("cumsum_axis_out_of_range", on("CumSum", ["x", "axis"], inits=[const(np.int64(5), "axis")], x_shape=[3]),
         "node 'cumsum' (CumSum-14): axis 5 is out of range for rank 1")
    case("reduce_axis_out_of_range", on("ReduceSum", ["x", "axes"], inits=[const(i64([3]), "axes")], x_shape=[4]),
         "node 'reducesum' (ReduceSum-13): axis 3 is out of range for rank 1")
    case("layernorm_axis_out_of_range",
         on("LayerNormalization", ["x", "scale"], {"axis": 5}, [const(np.ones(3, np.float32), "scale")], [2, 3]),
         "node 'layernormalization' (LayerNormalization-17): axis 5 is out of range for rank 2")
    case("layernorm_scale_shape",
         on("LayerNormalization", ["x", "scale"], inits=[const(np.ones(4, np.float32), "scale")], x_shape=[2, 3]),
         "node 'layernormalization' (LayerNormalization-17): scale of shape [4] does not broadcast to the input shape")
    case("topk_negative_k",
         model([node("TopK", ["x", "k"], ["v", "i"], "topk")], [float_input("x", [3])],
               [float_input("v", None), int64_input("i", None)], [const(i64([-1]), "k")]),
         "node 'topk' (TopK-11): k is -1, it must not be negative")
    case("einsum_unknown_output_label",
         one_node("Einsum", ["a", "b"], ["y"], {"equation": "ij,jk->il"},
                  value_infos={"a": float_input("a", [2, 3]), "b": float_input("b", [3, 4])}),
         "node 'einsum' (Einsum-12): output label 'l' of 'ij,jk->il' is not in any input")
    case("einsum_malformed", on("Einsum", ["x"], {"equation": "i->->...,,"}, x_shape=[2]),
         "node 'einsum' (Einsum-12): equation 'i->->...,,' has a malformed output")
    case("split_num_outputs_mismatch",
         model([node("Split", ["x"], ["a"], "split", axis=0, num_outputs=0)], [float_input("x", [4])],
               [float_input("a", None)], opset=18),
         "node 'split' (Split-18): num_outputs is 0 but the node has 1 outputs")
    case("where_condition_float",
         one_node("Where", ["c", "a", "b"], ["y"], value_infos={"c": float_input("c", [2]), "a": float_input("a", [2]),
                                                                "b": float_input("b", [2])}),
         "node 'where' (Where-16): condition must be bool, not float")
    case("depth_to_space_blocksize_zero", on("DepthToSpace", ["x"], {"blocksize": 0}, x_shape=[1, 4, 2, 2]),
         "node 'depthtospace' (DepthToSpace-13): blocksize 0 is invalid")
    case("matmul_scalars", one_node("MatMul", ["a", "b"], ["y"], value_infos={"a": float_input("a", []),
                                                                              "b": float_input("b", [])}),
         "node 'matmul' (MatMul-13): operands must have rank >= 1, not 0 and 0")
    case("scatter_nd_index_out_of_range",
         on("ScatterND", ["x", "idx", "upd"], inits=[const(i64([[7]]), "idx"), const(np.ones(1, np.float32), "upd")],
            x_shape=[4]), "node 'scatternd' (ScatterND-16): index 7 is out of range [-4, 4) on axis 0")
    case("scatter_elements_index_out_of_range",
         on("ScatterElements", ["x", "idx", "upd"],
            inits=[const(i64([9]), "idx"), const(np.ones(1, np.float32), "upd")], x_shape=[4]),
         "node 'scatterelements' (ScatterElements-16): index 9 is out of range [-4, 4) on axis 0")
    case("gather_nd_index_out_of_range", on("GatherND", ["x", "idx"], inits=[const(i64([[9]]), "idx")], x_shape=[4]),
         "node 'gathernd' (GatherND-13): index 9 is out of range [-4, 4) on axis 0")
    case("gather_nd_batch_dims_too_large",
         on("GatherND", ["x", "idx"], {"batch_dims": 5}, [const(i64([[0]]), "idx")], [4]),
         "node 'gathernd' (GatherND-13): batch_dims 5 must be in")
    case("argmax_of_empty_axis",
         on("ArgMax", ["x"], {"axis": 0}, x_shape=[0, 2], out_infos={"y": int64_input("y", None)}),
         "node 'argmax' (ArgMax-13): axis 0 of the input is empty")
    case("constant_without_value", model([node("Constant", [], ["y"], "c")], [], [float_input("y", None)]),
         "node 'c' (Constant-13): needs exactly one value attribute, not 0")
    case("pad_crops_below_zero", on("Pad", ["x", "pads"], inits=[const(i64([0, -5, 0, 0]), "pads")], x_shape=[1, 3]),
         "node 'pad' (Pad-13): pads -5 and 0 crop axis 1 of size 3 below 0")
    case("pad_overflow", on("Pad", ["x", "pads"], inits=[const(i64([0, (1 << 63) - 1, 0, (1 << 63) - 1]), "pads")],
                            x_shape=[1, 3]), "node 'pad' (Pad-13): pads of axis 1 are out of range")
    case("tile_negative_repeats", on("Tile", ["x", "repeats"], inits=[const(i64([-1]), "repeats")], x_shape=[2]),
         "node 'tile' (Tile-13): repeats[0] is -1")
    case("onehot_negative_depth",
         on("OneHot", ["x", "depth", "values"], inits=[const(i64([-3]), "depth"),
                                                       const(np.array([0, 1], np.float32), "values")],
            x_info=int64_input("x", [3])), "node 'onehot' (OneHot-11): depth -3 must be a positive count")
    case("resize_scale_nan",
         on("Resize", ["x", "", "scales"], inits=[const(np.array([1, 1, np.nan, np.inf], np.float32), "scales")],
            x_shape=[1, 1, 4, 4]), "node 'resize' (Resize-13): scale nan on axis 2 must be positive")
    case("range_limit_inf",
         model([node("Range", ["s", "l", "d"], ["y"], "range")], [], [float_input("y", None)],
               [const(np.float32(0), "s"), const(np.float32(np.inf), "l"), const(np.float32(1), "d")]),
         "node 'range' (Range-11): start 0, limit inf and delta 1 must be finite")
    case("range_float_count_too_large",
         model([node("Range", ["s", "l", "d"], ["y"], "range")], [], [float_input("y", None)],
               [const(np.float32(0), "s"), const(np.float32(1e10), "l"), const(np.float32(1e-30), "d")]),
         "node 'range' (Range-11): range of 1e+40 elements is too large")
    case("int_division_by_zero",
         one_node("Div", ["a", "b"], ["y"], value_infos={"a": int64_input("a", [2]), "b": int64_input("b", [2])},
                  out_infos={"y": int64_input("y", None)}), "node 'div' (Div-14): division by zero",
         args="-i a=a.pb -i b=b.pb", files={"a.pb": tensor_pb(i64([1, 2]), "a"), "b.pb": tensor_pb(i64([1, 0]), "b")})
    case("int_modulo_by_zero",
         one_node("Mod", ["a", "b"], ["y"], value_infos={"a": int64_input("a", [2]), "b": int64_input("b", [2])},
                  out_infos={"y": int64_input("y", None)}), "node 'mod' (Mod-13): division by zero",
         args="-i a=a.pb -i b=b.pb", files={"a.pb": tensor_pb(i64([1, 2]), "a"), "b.pb": tensor_pb(i64([1, 0]), "b")})

    # --- shapes past the rank limit, negative or overflowing ---
    case("input_rank_13", model([node("Relu", ["x"], ["y"], "relu")], [float_input("x", [1] * 13)],
                                [float_input("y", None)]), "graph input 'x': has rank 13, more than the 12")
    case("initializer_rank_13", model([node("Relu", ["W"], ["y"], "relu")], [], [float_input("y", None)],
                                      [const(np.ones([1] * 13, np.float32), "W")]),
         "initializer 'W': rank 13 is more than the 12")
    case("reshape_to_rank_100", on("Reshape", ["x", "shape"], inits=[const(i64([1] * 100), "shape")], x_shape=[1]),
         "node 'reshape' (Reshape-14): output rank 100 is more than the maximum 12")
    case("constant_of_shape_negative",
         model([node("ConstantOfShape", ["shape"], ["y"], "fill")], [], [float_input("y", None)],
               [const(i64([2, -3]), "shape")]), "node 'fill' (ConstantOfShape-9): shape [2,-3] has a negative dim")
    case("constant_of_shape_overflow",
         model([node("ConstantOfShape", ["shape"], ["y"], "fill")], [], [float_input("y", None)],
               [const(i64([1 << 62, 1 << 62, 4]), "shape")]),
         "node 'fill' (ConstantOfShape-9): shape [4611686018427387904,4611686018427387904,4] is too large")
    case("expand_negative_shape", on("Expand", ["x", "shape"], inits=[const(i64([-2]), "shape")], x_shape=[1]),
         "node 'expand' (Expand-13): shape [-2] has a negative dim")
    case("expand_count_overflow", on("Expand", ["x", "shape"], inits=[const(i64([1 << 62, 1 << 62, 4]), "shape")],
                                     x_shape=[1]), "node 'expand' (Expand-13) output 0: the dims multiply past 2^60")
    case("onehot_terabytes",
         on("OneHot", ["x", "depth", "values"], inits=[const(i64([1 << 40]), "depth"),
                                                       const(np.array([0, 1], np.float32), "values")],
            x_info=int64_input("x", [3])),
         "node 'onehot' (OneHot-11) output 0: needs 13194139533312 bytes, past the memory limit")
    case("pad_terabytes",
         on("Pad", ["x", "pads"], inits=[const(i64([0, 1 << 40, 0, 1 << 40]), "pads")], x_shape=[1, 1]),
         "node 'pad' (Pad-13) output 0: needs 8796093022212 bytes, past the memory limit")
    case("resize_terabytes",
         on("Resize", ["x", "", "scales"], inits=[const(np.array([1, 1, 1e6, 1e6], np.float32), "scales")],
            x_shape=[1, 1, 4, 4]),
         "node 'resize' (Resize-13) output 0: needs 64000000000000 bytes, past the memory limit")

    # --- duplicated names and malformed attributes ---
    case("initializer_defined_twice", model([node("Relu", ["W"], ["y"], "relu")], [], [float_input("y", None)],
                                            [const(np.ones(2, np.float32), "W"), const(np.ones(2, np.float32), "W")]),
         "initializer 'W' is defined twice")
    case("graph_input_listed_twice", model([node("Relu", ["x"], ["y"], "relu")], [float_input("x", [2])] * 2,
                                           [float_input("y", None)]), "graph input 'x' is listed twice")
    softmax = node("Softmax", ["x"], ["y"], "sm", axis=1)
    softmax.attribute.extend([helper.make_attribute("axis", 0)])
    case("attribute_given_twice", model([softmax], [float_input("x", [2, 3])], [float_input("y", None)]),
         "node 'sm' (Softmax): attribute 'axis' is given twice")
    axis = helper.make_attribute("axis", 1)
    axis.type = onnx.AttributeProto.FLOAT
    softmax = node("Softmax", ["x"], ["y"], "sm")
    softmax.attribute.extend([axis])
    case("attribute_type_disagrees_with_value", model([softmax], [float_input("x", [2, 3])], [float_input("y", None)]),
         "node 'sm' (Softmax-13): attribute 'axis' must be of type int, not float")
    softmax = node("Softmax", ["x"], ["y"], "sm")
    softmax.attribute.extend([onnx.AttributeProto(name="axis")])
    case("attribute_without_type", model([softmax], [float_input("x", [2, 3])], [float_input("y", None)]),
         "node 'sm' (Softmax): attribute 'axis': has no type and no value")
    branch = node("If", ["c"], ["y"], "if")
    branch.attribute.extend([onnx.AttributeProto(name="then_branch", type=onnx.AttributeProto.GRAPH)])
    case("attribute_graph_missing", model([branch], [vi("c", TensorProto.BOOL, [])], [float_input("y", None)]),
         "node 'if' (If): attribute 'then_branch': has type graph but holds no graph")
    case("node_more_than_512_inputs", model([node("Sum", ["x"] * 513, ["y"], "sum")], [float_input("x", [2])],
                                           [float_input("y", None)]),
         "node 'sum' (Sum) has more than 512 inputs or outputs")
    # Found by fuzzing: no element, but strides past 2^64 ([0, 2^40, 2^40]).
    empty_huge = TensorProto(name="E", data_type=TensorProto.FLOAT, dims=[0, 1 << 40, 1 << 40])
    case("initializer_empty_with_huge_dims", model([node("Transpose", ["E"], ["y"], "t", perm=[2, 0, 1])], [],
                                                   [float_input("y", None)], [empty_huge]),
         "initializer 'E': the dims multiply past 2^60")
    case("graph_output_declared_wrong_dtype", model([node("Relu", ["x"], ["y"], "relu")], [float_input("x", [2])],
                                                    [vi("y", TensorProto.INT64, [2])]),
         "graph output 'y' is declared int64, but node 'relu' (Relu) makes float")
    case("string_initializer", model([node("Identity", ["W"], ["y"], "id")], [], [vi("y", TensorProto.STRING, None)],
                                     [helper.make_tensor("W", TensorProto.STRING, [2], [b"a", b"b"])]),
         "initializer 'W': element type string (8) is not supported")
    case("string_input", model([node("Identity", ["x"], ["y"], "id")], [vi("x", TensorProto.STRING, [2])],
                               [vi("y", TensorProto.STRING, None)]),
         "graph input 'x': element type string (8) is not supported")
    # --- control flow: If, Loop and Scan with malformed bodies or arguments ---
    def body(nodes, outputs, inputs=(), inits=()):
        return helper.make_graph(nodes, "body", list(inputs), outputs, initializer=list(inits))

    then = body([node("Identity", ["x"], ["t"], "t")], [float_input("t", [2])])
    negate = body([node("Neg", ["x"], ["e"], "e")], [float_input("e", [2])])

    def if_model(cond=None, then_branch=then, else_branch=negate, n_outputs=1, inits=()):
        """y = If(c) over x float[2]; c is a graph input described by `cond`, or an initializer."""
        outputs = [f"y{k}" for k in range(n_outputs)]
        return model([node("If", ["c"], outputs, "if", then_branch=then_branch, else_branch=else_branch)],
                     [float_input("x", [2])] + ([cond] if cond else []), [float_input(o, None) for o in outputs],
                     inits)

    true = true_named("c")
    case("if_condition_float", if_model(float_input("c", [])),
         "node 'if' (If-16): the condition must be bool, not float")
    case("if_condition_two_elements", if_model(vi("c", TensorProto.BOOL, [2])),
         "node 'if' (If-16): the condition must be one bool, not bool [2]")
    case("if_output_count_mismatch", if_model(vi("c", TensorProto.BOOL, []), n_outputs=2),
         "node 'if' (If-16): then_branch has 1 outputs, the node 2")
    case("if_branch_dtypes_differ",
         if_model(vi("c", TensorProto.BOOL, []),
                  else_branch=body([node("Cast", ["x"], ["e"], "e", to=TensorProto.INT64)], [int64_input("e", [2])])),
         "node 'if' (If-16): the branches give output 0 different dtypes: float and int64")
    case("if_branch_undefined_value",
         if_model(vi("c", TensorProto.BOOL, []),
                  then_branch=body([node("Add", ["x", "ghost"], ["t"], "t")], [float_input("t", [2])])),
         "node 'if' (If) reads 'ghost' in a subgraph, which no node, input or initializer defines")
    case("if_branch_unknown_op",
         if_model(vi("c", TensorProto.BOOL, []), then_branch=body([node("FancyOp", ["x"], ["t"], "t")],
                                                                  [float_input("t", [2])])),
         "node 't': op FancyOp of domain 'ai.onnx' (opset 17) is not supported")
    case("if_branch_redefines_outer_value",
         if_model(vi("c", TensorProto.BOOL, []), then_branch=body([node("Identity", ["x"], ["x"], "shadow")],
                                                                  [float_input("x", [2])])),
         "the graph has a cycle through node 'shadow' (Identity)")
    short = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[2], raw_data=b"\0" * 5)
    case("if_branch_raw_data_short",
         if_model(vi("c", TensorProto.BOOL, []), then_branch=body([node("Add", ["x", "W"], ["t"], "t")],
                                                                  [float_input("t", [2])], inits=[short])),
         "node 'if' (If): attribute 'then_branch': subgraph 'body': initializer 'W': raw_data has 5 bytes")
    case("if_branch_index_out_of_range",
         if_model(then_branch=body([node("Gather", ["x", "i"], ["t"], "gather")], [float_input("t", None)],
                                   inits=[const(i64([5]), "i")]), inits=[true]),
         "in subgraph 'body' of node 'if' (If-16): node 'gather' (Gather-13): index 5 is out of range [-2, 2)")
    case("if_branch_terabytes",
         if_model(then_branch=body([node("Expand", ["x", "s"], ["t"], "expand")], [float_input("t", None)],
                                   inits=[const(i64([1 << 20, 1 << 20, 2]), "s")]), inits=[true]),
         "in subgraph 'body' of node 'if' (If-16): node 'expand' (Expand-13) output 0: needs 8796093022208 bytes, "
         "past the memory limit")

    loop_inputs = [int64_input("i", []), vi("cond_in", TensorProto.BOOL, [])]
    keep_going = node("Identity", ["cond_in"], ["cond_out"], "keep_going")
    cond_out = vi("cond_out", TensorProto.BOOL, [])
    carry = body([keep_going, node("Identity", ["v"], ["v_out"], "carry")], [cond_out, float_input("v_out", [1])],
                 loop_inputs + [float_input("v", [1])])
    never_ends = ("node 'loop' (Loop-16): the loop never ends: it has no trip count (or INT64_MAX) and its body "
                  "keeps the condition true")
    case("loop_never_ends",
         model([node("Loop", ["", "cond", "x"], ["y"], "loop", body=carry)], [float_input("x", [1])],
               [float_input("y", [1])], [true_named("cond")]), never_ends)
    case("loop_never_ends_int64_max",
         model([node("Loop", ["M", "cond", "x"], ["y"], "loop", body=carry)], [float_input("x", [1])],
               [float_input("y", [1])], [true_named("cond"), const(np.int64((1 << 63) - 1), "M")]), never_ends)
    scan_x = body([keep_going, node("Identity", ["x"], ["s"], "scan")], [cond_out, float_input("s", [4])], loop_inputs)
    loop = model([node("Loop", ["M", "cond"], ["y"], "loop", body=scan_x)], [float_input("x", [4])],
                 [float_input("y", None)], [const(np.float32(3), "M"), true_named("cond")])
    case("loop_trip_count_float", loop, "node 'loop' (Loop-16): the trip count M must be int64, not float")
    float_cond = body([node("Cast", ["cond_in"], ["cond_out"], "cast", to=TensorProto.FLOAT),
                       node("Identity", ["x"], ["s"], "scan")], [float_input("cond_out", []), float_input("s", [4])],
                      loop_inputs)
    case("loop_body_condition_float",
         model([node("Loop", ["M", "cond"], ["y"], "loop", body=float_cond)], [float_input("x", [4])],
               [float_input("y", None)], [const(np.int64(3), "M"), true_named("cond")]),
         "node 'loop' (Loop-16): the body's condition output must be one bool, not float []")
    growing = body([keep_going, node("Add", ["i", "one"], ["n"], "n"), node("ConstantOfShape", ["n"], ["s"], "fill")],
                   [cond_out, float_input("s", None)], loop_inputs, inits=[const(i64([1]), "one")])
    case("loop_scan_output_shape_varies",
         model([node("Loop", ["M", "cond"], ["y"], "loop", body=growing)], [], [float_input("y", None)],
               [const(np.int64(3), "M"), true_named("cond")]),
         "node 'loop' (Loop-16): scan output 0 is float [1] in iteration 0 but float [2] in iteration 1")
    huge_body = body([keep_going, node("Expand", ["x", "s"], ["e"], "expand")], [cond_out, float_input("e", None)],
                     loop_inputs, inits=[const(i64([1 << 20, 1 << 20, 4]), "s")])
    case("loop_body_terabytes",
         model([node("Loop", ["M", "cond"], ["y"], "loop", body=huge_body)], [float_input("x", [1])],
               [float_input("y", None)], [const(np.int64(3), "M"), true_named("cond")]),
         "in subgraph 'body' of node 'loop' (Loop-16): node 'expand' (Expand-13) output 0: needs 17592186044416 bytes, "
         "past the memory limit")
    case("loop_body_without_inputs",
         model([node("Loop", ["M", "c"], ["y"], "loop", body=helper.make_graph([], "body", [], []))],
               [int64_input("M", []), vi("c", TensorProto.BOOL, [])], [float_input("y", None)]),
         "node 'loop' (Loop-16): the body has 0 inputs, expected 2")
    add_row = body([node("Add", ["s", "row"], ["s_out"], "add"), node("Identity", ["s_out"], ["row_out"], "id")],
                   [float_input("s_out", [2]), float_input("row_out", [2])],
                   [float_input("s", [2]), float_input("row", [2])])

    def scan_model(**attrs):
        return model([node("Scan", ["s0", "xs"], ["s", "ys"], "scan", **attrs)],
                     [float_input("s0", [2]), float_input("xs", [3, 2])],
                     [float_input("s", [2]), float_input("ys", [3, 2])])

    case("scan_num_scan_inputs_out_of_range", scan_model(body=add_row, num_scan_inputs=5),
         "node 'scan' (Scan-16): num_scan_inputs is 5, outside 1..2")
    case("scan_axis_out_of_range", scan_model(body=add_row, num_scan_inputs=1, scan_input_axes=[4]),
         "node 'scan' (Scan-16): axis 4 is out of range for rank 2")
    case("scan_without_body", scan_model(num_scan_inputs=1),
         "node 'scan' (Scan-16): attribute 'body' (a graph) is required")

    # --- nesting ---
    case("if_nested_300_deep", nested_if_model(300), "cannot parse model: messages nest more than 128 levels deep")

    # --- bit flips of a valid model: each must fail cleanly or run (then it is a valid case) ---
    flip_base_weights = np.arange(12, dtype=np.float32).reshape(3, 4) / 8
    flip_base = model([node("MatMul", ["x", "W"], ["y"], "mm")], [float_input("x", [2, 3])],
                      [float_input("y", [2, 4])], [const(flip_base_weights, "W")]).SerializeToString()

    def flipped(offset, bit):
        data = bytearray(flip_base)
        data[offset] ^= 1 << bit
        return bytes(data)

    op_at = flip_base.index(b"MatMul")
    case("bitflip_op_type", flipped(op_at + 5, 0),
         "node 'mm': op MatMum of domain 'ai.onnx' (opset 17) is not supported")
    raw_at = flip_base.index(flip_base_weights.tobytes())
    assert flip_base[raw_at - 2: raw_at] == b"\x4a\x30"  # raw_data: 48 bytes
    dims_at = flip_base.index(b"\x08\x03\x08\x04\x10\x01")  # dims 3, 4 and data_type 1 of W
    case("bitflip_dims", flipped(dims_at + 3, 0), "initializer 'W': raw_data has 48 bytes, dims [3,5] of float need 60")
    case("bitflip_data_type", flipped(dims_at + 5, 0), "initializer 'W': element type is undefined (0)")
    case("bitflip_raw_data_length", flipped(raw_at - 1, 7), PARSE_ERROR)
    graph_at = flip_base.index(b"dnnx-bad-corpus") + len("dnnx-bad-corpus")
    assert flip_base[graph_at] == 0x3A  # ModelProto.graph, wire type 2
    case("bitflip_graph_tag", flipped(graph_at, 1), PARSE_ERROR)
    x_at = flip_base.index(b"\x0a\x01x")  # the node's first input "x"
    case("bitflip_node_input_name", flipped(x_at + 2, 0), "the graph has a cycle through node 'mm' (MatMul)")
    flipped_weights = flipped(raw_at + 17, 6)
    m = onnx.load_from_string(flipped_weights)
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    valid_case("bitflip_raw_data_value", flipped_weights, [("x", x)],
               [("y", x @ numpy_helper.to_array(m.graph.initializer[0]))])

    # --- odd but valid models: they must run like ONNX Runtime ---
    extra = model_bytes(ld(7, relu_graph())) + ld(99, b"unknown field") + vf(98, 5)
    x = np.array([[-1, 0, 2], [3, -4, 5]], np.float32)
    valid_case("unknown_fields_are_skipped", extra, [("x", x)], [("y", np.maximum(x, 0))])
    valid_case("sum_of_100_inputs", model([node("Sum", ["x"] * 100, ["y"], "sum")], [float_input("x", [2, 3])],
                                          [float_input("y", [2, 3])]), [("x", x)], [("y", x * 100)])
    valid_case("empty_relu", one_node("Relu", ["x"], ["y"], value_infos={"x": float_input("x", [0, 3])}),
               [("x", np.zeros((0, 3), np.float32))], [("y", np.zeros((0, 3), np.float32))])
    valid_case("empty_matmul_inner_dim", one_node("MatMul", ["a", "b"], ["y"], value_infos={
        "a": float_input("a", [2, 0]), "b": float_input("b", [0, 3])}),
        [("a", np.zeros((2, 0), np.float32)), ("b", np.zeros((0, 3), np.float32))],
        [("y", np.zeros((2, 3), np.float32))])
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    valid_case("empty_concat_input", one_node("Concat", ["a", "b"], ["y"], {"axis": 0}, value_infos={
        "a": float_input("a", [0, 3]), "b": float_input("b", [2, 3])}),
        [("a", np.zeros((0, 3), np.float32)), ("b", a)], [("y", a)])
    valid_case("empty_reduce_sum", one_node("ReduceSum", ["x", "axes"], ["y"], {"keepdims": 1},
                                            inits=[const(i64([1]), "axes")],
                                            value_infos={"x": float_input("x", [2, 0])}),
               [("x", np.zeros((2, 0), np.float32))], [("y", np.zeros((2, 1), np.float32))])
    valid_case("empty_gather_indices", one_node("Gather", ["data", "idx"], ["y"], {"axis": 0}, value_infos={
        "data": float_input("data", [5, 4]), "idx": int64_input("idx", [0])}),
        [("data", np.ones((5, 4), np.float32)), ("idx", np.zeros(0, np.int64))], [("y", np.zeros((0, 4), np.float32))])
    x = np.arange(4, dtype=np.float32)
    valid_case("empty_slice_result", one_node("Slice", ["x", "starts", "ends"], ["y"],
                                              inits=[const(i64([2]), "starts"), const(i64([2]), "ends")],
                                              value_infos={"x": float_input("x", [4])}),
               [("x", x)], [("y", np.zeros(0, np.float32))])
    valid_case("expand_to_zero", one_node("Expand", ["x", "shape"], ["y"], inits=[const(i64([0, 3]), "shape")],
                                          value_infos={"x": float_input("x", [1, 3])}),
               [("x", np.ones((1, 3), np.float32))], [("y", np.zeros((0, 3), np.float32))])
    num = np.array([1, -1, 0, 2.5], np.float32)
    den = np.zeros(4, np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        valid_case("float_division_by_zero", one_node("Div", ["a", "b"], ["y"], value_infos={
            "a": float_input("a", [4]), "b": float_input("b", [4])}), [("a", num), ("b", den)], [("y", num / den)])
        x = np.array([0, -1, 1, 4], np.float32)
        valid_case("log_and_sqrt_out_of_domain",
                   model([node("Log", ["x"], ["l"], "log"), node("Sqrt", ["x"], ["s"], "sqrt")],
                         [float_input("x", [4])], [float_input("l", [4]), float_input("s", [4])]),
                   [("x", x)], [("l", np.log(x)), ("s", np.sqrt(x))])
    x = np.array([1.5, -2], np.float32)
    valid_case("if_nested_20_deep", nested_if_model(20), [("x", x)], [("y", x)])
    sum_body = helper.make_graph(
        [node("Identity", ["cond_in"], ["cond_out"], "keep_going"),
         node("Cast", ["i"], ["f"], "cast", to=TensorProto.FLOAT), node("Add", ["acc", "f"], ["acc_out"], "add"),
         node("Mul", ["f", "f"], ["square"], "square")], "body",
        [int64_input("i", []), vi("cond_in", TensorProto.BOOL, []), float_input("acc", [])],
        [vi("cond_out", TensorProto.BOOL, []), float_input("acc_out", []), float_input("square", [])])
    a0 = np.array(0.5, np.float32)
    valid_case("loop_sum_and_squares",
               model([node("Loop", ["M", "", "a0"], ["acc", "squares"], "loop", body=sum_body)],
                     [float_input("a0", [])], [float_input("acc", []), float_input("squares", [5])],
                     [const(np.int64(5), "M")]),
               [("a0", a0)], [("acc", a0 + np.float32(10)), ("squares", np.arange(5, dtype=np.float32) ** 2)])
    s0 = np.array([1, -1], np.float32)
    xs = np.arange(6, dtype=np.float32).reshape(3, 2)
    valid_case("scan_running_sum", scan_model(body=add_row, num_scan_inputs=1), [("s0", s0), ("xs", xs)],
               [("s", s0 + xs.sum(0)), ("ys", s0 + np.cumsum(xs, 0))])
    x = np.array([1.5, -2], np.float32)
    valid_case("graph_without_nodes", model([], [float_input("x", [2])], [float_input("x", [2])]), [("x", x)],
               [("x", x)])
    valid_case("output_is_initializer", model([], [], [float_input("W", [2])], [const(x, "W")]), [], [("W", x)])
    x = np.array([-1, 0.25, 2], np.float32)
    valid_case("clip_optional_min_left_out",
               model([node("Clip", ["x", "", "max"], ["y"], "clip")], [float_input("x", [3])], [float_input("y", None)],
                     [const(np.float32(0.5), "max")]), [("x", x)], [("y", np.minimum(x, 0.5))])
    valid_case("empty_softmax", one_node("Softmax", ["x"], ["y"], value_infos={"x": float_input("x", [2, 0])}),
               [("x", np.zeros((2, 0), np.float32))], [("y", np.zeros((2, 0), np.float32))])
    valid_case("empty_nonzero", one_node("NonZero", ["x"], ["y"], value_infos={"x": float_input("x", [0, 3])},
                                         out_infos={"y": int64_input("y", None)}),
               [("x", np.zeros((0, 3), np.float32))], [("y", np.zeros((2, 0), np.int64))])
    x = np.arange(4, dtype=np.float32)
    valid_case("slice_int64_extremes",
               one_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"],
                        inits=[const(i64([(1 << 63) - 1]), "starts"), const(i64([-(1 << 63)]), "ends"),
                               const(i64([0]), "axes"), const(i64([-(1 << 63)]), "steps")],
                        value_infos={"x": float_input("x", [4])}), [("x", x)], [("y", x[3:4])])
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    valid_case("trilu_k_int64_min", one_node("Trilu", ["x", "k"], ["y"], inits=[const(np.int64(-(1 << 63)), "k")],
                                             value_infos={"x": float_input("x", [2, 3])}), [("x", x)], [("y", x)])

    with open(os.path.join(HERE, "cases.txt"), "w") as f:
        f.write("# case | dnnx run arguments after MODEL | fragment the error line must contain\n")
        for name, args, expect in CASES:
            f.write(f"{name} | {args} | {expect}\n")
    with open(os.path.join(HERE, "valid_cases.txt"), "w") as f:
        f.write("# case | dnnx compare arguments after MODEL test_data_set_0 (all must PASS)\n")
        for name, args in VALID_CASES:
            f.write(f"{name} | {args}\n")


if __name__ == "__main__":
    main()
