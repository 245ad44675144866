#!/usr/bin/env python3
"""Side-by-side CPU latency and compile time of Strata and its peers on deployed-size models.

Engines: onnxruntime (in this process), IREE (iree-import-onnx + iree-compile for this
CPU, run on its local-sync / local-task driver), tract (single-threaded), Strata (`strata
compile`, then `strata bench`) and, for the MatMul models, numpy's sgemm (OpenBLAS, with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset) as the roofline. Each engine other than
onnxruntime runs in a process of its own per measurement. The models are
benches/models.py's (written to .cache/bench-models on first use).

Every round runs each engine once (the order rotating from round to round, so machine
noise hits all alike) for `--iterations` timed calls after `--warmup`; a round's figure
is the median call. The table shows each engine's median over rounds and the median over
rounds of the per-round ratio Strata / onnxruntime (below 1: Strata is faster), and
"best peer" is the per-round ratio against the fastest of onnxruntime, IREE and tract.

    .cache/venv/bin/python benches/compare_onnxruntime.py [--rounds 5] [--iterations 20]
        [--models mlp,bert] [--threads 1,2] [--engines ort,iree,tract,strata,numpy]

Peers it lacks (iree-base-compiler, iree-base-runtime, tract: benches/requirements.txt)
are installed into the virtual environment first.
"""

import argparse
import importlib.util
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODELS = ROOT / ".cache" / "bench-models"
STRATA = ROOT / "target" / "release" / "strata"
VENV_BIN = pathlib.Path(sys.executable).parent


def importable(module):
    # find_spec of a submodule raises when its parent package is not installed at all.
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def ensure_peers():
    missing = [m for m in ["iree.compiler", "iree.runtime", "tract"] if not importable(m)]
    if missing:
        print(f"installing {', '.join(missing)}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "-r", str(ROOT / "benches" / "requirements.txt")], check=True)


def inputs_of(model_dir):
    import numpy as np
    names = json.loads((model_dir / "manifest.json").read_text())["inputs"]
    return {n: np.load(model_dir / "inputs" / f"{n}.npy") for n in names}


def timed(call, iterations, warmup):
    for _ in range(warmup):
        call()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


# --- workers: one engine, one measurement, in a process of its own -------------------

def work_iree(args):
    import iree.runtime as rt
    import numpy as np
    if args.threads > 1:
        rt.flags.parse_flags(f"--task_topology_group_count={args.threads}")
    ctx = rt.SystemContext(config=rt.Config("local-task" if args.threads > 1 else "local-sync"))
    ctx.add_vm_module(rt.VmModule.copy_buffer(ctx.instance, pathlib.Path(args.artifact).read_bytes()))
    feeds = list(inputs_of(pathlib.Path(args.model_dir)).values())
    f = ctx.modules.module[args.function]
    return timed(lambda: np.asarray(f(*feeds)), args.iterations, args.warmup)


def work_tract(args):
    import tract
    model_dir = pathlib.Path(args.model_dir)
    start = time.perf_counter()
    # tract 0.23: into_model() declutters, into_runnable() optimizes.
    runnable = tract.onnx().load(str(model_dir / "model.onnx")).into_model().into_runnable()
    compile_s = time.perf_counter() - start
    feeds = list(inputs_of(model_dir).values())
    return timed(lambda: runnable.run(feeds), args.iterations, args.warmup), compile_s


def work_numpy(args):
    import numpy as np
    a = inputs_of(pathlib.Path(args.model_dir))["a"]
    b = np.random.default_rng(0).standard_normal(a.shape).astype(np.float32)
    return timed(lambda: a @ b, args.iterations, args.warmup)


def worker(args):
    result = {"iree": work_iree, "tract": work_tract, "numpy": work_numpy}[args.worker](args)
    print(json.dumps(result))


def run_worker(engine, model_dir, threads, args, artifact="", function="", env=None):
    cmd = [sys.executable, __file__, "--worker", engine, "--model-dir", str(model_dir),
           "--threads", str(threads), "--iterations", str(args.iterations), "--warmup", str(args.warmup),
           "--artifact", artifact, "--function", function]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- engines ---------------------------------------------------------------------------

def ort_median(model_dir, threads, args):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(model_dir / "model.onnx"), opts, providers=["CPUExecutionProvider"])
    feeds = inputs_of(model_dir)
    return timed(lambda: session.run(None, feeds), args.iterations, args.warmup)


