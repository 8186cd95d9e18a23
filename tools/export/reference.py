"""Make an ONNX test-data directory for any model, with ONNX Runtime's outputs as the reference.

    reference.py MODEL [--shape NAME=DIMS]... [--input NAME=FILE.npy]... [--seed N] [--int-range N] -o DATASET_DIR

Writes DATASET_DIR/input_K.pb for the K-th graph input and output_K.pb for the K-th graph output
(TensorProtos named as the model names them: the layout of the ONNX backend tests), the outputs
computed by ONNX Runtime on the CPU with graph optimizations off, so that no fusion or approximation
of ORT's leaks into the reference. Then `dnnx compare MODEL DATASET_DIR` checks dnnx against it.

Each input is, in order of preference:
  --input NAME=FILE.npy   the array in the file (its dtype must be the input's);
  random values           shaped by --shape NAME=DIMS (DIMS like 1x128, 1,128, or empty for a
                          scalar), else by the model's dims with each symbolic dim taken from
                          --shape SYMBOL=N or from a file or shape that already bound it; a dim
                          named like "past_sequence + sequence" is computed from its parts.
Random values, from --seed (default 0):
  - names containing "mask": all ones;
  - floats: standard normal;
  - integers that reach the indices of a Gather (directly or through Cast, Reshape, Unsqueeze,
    Squeeze, Flatten, Identity, Expand, Concat...): uniform in [0, n), n the smallest gathered dim
    (the vocabulary of an embedding); names containing "position": 0, 1, 2... along the last axis
    (modulo n when known); other integers: uniform in [0, --int-range) (default 2); bools: 0 or 1.
Needs onnx, onnxruntime and numpy (the venv of tools/setup-venv.sh).
"""

import argparse
import ast
import operator
import os
import re
import sys

import numpy as np
import onnx
import onnxruntime
from onnx import numpy_helper

# Ops whose output holds (some of) the values of the given input, so indices stay indices.
PASS_THROUGH = {
    "Identity": (0,), "Cast": (0,), "Reshape": (0,), "Unsqueeze": (0,), "Squeeze": (0,), "Flatten": (0,),
    "Transpose": (0,), "Expand": (0,), "Slice": (0,), "Tile": (0,), "Split": (0,), "Concat": None,
    "Gather": (0,), "GatherElements": (0,), "Max": None, "Min": None,
}
# Ops that index along an axis of input 0 with input 1: (attribute default of axis).
INDEXING = {"Gather": 0, "GatherElements": 0}


class Failure(Exception):
    pass


def parse_dims(text, what):
    if text == "":
        return ()
    parts = re.split(r"[x,]", text)
    if not all(re.fullmatch(r"[0-9]+", p) for p in parts):
        raise Failure(f"{what}: dims '{text}': expected sizes like 1x128 or 1,128")
    return tuple(int(p) for p in parts)


def parse_name_value(option, text):
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise Failure(f"{option} '{text}': expected NAME=VALUE")
    return name, value


_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv}


def evaluate_dim(expression, symbols):
    """The size of a dim named like "past_sequence + sequence" from the sizes of its parts, or None."""
    try:
        tree = ast.parse(expression, mode="eval").body
    except SyntaxError:
        return None

    def value(node):
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            left, right = value(node.left), value(node.right)
            return None if left is None or right is None else _OPERATORS[type(node.op)](left, right)
        if isinstance(node, ast.Name):
            return symbols.get(node.id)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        return None

    if not isinstance(tree, ast.BinOp):
        return None
    result = value(tree)
    return result if result is not None and result >= 0 else None


def tensor_type(value_info):
    kind = value_info.type.WhichOneof("value")
    if kind != "tensor_type":
        what = (kind or "value of unknown type").replace("_type", "").replace("_", " ")
        raise Failure(f"input '{value_info.name}' is a {what}; reference.py makes tensor inputs only")
    elem = value_info.type.tensor_type.elem_type
    if elem == onnx.TensorProto.STRING:
        raise Failure(f"input '{value_info.name}' is a string tensor; give it with --input NAME=FILE.npy")
    return onnx.helper.tensor_dtype_to_np_dtype(elem)


def model_dims(value_info):
    """The input's dims: ints, symbol names (str) or None for unknown; None if the rank is unknown."""
    tensor = value_info.type.tensor_type
    if not tensor.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in tensor.shape.dim]


def known_shapes(model):
    """Concrete shapes of the values shape inference can tell, by name (initializers included)."""
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:  # custom domains, models over 2 GB: fall back on what the model declares
        inferred = model
    shapes = {}
    graph = inferred.graph
    for info in list(graph.value_info) + list(graph.input) + list(graph.output):
        dims = model_dims(info) if info.type.WhichOneof("value") == "tensor_type" else None
        if dims is not None and all(isinstance(d, int) and d > 0 for d in dims):
            shapes[info.name] = tuple(dims)
    for init in graph.initializer:
        shapes[init.name] = tuple(init.dims)
    for node in graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value" and attr.type == onnx.AttributeProto.TENSOR:
                    shapes[node.output[0]] = tuple(attr.t.dims)
    return shapes


