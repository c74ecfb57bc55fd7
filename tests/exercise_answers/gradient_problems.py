"""Answers for src/chainrule/exercises/gradient_problems.py (owned by CH7)."""

import math

import numpy as np

from . import sig


def last_sigmoid_slope(x, k):
    for _ in range(k - 1):
        x = sig(x)
    return sig(x) * (1 - sig(x))


def chain_list(x, k):
    values = [x]
    for _ in range(k):
        values.append(sig(values[-1]))
    grad = np.ones_like(x)
    for s in values[1:]:
        grad = grad * s * (1 - s)
    return grad


def chain_recursive(x, k):
    if k == 0:
        return np.ones_like(x)
    inner = x
    for _ in range(k - 1):
        inner = sig(inner)
    return sig(inner) * (1 - sig(inner)) * chain_recursive(x, k - 1)


def clip_loop(g, max_norm):
    norm = math.sqrt(sum(float(v) ** 2 for v in np.ravel(g)))
    if norm <= max_norm:
        return g.copy()
    return g / norm * max_norm


def clip_per_row(g, m):
    if g.ndim == 1:
        return clip_loop(g, m)
    rows = np.linalg.norm(g, axis=1, keepdims=True)
    return np.where(rows > m, g * m / rows, g)


def clip_spectral(g, m):
    norm = np.linalg.norm(g, 2)
    return g * m / norm if norm > m else g


def norm_loop(g):
    flat = [float(v) for v in np.ravel(g)]
    length = math.sqrt(sum(v * v for v in flat))
    return np.array([v / length for v in flat]).reshape(np.shape(g))


def norm_chain_rule(g):
    s = np.sum(g * g)  # ‖g‖ = √s: d√s/ds = 1/(2√s), ds/dg = 2g
    return (0.5 / np.sqrt(s)) * (2.0 * g)


def norm_per_row(g):
    if g.ndim == 1:
        return g / np.linalg.norm(g)
    return g / np.linalg.norm(g, axis=1, keepdims=True)


# --- batch normalisation -------------------------------------------------------------------


def bn_compact(x, gamma, dy, eps):
    n = x.shape[0]
    std = np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - x.mean(axis=0)) / std
    dx = gamma / (n * std) * (n * dy - dy.sum(axis=0) - x_hat * (dy * x_hat).sum(axis=0))
    return dx, (dy * x_hat).sum(axis=0), dy.sum(axis=0)


def bn_einsum_jacobian(x, gamma, dy, eps):
    """Per column, the full N × N Jacobian of x̂ with respect to x, then a vector–Jacobian product."""
    n, d = x.shape
    dx = np.empty_like(x)
    for j in range(d):
        col = x[:, j]
        std = math.sqrt(col.var() + eps)
        x_hat = (col - col.mean()) / std
        jac = (np.eye(n) - 1.0 / n - np.outer(x_hat, x_hat) / n) / std  # ∂x̂_k/∂x_m
        dx[:, j] = np.einsum("k,km->m", gamma[j] * dy[:, j], jac)
    x_hat_all = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)
    return dx, np.einsum("kd,kd->d", dy, x_hat_all), np.einsum("kd->d", dy)


def bn_float32(x, gamma, dy, eps):
    dx, dg, db = bn_compact(x.astype(np.float32), gamma.astype(np.float32), dy.astype(np.float32), np.float32(eps))
    return dx.astype(np.float64), dg.astype(np.float64), db.astype(np.float64)


def _bn_with(x, gamma, dy, eps, dx_fn=None, dgamma_fn=None, dbeta_fn=None):
    dx, dg, db = bn_compact(x, gamma, dy, eps)
    n = x.shape[0]
    std = np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - x.mean(axis=0)) / std
    env = dict(x=x, gamma=gamma, dy=dy, eps=eps, n=n, std=std, x_hat=x_hat)
    return (
        dx_fn(**env) if dx_fn else dx,
        dgamma_fn(**env) if dgamma_fn else dg,
        dbeta_fn(**env) if dbeta_fn else db,
    )


def bn_constants(x, gamma, dy, eps):
    return _bn_with(x, gamma, dy, eps, dx_fn=lambda gamma, dy, std, **_: gamma * dy / std)


def bn_no_var_path(x, gamma, dy, eps):
    return _bn_with(x, gamma, dy, eps, dx_fn=lambda gamma, dy, std, **_: gamma / std * (dy - dy.mean(axis=0)))


def bn_no_mean_path(x, gamma, dy, eps):
    return _bn_with(
        x, gamma, dy, eps, dx_fn=lambda gamma, dy, std, x_hat, **_: gamma / std * (dy - x_hat * (dy * x_hat).mean(axis=0))
    )


def bn_no_gamma(x, gamma, dy, eps):
    return _bn_with(x, gamma, dy, eps, dx_fn=lambda x, dy, eps, **_: bn_compact(x, np.ones(x.shape[1]), dy, eps)[0])


def bn_no_eps(x, gamma, dy, eps):
    dx, _, _ = bn_compact(x, gamma, dy, 0.0)
    _, dg, db = bn_compact(x, gamma, dy, eps)
    return dx, dg, db


