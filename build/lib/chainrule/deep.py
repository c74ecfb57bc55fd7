"""Deep, narrow MLPs for chapter 7: how gradient norms change from layer to layer, and
the remedies (initialisation, activation, batch normalisation, residual connections).

Layer l computes  A_l = act(norm(A_{l−1} W_l + b_l))  (+ A_{l−1} with residual connections).
"""

import numpy as np

from .tensor import Tensor

INITS = {
    "N(0,1)": lambda fan_in, fan_out: 1.0,
    "Glorot": lambda fan_in, fan_out: np.sqrt(2.0 / (fan_in + fan_out)),  # Glorot & Bengio (2010)
    "He": lambda fan_in, fan_out: np.sqrt(2.0 / fan_in),  # He et al. (2015), for ReLU
}
ACTIVATIONS = {
    "sigmoid": lambda t: t.sigmoid(),
    "tanh": lambda t: t.tanh(),
    "relu": lambda t: t.relu(),
}


def init_layers(width, depth, init, rng, inputs=None):
    """``depth`` weight matrices of shape (width, width) (the first (inputs, width)), with
    standard deviation chosen by ``init`` (a name in INITS, or a number)."""
    layers = []
    for layer in range(depth):
        fan_in = inputs if (layer == 0 and inputs) else width
        std = INITS[init](fan_in, width) if isinstance(init, str) else float(init)
        layers.append({"W": Tensor(rng.normal(0, std, size=(fan_in, width))), "b": Tensor(np.zeros(width))})
    return layers


def batch_norm(x, eps=1e-5):
    """Normalise each column over the batch to mean 0 and variance 1 (Ioffe & Szegedy, 2015),
    written with engine operations, so its gradient comes from the rules already there."""
    mean = x.mean(axis=0, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=0, keepdims=True)
    return centred / (var + eps) ** 0.5


def forward(layers, X, activation="sigmoid", batchnorm=False, residual=False):
    """Run the stack; returns the output and each layer's pre-activation Z (for gradients)."""
    act = ACTIVATIONS[activation]
    A = X if isinstance(X, Tensor) else Tensor(X)
    pre = []
    for layer in layers:
        Z = A @ layer["W"] + layer["b"]
        if batchnorm:
            Z = batch_norm(Z)
        pre.append(Z)
        out = act(Z)
        A = A + out if (residual and A.shape == out.shape) else out
    return A, pre


def layer_gradient_norms(width=64, depth=20, activation="sigmoid", init="N(0,1)", batch=64, seed=0, **options):
    """‖∂L/∂W_l‖ for every layer l = 1..depth of a random deep MLP on random data, with
    L = mean of the squared outputs (any scalar loss shows the same trend)."""
    rng = np.random.default_rng(seed)
    layers = init_layers(width, depth, init, rng)
    X = rng.normal(size=(batch, width))
    out, _ = forward(layers, X, activation, **options)
    loss = (out * out).mean()
    loss.backward()
    return np.array([np.linalg.norm(layer["W"].grad) for layer in layers])
