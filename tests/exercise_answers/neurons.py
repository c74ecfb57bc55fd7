"""Answers for src/chainrule/exercises/neurons.py (owned by CH123)."""

import numpy as np

from . import sig, sm


def neuron_loop(x, w, b):
    z = b
    for xi, wi in zip(x, w, strict=True):
        z = z + xi * wi
    return 1.0 / (1.0 + np.exp(-z))


def forward_loop(X, W1, b1, W2, b2):
    H = np.tanh((np.einsum("ni,ih->nh", X, W1) + b1) / 2) / 2 + 0.5  # σ(z) = (1 + tanh(z/2))/2
    logits = np.einsum("nh,hc->nc", H, W2) + b2
    return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)


def cross_entropy_loop(P, labels):
    total = 0.0
    for k, label in enumerate(labels):
        total -= np.log(P[k, label])
    return total / len(labels)


def mse_grads_loop(X, y, w, b):
    dw, db = np.zeros_like(w, dtype=float), 0.0
    for xk, yk in zip(X, y, strict=True):
        a = sig(float(np.dot(w, xk)) + b)
        dz = 2.0 * (a - yk) * a * (1.0 - a)
        dw += dz * xk
        db += dz
    return dw / len(y), db / len(y)


def mse_grads_tanh(X, y, w, b):
    a = (1 + np.tanh((X @ w + b) / 2)) / 2  # σ(z) = (1 + tanh(z/2))/2
    delta = (a - y) * a * (1 - a)
    return 2 * np.einsum("k,ki->i", delta, X) / len(y), 2 * np.mean(delta)


def ce_grad_loop(P, labels):
    grad = np.zeros(P.shape)
    for k, label in enumerate(labels):
        grad[k, label] = -1.0 / P[k, label]
    return grad / len(labels)


def ce_grad_onehot(P, labels):
    Y = np.eye(P.shape[1])[labels]
    return np.where(Y == 1, -1.0 / (len(labels) * np.where(Y == 1, P, 1.0)), 0.0)


def one_hot(P, labels):
    return np.eye(P.shape[1])[labels]


CORRECT = {
    "neurons.neuron_output": [
        neuron_loop,
        lambda x, w, b: sig(np.dot(x, w) + b),
    ],
    "neurons.forward_pass": [
        forward_loop,
        lambda X, W1, b1, W2, b2: sm(sig(X @ W1 + b1) @ W2 + b2, axis=1),
    ],
    "neurons.cross_entropy": [
        cross_entropy_loop,
        lambda P, labels: -np.log(np.take_along_axis(P, np.asarray(labels)[:, None], axis=1)).mean(),
    ],
    "neurons.neuron_mse_gradient": [
        mse_grads_loop,
        mse_grads_tanh,
        lambda X, y, w, b: [np.asarray(v, dtype=np.float32) for v in mse_grads_tanh(X.astype(np.float32), y, w, b)],
        lambda X, y, w, b: (mse_grads_tanh(X, y, w, b)[0], float(mse_grads_tanh(X, y, w, b)[1])),
    ],
    "neurons.cross_entropy_gradient": [ce_grad_loop, ce_grad_onehot],
}

MISTAKES = {
    "neurons.neuron_output": [
        (lambda x, w, b: w @ x + b, "before the activation"),
        (lambda x, w, b: 1 / (1 + np.exp(-(w @ x))), "bias b is missing"),
        (lambda x, w, b: np.tanh(w @ x + b), "that is tanh(z)"),
    ],
    "neurons.forward_pass": [
        (lambda X, W1, b1, W2, b2: sig(X @ W1 + b1) @ W2 + b2, "those are the logits"),
        (lambda X, W1, b1, W2, b2: sig(sig(X @ W1 + b1) @ W2 + b2), "sigmoid on the output layer"),
        (lambda X, W1, b1, W2, b2: sm(sig(X @ W1 + b1) @ W2 + b2, axis=0), "wrong axis"),
        (lambda X, W1, b1, W2, b2: sm((X @ W1 + b1) @ W2 + b2), "hidden layer's sigmoid is missing"),
    ],
    "neurons.cross_entropy": [
        (lambda P, y: -np.log(P).mean(), "only the true class"),
        (lambda P, y: -np.log(P[np.arange(len(y)), y]).sum(), "the sum over the batch"),
        (lambda P, y: np.log(P[np.arange(len(y)), y]).mean(), "minus sign is missing"),
        (lambda P, y: (1 - P[np.arange(len(y)), y]).mean(), "take the logarithm"),
    ],
    "neurons.neuron_mse_gradient": [
        (
            lambda X, y, w, b: (2 * X.T @ (sig(X @ w + b) - y) / len(y), 2 * np.mean(sig(X @ w + b) - y)),
            "sigmoid's derivative is missing",
        ),
        (lambda X, y, w, b: tuple(v * len(y) for v in mse_grads_tanh(X, y, w, b)), "times too large"),
        (lambda X, y, w, b: tuple(v / 2 for v in mse_grads_tanh(X, y, w, b)), "half the reference"),
        (
            lambda X, y, w, b: (
                X * (2 * (sig(X @ w + b) - y) * sig(X @ w + b) * (1 - sig(X @ w + b)) / len(y))[:, None],
                2 * (sig(X @ w + b) - y) * sig(X @ w + b) * (1 - sig(X @ w + b)) / len(y),
            ),
            "one entry per example",
        ),
        (lambda X, y, w, b: mse_grads_tanh(X, y, w, 0.0), "leaves out the bias"),
        (lambda X, y, w, b: tuple(-v for v in mse_grads_tanh(X, y, w, b)), "times −1"),
        # ∂L/∂b as a one-element array: said to be one, in every case (N = 1 included), never "one entry per example"
        (lambda X, y, w, b: (mse_grads_tanh(X, y, w, b)[0], np.array([mse_grads_tanh(X, y, w, b)[1]])), "the value is right"),
        (
            lambda X, y, w, b: (mse_grads_tanh(X, y, w, b)[0], np.array([mse_grads_tanh(X, y, w, b)[1] + 0.3])),
            "with a wrong value",
        ),
    ],
    "neurons.cross_entropy_gradient": [
        (lambda P, y: -1 / (len(y) * P[np.arange(len(y)), y]), "one number per example"),
        (lambda P, y: -1 / (len(y) * P), "only the true class"),
        (lambda P, y: -1 / (P.size * P), "only the true class"),  # the gradient of −log P averaged over every entry
        (lambda P, y: (P - one_hot(P, y)) / len(y), "with respect to the logits"),
        (lambda P, y: -one_hot(P, y) * np.log(P) / len(y), "the logarithm is not differentiated"),
        (lambda P, y: -one_hot(P, y) / len(y), "derivative of the logarithm is wrong"),
        (lambda P, y: ce_grad_loop(P, y) * len(y), "the batch size"),
        (lambda P, y: -ce_grad_loop(P, y), "times −1"),
    ],
}

HINTS = {
    "neurons.neuron_mse_gradient": [
        (lambda X, y, w, b: (2 * X.T @ (sig(X @ w + b) - y) / len(y), 2 * np.mean(sig(X @ w + b) - y)), "σ′(z_k) = a_k(1 − a_k)"),
    ],
    "neurons.cross_entropy": [(lambda P, y: -np.log(P).mean(), "pick p[k, y_k]")],
}
