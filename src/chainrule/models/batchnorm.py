"""Batch normalisation by hand (chapter 7): the forward pass with γ and β, and its backward
pass written out from the chain rule, path by path. Row batches: x has shape (N, D), one
row per example k = 1..N; every statistic is per column (per unit), over the batch.

Forward:   μ_B = (1/N) Σ_k x_k,   s_B² = (1/N) Σ_k (x_k − μ_B)²,
           x̂_k = (x_k − μ_B) / √(s_B² + ε),   y_k = γ ⊙ x̂_k + β.
(s_B², not σ²: σ is the sigmoid in this book; the code calls it var.)

Backward, given g = ∂L/∂y: each x_k reaches L along three paths — directly through its own
x̂_k, through the mean μ_B (which every x̂ uses) and through the variance s_B² (ditto). The
multivariable chain rule adds the three.
"""

import numpy as np


def forward(x, gamma, beta, eps=1e-5):
    """y = γ ⊙ x̂ + β, and what the backward pass needs."""
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).mean(axis=0)
    std = np.sqrt(var + eps)
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, (x, x_hat, mu, var, std, gamma, eps)


def backward(g, cache):
    """∂L/∂x, ∂L/∂γ, ∂L/∂β from the upstream gradient g = ∂L/∂y (shape (N, D))."""
    x, x_hat, mu, var, std, gamma, eps = cache
    n = x.shape[0]
    dbeta = g.sum(axis=0)  # y = … + β: every row adds its g
    dgamma = (g * x_hat).sum(axis=0)  # y = γ ⊙ x̂ + …
    dx_hat = g * gamma  # ∂L/∂x̂
    # path through s_B²: x̂ depends on s_B² via (s_B² + ε)^(−1/2)
    dvar = (dx_hat * (x - mu)).sum(axis=0) * -0.5 * (var + eps) ** -1.5
    # path through μ_B: directly in x − μ, and inside s_B² (that part is 0: Σ_k (x_k − μ) = 0)
    dmu = -dx_hat.sum(axis=0) / std + dvar * (-2.0 * (x - mu)).mean(axis=0)
    # x_k itself: through its own x̂_k, through s_B² and through μ_B
    dx = dx_hat / std + dvar * 2.0 * (x - mu) / n + dmu / n
    return dx, dgamma, dbeta


def backward_compact(g, x, gamma, eps=1e-5):
    """The same ∂L/∂x after simplifying: (γ / (N σ̃)) (N g − Σ_k g_k − x̂ Σ_k g_k ⊙ x̂_k), σ̃ = √(s_B² + ε)."""
    n = x.shape[0]
    std = np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - x.mean(axis=0)) / std
    return gamma / (n * std) * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
