"""Exercises of chapter 1, Neurons, weights and losses (row-batch form: X is (N, n)).

Feedback policy (see core.py): a diagnosis says what is wrong and where to look in
chapter 1; the formula itself is only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from ..engine.rules import stable_sigmoid
from .core import exercise, matches, say, softmax

CHAPTER = "neurons"
NEURON = "chapter 1, “A neuron”"
LAYERS = "chapter 1, “Layers: many neurons at once”"
LOSSES = "chapter 1, “Losses”"
DERIVE = "chapter 2, “Sum, product and chain rules” (the chain rule)"



# --- one neuron ------------------------------------------------------------------------


def _neuron_cases(rng):
    return [(rng.normal(size=n), rng.normal(size=n), float(rng.normal())) for n in (1, 3, 8)]


def _neuron_mistakes(got, expected, args, i):
    x, w, b = args
    if matches(got, np.asarray(w @ x + b)):
        return say(
            f"that is the weighted sum z, before the activation; see {NEURON}",
            "the neuron's output is the activation applied to z = w·x + b",
        )
    if matches(got, np.asarray(stable_sigmoid(w @ x))):
        return say(f"the bias b is missing from the weighted sum; see {NEURON}", "z = w·x + b")
    if matches(got, np.asarray(np.tanh(w @ x + b))):
        return say(f"that is tanh(z); this neuron uses the sigmoid; see {NEURON}", "σ(z) = 1/(1 + e^(−z)) maps into (0, 1)")
    return None


@exercise(
    id="neurons.neuron_output",
    chapter=CHAPTER,
    title="One sigmoid neuron",
    signature="neuron(x, w, b)",
    outputs=("σ(w·x + b)",),
    cases=_neuron_cases,
    diagnoses=(_neuron_mistakes,),
    section=NEURON,
)
def neuron(x, w, b):
    return 1 / (1 + np.exp(-(w @ x + b)))


# --- the forward pass ------------------------------------------------------------------


def _forward_cases(rng):
    cases = []
    for n_batch, n, h, C in [(1, 4, 3, 2), (5, 6, 4, 3), (3, 2, 5, 4)]:
        cases.append(
            (
                rng.normal(size=(n_batch, n)),
                rng.normal(size=(n, h)),
                rng.normal(size=h),
                rng.normal(size=(h, C)),
                rng.normal(size=C),
            )
        )
    return cases


def _forward_mistakes(got, expected, args, i):
    X, W1, b1, W2, b2 = args
    hidden = stable_sigmoid(X @ W1 + b1)
    logits = hidden @ W2 + b2
    if matches(got, logits):
        return say(
            f"those are the logits; the output layer turns them into probabilities; see {LAYERS}",
            "apply softmax to each row of the logits",
        )
    if matches(got, stable_sigmoid(logits)):
        return say(
            f"sigmoid on the output layer (the source article's code does this); the output layer is softmax; see {LAYERS}",
            "softmax couples the C outputs of a row so that they sum to 1",
        )
    if matches(got, softmax(logits, axis=0)):
        return say(
            f"softmax over the wrong axis: each row (one example) must sum to 1; see {LAYERS}",
            "normalise over the classes, axis=1, not over the batch",
        )
    if matches(got, softmax((X @ W1 + b1) @ W2 + b2, axis=1)):
        return say(f"the hidden layer's sigmoid is missing; see {LAYERS}", "A1 = σ(X W1 + b1)")
    return None


@exercise(
    id="neurons.forward_pass",
    chapter=CHAPTER,
    title="Forward pass of the source's MLP",
    signature="forward(X, W1, b1, W2, b2)",
    outputs=("probabilities (N, C)",),
    cases=_forward_cases,
    diagnoses=(_forward_mistakes,),
    batch="X",
    section=LAYERS,
)
def forward(X, W1, b1, W2, b2):
    A1 = 1 / (1 + np.exp(-(X @ W1 + b1)))
    logits = A1 @ W2 + b2
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# --- cross-entropy -----------------------------------------------------------------------


def _ce_cases(rng):
    cases = []
    for N, C in [(1, 3), (4, 3), (6, 10)]:
        cases.append((softmax(rng.normal(size=(N, C)) * 2, axis=1), rng.integers(0, C, size=N)))
    return cases


def _ce_mistakes(got, expected, args, i):
    P, labels = args
    picked = P[np.arange(len(labels)), labels]
    if matches(got, np.asarray(-np.log(P).mean())) or matches(got, np.asarray(-np.log(P).sum() / len(labels))):
        return say(
            f"that averages −log p over every class; only the true class's probability counts; see {LOSSES}",
            "pick p[k, y_k] for each example k before taking the logarithm",
        )
    if matches(got, np.asarray((1 - picked).mean())):
        return say(
            f"take the logarithm of the true class's probability; see {LOSSES}", "the loss is −log p[k, y_k], not 1 − p[k, y_k]"
        )
    if len(labels) > 1 and matches(got, np.asarray(-np.log(picked).sum())):
        return say(f"that is the sum over the batch; the loss is the mean; see {LOSSES}", f"divide by N = {len(labels)}")
    if matches(got, np.asarray(np.log(picked).mean())):
        return say(f"the minus sign is missing: a loss is ≥ 0; see {LOSSES}", "log p ≤ 0, so −log p ≥ 0")
    return None


@exercise(
    id="neurons.cross_entropy",
    chapter=CHAPTER,
    title="Cross-entropy of a batch",
    signature="cross_entropy(P, labels)",
    outputs=("mean cross-entropy",),
    cases=_ce_cases,
    diagnoses=(_ce_mistakes,),
    batch="P",
    section=LOSSES,
)
def cross_entropy(P, labels):
    return -np.mean(np.log(P[np.arange(len(labels)), labels]))


# --- derivation: the gradient of one sigmoid neuron's mean squared error ---------------------


def _mse_grad_cases(rng):
    cases = []
    for N, n in [(1, 3), (4, 2), (6, 5), (3, 1)]:
        X = rng.normal(size=(N, n))
        cases.append((X, rng.uniform(0, 1, size=N), rng.normal(size=n), float(rng.normal())))
    return cases


def _mse_grads(X, y, w, b, outer=2.0, slope=True, mean=True, bias=True, per_example=False):
    """The reference and its typical mistakes, recomputed."""
    a = stable_sigmoid(X @ w + (b if bias else 0.0))
    dz = outer * (a - y) * (a * (1 - a) if slope else 1.0) / (len(y) if mean else 1)
    if per_example:
        return X * dz[:, None], dz
    return X.T @ dz, dz.sum()


def _mse_grad_mistakes(got, expected, args, i):
    X, y, w, b = args
    N = len(y)
    if matches(got, _mse_grads(X, y, w, b, slope=False)[i]):
        return say(
            f"the sigmoid's derivative is missing: z reaches the loss through σ; see {DERIVE}",
            "each example's term carries the factor σ′(z_k) = a_k(1 − a_k)",
        )
    if matches(got, _mse_grads(X, y, w, b, per_example=True)[i]) or (
        N > 1 and matches(got, _mse_grads(X, y, w, b, per_example=True, mean=False)[i])
    ):
        return say(
            f"one entry per example: w and b are shared by all N examples, so their contributions add up; see {DERIVE}",
            "sum the per-example gradients over the batch (they already carry the 1/N of the mean)",
        )
    if N > 1 and matches(got, _mse_grads(X, y, w, b, mean=False)[i]):
        return say(
            f"that is N = {N} times too large: the loss is the mean over the batch, not the sum; see {LOSSES}",
            "keep the 1/N of the mean in front of the sum",
        )
    if matches(got, _mse_grads(X, y, w, b, outer=1.0)[i]):
        return say(
            f"half the reference: the derivative of the square is missing its factor; see {DERIVE} (power rule)",
            "d(u²)/du = 2u",
        )
    if matches(got, _mse_grads(X, y, w, b, bias=False)[i]):
        return say(f"your forward pass leaves out the bias b; see {NEURON}", "a_k = σ(w·x_k + b)")
    return None


@exercise(
    id="neurons.neuron_mse_gradient",
    chapter=CHAPTER,
    title="Gradient of one sigmoid neuron's mean squared error (derivation)",
    signature="neuron_mse_grads(X, y, w, b)",
    outputs=("∂L/∂w", "∂L/∂b"),
    cases=_mse_grad_cases,
    diagnoses=(_mse_grad_mistakes,),
    batch="X",
    section=DERIVE,
)
def neuron_mse_grads(X, y, w, b):
    a = 1 / (1 + np.exp(-(X @ w + b)))
    dL_dz = 2 * (a - y) * a * (1 - a) / len(y)
    return X.T @ dL_dz, dL_dz.sum()
