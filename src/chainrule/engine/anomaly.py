"""Anomaly mode: find the operation where a NaN or inf first appears.

    with chainrule.detect_anomaly():
        loss = model(x); loss.backward()

Inside the block every forward result and every backward contribution is checked; the
first non-finite one raises AnomalyError naming the operation, the pass and the shapes.
Outside it nothing is checked, so normal runs pay nothing.
"""

import contextlib

import numpy as np

from .errors import ChainruleError


class AnomalyError(ChainruleError, FloatingPointError):
    """A NaN or inf appeared; the message names the operation that produced it."""


_state = {"on": False}


@contextlib.contextmanager
def detect_anomaly():
    previous = _state["on"]
    _state["on"] = True
    try:
        with np.errstate(all="ignore"):  # the AnomalyError says it better than numpy's warning
            yield
    finally:
        _state["on"] = previous


def enabled():
    return _state["on"]


def _kind(arr):
    return "NaN" if np.isnan(arr).any() else "inf"


def check_forward(op, inputs, out):
    """Raise if ``op`` turned finite inputs into a NaN or inf."""
    if np.all(np.isfinite(out)) or not all(np.all(np.isfinite(x)) for x in inputs):
        return
    shapes = ", ".join(str(x.shape) for x in inputs)
    raise AnomalyError(f"forward pass: {op} produced {_kind(out)} from finite inputs of shape {shapes}")


def check_backward(op, index, upstream, contribution):
    """Raise if the backward rule of ``op`` turned a finite gradient into a NaN or inf."""
    if np.all(np.isfinite(contribution)) or not np.all(np.isfinite(upstream)):
        return
    raise AnomalyError(
        f"backward pass: the rule of {op} produced {_kind(contribution)} for its input #{index} "
        f"(shape {np.shape(contribution)}) from a finite upstream gradient"
    )
