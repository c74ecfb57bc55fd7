"""Exercises of chapter 4, Backpropagation: the source's MLP, one chain-rule step at a time.

Row-batch form: X (N, n), H (N, h), P (N, c), W1 (n, h), W2 (h, c). Shapes are chosen
with N, n, h, c all different, so a transposed or unsummed result shows in its shape.
"""

import numpy as np

from ..manual_mlp import backward, forward, softmax_rows
from ..rules import stable_sigmoid
from .core import exercise, matches

CHAPTER = "backprop"
SHAPES = [(1, 4, 3, 2), (5, 6, 4, 3), (7, 3, 5, 4)]  # (N, n, h, c), batch sizes 1 and > 1


def _network(rng, N, n, h, c):
    X = rng.normal(size=(N, n))
    params = {
        "W1": rng.normal(size=(n, h)),
        "b1": rng.normal(size=h),
        "W2": rng.normal(size=(h, c)),
        "b2": rng.normal(size=c),
    }
    y = rng.integers(0, c, size=N)
    cache = forward(params, X, y)
    return X, params, y, cache


# --- 4.1 δ_out ---------------------------------------------------------------------------


def _delta_out_cases(rng):
    cases = []
    for N, n, h, c in SHAPES:
        _, _, y, cache = _network(rng, N, n, h, c)
        cases.append((cache.P, np.eye(c)[y]))
    return cases


def _delta_out_mistakes(got, expected, args, i):
    P, Y = args
    if matches(got, P / len(P)) or matches(got, P):
        return "the −y term is missing: ∂L/∂Z2 = (P − Y)/N"
    if matches(got, (P - Y) * P * (1 - P) / len(P)):
        return "no σ′ factor here: softmax and cross-entropy together give exactly (P − Y)/N"
    return None


