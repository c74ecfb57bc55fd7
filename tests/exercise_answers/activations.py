"""Answers for src/chainrule/exercises/activations.py (owned by CH45)."""

import numpy as np
from scipy.special import expit

from . import sig, sm


def jacobian_loop(z):
    p = sm(z)
    n = len(z)
    J = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            J[i, j] = p[i] * ((1.0 if i == j else 0.0) - p[j])
    return J


def ce_loop(logits, labels):
    grad = sm(logits, axis=1)
    for k, label in enumerate(labels):
        grad[k, label] -= 1.0
    return grad / len(labels)


def dT_by_jacobian(z, T):
    """Chain rule: ∂p/∂T = J · ∂(z/T)/∂T with J the softmax Jacobian at z/T."""
    p = sm(z / T)
    J = np.diag(p) - np.outer(p, p)
    return J @ (-z / T**2)


def dT_finite(z, T):
    """An analytic form written differently: d/dT of log p, times p."""
    p = sm(z / T)
    dlogp = -z / T**2 + np.sum(p * z) / T**2
    return p * dlogp


def weighted_by_output(z, y, w):
    """Chain rule in two steps: ∂L/∂a, then times σ′(z)."""
    a = sig(z)
    dL_da = (-w * y / a + (1 - y) / (1 - a)) / len(z)
    return dL_da * a * (1 - a)


def bce_piecewise(z, y):
    """Two branches, each with an exponent ≤ 0, and a sigmoid that never overflows."""
    losses = np.where(z >= 0, z * (1 - y) + np.log1p(np.exp(-np.abs(z))), -z * y + np.log1p(np.exp(-np.abs(z))))
    e = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return losses, (s - y) / len(z)


def bce_two_softpluses(z, y):
    """y·softplus(−z) + (1 − y)·softplus(z), softplus by logaddexp; σ by scipy."""
    return y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z), (expit(z) - y) / z.size


def bce_loop(z, y):
    import math

    losses, grad = [], []
    for zk, yk in zip(z.tolist(), y.tolist(), strict=True):
        m = max(zk, 0.0)
        losses.append(m - zk * yk + math.log1p(math.exp(-abs(zk))))
        grad.append((0.5 * (1 + math.tanh(zk / 2)) - yk) / len(z))
    return [np.array(losses), np.array(grad)]


def bce_naive(z, y):
    with np.errstate(all="ignore"):
        s = 1 / (1 + np.exp(-z))
        return -(y * np.log(s) + (1 - y) * np.log(1 - s)), (s - y) / len(z)


def bce_clipped(z, y):
    """Keras's way with probabilities: clip to [1e-7, 1 − 1e-7] before the log."""
    s = np.clip(expit(z), 1e-7, 1 - 1e-7)
    return -(y * np.log(s) + (1 - y) * np.log(1 - s)), (expit(z) - y) / len(z)


def bce_overflowing_sigmoid(z, y):
    with np.errstate(all="ignore"):
        s = np.exp(z) / (1 + np.exp(z))
    return np.logaddexp(0, z) - z * y, (s - y) / len(z)


CORRECT = {
    "activations.stable_bce_with_logits": [bce_piecewise, bce_two_softpluses, bce_loop],
    "activations.sigmoid_derivative": [
        lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
        lambda z: 0.25 / np.cosh(z / 2) ** 2,
        lambda z: (sig(z) * (1 - sig(z))).astype(np.float32),
    ],
    "activations.tanh_derivative": [
        lambda z: 1 / np.cosh(z) ** 2,
        lambda z: (1 - np.tanh(z)) * (1 + np.tanh(z)),
    ],
    "activations.relu_subgradient": [
        lambda z: np.where(z > 0, 1.0, 0.0),
        lambda z: np.heaviside(z, 0.0),
    ],
    "activations.softmax_jacobian": [
        jacobian_loop,
        lambda z: np.einsum("i,ij->ij", sm(z), np.eye(len(z)) - sm(z)[None, :]),
    ],
    "activations.softmax_cross_entropy_gradient": [
        ce_loop,
        lambda logits, labels: (sm(logits) - np.eye(logits.shape[1])[labels]) / logits.shape[0],
    ],
    "activations.weighted_bce_gradient": [
        lambda z, y, w: (sig(z) * (w * y + 1 - y) - w * y) / len(z),
        weighted_by_output,
        lambda z, y, w: np.array([w * yk * (sig(zk) - 1) + (1 - yk) * sig(zk) for zk, yk in zip(z, y, strict=True)]) / z.size,
    ],
    "activations.softmax_temperature_derivative": [
        dT_by_jacobian,
        dT_finite,
    ],
}

