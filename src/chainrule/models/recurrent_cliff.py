"""A cliff in a loss surface, for chapter 7's gradient clipping: one recurrent sigmoid unit,
the kind of model Pascanu, Mikolov and Bengio (2013) use to show the walls that exploding
gradients make in a recurrent network's error surface.

The state is iterated T times, x_t = w σ(x_{t−1}) + b from x_0 = 0.5, and the loss is
L(w, b) = (σ(x_T) − y)². Where w crosses the value at which the map x ↦ w σ(x) + b gains a
second stable fixed point, x_T switches from one to the other over a tiny range of (w, b):
the loss is smooth but falls off a wall, and ∂L/∂(w, b), a product of T factors w σ′(x_t),
is hundreds of times larger on the wall than beside it.
"""

import numpy as np

from ..engine.tensor import Tensor

STEPS, START, TARGET = 50, 0.5, 0.5


def loss(params, steps=STEPS, target=TARGET):
    """L(w, b) as an engine scalar; ``params`` is a Tensor [w, b]."""
    w, b = params[0], params[1]
    x = Tensor(np.array(START), requires_grad=False)
    for _ in range(steps):
        x = w * x.sigmoid() + b
    return (x.sigmoid() - target) ** 2


def descend(start, lr, iterations, clip=None):
    """Gradient descent on L from ``start`` = (w, b); with ``clip``, each gradient is rescaled
    to norm ``clip`` when it is longer (clipping by norm). Returns a dict of arrays, one entry
    per iteration: "loss" (before the step), "grad_norm" (before clipping), "step" (the length
    of the step taken) and "params" (the iterates, one more than the steps)."""
    if lr <= 0 or iterations < 1 or (clip is not None and clip <= 0):
        raise ValueError("descend needs lr > 0, iterations ≥ 1 and clip > 0 (or None)")
    p = np.array(start, dtype=float)
    if p.shape != (2,):
        raise ValueError(f"start is (w, b), got shape {p.shape}")
    losses, norms, steps, path = [], [], [], [p.copy()]
    for _ in range(iterations):
        params = Tensor(p)
        value = loss(params)
        value.backward()
        g = params.grad
        norm = float(np.linalg.norm(g))
        if clip is not None and norm > clip:
            g = g * (clip / norm)
        p = p - lr * g
        losses.append(value.item())
        norms.append(norm)
        steps.append(lr * float(np.linalg.norm(g)))
        path.append(p.copy())
    return {"loss": np.array(losses), "grad_norm": np.array(norms), "step": np.array(steps), "params": np.array(path)}


def surface(ws, bs, steps=STEPS, target=TARGET):
    """L on the grid ws × bs (NumPy, for a contour plot): an array of shape (len(bs), len(ws))."""
    w, b = np.meshgrid(np.asarray(ws, dtype=float), np.asarray(bs, dtype=float))
    x = np.full_like(w, START)
    for _ in range(steps):
        x = w * _sigmoid(x) + b
    return (_sigmoid(x) - target) ** 2


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))
