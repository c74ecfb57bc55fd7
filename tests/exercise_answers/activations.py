"""Answers for src/chainrule/exercises/activations.py (owned by CH45)."""

import numpy as np

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


CORRECT = {
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
    ],
    "activations.weighted_bce_gradient": [
        (lambda z, y, w: (sig(z) - y) / len(z), "does not depend on the weight"),
        (lambda z, y, w: w * (sig(z) - y) / len(z), "multiplies the whole gradient"),
        (lambda z, y, w: (w * sig(z) * (1 - y) - y * (1 - sig(z))) / len(z), "wrong term"),
        (lambda z, y, w: sig(z) * (w * y + 1 - y) - w * y, "N times the reference"),
        (lambda z, y, w: (-w * y / sig(z) + (1 - y) / (1 - sig(z))) / len(z), "with respect to the output"),
        (lambda z, y, w: -(sig(z) * (w * y + 1 - y) - w * y) / len(z), "times −1"),
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
