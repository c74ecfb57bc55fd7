"""Answers for src/chainrule/exercises/gradient_descent.py (owned by CH123)."""

import numpy as np


def epoch(w, X, y, lr, batch, mean=True, drop_last=False, sign=1.0):
    for start in range(0, len(X), batch):
        Xb, yb = X[start : start + batch], y[start : start + batch]
        if drop_last and len(Xb) < batch:
            break
        w = w - sign * lr * 2 * Xb.T @ (Xb @ w - yb) / (len(Xb) if mean else 1)
    return w


def epoch_split(w, X, y, lr, batch_size):
    n_batches = -(-len(X) // batch_size)
    for Xb, yb in zip(
        np.array_split(X, np.arange(batch_size, len(X), batch_size)),
        np.array_split(y, np.arange(batch_size, len(X), batch_size)),
        strict=True,
    ):
        residual = np.einsum("ni,i->n", Xb, w) - yb
        w = w - lr * np.einsum("ni,n->i", Xb, residual) * (2.0 / len(Xb))
        n_batches -= 1
    return w


def momentum_loop(w, v, grad, lr, beta):
    new_v = np.array([beta * vi + gi for vi, gi in zip(v.ravel(), grad.ravel(), strict=True)]).reshape(v.shape)
    return w - lr * new_v, new_v


def epoch_fixed_divisor(w, X, y, lr, batch_size):
    for start in range(0, len(X), batch_size):
        Xb, yb = X[start : start + batch_size], y[start : start + batch_size]
        w = w - lr * 2 * Xb.T @ (Xb @ w - yb) / batch_size
    return w


def decay_loop(w, grad, lr, alpha):
    out = np.empty_like(w, dtype=float)
    for idx in np.ndindex(w.shape):
        out[idx] = w[idx] - lr * (grad[idx] + alpha * w[idx])
    return out


def momentum_limit_by_roots(A, beta):
    """Bisect on η: the largest step at which every eigen-direction's two roots stay inside the unit circle."""
    lam = np.linalg.eigvalsh(A).max()
    low, high = 0.0, 10.0 / lam
    for _ in range(200):
        eta = (low + high) / 2
        roots = np.roots([1.0, -(1 + beta - eta * lam), beta])
        low, high = (eta, high) if np.abs(roots).max() < 1 else (low, eta)
    return low


def least_squares_limit_loop(X):
    N, d = X.shape
    H = np.zeros((d, d))
    for x in X:  # the Hessian of (x·w − y)² is 2 x xᵀ; the mean divides by N
        H += 2 * np.outer(x, x) / N
    return 2 / np.linalg.eigvalsh(H).max()


CORRECT = {
    "gradient_descent.gd_step": [
        lambda w, grad, lr: w + (-lr) * grad,
        lambda w, grad, lr: np.subtract(w, np.multiply(lr, grad)),
    ],
    "gradient_descent.max_stable_lr": [
        lambda A: 2.0 / max(np.linalg.eigvals(A).real),
        lambda A: 2.0 / np.linalg.norm(A, 2),
    ],
    "gradient_descent.momentum_max_lr": [
        momentum_limit_by_roots,
        lambda A, beta: (2 + 2 * beta) / np.linalg.norm(A, 2),
    ],
    "gradient_descent.least_squares_max_lr": [
        least_squares_limit_loop,
        lambda X: len(X) / np.linalg.svd(X, compute_uv=False).max() ** 2,
    ],
    "gradient_descent.minibatch_epoch": [
        epoch_split,
        lambda w, X, y, lr, batch_size: epoch(w, X, y, lr, batch_size),
    ],
    "gradient_descent.momentum_step": [
        momentum_loop,
        lambda w, v, grad, lr, beta: (lambda v_new: (w - lr * v_new, v_new))(np.add(np.multiply(beta, v), grad)),
        lambda w, v, grad, lr, beta: (w - lr * beta * v - lr * grad, beta * v + grad),
    ],
    "gradient_descent.weight_decay_step": [
        decay_loop,
        lambda w, grad, lr, alpha: (1 - lr * alpha) * w - lr * grad,
        lambda w, grad, lr, alpha: w - lr * grad - lr * alpha * w,
        lambda w, grad, lr, alpha: np.float32(1 - lr * alpha) * w.astype(np.float32) - np.float32(lr) * grad.astype(np.float32),
    ],
}

MISTAKES = {
    "gradient_descent.gd_step": [
        (lambda w, g, lr: w + lr * g, "uphill"),
        (lambda w, g, lr: w - g, "learning rate is not used"),
        (lambda w, g, lr: -lr * g, "return the new weights"),
        (lambda w, g, lr: w - 0.1 * g, "wrong value"),
    ],
    "gradient_descent.max_stable_lr": [
        (lambda A: 2 / np.linalg.eigvalsh(A).min(), "flattest direction"),
        (lambda A: 1 / np.linalg.eigvalsh(A).max(), "the stability limit is larger"),
        (lambda A: 2 / np.trace(A), "not its entries or its trace"),
        (lambda A: 2 / (np.linalg.eigvalsh(A).min() + np.linalg.eigvalsh(A).max()), "the best fixed step"),
    ],
    "gradient_descent.momentum_max_lr": [
        (lambda A, beta: 2 / np.linalg.eigvalsh(A).max(), "β plays no part"),
        (lambda A, beta: 2 / ((1 - beta) * np.linalg.eigvalsh(A).max()), "effective step η/(1 − β)"),
        (lambda A, beta: 2 * (1 + beta) / np.linalg.eigvalsh(A).min(), "flattest direction"),
        (lambda A, beta: 2 * (1 - beta) / np.linalg.eigvalsh(A).max(), "β enters the limit the wrong way"),
        (lambda A, beta: 2 / ((1 + beta) * np.linalg.eigvalsh(A).max()), "β enters the limit the wrong way"),
        (lambda A, beta: (1 + beta) / np.linalg.eigvalsh(A).max(), "half the limit"),
        (lambda A, beta: 3 * (1 + beta) / np.linalg.eigvalsh(A).max(), "times 1.5 in every case"),
    ],
    "gradient_descent.least_squares_max_lr": [
        (lambda X: 2 * len(X) / np.linalg.eigvalsh(X.T @ X).max(), "twice the limit"),
        (lambda X: 1 / np.linalg.eigvalsh(X.T @ X).max(), "the 1/N is missing"),
        (lambda X: 2 / np.linalg.eigvalsh(X.T @ X).max(), "XᵀX is not the Hessian"),
        (lambda X: len(X) / (2 * np.linalg.eigvalsh(X.T @ X).max()), "best step for the steepest direction"),
        (lambda X: len(X) / np.linalg.eigvalsh(X.T @ X).min(), "flattest direction"),
        (lambda X: len(X) / np.linalg.svd(X, compute_uv=False).max(), "largest singular value"),
        (lambda X: len(X) / np.linalg.eigvalsh(X @ X.T).max() + 0.01, "wrong value"),
    ],
    "gradient_descent.minibatch_epoch": [
        (lambda w, X, y, lr, b: w - lr * 2 * X.T @ (X @ w - y) / len(X), "one full-batch step"),
        (lambda w, X, y, lr, b: epoch(w, X, y, lr, b, drop_last=True), "last, smaller batch was skipped"),
        (lambda w, X, y, lr, b: epoch(w, X, y, lr, b, mean=False), "mean over the batch, not the sum"),
        (lambda w, X, y, lr, b: epoch(w, X, y, lr, b, sign=-1.0), "uphill"),
        (lambda w, X, y, lr, b: epoch_fixed_divisor(w, X, y, lr, b), "divide by its own size"),
        (lambda w, X, y, lr, b: epoch(w, X, y, 0.05, b), "wrong value"),
    ],
    "gradient_descent.momentum_step": [
        (lambda w, v, g, lr, beta: (w - lr * v, beta * v + g), "old velocity"),
        (lambda w, v, g, lr, beta: (w - lr * g, beta * v + g), "plain gradient step"),
        (lambda w, v, g, lr, beta: (w - lr * (v + g), v + g), "velocity must decay"),
        (lambda w, v, g, lr, beta: (w - lr * (beta * v + g), beta * v - lr * g), "other convention"),
        (
            lambda w, v, g, lr, beta: (w - lr * (beta * v + (1 - beta) * g), beta * v + (1 - beta) * g),
            "exponential moving average",
        ),
        (lambda w, v, g, lr, beta: (w - 0.1 * (0.9 * v + g), 0.9 * v + g), "wrong value"),
    ],
    "gradient_descent.weight_decay_step": [
        (lambda w, g, lr, alpha: w - lr * g, "its gradient is missing"),
        (lambda w, g, lr, alpha: w - lr * (g + 2 * alpha * w), "twice too large"),
        (lambda w, g, lr, alpha: w - lr * (g + alpha * w / 2), "half what it should be"),
        (lambda w, g, lr, alpha: w - lr * (g - alpha * w), "wrong sign"),
        (lambda w, g, lr, alpha: w - lr * g - alpha * w, "not multiplied by the learning rate"),
        (lambda w, g, lr, alpha: (1 - lr * alpha) * (w - lr * g), "shrunk after the data step"),
        (lambda w, g, lr, alpha: w - lr * (g + alpha * np.linalg.norm(w)), "uses the norm"),
        (lambda w, g, lr, alpha: w - lr * (g + 0.01 * w), "wrong value"),
    ],
}

HINTS = {
    "gradient_descent.momentum_max_lr": [(lambda A, beta: 2 / np.linalg.eigvalsh(A).max(), "both roots of")],
    "gradient_descent.least_squares_max_lr": [(lambda X: 2 / np.linalg.eigvalsh(X.T @ X).max(), "two factors are missing")],
    "gradient_descent.weight_decay_step": [
        (lambda w, g, lr, alpha: w - lr * (g + 2 * alpha * w), "no factor 2 left"),
    ],
    "gradient_descent.momentum_step": [(lambda w, v, g, lr, beta: (w - lr * v, beta * v + g), "then step w along v_new")],
}
