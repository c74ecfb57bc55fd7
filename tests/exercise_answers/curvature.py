"""Answers for src/chainrule/exercises/curvature.py (chapter 8)."""

import numpy as np

from . import sm


def softmax_jvp_matrix(z, v):
    """Row by row: the Jacobian diag(p) − p pᵀ times v."""
    z2, v2 = np.atleast_2d(z), np.atleast_2d(v)
    rows = []
    for zk, vk in zip(z2, v2, strict=True):
        p = sm(zk)
        rows.append((np.diag(p) - np.outer(p, p)) @ vk)
    return np.array(rows).reshape(np.shape(z))


def softmax_jvp_logs(z, v):
    """d/dt log p(z + t v) = v − Σ p_j v_j, times p (the derivative of p = exp(log p))."""
    p = sm(z)
    return p * v - p * np.einsum("...j,...j->...", p, v)[..., None]


def hvp_loop(grad, x, v, eps):
    plus, minus = grad(x + eps * v), grad(x - eps * v)
    return np.array([(a - b) / (2.0 * eps) for a, b in zip(plus, minus, strict=True)])


def newton_inverse(x, grad, hess):
    return x - np.linalg.inv(hess) @ grad


def newton_eigen(x, grad, hess):
    lam, Q = np.linalg.eigh(hess)
    return x - Q @ ((Q.T @ grad) / lam)


def ce_hvp_jacobians(Z, y, V):
    out = np.empty_like(Z, dtype=float)
    for k in range(len(Z)):
        p = sm(Z[k])
        out[k] = (np.diag(p) - np.outer(p, p)) @ V[k]
    return out / len(Z)


def ce_hvp_differences(Z, y, V):
    """Central difference of the exact gradient (p − y)/N along V: exact for this check's tolerance
    only with a small step, so use the closed form through the JVP of softmax instead."""
    P = sm(Z)
    return (P * V - P * np.sum(P * V, axis=-1, keepdims=True)) * (1.0 / Z.shape[0])


def rop_by_rules(X, t, W1, w2, V1, v2):
    """Pearlmutter's R-operator, line by line through the forward and backward pass."""
    N = len(X)
    Z = X @ W1
    A = np.tanh(Z)
    r = A @ w2 - t
    RZ = X @ V1
    RA = (1 - A**2) * RZ
    Rr = RA @ w2 + A @ v2
    delta = np.outer(r, w2) * (1 - A**2) / N
    Rdelta = (np.outer(Rr, w2) + np.outer(r, v2)) * (1 - A**2) / N + np.outer(r, w2) * (-2 * A * RA) / N
    return X.T @ Rdelta, (RA.T @ r + A.T @ Rr) / N + 0 * delta.sum()


def rop_by_hessian(X, t, W1, w2, V1, v2):
    """The full Hessian by central differences of the exact gradient, times v (small sizes only)."""
    n, h = W1.shape

    def grad(theta):
        W, w = theta[: n * h].reshape(n, h), theta[n * h :]
        A = np.tanh(X @ W)
        r = A @ w - t
        return np.concatenate([(X.T @ (np.outer(r, w) * (1 - A**2))).ravel(), A.T @ r]) / len(X)

    theta, v = np.concatenate([W1.ravel(), w2]), np.concatenate([V1.ravel(), v2])
    eps = 1e-4
    hv = sum(c * grad(theta + k * eps * v) for k, c in [(-2, 1 / 12), (-1, -2 / 3), (1, 2 / 3), (2, -1 / 12)]) / eps
    return hv[: n * h].reshape(n, h), hv[n * h :]


def cycle_by_bisection(alpha):
    """The symmetric 2-cycle w → −w of w ← w − α·tanh(w)·cosh²(w), by bisection."""
    lo, hi = 1e-6, 10.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid - alpha * np.tanh(mid) * np.cosh(mid) ** 2 > -mid:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def cycle_by_newton(alpha):
    """Newton's method itself on g(w) = sinh(2w) − 4w/α, started to the right of the root."""
    w = 4.0
    for _ in range(100):
        w -= (np.sinh(2 * w) - 4 * w / alpha) / (2 * np.cosh(2 * w) - 4 / alpha)
    return w


CORRECT = {
    "curvature.softmax_jvp": [softmax_jvp_matrix, softmax_jvp_logs],
    "curvature.hvp_central": [
        hvp_loop,
        lambda grad, x, v, eps: (grad(x + eps * v) - grad(x - eps * v)) / eps / 2,
    ],
    "curvature.newton_step": [
        newton_inverse,
        newton_eigen,
        lambda x, grad, hess: x + np.linalg.lstsq(hess, -grad, rcond=None)[0],
    ],
    "curvature.ce_logits_hvp": [ce_hvp_jacobians, ce_hvp_differences],
    "curvature.rop_hvp": [rop_by_rules, rop_by_hessian],
    "curvature.newton_cycle": [cycle_by_bisection, cycle_by_newton],
}


def newton_abs(x, g, H):
    """The saddle-free variant: |λ| instead of λ (a different method)."""
    lam, Q = np.linalg.eigh(H)
    return x - Q @ ((Q.T @ g) / np.abs(lam))


def _rop(X, t, W1, w2, V1, v2, res=1.0, tanh2=1.0, v2term=1.0, w2res=1.0):
    """The reference with chosen terms scaled (0: dropped, −1: sign flipped)."""
    N = len(X)
    A = np.tanh(X @ W1)
    D = 1 - A**2
    r = A @ w2 - t
    RA = D * (X @ V1)
    Rr = RA @ w2 + A @ v2
    W1_part = X.T @ (np.outer(Rr, w2) * D + res * (v2term * np.outer(r, v2) * D + tanh2 * np.outer(r, w2) * (-2 * A * RA))) / N
    w2_part = (A.T @ Rr + res * w2res * RA.T @ r) / N
    return W1_part, w2_part


