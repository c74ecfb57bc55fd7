"""Exercises of chapter 7, Vanishing and exploding gradients.

Feedback policy: a diagnosis says what is wrong and where to look (a section of chapter 7);
anything closer to the formula is in its hint, shown only with ``check(..., hint=True)``.
"""

import numpy as np

from ..engine.rules import stable_sigmoid
from ..models import batchnorm
from .core import exercise, matches, say

# --- 7.1 He initialisation --------------------------------------------------------------------


def _he_cases(rng):
    return [(int(n),) for n in (1, 64, 300)]


def _he_mistakes(got, expected, args, i):
    (fan_in,) = args
    if fan_in > 1 and matches(got, np.asarray(2.0 / fan_in)):
        return say("that is the variance; the exercise asks for the standard deviation", "take the square root of the variance")
    if fan_in > 1 and matches(got, np.asarray(np.sqrt(1.0 / fan_in))):
        return say(
            "that scale keeps the variance of linear units; ReLU zeroes half its inputs "
            "(section 'Why Glorot and He: the variance argument')",
            "He doubles the variance of the linear case: Var(w) = 2/fan_in",
        )
    if fan_in > 1 and matches(got, np.asarray(np.sqrt(2.0 * fan_in))):
        return say(
            "your scale grows with fan_in; the more inputs a unit sums, the smaller each weight must be "
            "(section 'Why Glorot and He: the variance argument')",
            "fan_in belongs in the denominator",
        )
    return None


