"""Exercises of chapter 1, Neurons, weights and losses (row-batch form: X is (N, n))."""

import numpy as np

from ..rules import stable_sigmoid
from .core import exercise, matches, softmax

CHAPTER = "neurons"



# --- one neuron ------------------------------------------------------------------------


def _neuron_cases(rng):
    return [(rng.normal(size=n), rng.normal(size=n), float(rng.normal())) for n in (1, 3, 8)]


def _neuron_mistakes(got, expected, args, i):
    x, w, b = args
    if matches(got, np.asarray(w @ x + b)):
        return "that is the weighted sum z = w·x + b; apply σ to it: the output is σ(z)"
    if matches(got, np.asarray(stable_sigmoid(w @ x))):
        return "the bias b is missing: z = w·x + b"
    if matches(got, np.asarray(np.tanh(w @ x + b))):
        return "that is tanh(z); this neuron uses the sigmoid σ(z) = 1/(1 + e^(−z))"
    return None


@exercise(
    id="neurons.neuron_output",
    chapter=CHAPTER,
    title="One sigmoid neuron",
    signature="neuron(x, w, b)",
    outputs=("σ(w·x + b)",),
    cases=_neuron_cases,
    diagnoses=(_neuron_mistakes,),
)
def neuron(x, w, b):
    return 1 / (1 + np.exp(-(w @ x + b)))


# --- the forward pass ------------------------------------------------------------------


def _forward_cases(rng):
    cases = []
    for n_batch, n, h, c in [(1, 4, 3, 2), (5, 6, 4, 3), (3, 2, 5, 4)]:
        cases.append(
            (
                rng.normal(size=(n_batch, n)),
                rng.normal(size=(n, h)),
                rng.normal(size=h),
                rng.normal(size=(h, c)),
                rng.normal(size=c),
            )
        )
    return cases


def _forward_mistakes(got, expected, args, i):
    X, W1, b1, W2, b2 = args
    hidden = stable_sigmoid(X @ W1 + b1)
    logits = hidden @ W2 + b2
    if matches(got, logits):
        return "those are the logits; the output layer applies softmax to turn them into probabilities"
    if matches(got, stable_sigmoid(logits)):
        return "sigmoid on the output layer (the source article's code does this); the output layer is softmax"
    if matches(got, softmax(logits, axis=0)):
        return "softmax over the wrong axis: each row (one example) must sum to 1, so use axis=1"
    if matches(got, softmax((X @ W1 + b1) @ W2 + b2, axis=1)):
        return "the hidden layer's sigmoid is missing: H = σ(X W1 + b1)"
    return None


@exercise(
    id="neurons.forward_pass",
    chapter=CHAPTER,
    title="Forward pass of the source's MLP",
    signature="forward(X, W1, b1, W2, b2)",
    outputs=("probabilities (N, c)",),
    cases=_forward_cases,
    diagnoses=(_forward_mistakes,),
)
def forward(X, W1, b1, W2, b2):
    H = 1 / (1 + np.exp(-(X @ W1 + b1)))
    logits = H @ W2 + b2
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# --- cross-entropy -----------------------------------------------------------------------


def _ce_cases(rng):
    cases = []
    for n, c in [(1, 3), (4, 3), (6, 10)]:
        cases.append((softmax(rng.normal(size=(n, c)) * 2, axis=1), rng.integers(0, c, size=n)))
    return cases


def _ce_mistakes(got, expected, args, i):
    P, labels = args
    picked = P[np.arange(len(labels)), labels]
    if matches(got, np.asarray(-np.log(P).mean())) or matches(got, np.asarray(-np.log(P).sum() / len(labels))):
        return "that averages −log p over every class; only the true class's probability p[n, yₙ] counts"
    if matches(got, np.asarray((1 - picked).mean())):
        return "take the logarithm: the loss is −log p[n, yₙ], not 1 − p[n, yₙ]"
    if len(labels) > 1 and matches(got, np.asarray(-np.log(picked).sum())):
        return f"that is the sum over the batch; the loss is the mean (divide by N = {len(labels)})"
    if matches(got, np.asarray(np.log(picked).mean())):
        return "the minus sign is missing: log p ≤ 0, and the loss −log p is ≥ 0"
    return None


@exercise(
    id="neurons.cross_entropy",
    chapter=CHAPTER,
    title="Cross-entropy of a batch",
    signature="cross_entropy(P, labels)",
    outputs=("mean cross-entropy",),
    cases=_ce_cases,
    diagnoses=(_ce_mistakes,),
)
def cross_entropy(P, labels):
    return -np.mean(np.log(P[np.arange(len(labels)), labels]))
