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


def bn_eps_outside(x, gamma, dy, eps):
    """The forward pass with ε after the square root, x̂ = (x − μ)/(√s² + ε), differentiated by hand."""
    n = x.shape[0]
    mu = x.mean(axis=0)
    root = np.sqrt(((x - mu) ** 2).mean(axis=0))
    den = root + eps
    x_hat = (x - mu) / den
    dx_hat = dy * gamma
    dvar = (dx_hat * (x - mu)).sum(axis=0) * (-1.0 / den**2) * (0.5 / root)
    dmu = -dx_hat.sum(axis=0) / den
    return dx_hat / den + dvar * 2 * (x - mu) / n + dmu / n, (dy * x_hat).sum(axis=0), dy.sum(axis=0)


def bn_half_forgotten(x, gamma, dy, eps):
    """The path-by-path answer with d(v + ε)^(−1/2)/dv written −(v + ε)^(−3/2) (the ½ forgotten)."""
    n = x.shape[0]
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).mean(axis=0)
    std = np.sqrt(var + eps)
    x_hat = (x - mu) / std
    dx_hat = dy * gamma
    dvar = (dx_hat * (x - mu)).sum(axis=0) * -1.0 * (var + eps) ** -1.5
    dmu = -dx_hat.sum(axis=0) / std
    return dx_hat / std + dvar * 2 * (x - mu) / n + dmu / n, (dy * x_hat).sum(axis=0), dy.sum(axis=0)


def bn_unbiased_throughout(x, gamma, dy, eps):
    """np.var(ddof=1) in the forward pass, and ∂s²/∂x_k = 2(x_k − μ)/(N − 1) to match."""
    n = x.shape[0]
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).sum(axis=0) / (n - 1)
    std = np.sqrt(var + eps)
    x_hat = (x - mu) / std
    dx_hat = dy * gamma
    dvar = (dx_hat * (x - mu)).sum(axis=0) * -0.5 * (var + eps) ** -1.5
    dmu = -dx_hat.sum(axis=0) / std
    return dx_hat / std + dvar * 2 * (x - mu) / (n - 1) + dmu / n, (dy * x_hat).sum(axis=0), dy.sum(axis=0)


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


# --- the Jacobian of clipping by norm ----------------------------------------------------------


def clip_jacobian_loops(g, max_norm):
    n = g.size
    norm = math.sqrt(sum(float(v) ** 2 for v in g))
    if norm <= max_norm:
        return np.eye(n)
    jac = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            # ∂(c g_i/‖g‖)/∂g_j = c [i = j]/‖g‖ − c g_i g_j/‖g‖³
            jac[i, j] = max_norm * ((i == j) / norm - g[i] * g[j] / norm**3)
    return jac


def clip_jacobian_columns(g, max_norm):
    """Column j: the derivative of clip(g) along e_j, by the product rule."""
    norm = np.linalg.norm(g)
    if not norm > max_norm:
        return np.identity(len(g))
    grad_norm = g / norm  # exercise 7.4
    return np.stack([max_norm * (e / norm - g * grad_norm[j] / norm**2) for j, e in enumerate(np.eye(len(g)))], axis=1)


def clip_jacobian_float32(g, max_norm):
    g32 = g.astype(np.float32)
    norm = np.float32(np.linalg.norm(g32))
    if norm <= max_norm:
        return np.eye(g.size)
    u = g32 / norm
    return (np.float32(max_norm) / norm * (np.eye(g.size, dtype=np.float32) - np.outer(u, u))).astype(np.float64)


def _clip_jac(g, max_norm, when_clipped, when_short=None):
    norm = np.linalg.norm(g)
    if norm <= max_norm:
        return np.eye(g.size) if when_short is None else when_short(g, max_norm, norm)
    return when_clipped(g, max_norm, norm)


def _unit(g):
    return g / np.linalg.norm(g)


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
    "gradient_problems.clip_jacobian": [
        clip_jacobian_loops,
        clip_jacobian_columns,
        clip_jacobian_float32,
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
        (bn_eps_outside, "ε is added after the square root"),
        (bn_half_forgotten, "counts twice"),
        (bn_unbiased_throughout, "not N − 1"),
    ],
    "gradient_problems.clip_jacobian": [
        (lambda g, c: np.eye(g.size), "when nothing is clipped"),
        (lambda g, c: _clip_jac(g, c, lambda g, c, n: c / n * np.eye(g.size)), "treated as a constant"),
        (
            lambda g, c: _clip_jac(g, c, lambda g, c, n: c / n * (np.eye(g.size) + np.outer(_unit(g), _unit(g)))),
            "sign of the term from ‖g‖",
        ),
        (
            lambda g, c: _clip_jac(g, c, lambda g, c, n: (np.eye(g.size) - np.outer(_unit(g), _unit(g))) / n),
            "max_norm is missing",
        ),
        (
            lambda g, c: _clip_jac(g, c, lambda g, c, n: np.eye(g.size) - np.outer(_unit(g), _unit(g))),
            "overall factor",
        ),
        (
            lambda g, c: _clip_jac(g, c, lambda g, c, n: c / n * np.eye(g.size) - c * np.outer(g, g) / n**2),
            "wrong power of ‖g‖",
        ),
        (lambda g, c: _clip_jac(g, c, lambda g, c, n: c / n * (np.eye(g.size) - _unit(g) @ _unit(g))), "dot product"),
        (
            lambda g, c: c / np.linalg.norm(g) * (np.eye(g.size) - np.outer(_unit(g), _unit(g))),
            "its Jacobian is that of the identity",
        ),
        (lambda g, c: _clip_jac(g, c, lambda g, c, n: c * g / n), "a vector shaped like g"),
    ],
}
