"""Exercises of chapter 6, The TensorFlow example.

Feedback policy: a diagnosis says what is wrong and where to look (a section of chapter 5 or
6); a formula appears only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from ..engine.rules import stable_sigmoid
from .core import exercise, matches, say, softmax

CHAPTER = "tensorflow"
DOUBLE = "chapter 6, “Problem 2: sigmoid, then softmax”"
SIGMOID = "chapter 5, “The sigmoid”"
CE = "chapter 5, “Softmax with cross-entropy”"



# --- 6.1 the double activation of the source's TensorFlow code -----------------------------------


def _floor_mistakes(got, expected, args, i):
    (n_classes,) = args
    if got.shape != ():
        return None
    if matches(got, np.log(n_classes)):
        return say(
            "that is the loss of uniform guessing (all outputs equal); at the floor the sigmoid outputs sit "
            f"at their extremes ({DOUBLE})",
            "the true class's output tends to 1, each other class's to 0",
        )
    if n_classes > 2 and matches(got, np.log(1 + np.exp(-1))):
        return say(
            f"that is the two-class value; your answer should depend on the number of classes ({DOUBLE})",
            "there are C − 1 competing classes, each contributing e^0 to the softmax's denominator",
        )
    if matches(got, np.log(1 + (n_classes - 1) * np.e)):
        return say(
            f"that is the largest loss such outputs allow, not the smallest: the true class's output and the "
            f"others' are at the wrong extremes ({DOUBLE})",
            "best case: the true class's sigmoid output at 1, the others at 0",
        )
    if matches(got, np.log(1 + n_classes / np.e)):
        return say(
            f"the count of competing classes is off by one: the true class is not one of its own competitors ({DOUBLE})",
        )
    if matches(got, np.e / (np.e + n_classes - 1)):
        return say(
            f"that is the largest probability the true class can get, not the loss; the loss is its negative log ({CE})",
        )
    return None


@exercise(
    id="tensorflow.double_activation_floor",
    chapter=CHAPTER,
    title="The loss floor of sigmoid outputs fed to softmax",
    signature="loss_floor(n_classes)",
    outputs=("smallest cross-entropy",),
    cases=lambda rng: [(2,), (3,), (10,)],
    diagnoses=(_floor_mistakes,),
    section=DOUBLE,
)
def loss_floor(n_classes):
    # logits squashed into (0, 1): at best e^1 for the true class against e^0 for the C − 1 others
    return np.log(1 + (n_classes - 1) / np.e)


# --- 6.2 the gradient through the double activation ----------------------------------------------


def _grad_cases(rng):
    cases = []
    for n, c, scale in [(3, 2, 1.0), (4, 3, 3.0), (5, 10, 6.0)]:
        Z = rng.normal(size=(n, c)) * scale
        Y = np.eye(c)[rng.integers(c, size=n)]
        cases.append((Z, Y))
    return cases


def _double_grad(Z, Y, sigma_prime=True, probs="softmax_of_sigmoid", factor="sigmoid_prime", diagonal_only=False):
    S = stable_sigmoid(Z)
    P = softmax(S) if probs == "softmax_of_sigmoid" else softmax(Z)
    upstream = -Y * (1 - P) if diagonal_only else P - Y
    slope = {"sigmoid_prime": S * (1 - S), "sigmoid": S, "none": 1.0}[factor if sigma_prime else "none"]
    return upstream * slope / len(Z)


def _grad_mistakes(got, expected, args, i):
    Z, Y = args
    if matches(got, _double_grad(Z, Y, sigma_prime=False)):
        return say(
            f"the chain rule stops at the softmax's input σ(z): the derivative of the sigmoid in front of it is "
            f"missing ({DOUBLE}; {SIGMOID})",
            "∂L/∂z = ∂L/∂s ⊙ σ′(z), with s = σ(z) the softmax's input",
        )
    if matches(got, _double_grad(Z, Y, factor="sigmoid")):
        return say(f"the sigmoid's value σ(z) is used where its derivative belongs ({SIGMOID})", "σ′(z) = σ(z)(1 − σ(z))")
    if matches(got, _double_grad(Z, Y, probs="softmax_of_z")):
        return say(
            f"the probabilities are the softmax of z, but this network's softmax is applied to σ(z), "
            f"the squashed outputs ({DOUBLE})",
            "p = softmax(σ(z))",
        )
    if matches(got, _double_grad(Z, Y, diagonal_only=True)):
        return say(
            f"only the diagonal of the softmax Jacobian is used: each probability depends on every input of the "
            f"softmax, so the classes that are not the label get a gradient too ({CE})",
            "with cross-entropy, ∂L/∂s = p − y for one example",
        )
    return None


@exercise(
    id="tensorflow.double_activation_grad",
    chapter=CHAPTER,
    title="The gradient through the double activation",
    signature="double_activation_grad(Z, Y)",
    outputs=("∂L/∂Z",),
    cases=_grad_cases,
    diagnoses=(_grad_mistakes,),
    batch="Z",
    section=DOUBLE,
)
def double_activation_grad(Z, Y):
    S = 1 / (1 + np.exp(-Z))  # the "logits" the source passes to the loss
    P = softmax(S)
    return (P - Y) * S * (1 - S) / len(Z)  # mean over the batch
