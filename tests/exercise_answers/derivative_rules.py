"""Answers for src/chainrule/exercises/derivative_rules.py (owned by CH123)."""

import numpy as np

from . import sm


def product_loop(a, b, g):
    da, db = np.empty_like(a, dtype=float), np.empty_like(b, dtype=float)
    for idx in np.ndindex(np.shape(a)):
        da[idx] = g[idx] * b[idx]
        db[idx] = g[idx] * a[idx]
    return [da, db]


def chain_loop(w, x, b, y):
    r = b - y
    for wi, xi in zip(w, x, strict=True):
        r += wi * xi
    dL_dr = 2.0 * r
    return dL_dr * x, dL_dr * 1.0


def bias_loop(z, b, g):
    db = np.zeros(g.shape[1])
    for row in g:
        db += row
    return g.copy(), db


def central_loop(f, x, eps):
    out = np.empty_like(x, dtype=float)
    for idx in np.ndindex(x.shape):
        xi = x[idx]
        out[idx] = (f(np.asarray(xi + eps)) - f(np.asarray(xi - eps))) / (2.0 * eps)
    return out


def lse_grad_loop(Z):
    out = np.empty_like(Z, dtype=float)
    for k, row in enumerate(Z):
        shifted = [np.exp(z - max(row)) for z in row]  # softmax is unchanged by a shift
        total = sum(shifted)
        out[k] = [e / total for e in shifted]
    return out


def normalize_loop(Z, g):
    """Sum over paths, entry by entry: ∂out_kj/∂Z_ki = ([i = j] s_k − Z_kj) / s_k²."""
    grad = np.zeros(Z.shape)
    for k in range(Z.shape[0]):
        s = Z[k].sum()
        for i in range(Z.shape[1]):
            for j in range(Z.shape[1]):
                grad[k, i] += g[k, j] * ((i == j) * s - Z[k, j]) / s**2
    return grad


def normalize_jacobian(Z, g):
    s = Z.sum(axis=1, keepdims=True)
    J = np.eye(Z.shape[1])[None] / s[:, :, None] - (Z / s**2)[:, :, None]  # J[k, j, i] = ∂out_kj/∂Z_ki
    return np.einsum("kj,kji->ki", g, J)


CORRECT = {
    "derivative_rules.product_rule": [
        product_loop,
        lambda a, b, g: (np.multiply(b, g), np.multiply(a, g)),
    ],
    "derivative_rules.chain_rule": [
        chain_loop,
        lambda w, x, b, y: (2 * (np.dot(w, x) + b - y) * np.asarray(x), 2 * (np.dot(w, x) + b - y)),
    ],
    "derivative_rules.sum_over_paths": [
        lambda x: 2 * x * np.sin(x) + x**2 * np.cos(x),
        lambda x: x * (2 * np.sin(x) + x * np.cos(x)),
    ],
    "derivative_rules.central_difference": [
        lambda f, x, eps: (f(x + eps) - f(x - eps)) / eps / 2,
        lambda f, x, eps: 0.5 * (f(x + eps) - f(x - eps)) / eps,
        central_loop,
    ],
    "derivative_rules.bias_gradient": [
        bias_loop,
        lambda z, b, g: (g, np.einsum("nj->j", g)),
        lambda z, b, g: (np.ones_like(z) * g, np.ones(g.shape[0]) @ g),
    ],
    "derivative_rules.logsumexp_gradient": [
        lse_grad_loop,
        lambda Z: np.exp(
            Z - np.log(np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)) - Z.max(axis=1, keepdims=True)
        ),
        lambda Z: sm(Z, axis=-1),
    ],
    "derivative_rules.normalize_backward": [normalize_loop, normalize_jacobian],
}

