"""The kernel side of grading: call one learner function on one case, print the result.

The grader sends the case's arguments in, and reads back plain JSON (never a pickle), so
nothing the learner's kernel does can run code in the grader or change how it compares.
What the learner's function prints is not echoed here (it could forge the grader's mark line).
"""

import base64
import json
import pickle

import numpy as np

from ..language import pick
from . import lock
from .core import local_caller

MARK = "@@chainrule-grade@@"
# The report on a function that is, or called, a locked reference solution (exercises/lock.py).
USES_REFERENCE = {"value": None, "failure": None, "changed": False, "reference": True}


def encode(value):
    """A learner's return value as JSON-able data: arrays as nested lists, the rest by type."""
    if value is None:
        return None
    if isinstance(value, (tuple, list)):  # keep the structure: (dL/da, dL/db) stays a pair
        return {"kind": "sequence", "items": [encode(v) for v in value]}
    if _is_numeric(value):
        arr = np.asarray(value)
        if arr.dtype.kind == "c":  # kept complex, so the grader says "complex numbers" as check does
            return {"kind": "complex", "real": arr.real.tolist(), "imag": arr.imag.tolist(), "shape": list(arr.shape)}
        arr = np.asarray(arr, dtype=np.float64)
        return {"kind": "array", "data": arr.tolist(), "shape": list(arr.shape)}
    return {"kind": "other", "type": type(value).__name__}


def decode(data):
    if data is None:
        return None
    if data["kind"] == "sequence":
        return tuple(decode(v) for v in data["items"])
    if data["kind"] == "array":
        return np.array(data["data"], dtype=np.float64).reshape(data["shape"])
    if data["kind"] == "complex":
        real = np.array(data["real"], dtype=np.float64).reshape(data["shape"])
        return real + 1j * np.array(data["imag"], dtype=np.float64).reshape(data["shape"])
    return type(str(data["type"]), (), {})()  # stands for an object of that type name


def _is_numeric(value):
    try:
        return np.asarray(value).dtype.kind in "biufc"
    except (ValueError, TypeError):
        return False


def run_case(function_name, payload, seconds=None):
    import __main__

    args = pickle.loads(base64.b64decode(payload))
    fn = getattr(__main__, function_name, None)
    if not callable(fn):
        failure = pick(f"the notebook defines no function {function_name}", f"笔记本中没有定义函数{function_name}")
        report = {"value": None, "failure": failure, "changed": False}
    elif lock.is_locked(fn):  # `from chainrule.exercises.<chapter> import <reference>`: not called at all
        report = USES_REFERENCE
    else:
        lock.USED.clear()
        value, failure, changed = local_caller(fn, seconds)(args)
        report = {"value": encode(value) if failure is None else None, "failure": failure, "changed": changed}
        if lock.USED:  # it called a locked reference (or its helper), by whatever route
            report = USES_REFERENCE
            lock.USED.clear()
    print(MARK + json.dumps(report))