def strata_median(module, model_dir, threads, args):
    names = json.loads((model_dir / "manifest.json").read_text())["inputs"]
    cmd = [str(STRATA), "bench", str(module), "--threads", str(threads), "--iterations",
           str(args.iterations), "--warmup", str(args.warmup), "--json"]
    for n in names:
        cmd += ["--input", f"{n}={model_dir / 'inputs' / f'{n}.npy'}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["median_ms"]


def compile_strata(model_dir, out):
    start = time.perf_counter()
    subprocess.run([str(STRATA), "compile", str(model_dir / "model.onnx"), "-o", str(out)],
                   check=True, capture_output=True)
    return time.perf_counter() - start


def compile_iree(model_dir, tmp):
    mlir, vmfb = tmp / f"{model_dir.name}.mlir", tmp / f"{model_dir.name}.vmfb"
    start = time.perf_counter()
    subprocess.run([str(VENV_BIN / "iree-import-onnx"), str(model_dir / "model.onnx"), "-o", str(mlir)],
                   check=True, capture_output=True)
    subprocess.run([str(VENV_BIN / "iree-compile"), str(mlir), "--iree-hal-target-device=local",
                    "--iree-hal-local-target-device-backends=llvm-cpu", "--iree-llvmcpu-target-cpu=host",
                    "-o", str(vmfb)], check=True, capture_output=True)
    seconds = time.perf_counter() - start
    text = mlir.read_text()
    function = text.split("func.func @", 1)[1].split("(", 1)[0]
    return seconds, vmfb, function


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--models", default="mlp,matmul1024,matmul2048,resnet18,bert,moe_dense,moe_capacity")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--engines", default="ort,iree,tract,strata,numpy")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--model-dir", help=argparse.SUPPRESS)
    ap.add_argument("--artifact", default="", help=argparse.SUPPRESS)
    ap.add_argument("--function", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        args.threads = int(args.threads)
        return worker(args)

    engines = args.engines.split(",")
    if "iree" in engines or "tract" in engines:
        ensure_peers()
    if not STRATA.exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    names = args.models.split(",")
    missing = [n for n in names if not (MODELS / n / "model.onnx").exists()]
    if missing:
        subprocess.run([sys.executable, str(ROOT / "benches" / "models.py"), str(MODELS), *missing], check=True)
    import onnxruntime as ort
    blas_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}

    rows = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = pathlib.Path(tmpdir)
        for name in names:
            model_dir = MODELS / name
            compile_s = {"strata": compile_strata(model_dir, tmp / f"{name}.strata")}
            iree = None
            if "iree" in engines:
                try:
                    compile_s["iree"], vmfb, function = compile_iree(model_dir, tmp)
                    iree = (str(vmfb), function)
                except subprocess.CalledProcessError as e:
                    print(f"{name}: IREE cannot compile it: {e.stderr[-300:]}", file=sys.stderr)
            for threads in [int(t) for t in args.threads.split(",")]:
                present = [e for e in engines
                           if not (e == "tract" and threads > 1) and not (e == "numpy" and not name.startswith("matmul"))
                           and not (e == "iree" and iree is None)]
                per_round = {e: [] for e in present}
                for r in range(args.rounds):
                    order = present[r % len(present):] + present[:r % len(present)]
                    for e in order:
                        if e == "ort":
                            v = ort_median(model_dir, threads, args)
                        elif e == "strata":
                            v = strata_median(tmp / f"{name}.strata", model_dir, threads, args)
                        elif e == "iree":
                            v = run_worker("iree", model_dir, threads, args, *iree)
                        elif e == "tract":
                            try:
                                v, compile_s["tract"] = run_worker("tract", model_dir, threads, args)
                            except subprocess.CalledProcessError as err:
                                print(f"{name}: tract fails: {err.stderr[-300:]}", file=sys.stderr)
                                present.remove("tract")
                                del per_round["tract"]
                                continue
                        else:
                            env = dict(blas_env, OPENBLAS_NUM_THREADS=str(threads))
                            v = run_worker("numpy", model_dir, threads, args, env=env)
                        per_round[e].append(v)
                med = {e: statistics.median(v) for e, v in per_round.items()}
                ratio = statistics.median(s / o for s, o in zip(per_round["strata"], per_round["ort"])) \
                    if "ort" in per_round and "strata" in per_round else None
                peers = [e for e in ("ort", "iree", "tract") if e in per_round]
                best = statistics.median(
                    per_round["strata"][r] / min(per_round[e][r] for e in peers) for r in range(args.rounds)
                ) if peers and "strata" in per_round else None
                rows.append((name, threads, med, ratio, best, dict(compile_s)))
                shown = ", ".join(f"{e} {v:.3f} ms" for e, v in med.items())
                print(f"{name} x{threads}: {shown}", file=sys.stderr)

    print(f"onnxruntime {ort.__version__}; {args.rounds} rounds of {args.iterations} timed calls "
          f"after {args.warmup} warm-up; medians over rounds, ratios per round\n")
    cols = [e for e in ("ort", "iree", "tract", "numpy", "strata") if e in engines]
    label = {"ort": "onnxruntime", "iree": "IREE", "tract": "tract", "numpy": "numpy sgemm", "strata": "Strata"}
    print("| model | threads | " + " | ".join(f"{label[e]} (ms)" for e in cols)
          + " | Strata / ORT | Strata / best peer | compile s: Strata | IREE |")
    print("|---|---:|" + "---:|" * len(cols) + "---:|---:|---:|---:|")
    for name, threads, med, ratio, best, comp in rows:
        cells = [f"{med[e]:.3f}" if e in med else "–" for e in cols]
        fmt = lambda v: f"{v:.2f}" if v is not None else "–"  # noqa: E731
        print(f"| {name} | {threads} | " + " | ".join(cells) + f" | {fmt(ratio)} | {fmt(best)} | "
              f"{comp['strata']:.2f} | {fmt(comp.get('iree'))} |")


if __name__ == "__main__":
    main()
