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
  full Jacobian by n forward passes (JVPs) or m reverse passes (VJPs);
- ``relu_mse_split``: the exact Hessian of a small ReLU network with squared error, and its
  Gauss–Newton part (the curvature of the loss alone);
- ``gauss_newton_product``: v ↦ H_GN v = (1/N) Σ_k J_kᵀ (diag(p_k) − p_k p_kᵀ) J_k v for the
  digits network, the positive semi-definite part of its Hessian;
- ``shifted_power_iteration``: the other end of the spectrum, λ_min, by power iteration on
  H − sI; ``lanczos``: both ends at once, from the same products, far faster;
- ``stationary_saddle``: a point of the digits network where the gradient is exactly zero and
  the Hessian has negative eigenvalues;
- ``rop_hvp``: Pearlmutter's R-operator, H v of the one-hidden-layer network written by hand;
- ``hvp_reverse_over_reverse`` and ``peak_memory``: the other way to an HVP, ∇(∇L·v), and
  the peak memory of a computation;
- ``conjugate_gradient``: solves H x = b with products H v only (Hessian-free optimisation).
"""

import time
import tracemalloc
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

    def logits_fn(self, X):
        """Z(θ): the logits (N, C) of the batch X, a function of a Tensor θ."""

        def logits(theta):
            return nn.forward(self.unflatten(theta), X)

        return logits

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
    tracked: dict | None = None  # t -> track(θ_t) every ``track_every`` steps, if a track was given


def gradient_descent(f, theta0, lr, steps, direction=None, origin=None, blow_up=1e3, track=None, track_every=10):
    """Full-batch gradient descent θ ← θ − η ∇L(θ) from θ₀, recording the loss at every θ_t
    (steps + 1 values) and, given a unit ``direction`` q, the coordinate (θ_t − origin)·q
    (origin defaults to θ₀); given a function ``track``, its value track(θ_t) at t = 0,
    track_every, 2·track_every, … (e.g. λ_max, see ``sharpness``). Stops early, padding with
    inf, once the loss is not finite or exceeds ``blow_up`` times its start."""
    theta = np.array(theta0, dtype=np.float64)
    origin = theta.copy() if origin is None else np.asarray(origin, dtype=np.float64)
    losses, coords, tracked = [], [], {}
    for t in range(steps + 1):
        loss, g = value_and_grad(f, theta)
        losses.append(loss)
        if track is not None and t % track_every == 0:
            tracked[t] = track(theta)
        if direction is not None:
            coords.append(float((theta - origin) @ direction))
        if not np.isfinite(loss) or loss > blow_up * losses[0]:
            pad = steps + 1 - len(losses)
            losses += [np.inf] * pad
            coords += [np.nan] * (pad if direction is not None else 0)
            break
        if t < steps:
            theta = theta - lr * g
    return Descent(np.array(losses), theta, np.array(coords) if direction is not None else None, tracked if track else None)


def sharpness(f, v0, iters=20):
    """θ ↦ λ_max(H(θ)) by ``iters`` steps of power iteration, each started from the last call's
    eigenvector (warm start): along a training run the sharpest direction turns slowly, so a few
    HVPs per point suffice. The first call starts from v0."""
    state = {"v": np.asarray(v0, dtype=np.float64)}

    def measure(theta):
        result = power_iteration(exact_hvp(f, theta), state["v"], iters=iters, tol=0.0)
        state["v"] = result.vector
        return result.eigenvalue

    return measure


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


# --- where the curvature comes from: the Gauss–Newton split ---------------------------------


@dataclass
class HessianSplit:
    hessian: np.ndarray  # the exact Hessian of the loss in the parameters
    gauss_newton: np.ndarray  # Jᵀ ∇²ℓ J: the loss's own curvature carried through the network
    blocks: dict  # parameter name -> slice of θ


def relu_mse_split(n=3, h=4, N=5, seed=0):
    """A ReLU network f(x) = W2ᵀ ReLU(W1ᵀ x + b1) + b2 (n-h-1) with L = (1/N) Σ_k (f(x_k) − y_k)²:
    its exact Hessian in θ = (W1, b1, W2, b2) by the engine, and the Gauss–Newton part
    (2/N) Σ_k ∇f_k ∇f_kᵀ. The difference, (2/N) Σ_k (f_k − y_k) ∇²f_k, is the network's own
    curvature: f is piecewise linear in x but a product of weights in θ."""
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(N, n)), rng.normal(size=N)
    net = FlatMLP(n, h, 1)
    theta = rng.normal(size=net.size)

    def outputs(th):
        p = net.unflatten(th)
        return ((X @ p["W1"] + p["b1"]).relu() @ p["W2"] + p["b2"]).reshape(N)

    def loss(th):
        r = outputs(th) - y
        return (r * r).sum() / N

    from .. import hessian, jacobian  # the engine's

    J = np.asarray(jacobian(outputs, theta))  # N × |θ|
    return HessianSplit(np.asarray(hessian(loss, theta)), 2 / N * J.T @ J, {name: sl for name, sl, _ in net._slices()})


def gauss_newton_product(net, X, theta):
    """v ↦ H_GN v = (1/N) Σ_k J_kᵀ (diag(p_k) − p_k p_kᵀ) J_k v, with J_k the Jacobian of the logits
    of example k in θ: one forward-mode pass (J v), the softmax's curvature row by row, one
    reverse-mode pass (Jᵀ u). The Hessian without the terms weighted by p_k − y_k."""
    from .. import jvp  # the engine's

    theta = np.asarray(theta, dtype=np.float64)
    logits = net.logits_fn(X)
    Z = logits(Tensor(theta)).data
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)

    def product(v):
        _, Jv = jvp(logits, theta, np.asarray(v, dtype=np.float64))
        U = (P * Jv - P * (P * Jv).sum(axis=1, keepdims=True)) / len(X)
        t = Tensor(theta.copy())
        logits(t).backward(U)
        return np.array(t.grad, dtype=np.float64)

    return product


def output_curvature(P):
    """The eigenvalues of diag(p) − p pᵀ for each row p of P (rows: examples): ascending, one row each."""
    P = np.atleast_2d(np.asarray(P, dtype=np.float64))
    return np.array([np.linalg.eigvalsh(np.diag(p) - np.outer(p, p)) for p in P])


# --- negative curvature ------------------------------------------------------------------


def shifted_power_iteration(matvec, v0, shift, iters=300, tol=1e-8):
    """Power iteration on H − shift·I, shifted back: with shift = λ_max, every eigenvalue of
    H − λ_max I is ≤ 0 and the one of largest magnitude is λ_min − λ_max, so this finds λ_min.
    Its rate per step is (λ_max − λ₂')/(λ_max − λ_min), λ₂' the second-smallest eigenvalue:
    slow when the smallest eigenvalues crowd together."""
    result = power_iteration(lambda v: matvec(v) - shift * v, v0, iters=iters, tol=tol)
    return PowerIteration(result.eigenvalue + shift, result.vector, result.history + shift, result.products)


@dataclass
class Lanczos:
    smallest: np.ndarray  # the smallest Ritz value after each step: an upper bound on λ_min that falls
    largest: np.ndarray  # the largest Ritz value after each step: a lower bound on λ_max that rises
    products: int  # how many products H v


def lanczos(matvec, v0, steps=50):
    """The extreme eigenvalues of a symmetric H given as ``matvec(v) = H v``, by the Lanczos method:
    each step adds H times the last basis vector to an orthonormal basis of the Krylov space
    span{v, Hv, H²v, …} (re-orthogonalised against the whole basis, for stability), and the
    eigenvalues of H restricted to that space (the Ritz values, from a small tridiagonal matrix)
    approach both ends of the spectrum far faster than power iteration, which keeps only the
    last vector. One product per step, as power iteration."""
    v = np.asarray(v0, dtype=np.float64)
    basis = [v / np.linalg.norm(v)]
    alphas, betas, smallest, largest = [], [], [], []
    for _ in range(steps):
        w = matvec(basis[-1])
        alphas.append(float(basis[-1] @ w))
        Q = np.array(basis)
        w = w - Q.T @ (Q @ w)  # full re-orthogonalisation (twice is enough)
        w = w - Q.T @ (Q @ w)
        T = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
        ritz = np.linalg.eigvalsh(T)
        smallest.append(ritz[0])
        largest.append(ritz[-1])
        beta = float(np.linalg.norm(w))
        if beta < 1e-12 * max(1.0, abs(ritz).max()):  # an invariant subspace: the Ritz values are exact
            break
        betas.append(beta)
        basis.append(w / beta)
    return Lanczos(np.array(smallest), np.array(largest), len(alphas))


def stationary_saddle(net, y):
    """θ with W1 = 0, b1 = 0, W2 = 0 and b2 the log class frequencies of the labels y: every
    example gets p = the class frequencies, so Σ_k (p − y_k) = 0 and, with W2 = 0, no error
    reaches the hidden layer: ∇L = 0 exactly. The W1–W2 cross block of H is not zero while the
    W1 block is: a saddle."""
    counts = np.bincount(np.asarray(y), minlength=net.C).astype(np.float64)
    if np.any(counts == 0):
        raise ValueError("stationary_saddle: every class needs at least one example (log 0 otherwise)")
    theta = np.zeros(net.size)
    theta[dict((name, sl) for name, sl, _ in net._slices())["b2"]] = np.log(counts / counts.sum())
    return theta


# --- Pearlmutter's R-operator: an HVP by hand --------------------------------------------------


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def rop_hvp(net, X, y, theta, v):
    """H v for the one-hidden-layer network (sigmoid hidden units, softmax cross-entropy, mean
    over the batch) by Pearlmutter's R-operator: R{x} = d/dt x(θ + t v) at t = 0, applied to every
    line of the forward and the backward pass, with the product and chain rules.

    forward:  Z1 = X W1 + b1,  A1 = σ(Z1),  Z2 = A1 W2 + b2,  P = softmax(Z2)
    backward: Δ2 = (P − Y)/N,  ∂W2 = A1ᵀΔ2,  ∂b2 = Σ Δ2,  Δ1 = Δ2 W2ᵀ ⊙ σ′(Z1),  ∂W1 = XᵀΔ1,  ∂b1 = Σ Δ1
    """
    p, r = net.unflatten(np.asarray(theta, dtype=np.float64)), net.unflatten(np.asarray(v, dtype=np.float64))
    W1, b1, W2, b2 = (p[k].data for k in ("W1", "b1", "W2", "b2"))
    V1, c1, V2, c2 = (r[k].data for k in ("W1", "b1", "W2", "b2"))
    N = len(X)
    Y = np.eye(net.C)[np.asarray(y)]
    # forward pass, and its R{·}
    Z1 = X @ W1 + b1
    A1 = _sigmoid(Z1)
    d1 = A1 * (1 - A1)  # σ′(Z1)
    Z2 = A1 @ W2 + b2
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    RZ1 = X @ V1 + c1
    RA1 = d1 * RZ1
    RZ2 = RA1 @ W2 + A1 @ V2 + c2
    RP = P * RZ2 - P * (P * RZ2).sum(axis=1, keepdims=True)  # the JVP of softmax
    # backward pass, and its R{·}
    D2, RD2 = (P - Y) / N, RP / N
    D1h = D2 @ W2.T
    RD1h = RD2 @ W2.T + D2 @ V2.T
    RD1 = RD1h * d1 + D1h * d1 * (1 - 2 * A1) * RZ1  # σ″ = σ′(1 − 2σ)
    return np.concatenate([(X.T @ RD1).ravel(), RD1.sum(axis=0), (RA1.T @ D2 + A1.T @ RD2).ravel(), RD2.sum(axis=0)])


# --- two ways to an HVP, and what they cost -------------------------------------------------


def hvp_reverse_over_reverse(f, theta, v):
    """H v = ∇_θ (∇L(θ)·v): the gradient, recorded as a graph, dotted with v and differentiated
    again by reverse mode (the engine's ``gradients``)."""
    from .. import gradients  # the engine's

    t = Tensor(np.array(theta, dtype=np.float64))
    (g,) = gradients(f(t), [t])
    (hv,) = gradients((g * Tensor(np.asarray(v, dtype=np.float64), requires_grad=False)).sum(), [t])
    return np.array(hv.data, dtype=np.float64)


def peak_memory(fn):
    """The peak of the memory that Python and NumPy allocate while ``fn()`` runs (bytes, tracemalloc):
    deterministic for a deterministic fn, unlike wall-clock time."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- Hessian-free: solving with products only --------------------------------------------------


@dataclass
class ConjugateGradient:
    x: np.ndarray  # the approximate solution of A x = b
    residuals: np.ndarray  # ‖b − A x_i‖ after each iteration i = 0 … (starting from x₀ = 0)
    models: np.ndarray  # the quadratic ½ xᵢᵀAxᵢ − bᵀxᵢ after each iteration (it falls every step when A ≻ 0)
    products: int  # how many products A v


def conjugate_gradient(matvec, b, iters=50, tol=1e-10):
    """Conjugate gradient for A x = b with A symmetric positive definite, given ``matvec(v) = A v``:
    each iteration costs one product, minimises the quadratic ½xᵀAx − bᵀx over one more direction
    (A-conjugate to the earlier ones) and is exact after n iterations in exact arithmetic.
    Stops when ‖r‖ ≤ tol·‖b‖."""
    b = np.asarray(b, dtype=np.float64)
    x = np.zeros_like(b)
    r = b.copy()
    d = r.copy()
    rr = float(r @ r)
    residuals, models, products = [np.sqrt(rr)], [0.0], 0
    for _ in range(iters):
        if np.sqrt(rr) <= tol * np.linalg.norm(b):
            break
        Ad = matvec(d)
        products += 1
        curvature = float(d @ Ad)
        if curvature <= 0:
            raise ValueError(f"conjugate_gradient: dᵀAd = {curvature:.3g} ≤ 0: A is not positive definite")
        alpha = rr / curvature
        x = x + alpha * d
        r = r - alpha * Ad
        rr_new = float(r @ r)
        d = r + (rr_new / rr) * d
        rr = rr_new
        residuals.append(np.sqrt(rr))
        models.append(float(-0.5 * x @ (b + r)))  # ½xᵀAx − bᵀx with A x = b − r
    return ConjugateGradient(x, np.array(residuals), np.array(models), products)
