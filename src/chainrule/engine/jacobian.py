"""Full Jacobians from the engine, in either mode.

Reverse mode gives a vector-Jacobian product uᵀJ per backward pass; with u the unit vectors
eᵢ the passes give J's rows: m passes for m outputs. Forward mode gives a Jacobian-vector
product J v per pass; with v = eⱼ they give J's columns: n passes for n inputs. So forward
mode wins when n ≪ m, reverse mode when n ≫ m (a loss: m = 1). Chapter 8 measures both.
Cheap for the small functions the book inspects, never used for training.
"""

import numpy as np

from .errors import InputError
from .forward import fresh_input, jvp, nested
from .tensor import Tensor, to_array


def jacobian(f, x, mode="reverse"):
    """J[i, j] = ∂f(x)_i / ∂x_j for a Tensor function f of one array x (both flattened).
    Arrays in, an array out; given a Tensor, or inside another transformation, a Tensor
    built from recorded operations, so a Jacobian of a Jacobian works in either mode."""
    if mode not in ("forward", "reverse"):
        raise InputError(f"jacobian: mode must be 'reverse' or 'forward', got {mode!r}")
    if nested(x):
        return _recorded_jacobian(f, x, mode)
    x = np.array(to_array(x, "jacobian"), dtype=np.float64)
    if mode == "forward":
        columns = []
        for j in range(x.size):
            e = np.zeros(x.size)
            e[j] = 1.0
            columns.append(np.ravel(jvp(f, x, e.reshape(x.shape))[1]))
        return np.array(columns).T.reshape(-1, x.size)
    if mode != "reverse":
        raise InputError(f"jacobian: mode must be 'reverse' or 'forward', got {mode!r}")
    rows = []
    for i in range(np.size(f(Tensor(x)).data)):
        t = Tensor(x)
        out = f(t)
        seed = np.zeros(out.size)
        seed[i] = 1.0
        out.backward(seed.reshape(out.shape))
        rows.append(t.grad.ravel())
    return np.array(rows)


def _recorded_jacobian(f, x, mode):
    from .functions import stack
    from .higher import gradients

    x = x if isinstance(x, Tensor) else Tensor(to_array(x, "jacobian"), requires_grad=False)
    units = np.eye(x.size, dtype=x.dtype)
    if mode == "forward":
        columns = [jvp(f, x, units[j].reshape(x.shape))[1].reshape(-1) for j in range(x.size)]
        return stack(columns, axis=1)
    t = fresh_input(x, "jacobian", requires_grad=True)
    out = f(t)
    seeds = np.eye(out.size, dtype=out.dtype)
    rows = [gradients(out, [t], grad=seeds[i].reshape(out.shape))[0].reshape(-1) for i in range(out.size)]
    return stack(rows, axis=0)
