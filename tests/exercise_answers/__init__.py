"""Per-exercise test data for tests/test_checker_standards.py.

One module per exercise module (neurons.py … outlook.py), each defining

    CORRECT  = {exercise_id: [fn, fn, ...]}                      # ≥ 2 differently written correct answers
    MISTAKES = {exercise_id: [(fn, "substring of its diagnosis"), ...]}

Every CORRECT answer must pass with no message; every MISTAKES answer must fail with its
substring among the messages, and no other mistake's substring (of the same exercise) may
appear. Optional: HINTS = {exercise_id: [(fn, "substring of the hint"), ...]} is checked with
check(..., hint=True). The chapter helpers own the per-chapter files.
"""

import importlib

import numpy as np

MODULES = (
    "neurons",
    "derivative_rules",
    "gradient_descent",
    "backprop",
    "activations",
    "tensorflow",
    "gradient_problems",
    "curvature",
    "outlook",
)


def sm(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def sig(z):
    return 1 / (1 + np.exp(-z))


def load(name):
    return importlib.import_module(f"{__name__}.{name}")


def collect(attribute):
    """{exercise_id: [...]} merged over all modules."""
    merged = {}
    for name in MODULES:
        merged.update(getattr(load(name), attribute, {}))
    return merged
