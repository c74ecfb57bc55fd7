"""Functions of Tensors that are not methods: softmax and the losses."""

import numpy as np

from . import rules
from .errors import InputError, ShapeError
from .tensor import Tensor, apply, to_array


def _tensor(x, where):
    return x if isinstance(x, Tensor) else Tensor(to_array(x, where))


def softmax(x, axis=-1):
    """softmax along ``axis``, computed stably (the largest logit is subtracted first)."""
    return apply(rules.softmax, _tensor(x, "softmax"), axis=axis)


def log_softmax(x, axis=-1):
    """log(softmax(x)) along ``axis``, without forming softmax (no log(0) = −inf)."""
    return apply(rules.log_softmax, _tensor(x, "log_softmax"), axis=axis)


def _labels(labels, where):
    """Labels are data, not something to differentiate: keep integers as integers."""
    arr = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if arr.dtype.kind not in "biuf":
        raise InputError(f"{where}: labels must be numbers, got numpy dtype {arr.dtype}")
    return arr


def cross_entropy(logits, labels):
    """Mean softmax cross-entropy of (N, C) ``logits``; labels as (N,) ints or (N, C) one-hot."""
    logits = _tensor(logits, "cross_entropy")
    labels = rules.class_labels("cross_entropy", logits.data, _labels(labels, "cross_entropy"))
    return apply(rules.cross_entropy, logits, labels=labels)


def binary_cross_entropy(logits, targets):
    """Mean binary cross-entropy of ``sigmoid(logits)`` against targets in [0, 1]."""
    targets = _labels(targets, "binary_cross_entropy").astype(np.float64)
    return apply(rules.binary_cross_entropy, _tensor(logits, "binary_cross_entropy"), targets=targets)


def mse(pred, target):
    """Mean squared error. The shapes must match exactly: (N, 1) against (N,) would
    silently broadcast to (N, N) and compare every prediction with every target."""
    pred = _tensor(pred, "mse")
    target_shape = np.shape(target.data if isinstance(target, Tensor) else target)
    if pred.shape != target_shape:
        raise ShapeError(f"mse: prediction of shape {pred.shape} and target of shape {target_shape} differ")
    diff = pred - target
    return (diff * diff).mean()


def sigmoid(x):
    return _tensor(x, "sigmoid").sigmoid()


def tanh(x):
    return _tensor(x, "tanh").tanh()


def relu(x):
    return _tensor(x, "relu").relu()


def leaky_relu(x, alpha=0.01):
    return _tensor(x, "leaky_relu").leaky_relu(alpha)


def exp(x):
    return _tensor(x, "exp").exp()


def log(x):
    return _tensor(x, "log").log()
