"""Export tiny configurations of real Transformer families from Hugging Face `transformers` with ONNX test data.

Run in the full venv (tools/setup-venv.sh --full):  .venv/bin/python tools/export/hf_models.py [--only NAME]...

Every family (see FAMILY_MODULES) is built from a config with random weights from a fixed seed (nothing
is downloaded) and exported by each exporter it lists:
  torch14, torch17   torch.onnx.export, TorchScript-based, opset 14 / 17, dynamic batch and sequence axes
  dynamo18           torch.onnx.export(dynamo=True), opset 18
  dynamo23           the same at opset 23, where it emits Attention, RMSNormalization and RotaryEmbedding;
                     only for the families that list it (the others export the same graph as at 18)
into tests/models/<family>_<exporter>/ with two or more test_data_set_K at different shapes (outputs from
ONNX Runtime; the PyTorch vs ONNX Runtime max abs diff goes into tests/models/README.md, one section per
family). An exporter that fails is reported in that section with its error instead of a directory.
"""

import argparse
import dataclasses
import importlib
import inspect
import io
import logging
import os
import re
import shutil
import sys
import traceback
import warnings
from typing import Callable

import numpy as np
import onnxruntime
import torch
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_common  # noqa: E402

SEED = 0
DEFAULT_EXPORTERS = ("torch14", "torch17", "dynamo18")
EXPORTERS = DEFAULT_EXPORTERS + ("dynamo23",)
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
# Modules that define FAMILIES = [TorchFamily(...), ...]; each file owns a group of related families.
FAMILY_MODULES = ("hf_encoders", "hf_decoders", "hf_vision_audio", "hf_seq2seq")


@dataclasses.dataclass
class TorchFamily:
    name: str
    description: str
    # () -> torch.nn.Module in eval mode whose forward takes the inputs positionally and returns a tensor or
    # a tuple of tensors in output_names order. The driver seeds torch before calling it.
    build: Callable
    # (numpy Generator, batch, seq) -> list of numpy arrays in input_names order.
    inputs: Callable
    input_names: list
    output_names: list
    # TorchScript-style dynamic axes: {tensor name: {axis: symbol name}}; dynamo gets the same as Dims.
    dynamic_axes: dict
    # (batch, seq) of each test_data_set; at least two, different from each other and from the example.
    shapes: list
    # The traced example: avoid 1 and the test sizes so no dim gets baked into the graph as a constant.
    example: tuple = (2, 5)
    exporters: tuple = DEFAULT_EXPORTERS
    # Test shapes of one exporter when they must differ from shapes: {exporter: [(batch, seq), ...]}.
    exporter_shapes: dict = dataclasses.field(default_factory=dict)
    atol: float = export_common.EXPORT_ATOL
    # Extra files written into every exported directory: {file name: text}.
    extra_files: dict = dataclasses.field(default_factory=dict)

    def test_inputs(self, onnx_bytes, exporter):
        """The inputs of every test set, in graph-input order; a family may derive them from the export."""
        rng = np.random.default_rng(SEED + 1)
        return [self.inputs(rng, batch, seq) for batch, seq in self.exporter_shapes.get(exporter, self.shapes)]


def _silence_exporter_warnings():
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)


def export_torchscript(model, example, family, opset):
    kwargs = dict(
        input_names=family.input_names,
        output_names=family.output_names,
        dynamic_axes=family.dynamic_axes,
        opset_version=opset,
        do_constant_folding=True,
    )
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    buffer = io.BytesIO()
    torch.onnx.export(model, tuple(torch.from_numpy(a) for a in example), buffer, **kwargs)
    return buffer.getvalue()


def dynamo_shapes(model, family):
    """The dynamic axes as torch.export Dims, one Dim per symbol so that equal symbols stay equal.

    Laid out like forward's parameters: a tuple with one entry per input, or {name: that tuple} when forward
    takes its inputs as *name.
    """
    dims = {}
    shapes = []
    for name in family.input_names:
        axes = family.dynamic_axes.get(name, {})
        shapes.append({axis: dims.setdefault(symbol, torch.export.Dim(symbol)) for axis, symbol in axes.items()}
                      or None)
    parameters = list(inspect.signature(model.forward).parameters.values())
    if len(parameters) == 1 and parameters[0].kind == inspect.Parameter.VAR_POSITIONAL:
        return {parameters[0].name: tuple(shapes)}
    return tuple(shapes)


