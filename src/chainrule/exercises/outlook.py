"""Exercises of chapter 8, Outlook."""

import numpy as np

from ..rules import stable_sigmoid
from .core import exercise, matches

CHAPTER = "outlook"


# --- 8.1 Adam -----------------------------------------------------------------------------------


def _adam_cases(rng):
    cases = []
    for s, t in [((3,), 1), ((2, 2), 5), ((4,), 100)]:
        m, v = rng.normal(size=s) * 0.1, rng.uniform(0.01, 0.1, size=s)
        cases.append((rng.normal(size=s), rng.normal(size=s), m, v, t, 0.01))
    return cases


def _adam(w, g, m, v, t, lr, correct=True, sqrt=True, eps_inside=False, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = (m / (1 - beta1**t), v / (1 - beta2**t)) if correct else (m, v)
    denom = np.sqrt(v_hat + eps) if eps_inside else (np.sqrt(v_hat) if sqrt else v_hat) + eps
    return w - lr * m_hat / denom, m, v


def _adam_mistakes(got, expected, args, i):
    if i == 0 and matches(got, _adam(*args, correct=False)[0]):
        return "the bias correction is missing: divide m by (1 − β₁ᵗ) and v by (1 − β₂ᵗ)"
    if i == 0 and matches(got, _adam(*args, sqrt=False)[0]):
        return "divide by the square root of v̂ (a root-mean-square), not by v̂"
    if i == 2 and matches(got, 0.999 * args[3] + 0.001 * args[1]):
        return "v averages the squared gradients g², not g"
    return None


@exercise(
    id="outlook.adam_step",
    chapter=CHAPTER,
    title="One step of Adam",
    signature="adam_step(w, g, m, v, t, lr)",
    outputs=("new w", "new m", "new v"),
    cases=_adam_cases,
    diagnoses=(_adam_mistakes,),
)
def adam_step(w, g, m, v, t, lr):
    return _adam(w, g, m, v, t, lr)


# --- 8.2 saliency: the gradient of a class score with respect to the input ------------------------


def _saliency_cases(rng):
    cases = []
    for n, h, c in [(4, 3, 2), (6, 5, 3), (3, 7, 4)]:
        x, W1, b1, W2 = rng.normal(size=n), rng.normal(size=(n, h)), rng.normal(size=h), rng.normal(size=(h, c))
        cases.append((x, W1, b1, W2, int(rng.integers(c))))
    return cases


def _saliency_mistakes(got, expected, args, i):
    x, W1, b1, W2, k = args
    H = stable_sigmoid(x @ W1 + b1)
    if matches(got, W1 @ W2[:, k]):
        return "σ′ of the hidden layer is missing: ∂z_k/∂x = W1 (σ′(z1) ⊙ W2[:, k])"
    if matches(got, W1 @ (H * W2[:, k])):
        return "σ used where σ′ = σ(1 − σ) belongs"
    return None


@exercise(
    id="outlook.saliency",
    chapter=CHAPTER,
    title="Saliency: ∂(class score)/∂(input)",
    signature="input_gradient(x, W1, b1, W2, k)",
    outputs=("∂z_k/∂x",),
    cases=_saliency_cases,
    diagnoses=(_saliency_mistakes,),
)
def input_gradient(x, W1, b1, W2, k):
    H = 1 / (1 + np.exp(-(x @ W1 + b1)))
    return W1 @ (H * (1 - H) * W2[:, k])

