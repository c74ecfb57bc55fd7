"""Answers for src/chainrule/exercises/tensorflow.py (owned by CH68)."""

import math

import numpy as np

from . import sig, sm


def floor_probability(n_classes):
    p_true = math.e / (math.e + (n_classes - 1))
    return -math.log(p_true)


def grad_loops(Z, Y):
    N, C = Z.shape
    out = np.zeros((N, C))
    for k in range(N):
        s = [1 / (1 + math.exp(-z)) for z in Z[k]]
        total = sum(math.exp(v) for v in s)
        for i in range(C):
            p = math.exp(s[i]) / total
            out[k, i] = (p - Y[k, i]) * s[i] * (1 - s[i]) / N
    return out


def grad_jacobian(Z, Y):
    # ∂L/∂p, then through the full softmax Jacobian (diag p − p pᵀ), then σ′
    S = 1 / (1 + np.exp(-Z))
    P = sm(S)
    dL_dP = -Y / P
    J = np.einsum("ki,ij->kij", P, np.eye(Z.shape[1])) - np.einsum("ki,kj->kij", P, P)
    dL_dS = np.einsum("kj,kji->ki", dL_dP, J)
    return dL_dS * S * (1 - S) / len(Z)


CORRECT = {
    "tensorflow.double_activation_floor": [
        lambda n_classes: -np.log(np.e / (np.e + (n_classes - 1))),
        lambda n_classes: math.log1p((n_classes - 1) * math.exp(-1)),
        floor_probability,
    ],
    "tensorflow.double_activation_grad": [
        grad_loops,
        grad_jacobian,
        lambda Z, Y: (sm(sig(Z)) - Y) * sig(Z) * sig(-Z) / Z.shape[0],
    ],
}

MISTAKES = {
    "tensorflow.double_activation_floor": [
        (lambda n_classes: np.log(n_classes), "uniform guessing"),
        (lambda n_classes: np.log(1 + np.exp(-1)), "two-class value"),
        (lambda n_classes: np.log(1 + (n_classes - 1) * np.e), "largest loss"),
        (lambda n_classes: np.log(1 + n_classes / np.e), "off by one"),
        (lambda n_classes: np.e / (np.e + n_classes - 1), "negative log"),
    ],
    "tensorflow.double_activation_grad": [
        (lambda Z, Y: (sm(sig(Z)) - Y) / len(Z), "derivative of the sigmoid in front of it is missing"),
        (lambda Z, Y: (sm(sig(Z)) - Y) * sig(Z) / len(Z), "value σ(z) is used where"),
        (lambda Z, Y: (sm(Z) - Y) * sig(Z) * (1 - sig(Z)) / len(Z), "softmax is applied to σ(z)"),
        (lambda Z, Y: -Y * (1 - sm(sig(Z))) * sig(Z) * (1 - sig(Z)) / len(Z), "only the diagonal"),
        (lambda Z, Y: (sm(sig(Z)) - Y) * sig(Z) * (1 - sig(Z)), "batch size"),
        (lambda Z, Y: (Y - sm(sig(Z))) * sig(Z) * (1 - sig(Z)) / len(Z), "times −1"),
    ],
}

HINTS = {
    "tensorflow.double_activation_grad": [
        (lambda Z, Y: (sm(sig(Z)) - Y) / len(Z), "σ′(z)"),
    ],
}
