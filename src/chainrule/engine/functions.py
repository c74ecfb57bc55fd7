"""Functions of Tensors that are not methods: softmax, the losses, and numpy's functions
under numpy's names and signatures (``cr.sin``, ``cr.maximum``, ``cr.where``, ...)."""

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


def sin(x):
    return apply(rules.sin, _tensor(x, "sin"))


def cos(x):
    return apply(rules.cos, _tensor(x, "cos"))


def sqrt(x):
    """√x; its derivative 1/(2√x) is infinite at 0."""
    return apply(rules.sqrt, _tensor(x, "sqrt"))


def log1p(x):
    """log(1 + x), exact for tiny x."""
    return apply(rules.log1p, _tensor(x, "log1p"))


def expm1(x):
    """eˣ − 1, exact for tiny x."""
    return apply(rules.expm1, _tensor(x, "expm1"))


def logaddexp(x1, x2):
    """log(e^x1 + e^x2) without overflow; its gradient is the softmax of (x1, x2)."""
    return apply(rules.logaddexp, *_pair(x1, x2, "logaddexp"))


def abs(x):  # noqa: A001  (numpy's name)
    """|x|. At 0 the engine takes the subgradient 0: abs′(0) = 0, as ReLU′(0) = 0."""
    return apply(rules.abs_, _tensor(x, "abs"))


def maximum(x1, x2):
    """Elementwise max. Where x1 == x2 the gradient is split evenly, ½ to each (as autograd)."""
    return apply(rules.maximum, *_pair(x1, x2, "maximum"))


def minimum(x1, x2):
    """Elementwise min. Where x1 == x2 the gradient is split evenly, ½ to each (as autograd)."""
    return apply(rules.minimum, *_pair(x1, x2, "minimum"))


def max(a, axis=None, keepdims=False):  # noqa: A001
    """The largest element along ``axis``. Its gradient goes to the largest element; k tied
    elements get 1/k of it each (as HIPS/autograd does)."""
    return _tensor(a, "max").max(axis=axis, keepdims=keepdims)


def min(a, axis=None, keepdims=False):  # noqa: A001
    """The smallest element along ``axis``; k tied elements get 1/k of the gradient each."""
    return _tensor(a, "min").min(axis=axis, keepdims=keepdims)


def where(condition, x, y):
    """x where ``condition`` holds, else y. The condition is data (booleans, e.g. ``t > 0``),
    not differentiated: the gradient is routed to x or y, 0 to the other."""
    condition = np.asarray(condition.data if isinstance(condition, Tensor) else condition)
    if condition.dtype != bool:
        if condition.dtype.kind not in "biuf":
            raise InputError(f"where: the condition must be booleans, got numpy dtype {condition.dtype}")
        condition = condition != 0
    x, y = _pair(x, y, "where")
    return apply(rules.where, x, y, condition=condition)


def clip(a, a_min, a_max):
    """a limited to [a_min, a_max] (None: no bound). The gradient is 1 strictly inside and 0
    at and beyond the bounds, so ``clip(a, 0, None)`` is ReLU with ReLU′(0) = 0."""
    return _tensor(a, "clip").clip(a_min, a_max)


def var(a, axis=None, ddof=0, keepdims=False):
    return _tensor(a, "var").var(axis=axis, ddof=ddof, keepdims=keepdims)


def std(a, axis=None, ddof=0, keepdims=False):
    """Standard deviation. Where all entries are equal (std 0) the gradient is taken as 0."""
    return _tensor(a, "std").std(axis=axis, ddof=ddof, keepdims=keepdims)


def concatenate(arrays, axis=0):
    """Join Tensors (or arrays) along an existing axis, as np.concatenate (axis=None:
    flattened first)."""
    items = _sequence(arrays, "concatenate")
    if axis is None:
        items, axis = [_tensor(x, "concatenate").ravel() for x in items], 0
    return apply(rules.concatenate, *items, axis=axis)


def stack(arrays, axis=0):
    """Join Tensors of one shape along a new axis, as np.stack. ``cr.stack([t1, t2])`` is
    what ``np.array([t1, t2])`` would be, with the gradient kept."""
    return apply(rules.stack, *_sequence(arrays, "stack"), axis=axis)


def _any_tensor(*xs):
    return any(isinstance(x, Tensor) for x in xs)


def _pair(x1, x2, where):
    """Two operands; at least one becomes a Tensor (so plain numbers give a Tensor result)."""
    return (x1, x2) if _any_tensor(x1, x2) else (_tensor(x1, where), x2)


def _sequence(arrays, where):
    if isinstance(arrays, (Tensor, np.ndarray)) or not hasattr(arrays, "__len__") or len(arrays) == 0:
        raise InputError(f"{where}: expected a non-empty list or tuple of Tensors or arrays, got {type(arrays).__name__}")
    items = list(arrays)
    if not _any_tensor(*items):
        items[0] = _tensor(items[0], where)
    return items
