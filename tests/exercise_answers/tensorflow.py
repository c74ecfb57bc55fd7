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


def l2_by_loops(A1, W2, b2, Y, lam):
    N, C = Y.shape
    dW2, dA1 = 2 * lam * W2.copy(), np.zeros_like(A1)
    for k in range(N):
        s = sig(A1[k] @ W2 + b2)
        p = np.exp(s) / np.exp(s).sum()
        delta = (p - Y[k]) * s * (1 - s) / N
        dW2 += np.outer(A1[k], delta)
        dA1[k] = W2 @ delta
    return dW2, dA1


def l2_by_jacobians(A1, W2, b2, Y, lam):
    # ∂L/∂P, the softmax Jacobian per example, σ′; then the layer's two products
    S = sig(A1 @ W2 + b2)
    P = sm(S)
    dP = -Y / P / len(A1)
    J = np.einsum("ki,ij->kij", P, np.eye(P.shape[1])) - np.einsum("ki,kj->kij", P, P)
    dZ = np.einsum("kj,kji->ki", dP, J) * sig(A1 @ W2 + b2) * sig(-(A1 @ W2 + b2))
    return [np.einsum("ki,kj->ij", A1, dZ) + lam * (W2 + W2), np.einsum("kj,ij->ki", dZ, W2)]


def l2_grads(A1, W2, b2, Y, lam, sigma_prime=True, on_z=False, penalty=2.0, per_example=False):
    Z = A1 @ W2 + b2
    S = sig(Z)
    P = sm(Z) if on_z else sm(S)
    dZ = (P - Y) * (S * (1 - S) if sigma_prime else 1.0) / (1 if per_example else len(A1))
    return A1.T @ dZ + penalty * lam * W2, dZ @ W2.T


CORRECT = {
    "tensorflow.output_layer_with_l2": [l2_by_loops, l2_by_jacobians],
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
    "tensorflow.output_layer_with_l2": [
        (lambda *a: l2_grads(*a, sigma_prime=False), "derivative of the output sigmoid is missing"),
        (lambda *a: l2_grads(*a, sigma_prime=False, on_z=True), "a network without the output sigmoid"),
        (lambda *a: l2_grads(*a, penalty=1.0), "half what it should be"),
        (lambda *a: l2_grads(*a, penalty=0.0), "penalty's derivative is missing"),
        (lambda *a: (l2_grads(*a)[0] - 2 * a[4] * a[1] + 2 * a[4] * a[1] / len(a[0]), l2_grads(*a)[1]), "divided by N"),
        (lambda *a: l2_grads(*a, per_example=True), "N times too large"),
        (lambda *a: (l2_grads(*a)[0], -l2_grads(*a)[1]), "times −1"),
    ],
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
        (lambda Z, Y: (sm(Z) - Y) / len(Z), "as if the sigmoid were not there"),
    ],
}

HINTS = {
    "tensorflow.double_activation_grad": [
        (lambda Z, Y: (sm(sig(Z)) - Y) / len(Z), "σ′(z)"),
    ],
}
