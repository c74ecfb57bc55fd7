"""Exercises of chapter 7, Vanishing and exploding gradients."""

import numpy as np

from ..rules import stable_sigmoid
from .core import exercise, matches

# --- 7.1 He initialisation --------------------------------------------------------------------


def _he_cases(rng):
    return [(int(n),) for n in (1, 64, 300)]


def _he_mistakes(got, expected, args, i):
    (fan_in,) = args
    if matches(got, np.asarray(2.0 / fan_in)):
        return "that is the variance 2/fan_in; the standard deviation is its square root"
    if matches(got, np.asarray(np.sqrt(1.0 / fan_in))):
        return "√(1/fan_in) keeps the variance for linear units; ReLU zeroes half the inputs, so He uses √(2/fan_in)"
    if matches(got, np.asarray(np.sqrt(2.0 * fan_in))):
        return "divide by fan_in: the more inputs a unit sums, the smaller each weight must be"
    return None


@exercise(
    id="gradient_problems.he_std",
    chapter="gradient_problems",
    title="He initialisation's scale",
    signature="he_std(fan_in)",
    outputs=("standard deviation",),
    cases=_he_cases,
    diagnoses=(_he_mistakes,),
)
def he_std(fan_in):
    return np.sqrt(2.0 / fan_in)


# --- 7.2 clipping by norm ---------------------------------------------------------------------


def _clip_cases(rng):
    return [(rng.normal(size=s) * scale, m) for s, scale, m in [((5,), 3.0, 2.0), ((2, 3), 0.1, 1.0), ((4,), 10.0, 0.5)]]


def _clip_mistakes(got, expected, args, i):
    g, max_norm = args
    if matches(got, np.clip(g, -max_norm, max_norm)):
        return "that clips each entry (by value), which changes the direction; scale the whole vector by max_norm/‖g‖"
    if matches(got, g / np.linalg.norm(g) * max_norm):
        return "a gradient already shorter than max_norm must stay as it is; scale only when ‖g‖ > max_norm"
    if matches(got, g / np.linalg.norm(g)):
        return "that normalises to length 1; the target length is max_norm"
    return None


@exercise(
    id="gradient_problems.clip_by_norm",
    chapter="gradient_problems",
    title="Gradient clipping by norm",
    signature="clip_by_norm(g, max_norm)",
    outputs=("clipped gradient",),
    cases=_clip_cases,
    diagnoses=(_clip_mistakes,),
)
def clip_by_norm(g, max_norm):
    norm = np.linalg.norm(g)
    return g * (max_norm / norm) if norm > max_norm else g


# --- 7.3 the derivative through k sigmoid layers ------------------------------------------------


def _chain_cases(rng):
    return [(rng.uniform(-2, 2, size=s), k) for s, k in [((4,), 1), ((3,), 3), ((2, 2), 6)]]


def _sigmoid_stack(x, k):
    zs = []
    for _ in range(k):
        zs.append(x)
        x = stable_sigmoid(x)
    return zs


def _chain_mistakes(got, expected, args, i):
    x, k = args
    d0 = stable_sigmoid(x) * (1 - stable_sigmoid(x))
    if matches(got, d0**k):
        return "σ′ is evaluated at each layer's own input (σ(x), σ(σ(x)), …), not at x every time"
    if matches(got, np.asarray(0.25**k) * np.ones_like(x)):
        return "(1/4)^k is only the upper bound; evaluate σ′ at each layer's input"
    zs = _sigmoid_stack(x, k)
    s_last = stable_sigmoid(zs[-1])
    if matches(got, s_last * (1 - s_last)):
        return "that is the last layer's σ′ only; the chain rule multiplies the σ′ of every layer"
    return None


@exercise(
    id="gradient_problems.sigmoid_chain",
    chapter="gradient_problems",
    title="The derivative through k sigmoid layers",
    signature="sigmoid_chain_grad(x, k)",
    outputs=("d/dx σ(σ(…σ(x)))",),
    cases=_chain_cases,
    diagnoses=(_chain_mistakes,),
)
def sigmoid_chain_grad(x, k):
    grad = np.ones_like(x)
    for _ in range(k):
        s = 1 / (1 + np.exp(-x))
        grad = grad * s * (1 - s)  # chain rule: multiply by this layer's σ'
        x = s
    return grad

