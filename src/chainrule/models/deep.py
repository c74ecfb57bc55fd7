"""Deep, narrow MLPs for chapter 7: how gradients change from layer to layer, and the
remedies (initialisation, activation, batch normalisation, residual and gated connections).

Code uses row batches: layer l computes  Z_l = A_{l−1} W + b  (W = W_lᵀ of the book's column
form), then  A_l = act(BN(Z_l))  (BN only with ``batchnorm=True``), plus A_{l−1} with
``residual=True``, or mixed with A_{l−1} by a sigmoid gate with ``gated=True``.
"""

import numpy as np

from ..engine.tensor import Tensor

INITS = {
    "N(0,1)": lambda fan_in, fan_out: 1.0,
    "Glorot": lambda fan_in, fan_out: np.sqrt(2.0 / (fan_in + fan_out)),  # Glorot & Bengio (2010)
    "He": lambda fan_in, fan_out: np.sqrt(2.0 / fan_in),  # He et al. (2015), for ReLU
}
LEAKY_SLOPE = 0.1  # α of the leaky ReLU: αz instead of 0 for z < 0
ACTIVATIONS = {
    "sigmoid": lambda t: t.sigmoid(),
    "tanh": lambda t: t.tanh(),
    "relu": lambda t: t.relu(),
    "leaky relu": lambda t: t.leaky_relu(LEAKY_SLOPE),
}


def _sigmoid_slope(z):
    s = 0.5 * (1.0 + np.tanh(0.5 * z))  # σ(z) without overflow
    return s * (1.0 - s)


SLOPES = {  # φ′(z) of each activation, in NumPy (for statistics of the recorded pre-activations)
    "sigmoid": _sigmoid_slope,
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
    "leaky relu": lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE),
}


def he_std(fan_in, alpha=0.0):
    """He et al.'s (2015) scale for a ReLU (α = 0) or leaky ReLU with slope α below 0:
    Var(w) = 2 / ((1 + α²) n_in) keeps the forward variance from layer to layer."""
    return np.sqrt(2.0 / ((1.0 + alpha**2) * fan_in))


GATE_BIAS = -2.0  # the gate starts mostly closed (σ(−2) ≈ 0.12): the layer starts close to the identity


def init_layers(width, depth, init, rng, inputs=None, batchnorm=False, gated=False):
    """``depth`` weight matrices of shape (width, width) (the first (inputs, width)), with
    standard deviation chosen by ``init`` (a name in INITS, or a number). With ``batchnorm``
    each layer also gets a scale γ (ones) and a shift β (zeros); with ``gated`` a gate's
    weights (same scale) and bias GATE_BIAS."""
    layers = []
    for layer in range(depth):
        fan_in = inputs if (layer == 0 and inputs) else width
        std = INITS[init](fan_in, width) if isinstance(init, str) else float(init)
        params = {"W": Tensor(rng.normal(0, std, size=(fan_in, width))), "b": Tensor(np.zeros(width))}
        if batchnorm:
            params["gamma"], params["beta"] = Tensor(np.ones(width)), Tensor(np.zeros(width))
        if gated:
            params["W_gate"] = Tensor(rng.normal(0, std, size=(fan_in, width)))
            params["b_gate"] = Tensor(np.full(width, GATE_BIAS))
        layers.append(params)
    return layers


BN_EPS = 1e-5  # batch normalisation's ε


def batch_norm(x, gamma=None, beta=None, eps=BN_EPS):
    """Batch normalisation (Ioffe & Szegedy, 2015): normalise each column over the batch to
    mean 0 and variance 1 (x̂), then scale and shift it, γ ⊙ x̂ + β. Written with engine
    operations, so its gradient comes from the rules already there; the hand-written
    backward pass is ``chainrule.batchnorm.backward``."""
    mean = x.mean(axis=0, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=0, keepdims=True)
    x_hat = centred / (var + eps) ** 0.5
    if gamma is not None:
        x_hat = x_hat * gamma
    if beta is not None:
        x_hat = x_hat + beta
    return x_hat