def gather_bound(graph, shapes, name):
    """The smallest size of a dim that the values of name index (through PASS_THROUGH ops), with the
    name of that node, or (None, None)."""
    consumers = {}
    for node in graph.node:
        for k, value in enumerate(node.input):
            consumers.setdefault(value, []).append((node, k))
    bound, where, seen, todo = None, None, {name}, [name]
    while todo:
        value = todo.pop()
        for node, k in consumers.get(value, []):
            if node.op_type in INDEXING and k == 1:
                data = shapes.get(node.input[0])
                axis = next((a.i for a in node.attribute if a.name == "axis"), INDEXING[node.op_type])
                if data and -len(data) <= axis < len(data) and data[axis] > 0 and (bound is None or data[axis] < bound):
                    bound, where = data[axis], node.name or node.output[0]
            if node.op_type in PASS_THROUGH and (PASS_THROUGH[node.op_type] is None or k in PASS_THROUGH[node.op_type]):
                for out in node.output:
                    if out and out not in seen:
                        seen.add(out)
                        todo.append(out)
    return bound, where


def resolve_shape(info, explicit, symbols):
    """The shape of a random value for input info: its --shape, else its dims from symbols."""
    name = info.name
    if name in explicit:
        return explicit[name]
    dims = model_dims(info)
    if dims is None:
        raise Failure(f"input '{name}' has an unknown rank: give its shape with --shape {name}=DIMS")
    shape = []
    for axis, dim in enumerate(dims):
        if isinstance(dim, int):
            shape.append(dim)
        elif dim is None:
            raise Failure(f"input '{name}' dim {axis} is unknown: give the shape with --shape {name}=DIMS")
        elif dim in symbols:
            shape.append(symbols[dim])
        elif evaluate_dim(dim, symbols) is not None:
            shape.append(evaluate_dim(dim, symbols))
        else:
            raise Failure(f"input '{name}' dim {axis} ('{dim}') is symbolic: give it with --shape {dim}=N "
                          f"or --shape {name}=DIMS")
    return tuple(shape)


def bind_symbols(info, shape, symbols, source):
    """Records the sizes a given shape gives the input's symbolic dims; fails on a conflict."""
    dims = model_dims(info)
    if dims is None:
        return
    if len(dims) != len(shape):
        raise Failure(f"{source} gives input '{info.name}' rank {len(shape)}, the model says rank {len(dims)}")
    for axis, (dim, size) in enumerate(zip(dims, shape)):
        if isinstance(dim, int) and dim != size:
            raise Failure(f"{source} gives input '{info.name}' dim {axis} = {size}, the model says {dim}")
        if isinstance(dim, str) and symbols.setdefault(dim, size) != size:
            raise Failure(f"{source} gives '{dim}' = {size}, but it is already {symbols[dim]}")


def random_value(info, shape, dtype, rng, graph, shapes, int_range, past_len):
    """A random array for the input and a few words on how it was made."""
    lowered = info.name.lower()
    if "mask" in lowered:
        return np.ones(shape, dtype), "ones (a mask)"
    if np.issubdtype(dtype, np.floating) or dtype.kind == "V" or str(dtype) == "bfloat16":
        return rng.standard_normal(shape).astype(dtype), "standard normal"
    if dtype == np.bool_:
        return rng.integers(0, 2, shape).astype(dtype), "random bools"
    bound, where = gather_bound(graph, shapes, info.name)
    if "position" in lowered and len(shape) > 0:
        positions = np.broadcast_to(np.arange(past_len, past_len + shape[-1]), shape)
        if bound:
            positions = positions % bound
        return positions.astype(dtype), f"positions {past_len}, {past_len + 1}... along the last axis"
    if bound:
        return rng.integers(0, bound, shape).astype(dtype), f"random in [0, {bound}) (indices of '{where}')"
    return rng.integers(0, int_range, shape).astype(dtype), f"random in [0, {int_range})"


