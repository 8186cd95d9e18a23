"""Measure this machine's float32 GEMM rate (GFLOP/s): the ceiling quoted next to benchmarks.

Run with the project venv:  .venv/bin/python tools/bench/gemm_ceiling.py [--threads 1] [--seconds 0.3] [--json]

Two GEMMs are measured on each shape: numpy's BLAS (matmul) and ONNX Runtime's MLAS (a one-node
MatMul model, constant B, CPU provider); the ceiling is the best rate of any shape and either.
Shapes: squares and the Transformer-base projections at 128 tokens (M x K x N = 128x768x768,
128x768x3072). Each is repeated for about --seconds and its fastest run kept. With one thread
the runs are timed by the thread's CPU time, which a busy machine disturbs far less than wall
time; with more threads by wall time. The BLAS thread count is fixed through environment
variables before numpy is imported, so run this as its own process (tools/bench/vs_ort.py does).
"""

import argparse
import json
import os
import sys
import time

SHAPES = [(512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048), (128, 768, 768), (128, 768, 3072)]


def fastest(call, seconds, clock):
    call()
    best = float("inf")
    deadline = time.perf_counter() + seconds
    runs = 0
    while runs < 5 or time.perf_counter() < deadline:
        start = clock()
        call()
        best = min(best, clock() - start)
        runs += 1
    return best


def numpy_gemm(a, b):
    import numpy as np

    c = np.empty((a.shape[0], b.shape[1]), dtype=np.float32)
    return lambda: np.matmul(a, b, out=c)


def ort_gemm(a, b, threads):
    import onnx
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    m, k = a.shape
    n = b.shape[1]
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["A", "B"], ["C"])],
        "gemm",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("C", TensorProto.FLOAT, [m, n])],
        [numpy_helper.from_array(b, "B")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    feeds = {"A": a}
    return lambda: session.run(None, feeds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="GEMM threads (default 1)")
    parser.add_argument("--seconds", type=float, default=0.3, help="time spent per shape and library (default 0.3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if args.threads < 1:
        parser.error("--threads must be >= 1")
    if "numpy" in sys.modules:
        sys.exit("gemm_ceiling: numpy was imported before the thread count was set")
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[variable] = str(args.threads)
    import numpy as np

    clock = time.thread_time if args.threads == 1 else time.perf_counter
    libraries = {"numpy": lambda a, b: numpy_gemm(a, b)}
    try:
        import onnxruntime

        libraries[f"onnxruntime {onnxruntime.__version__} MLAS"] = lambda a, b: ort_gemm(a, b, args.threads)
    except ImportError:
        pass
    blas = "BLAS unknown"
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{config.get('name', '?')} {config.get('version', '')}".strip()
    except Exception:  # older numpy has no mode="dicts"; the BLAS name is only informative
        pass
    names = {"numpy": f"numpy {np.__version__} ({blas})"}
    rng = np.random.default_rng(0)
    rates = {}
    for shape in SHAPES:
        m, k, n = shape
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        for library, make in libraries.items():
            seconds = fastest(make(a, b), args.seconds, clock)
            by_shape = rates.setdefault(names.get(library, library), {})
            by_shape["x".join(map(str, shape))] = 2.0 * m * k * n / seconds / 1e9
    best_library, best_shape = max(
        ((library, shape) for library, by_shape in rates.items() for shape in by_shape),
        key=lambda key: rates[key[0]][key[1]],
    )
    result = {
        "threads": args.threads,
        "clock": "thread CPU time" if args.threads == 1 else "wall time",
        "ceiling_gflops": rates[best_library][best_shape],
        "ceiling_library": best_library,
        "ceiling_shape": best_shape,
        "gflops": rates,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"float32 GEMM, {args.threads} thread(s), fastest run by {result['clock']}, GFLOP/s:")
    for library, by_shape in rates.items():
        print(f"  {library}")
        for shape, rate in by_shape.items():
            print(f"    {shape:>16}  {rate:8.1f}")
    print(f"ceiling: {result['ceiling_gflops']:.1f} GFLOP/s ({best_library}, {best_shape})")


if __name__ == "__main__":
    main()
