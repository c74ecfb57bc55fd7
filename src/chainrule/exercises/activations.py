"""Exercises of chapter 5, Derivatives of activations and losses."""

import numpy as np

from ..rules import stable_sigmoid
from .core import exercise, matches, softmax

CHAPTER = "activations"


def _z_cases(rng):
    return [(rng.uniform(-6, 6, size=s),) for s in [(1,), (5,), (3, 4)]]


# --- sigmoid ---------------------------------------------------------------------------


def _sigmoid_mistakes(got, expected, args, i):
    (z,) = args
    s = stable_sigmoid(z)
    if matches(got, s):
        return "that is σ(z) itself; its derivative is σ(z)(1 − σ(z))"
    if matches(got, z * (1 - z)):
        return "σ(1 − σ) must be applied to σ(z), not to z"
    if matches(got, 1 - s):
        return "that is 1 − σ(z); multiply by σ(z)"
    return None


@exercise(
    id="activations.sigmoid_derivative",
    chapter=CHAPTER,
    title="Derivative of the sigmoid",
    signature="sigmoid_grad(z)",
    outputs=("σ′(z)",),
    cases=_z_cases,
    diagnoses=(_sigmoid_mistakes,),
)
def sigmoid_grad(z):
    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)


# --- tanh ------------------------------------------------------------------------------


def _tanh_mistakes(got, expected, args, i):
    (z,) = args
    t = np.tanh(z)
    if matches(got, 1 - t):
        return "the derivative of tanh is 1 − tanh²(z): the square is missing"
    if matches(got, 1 - z**2):
        return "1 − tanh² must be applied to tanh(z), not to z"
    if matches(got, t):
        return "that is tanh(z) itself, not its derivative"
    return None


@exercise(
    id="activations.tanh_derivative",
    chapter=CHAPTER,
    title="Derivative of tanh",
    signature="tanh_grad(z)",
    outputs=("tanh′(z)",),
    cases=_z_cases,
    diagnoses=(_tanh_mistakes,),
)
def tanh_grad(z):
    return 1 - np.tanh(z) ** 2


# --- ReLU ------------------------------------------------------------------------------


def _relu_cases(rng):
    cases = []
    for s in [(6,), (3, 4), (1,)]:
        z = rng.uniform(-3, 3, size=s)
        z.flat[:: 2 if z.size > 1 else 1] = 0.0  # exact zeros: the convention matters there
        cases.append((z,))
    return cases


def _relu_mistakes(got, expected, args, i):
    (z,) = args
    if matches(got, (z >= 0).astype(float)):
        return "at z = 0 ReLU is continuous but not differentiable; use the subgradient 0 there (as TensorFlow does)"
    if matches(got, np.maximum(z, 0)):
        return "that is ReLU itself, max(0, z), not its derivative"
    if matches(got, (z < 0).astype(float)) or matches(got, (z <= 0).astype(float)):
        return "the slope is 1 where z > 0 and 0 where z < 0: the cases are swapped"
    return None


@exercise(
    id="activations.relu_subgradient",
    chapter=CHAPTER,
    title="ReLU's derivative and the subgradient at 0",
    signature="relu_grad(z)",
    outputs=("ReLU′(z)",),
    cases=_relu_cases,
    diagnoses=(_relu_mistakes,),
)
def relu_grad(z):
    return (z > 0).astype(float)


# --- softmax Jacobian --------------------------------------------------------------------



def _jacobian_cases(rng):
    return [(rng.normal(size=c) * 2,) for c in (2, 3, 5)]


def _jacobian_mistakes(got, expected, args, i):
    (z,) = args
    s = softmax(z)
    if matches(got, np.diag(s - s**2)):
        return "only the diagonal σᵢ − σᵢ² (the source article's formula): off the diagonal ∂σᵢ/∂zⱼ = −σᵢσⱼ"
    if matches(got, s - s**2):
        return "that is the diagonal as a vector; the Jacobian is a C×C matrix, J[i, j] = σᵢ(δᵢⱼ − σⱼ)"
    if matches(got, np.diag(s) + np.outer(s, s)):
        return "the off-diagonal entries are −σᵢσⱼ: check the sign of the outer product"
    return None


@exercise(
    id="activations.softmax_jacobian",
    chapter=CHAPTER,
    title="The full softmax Jacobian",
    signature="softmax_jacobian(z)",
    outputs=("∂σ/∂z",),
    cases=_jacobian_cases,
    diagnoses=(_jacobian_mistakes,),
)
def softmax_jacobian(z):
    s = np.exp(z - z.max())
    s = s / s.sum()
    return np.diag(s) - np.outer(s, s)


# --- softmax + cross-entropy ----------------------------------------------------------


def _ce_cases(rng):
    cases = []
    for n, c in [(1, 3), (4, 3), (6, 5)]:
        cases.append((rng.normal(size=(n, c)) * 2, rng.integers(0, c, size=n)))
    return cases


def _ce_mistakes(got, expected, args, i):
    logits, labels = args
    n, c = logits.shape
    p, y = softmax(logits), np.eye(c)[labels]
    if matches(got, p / n) or matches(got, p):
        return "the −y term is missing: ∂L/∂z = (p − y)/N, where y is the one-hot label"
    if matches(got, (logits - y) / n):
        return "apply softmax to the logits first: p = softmax(z), then (p − y)/N"
    if matches(got, (p - y) * p * (1 - p) / n):
        return "no extra σ′ factor: with cross-entropy, the softmax derivative cancels to p − y"
    return None


@exercise(
    id="activations.softmax_cross_entropy_gradient",
    chapter=CHAPTER,
    title="Gradient of softmax cross-entropy",
    signature="ce_grad(logits, labels)",
    outputs=("∂L/∂z",),
    cases=_ce_cases,
    diagnoses=(_ce_mistakes,),
)
def ce_grad(logits, labels):
    n, c = logits.shape
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return (p - np.eye(c)[labels]) / n