def export_dynamo(model, example, family, opset):
    """torch.onnx.export(dynamo=True) to an in-memory ModelProto (weights inline: external data only applies
    when the exporter writes a file). torch.export quietly specializes a named Dim that the model's code fixes
    to the example's size; that is raised here, naming the axis, rather than left to fail on the test shapes."""
    program = torch.onnx.export(
        model,
        tuple(torch.from_numpy(a) for a in example),
        input_names=family.input_names,
        output_names=family.output_names,
        dynamic_shapes=dynamo_shapes(model, family),
        opset_version=opset,
        dynamo=True,
        optimize=True,
        verbose=False,
    )
    model_proto = program.model_proto
    for value in model_proto.graph.input:
        dims = value.type.tensor_type.shape.dim
        for axis, symbol in family.dynamic_axes.get(value.name, {}).items():
            if axis < len(dims) and not dims[axis].dim_param:
                raise ValueError(f"torch.export specialized axis {axis} ('{symbol}') of input {value.name} to "
                                 f"{dims[axis].dim_value}: the model's code fixes that size")
    strip_debug_metadata(model_proto.graph)
    return model_proto.SerializeToString()


def strip_debug_metadata(graph):
    """Drops the dynamo exporter's per-node and per-value debug metadata (FX node text, module path, the
    Python stack trace with this machine's paths): it is over half the file and changes no computation."""
    for node in graph.node:
        del node.metadata_props[:]
        for attribute in node.attribute:
            if attribute.HasField("g"):
                strip_debug_metadata(attribute.g)
            for subgraph in attribute.graphs:
                strip_debug_metadata(subgraph)
    for values in (graph.input, graph.output, graph.value_info, graph.initializer):
        for value in values:
            del value.metadata_props[:]


def export(model, example, family, exporter):
    if exporter.startswith("torch"):
        return export_torchscript(model, example, family, int(exporter[len("torch"):]))
    if exporter.startswith("dynamo"):
        return export_dynamo(model, example, family, int(exporter[len("dynamo"):]))
    raise ValueError(f"unknown exporter {exporter}")


def torch_runner(model):
    def run(inputs):
        with torch.no_grad():
            outputs = model(*(torch.from_numpy(a) for a in inputs))
        if isinstance(outputs, torch.Tensor):
            outputs = (outputs,)
        return [o.numpy() for o in outputs]

    return run


def export_family(family, out_dir, exporters):
    entries, failures = [], []
    for exporter in exporters:
        if exporter not in family.exporters:
            continue
        torch.manual_seed(SEED)
        model = family.build().eval()
        example = family.inputs(np.random.default_rng(SEED), *family.example)
        dir_name = f"{family.name}_{exporter}"
        try:
            onnx_bytes = export(model, example, family, exporter)
            entry = export_common.record_model(out_dir, dir_name, onnx_bytes, family.test_inputs(onnx_bytes, exporter),
                                               torch_runner(model), family.atol)
            for file_name, text in family.extra_files.items():
                with open(os.path.join(out_dir, dir_name, file_name), "w") as f:
                    f.write(text)
        except Exception as error:  # an exporter that cannot handle a family is a result to report
            # No directory from an earlier run or half written by this one may outlive the failure.
            shutil.rmtree(os.path.join(out_dir, dir_name), ignore_errors=True)
            failures.append((exporter, failure_reason(error)))
            print(f"{dir_name}: FAILED: {failures[-1][1]}", flush=True)
            if os.environ.get("DNNX_EXPORT_TRACEBACK"):
                traceback.print_exc()
            continue
        export_common.print_summary(entry)
        entries.append(entry)
    return entries, failures


