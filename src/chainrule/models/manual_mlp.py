"""The source's MLP with its backward pass written out by hand (chapter 4), in NumPy.

Row-batch form, N examples in the rows of X (N, n); the chapter derives each line:

    forward                               backward
    Z1 = X W1 + b1        (N, h)          δ_out = (P − Y) / N                    (N, C)
    A1 = σ(Z1)            (N, h)          ∂L/∂W2 = A1ᵀ δ_out                     (h, C)
    Z2 = A1 W2 + b2       (N, C)          ∂L/∂b2 = Σ_rows δ_out                  (C,)
    P  = softmax(Z2)      (N, C)          δ_hid = (δ_out W2ᵀ) ⊙ A1 ⊙ (1 − A1)    (N, h)
    L  = −(1/N) Σ_k log P[k, y_k]         ∂L/∂W1 = Xᵀ δ_hid                      (n, h)
                                          ∂L/∂b1 = Σ_rows δ_hid                  (h,)
"""

from dataclasses import dataclass

import numpy as np

from ..engine.rules import stable_sigmoid


def softmax_rows(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


@dataclass
class Cache:
    """What the forward pass keeps for the backward pass."""

    X: np.ndarray
    A1: np.ndarray  # the hidden activations σ(Z1)
    P: np.ndarray
    loss: float


def init_params(n, h, C, rng):
    """The same initialisation as ``chainrule.nn.init_params``, as plain arrays."""
    return {
        "W1": rng.normal(0, 1 / np.sqrt(n), size=(n, h)),
        "b1": np.zeros(h),
        "W2": rng.normal(0, 1 / np.sqrt(h), size=(h, C)),
        "b2": np.zeros(C),
    }


def forward(params, X, y):
    A1 = stable_sigmoid(X @ params["W1"] + params["b1"])
    P = softmax_rows(A1 @ params["W2"] + params["b2"])
    loss = -np.mean(np.log(P[np.arange(len(y)), y]))
    return Cache(X, A1, P, float(loss))


def backward(params, cache, y):
    """∂L/∂(each parameter), by the chain rule, layer by layer from the loss backwards."""
    N, C = cache.P.shape
    Y = np.eye(C)[y]
    delta_out = (cache.P - Y) / N  # softmax + cross-entropy: ∂L/∂Z2
    delta_hid = (delta_out @ params["W2"].T) * cache.A1 * (1 - cache.A1)  # ∂L/∂Z1
    return {
        "W1": cache.X.T @ delta_hid,
        "b1": delta_hid.sum(axis=0),  # b1 was added to every row: sum over the batch
        "W2": cache.A1.T @ delta_out,
        "b2": delta_out.sum(axis=0),
    }


def accuracy(params, X, y):
    return float(np.mean(forward(params, X, y).P.argmax(axis=1) == y))


def train(params, X, y, lr, epochs, batch_size, rng):
    """Mini-batch SGD with the hand-written backward pass; returns the loss after each epoch."""
    history = []
    for _ in range(epochs):
        for idx in np.array_split(rng.permutation(len(X)), max(1, len(X) // batch_size)):
            cache = forward(params, X[idx], y[idx])
            for name, grad in backward(params, cache, y[idx]).items():
                params[name] -= lr * grad
        history.append(forward(params, X, y).loss)
    return history
