"""The benchmark runs and reports every row (a smoke test: no timing is asserted here;
speed targets are read from bench/RESULTS.md, measured in one run on one machine)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS = ["hand_ms", "engine_ms", "tf_eager_ms", "tf_function_ms", "matmul_floor_ms", "engine_peak_mb"]


def test_quick_benchmark_prints_every_row_and_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--json", str(out)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    data = json.loads(out.read_text())
    assert set(data["workloads"]) == {"digits", "wide", "deep"} and data["machine"]
    for name, entry in data["workloads"].items():
        for key in KEYS:
            assert entry[key] > 0, (name, key)
        for impl in ["hand", "engine", "tf_eager", "tf_function", "matmul_floor"]:
            assert f"{name:8s} {impl:13s}" in run.stdout
        assert set(entry["ratios"]) == {"engine/hand", "engine/tf_eager", "engine/tf_function", "engine/matmul_floor"}


def test_engine_and_hand_written_steps_agree(tmp_path):
    """The benchmark compares like with like: one engine step and one hand-written step
    from the same weights give the same loss and the same updated weights."""
    import numpy as np

    sys.path.insert(0, str(ROOT / "bench"))
    import handwritten
    import run

    rng = np.random.default_rng(0)
    for name, (sizes, batch, _) in run.WORKLOADS.items():
        X, y, Y = run.make_data(name, sizes, batch, rng)
        weights, biases = run.init(sizes, rng)
        hand_w, hand_b = [w.copy() for w in weights], [b.copy() for b in biases]
        hand_loss = handwritten.step(hand_w, hand_b, X, Y, 0.1)
        engine_step = run.engine_step_fn(weights, biases, X, y, 0.1)
        engine_loss = engine_step().item()
        assert engine_loss == pytest_approx(hand_loss)
        # one more step each: the second losses agree only if the updates did
        assert engine_step().item() == pytest_approx(handwritten.step(hand_w, hand_b, X, Y, 0.1))


def pytest_approx(value):
    import pytest

    return pytest.approx(value, rel=1e-10)
