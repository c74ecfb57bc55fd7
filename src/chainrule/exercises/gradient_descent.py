"""Exercises of chapter 3, Gradient descent.

Feedback policy (see core.py): a diagnosis says what is wrong and where to look in
chapter 3; the formula itself is only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from .core import exercise, matches, say

CHAPTER = "gradient_descent"
UPDATE = "chapter 3, “The update rule, and why it goes downhill”"
DIRECTIONS = "chapter 3, “Many directions: eigenvalues and the condition number”"
MINIBATCH = "chapter 3, “Full-batch and mini-batch descent on the digits”"
MOMENTUM = "chapter 3, “Outlook: momentum and Adam”"



# --- one step ----------------------------------------------------------------------------


def _step_cases(rng):
    return [(rng.normal(size=s), rng.normal(size=s), float(lr)) for s, lr in [((3,), 0.1), ((2, 4), 0.05), ((1,), 0.5)]]


def _step_mistakes(got, expected, args, i):
    w, grad, lr = args
    if matches(got, w + lr * grad):
        return say(f"that steps *along* the gradient, uphill; see {UPDATE}", "gradient descent subtracts η·∂L/∂w")
    if matches(got, w - grad):
        return say(f"the learning rate is not used; see {UPDATE}", "the step is η times the gradient")
    if matches(got, -lr * grad):
        return say(f"that is only the change of the weights; return the new weights; see {UPDATE}", "add the change to w")
    return None


@exercise(
    id="gradient_descent.gd_step",
    chapter=CHAPTER,
    title="One gradient-descent step",
    signature="gd_step(w, grad, lr)",
    outputs=("new w",),
    cases=_step_cases,
    diagnoses=(_step_mistakes,),
    section=UPDATE,
)
def gd_step(w, grad, lr):
    return w - lr * grad


# --- the largest stable learning rate -----------------------------------------------------


def _spd(rng, n):
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return Q @ np.diag(rng.uniform(0.5, 20.0, size=n)) @ Q.T


def _lr_cases(rng):
    return [(_spd(rng, n),) for n in (1, 2, 5)]


def _lr_mistakes(got, expected, args, i):
    (A,) = args
    lam = np.linalg.eigvalsh(A)
    if matches(got, np.asarray(2 / lam.min())):
        return say(
            f"that uses the flattest direction; the steepest direction diverges first; see {DIRECTIONS}",
            "the limit comes from the largest eigenvalue",
        )
    if matches(got, np.asarray(1 / lam.max())):
        return say(
            "that is the best step for the steepest direction (it lands on the minimum); "
            f"the stability limit is larger; see {DIRECTIONS}",
            "a direction with curvature λ still converges while |1 − ηλ| < 1",
        )
    if matches(got, np.asarray(2 / np.abs(A).max())) or matches(got, np.asarray(2 / np.trace(A))):
        return say(
            f"use the eigenvalues of A, not its entries or its trace; see {DIRECTIONS}",
            "np.linalg.eigvalsh gives the eigenvalues of a symmetric matrix",
        )
    return None


@exercise(
    id="gradient_descent.max_stable_lr",
    chapter=CHAPTER,
    title="The largest stable learning rate of a quadratic",
    signature="max_stable_lr(A)",
    outputs=("η_max",),
    cases=_lr_cases,
    diagnoses=(_lr_mistakes,),
    section=DIRECTIONS,
)
def max_stable_lr(A):
    return 2.0 / np.linalg.eigvalsh(A).max()


# --- one epoch of mini-batch SGD on linear least squares ----------------------------------


def _epoch_cases(rng):
    cases = []
    # (10, batch 4): the last batch is smaller; (12, batch 12): one full batch; (7, batch 1)
    for N, d, batch, lr in [(10, 3, 4, 0.05), (12, 2, 12, 0.1), (7, 4, 1, 0.02)]:
        cases.append((rng.normal(size=d), rng.normal(size=(N, d)), rng.normal(size=N), lr, batch))
    return cases


def _epoch_reference(w, X, y, lr, batch_size, mean=True, drop_last=False, sign=1.0, divide_by_batch_size=False):
    w = w.copy()
    for start in range(0, len(X), batch_size):
        Xb, yb = X[start : start + batch_size], y[start : start + batch_size]
        if drop_last and len(Xb) < batch_size:
            break
        size = batch_size if divide_by_batch_size else len(Xb)
        grad = 2 * Xb.T @ (Xb @ w - yb) / (size if mean else 1)
        w = w - sign * lr * grad
    return w


def _epoch_mistakes(got, expected, args, i):
    w, X, y, lr, batch = args
    if matches(got, _epoch_reference(w, X, y, lr, len(X))):
        return say(f"that is one full-batch step; an epoch takes one step per mini-batch; see {MINIBATCH}")
    if matches(got, _epoch_reference(w, X, y, lr, batch, drop_last=True)):
        return say(f"the last, smaller batch was skipped; an epoch uses every example once; see {MINIBATCH}")
    if matches(got, _epoch_reference(w, X, y, lr, batch, divide_by_batch_size=True)):
        return say(
            "the last batch is smaller than batch_size, and its mean must divide by its own size",
            "divide by len(Xb), the number of rows actually in the batch",
        )
    if matches(got, _epoch_reference(w, X, y, lr, batch, mean=False)):
        return say(f"each batch's gradient should be the mean over the batch, not the sum; see {MINIBATCH}")
    if matches(got, _epoch_reference(w, X, y, lr, batch, sign=-1.0)):
        return say(f"the steps go uphill; see {UPDATE}", "subtract η times the gradient")
    return None


@exercise(
    id="gradient_descent.minibatch_epoch",
    chapter=CHAPTER,
    title="One epoch of mini-batch SGD",
    signature="sgd_epoch(w, X, y, lr, batch_size)",
    outputs=("w after the epoch",),
    cases=_epoch_cases,
    diagnoses=(_epoch_mistakes,),
    section=MINIBATCH,
)
def sgd_epoch(w, X, y, lr, batch_size):
    for start in range(0, len(X), batch_size):
        Xb, yb = X[start : start + batch_size], y[start : start + batch_size]
        w = w - lr * 2 * Xb.T @ (Xb @ w - yb) / len(Xb)
    return w


# --- momentum ----------------------------------------------------------------------------


def _momentum_cases(rng):
    return [
        (rng.normal(size=s), rng.normal(size=s), rng.normal(size=s), lr, beta)
        for s, lr, beta in [((3,), 0.1, 0.9), ((2, 2), 0.05, 0.5), ((1,), 0.3, 0.99), ((4,), 0.02, 0.7)]
    ]


def _momentum_mistakes(got, expected, args, i):
    w, v, grad, lr, beta = args
    if i == 0 and matches(got, w - lr * v):
        return say(
            f"w was moved with the old velocity; the velocity is updated first; see {MOMENTUM}",
            "compute v_new, then step w along v_new",
        )
    if i == 0 and matches(got, w - lr * grad):
        return say(f"that is a plain gradient step; momentum steps along the velocity; see {MOMENTUM}")
    if matches(got, (w + beta * v - lr * grad, beta * v - lr * grad)[i]):
        return say(
            f"that is the other convention, where the velocity already holds −η times the gradient; see {MOMENTUM}",
            "here v ← βv + ∂L/∂w and then w ← w − η·v",
        )
    if matches(got, (w - lr * (beta * v + (1 - beta) * grad), beta * v + (1 - beta) * grad)[i]):
        return say(
            f"that is the exponential moving average used by Adam; in this rule the gradient enters unscaled; see {MOMENTUM}",
            "v ← βv + ∂L/∂w, without a factor (1 − β)",
        )
    if matches(got, (w - lr * (v + grad), v + grad)[i]):
        return say(f"the velocity must decay: β is not used; see {MOMENTUM}")
    return None


@exercise(
    id="gradient_descent.momentum_step",
    chapter=CHAPTER,
    title="One step of momentum",
    signature="momentum_step(w, v, grad, lr, beta)",
    outputs=("new w", "new v"),
    cases=_momentum_cases,
    diagnoses=(_momentum_mistakes,),
    section=MOMENTUM,
)
def momentum_step(w, v, grad, lr, beta):
    v = beta * v + grad
    return w - lr * v, v


# --- derivation: a step with L2 weight decay ------------------------------------------------


def _decay_cases(rng):
    # ρ = 0 (alpha = 0) is plain gradient descent; w as a vector and as a matrix; a one-entry w
    return [
        (rng.normal(size=s), rng.normal(size=s), lr, alpha)
        for s, lr, alpha in [((3,), 0.1, 0.01), ((2, 3), 0.05, 0.5), ((1,), 0.3, 0.0), ((4,), 0.2, 2.0)]
    ]


def _decay_step(w, grad, lr, alpha, factor=1.0, sign=1.0, times_lr=True, after=False, norm=False):
    """The reference and its typical mistakes, recomputed."""
    if after:  # shrink w after the data step instead of using the gradient at the current w
        return (1 - lr * alpha) * (w - lr * grad)
    penalty = factor * alpha * (np.linalg.norm(w) if norm else w)
    return w - lr * grad - sign * (lr if times_lr else 1.0) * penalty


def _decay_mistakes(got, expected, args, i):
    w, grad, lr, alpha = args
    if alpha == 0:
        return None  # every variant is the plain step here
    if matches(got, _decay_step(w, grad, lr, alpha, factor=0.0)):
        return say(
            "the penalty has no effect: its gradient is missing from the step",
            "differentiate (ρ/2)‖w‖² entry by entry and add it to the data gradient",
        )
    if matches(got, _decay_step(w, grad, lr, alpha, factor=2.0)):
        return say(
            "the weight-decay term is twice too large: check the derivative of the penalty, ½ included",
            "∂/∂w_i of (ρ/2) Σ_j w_j² has no factor 2 left",
        )
    if matches(got, _decay_step(w, grad, lr, alpha, factor=0.5)):
        return say(
            "the weight-decay term is half what it should be: the power rule's factor 2 cancels the ½",
            "∂/∂w_i of w_i² is 2 w_i",
        )
    if matches(got, _decay_step(w, grad, lr, alpha, sign=-1.0)):
        return say(
            f"the decay term pushes the weights away from 0: it has the wrong sign; see {UPDATE}",
            "the step subtracts η times the gradient of the whole loss, penalty included",
        )
    if matches(got, _decay_step(w, grad, lr, alpha, times_lr=False)):
        return say(
            f"the penalty's gradient was not multiplied by the learning rate; see {UPDATE}",
            "the whole gradient, data term plus penalty term, is scaled by η",
        )
    if matches(got, _decay_step(w, grad, lr, alpha, after=True)):
        return say(
            "the weights were shrunk after the data step; the penalty's gradient is taken at the current w, in the same step",
            "one step: w − η(∇L(w) + penalty gradient at w)",
        )
    if matches(got, _decay_step(w, grad, lr, alpha, norm=True)):
        return say(
            "that uses the norm ‖w‖, one number, where each entry needs its own derivative",
            "the penalty's gradient is a vector of w's shape",
        )
    return None


@exercise(
    id="gradient_descent.weight_decay_step",
    chapter=CHAPTER,
    title="A gradient-descent step with L2 weight decay (derivation)",
    signature="weight_decay_step(w, grad, lr, alpha)",
    outputs=("new w",),
    cases=_decay_cases,
    diagnoses=(_decay_mistakes,),
    section=UPDATE,
)
def weight_decay_step(w, grad, lr, alpha):
    return w - lr * (grad + alpha * w)