def _sig(z):
    return 1 / (1 + np.exp(-z))


MISTAKES = {
    "curvature.softmax_jvp": [
        (lambda z, v: sm(z) * (1 - sm(z)) * v, "only the diagonal"),
        (lambda z, v: sm(z) * v, "term that couples the outputs is missing"),
        (lambda z, v: sm(z) * (v - v.sum(axis=-1, keepdims=True)), "weight each v_j by its probability"),
        (lambda z, v: sm(z) * (v - (sm(z) * v).sum()), "the sum runs over the whole array"),
        (lambda z, v: sm(z) * (v - (sm(z) * v).sum(axis=-1, keepdims=True)) * 0.5, "constant factor"),
        (lambda z, v: _sig(z) * (1 - _sig(z)) * v, "wrong value"),
    ],
    "curvature.hvp_central": [
        (lambda grad, x, v, eps: (grad(x + eps * v) - grad(x)) / eps, "one-sided"),
        (lambda grad, x, v, eps: (grad(x + eps * v) - grad(x - eps * v)) / eps, "2ε apart"),
        (lambda grad, x, v, eps: grad(x + eps * v) - grad(x - eps * v), "divide by the step"),
        (lambda grad, x, v, eps: (grad(x + eps) - grad(x - eps)) / (2 * eps), "shifts every coordinate"),
        (lambda grad, x, v, eps: grad.hessian(x) @ v, "exact H v"),
        (lambda grad, x, v, eps: (grad(x - eps * v) - grad(x + eps * v)) / (2 * eps), "sign is flipped"),
    ],
    "curvature.newton_step": [
        (lambda x, g, H: x - H @ g, "multiplies the gradient by the Hessian"),
        (lambda x, g, H: x - g / np.diag(H), "diagonal of H only"),
        (lambda x, g, H: x - g, "gradient step with η = 1"),
        (lambda x, g, H: -np.linalg.solve(H, g), "only the step"),
        (lambda x, g, H: x + np.linalg.solve(H, g), "sign of the step is flipped"),
        (lambda x, g, H: x - 0.5 * np.linalg.solve(H, g), "half way"),
        (newton_abs, "divides by |λ|"),
        (lambda x, g, H: x - 0.9 * np.linalg.solve(H, g), "wrong value"),
    ],
    "curvature.ce_logits_hvp": [
        (lambda Z, y, V: (sm(Z) - np.eye(Z.shape[1])[y]) / len(Z), "that is the gradient"),
        (lambda Z, y, V: sm(Z) * (1 - sm(Z)) * V / len(Z), "only the diagonal"),
        (lambda Z, y, V: sm(Z) * V / len(Z), "couples the classes is missing"),
        (lambda Z, y, V: (sm(Z) * V - sm(Z) * (sm(Z) * V).sum(axis=0, keepdims=True)) / len(Z), "runs over the batch"),
        (lambda Z, y, V: (sm(Z) - np.eye(Z.shape[1])[y]) * V / len(Z), "labels do not enter"),
        (lambda Z, y, V: sm(Z) * V - sm(Z) * (sm(Z) * V).sum(axis=1, keepdims=True), "the batch size"),
        (lambda Z, y, V: (sm(Z) * V - sm(Z) * (sm(Z) * V).sum()) / len(Z), "runs over the whole batch"),
        (
            lambda Z, y, V: (sm(Z, 0) * V - sm(Z, 0) * (sm(Z, 0) * V).sum(axis=1, keepdims=True)) / len(Z),
            "normalised over the batch",
        ),
    ],
    "curvature.rop_hvp": [
        (lambda *a: _rop(*a, res=0.0), "Gauss–Newton part only"),
        (lambda *a: _rop(*a, tanh2=0.0), "(tanh″) is missing"),
        (lambda *a: _rop(*a, v2term=0.0), "w2's own change is missing"),
        (lambda *a: _rop(*a, tanh2=-1.0), "sign of the tanh″ term"),
        # the w2 part alone without its residual term: tests/test_curvature_exercises.py (its message is
        # also part of the Gauss–Newton mistake's, so this table cannot hold both)
        (lambda *a: tuple(len(a[0]) * p for p in _rop(*a)), "the batch size"),
        (lambda *a: _rop(*a, tanh2=0.5), "wrong value"),
    ],
    "curvature.newton_cycle": [
        (lambda alpha: cycle_by_bisection(2 * alpha), "a factor 2 is off"),
        (lambda alpha: 0.5 * np.arccosh(2 / alpha), "slope is −1"),
        (lambda alpha: cycle_by_bisection(1.0), "undamped step"),
        (lambda alpha: -cycle_by_bisection(alpha), "times −1"),
        (lambda alpha: 1.01 * cycle_by_bisection(alpha), "times 1.01 in every case"),
    ],
}

HINTS = {
    "curvature.rop_hvp": [(lambda *a: _rop(*a, tanh2=0.0), "second derivative of tanh")],
    "curvature.newton_cycle": [(lambda alpha: cycle_by_bisection(2 * alpha), "½ sinh(2w)")],
    "curvature.newton_step": [(lambda x, g, H: x - H @ g, "np.linalg.solve")],
    "curvature.softmax_jvp": [(lambda z, v: sm(z) * v, "tangents must sum to 0")],
}