@exercise(
    id="backprop.output_delta",
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
    for N, n, h, c in SHAPES:
        _, _, y, cache = _network(rng, N, n, h, c)
        cases.append((cache.H, (cache.P - np.eye(c)[y]) / N))
    return cases


def _w2_mistakes(got, expected, args, i):
    H, delta = args
    if got.shape == (delta.shape[1], H.shape[1]):
        return f"shape {got.shape} is that of W2ᵀ; ∂L/∂W2 has W2's shape {expected.shape}: use Hᵀ δ_out"
    if matches(got, H.T @ delta / len(H)):
        return "δ_out already holds the 1/N of the mean; dividing again shrinks the gradient by N"
    return None


@exercise(
    id="backprop.grad_W2",
    chapter=CHAPTER,
    title="∂L/∂W2",
    signature="grad_W2(H, delta_out)",
    outputs=("∂L/∂W2",),
    cases=_layer2_cases,
    diagnoses=(_w2_mistakes,),
)
def grad_W2(H, delta_out):
    return H.T @ delta_out


def _b2_mistakes(got, expected, args, i):
    H, delta = args
    if got.shape == delta.shape and len(delta) > 1:
        return "b2 was added to every row: sum δ_out over the batch (axis 0)"
    if matches(got, delta.mean(axis=0)):
        return "that is the mean over the batch; δ_out already contains the 1/N, so sum"
    return None


@exercise(
    id="backprop.grad_b2",
    chapter=CHAPTER,
    title="∂L/∂b2",
    signature="grad_b2(H, delta_out)",
    outputs=("∂L/∂b2",),
    cases=_layer2_cases,
    diagnoses=(_b2_mistakes,),
)
def grad_b2(H, delta_out):
    return delta_out.sum(axis=0)


# --- 4.4 the hidden δ ----------------------------------------------------------------------


def _hidden_cases(rng):
    cases = []
    for N, n, h, c in SHAPES:
        X, params, y, cache = _network(rng, N, n, h, c)
        cases.append(((cache.P - np.eye(c)[y]) / N, params["W2"], cache.H))
    return cases


def _hidden_mistakes(got, expected, args, i):
    delta, W2, H = args
    back = delta @ W2.T
    if matches(got, back):
        return "σ′(Z1) is missing: multiply elementwise by H ⊙ (1 − H)"
    if matches(got, back * H):
        return "σ used where σ′ = σ(1 − σ) belongs: multiply by H ⊙ (1 − H), not by H"
    Z1 = np.log(H / (1 - H))
    if matches(got, back * Z1 * (1 - Z1)):
        return "σ′ = σ(1 − σ) takes the activation H = σ(Z1), not Z1"
    if matches(got, back * stable_sigmoid(H) * (1 - stable_sigmoid(H))):
        return "that applies σ again to H; H is already σ(Z1), so σ′ = H ⊙ (1 − H)"
    return None


@exercise(
    id="backprop.hidden_delta",
    chapter=CHAPTER,
    title="δ_hid = ∂L/∂Z1",
    signature="hidden_delta(delta_out, W2, H)",
    outputs=("δ_hid",),
    cases=_hidden_cases,
    diagnoses=(_hidden_mistakes,),
)
def hidden_delta(delta_out, W2, H):
    return (delta_out @ W2.T) * H * (1 - H)


# --- 4.5 ∂L/∂W1 and 4.6 ∂L/∂b1 ------------------------------------------------------------


def _layer1_cases(rng):
    cases = []
    for N, n, h, c in SHAPES:
        X, params, y, cache = _network(rng, N, n, h, c)
        delta_hid = ((cache.P - np.eye(c)[y]) / N) @ params["W2"].T * cache.H * (1 - cache.H)
        cases.append((X, delta_hid))
    return cases


def _w1_mistakes(got, expected, args, i):
    X, delta = args
    if got.shape == (delta.shape[1], X.shape[1]):
        return f"shape {got.shape} is that of W1ᵀ; ∂L/∂W1 has W1's shape {expected.shape}: use Xᵀ δ_hid"
    return None


@exercise(
    id="backprop.grad_W1",
    chapter=CHAPTER,
    title="∂L/∂W1",
    signature="grad_W1(X, delta_hid)",
    outputs=("∂L/∂W1",),
    cases=_layer1_cases,
    diagnoses=(_w1_mistakes,),
)
def grad_W1(X, delta_hid):
    return X.T @ delta_hid


def _b1_mistakes(got, expected, args, i):
    X, delta = args
    if got.shape == delta.shape and len(delta) > 1:
        return "b1 was added to every row: sum δ_hid over the batch (axis 0)"
    if got.shape == (len(delta),) and len(delta) > 1:
        return "summed over the wrong axis: b1 has one entry per hidden unit, so sum over the rows (axis 0)"
    return None


@exercise(
    id="backprop.grad_b1",
    chapter=CHAPTER,
    title="∂L/∂b1",
    signature="grad_b1(X, delta_hid)",
    outputs=("∂L/∂b1",),
    cases=_layer1_cases,
    diagnoses=(_b1_mistakes,),
)
def grad_b1(X, delta_hid):
    return delta_hid.sum(axis=0)


# --- 4.7 the whole backward pass ------------------------------------------------------------


def _whole_cases(rng):
    cases = []
    for N, n, h, c in SHAPES:
        X, params, y, _ = _network(rng, N, n, h, c)
        cases.append((X, y, params["W1"], params["b1"], params["W2"], params["b2"]))
    return cases


def _whole_mistakes(got, expected, args, i):
    X, y, W1, b1, W2, b2 = args
    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    cache = forward(params, X, y)
    delta_out = (cache.P - np.eye(W2.shape[1])[y]) / len(X)
    if i == 0 and matches(got, X.T @ (delta_out @ W2.T)):
        return "σ′(Z1) is missing from δ_hid: multiply by H ⊙ (1 − H) before forming ∂L/∂W1"
    if i == 0 and matches(got, X.T @ ((delta_out @ W2.T) * cache.H)):
        return "σ used where σ′ = σ(1 − σ) belongs in δ_hid"
    if matches(got, backward(params, cache, y)[("W1", "b1", "W2", "b2")[i]] * len(X)):
        return "N times the reference: δ_out = (P − Y)/N, the loss is a mean over the batch"
    return None


@exercise(
    id="backprop.backward_pass",
    chapter=CHAPTER,
    title="The whole backward pass",
    signature="mlp_backward(X, y, W1, b1, W2, b2)",
    outputs=("∂L/∂W1", "∂L/∂b1", "∂L/∂W2", "∂L/∂b2"),
    cases=_whole_cases,
    diagnoses=(_whole_mistakes,),
)
def mlp_backward(X, y, W1, b1, W2, b2):
    H = 1 / (1 + np.exp(-(X @ W1 + b1)))
    P = softmax_rows(H @ W2 + b2)
    delta_out = (P - np.eye(W2.shape[1])[y]) / len(X)
    delta_hid = (delta_out @ W2.T) * H * (1 - H)
    return X.T @ delta_hid, delta_hid.sum(axis=0), H.T @ delta_out, delta_out.sum(axis=0)


# --- 4.8 gradient checking --------------------------------------------------------------------


def _quartic(W):
    return float(np.sum(np.sin(W) * W**2))


def _exp_sum(W):
    return float(np.log(np.sum(np.exp(W))))


def _gradcheck_cases(rng):
    return [(f, rng.normal(size=s), 1e-5) for f, s in [(_quartic, (2, 3)), (_exp_sum, (4,)), (_quartic, (1, 1))]]


def _gradcheck_mistakes(got, expected, args, i):
    f, W, eps = args
    forward_diff = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        shifted = W.copy()
        shifted[idx] += eps
        forward_diff[idx] = (f(shifted) - f(W)) / eps
    if matches(got, forward_diff):
        return "that is a one-sided difference; use (f(W + ε) − f(W − ε)) / 2ε for each entry"
    if got.shape == W.shape and np.allclose(got, got.flat[0]) and W.size > 1:
        return "every entry is the same: perturb one entry of W at a time, not all of them"
    return None


@exercise(
    id="backprop.numerical_gradient",
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
