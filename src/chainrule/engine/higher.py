"""Derivatives of derivatives: gradients that can be differentiated again.

Every rule's ``vjp`` is written with operations the engine itself records (``rules.py``),
so the backward pass can run on Tensors instead of arrays: ``gradients(loss, inputs)``
returns ∂L/∂input as Tensors whose graph reaches back to the inputs. Differentiate those
again and you have second derivatives — reverse over reverse:

    d2f = grad(grad(f))          # f″ for a function of one number
    hvp(f, x, v)                 # H v, the Hessian of a scalar f at x times v

``hvp`` runs forward over reverse: one ``jvp`` (forward mode, ``forward.py``) of the
recorded backward pass. The tangents ride along the gradient computation, so H v costs about
as much as two or three gradients, and the Hessian itself (n × n) is never formed. (Reverse
over reverse, ∇⟨∇f, v⟩, gives the same vector; the tests compare the two.)
"""

import numpy as np

from .backprop import topological_order
from .broadcast import unbroadcast
from .errors import InputError, ShapeError
from .forward import jvp
from .tensor import Tensor, to_array


def gradients(output, inputs, grad=None):
    """∂output/∂input for each of ``inputs`` (Tensors), as Tensors that can be
    differentiated again. ``output`` must be a single number unless ``grad`` (∂L/∂output)
    is given. Nothing is stored in ``.grad``."""
    if grad is None:
        if output.size != 1:
            raise ShapeError(f"gradients: the output has shape {output.shape}, not a single number; pass grad=")
        grad = Tensor(np.ones_like(output.data), requires_grad=False)
    elif not isinstance(grad, Tensor):
        grad = Tensor(to_array(grad, "gradients"), requires_grad=False)
    grads = {id(output): grad}
    for node in reversed(topological_order(output)):
        g = grads.pop(id(node), None)
        if g is None or node._rule is None or not node.requires_grad:
            if g is not None:
                grads[id(node)] = g  # an input: keep its gradient for the caller
            continue
        parents = node._parents
        contributions = node._rule.vjp(g, node, *parents, **node._params)
        for parent, contribution in zip(parents, contributions, strict=True):
            if contribution is None or not parent.requires_grad:
                continue
            contribution = contribution() if callable(contribution) else contribution
            if not isinstance(contribution, Tensor):
                raise InputError(
                    f"{node.op}: its vjp returned an array, not a Tensor, when run on Tensors; "
                    "it is not written with recorded operations, so it has no second derivative"
                )
            contribution = unbroadcast(contribution, parent.shape)
            key = id(parent)
            grads[key] = grads[key] + contribution if key in grads else contribution
    return [grads.get(id(x)) if id(x) in grads else Tensor(np.zeros_like(x.data), requires_grad=False) for x in inputs]


def grad(f, argnum=0):
    """The function x ↦ ∂f/∂x (a Tensor), for f taking Tensors and returning one number.
    It composes: ``grad(grad(f))(x)`` is f″(x) for a number x."""

    def df(*args):
        inputs = [a if isinstance(a, Tensor) else Tensor(to_array(a, "grad")) for a in args]
        if not 0 <= argnum < len(inputs):
            raise InputError(f"grad: argnum {argnum} but f was called with {len(inputs)} arguments")
        out = f(*inputs)
        if not isinstance(out, Tensor) or out.size != 1:
            shape = out.shape if isinstance(out, Tensor) else type(out).__name__
            raise ShapeError(f"grad: f must return a single number (a Tensor of size 1), got {shape}")
        return gradients(out, [inputs[argnum]])[0]

    return df


def hvp(f, x, v):
    """H v: the Hessian of the scalar function ``f`` at ``x`` times the vector ``v`` (the
    same shape as x), exactly, by forward mode over the recorded backward pass."""
    x = np.asarray(to_array(x, "hvp"), dtype=np.float64)
    v = np.asarray(to_array(v, "hvp"), dtype=np.float64)
    if v.shape != x.shape:
        raise ShapeError(f"hvp: v has shape {v.shape}, x has {x.shape}; they must match")
    _, hv = jvp(lambda t: grad(f)(t), x, v)
    return hv


def hessian(f, x):
    """The full Hessian of the scalar ``f`` at ``x`` (flattened: n × n), one hvp per column.
    For small n only: the book never forms the Hessian of a network."""
    x = np.asarray(to_array(x, "hessian"), dtype=np.float64)
    columns = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = 1.0
        columns.append(hvp(f, x, e.reshape(x.shape)).ravel())
    return np.array(columns).T