def failure_reason(error):
    """One line naming the error and its root cause: the dynamo exporter wraps the real error (from
    torch.export or a missing translation) in a TorchExportError whose own first line only says which step
    failed, with terminal colour codes."""
    root = error
    while root.__cause__ is not None:
        root = root.__cause__

    def first_line(exception):
        text = ANSI_ESCAPE.sub("", str(exception)).strip()
        return f"{type(exception).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")

    reason = first_line(error) if root is error else f"{first_line(error)} <- {first_line(root)}"
    return reason if len(reason) <= 400 else reason[:397] + "..."


def family_section(family, entries, failures):
    lines = [f"## {family.name}", "", family.description, ""]
    lines += ["Inputs: " + ", ".join(family.input_names) + ". Outputs: " + ", ".join(family.output_names) + ".", ""]
    if entries:
        lines += export_common.entries_table(entries, "PyTorch") + [""]
    for exporter, reason in failures:
        lines += [f"Not exported by {exporter}: `{reason}`", ""]
    lines += export_common.ops_lines(entries)
    return "\n".join(lines)


def intro_section():
    modules = ", ".join(f"`{name}.py`" for name in FAMILY_MODULES)
    return "\n".join([
        "## Hugging Face transformers families",
        "",
        "Generated by `tools/export/hf_models.py` from the families in " + modules + " (do not edit by hand; "
        "rerun it, `--only NAME` for one family):",
        "",
        "    tools/setup-venv.sh --full && .venv/bin/python tools/export/hf_models.py --only bert",
        "",
        f"Tiny configurations of real model classes from transformers {transformers.__version__} with random "
        "weights from a fixed seed (nothing is downloaded), wrapped to take positional inputs and return a "
        f"tuple, exported by torch {torch.__version__} into `<family>_<exporter>/`: `torch14` and `torch17` "
        "are the TorchScript exporter (`torch.onnx.export(dynamo=False)`, opset 14 / 17, `dynamic_axes`), "
        "`dynamo18` is `torch.onnx.export(dynamo=True, optimize=True)` at opset 18 with `torch.export.Dim` "
        "dynamic shapes (its per-node debug metadata, which holds stack traces, is stripped); `dynamo23` is the "
        "same at opset 23, for the families where that changes the graph (bert: `Attention`; vit: `Gelu`; "
        "t5_encoder: `RMSNormalization`; llama: `RotaryEmbedding` and `RMSNormalization`). Reference "
        f"outputs from ONNX Runtime {onnxruntime.__version__}. An exporter that fails for a family is listed "
        "under it with its error.",
    ])


def all_families():
    """FAMILIES of every module in FAMILY_MODULES; a module that does not exist (yet) is skipped with a note."""
    # The family modules import TorchFamily from here: when run as a script, make that this very module.
    sys.modules.setdefault("hf_models", sys.modules[__name__])
    families = []
    for module_name in FAMILY_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            print(f"note: no module {module_name}, its families are skipped", file=sys.stderr)
            continue
        families += module.FAMILIES
    return families


def main():
    default_out = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                                "models"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=default_out, help="output directory (tests/models)")
    parser.add_argument("--only", action="append", help="export only this family (repeatable)")
    parser.add_argument("--exporter", action="append", choices=EXPORTERS,
                        help="only this exporter (repeatable); the README sections are then left alone")
    args = parser.parse_args()
    _silence_exporter_warnings()
    torch.set_num_threads(1)
    families = all_families()
    unknown = set(args.only or []) - {f.name for f in families}
    if unknown:
        sys.exit(f"unknown families: {sorted(unknown)}; known: {[f.name for f in families]}")
    os.makedirs(args.out, exist_ok=True)
    readme = os.path.join(args.out, "README.md")
    export_common.update_readme_section(readme, "hf", intro_section())
    for family in families:
        if args.only and family.name not in args.only:
            continue
        entries, failures = export_family(family, args.out, args.exporter or EXPORTERS)
        # A section lists every exporter of its family, so a run limited by --exporter leaves it alone.
        if set(family.exporters) <= set(args.exporter or EXPORTERS):
            export_common.update_readme_section(readme, f"hf {family.name}",
                                                family_section(family, entries, failures))
        else:
            print(f"{family.name}: README section left as it was (not every exporter ran)", flush=True)


if __name__ == "__main__":
    main()
