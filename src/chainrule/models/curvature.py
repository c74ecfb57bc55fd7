"""Curvature (chapter 8): second derivatives, Newton's method, the largest eigenvalue of a
network's loss Hessian, and forward against reverse mode for whole Jacobians.

    L(θ + Δθ) ≈ L(θ) + ∇L(θ)·Δθ + ½ Δθᵀ H(θ) Δθ,     H_ij = ∂²L/∂θ_i∂θ_j

Everything here touches the Hessian H only through Hessian-vector products ``H v`` (the
engine's ``chainrule.hvp``, or a central difference of two gradients for comparison): the
digits network's Hessian has 2,410² ≈ 5.8 million entries, an HVP costs about as much as
two gradients.

- ``FlatMLP``: the book's 64-32-10 network (``chainrule.nn``) as a function of ONE flat
  parameter vector θ, so that gradients, HVPs and Hessians are vectors and matrices;
- ``power_iteration``: the largest-magnitude eigenvalue of a symmetric matrix given only
  as a function ``v ↦ H v``;
- ``newton_step`` / ``newton_1d``: Newton's method, which jumps to the stationary point of
  the local quadratic model (a minimum, a maximum or a saddle alike);
- ``gradient_descent``: full-batch descent on a flat loss, recording the loss per step;
- ``hvp_central``: H v ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε, the finite-difference check;
- ``wide_map`` and ``time_jacobian``: f(x) = tanh(A x) from ℝⁿ to ℝᵐ, and the time of its
  full Jacobian by n forward passes (JVPs) or m reverse passes (VJPs).
"""

import time
from dataclasses import dataclass

import numpy as np

from ..engine.tensor import Tensor
from . import nn

# --- the digits network as a function of one flat vector ------------------------------------


@dataclass(frozen=True)
class FlatMLP:
    """The n-h-C network of ``chainrule.nn`` with its parameters in one vector θ:
    W1 (n×h, row-major), b1 (h), W2 (h×C), b2 (C), in that order."""

    n: int = 64
    h: int = 32
    C: int = 10

    @property
    def shapes(self):
        return {"W1": (self.n, self.h), "b1": (self.h,), "W2": (self.h, self.C), "b2": (self.C,)}

    @property
    def size(self):
        """|θ|, the number of parameters (2,410 for 64-32-10)."""
        return sum(int(np.prod(s)) for s in self.shapes.values())

    def _slices(self):
        start = 0
        for name, shape in self.shapes.items():
            stop = start + int(np.prod(shape))
            yield name, slice(start, stop), shape
            start = stop

    def flatten(self, params):
        """θ (numpy) from a dict of Tensors or arrays keyed W1, b1, W2, b2."""
        return np.concatenate([np.asarray(getattr(params[k], "data", params[k]), dtype=np.float64).ravel() for k in self.shapes])

    def unflatten(self, theta):
        """The parameter dict (of Tensors, if θ is one: the slices stay in θ's graph)."""
        if isinstance(theta, Tensor):
            return {name: theta[sl].reshape(shape) for name, sl, shape in self._slices()}
        theta = np.asarray(theta, dtype=np.float64)
        return {name: Tensor(theta[sl].reshape(shape), name=name) for name, sl, shape in self._slices()}

    def init(self, seed=0):
        """θ₀ as ``chainrule.nn.init_params`` draws it with ``np.random.default_rng(seed)``."""
        return self.flatten(nn.init_params(self.n, self.h, self.C, np.random.default_rng(seed)))

    def loss_fn(self, X, y):
        """L(θ): the mean cross-entropy of the batch (X, y), a function of a Tensor θ."""

        def loss(theta):
            return nn.loss(self.unflatten(theta), X, y)

        return loss


def value_and_grad(f, theta):
    """(L(θ), ∇L(θ)) of a scalar Tensor function f, by one forward and one backward pass."""
    t = Tensor(np.array(theta, dtype=np.float64))
    out = f(t)
    out.backward()
    return out.item(), np.array(t.grad, dtype=np.float64)


def gradient(f, theta):
    """∇L(θ) as a numpy array (one backward pass)."""
    return value_and_grad(f, theta)[1]


def hvp_central(f, theta, v, eps=1e-4):
    """H(θ) v ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε: two gradients, error O(ε²) plus rounding."""
    theta, v = np.asarray(theta, dtype=np.float64), np.asarray(v, dtype=np.float64)
    return (gradient(f, theta + eps * v) - gradient(f, theta - eps * v)) / (2 * eps)


