"""Broadcasting: check that shapes fit, and sum gradients back to an input's shape.

When numpy broadcasts ``a`` of shape (3,) against ``b`` of shape (2, 3), every element
of ``a`` is used twice; by the multivariable chain rule its gradient is the *sum* of the
two contributions. ``unbroadcast`` performs that sum.
"""

import numpy as np

from .errors import ShapeError


def broadcast_shape(op, *shapes):
    """The shape numpy broadcasting gives, or a ShapeError naming ``op`` and the shapes."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        listed = " and ".join(str(tuple(s)) for s in shapes)
        raise ShapeError(f"{op}: shapes {listed} cannot be broadcast together") from None


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``."""
    if grad.shape == shape:  # the common case: nothing was broadcast
        return grad
    shape = tuple(shape)
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
