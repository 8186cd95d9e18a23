"""What every exporter script in tools/export shares: test-set layout, ONNX Runtime references, README sections.

A model directory is laid out like the ONNX backend tests: <dir>/model.onnx and <dir>/test_data_set_K/
with input_J.pb for the J-th graph input and output_J.pb for the J-th graph output. The outputs are
ONNX Runtime's (CPU, graph optimizations off, so no fusion or approximation leaks into them); the source
framework's outputs on the same inputs are only compared, and the largest difference is recorded.
"""

import collections
import fcntl
import os
import shutil

import numpy as np
import onnx
import onnxruntime
from onnx import numpy_helper

# ONNX Runtime must reproduce the source framework at least this closely, or the export is not trusted.
EXPORT_ATOL = 1e-4


def op_histogram(model):
    counts = collections.Counter(node.op_type for node in model.graph.node)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def shape_text(arrays):
    return ", ".join("x".join(str(d) for d in a.shape) or "scalar" for a in arrays)


def write_test_set(directory, input_names, inputs, output_names, outputs):
    os.makedirs(directory)
    for kind, names, arrays in (("input", input_names, inputs), ("output", output_names, outputs)):
        for index, (name, array) in enumerate(zip(names, arrays)):
            tensor = numpy_helper.from_array(np.ascontiguousarray(array), name)
            with open(os.path.join(directory, f"{kind}_{index}.pb"), "wb") as f:
                f.write(tensor.SerializeToString())


def ort_session(onnx_bytes):
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    return onnxruntime.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])


def max_abs_diff(reference, actual):
    """Largest |a - b| over paired arrays; shapes must match exactly (no broadcasting hides a bug)."""
    worst = 0.0
    for a, b in zip(reference, actual):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            raise ValueError(f"shape {a.shape} against {b.shape}")
        if a.size:
            worst = max(worst, float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))))
    return worst


def record_model(out_dir, dir_name, onnx_bytes, input_sets, framework_run, atol=EXPORT_ATOL):
    """Writes out_dir/dir_name/{model.onnx, test_data_set_K} and returns a summary for the README.

    input_sets: one list of numpy inputs per test set, in graph-input order. framework_run(inputs) gives
    the source framework's outputs in graph-output order, or None to skip that comparison.
    Raises if ONNX Runtime and the framework differ by more than atol.
    """
    model = onnx.load_from_string(onnx_bytes)
    onnx.checker.check_model(model)
    input_names = [i.name for i in model.graph.input]
    output_names = [o.name for o in model.graph.output]
    model_dir = os.path.join(out_dir, dir_name)
    shutil.rmtree(model_dir, ignore_errors=True)
    os.makedirs(model_dir)
    with open(os.path.join(model_dir, "model.onnx"), "wb") as f:
        f.write(onnx_bytes)
    session = ort_session(onnx_bytes)
    sets = []
    for index, inputs in enumerate(input_sets):
        if len(inputs) != len(input_names):
            raise ValueError(f"{dir_name}: {len(inputs)} inputs for graph inputs {input_names}")
        outputs = session.run(output_names, dict(zip(input_names, inputs)))
        diff = None
        if framework_run is not None:
            diff = max_abs_diff(outputs, framework_run(inputs))
            if not diff <= atol:
                raise ValueError(f"{dir_name} set {index}: ONNX Runtime differs from the framework by {diff}")
        write_test_set(os.path.join(model_dir, f"test_data_set_{index}"), input_names, inputs, output_names, outputs)
        sets.append((shape_text(inputs), shape_text(outputs), diff))
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(model_dir) for f in files)
    opsets = {entry.domain or "ai.onnx": entry.version for entry in model.opset_import}
    return {
        "dir": dir_name,
        "opset": opsets.get("ai.onnx"),
        "ops": op_histogram(model),
        "nodes": len(model.graph.node),
        "model_bytes": len(onnx_bytes),
        "dir_bytes": size,
        "inputs": input_names,
        "outputs": output_names,
        "sets": sets,
    }


def print_summary(entry):
    diffs = ", ".join("n/a" if s[2] is None else f"{s[2]:.2e}" for s in entry["sets"])
    print(f"{entry['dir']}: opset {entry['opset']}, {entry['nodes']} nodes, {entry['dir_bytes']:,} bytes, "
          f"max abs diff {diffs}", flush=True)


def entries_table(entries, framework):
    """Markdown table of model directories with their test sets and framework-vs-ORT differences."""
    lines = [
        "| directory | opset | nodes | model.onnx | with test data | test set | input shapes | output shapes "
        f"| max abs diff {framework} vs ORT |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for e in entries:
        for index, (in_shapes, out_shapes, diff) in enumerate(e["sets"]):
            head = (
                [e["dir"], str(e["opset"]), str(e["nodes"]), f"{e['model_bytes']:,} B", f"{e['dir_bytes']:,} B"]
                if index == 0
                else [""] * 5
            )
            diff_text = "n/a" if diff is None else f"{diff:.2e}"
            lines.append("| " + " | ".join(head + [str(index), in_shapes, out_shapes, diff_text]) + " |")
    return lines


def ops_lines(entries):
    return [f"Ops in {e['dir']}: " + ", ".join(f"{op} {n}" for op, n in e["ops"]) + "." for e in entries]


def update_readme_section(readme_path, key, text):
    """Replaces the part of readme_path between <!-- begin KEY --> and <!-- end KEY --> (appended if absent).

    Several generators share tests/models/README.md, each owning only its own marked section, and may run at
    the same time: the read-modify-write holds an exclusive lock on the README's directory (no lock file is
    left behind), and the new text replaces the README in one rename.
    """
    begin, end = f"<!-- begin {key} -->", f"<!-- end {key} -->"
    block = f"{begin}\n{text.rstrip()}\n{end}\n"
    directory = os.open(os.path.dirname(os.path.abspath(readme_path)), os.O_RDONLY)
    try:
        fcntl.flock(directory, fcntl.LOCK_EX)
        old = open(readme_path).read() if os.path.exists(readme_path) else ""
        if old.count(begin) > 1 or old.count(begin) != old.count(end):
            raise ValueError(f"{readme_path}: markers of section '{key}' are unbalanced or repeated")
        if begin in old:
            head, rest = old.split(begin, 1)
            if end not in rest:
                raise ValueError(f"{readme_path}: '{end}' does not follow '{begin}'")
            tail = rest.split(end, 1)[1].lstrip("\n")
            new = head + block + ("\n" + tail if tail else "")
        else:
            new = old.rstrip() + ("\n\n" if old.strip() else "") + block
        temporary = readme_path + ".tmp"
        with open(temporary, "w") as f:
            f.write(new)
        os.replace(temporary, readme_path)
    finally:
        os.close(directory)
