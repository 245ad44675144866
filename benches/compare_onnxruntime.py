#!/usr/bin/env python3
"""Side-by-side latency of onnxruntime and Strata on the project's models.

Runs each model (written by scripts/setup.sh into .cache/models) with onnxruntime and,
compiled by `strata compile`, with `strata bench` on Strata's runtime, at 1 and 2 threads,
alternating the two so that machine noise hits both alike. Prints a Markdown table of
median latencies and the ratio Strata / onnxruntime (below 1: Strata is faster).

    .cache/venv/bin/python benches/compare_onnxruntime.py [--iterations 50] [--models mlp,bert]
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODELS = ROOT / ".cache" / "models"
STRATA = ROOT / "target" / "release" / "strata"


def ort_median(model, feeds, threads, iterations, warmup):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
    for _ in range(warmup):
        session.run(None, feeds)
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        session.run(None, feeds)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def strata_median(module, inputs, threads, iterations, warmup):
    cmd = [str(STRATA), "bench", str(module), "--threads", str(threads),
           "--iterations", str(iterations), "--warmup", str(warmup), "--json"]
    for name, path in inputs.items():
        cmd += ["--input", f"{name}={path}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["median_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--models", default="mlp,moe,bert,resnet")
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    if not STRATA.exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            model_dir = MODELS / name
            manifest = json.loads((model_dir / "manifest.json").read_text())
            inputs = {i: model_dir / "inputs" / f"{i}.npy" for i in manifest["inputs"]}
            feeds = {i: np.load(p) for i, p in inputs.items()}
            module = pathlib.Path(tmp) / f"{name}.strata"
            start = time.perf_counter()
            subprocess.run([str(STRATA), "compile", str(model_dir / "model.onnx"), "-o", str(module)],
                           check=True, capture_output=True)
            compile_s = time.perf_counter() - start
            for threads in [int(t) for t in args.threads.split(",")]:
                o = ort_median(model_dir / "model.onnx", feeds, threads, args.iterations, args.warmup)
                s = strata_median(module, inputs, threads, args.iterations, args.warmup)
                rows.append((name, threads, o, s, s / o, compile_s))
                print(f"{name} x{threads}: onnxruntime {o:.3f} ms, strata {s:.3f} ms", file=sys.stderr)
    print(f"onnxruntime {ort.__version__}; {args.iterations} timed runs after {args.warmup} warm-up, medians\n")
    print("| model | threads | onnxruntime (ms) | Strata (ms) | Strata / onnxruntime | Strata compile (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, threads, o, s, r, c in rows:
        print(f"| {name} | {threads} | {o:.3f} | {s:.3f} | {r:.2f} | {c:.2f} |")


if __name__ == "__main__":
    main()