def exact_hvp(f, theta):
    """v ↦ H(θ) v by the engine (``chainrule.hvp``), with θ fixed."""
    from .. import hvp  # the engine's; imported late so this module loads on its own

    theta = np.asarray(theta, dtype=np.float64)
    return lambda v: np.asarray(hvp(f, theta, np.asarray(v, dtype=np.float64)), dtype=np.float64)


# --- power iteration ---------------------------------------------------------------------


@dataclass
class PowerIteration:
    eigenvalue: float  # the Rayleigh quotient vᵀHv of the last unit vector v
    vector: np.ndarray  # that unit vector, an estimate of the eigenvector
    history: np.ndarray  # the estimate after each iteration
    products: int  # how many products H v were computed


def power_iteration(matvec, v0, iters=100, tol=1e-8):
    """The eigenvalue of largest magnitude of a symmetric H given as ``matvec(v) = H v``.

    Repeating v ← H v / ‖H v‖ multiplies the component along eigenvector q_i by λ_i per step,
    so the direction of largest |λ_i| takes over, at a rate |λ₂/λ₁| per step. The estimate is
    the Rayleigh quotient vᵀ H v. Stops when it changes by less than ``tol`` (relative)."""
    v = np.asarray(v0, dtype=np.float64)
    v = v / np.linalg.norm(v)
    Hv = matvec(v)
    history = [float(v @ Hv)]
    for _ in range(iters - 1):
        v = Hv / np.linalg.norm(Hv)
        Hv = matvec(v)
        history.append(float(v @ Hv))
        if abs(history[-1] - history[-2]) <= tol * abs(history[-1]):
            break
    return PowerIteration(history[-1], v, np.array(history), len(history))


# --- Newton's method ----------------------------------------------------------------------


def newton_step(x, grad, hess):
    """x − H⁻¹ ∇L: the stationary point of the quadratic model at x (solving, not inverting).
    Works for a number (hess = f″(x)) or a vector (hess a matrix)."""
    x, grad, hess = (np.asarray(a, dtype=np.float64) for a in (x, grad, hess))
    if x.ndim == 0:
        return x - grad / hess
    return x - np.linalg.solve(hess, grad)


def newton_1d(df, d2f, x0, steps):
    """Newton's method on a 1-D function given f′ and f″: the iterates x₀, x₁, …"""
    xs = [float(x0)]
    for _ in range(steps):
        xs.append(float(newton_step(xs[-1], df(xs[-1]), d2f(xs[-1]))))
    return np.array(xs)


# --- gradient descent on a flat loss --------------------------------------------------------


@dataclass
class Descent:
    losses: np.ndarray  # L(θ_t) for t = 0 … steps (inf after a blow-up)
    theta: np.ndarray  # the last θ
    coords: np.ndarray | None  # (θ_t − origin)·direction for each t, if a direction was given


def gradient_descent(f, theta0, lr, steps, direction=None, origin=None, blow_up=1e3):
    """Full-batch gradient descent θ ← θ − η ∇L(θ) from θ₀, recording the loss at every θ_t
    (steps + 1 values) and, given a unit ``direction`` q, the coordinate (θ_t − origin)·q
    (origin defaults to θ₀). Stops early, padding with inf, once the loss is not finite or
    exceeds ``blow_up`` times its start."""
    theta = np.array(theta0, dtype=np.float64)
    origin = theta.copy() if origin is None else np.asarray(origin, dtype=np.float64)
    losses, coords = [], []
    for t in range(steps + 1):
        loss, g = value_and_grad(f, theta)
        losses.append(loss)
        if direction is not None:
            coords.append(float((theta - origin) @ direction))
        if not np.isfinite(loss) or loss > blow_up * losses[0]:
            pad = steps + 1 - len(losses)
            losses += [np.inf] * pad
            coords += [np.nan] * (pad if direction is not None else 0)
            break
        if t < steps:
            theta = theta - lr * g
    return Descent(np.array(losses), theta, np.array(coords) if direction is not None else None)


# --- forward against reverse mode ---------------------------------------------------------------


def wide_map(n, m, seed=0):
    """f(x) = tanh(A x) from ℝⁿ to ℝᵐ with a fixed random A (m×n, entries N(0, 1/n)),
    and its exact Jacobian diag(1 − tanh²(Ax)) A for checking."""
    A = np.random.default_rng(seed).normal(0.0, 1.0 / np.sqrt(n), size=(m, n))

    def f(x):
        return (A @ x).tanh()

    def jacobian(x):
        return (1 - np.tanh(A @ x) ** 2)[:, None] * A

    return f, jacobian


def time_jacobian(jacobian, f, x, mode, repeat=3):
    """The shortest of ``repeat`` wall-clock times (s) of ``jacobian(f, x, mode=mode)``."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        jacobian(f, x, mode=mode)
        best = min(best, time.perf_counter() - start)
    return best
