"""Benchmark one training step (forward, backward, SGD update) four ways, interleaved in
one process: the hand-written NumPy backward pass (baseline), the chainrule engine,
TensorFlow eager with GradientTape, and TensorFlow with tf.function. All in float64, the
engine's precision, so every implementation does the same arithmetic.

    python bench/run.py [--json PATH] [--quick] [--before OLD/src/chainrule]

Prints medians (min–max) per step and the ratios against the targets; --json writes them.
``--before`` also times another copy of the package (e.g. a ``git worktree`` of an older
commit) as "engine_before", in the same rounds, so a change of the engine is measured
before and after side by side on the same (noisy, shared) machine.
"""

import argparse
import functools
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import handwritten  # noqa: E402

import chainrule as cr  # noqa: E402
from chainrule.models.data import load_digits  # noqa: E402

WORKLOADS = {
    # name: (layer sizes, batch, description)
    "digits": ([64, 32, 10], 64, "the source's MLP on the digits, 64-32-10, batch 64"),
    "wide": ([784, 256, 10], 256, "784-256-10, batch 256, synthetic data"),
    "deep": ([64] * 21 + [10], 64, "20 sigmoid layers of width 64, batch 64"),
}
# Targets (issue 14): the engine's step against the hand-written step, or for the wide network
# against the floor of its matrix products alone.
TARGETS = {"digits": ("engine/hand", 1.5), "wide": ("engine/matmul_floor", 1.3), "deep": ("engine/hand", 1.5)}


def make_data(name, sizes, batch, rng):
    if name == "digits":
        X, y, _, _ = load_digits()
        X, y = X[:batch], y[:batch]
    else:
        X, y = rng.normal(size=(batch, sizes[0])), rng.integers(0, sizes[-1], size=batch)
    return X, y, np.eye(sizes[-1])[y]


