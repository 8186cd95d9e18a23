"""Benchmark dnnx against ONNX Runtime on the same model, inputs and thread count, side by side.

Run with the project venv (tools/setup-venv.sh), after building dnnx:
    .venv/bin/python tools/bench/vs_ort.py MODEL [--shape NAME=DIMS]... [--threads 1] [-n 30] [--warmup 10]
        [--rounds 3] [--fpmath strict|bf16] [--backends ref|all] [--dnnx build/bin/dnnx] [--json]

One set of random inputs is made the way `dnnx run` makes them (floats uniform in [-1, 1),
integers in [0, --int-range) with 2 by default, bools 0/1; --shape sizes inputs or symbolic dims)
and saved as input_K.pb. Then, alternately for --rounds rounds, `dnnx bench --json` runs on them
in its own process, and so does ONNX Runtime (CPU provider, ORT_ENABLE_ALL, intra-op threads as
--threads, one inter-op thread, sequential execution) in a child process of this script: each
round loads the model, warms up and times -n runs. The report gives the median (and p90, min)
over all timed runs of all rounds for both, the ratio dnnx/ORT, the median CPU time per run, load
and first-run times, each side's peak RSS (its own process; ORT's includes the Python
interpreter, shown separately as the baseline before loading), the max abs difference between
their outputs, the machine's load average and its measured float32 GEMM ceiling
(tools/bench/gemm_ceiling.py). --threads 0 means each library's default (all cores).
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))

FLOAT_TYPES = {onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.DOUBLE: np.float64,
               onnx.TensorProto.FLOAT16: np.float16}
INT_TYPES = {onnx.TensorProto.INT64: np.int64, onnx.TensorProto.INT32: np.int32, onnx.TensorProto.INT16: np.int16,
             onnx.TensorProto.INT8: np.int8, onnx.TensorProto.UINT8: np.uint8, onnx.TensorProto.UINT16: np.uint16,
             onnx.TensorProto.UINT32: np.uint32, onnx.TensorProto.UINT64: np.uint64}


def parse_dims(text):
    """'1x128', '1,128' or '' (a scalar) as a list of ints, as dnnx's --shape reads it."""
    if text == "":
        return []
    parts = re.split(r"[x,]", text)
    if not all(p.isdigit() for p in parts):
        raise ValueError(f"bad dims '{text}' (expected like 1x128)")
    return [int(p) for p in parts]


def graph_inputs(model_path):
    """(name, elem_type, dims) of each graph input that is not an initializer; dims hold ints or dim names."""
    model = onnx.load(model_path, load_external_data=False)
    initializers = {i.name for i in model.graph.initializer}
    result = []
    for value in model.graph.input:
        if value.name in initializers:
            continue
        tensor_type = value.type.tensor_type
        dims = None
        if tensor_type.HasField("shape"):
            dims = [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in tensor_type.shape.dim]
        result.append((value.name, tensor_type.elem_type, dims))
    return result


def make_inputs(inputs, shapes, seed, int_range):
    rng = np.random.default_rng(seed)
    used = set()
    arrays = []
    for name, elem_type, dims in inputs:
        if name in shapes:
            dims = shapes[name]
            used.add(name)
        elif dims is None:
            sys.exit(f"vs_ort: input '{name}' has an unknown rank: give --shape {name}=DIMS")
        else:
            resolved = []
            for axis, dim in enumerate(dims):
                if isinstance(dim, int):
                    resolved.append(dim)
                elif dim is not None and dim in shapes and len(shapes[dim]) == 1:
                    resolved.append(shapes[dim][0])
                    used.add(dim)
                else:
                    sys.exit(f"vs_ort: input '{name}' dim {axis} ({dim or 'unknown'}) is symbolic: give --shape "
                             f"{dim or name}=N")
            dims = resolved
        if elem_type in FLOAT_TYPES:
            array = rng.uniform(-1.0, 1.0, size=dims).astype(FLOAT_TYPES[elem_type])
        elif elem_type in INT_TYPES:
            array = rng.integers(0, int_range, size=dims).astype(INT_TYPES[elem_type])
        elif elem_type == onnx.TensorProto.BOOL:
            array = rng.integers(0, 2, size=dims).astype(bool)
        else:
            sys.exit(f"vs_ort: cannot make random values for input '{name}' of type {elem_type}")
        arrays.append((name, array))
    unused = set(shapes) - used
    if unused:
        sys.exit(f"vs_ort: --shape names no input or symbolic dim: {', '.join(sorted(unused))}")
    return arrays


