"""Answers for src/chainrule/exercises/backprop.py (owned by CH45)."""

import numpy as np

from . import sig, sm


def tanh_loop(delta_out, W2, A):
    N, h = A.shape
    out = np.zeros((N, h))
    for k in range(N):
        for j in range(h):
            out[k, j] = sum(delta_out[k, i] * W2[j, i] for i in range(W2.shape[1])) * (1 - A[k, j] ** 2)
    return out


def numerical_aliased(f, W, eps):
    """up = W without a copy: both evaluations see the same array (W is restored after)."""
    grad = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        old = W[idx]
        up = W
        down = W
        up[idx] = old + eps
        down[idx] = old - eps
        grad[idx] = (f(up) - f(down)) / (2 * eps)
        W[idx] = old
    return grad


def numerical_twice(f, W, eps):
    grad = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        up, down = W.copy(), W.copy()
        up[idx] += eps
        down[idx] -= eps
        grad[idx] = (f(up) - f(down)) / eps
    return grad


def numerical_fixed_eps(f, W, eps):
    return numerical_restore(f, W, 1e-5)


def manual(X, y, W1, b1, W2, b2, sigma_prime=True, scale=1.0, transpose=False):
    H = sig(X @ W1 + b1)
    P = sm(H @ W2 + b2)
    d_out = scale * (P - np.eye(W2.shape[1])[y]) / len(X)
    d_hid = (d_out @ W2.T) * (H * (1 - H) if sigma_prime else 1.0)
    gW1, gW2 = X.T @ d_hid, H.T @ d_out
    if transpose:
        gW1, gW2 = gW1.T, gW2.T
    return gW1, d_hid.sum(axis=0), gW2, d_out.sum(axis=0)


def backward_einsum(X, y, W1, b1, W2, b2):
    H = sig(np.einsum("ni,ih->nh", X, W1) + b1)
    logits = np.einsum("nh,hc->nc", H, W2) + b2
    P = sm(logits, axis=1)
    Y = np.zeros_like(P)
    Y[np.arange(len(y)), y] = 1.0
    d_out = (P - Y) / X.shape[0]
    d_hid = np.einsum("nc,hc->nh", d_out, W2) * H * (1 - H)
    return [np.einsum("ni,nh->ih", X, d_hid), d_hid.sum(0), np.einsum("nh,nc->hc", H, d_out), d_out.sum(0)]


def one_sided(f, W, eps):
    grad = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        shifted = W.copy()
        shifted[idx] += eps
        grad[idx] = (f(shifted) - f(W)) / eps
    return grad


def numerical_flat(f, W, eps):
    flat = W.astype(float).ravel()
    grad = np.zeros_like(flat)
    for i in range(flat.size):
        e = np.zeros_like(flat)
        e[i] = eps
        grad[i] = (f((flat + e).reshape(W.shape)) - f((flat - e).reshape(W.shape))) / (2 * eps)
    return grad.reshape(W.shape)