def init(sizes, rng):
    weights = [rng.normal(0, 1 / np.sqrt(a), size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    return weights, [np.zeros(b) for b in sizes[1:]]


def load_before(path):
    """Another copy of the chainrule package, imported as ``chainrule_before``."""
    path = Path(path).resolve()
    init = path / "__init__.py"
    spec = importlib.util.spec_from_file_location("chainrule_before", init, submodule_search_locations=[str(path)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["chainrule_before"] = module
    spec.loader.exec_module(module)
    return module


def engine_step_fn(weights, biases, X, y, lr, cr=cr):
    params = [(cr.Tensor(W.copy()), cr.Tensor(b.copy())) for W, b in zip(weights, biases, strict=True)]

    def step():
        h = X
        for W, b in params[:-1]:
            h = (h @ W + b).sigmoid()
        W, b = params[-1]
        loss = cr.cross_entropy(h @ W + b, y)
        loss.backward()
        for W, b in params:
            W.data -= lr * W.grad
            b.data -= lr * b.grad
        return loss

    return step


def tf_step_fns(tf, weights, biases, X, y, lr):
    variables = [(tf.Variable(W), tf.Variable(b)) for W, b in zip(weights, biases, strict=True)]
    flat = [v for pair in variables for v in pair]
    X, y = tf.constant(X), tf.constant(y)

    def step():
        with tf.GradientTape() as tape:
            h = X
            for W, b in variables[:-1]:
                h = tf.sigmoid(h @ W + b)
            W, b = variables[-1]
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h @ W + b))
        for v, g in zip(flat, tape.gradient(loss, flat), strict=True):
            v.assign_sub(lr * g)
        return loss

    return step, tf.function(step)


def time_interleaved(fns, repeats, inner):
    """Median, min and max ms per call of each fn, alternating between them every round."""
    samples = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            samples[name].append((time.perf_counter() - start) / inner * 1e3)
    return {name: (statistics.median(s), min(s), max(s)) for name, s in samples.items()}


def engine_peak_mb(step):
    tracemalloc.start()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def run(quick=False, before=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from chainrule.notebook.tf_quiet import import_tensorflow

    tf = import_tensorflow()
    rng = np.random.default_rng(0)
    repeats, inner = (5, 3) if quick else (25, 10)
    results = {}
    for name, (sizes, batch, description) in WORKLOADS.items():
        X, y, Y = make_data(name, sizes, batch, rng)
        weights, biases = init(sizes, rng)
        hand_w, hand_b = [W.copy() for W in weights], [b.copy() for b in biases]
        engine = engine_step_fn(weights, biases, X, y, 0.01)
        eager, graph = tf_step_fns(tf, weights, biases, X, y, 0.01)
        fns = {
            "hand": functools.partial(handwritten.step, hand_w, hand_b, X, Y, 0.01),
            "engine": engine,
            "tf_eager": eager,
            "tf_function": graph,
            "matmul_floor": functools.partial(handwritten.matmul_floor, weights, X, sizes[-1]),
        }
        if before is not None:
            fns["engine_before"] = engine_step_fn(weights, biases, X, y, 0.01, cr=before)
        for fn in fns.values():  # warm up: caches, thread pools, tf.function tracing
            fn()
        timings = time_interleaved(fns, repeats, inner)
        entry = {"description": description}
        for key, (median, lo, hi) in timings.items():
            entry[f"{key}_ms"] = median
            entry[f"{key}_min_ms"], entry[f"{key}_max_ms"] = lo, hi
        entry["engine_peak_mb"] = engine_peak_mb(engine)
        entry["ratios"] = {
            "engine/hand": entry["engine_ms"] / entry["hand_ms"],
            "engine/tf_eager": entry["engine_ms"] / entry["tf_eager_ms"],
            "engine/tf_function": entry["engine_ms"] / entry["tf_function_ms"],
            "engine/matmul_floor": entry["engine_ms"] / entry["matmul_floor_ms"],
        }
        if before is not None:
            entry["ratios"]["engine_before/hand"] = entry["engine_before_ms"] / entry["hand_ms"]
            entry["ratios"]["engine_before/matmul_floor"] = entry["engine_before_ms"] / entry["matmul_floor_ms"]
        results[name] = entry
    return {"machine": machine(tf), "quick": quick, "workloads": results}


def machine(tf):
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, TensorFlow {tf.__version__}, "
        f"devices {[d.device_type for d in tf.config.list_physical_devices()]}"
    )


def report(data):
    lines = [f"machine: {data['machine']}", ""]
    header = f"{'workload':8s} {'implementation':13s} {'median ms/step':>14s} {'min–max':>17s}"
    lines.append(header)
    for name, entry in data["workloads"].items():
        for key in ["hand", "engine", "engine_before", "tf_eager", "tf_function", "matmul_floor"]:
            if f"{key}_ms" not in entry:
                continue
            lo, hi = entry[f"{key}_min_ms"], entry[f"{key}_max_ms"]
            lines.append(f"{name:8s} {key:13s} {entry[f'{key}_ms']:14.3f} {lo:8.3f}–{hi:<8.3f}")
        lines.append(f"{name:8s} {'engine peak':13s} {entry['engine_peak_mb']:11.2f} MB")
    lines += ["", f"{'workload':8s} {'engine/hand':>12s} {'engine/TF eager':>16s} "
              f"{'engine/tf.function':>19s} {'engine/matmuls':>15s}   target"]
    for name, entry in data["workloads"].items():
        r = entry["ratios"]
        key, limit = TARGETS[name]
        verdict = "met" if r[key] <= limit else "missed"
        lines.append(
            f"{name:8s} {r['engine/hand']:12.2f} {r['engine/tf_eager']:16.2f} "
            f"{r['engine/tf_function']:19.2f} {r['engine/matmul_floor']:15.2f}   {key} ≤ {limit:g}: {verdict}"
        )
    if any("engine_before/hand" in e["ratios"] for e in data["workloads"].values()):
        lines += ["", f"{'workload':8s} {'engine/hand before → after':>28s} {'engine/matmuls before → after':>31s}"]
        for name, entry in data["workloads"].items():
            r = entry["ratios"]
            lines.append(
                f"{name:8s} {r['engine_before/hand']:13.2f} → {r['engine/hand']:<12.2f} "
                f"{r['engine_before/matmul_floor']:15.2f} → {r['engine/matmul_floor']:<.2f}"
            )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--quick", action="store_true", help="few repeats (under a minute), for smoke tests")
    parser.add_argument("--before", help="the src/chainrule folder of another copy of the package, timed alongside")
    args = parser.parse_args(argv)
    data = run(quick=args.quick, before=load_before(args.before) if args.before else None)
    print(report(data))
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