def bn_unbiased(x, gamma, dy, eps):
    n = x.shape[0]
    std = np.sqrt(x.var(axis=0, ddof=1) + eps)
    x_hat = (x - x.mean(axis=0)) / std
    dx = gamma / (n * std) * (n * dy - dy.sum(axis=0) - x_hat * (dy * x_hat).sum(axis=0))
    return dx, (dy * x_hat).sum(axis=0), dy.sum(axis=0)


def bn_dgamma_uses_x(x, gamma, dy, eps):
    return _bn_with(x, gamma, dy, eps, dgamma_fn=lambda x, dy, **_: (dy * x).sum(axis=0))


def bn_dgamma_times_gamma(x, gamma, dy, eps):
    return _bn_with(x, gamma, dy, eps, dgamma_fn=lambda gamma, dy, x_hat, **_: (dy * x_hat).sum(axis=0) * gamma)


def bn_dgamma_not_summed(x, gamma, dy, eps):
    return _bn_with(x, gamma, dy, eps, dgamma_fn=lambda dy, x_hat, **_: dy * x_hat)


def bn_dbeta_not_summed(x, gamma, dy, eps):
    return _bn_with(x, gamma, dy, eps, dbeta_fn=lambda dy, **_: dy)


def bn_dbeta_keepdims(x, gamma, dy, eps):
    return _bn_with(x, gamma, dy, eps, dbeta_fn=lambda dy, **_: dy.sum(axis=0, keepdims=True))


def bn_dbeta_mean(x, gamma, dy, eps):
    return _bn_with(x, gamma, dy, eps, dbeta_fn=lambda dy, **_: dy.mean(axis=0))


def bn_swapped(x, gamma, dy, eps):
    dx, dg, db = bn_compact(x, gamma, dy, eps)
    return dx, db, dg


CORRECT = {
    "gradient_problems.he_std": [
        lambda fan_in: math.sqrt(2 / fan_in),
        lambda fan_in: (2.0 / fan_in) ** 0.5,
    ],
    "gradient_problems.clip_by_norm": [
        clip_loop,
        lambda g, max_norm: g * min(1.0, max_norm / np.sqrt((g**2).sum())),
    ],
    "gradient_problems.sigmoid_chain": [
        chain_list,
        chain_recursive,
    ],
    "gradient_problems.norm_grad": [
        norm_loop,
        norm_chain_rule,
        lambda g: (g.astype(np.float32) / np.float32(np.sqrt((g.astype(np.float32) ** 2).sum()))).astype(np.float64),
    ],
    "gradient_problems.batchnorm_backward": [
        bn_compact,
        bn_einsum_jacobian,
        bn_float32,
    ],
}

MISTAKES = {
    "gradient_problems.he_std": [
        (lambda n: 2.0 / n, "is the variance"),
        (lambda n: np.sqrt(1.0 / n), "ReLU zeroes half"),
        (lambda n: np.sqrt(2.0 * n), "grows with fan_in"),
    ],
    "gradient_problems.clip_by_norm": [
        (lambda g, m: np.clip(g, -m, m), "by value"),
        (lambda g, m: g / np.linalg.norm(g) * m, "must stay as it is"),
        (lambda g, m: g / np.linalg.norm(g), "normalises to length 1"),
        (clip_per_row, "each row by its own norm"),
        (clip_spectral, "spectral norm"),
    ],
    "gradient_problems.sigmoid_chain": [
        (lambda x, k: (sig(x) * (1 - sig(x))) ** k, "that layer's own input"),
        (lambda x, k: 0.25**k * np.ones_like(x), "upper bound"),
        (lambda x, k: last_sigmoid_slope(x, k), "last layer's σ′ only"),
    ],
    "gradient_problems.norm_grad": [
        (lambda g: 2 * g, "squared norm"),
        (lambda g: g / (2 * np.linalg.norm(g)), "half the answer"),
        (lambda g: np.sign(g), "L1 norm"),
        (norm_per_row, "each row by its own norm"),
        (lambda g: g / np.linalg.norm(g) ** 2, "power of ‖g‖"),
        (lambda g: np.linalg.norm(g), "the norm itself"),
    ],
    "gradient_problems.batchnorm_backward": [
        (bn_constants, "as constants"),
        (bn_no_var_path, "path through the batch variance"),
        (bn_no_mean_path, "path through the batch mean"),
        (bn_no_gamma, "scale γ is missing"),
        (bn_no_eps, "ε is left out"),
        (bn_unbiased, "not N − 1"),
        (bn_dgamma_uses_x, "uses x where"),
        (bn_dgamma_times_gamma, "does not appear in ∂y/∂γ"),
        (bn_dgamma_not_summed, "γ is shared"),
        (bn_dbeta_not_summed, "β is shared"),
        (bn_dbeta_keepdims, "keepdims"),
        (bn_dbeta_mean, "the batch size"),
        (bn_swapped, "∂L/∂γ's value"),
    ],
}
