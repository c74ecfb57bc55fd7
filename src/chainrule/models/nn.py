"""The source article's network, written with the engine: n inputs, h sigmoid hidden units,
C softmax outputs (one per class), in row-batch form (one example per row; see the notation page):

    A1 = σ(X W1 + b1),   logits Z2 = A1 W2 + b2,   p = softmax(Z2)
"""

import numpy as np

from ..engine.functions import cross_entropy, softmax
from ..engine.tensor import Tensor


def init_params(n, h, C, rng, scale=None):
    """Weights drawn from N(0, 1/fan_in) (or N(0, scale²)); biases zero."""
    s1 = 1 / np.sqrt(n) if scale is None else scale
    s2 = 1 / np.sqrt(h) if scale is None else scale
    return {
        "W1": Tensor(rng.normal(0, s1, size=(n, h)), name="W1"),
        "b1": Tensor(np.zeros(h), name="b1"),
        "W2": Tensor(rng.normal(0, s2, size=(h, C)), name="W2"),
        "b2": Tensor(np.zeros(C), name="b2"),
    }


def forward(params, X):
    """The logits (N, C) of a batch X (N, n)."""
    hidden = (X @ params["W1"] + params["b1"]).sigmoid()
    return hidden @ params["W2"] + params["b2"]


def predict_proba(params, X):
    return softmax(forward(params, X), axis=1).data


def accuracy(params, X, y):
    return float(np.mean(forward(params, X).data.argmax(axis=1) == y))


def loss(params, X, y):
    """Mean softmax cross-entropy of the batch."""
    return cross_entropy(forward(params, X), y)