def numerical_restore(f, W, eps):
    W = W.copy()
    grad = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        old = W[idx]
        W[idx] = old + eps
        up = f(W)
        W[idx] = old - eps
        down = f(W)
        W[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


CORRECT = {
    "backprop.output_delta": [
        lambda P, Y: P / len(P) - Y / len(P),
        lambda P, Y: np.subtract(P, Y) / P.shape[0],
        lambda P, Y: ((P - Y) / len(P)).astype(np.float32),
    ],
    "backprop.grad_W2": [
        lambda H, delta_out: np.einsum("nh,nc->hc", H, delta_out),
        lambda H, delta_out: (delta_out.T @ H).T,
    ],
    "backprop.grad_b2": [
        lambda H, delta_out: np.einsum("nc->c", delta_out),
        lambda H, delta_out: np.ones(len(delta_out)) @ delta_out,
    ],
    "backprop.hidden_delta": [
        lambda delta_out, W2, H: np.einsum("nc,hc->nh", delta_out, W2) * (H - H**2),
        lambda delta_out, W2, H: (W2 @ delta_out.T).T * H * (1 - H),
    ],
    "backprop.grad_W1": [
        lambda X, delta_hid: np.einsum("ni,nh->ih", X, delta_hid),
        lambda X, delta_hid: sum(np.outer(x, d) for x, d in zip(X, delta_hid, strict=True)),
    ],
    "backprop.grad_b1": [
        lambda X, delta_hid: np.einsum("nh->h", delta_hid),
        lambda X, delta_hid: sum(row for row in delta_hid),
    ],
    "backprop.backward_pass": [
        backward_einsum,
        lambda X, y, W1, b1, W2, b2: manual(X, y, W1, b1, W2, b2),
    ],
    "backprop.numerical_gradient": [
        numerical_flat,
        numerical_restore,
    ],
    "backprop.tanh_hidden_delta": [
        tanh_loop,
        lambda delta_out, W2, A: np.einsum("nc,hc->nh", delta_out, W2) / np.cosh(np.arctanh(A)) ** 2,
        lambda delta_out, W2, A: (delta_out @ W2.T) * (1 - A) * (1 + A),
    ],
}

MISTAKES = {
    "backprop.output_delta": [
        (lambda P, Y: P / len(P), "the one-hot label Y plays no part"),
        (lambda P, Y: P - Y, "batch size"),
        (lambda P, Y: (Y - P) / len(P), "times −1"),
        (lambda P, Y: (P - Y) * P * (1 - P) / len(P), "an extra factor P ⊙ (1 − P)"),
    ],
    "backprop.grad_W2": [
        (lambda H, d: d.T @ H, "that of W2ᵀ"),
        (lambda H, d: H.T @ d / len(H), "dividing again"),
        (lambda H, d: H.T @ d * len(H), "N times the reference"),
        (lambda H, d: -(H.T @ d), "times −1"),
    ],
    "backprop.grad_b2": [
        (lambda H, d: d, "one row per example"),
        (lambda H, d: d.sum(axis=0, keepdims=True), "the values are right but the shape"),
        (lambda H, d: d.sum(axis=1), "wrong axis"),
        (lambda H, d: d.mean(axis=0), "that is the mean over the batch"),
        (lambda H, d: -d.sum(axis=0), "times −1"),
    ],
    "backprop.hidden_delta": [
        (lambda d, W2, H: d @ W2.T, "that is ∂L/∂A1"),
        (lambda d, W2, H: (d @ W2.T) * H, "not by its derivative"),
        (lambda d, W2, H: (d @ W2.T) * (1 - H), "only part of σ′(Z1)"),
        (lambda d, W2, H: (d @ W2.T) * sig(H) * (1 - sig(H)), "applies σ again"),
        (lambda d, W2, H: (d @ W2.T) * np.log(H / (1 - H)) * (1 - np.log(H / (1 - H))), "not Z1"),
        (lambda d, W2, H: d @ W2 * H * (1 - H), "has"),
    ],
    "backprop.grad_W1": [
        (lambda X, d: d.T @ X, "that of W1ᵀ"),
        (lambda X, d: X.T @ d * len(X), "N times the reference"),
        (lambda X, d: X.T @ d / len(X), "dividing again"),
        (lambda X, d: -(X.T @ d), "times −1"),
    ],
    "backprop.grad_b1": [
        (lambda X, d: d, "one row per example"),
        (lambda X, d: d.sum(axis=0, keepdims=True), "the values are right but the shape"),
        (lambda X, d: d.sum(axis=1), "wrong axis"),
        (lambda X, d: -d.sum(axis=0), "times −1"),
    ],
    "backprop.backward_pass": [
        (lambda X, y, W1, b1, W2, b2: manual(X, y, W1, b1, W2, b2, sigma_prime=False), "lacks the step through the sigmoid"),
        (lambda X, y, W1, b1, W2, b2: manual(X, y, W1, b1, W2, b2, scale=len(X)), "N times the reference"),
        (lambda X, y, W1, b1, W2, b2: manual(X, y, W1, b1, W2, b2, transpose=True), "transposed"),
    ],
    "backprop.numerical_gradient": [
        (lambda f, W, eps: one_sided(f, W, eps), "one-sided"),
        (lambda f, W, eps: np.full(W.shape, (f(W + eps) - f(W - eps)) / (2 * eps)), "perturb one entry"),
        (lambda f, W, eps: -numerical_restore(f, W, eps), "times −1"),
        (numerical_aliased, "every entry is 0"),
        (numerical_twice, "twice the reference"),
        (numerical_fixed_eps, "wrong value"),
    ],
    "backprop.tanh_hidden_delta": [
        (lambda d, W2, A: d @ W2.T, "that is ∂L/∂A"),
        (lambda d, W2, A: (d @ W2.T) * A * (1 - A), "the sigmoid's derivative"),
        (lambda d, W2, A: (d @ W2.T) * (1 - A), "has A1 squared"),
        (lambda d, W2, A: (d @ W2.T) * (1 - np.arctanh(A) ** 2), "not Z1"),
        (lambda d, W2, A: (d @ W2.T) * A, "not by its derivative"),
        (lambda d, W2, A: -(d @ W2.T) * (1 - A**2), "times −1"),
    ],
}

HINTS = {
    "backprop.hidden_delta": [(lambda d, W2, A1: d @ W2.T, "A1 ⊙ (1 − A1)")],
    "backprop.numerical_gradient": [(lambda f, W, eps: one_sided(f, W, eps), "both sides of each entry")],
    "backprop.grad_W2": [(lambda A1, d: d.T @ A1, "(features, N) times (N, units)")],
}