def save_inputs(arrays, directory):
    for index, (name, array) in enumerate(arrays):
        with open(os.path.join(directory, f"input_{index}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(np.ascontiguousarray(array), name).SerializeToString())


def peak_rss_kib():
    """Linux's VmHWM, which starts afresh at exec (ru_maxrss keeps the pre-exec image's peak)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def ort_worker(config_path):
    """Child process: load the model in ONNX Runtime, time the runs, print one JSON object."""
    with open(config_path) as f:
        config = json.load(f)
    import onnxruntime

    baseline_kib = peak_rss_kib()
    feeds = {}
    for index, name in enumerate(config["input_names"]):
        feeds[name] = numpy_helper.to_array(onnx.load_tensor(os.path.join(config["inputs_dir"], f"input_{index}.pb")))
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = config["threads"]
    options.inter_op_num_threads = 1
    start = time.perf_counter()
    session = onnxruntime.InferenceSession(config["model"], options, providers=["CPUExecutionProvider"])
    load_ms = (time.perf_counter() - start) * 1e3
    output_names = [o.name for o in session.get_outputs()]
    times, cpu_times, first_run_ms, outputs = [], [], None, None
    for run in range(config["warmup"] + config["runs"]):
        start, cpu_start = time.perf_counter(), time.process_time()
        outputs = session.run(output_names, feeds)
        ms, cpu_ms = (time.perf_counter() - start) * 1e3, (time.process_time() - cpu_start) * 1e3
        if run == 0:
            first_run_ms = ms
        if run >= config["warmup"]:
            times.append(ms)
            cpu_times.append(cpu_ms)
    if config.get("out_dir"):
        os.makedirs(config["out_dir"], exist_ok=True)
        for index, array in enumerate(outputs):
            np.save(os.path.join(config["out_dir"], f"output_{index}.npy"), array)
    print(json.dumps({
        "onnxruntime_version": onnxruntime.__version__,
        "load_ms": load_ms,
        "first_run_ms": first_run_ms,
        "times_ms": times,
        "cpu_times_ms": cpu_times,
        "baseline_rss_kib": baseline_kib,
        "peak_rss_kib": peak_rss_kib(),
        "output_names": output_names,
    }))


def run_json(command, what):
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if completed.returncode != 0:
        sys.exit(f"vs_ort: {what} failed (exit {completed.returncode}):\n{' '.join(command)}\n{completed.stderr}")
    try:
        return json.loads(completed.stdout)
    except json.JSONDecodeError as error:
        sys.exit(f"vs_ort: {what} printed no JSON ({error}):\n{completed.stdout[:2000]}")


def gemm_ceiling(threads):
    script = os.path.join(HERE, "gemm_ceiling.py")
    if not os.path.exists(script):
        return None
    completed = subprocess.run([sys.executable, script, "--threads", str(threads), "--json"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    if completed.returncode != 0:
        return None
    return json.loads(completed.stdout)


def summary(times):
    ordered = sorted(times)
    p90 = ordered[max(0, -(-9 * len(ordered) // 10) - 1)]
    return {"median_ms": statistics.median(ordered), "p90_ms": p90, "min_ms": ordered[0]}


def compare_outputs(dnnx_dir, ort_dir, names):
    diffs = []
    for index, name in enumerate(names):
        dnnx_path = os.path.join(dnnx_dir, f"output_{index}.pb")
        ort_path = os.path.join(ort_dir, f"output_{index}.npy")
        if not os.path.exists(dnnx_path) or not os.path.exists(ort_path):
            diffs.append({"name": name, "error": "missing output file"})
            continue
        ours = numpy_helper.to_array(onnx.load_tensor(dnnx_path))
        theirs = np.load(ort_path)
        if ours.shape != theirs.shape:
            diffs.append({"name": name, "error": f"shape {list(ours.shape)} vs ORT {list(theirs.shape)}"})
            continue
        difference = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
        diffs.append({
            "name": name,
            "max_abs_diff": float(np.max(difference)) if difference.size else 0.0,
            "max_abs_ort": float(np.max(np.abs(theirs.astype(np.float64)))) if theirs.size else 0.0,
        })
    return diffs


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


def print_report(r):
    d, o = r["dnnx"], r["ort"]
    print(f"model:     {r['model']}")
    shapes = (f"{i['name']} {i['dtype']} [{','.join(map(str, i['shape']))}]" for i in r["inputs"])
    print("inputs:    " + ", ".join(shapes))
    threads = r["threads"] if r["threads"] else "library default (all cores)"
    print(f"settings:  threads {threads}, fpmath {r['fpmath']} (ORT: float32), dnnx backends {r['backends']} "
          f"(nodes: {', '.join(f'{k} {v}' for k, v in d['nodes_by_backend'].items())}), "
          f"{r['rounds']} rounds of {r['warmup']} warm-up + {r['runs']} timed runs each, alternating")
    print(f"versions:  dnnx {d['version']}, onnxruntime {o['version']}")
    print(f"machine:   {os.cpu_count()} CPUs, load average {r['loadavg_before']} before, {r['loadavg_after']} after")
    print()
    rows = [
        ("median latency", d["median_ms"], o["median_ms"]),
        ("p90 latency", d["p90_ms"], o["p90_ms"]),
        ("min latency", d["min_ms"], o["min_ms"]),
        ("median CPU time/run", d["median_cpu_ms"], o["median_cpu_ms"]),
        ("load (median)", d["load_ms"], o["load_ms"]),
        ("first run (median)", d["first_run_ms"], o["first_run_ms"]),
    ]
    print(f"{'':22}{'dnnx':>14}{'ORT':>14}{'dnnx/ORT':>11}")
    for label, ours, theirs in rows:
        if ours is None or theirs is None:
            continue
        print(f"{label:22}{ours:11.3f} ms{theirs:11.3f} ms{ours / theirs:10.2f}x")
    print(f"{'peak RSS':22}{mib(d['peak_rss_kib']):>14}{mib(o['peak_rss_kib']):>14}"
          f"{d['peak_rss_kib'] / o['peak_rss_kib']:10.2f}x   (ORT's Python baseline before load: "
          f"{mib(o['baseline_rss_kib'])})")
    if d.get("arena_bytes") is not None:
        print(f"{'dnnx planned arena':22}{mib(d['arena_bytes'] / 1024):>14}   "
              f"({d['arena_bytes']} bytes of intermediates)")
    if r.get("batch"):
        ours, theirs = (r["batch"] * 1e3 / side["median_ms"] for side in (d, o))
        print(f"{'samples/s at median':22}{ours:14.2f}{theirs:14.2f}{ours / theirs:10.2f}x")
    print()
    print(f"dnnx/ORT median latency ratio: {d['median_ms'] / o['median_ms']:.2f}")
    for diff in r["output_diffs"]:
        if "error" in diff:
            print(f"outputs:   {diff['name']}: {diff['error']}")
        else:
            print(f"outputs:   {diff['name']}: max abs diff dnnx vs ORT {diff['max_abs_diff']:.3g} "
                  f"(max |ORT| {diff['max_abs_ort']:.3g})")
    for ceiling in r["gemm_ceilings"]:
        others = "; ".join(f"{library} best {max(by_shape.values()):.1f}" for library, by_shape in
                           ceiling["gflops"].items() if library != ceiling["ceiling_library"])
        print(f"GEMM ceiling: {ceiling['ceiling_gflops']:.1f} GFLOP/s float32, {ceiling['threads']} thread(s) "
              f"timed by {ceiling['clock']} ({ceiling['ceiling_library']}, {ceiling['ceiling_shape']}"
              f"{'; ' + others if others else ''})")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--ort-worker":
        ort_worker(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--shape", action="append", default=[], metavar="NAME=DIMS",
                        help="shape of input NAME, or size of symbolic dim NAME (repeatable)")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads for both (default 1; 0 = default)")
    parser.add_argument("-n", "--runs", type=int, default=30, help="timed runs per round (default 30)")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up runs per round (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--fpmath", default="strict", choices=["strict", "bf16"], help="dnnx's fpmath (ORT: f32)")
    parser.add_argument("--backends", default="all", help="dnnx's backends: ref or all (default)")
    parser.add_argument("--dnnx", default=os.path.join(ROOT, "build", "bin", "dnnx"), help="the dnnx binary")
    parser.add_argument("--seed", type=int, default=0, help="input seed (default 0)")
    parser.add_argument("--int-range", type=int, default=2, help="integer inputs in [0, N) (default 2)")
    parser.add_argument("--keep", metavar="DIR", help="keep the inputs and both outputs in DIR")
    parser.add_argument("--no-gemm", action="store_true", help="skip the GEMM ceiling measurement")
    parser.add_argument("--json", action="store_true", help="also print the whole result as one JSON object")
    args = parser.parse_args()
    if args.runs < 1 or args.warmup < 1 or args.rounds < 1 or args.threads < 0 or args.int_range < 1:
        parser.error("-n, --warmup, --rounds and --int-range must be >= 1, --threads >= 0")
    if not os.access(args.dnnx, os.X_OK):
        parser.error(f"no dnnx binary at {args.dnnx} (build it, or pass --dnnx)")
    shapes = {}
    for entry in args.shape:
        name, equals, dims = entry.partition("=")
        if not equals or not name:
            parser.error(f"--shape '{entry}': expected NAME=DIMS")
        try:
            shapes[name] = parse_dims(dims)
        except ValueError as error:
            parser.error(f"--shape {name}: {error}")

    work = args.keep or tempfile.mkdtemp(prefix="dnnx-vs-ort-")
    inputs_dir, dnnx_out, ort_out = (os.path.join(work, d) for d in ("inputs", "dnnx_outputs", "ort_outputs"))
    for directory in (inputs_dir, dnnx_out, ort_out):
        shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(inputs_dir)
    try:
        arrays = make_inputs(graph_inputs(args.model), shapes, args.seed, args.int_range)
        save_inputs(arrays, inputs_dir)
        config_path = os.path.join(work, "ort_worker.json")
        config = {"model": args.model, "inputs_dir": inputs_dir, "input_names": [n for n, _ in arrays],
                  "threads": args.threads, "warmup": args.warmup, "runs": args.runs}
        dnnx_command = [args.dnnx, "bench", args.model, "-d", inputs_dir, "-n", str(args.runs), "--warmup",
                        str(args.warmup), "--threads", str(args.threads), "--fpmath", args.fpmath, "--backends",
                        args.backends, "--json"]
        loadavg_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        dnnx_rounds, ort_rounds = [], []
        for round_index in range(args.rounds):
            first = round_index == 0
            print(f"round {round_index + 1}/{args.rounds}: dnnx ...", end="", file=sys.stderr, flush=True)
            dnnx_rounds.append(run_json(dnnx_command + (["-o", dnnx_out] if first else []), "dnnx bench"))
            print(f" {statistics.median(dnnx_rounds[-1]['times_ms']):.3f} ms; ORT ...", end="", file=sys.stderr,
                  flush=True)
            with open(config_path, "w") as f:
                json.dump(dict(config, out_dir=ort_out if first else None), f)
            ort_rounds.append(run_json([sys.executable, os.path.abspath(__file__), "--ort-worker", config_path],
                                       "the ONNX Runtime worker"))
            print(f" {statistics.median(ort_rounds[-1]['times_ms']):.3f} ms", file=sys.stderr)
        loadavg_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
        ceilings = []
        if not args.no_gemm:
            for threads in sorted({1, args.threads or os.cpu_count()}):
                ceiling = gemm_ceiling(threads)
                if ceiling:
                    ceilings.append(ceiling)
        output_diffs = compare_outputs(dnnx_out, ort_out, ort_rounds[0]["output_names"])
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    def side(rounds, version, extra):
        times = [t for r in rounds for t in r["times_ms"]]
        cpu = [t for r in rounds for t in r["cpu_times_ms"] if t is not None]
        result = dict(summary(times), version=version, runs=len(times),
                      median_cpu_ms=statistics.median(cpu) if cpu else None,
                      load_ms=statistics.median(r["load_ms"] for r in rounds),
                      first_run_ms=statistics.median(r["first_run_ms"] for r in rounds),
                      peak_rss_kib=max(r["peak_rss_kib"] for r in rounds), times_ms=times)
        result.update(extra)
        return result

    result = {
        "model": args.model,
        "inputs": [{"name": n, "dtype": str(a.dtype), "shape": list(a.shape)} for n, a in arrays],
        "batch": dnnx_rounds[0].get("batch"),
        "threads": args.threads, "fpmath": args.fpmath, "backends": args.backends,
        "rounds": args.rounds, "warmup": args.warmup, "runs": args.runs,
        "loadavg_before": loadavg_before, "loadavg_after": loadavg_after,
        "dnnx": side(dnnx_rounds, dnnx_rounds[0]["dnnx_version"],
                     {"nodes_by_backend": dnnx_rounds[0]["nodes_by_backend"],
                      "arena_bytes": dnnx_rounds[0].get("arena_bytes")}),
        "ort": side(ort_rounds, ort_rounds[0]["onnxruntime_version"],
                    {"baseline_rss_kib": max(r["baseline_rss_kib"] for r in ort_rounds)}),
        "output_diffs": output_diffs,
        "gemm_ceilings": ceilings,
    }
    result["ratio"] = result["dnnx"]["median_ms"] / result["ort"]["median_ms"]
    print_report(result)
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