def make_inputs(model, args):
    initializers = {init.name for init in model.graph.initializer}
    infos = [info for info in model.graph.input if info.name not in initializers]
    by_name = {info.name: info for info in infos}
    dtypes = {info.name: tensor_type(info) for info in infos}
    symbol_names = {d for info in infos for d in (model_dims(info) or []) if isinstance(d, str)}
    explicit, symbols, files, paths = {}, {}, {}, {}
    for text in args.input:
        name, path = parse_name_value("--input", text)
        if name not in by_name:
            raise Failure(f"--input: the model has no input named '{name}' (inputs: {', '.join(by_name)})")
        if name in files:
            raise Failure(f"--input: input '{name}' given twice")
        paths[name] = path
        try:
            files[name] = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            raise Failure(f"--input {name}: cannot read '{path}': {error}") from None
    for text in args.shape:
        name, value = parse_name_value("--shape", text)
        dims = parse_dims(value, f"--shape {name}")
        if name in by_name:
            explicit[name] = dims
        elif name in symbol_names or (re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and any(
                re.search(rf"\b{re.escape(name)}\b", s) for s in symbol_names)):
            if len(dims) != 1:
                raise Failure(f"--shape {name}={value}: a symbolic dim takes one size")
            symbols[name] = dims[0]
        else:
            raise Failure(f"--shape: the model has no input or symbolic dim named '{name}'")
    for name, array in files.items():
        if array.dtype != dtypes[name]:
            raise Failure(f"--input {name}: the file holds {array.dtype}, the model's input '{name}' is {dtypes[name]}")
        bind_symbols(by_name[name], array.shape, symbols, f"--input {name}")
    for name, shape in explicit.items():
        bind_symbols(by_name[name], shape, symbols, f"--shape {name}")
    resolved = {info.name: files[info.name].shape if info.name in files else resolve_shape(info, explicit, symbols)
                for info in infos}
    # Positions follow the past (the Hugging Face layout: past* inputs [batch, heads, past_len, head_dim]).
    past_len = next((resolved[i.name][2] for i in infos if i.name.startswith("past") and len(resolved[i.name]) >= 3),
                    0)
    shapes = known_shapes(model)
    rng = np.random.default_rng(args.seed)
    arrays, notes = [], []
    for info in infos:
        if info.name in files:
            arrays.append(files[info.name])
            notes.append("from " + os.path.basename(paths[info.name]))
            continue
        array, note = random_value(info, resolved[info.name], dtypes[info.name], rng, model.graph, shapes,
                                   args.int_range, past_len)
        arrays.append(np.asarray(array))  # rng gives a numpy scalar, not an array, for shape ()
        notes.append(note)
    return infos, arrays, notes


def write_tensor(path, array, name):
    array = np.array(array, order="C", copy=False)  # np.ascontiguousarray would make a scalar [1]
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def dims_text(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def main(argv):
    parser = argparse.ArgumentParser(
        prog="reference.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog="\n\n".join(__doc__.split("\n\n")[2:]))
    parser.add_argument("model", metavar="MODEL")
    parser.add_argument("--shape", action="append", default=[], metavar="NAME=DIMS",
                        help="the shape of input NAME, or the size of symbolic dim NAME")
    parser.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy", help="input NAME from a file")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    parser.add_argument("--int-range", type=int, default=2, metavar="N",
                        help="integers that index no Gather are in [0, N) (default 2)")
    parser.add_argument("-o", dest="out", required=True, metavar="DATASET_DIR", help="where to write the files")
    args = parser.parse_args(argv)
    if args.int_range < 1:
        parser.error("--int-range must be at least 1")
    try:
        model = onnx.load(args.model, load_external_data=False)
    except Exception as error:
        raise Failure(f"cannot load '{args.model}': {error}") from None
    infos, arrays, notes = make_inputs(model, args)

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 4  # a failure is reported once, below, not also in ORT's log
    try:
        session = onnxruntime.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
        output_names = [o.name for o in model.graph.output]
        outputs = session.run(output_names, {info.name: array for info, array in zip(infos, arrays)})
    except Exception as error:
        raise Failure(f"ONNX Runtime failed: {str(error).strip()} (inputs whose values are shapes, sizes or scales "
                      "need real values: give them with --input NAME=FILE.npy)") from None

    os.makedirs(args.out, exist_ok=True)
    for stale in os.listdir(args.out):
        if re.fullmatch(r"(input|output)_[0-9]+\.pb", stale):
            os.remove(os.path.join(args.out, stale))
    width = max(len(name) for name in [i.name for i in infos] + output_names) + 2
    for k, (info, array, note) in enumerate(zip(infos, arrays, notes)):
        write_tensor(os.path.join(args.out, f"input_{k}.pb"), array, info.name)
        print(f"input  {info.name:<{width}} {str(array.dtype):<8} {dims_text(array.shape):<14} {note}")
    for k, (name, array) in enumerate(zip(output_names, outputs)):
        array = np.asarray(array)
        write_tensor(os.path.join(args.out, f"output_{k}.pb"), array, name)
        print(f"output {name:<{width}} {str(array.dtype):<8} {dims_text(array.shape)}")
    print(f"wrote {len(infos)} inputs and {len(outputs)} outputs (ONNX Runtime {onnxruntime.__version__}, CPU, "
          f"graph optimizations off) to {args.out}")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Failure as failure:
        print(f"reference.py: error: {failure}", file=sys.stderr)
        sys.exit(1)
