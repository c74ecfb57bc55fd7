"""Forward mode: push a small change of the inputs through the computation, one rule at a
time, alongside the values. ``jvp(f, x, v)`` returns f(x) and J v, the change of f along v,
in one pass (reverse mode gives uᵀJ, one row-combination, per pass instead).

    value, slope = chainrule.jvp(lambda x: (x * x).sum(), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    # slope = 2·1 = 2: the derivative along the first coordinate

Each rule's ``jvp`` (``rules.py``) is its forward-mode derivative; ``tensor.apply`` calls it
while ``jvp`` runs. It composes with itself and with ``grad``: each jvp is a *level*; a
Tensor carries one tangent per running level, and a jvp inside another transformation
computes its tangents as recorded Tensors, so they can be differentiated again
(``jvp(lambda x: jvp(f, x, v)[1], x, u)`` is uᵀ∇²f v; ``grad`` of a jvp works the same way).
"""

import itertools

import numpy as np

from . import rules
from .errors import InputError, ShapeError
from .tensor import ACTIVE_LEVELS, TRANSFORMING, Tensor, apply, to_array

_next_level = itertools.count(1)


def _as_tuple(x):
    """Several primals come as a tuple; anything else (a list of numbers too) is one array."""
    return x if isinstance(x, tuple) else (x,)


def nested(*values):
    """Inside another transformation (grad, jvp), or given a Tensor: then results are Tensors
    built from recorded operations, so the outer transformation can differentiate them."""
    return TRANSFORMING[0] > 0 or any(isinstance(v, Tensor) for v in values)


def fresh_input(x, where, requires_grad):
    """A new node standing for ``x``: differentiating with respect to it never confuses it
    with ``x`` itself in an enclosing derivative. A Tensor is linked to it by an identity rule
    (so an outer derivative flows through); a plain value becomes a leaf."""
    if isinstance(x, Tensor):
        t = apply(rules.identity, x)
        t.requires_grad = t.requires_grad or requires_grad
        return t
    return Tensor(to_array(x, where), requires_grad=requires_grad)


def _tangent(v, t, i):
    if isinstance(v, Tensor):
        if v.dtype != t.dtype:
            v = apply(rules.astype, v, dtype=t.dtype)
    else:
        v = np.asarray(to_array(v, "jvp"), dtype=t.dtype)
    if v.shape != t.shape:
        raise ShapeError(f"jvp: tangent {i} has shape {v.shape}, its primal {t.shape}; they must match")
    return v


def jvp(f, primals, tangents):
    """``(f(*primals), J·tangents)``: f's outputs and their forward-mode derivatives along
    ``tangents`` (one per primal, of the same shape). ``f`` takes and returns Tensors (a
    Tensor or a tuple of them). Several primals are a tuple; one may come bare.

    Given arrays, it returns numpy arrays. Given Tensors, or called inside another jvp or
    grad, it returns Tensors that the outer transformation can differentiate."""
    primals, tangents = _as_tuple(primals), _as_tuple(tangents)
    if len(primals) != len(tangents):
        raise InputError(f"jvp: {len(primals)} primals but {len(tangents)} tangents; give one tangent per primal")
    record = nested(*primals, *tangents)
    level = next(_next_level)
    inputs = []
    for i, (x, v) in enumerate(zip(primals, tangents, strict=True)):
        t = fresh_input(x, "jvp", requires_grad=True)
        t.tangent = {**(t.tangent or {}), level: _tangent(v, t, i)}
        inputs.append(t)
    ACTIVE_LEVELS.append((level, record))
    TRANSFORMING[0] += 1
    try:
        out = f(*inputs)
    finally:
        TRANSFORMING[0] -= 1
        ACTIVE_LEVELS.pop()
    outs = out if isinstance(out, tuple) else (out,)
    values, slopes = [], []
    for o in outs:
        o = o if isinstance(o, Tensor) else Tensor(to_array(o, "jvp: the output of f"), requires_grad=False)
        slope = o.tangent.get(level) if o.tangent else None
        slope = np.zeros_like(o.data) if slope is None else slope
        if record:
            values.append(o)
            slopes.append(slope if isinstance(slope, Tensor) else Tensor(slope, requires_grad=False))
        else:
            values.append(o.data)
            slopes.append(np.array(slope.data if isinstance(slope, Tensor) else slope))
    return (tuple(values), tuple(slopes)) if isinstance(out, tuple) else (values[0], slopes[0])
