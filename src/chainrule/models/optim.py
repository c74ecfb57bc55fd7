"""Optimisers, each one update rule in a few lines (chapter 3, Gradient descent).

Each works on a dict of Tensors whose ``.grad`` was filled by ``loss.backward()``, and
changes ``.data`` in place: the graph of the next step is built from the new values.
"""

import numpy as np


def sgd_step(params, lr):
    """w ← w − η ∂L/∂w: a step *against* the gradient, the direction in which the loss
    decreases fastest (to first order)."""
    for p in params.values():
        p.data -= lr * p.grad


class Momentum:
    """v ← βv + ∂L/∂w,  w ← w − ηv: a velocity that averages recent gradients."""

    def __init__(self, lr, beta=0.9):
        self.lr, self.beta, self.velocity = lr, beta, {}

    def step(self, params):
        for name, p in params.items():
            v = self.beta * self.velocity.get(name, 0.0) + p.grad
            self.velocity[name] = v
            p.data -= self.lr * v


class Adam:
    """Adam (Kingma & Ba, ICLR 2015): per-weight steps scaled by running gradient moments."""

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = {}, {}, 0

    def step(self, params):
        self.t += 1
        for name, p in params.items():
            m = self.beta1 * self.m.get(name, 0.0) + (1 - self.beta1) * p.grad
            v = self.beta2 * self.v.get(name, 0.0) + (1 - self.beta2) * p.grad**2
            self.m[name], self.v[name] = m, v
            m_hat = m / (1 - self.beta1**self.t)  # undo the bias towards the zero start
            v_hat = v / (1 - self.beta2**self.t)
            p.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def clip_grad_norm(params, max_norm):
    """Scale all gradients together so their joint norm is at most ``max_norm`` (the
    remedy for exploding gradients of Pascanu et al., 2013). Returns the norm before."""
    norm = float(np.sqrt(sum(np.sum(p.grad**2) for p in params.values())))
    if norm > max_norm:
        for p in params.values():
            p.grad *= max_norm / norm
    return norm


def minibatches(N, batch_size, rng=None):
    """Index arrays covering the N examples 0..N−1 once, in batches (shuffled when ``rng``
    is given); the last batch is smaller when batch_size does not divide N."""
    order = np.arange(N) if rng is None else rng.permutation(N)
    return [order[i : i + batch_size] for i in range(0, N, batch_size)]