@exercise(
    id="gradient_problems.he_std",
    section="chapter 7, “Why Glorot and He: the variance argument”",
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


def _below_threshold_2d(rng, max_norm):
    """A 2-D gradient with max|g| ≤ max_norm < ‖g‖: clipping by value changes nothing, and
    per-row norms or the spectral norm give other answers than the (Frobenius) norm."""
    while True:
        g = rng.uniform(-1, 1, size=(3, 4))
        g *= 0.9 * max_norm / np.abs(g).max()
        rows = np.linalg.norm(g, axis=1)
        if np.linalg.norm(g) > 1.2 * max_norm and rows.min() < max_norm < rows.max():
            return g


def _clip_cases(rng):
    cases = [(rng.normal(size=s) * scale, m) for s, scale, m in [((5,), 3.0, 2.0), ((2, 3), 0.1, 0.8), ((4,), 10.0, 0.5)]]
    cases.append((_below_threshold_2d(rng, 1.5), 1.5))
    return cases


def _clip_mistakes(got, expected, args, i):
    g, max_norm = args
    norm = np.linalg.norm(g)
    by_value = np.clip(g, -max_norm, max_norm)
    if norm > max_norm and matches(got, g):
        return say(
            f"returned unchanged, but its norm {norm:.3g} exceeds max_norm = {max_norm:g} "
            "(the norm is over all entries; section 'Exploding gradients and clipping')",
            "the Euclidean norm of all entries together: np.linalg.norm(g) with no axis",
        )
    if not np.array_equal(by_value, g) and matches(got, by_value):
        return say(
            "that clips each entry (by value), which changes the gradient's direction; clipping by norm keeps it",
            "scale the whole array by one factor",
        )
    if norm <= max_norm and matches(got, g / norm * max_norm):
        return say(
            "a gradient already shorter than max_norm must stay as it is; rescale only long ones",
            "rescale only when ‖g‖ > max_norm",
        )
    if matches(got, g / norm):
        return say("that normalises to length 1; the target length is max_norm", "the clipped norm should equal max_norm")
    if g.ndim == 2:
        rows = np.linalg.norm(g, axis=1, keepdims=True)
        if matches(got, np.where(rows > max_norm, g * max_norm / rows, g)):
            return say(
                "that rescales each row by its own norm; the gradient's norm is taken over all its entries at once",
                "np.linalg.norm(g) without an axis is the Frobenius norm of a matrix",
            )
        spectral = np.linalg.norm(g, 2)
        if matches(got, g * max_norm / spectral if spectral > max_norm else g):
            return say(
                "np.linalg.norm(g, 2) of a matrix is its largest singular value (spectral norm), "
                "not the Euclidean norm of all entries",
                "leave out the 2: np.linalg.norm(g)",
            )
    return None


@exercise(
    id="gradient_problems.clip_by_norm",
    section="chapter 7, “Exploding gradients and clipping”",
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
    if k == 1:
        return None  # with one layer the variants below coincide with the answer
    d0 = stable_sigmoid(x) * (1 - stable_sigmoid(x))
    if matches(got, d0**k):
        return say(
            "σ′ is evaluated at x in every layer; each layer's σ′ belongs at that layer's own input "
            "(section 'Backprop multiplies Jacobians')",
            "layer 2's input is σ(x), layer 3's is σ(σ(x)), …",
        )
    if matches(got, np.asarray(0.25**k) * np.ones_like(x)):
        return say(
            "(1/4)^k is only the upper bound; evaluate σ′ at each layer's input", "σ′(z) = σ(z)(1 − σ(z)) at each layer's z"
        )
    zs = _sigmoid_stack(x, k)
    s_last = stable_sigmoid(zs[-1])
    if matches(got, s_last * (1 - s_last)):
        return say(
            "that is the last layer's σ′ only; the chain rule multiplies the σ′ of every layer",
            "keep a running product over the k layers",
        )
    return None


@exercise(
    id="gradient_problems.sigmoid_chain",
    section="chapter 7, “Backprop multiplies Jacobians”",
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


# --- 7.4 the gradient of the norm (derivation) ---------------------------------------------------


def _norm_cases(rng):
    cases = []
    for shape, length in [((3,), 4.0), ((2, 3), 0.2), ((4,), 2.5), ((3, 2), 12.0)]:
        g = rng.normal(size=shape)
        cases.append((g * (length / np.linalg.norm(g)),))
    return cases


def _norm_mistakes(got, expected, args, i):
    (g,) = args
    norm = np.linalg.norm(g)
    if got.shape != g.shape:
        if got.size == 1 and np.isclose(got.item(), norm):
            return say(
                "that is the norm itself; return its gradient, an array shaped like g", "one partial derivative per entry of g"
            )
        return None
    if matches(got, 2 * g):
        return say(
            "that is the gradient of the squared norm ‖g‖²; the norm is its square root "
            "(chain rule through the root; section 'Exploding gradients and clipping')",
            "‖g‖ = √(Σ g_i²): differentiate the outer square root too",
        )
    if matches(got, g / (2 * norm)):
        return say(
            "half the answer: one factor of the chain rule is missing (the derivative of each g_i²)",
            "d(g_i²)/dg_i = 2 g_i",
        )
    if matches(got, np.sign(g)):
        return say("that is the gradient of the L1 norm Σ|g_i|; clipping uses the Euclidean norm", "‖g‖ = √(Σ g_i²)")
    if g.ndim == 2 and matches(got, g / np.linalg.norm(g, axis=1, keepdims=True)):
        return say("you divided each row by its own norm; ‖g‖ is one number over all entries", "np.linalg.norm(g) with no axis")
    if g.ndim == 2 and matches(got, g / np.linalg.norm(g, axis=0, keepdims=True)):
        return say(
            "you divided each column by its own norm; ‖g‖ is one number over all entries", "np.linalg.norm(g) with no axis"
        )
    if matches(got, g / norm**2):
        return say("the power of ‖g‖ in the denominator is off", "the derivative of √s is 1/(2√s)")
    return None


@exercise(
    id="gradient_problems.norm_grad",
    section="chapter 7, “Exploding gradients and clipping”",
    chapter="gradient_problems",
    title="The gradient of the norm used in clipping",
    signature="norm_grad(g)",
    outputs=("∂‖g‖/∂g",),
    cases=_norm_cases,
    diagnoses=(_norm_mistakes,),
)
def norm_grad(g):
    return g / np.linalg.norm(g)


# --- 7.5 batch normalisation's backward pass (derivation) ----------------------------------------


def _bn_cases(rng):
    cases = []
    for (n, d), eps in [((4, 3), 1e-5), ((8, 2), 0.5), ((5, 4), 0.1)]:
        x = rng.normal(rng.uniform(-2, 2, size=d), rng.uniform(0.5, 2.0, size=d), size=(n, d))
        gamma = rng.uniform(0.5, 2.0, size=d) * rng.choice([-1.0, 1.0], size=d)
        dy = rng.normal(size=(n, d)) + rng.normal(size=d)  # a column sum far from 0
        cases.append((x, gamma, dy, eps))
    return cases


def _bn_parts(x, gamma, dy, eps, ddof=0):
    n = x.shape[0]
    std = np.sqrt(x.var(axis=0, ddof=ddof) + eps)
    x_hat = (x - x.mean(axis=0)) / std
    full = gamma / (n * std) * (n * dy - dy.sum(axis=0) - x_hat * (dy * x_hat).sum(axis=0))
    return n, std, x_hat, full


_SECTION = "section 'Batch normalisation's backward pass'"


def _bn_mistakes(got, expected, args, i):
    x, gamma, dy, eps = args
    n, std, x_hat, _ = _bn_parts(x, gamma, dy, eps)
    if i in (1, 2) and got.shape != expected.shape:
        column = (dy * x_hat) if i == 1 else dy
        if matches(got, column):
            return say(
                f"{'γ' if i == 1 else 'β'} is shared by all N examples: add up their contributions "
                f"(the multivariable chain rule; {_SECTION})",
                "sum over axis 0",
            )
        if got.shape == (1,) + expected.shape and matches(got[0], expected):
            return say("the right values with an extra axis: return shape (D,) (keepdims?)", "drop keepdims=True")
        return None
    if got.shape != expected.shape:
        return None
    if i == 0:
        _, _, _, no_eps = _bn_parts(x, gamma, dy, 0.0)
        _, _, _, unbiased = _bn_parts(x, gamma, dy, eps, ddof=1)
        variants = [
            (
                gamma * dy / std,
                "treats μ_B and s_B² as constants; they are computed from x too, so x reaches L along two more paths",
            ),
            (gamma / std * (dy - dy.mean(axis=0)), "the path through the batch variance s_B² is missing"),
            (gamma / std * (dy - x_hat * (dy * x_hat).mean(axis=0)), "the path through the batch mean μ_B is missing"),
            (_full_without_gamma(x, dy, eps), "the scale γ is missing: ∂L/∂x̂ passes through γ"),
            (no_eps, "ε is left out of the normalisation"),
            (unbiased, "the batch variance divides by N (as in the forward pass), not N − 1"),
        ]
        for candidate, message in variants:
            if matches(got, candidate):
                return say(f"{message} ({_SECTION})", "write ∂L/∂x̂ first, then ∂L/∂s_B², then ∂L/∂μ_B, and add the three paths")
        return None
    if i == 1:
        if matches(got, dy.sum(axis=0)):
            return say(
                f"that is ∂L/∂β's value: γ multiplies x̂, so each example's upstream gradient is weighted by its x̂ "
                f"(or are the outputs swapped? {_SECTION})",
                "Σ_k g_k ⊙ x̂_k",
            )
        if matches(got, (dy * x).sum(axis=0)):
            return say(f"that uses x where γ multiplies the normalised x̂ ({_SECTION})", "normalise x first")
        _, _, x_hat0, _ = _bn_parts(x, gamma, dy, 0.0)
        if eps > 1e-3 and matches(got, (dy * x_hat0).sum(axis=0)):
            return say(f"ε is left out of the normalisation ({_SECTION})", "x̂ = (x − μ_B)/√(s_B² + ε)")
        if matches(got, (dy * x_hat).sum(axis=0) * gamma):
            return say(f"γ does not appear in ∂y/∂γ ({_SECTION})", "y = γ ⊙ x̂ + β: ∂y/∂γ = x̂")
        return None
    if matches(got, (dy * x_hat).sum(axis=0)):
        return say(f"that is ∂L/∂γ's value: are the outputs swapped? ({_SECTION})", "return (∂L/∂x, ∂L/∂γ, ∂L/∂β)")
    return None


def _full_without_gamma(x, dy, eps):
    return _bn_parts(x, np.ones(x.shape[1]), dy, eps)[3]


@exercise(
    id="gradient_problems.batchnorm_backward",
    chapter="gradient_problems",
    title="Batch normalisation's backward pass",
    signature="batchnorm_backward(x, gamma, dy, eps)",
    outputs=("∂L/∂x", "∂L/∂γ", "∂L/∂β"),
    cases=_bn_cases,
    diagnoses=(_bn_mistakes,),
    batch="x",
    section="chapter 7, “Batch normalisation's backward pass”",
    rtol=1e-4,  # float32 answers pass; every diagnosed mistake is off by far more
    atol=1e-7,
)
def batchnorm_backward(x, gamma, dy, eps):
    # The book's hand-written backward pass (chainrule.batchnorm): three paths, added.
    return batchnorm.backward(dy, batchnorm.forward(x, gamma, np.zeros_like(gamma), eps)[1])