MISTAKES = {
    "derivative_rules.product_rule": [
        (lambda a, b, g: (g * a, g * b), "factors are swapped"),
        (lambda a, b, g: (b, a), "upstream gradient g is not used"),
        (lambda a, b, g: (-g * b, -g * a), "times −1"),
    ],
    "derivative_rules.chain_rule": [
        (lambda w, x, b, y: ((w @ x + b - y) * x, w @ x + b - y), "the outer derivative"),
        (lambda w, x, b, y: (2 * (w @ x + b - y) * w, 2 * (w @ x + b - y)), "with respect to the wrong factor"),
        (lambda w, x, b, y: (2 * (y - w @ x - b) * x, 2 * (y - w @ x - b)), "times −1"),
        (lambda w, x, b, y: (2 * (w @ x + b - y), 2 * (w @ x + b - y)), "that is ∂L/∂r only"),
    ],
    "derivative_rules.sum_over_paths": [
        (lambda x: 2 * x * np.sin(x), "only the path through u"),
        (lambda x: x**2 * np.cos(x), "only the path through v"),
        (lambda x: 2 * x * np.cos(x), "paths' contributions are added"),
    ],
    "derivative_rules.central_difference": [
        (lambda f, x, eps: (f(x + eps) - f(x)) / eps, "one-sided difference"),
        (lambda f, x, eps: (f(x + eps) - f(x - eps)) / eps, "the two points are 2ε apart"),
        (lambda f, x, eps: (f(x - eps) - f(x + eps)) / (2 * eps), "times −1"),
        (lambda f, x, eps: (f(x + eps) - f(x - eps)) / 2 * eps, "operator precedence"),
        (lambda f, x, eps: (f(x + 1e-5) - f(x - 1e-5)) / (2 * 1e-5), "a fixed step of its own (1e-05)"),
        (lambda f, x, eps: (f(x + 1e-6) - f(x - 1e-6)) / 2e-6, "a fixed step of its own (1e-06)"),
    ],
    "derivative_rules.bias_gradient": [
        (lambda z, b, g: (g, g), "reaches the loss along N paths"),
        (lambda z, b, g: (g, g.sum(axis=1)), "wrong axis"),
        (lambda z, b, g: (g, g.sum(axis=0, keepdims=True)), "the values are right, but the shape is (1, m)"),
        (lambda z, b, g: (g, g.mean(axis=0)), "mean over the batch"),
    ],
    "derivative_rules.logsumexp_gradient": [
        (lambda Z: np.exp(Z), "outer logarithm is not differentiated"),
        (lambda Z: np.ones_like(Z) / np.exp(Z).sum(axis=1, keepdims=True), "only the outer derivative is there"),
        (lambda Z: sm(Z, axis=0), "normalised over the wrong axis"),
        (
            lambda Z: (
                Z - Z.max(axis=1, keepdims=True) - np.log(np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True))
            ),
            "that is log-softmax",
        ),
        (lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), "it overflows"),
    ],
    "derivative_rules.normalize_backward": [
        (lambda Z, g: g / Z.sum(axis=1, keepdims=True), "only the path through the numerator"),
        (lambda Z, g: g * (1 - Z / Z.sum(axis=1, keepdims=True)) / Z.sum(axis=1, keepdims=True), "only the diagonal"),
        (lambda Z, g: (g - 1) / Z.sum(axis=1, keepdims=True), "carry each output's own upstream gradient"),
        (lambda Z, g: normalize_jacobian(Z, -g) + 2 * g / Z.sum(axis=1, keepdims=True), "wrong sign"),
        (
            lambda Z, g: (g - (g * Z / Z.sum(axis=1, keepdims=True)).sum(axis=0, keepdims=True)) / Z.sum(axis=1, keepdims=True),
            "wrong axis",
        ),
        (
            lambda Z, g: (g - Z / Z.sum(axis=1, keepdims=True) * g.sum(axis=1, keepdims=True)) / Z.sum(axis=1, keepdims=True),
            "that is J·g",
        ),
        (lambda Z, g: normalize_jacobian(Z, g) / Z.sum(axis=1, keepdims=True), "powers of s_k are off"),
        (lambda Z, g: -normalize_jacobian(Z, g), "times −1"),
    ],
}

HINTS = {
    "derivative_rules.product_rule": [(lambda a, b, g: (g * a, g * b), "∂(ab)/∂a is b")],
    "derivative_rules.logsumexp_gradient": [(lambda Z: sm(Z, axis=0), "runs over the C entries of a row")],
    "derivative_rules.bias_gradient": [(lambda z, b, g: (g, g), "sum the upstream gradient over the batch axis")],
    "derivative_rules.normalize_backward": [
        (lambda Z, g: g / Z.sum(axis=1, keepdims=True), "add the contributions of all C outputs")
    ],
}
