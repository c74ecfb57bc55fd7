"""Exercises of chapter 3, Gradient descent."""

import numpy as np

from .core import exercise, matches

CHAPTER = "gradient_descent"


# --- one step ----------------------------------------------------------------------------


def _step_cases(rng):
    return [(rng.normal(size=s), rng.normal(size=s), float(lr)) for s, lr in [((3,), 0.1), ((2, 4), 0.05), ((1,), 0.5)]]


def _step_mistakes(got, expected, args, i):
    w, grad, lr = args
    if matches(got, w + lr * grad):
        return "that steps *along* the gradient, uphill; gradient descent subtracts η·∂L/∂w"
    if matches(got, w - grad):
        return "the learning rate η is missing: w − η·∂L/∂w"
    if matches(got, -lr * grad):
        return "that is only the change −η·∂L/∂w; add it to w"
    return None


@exercise(
    id="gradient_descent.gd_step",
    chapter=CHAPTER,
    title="One gradient-descent step",
    signature="gd_step(w, grad, lr)",
    outputs=("new w",),
    cases=_step_cases,
    diagnoses=(_step_mistakes,),
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
        return "that uses the smallest eigenvalue; the steepest direction (λ_max) diverges first"
    if matches(got, np.asarray(1 / lam.max())):
        return "1/λ_max is the best step for the steepest direction; the stability limit is twice that"
    if matches(got, np.asarray(2 / np.abs(A).max())) or matches(got, np.asarray(2 / np.trace(A))):
        return "use the eigenvalues of A (np.linalg.eigvalsh), not its entries or its trace"
    return None


@exercise(
    id="gradient_descent.max_stable_lr",
    chapter=CHAPTER,
    title="The largest stable learning rate of a quadratic",
    signature="max_stable_lr(A)",
    outputs=("η_max",),
    cases=_lr_cases,
    diagnoses=(_lr_mistakes,),
)
def max_stable_lr(A):
    return 2.0 / np.linalg.eigvalsh(A).max()


# --- one epoch of mini-batch SGD on linear least squares ----------------------------------


def _epoch_cases(rng):
    cases = []
    for n, d, batch in [(10, 3, 4), (12, 2, 12), (7, 4, 1)]:
        cases.append((rng.normal(size=d), rng.normal(size=(n, d)), rng.normal(size=n), 0.05, batch))
    return cases


def _epoch_reference(w, X, y, lr, batch_size, mean=True, drop_last=False, sign=1.0):
    w = w.copy()
    for start in range(0, len(X), batch_size):
        Xb, yb = X[start : start + batch_size], y[start : start + batch_size]
        if drop_last and len(Xb) < batch_size:
            break
        grad = 2 * Xb.T @ (Xb @ w - yb) / (len(Xb) if mean else 1)
        w = w - sign * lr * grad
    return w


def _epoch_mistakes(got, expected, args, i):
    w, X, y, lr, batch = args
    if matches(got, _epoch_reference(w, X, y, lr, len(X))):
        return "that is one full-batch step; an epoch takes one step per mini-batch"
    if matches(got, _epoch_reference(w, X, y, lr, batch, drop_last=True)):
        return "the last, smaller batch was skipped; an epoch uses every example once"
    if matches(got, _epoch_reference(w, X, y, lr, batch, mean=False)):
        return "each batch's gradient should be the mean over the batch, not the sum"
    if matches(got, _epoch_reference(w, X, y, lr, batch, sign=-1.0)):
        return "the steps go uphill: subtract η·gradient"
    return None


@exercise(
    id="gradient_descent.minibatch_epoch",
    chapter=CHAPTER,
    title="One epoch of mini-batch SGD",
    signature="sgd_epoch(w, X, y, lr, batch_size)",
    outputs=("w after the epoch",),
    cases=_epoch_cases,
    diagnoses=(_epoch_mistakes,),
)
def sgd_epoch(w, X, y, lr, batch_size):
    for start in range(0, len(X), batch_size):
        Xb, yb = X[start : start + batch_size], y[start : start + batch_size]
        w = w - lr * 2 * Xb.T @ (Xb @ w - yb) / len(Xb)
    return w


# --- momentum ----------------------------------------------------------------------------


def _momentum_cases(rng):
    return [(rng.normal(size=s), rng.normal(size=s), rng.normal(size=s), 0.1, 0.9) for s in [(3,), (2, 2), (1,)]]


def _momentum_mistakes(got, expected, args, i):
    w, v, grad, lr, beta = args
    if i == 0 and matches(got, w - lr * v):
        return "w was moved with the old velocity; update v first, then w ← w − η·v_new"
    if i == 0 and matches(got, w - lr * grad):
        return "that is a plain gradient step; momentum steps along the velocity v ← βv + g"
    if i == 1 and matches(got, beta * v - lr * grad):
        return "that is the other convention (v ← βv − ηg); here v ← βv + ∂L/∂w and w ← w − η·v"
    if i == 1 and matches(got, v + grad):
        return "the velocity must decay: v ← β·v + ∂L/∂w"
    return None


@exercise(
    id="gradient_descent.momentum_step",
    chapter=CHAPTER,
    title="One step of momentum",
    signature="momentum_step(w, v, grad, lr, beta)",
    outputs=("new w", "new v"),
    cases=_momentum_cases,
    diagnoses=(_momentum_mistakes,),
)
def momentum_step(w, v, grad, lr, beta):
    v = beta * v + grad
    return w - lr * v, v
