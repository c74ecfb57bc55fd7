"""Exercises of chapter 7 (vanishing and exploding gradients) and chapter 8 (outlook)."""

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
    chapter="outlook",
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
    chapter="outlook",
    title="Saliency: ∂(class score)/∂(input)",
    signature="input_gradient(x, W1, b1, W2, k)",
    outputs=("∂z_k/∂x",),
    cases=_saliency_cases,
    diagnoses=(_saliency_mistakes,),
)
def input_gradient(x, W1, b1, W2, k):
    H = 1 / (1 + np.exp(-(x @ W1 + b1)))
    return W1 @ (H * (1 - H) * W2[:, k])


# --- 6.1 the double activation of the source's TensorFlow code -----------------------------------


def _floor_mistakes(got, expected, args, i):
    (c,) = args
    if matches(got, np.asarray(np.log(c))):
        return "that is the loss of uniform guessing; the sigmoid still lets the true logit reach 1 and the others 0"
    if c > 2 and matches(got, np.asarray(np.log(1 + np.exp(-1)))):
        return "that is the two-class value; with c classes there are c − 1 competing logits"
    if matches(got, np.asarray(np.log(1 + (c - 1) * np.e))):
        return "best case: the true class's logit at its largest (1), the others at their smallest (0)"
    return None


@exercise(
    id="tensorflow.double_activation_floor",
    chapter="tensorflow",
    title="The loss floor of sigmoid outputs fed to softmax",
    signature="loss_floor(c)",
    outputs=("smallest cross-entropy",),
    cases=lambda rng: [(2,), (3,), (10,)],
    diagnoses=(_floor_mistakes,),
)
def loss_floor(c):
    # logits squashed into (0, 1): at best e^1 for the true class against e^0 for the c − 1 others
    return np.log(1 + (c - 1) / np.e)