def forward(layers, X, activation="sigmoid", batchnorm=False, residual=False, gated=False, record=None):
    """Run the stack; returns the output and each layer's pre-activation Z (whose gradient
    is the error signal δ_l). If ``record`` is a dict, it gets the lists "z" (after batch
    normalisation, if any) and "a" (each layer's output A_l); with ``batchnorm`` also
    "z_raw" (A_{l−1} W + b, before normalisation), with ``gated`` also "gate" (τ_l)."""
    act = ACTIVATIONS[activation]
    A = X if isinstance(X, Tensor) else Tensor(X, requires_grad=False)
    pre, outs, raw, gates = [], [], [], []
    for layer in layers:
        Z = A @ layer["W"] + layer["b"]
        if batchnorm:
            raw.append(Z)
            Z = batch_norm(Z, layer.get("gamma"), layer.get("beta"))
        pre.append(Z)
        out = act(Z)
        same = A.shape == out.shape
        if gated and same:
            gate = (A @ layer["W_gate"] + layer["b_gate"]).sigmoid()
            gates.append(gate)
            out = gate * out + (1.0 - gate) * A
        elif residual and same:
            out = A + out
        A = out
        outs.append(A)
    if record is not None:
        record["z"], record["a"] = pre, outs
        if batchnorm:
            record["z_raw"] = raw
        if gated:
            record["gate"] = gates
    return A, pre


def layer_gradients(width=64, depth=20, activation="sigmoid", init="N(0,1)", batch=64, seed=0, **options):
    """Per layer l = 1..depth of a random deep MLP on a random batch, with L = the mean of the
    squared outputs (any scalar loss shows the same trend), the Frobenius norms of
    "W": ∂L/∂W_l, "a": ∂L/∂a_l (the gradient reaching layer l's output) and
    "delta": δ_l = ∂L/∂z_l; "act": the standard deviation of the activations a_l;
    "zero": the fraction of the entries of δ_l that are exactly 0 (no gradient at all);
    "off": the fraction of the entries of z_l that are ≤ 0 (per example: sparsity);
    "off_all": the fraction of layer l's units with z ≤ 0 on EVERY example of the batch
    (for ReLU: units dead on this batch); "slope" and "slope_sq": the means of φ′(z_l) and
    φ′(z_l)² over the batch and the units. With ``batchnorm``, "s_B": the mean over the units
    of √(s_B² + ε), the batch standard deviation that normalisation divides by, and "kept":
    the share of ‖δ_l‖ that survives the paths through μ_B and s_B² (γ = 1); with
    ``gated``, "carry": the mean of 1 − τ_l, the share of a_{l−1} each layer carries over."""
    rng = np.random.default_rng(seed)
    layers = init_layers(width, depth, init, rng, batchnorm=options.get("batchnorm", False), gated=options.get("gated", False))
    X = rng.normal(size=(batch, width))
    record = {}
    out, _ = forward(layers, X, activation, record=record, **options)
    loss = (out * out).mean()
    loss.backward()
    slopes = [SLOPES[activation](z.data) for z in record["z"]]
    found = {
        "W": np.array([np.linalg.norm(layer["W"].grad) for layer in layers]),
        "a": np.array([np.linalg.norm(a.grad) for a in record["a"]]),
        "delta": np.array([np.linalg.norm(z.grad) for z in record["z"]]),
        "act": np.array([a.data.std() for a in record["a"]]),
        "zero": np.array([np.mean(z.grad == 0) for z in record["z"]]),
        "off": np.array([np.mean(z.data <= 0) for z in record["z"]]),
        "off_all": np.array([np.mean(np.all(z.data <= 0, axis=0)) for z in record["z"]]),
        "slope": np.array([s.mean() for s in slopes]),
        "slope_sq": np.array([(s * s).mean() for s in slopes]),
    }
    if "z_raw" in record:
        stds = [np.sqrt(z.data.var(axis=0) + BN_EPS) for z in record["z_raw"]]
        found["s_B"] = np.array([s.mean() for s in stds])
        # the share of ‖δ_l‖ left after the paths through μ_B and s_B² (× s_B undoes the direct path's 1/s_B)
        pairs = zip(record["z_raw"], stds, record["z"], strict=True)
        found["kept"] = np.array([np.linalg.norm(raw.grad * s) / np.linalg.norm(z.grad) for raw, s, z in pairs])
    if "gate" in record:
        found["carry"] = np.array([1.0 - t.data.mean() for t in record["gate"]])
    return found


def layer_gradient_norms(width=64, depth=20, activation="sigmoid", init="N(0,1)", batch=64, seed=0, **options):
    """‖∂L/∂W_l‖ for every layer l = 1..depth (see ``layer_gradients``)."""
    return layer_gradients(width, depth, activation, init, batch, seed, **options)["W"]
