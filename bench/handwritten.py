"""The baseline: chapter 4's hand-written backward pass, for any number of sigmoid layers.

Row-batch form. Hidden layers: H_l = σ(H_{l−1} W_l + b_l); output: softmax(H W_out + b_out),
mean cross-entropy. Backward: Δ_out = (P − Y)/N; then per layer
∂W = Hᵀ Δ, ∂b = Σ_rows Δ, Δ_below = (Δ Wᵀ) ⊙ H(1 − H).
"""

import numpy as np

from chainrule.engine.rules import stable_sigmoid as sigmoid  # the same numerics as the engine


def step(weights, biases, X, Y, lr):
    """One forward pass, backward pass and SGD update, in place; returns the loss."""
    acts = [X]
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        acts.append(sigmoid(acts[-1] @ W + b))
    Z = acts[-1] @ weights[-1] + biases[-1]
    Z = Z - Z.max(axis=1, keepdims=True)
    logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    n = len(X)
    loss = -(Y * logp).sum() / n
    delta = (np.exp(logp) - Y) / n
    for layer in range(len(weights) - 1, -1, -1):
        H = acts[layer]
        grad_W, grad_b = H.T @ delta, delta.sum(axis=0)
        if layer > 0:
            delta = (delta @ weights[layer].T) * H * (1 - H)
        weights[layer] -= lr * grad_W
        biases[layer] -= lr * grad_b
    return loss


def matmul_floor(weights, X, n_classes):
    """Only the matrix products of one step, on the same shapes: the physical floor."""
    acts = [X]
    for W in weights:
        acts.append(acts[-1] @ W)
    delta = np.ones((len(X), n_classes))
    for layer in range(len(weights) - 1, -1, -1):
        acts[layer].T @ delta
        if layer > 0:
            delta = delta @ weights[layer].T
    return delta
