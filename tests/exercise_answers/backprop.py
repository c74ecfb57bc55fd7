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


def residual_loop(X, W, b, G):
    N, d = X.shape
    dX, dW, db = G.copy(), np.zeros((d, d)), np.zeros(d)  # the skip path hands G straight back
    for k in range(N):
        a = np.tanh(X[k] @ W + b)
        delta = G[k] * (1 - a**2)
        dX[k] += W @ delta  # Σ_j W_ij δ_j
        dW += np.outer(X[k], delta)
        db += delta
    return dX, dW, db


def residual(X, W, b, G, slope="tanh", skip=True, through=True, transpose=True):
    A = np.tanh(X @ W + b)
    factor = {"tanh": 1 - A**2, "none": 1.0, "A": A, "one_minus_A": 1 - A, "out": 1 - (X + A) ** 2}[slope]
    D = G * factor
    back = (D @ W.T if transpose else D @ W) if through else 0.0
    return (G if skip else 0.0) + back, X.T @ D, D.sum(axis=0)


def decay_grads(X, y, W1, b1, W2, b2, rho, slope="tanh", penalty=1.0, on_bias=False, per_batch=False, mean=True):
    N, C = len(X), W2.shape[1]
    A1 = np.tanh(X @ W1 + b1)
    P = sm(A1 @ W2 + b2, axis=1)
    d_out = (P - np.eye(C)[y]) / (N if mean else 1)
    d_hid = (d_out @ W2.T) * {"tanh": 1 - A1**2, "sigmoid": A1 * (1 - A1), "none": 1.0}[slope]
    k = penalty * rho / (N if per_batch else 1)
    return (X.T @ d_hid + k * W1, d_hid.sum(0) + on_bias * k * b1, A1.T @ d_out + k * W2, d_out.sum(0) + on_bias * k * b2)


def decay_loop(X, y, W1, b1, W2, b2, rho):
    grads = [rho * W1, np.zeros_like(b1), rho * W2, np.zeros_like(b2)]  # the penalty's part, once
    N = len(X)
    for x, label in zip(X, y, strict=True):
        a = np.tanh(x @ W1 + b1)
        z = a @ W2 + b2
        p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        d_out = p.copy()
        d_out[label] -= 1.0
        d_out /= N
        d_hid = (W2 @ d_out) / np.cosh(x @ W1 + b1) ** 2
        for g, add in zip(grads, (np.outer(x, d_hid), d_hid, np.outer(a, d_out), d_out), strict=True):
            g += add
    return grads


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
    "backprop.residual_backward": [
        residual_loop,
        lambda X, W, b, G: (lambda D: (G + np.einsum("nj,ij->ni", D, W), np.einsum("ni,nj->ij", X, D), D.sum(0)))(
            G / np.cosh(X @ W + b) ** 2
        ),
    ],
    "backprop.tanh_decay_gradients": [decay_loop, lambda *args: list(decay_grads(*args))],
}

MISTAKES = {
    "backprop.output_delta": [
        (lambda P, Y: P / len(P), "the one-hot label Y plays no part"),
        (lambda P, Y: P - Y, "batch size"),
        (lambda P, Y: (Y - P) / len(P), "times −1"),
        (lambda P, Y: (P - Y) * P * (1 - P) / len(P), "an extra factor P ⊙ (1 − P)"),
        # a wrongly shaped label array (the class numbers, not one-hot rows): no cause claimed
        (lambda P, Y: (P - Y.argmax(axis=1)[:, None]) / len(P), "wrong value"),
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
    "backprop.residual_backward": [
        (lambda X, W, b, G: residual(X, W, b, G, skip=False), "only the path through the layer"),
        (lambda X, W, b, G: (G, *residual(X, W, b, G)[1:]), "only the skip path"),
        (lambda X, W, b, G: residual(X, W, b, G, transpose=False), "W where Wᵀ belongs"),
        (lambda X, W, b, G: residual(X, W, b, G, slope="none"), "the step through tanh"),
        (lambda X, W, b, G: residual(X, W, b, G, slope="out"), "block's output"),
        (lambda X, W, b, G: residual(X, W, b, G, slope="one_minus_A"), "the derivative of tanh is wrong"),
        (lambda X, W, b, G: residual(X, W, b, G, slope="A"), "the derivative of tanh is wrong"),
        (lambda X, W, b, G: (residual(X, W, b, G)[0], residual(X, W, b, G)[1].T, residual(X, W, b, G)[2]), "transpose of ∂L/∂W"),
        (lambda X, W, b, G: (*residual(X, W, b, G)[:2], G * (1 - np.tanh(X @ W + b) ** 2)), "one row per example"),
        (lambda X, W, b, G: (*residual(X, W, b, G)[:2], (G * (1 - np.tanh(X @ W + b) ** 2)).sum(1)), "wrong axis"),
        (lambda X, W, b, G: tuple(-v for v in residual(X, W, b, G)), "times −1"),
    ],
    "backprop.tanh_decay_gradients": [
        (lambda *a: decay_grads(*a, penalty=0.0), "weight-decay term is missing"),
        (lambda *a: decay_grads(*a, on_bias=True), "the biases are not in the penalty"),
        (lambda *a: decay_grads(*a, penalty=2.0), "twice too large"),
        (lambda *a: decay_grads(*a, per_batch=True), "was divided by N"),
        (lambda *a: decay_grads(*a, slope="sigmoid"), "the sigmoid's derivative"),
        (lambda *a: decay_grads(*a, slope="none"), "the step through tanh"),
        (lambda *a: decay_grads(*a, mean=False), "the data term is N times too large"),
        (lambda *a: tuple(-g for g in decay_grads(*a)), "times −1"),
    ],
}

HINTS = {
    "backprop.residual_backward": [(lambda X, W, b, G: residual(X, W, b, G, skip=False), "identity term")],
    "backprop.hidden_delta": [(lambda d, W2, A1: d @ W2.T, "A1 ⊙ (1 − A1)")],
    "backprop.numerical_gradient": [(lambda f, W, eps: one_sided(f, W, eps), "both sides of each entry")],
    "backprop.grad_W2": [(lambda A1, d: d.T @ A1, "(features, N) times (N, units)")],
}
