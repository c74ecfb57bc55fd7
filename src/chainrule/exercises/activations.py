"""Exercises of chapter 5, Derivatives of activations and losses.

Feedback policy: a diagnosis says what is wrong and where to look (a section of chapter 5);
a formula appears only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from ..engine.rules import stable_sigmoid
from .core import exercise, matches, say, softmax

CHAPTER = "activations"
SIGMOID = "chapter 5, “The sigmoid”"
TANH = "chapter 5, “tanh”"
RELU = "chapter 5, “ReLU and leaky ReLU”"
JACOBIAN = "chapter 5, “Softmax: a Jacobian, not a list of derivatives”"
CE = "chapter 5, “Softmax with cross-entropy”"
BCE = "chapter 5, “Sigmoid with binary cross-entropy”"
TEMPERATURE = "chapter 5, “Temperature: the Jacobian fades at both ends”"



def _z_cases(rng):
    return [(rng.uniform(-6, 6, size=s),) for s in [(1,), (5,), (3, 4)]]


# --- sigmoid ---------------------------------------------------------------------------


def _sigmoid_mistakes(got, expected, args, i):
    (z,) = args
    s = stable_sigmoid(z)
    if matches(got, s):
        return say(f"that is σ(z) itself, not its derivative; see {SIGMOID}")
    if matches(got, z * (1 - z)):
        return say(f"the derivative written with the output must be given σ(z), not z; see {SIGMOID}")
    if matches(got, 1 - s):
        return say(f"that is 1 − σ(z): a factor is missing; see {SIGMOID}", "σ′ = σ(1 − σ)")
    return None


@exercise(
    id="activations.sigmoid_derivative",
    section=SIGMOID,
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
        return say(f"the derivative of tanh written with its output has that output squared; see {TANH}")
    if matches(got, 1 - z**2):
        return say(f"the derivative written with the output must be given tanh(z), not z; see {TANH}")
    if matches(got, t):
        return say(f"that is tanh(z) itself, not its derivative; see {TANH}")
    return None


@exercise(
    id="activations.tanh_derivative",
    section=TANH,
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
    if not np.any(z != 0):
        return None  # all zeros: the variants below cannot be told apart here
    if matches(got, (z >= 0).astype(float)):
        return say(f"right except at z = 0, where ReLU is not differentiable: the exercise fixes the "
                    f"subgradient 0 there (TensorFlow's choice); see {RELU}")
    if matches(got, np.maximum(z, 0)):
        return say(f"that is ReLU itself, max(0, z), not its derivative; see {RELU}")
    if matches(got, (z < 0).astype(float)) or matches(got, (z <= 0).astype(float)):
        return say(f"the two slopes are swapped: check which side of 0 has slope 1; see {RELU}")
    return None


@exercise(
    id="activations.relu_subgradient",
    section=RELU,
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
    return [(rng.normal(size=C) * 2,) for C in (2, 3, 5)]


def _jacobian_mistakes(got, expected, args, i):
    (z,) = args
    p = softmax(z)
    if matches(got, np.diag(p - p**2)):
        return say(f"only the diagonal (the source article's formula): every pᵢ depends on every zⱼ, so the "
                    f"off-diagonal entries are not zero; see {JACOBIAN}")
    if matches(got, p - p**2):
        return say(f"that is the diagonal as a vector; the Jacobian is a C×C matrix; see {JACOBIAN}")
    if matches(got, np.diag(p) + np.outer(p, p)):
        return say(f"the off-diagonal entries have the wrong sign: raising zⱼ lowers the other "
                    f"probabilities; see {JACOBIAN}")
    return None


@exercise(
    id="activations.softmax_jacobian",
    section=JACOBIAN,
    chapter=CHAPTER,
    title="The full softmax Jacobian",
    signature="softmax_jacobian(z)",
    outputs=("∂p/∂z",),
    cases=_jacobian_cases,
    diagnoses=(_jacobian_mistakes,),
)
def softmax_jacobian(z):
    p = np.exp(z - z.max())
    p = p / p.sum()
    return np.diag(p) - np.outer(p, p)


# --- softmax + cross-entropy ----------------------------------------------------------


def _ce_cases(rng):
    cases = []
    for N, C in [(1, 3), (4, 3), (6, 5)]:
        cases.append((rng.normal(size=(N, C)) * 2, rng.integers(0, C, size=N)))
    return cases


def _ce_mistakes(got, expected, args, i):
    logits, labels = args
    N, C = logits.shape
    p, y = softmax(logits), np.eye(C)[labels]
    if N > 1 and matches(got, expected * N):
        return say(f"N times the reference, the batch size: the loss is the mean over the batch; see {CE}")
    if matches(got, p / N) or (N > 1 and matches(got, p)):
        return say(f"the labels play no part in your answer; see {CE}", "one example: p − y with y one-hot")
    if matches(got, (logits - y) / N):
        return say(f"the logits were used where the probabilities belong; see {CE}")
    if matches(got, (p - y) * p * (1 - p) / N):
        return say(f"an extra factor p ⊙ (1 − p): with cross-entropy the softmax Jacobian cancels; see {CE}")
    return None


@exercise(
    id="activations.softmax_cross_entropy_gradient",
    section=CE,
    batch="logits",
    chapter=CHAPTER,
    title="Gradient of softmax cross-entropy",
    signature="ce_grad(logits, labels)",
    outputs=("∂L/∂z",),
    cases=_ce_cases,
    diagnoses=(_ce_mistakes,),
)
def ce_grad(logits, labels):
    N, C = logits.shape
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return (p - np.eye(C)[labels]) / N


# --- class-weighted binary cross-entropy (a derivation) ----------------------------------------


def _weighted_bce_cases(rng):
    cases = []
    for N, w, soft in [(2, 3.0, False), (5, 0.5, False), (8, 2.0, True), (4, 1.0, False)]:
        z = rng.normal(size=N) * 3
        y = rng.uniform(0, 1, size=N) if soft else rng.integers(0, 2, size=N).astype(float)
        if N == 2:
            y = np.array([1.0, 0.0])  # one positive, one negative example
        cases.append((z, y, w))  # soft targets in [0, 1] in one case: the result holds there too
    return cases


def _weighted_bce_mistakes(got, expected, args, i):
    z, y, w = args
    N = len(z)
    s = stable_sigmoid(z)
    if w != 1 and matches(got, (s - y) / N):
        return say(f"your answer does not depend on the weight w: that is the unweighted gradient; see {BCE}")
    if w != 1 and matches(got, w * (s - y) / N):
        return say(f"the weight multiplies the whole gradient, but w weighs only the y·log σ(z) term; see {BCE}",
                    "differentiate the two terms of the loss separately")
    if w != 1 and matches(got, (s * (1 - y) * w - y * (1 - s)) / N):
        return say("the weight is on the wrong term: w multiplies the positive-class term y·log σ(z)")
    if matches(got, expected * N):
        return say(f"N times the reference: the loss is the mean over the batch; see {BCE}")
    with np.errstate(divide="ignore", invalid="ignore"):
        wrt_a = (-w * y / s + (1 - y) / (1 - s)) / N
    if np.all(np.isfinite(wrt_a)) and matches(got, wrt_a):
        return say(f"that is ∂L/∂σ(z), the gradient with respect to the output; the exercise asks for the "
                    f"logits z, one more chain-rule step; see {BCE}")
    return None


@exercise(
    id="activations.weighted_bce_gradient",
    section=BCE,
    batch="z",
    chapter=CHAPTER,
    title="Class-weighted binary cross-entropy: ∂L/∂z (derivation)",
    signature="weighted_bce_grad(z, y, w)",
    outputs=("∂L/∂z",),
    cases=_weighted_bce_cases,
    diagnoses=(_weighted_bce_mistakes,),
)
def weighted_bce_grad(z, y, w):
    s = stable_sigmoid(z)
    return (s * (w * y + 1 - y) - w * y) / len(z)


# --- the derivative of softmax with respect to its temperature (a derivation) ------------------


def _dT_cases(rng):
    return [(rng.normal(size=C) * 2, T) for C, T in [(2, 0.5), (3, 2.0), (5, 4.0), (4, 1.0)]]


def _dT_mistakes(got, expected, args, i):
    z, T = args
    p = softmax(z / T)
    if T != 1 and matches(got, expected * T):
        return say(f"a power of T is off: the inner derivative of z/T with respect to T is not −z/T; "
                    f"see {TEMPERATURE}")
    if T != 1 and matches(got, expected / T):
        return say(f"a power of T is off: you divided by T once too often; see {TEMPERATURE}")
    if matches(got, -p * z / T**2):
        return say(f"the normaliser's share is missing: every pᵢ depends on every logit through the sum, so "
                    f"the full Jacobian is needed; see {JACOBIAN}")
    if matches(got, -p * (z - z.mean()) / T**2):
        return say("the average of z you subtract must be weighted by the probabilities p, not a plain mean")
    if matches(got, -(p - p**2) * z / T**2):
        return say(f"only the diagonal of the softmax Jacobian was used; see {JACOBIAN}")
    return None


@exercise(
    id="activations.softmax_temperature_derivative",
    section=TEMPERATURE,
    chapter=CHAPTER,
    title="∂p/∂T: softmax's derivative with respect to the temperature (derivation)",
    signature="softmax_dT(z, T)",
    outputs=("∂p/∂T",),
    cases=_dT_cases,
    diagnoses=(_dT_mistakes,),
)
def softmax_dT(z, T):
    p = softmax(z / T)
    return -p * (z - p @ z) / T**2