MISTAKES = {
    "activations.stable_bce_with_logits": [
        (bce_naive, "is rounded (or clipped) to 0 or 1"),
        (bce_clipped, "is rounded (or clipped) to 0 or 1"),
        (bce_overflowing_sigmoid, "overflows or clips it"),
        (lambda z, y: (np.mean(np.logaddexp(0, z) - z * y), (expit(z) - y) / len(z)), "the batch's mean"),
        (lambda z, y: (-z * y + np.log1p(np.exp(-np.abs(z))), (expit(z) - y) / len(z)), "right for z ≤ 0 but not for z > 0"),
        (lambda z, y: (np.logaddexp(0, z) - z * (1 - y), (expit(z) - y) / len(z)), "y and 1 − y are swapped"),
        (lambda z, y: (np.logaddexp(0, z) + z * y, (expit(z) - y) / len(z)), "the term that depends on y has the wrong sign"),
        (lambda z, y: (np.logaddexp(0, z) - z * y, (expit(z) - y) * expit(z) * (1 - expit(z)) / len(z)), "an extra factor σ′(z)"),
        (lambda z, y: (np.logaddexp(0, z) - z * y, expit(z) - y), "batch size"),
        (lambda z, y: (np.logaddexp(0, z) - z * y, (y - expit(z)) / len(z)), "times −1"),
    ],
    "activations.sigmoid_derivative": [
        (lambda z: 1 / (1 + np.exp(-z)), "σ(z) itself"),
        (lambda z: z * (1 - z), "must be given σ(z), not z"),
        (lambda z: 1 - sig(z), "a factor is missing"),
        (lambda z: -np.exp(-z) / (1 + np.exp(-z)) ** 2, "times −1"),
    ],
    "activations.tanh_derivative": [
        (lambda z: 1 - np.tanh(z), "output squared"),
        (lambda z: 1 - z**2, "must be given tanh(z), not z"),
        (lambda z: np.tanh(z), "tanh(z) itself"),
    ],
    "activations.relu_subgradient": [
        (lambda z: (z >= 0).astype(float), "subgradient 0"),
        (lambda z: np.maximum(z, 0), "ReLU itself"),
        (lambda z: (z <= 0).astype(float), "slopes are swapped"),
    ],
    "activations.softmax_jacobian": [
        (lambda z: np.diag(sm(z) - sm(z) ** 2), "only the diagonal"),
        (lambda z: sm(z) - sm(z) ** 2, "diagonal as a vector"),
        (lambda z: np.diag(sm(z)) + np.outer(sm(z), sm(z)), "wrong sign"),
        (lambda z: np.outer(sm(z), sm(z)) - np.diag(sm(z)), "times −1"),
    ],
    "activations.softmax_cross_entropy_gradient": [
        (lambda z, y: sm(z) / len(z), "labels play no part"),
        (lambda z, y: sm(z) - np.eye(z.shape[1])[y], "batch size"),
        (lambda z, y: (np.eye(z.shape[1])[y] - sm(z)) / len(z), "times −1"),
        (lambda z, y: (z - np.eye(z.shape[1])[y]) / len(z), "logits were used"),
        (lambda z, y: (sm(z) - np.eye(z.shape[1])[y]) * sm(z) * (1 - sm(z)) / len(z), "extra factor"),
        # a label array of the wrong shape: it broadcasts in the one-example case only (issue 23)
        (lambda z, y: (sm(z) - y) / len(z), "ValueError"),
    ],
    "activations.weighted_bce_gradient": [
        (lambda z, y, w: (sig(z) - y) / len(z), "does not depend on the weight"),
        (lambda z, y, w: w * (sig(z) - y) / len(z), "multiplies the whole gradient"),
        (lambda z, y, w: (w * sig(z) * (1 - y) - y * (1 - sig(z))) / len(z), "wrong term"),
        (lambda z, y, w: sig(z) * (w * y + 1 - y) - w * y, "N times the reference"),
        (lambda z, y, w: (-w * y / sig(z) + (1 - y) / (1 - sig(z))) / len(z), "with respect to the output"),
        (lambda z, y, w: -(sig(z) * (w * y + 1 - y) - w * y) / len(z), "times −1"),
        (lambda z, y, w: (sig(z) * (w * y + 1 - y) - w * y) * sig(z) * (1 - sig(z)) / len(z), "extra factor σ′(z)"),
    ],
    "activations.softmax_temperature_derivative": [
        (lambda z, T: -sm(z / T) * (z - sm(z / T) @ z) / T, "a power of T is off"),
        (lambda z, T: -sm(z / T) * z / T**2, "normaliser's share is missing"),
        (lambda z, T: -sm(z / T) * (z - z.mean()) / T**2, "weighted by the probabilities"),
        (lambda z, T: -(sm(z / T) - sm(z / T) ** 2) * z / T**2, "only the diagonal"),
        (lambda z, T: sm(z / T) * (z - sm(z / T) @ z) / T**2, "times −1"),
    ],
}

HINTS = {
    "activations.sigmoid_derivative": [(lambda z: 1 - sig(z), "σ′ = σ(1 − σ)")],
    "activations.weighted_bce_gradient": [
        (lambda z, y, w: w * (sig(z) - y) / len(z), "differentiate the two terms of the loss separately"),
    ],
}
