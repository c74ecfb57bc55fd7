"""Forward mode: push a small change of the inputs through the computation, one rule at a
time, alongside the values. ``jvp(f, x, v)`` returns f(x) and J v, the change of f along v,
in one pass (reverse mode gives uᵀJ, one row-combination, per pass instead).

    value, slope = chainrule.jvp(lambda x: (x * x).sum(), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    # slope = 2·1 = 2: the derivative along the first coordinate

Each rule's ``jvp`` (``rules.py``) is its forward-mode derivative; ``tensor.apply`` calls it
while ``jvp`` runs. One level at a time: a jvp inside a jvp is refused (its tangents would mix).
"""

import numpy as np

from .errors import InputError, ShapeError
from .tensor import FORWARD_MODE, Tensor, to_array


def _as_tuple(x):
    """Several primals come as a tuple; anything else (a list of numbers too) is one array."""
    return x if isinstance(x, tuple) else (x,)


def jvp(f, primals, tangents):
    """``(f(*primals), J·tangents)``: f's outputs and their forward-mode derivatives along
    ``tangents`` (one per primal, of the same shape), as numpy arrays. ``f`` takes and returns
    Tensors (a Tensor or a tuple of them). Several primals are a tuple; one may come bare."""
    if FORWARD_MODE[0]:
        raise InputError("jvp: a jvp inside another jvp is not supported (the two directions' tangents would mix)")
    primals, tangents = _as_tuple(primals), _as_tuple(tangents)
    if len(primals) != len(tangents):
        raise InputError(f"jvp: {len(primals)} primals but {len(tangents)} tangents; give one tangent per primal")
    inputs = []
    for i, (x, v) in enumerate(zip(primals, tangents, strict=True)):
        t = x if isinstance(x, Tensor) else Tensor(to_array(x, "jvp"))
        v = np.asarray(to_array(v, "jvp"), dtype=t.dtype)
        if v.shape != t.shape:
            raise ShapeError(f"jvp: tangent {i} has shape {v.shape}, its primal {t.shape}; they must match")
        t.tangent = v
        inputs.append(t)
    FORWARD_MODE[0] += 1
    try:
        out = f(*inputs)
    finally:
        FORWARD_MODE[0] -= 1
        for t in inputs:
            t.tangent = None
    outs = out if isinstance(out, tuple) else (out,)
    values = tuple(o.data for o in outs)
    slopes = tuple(np.zeros_like(o.data) if o.tangent is None else np.array(o.tangent) for o in outs)
    for o in outs:
        o.tangent = None
    return (values, slopes) if isinstance(out, tuple) else (values[0], slopes[0])
