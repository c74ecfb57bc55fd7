"""Exercises of chapter 9, Outlook.

Feedback policy: a diagnosis says what is wrong and where to look (a section of chapter 9);
a formula appears only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from ..engine.rules import stable_sigmoid
from .core import exercise, matches, say

CHAPTER = "outlook"
ADAM = "chapter 9, “Adaptive learning rates: Adam”"
SALIENCY = "chapter 9, “Explaining a prediction with gradients: saliency”"
DROPOUT = "chapter 9, “A last backward pass: dropout”"



# --- 9.1 Adam -----------------------------------------------------------------------------------


def _adam_cases(rng):
    cases = []
    for s, t, lr in [((3,), 1, 0.01), ((2, 2), 5, 0.1), ((4,), 100, 0.003)]:
        m, v = rng.normal(size=s) * 0.1, rng.uniform(0.01, 0.1, size=s)
        cases.append((rng.normal(size=s), rng.normal(size=s), m, v, t, lr))
    # Tiny gradients and moments, where ε decides the step (the vanishing layers of chapter 7).
    g = np.array([3e-9, -1e-9, 2e-10]) * rng.uniform(0.5, 2, size=3)
    m, v = np.array([1e-9, 0.0, -1e-10]), np.array([1e-18, 1e-19, 1e-20])
    cases.append((rng.normal(size=3), g, m, v, 2, 0.05))
    # A weight with no gradient yet (g = m = v = 0) stays where it is.
    cases.append((rng.normal(size=(2, 2)), np.array([[0.0, 0.5], [-0.2, 0.0]]), np.zeros((2, 2)), np.zeros((2, 2)), 1, 0.02))
    return cases


def _adam(w, g, m, v, t, lr, correct=True, sqrt=True, eps_inside=False, eps=1e-8, beta1=0.9, beta2=0.999):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat, v_hat = (m / (1 - beta1**t), v / (1 - beta2**t)) if correct else (m, v)
        denom = np.sqrt(v_hat + eps) if eps_inside else (np.sqrt(v_hat) if sqrt else v_hat) + eps
        return w - lr * m_hat / denom, m, v, m_hat, v_hat


def _adam_mistakes(got, expected, args, i):
    w, g, m, v, t, lr = args
    ref = _adam(*args)
    if i in (1, 2) and matches(got, ref[i + 2]) and not matches(got, ref[i]):
        return say(
            f"you return the bias-corrected moment; the state carried to the next step is the running average "
            f"itself — the correction is applied afresh at every step, for computing the update only ({ADAM})",
            "return m and v, not m̂ and v̂",
        )
    if i == 2 and matches(got, 0.999 * v + 0.001 * g):
        return say(f"the second moment averages the squared gradients ({ADAM})", "v ← β₂ v + (1 − β₂) g²")
    if i != 0:
        return None
    if matches(got, _adam(*args, correct=False)[0]):
        return say(
            f"the bias correction is missing: the moments start at zero, and m̂, v̂ undo that ({ADAM})",
            "m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ)",
        )
    for wrong_t in (t - 1, t + 1):
        if wrong_t > 0 and matches(got, _adam(w, g, m, v, wrong_t, lr)[0]):
            return say(
                "the bias correction uses the wrong step number: t is the number of the step being taken, "
                f"1 for the first ({ADAM})"
            )
    if matches(got, _adam(*args, sqrt=False)[0]):
        return say(
            f"the step is divided by v̂ itself; it should be divided by a root-mean-square of the gradients ({ADAM})",
            "divide by √v̂ + ε",
        )
    if matches(got, _adam(*args, eps_inside=True)[0]):
        return say(
            f"ε is inside the square root; in Adam it is added to the root, which matters when gradients are tiny ({ADAM})",
            "√v̂ + ε, not √(v̂ + ε)",
        )
    for fixed_lr in (0.01, 0.001):
        if not np.isclose(lr, fixed_lr) and matches(got, _adam(w, g, m, v, t, fixed_lr)[0]):
            return say(f"the step does not use the learning rate `lr` passed in ({ADAM})")
    if matches(got, _adam(*args, eps=1e-7)[0]):
        return say(f"ε has the wrong value: this exercise uses 10⁻⁸, the paper's (Keras's default is 10⁻⁷) ({ADAM})")
    if matches(got, _adam(*args, eps=0.0)[0]):
        return say(f"ε is missing from the denominator: it decides the step when gradients are tiny ({ADAM})")
    return None


@exercise(
    id="outlook.adam_step",
    chapter=CHAPTER,
    title="One step of Adam",
    signature="adam_step(w, g, m, v, t, lr)",
    outputs=("new w", "new m", "new v"),
    cases=_adam_cases,
    diagnoses=(_adam_mistakes,),
    section=ADAM,
)
def adam_step(w, g, m, v, t, lr):
    return _adam(w, g, m, v, t, lr)[:3]


# --- 9.2 saliency: the gradient of a class score with respect to the input ------------------------


def _saliency_cases(rng):
    cases = []
    for n, h, n_classes, i in [(4, 3, 2, 1), (6, 5, 3, 0), (3, 7, 4, 2)]:
        x, W1, b1, W2 = rng.normal(size=n), rng.normal(size=(n, h)), rng.normal(size=h), rng.normal(size=(h, n_classes))
        cases.append((x, W1, b1, W2, i))
    return cases


def _saliency_mistakes(got, expected, args, _):
    x, W1, b1, W2, i = args
    a1 = stable_sigmoid(x @ W1 + b1)
    if matches(got, W1 @ W2[:, i]):
        return say(
            f"the derivative of the hidden layer's sigmoid is missing from the chain ({SALIENCY})",
            "∂z₂ᵢ/∂x = W1 (σ′(z₁) ⊙ W2[:, i]) in the code's row form",
        )
    if matches(got, W1 @ (a1 * W2[:, i])):
        return say(f"the sigmoid's value σ(z₁) is used where its derivative belongs ({SALIENCY})", "σ′ = σ(1 − σ)")
    s = stable_sigmoid(x @ W1)
    if matches(got, W1 @ (s * (1 - s) * W2[:, i])):
        return say(f"the hidden layer's pre-activation leaves out the bias b1 ({SALIENCY})")
    return None


@exercise(
    id="outlook.saliency",
    chapter=CHAPTER,
    title="Saliency: ∂(class score)/∂(input)",
    signature="input_gradient(x, W1, b1, W2, i)",
    outputs=("∂z₂ᵢ/∂x",),
    cases=_saliency_cases,
    diagnoses=(_saliency_mistakes,),
    section=SALIENCY,
)
def input_gradient(x, W1, b1, W2, i):
    a1 = 1 / (1 + np.exp(-(x @ W1 + b1)))
    return W1 @ (a1 * (1 - a1) * W2[:, i])


# --- 9.3 the backward pass of (inverted) dropout --------------------------------------------------


def _dropout_cases(rng):
    cases = []
    for shape, keep in [((3, 4), 0.5), ((2, 5), 0.8), ((4, 3), 0.9)]:
        mask = rng.random(shape) < keep
        mask.flat[0], mask.flat[1] = True, False  # at least one kept and one dropped unit
        cases.append((rng.normal(size=shape), mask, keep))
    return cases


def _dropout_mistakes(got, expected, args, _):
    G, mask, keep = args
    M = mask.astype(float)
    if matches(got, G * M):
        return say(
            f"the gradient is masked but not rescaled: the forward pass scales the kept units, and the backward "
            f"pass must scale their gradient the same way ({DROPOUT})",
            "∂a/∂x = mask / keep, entry by entry",
        )
    if matches(got, G * M * keep):
        return say(f"the kept units' gradient is multiplied by the keep probability where the forward pass divides ({DROPOUT})")
    if matches(got, G * M / (1 - keep)):
        return say(f"the rescaling uses the drop probability; the forward pass divides by the keep probability ({DROPOUT})")
    if matches(got, G / keep):
        return say(
            f"the dropped units get a gradient too: a unit the mask zeroed did not affect the loss in this step ({DROPOUT})"
        )
    if matches(got, G * (1 - M) / keep):
        return say(f"the mask is inverted: the kept units (mask True) are the ones that pass the gradient ({DROPOUT})")
    return None


@exercise(
    id="outlook.dropout_backward",
    chapter=CHAPTER,
    title="The backward pass of inverted dropout",
    signature="dropout_backward(G, mask, keep)",
    outputs=("∂L/∂X",),
    cases=_dropout_cases,
    diagnoses=(_dropout_mistakes,),
    section=DROPOUT,
)
def dropout_backward(G, mask, keep):
    return G * mask / keep
