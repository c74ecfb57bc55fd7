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
}


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
        (lambda x, g, H: x - 0.5 * np.linalg.solve(H, g), "wrong value"),
    ],
    "curvature.ce_logits_hvp": [
        (lambda Z, y, V: (sm(Z) - np.eye(Z.shape[1])[y]) / len(Z), "that is the gradient"),
        (lambda Z, y, V: sm(Z) * (1 - sm(Z)) * V / len(Z), "only the diagonal"),
        (lambda Z, y, V: sm(Z) * V / len(Z), "couples the classes is missing"),
        (lambda Z, y, V: (sm(Z) * V - sm(Z) * (sm(Z) * V).sum(axis=0, keepdims=True)) / len(Z), "runs over the batch"),
        (lambda Z, y, V: (sm(Z) - np.eye(Z.shape[1])[y]) * V / len(Z), "labels do not enter"),
        (lambda Z, y, V: sm(Z) * V - sm(Z) * (sm(Z) * V).sum(axis=1, keepdims=True), "the batch size"),
    ],
}

HINTS = {
    "curvature.newton_step": [(lambda x, g, H: x - H @ g, "np.linalg.solve")],
    "curvature.softmax_jvp": [(lambda z, v: sm(z) * v, "tangents must sum to 0")],
}
