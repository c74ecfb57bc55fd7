"""Full Jacobians from the engine: one backward pass per output element.

Reverse mode gives a vector-Jacobian product gᵀJ per pass; with g the unit vectors e_i,
the passes give J's rows. Cheap for the small functions the book inspects (softmax of a
few logits, one layer), never used for training.
"""

import numpy as np

from .tensor import Tensor, to_array


def jacobian(f, x):
    """J[i, j] = ∂f(x)_i / ∂x_j for a Tensor function f of one array x (both flattened)."""
    x = np.array(to_array(x, "jacobian"), dtype=np.float64)
    rows = []
    for i in range(np.size(f(Tensor(x)).data)):
        t = Tensor(x)
        out = f(t)
        seed = np.zeros(out.size)
        seed[i] = 1.0
        out.backward(seed.reshape(out.shape))
        rows.append(t.grad.ravel())
    return np.array(rows)
