"""Exercises of chapter 4, Backpropagation: the source's MLP, one chain-rule step at a time.

Row-batch form: X (N, n), A1 (N, h) (the hidden activations), P (N, C), W1 (n, h), W2 (h, C). Shapes are chosen
with N, n, h, C all different, so a transposed or unsummed result shows in its shape.

Feedback policy: a diagnosis says what is wrong and where to look (a section of chapter 4);
the formula itself is only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from ..engine.rules import stable_sigmoid
from ..models.manual_mlp import backward, forward, softmax_rows
from .core import exercise, matches, say, softmax

CHAPTER = "backprop"
SHAPES = [(1, 4, 3, 2), (5, 6, 4, 3), (7, 3, 5, 4)]  # (N, n, h, C), batch sizes 1 and > 1
BATCH = "chapter 4, “The batch form used in code”"
STEP1 = "chapter 4, “Step 1: the output layer”"
STEP2 = "chapter 4, “Step 2: back into the hidden layer — a sum over paths”"
CHECKING = "chapter 4, “Checking the derivation three ways”"



def _network(rng, N, n, h, C):
    X = rng.normal(size=(N, n))
    params = {
        "W1": rng.normal(size=(n, h)),
        "b1": rng.normal(size=h),
        "W2": rng.normal(size=(h, C)),
        "b2": rng.normal(size=C),
    }
    y = rng.integers(0, C, size=N)
    cache = forward(params, X, y)
    return X, params, y, cache


# --- 4.1 δ_out ---------------------------------------------------------------------------


def _delta_out_cases(rng):
    cases = []
    for N, n, h, C in SHAPES:
        _, _, y, cache = _network(rng, N, n, h, C)
        cases.append((cache.P, np.eye(C)[y]))
    return cases


def _delta_out_mistakes(got, expected, args, i):
    P, Y = args
    N = len(P)
    if N > 1 and matches(got, expected * N):
        return say(f"N times the reference, the batch size: the loss is the mean over the batch; see {BATCH}")
    if matches(got, P / N) or (N > 1 and matches(got, P)):
        return say(f"the one-hot label Y plays no part in your answer; see {STEP1}",
                    "∂L/∂z_j = p_j − y_j for one example; the batch mean adds 1/N")
    if matches(got, (P - Y) * P * (1 - P) / N):
        return say(f"an extra factor P ⊙ (1 − P): with softmax and cross-entropy together that factor "
                    f"cancels; see {STEP1}", "Δ_out = (P − Y)/N, nothing more")
    return None


@exercise(
    id="backprop.output_delta",
    section=STEP1,
    batch="P",
    chapter=CHAPTER,
    title="δ_out = ∂L/∂Z2",
    signature="output_delta(P, Y)",
    outputs=("δ_out",),
    cases=_delta_out_cases,
    diagnoses=(_delta_out_mistakes,),
)
def output_delta(P, Y):
    return (P - Y) / len(P)


# --- 4.2 ∂L/∂W2 and 4.3 ∂L/∂b2 ------------------------------------------------------------


def _layer2_cases(rng):
    cases = []
    for N, n, h, C in SHAPES:
        _, _, y, cache = _network(rng, N, n, h, C)
        cases.append((cache.A1, (cache.P - np.eye(C)[y]) / N))
    return cases


def _weight_mistakes(inputs_name, delta_name, layer):
    """Diagnoses shared by ∂L/∂W2 = Hᵀ δ_out and ∂L/∂W1 = Xᵀ δ_hid."""

    def diagnose(got, expected, args, i):
        A, delta = args
        if matches(got, delta.T @ A):
            return say(f"shape {got.shape} is that of W{layer}ᵀ; ∂L/∂W{layer} has W{layer}'s shape {expected.shape}: "
                        f"check the order of the product; see {BATCH}",
                        f"{inputs_name}ᵀ {delta_name}: (features, N) times (N, units)")
        if len(A) > 1 and matches(got, A.T @ delta / len(A)):
            return say(f"{delta_name} already holds the 1/N of the mean loss; dividing again shrinks the gradient "
                        f"by N; see {BATCH}")
        if len(A) > 1 and matches(got, A.T @ delta * len(A)):
            return say(f"N times the reference: {delta_name} already carries the 1/N of the mean loss; see {BATCH}")
        return None

    return diagnose


@exercise(
    id="backprop.grad_W2",
    section=BATCH,
    batch="A1",
    chapter=CHAPTER,
    title="∂L/∂W2",
    signature="grad_W2(A1, delta_out)",
    outputs=("∂L/∂W2",),
    cases=_layer2_cases,
    diagnoses=(_weight_mistakes("A1", "δ_out", 2),),
)
def grad_W2(A1, delta_out):
    return A1.T @ delta_out


def _bias_mistakes(delta_name, layer):
    """Diagnoses shared by ∂L/∂b2 and ∂L/∂b1 (a bias added to every row of the batch)."""

    def diagnose(got, expected, args, i):
        _, delta = args
        N, units = delta.shape
        if N > 1 and got.shape == (1, units) and matches(got, delta.sum(axis=0, keepdims=True)):
            return say(f"the values are right but the shape is {got.shape}: b{layer} has shape ({units},), "
                        "so the sum must not keep the batch axis")
        if N > 1 and matches(got, delta):
            return say(f"that is {delta_name} itself, one row per example: b{layer} was added to every row; "
                        f"see {BATCH}", "sum over the examples (axis 0)")
        if N > 1 and got.shape == (N,) and matches(got, delta.sum(axis=1)):
            return say(f"summed over the wrong axis: b{layer} has one entry per unit ({units}), "
                        f"not per example ({N}); see {BATCH}")
        if N > 1 and matches(got, delta.mean(axis=0)):
            return say(f"that is the mean over the batch; {delta_name} already contains the 1/N of the mean loss; "
                        f"see {BATCH}")
        return None

    return diagnose


@exercise(
    id="backprop.grad_b2",
    section=BATCH,
    batch="A1",
    chapter=CHAPTER,
    title="∂L/∂b2",
    signature="grad_b2(A1, delta_out)",
    outputs=("∂L/∂b2",),
    cases=_layer2_cases,
    diagnoses=(_bias_mistakes("δ_out", 2),),
)
def grad_b2(A1, delta_out):
    return delta_out.sum(axis=0)


# --- 4.4 the hidden δ ----------------------------------------------------------------------


def _hidden_cases(rng):
    cases = []
    for N, n, h, C in SHAPES:
        X, params, y, cache = _network(rng, N, n, h, C)
        cases.append(((cache.P - np.eye(C)[y]) / N, params["W2"], cache.A1))
    return cases


def _hidden_mistakes(got, expected, args, i):
    delta, W2, A1 = args
    back = delta @ W2.T
    if matches(got, back):
        return say(f"that is ∂L/∂A1: the step through the sigmoid (its derivative σ′(Z1)) is missing; see {STEP2}",
                    "σ′(Z1) = A1 ⊙ (1 − A1), from the activations you were given")
    if matches(got, back * A1):
        return say(f"you multiplied by σ(Z1) = A1, not by its derivative σ′(Z1); see {STEP2} and chapter 5, "
                    "“The sigmoid”", "σ′ = σ(1 − σ)")
    if matches(got, back * (1 - A1)):
        return say("only part of σ′(Z1): the factor σ(Z1) = A1 is missing; see chapter 5, “The sigmoid”")
    Z1 = np.log(A1 / (1 - A1))
    if matches(got, back * Z1 * (1 - Z1)):
        return say("σ′ written as a function of the output must be given the output A1 = σ(Z1), not Z1; "
                    "see chapter 5, “The sigmoid”")
    if matches(got, back * stable_sigmoid(A1) * (1 - stable_sigmoid(A1))):
        return say("that applies σ again to A1; A1 is already σ(Z1); see chapter 5, “The sigmoid”")
    return None


@exercise(
    id="backprop.hidden_delta",
    section=STEP2,
    batch="delta_out",
    chapter=CHAPTER,
    title="δ_hid = ∂L/∂Z1",
    signature="hidden_delta(delta_out, W2, A1)",
    outputs=("δ_hid",),
    cases=_hidden_cases,
    diagnoses=(_hidden_mistakes,),
)
def hidden_delta(delta_out, W2, A1):
    return (delta_out @ W2.T) * A1 * (1 - A1)


# --- 4.5 ∂L/∂W1 and 4.6 ∂L/∂b1 ------------------------------------------------------------


def _layer1_cases(rng):
    cases = []
    for N, n, h, C in SHAPES:
        X, params, y, cache = _network(rng, N, n, h, C)
        delta_hid = ((cache.P - np.eye(C)[y]) / N) @ params["W2"].T * cache.A1 * (1 - cache.A1)
        cases.append((X, delta_hid))
    return cases


@exercise(
    id="backprop.grad_W1",
    section=BATCH,
    batch="X",
    chapter=CHAPTER,
    title="∂L/∂W1",
    signature="grad_W1(X, delta_hid)",
    outputs=("∂L/∂W1",),
    cases=_layer1_cases,
    diagnoses=(_weight_mistakes("X", "δ_hid", 1),),
)
def grad_W1(X, delta_hid):
    return X.T @ delta_hid


@exercise(
    id="backprop.grad_b1",
    section=BATCH,
    batch="X",
    chapter=CHAPTER,
    title="∂L/∂b1",
    signature="grad_b1(X, delta_hid)",
    outputs=("∂L/∂b1",),
    cases=_layer1_cases,
    diagnoses=(_bias_mistakes("δ_hid", 1),),
)
def grad_b1(X, delta_hid):
    return delta_hid.sum(axis=0)


# --- 4.7 the whole backward pass ------------------------------------------------------------


def _whole_cases(rng):
    cases = []
    for N, n, h, C in SHAPES:
        X, params, y, _ = _network(rng, N, n, h, C)
        cases.append((X, y, params["W1"], params["b1"], params["W2"], params["b2"]))
    return cases


def _whole_mistakes(got, expected, args, i):
    X, y, W1, b1, W2, b2 = args
    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    cache = forward(params, X, y)
    N = len(X)
    delta_out = (cache.P - np.eye(W2.shape[1])[y]) / N
    back = delta_out @ W2.T
    if i == 0 and matches(got, X.T @ back):
        return say(f"∂L/∂W1 lacks the step through the sigmoid (σ′(Z1)) in δ_hid; see {STEP2}")
    if i == 1 and matches(got, back.sum(axis=0)):
        return say(f"∂L/∂b1 lacks the step through the sigmoid (σ′(Z1)) in δ_hid; see {STEP2}")
    if i == 0 and matches(got, X.T @ (back * cache.A1)):
        return say(f"δ_hid is multiplied by σ(Z1) = A1, not by its derivative σ′(Z1); see {STEP2}")
    if N > 1 and matches(got, backward(params, cache, y)[("W1", "b1", "W2", "b2")[i]] * N):
        return say(f"N times the reference: the loss is the mean over the batch; see {BATCH}",
                    "the 1/N enters once, in δ_out = (P − Y)/N")
    return None


@exercise(
    id="backprop.backward_pass",
    section=BATCH,
    batch="X",
    chapter=CHAPTER,
    title="The whole backward pass",
    signature="mlp_backward(X, y, W1, b1, W2, b2)",
    outputs=("∂L/∂W1", "∂L/∂b1", "∂L/∂W2", "∂L/∂b2"),
    cases=_whole_cases,
    diagnoses=(_whole_mistakes,),
)
def mlp_backward(X, y, W1, b1, W2, b2):
    A1 = 1 / (1 + np.exp(-(X @ W1 + b1)))
    P = softmax_rows(A1 @ W2 + b2)
    delta_out = (P - np.eye(W2.shape[1])[y]) / len(X)
    delta_hid = (delta_out @ W2.T) * A1 * (1 - A1)
    return X.T @ delta_hid, delta_hid.sum(axis=0), A1.T @ delta_out, delta_out.sum(axis=0)


# --- 4.8 gradient checking --------------------------------------------------------------------


def _quartic(W):
    return float(np.sum(np.sin(W) * W**2))


def _exp_sum(W):
    return float(np.log(np.sum(np.exp(W))))


def _gradcheck_cases(rng):
    # ε varies (1e-2 … 1e-4): the O(ε²) error of the central difference then differs between
    # cases by more than the tolerance, so an answer that ignores eps fails.
    return [
        (f, rng.normal(size=s), eps)
        for f, s, eps in [(_quartic, (2, 3), 1e-2), (_exp_sum, (4,), 1e-3), (_quartic, (1, 1), 1e-4), (_exp_sum, (3, 2), 5e-3)]
    ]


def _perturbed_differences(f, W, eps, step_up, step_down, divide):
    grad = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        up, down = W.copy(), W.copy()
        up[idx] += step_up
        down[idx] -= step_down
        grad[idx] = (f(up) - f(down)) / divide
    return grad


def _gradcheck_mistakes(got, expected, args, i):
    f, W, eps = args
    if matches(got, _perturbed_differences(f, W, eps, eps, 0.0, eps)):
        return say("that is a one-sided (forward) difference; the exercise asks for the central difference, "
                    f"which is accurate to O(ε²) instead of O(ε); see {CHECKING}",
                    "evaluate f on both sides of each entry")
    if matches(got, _perturbed_differences(f, W, eps, eps, eps, eps)):
        return say("twice the reference: the two evaluations are 2ε apart, so divide by that distance")
    if matches(got, _perturbed_differences(f, W, eps, eps, eps, 4 * eps)):
        return say("half the reference: the two evaluations are 2ε apart (not 4ε); divide by that distance")
    if W.size > 1:
        shifted = (f(W + eps) - f(W - eps)) / (2 * eps)
        if matches(got, np.full(W.shape, shifted)):
            return say("every entry is the same: the whole of W was shifted at once, which measures a directional "
                        "derivative; perturb one entry of W at a time")
    if W.size > 1 and not np.any(got) and np.any(expected):
        return say("every entry is 0: f(W + ε·e) and f(W − ε·e) came out equal — a common cause is that the "
                    "perturbed arrays are W itself (an assignment such as up = W shares memory; copy W first)")
    return None


@exercise(
    id="backprop.numerical_gradient",
    section=CHECKING,
    chapter=CHAPTER,
    title="Gradient checking: a numerical gradient",
    signature="numerical_gradient(f, W, eps)",
    outputs=("∂f/∂W estimate",),
    cases=_gradcheck_cases,
    diagnoses=(_gradcheck_mistakes,),
    rtol=1e-7,
)
def numerical_gradient(f, W, eps):
    grad = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        up, down = W.copy(), W.copy()
        up[idx] += eps
        down[idx] -= eps
        grad[idx] = (f(up) - f(down)) / (2 * eps)
    return grad


# --- 4.9 the hidden δ with tanh (a derivation) ---------------------------------------------


def _tanh_hidden_cases(rng):
    cases = []
    for N, n, h, C in SHAPES:
        X, params, y, _ = _network(rng, N, n, h, C)
        A = np.tanh((X @ params["W1"] + params["b1"]) / np.sqrt(n + 1))  # scaled: not all saturated
        P = softmax(A @ params["W2"] + params["b2"], axis=1)
        cases.append(((P - np.eye(C)[y]) / N, params["W2"], A))
    return cases


def _tanh_hidden_mistakes(got, expected, args, i):
    delta, W2, A1 = args
    back = delta @ W2.T
    if matches(got, back):
        return say(f"that is ∂L/∂A1: the step through tanh (its derivative at Z1) is missing; see {STEP2}",
                    "tanh′ written with the output: chapter 5, “tanh”")
    if matches(got, back * A1 * (1 - A1)):
        return say("that is the sigmoid's derivative σ(1 − σ) applied to A1; this hidden layer is tanh, "
                    "whose derivative is different; see chapter 5, “tanh”")
    if matches(got, back * (1 - A1)):
        return say("the derivative of tanh, written with its output A1, has A1 squared; see chapter 5, “tanh”")
    Z1 = np.arctanh(np.clip(A1, -1 + 1e-15, 1 - 1e-15))
    if matches(got, back * (1 - Z1**2)):
        return say("tanh′ written with the output must be given A1 = tanh(Z1), not Z1; see chapter 5, “tanh”")
    if matches(got, back * A1):
        return say("you multiplied by tanh(Z1) = A1 itself, not by its derivative; see chapter 5, “tanh”")
    return None


@exercise(
    id="backprop.tanh_hidden_delta",
    section=STEP2,
    batch="delta_out",
    chapter=CHAPTER,
    title="δ_hid when the hidden layer is tanh (derivation)",
    signature="tanh_hidden_delta(delta_out, W2, A1)",
    outputs=("δ_hid",),
    cases=_tanh_hidden_cases,
    diagnoses=(_tanh_hidden_mistakes,),
)
def tanh_hidden_delta(delta_out, W2, A1):
    return (delta_out @ W2.T) * (1 - A1**2)
