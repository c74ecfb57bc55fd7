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

Every transformation composes with every other: grad of grad, jvp of grad (hvp), grad of
jvp, jvp of jvp, and ``jacobian`` in either mode of either. ``grad`` and ``jvp`` each
differentiate with respect to a fresh node (an identity rule on their argument), so a
derivative inside another never confuses the two variables (perturbation confusion).
"""

import numpy as np

from . import rules
from .backprop import topological_order
from .broadcast import unbroadcast
from .errors import InputError, ShapeError
from .forward import fresh_input, jvp, nested
from .tensor import TRANSFORMING, Tensor, apply, to_array


def gradients(output, inputs, grad=None):
    """∂output/∂input for each of ``inputs`` (Tensors), as Tensors that can be
    differentiated again, each of its input's dtype. ``output`` must be a single number
    unless ``grad`` (∂L/∂output) is given. Nothing is stored in ``.grad``. Only the part
    of the graph between the inputs and the output is visited."""
    if grad is None:
        if output.size != 1:
            raise ShapeError(f"gradients: the output has shape {output.shape}, not a single number; pass grad=")
        grad = Tensor(np.ones_like(output.data), requires_grad=False)
    elif not isinstance(grad, Tensor):
        grad = Tensor(np.asarray(to_array(grad, "gradients"), dtype=output.dtype), requires_grad=False)
    order = topological_order(output)
    wanted = {id(x) for x in inputs}
    leads_to_input = set()  # nodes with a path to one of the inputs: only they need gradients
    for node in order:
        if id(node) in wanted or any(id(p) in leads_to_input for p in node._parents):
            leads_to_input.add(id(node))
    grads = {id(output): grad}
    found = {}
    for node in reversed(order):
        g = grads.pop(id(node), None)
        if g is None or id(node) not in leads_to_input:
            continue
        if id(node) in wanted:
            found[id(node)] = g
        if node._rule is None or not node.requires_grad:
            continue
        parents = node._parents
        contributions = node._rule.vjp(g, node, *parents, **node._params)
        for parent, contribution in zip(parents, contributions, strict=True):
            if contribution is None or id(parent) not in leads_to_input:
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
    return [_as_dtype(found[id(x)], x) if id(x) in found else _zeros(x) for x in inputs]


def _as_dtype(g, x):
    """A gradient has its input's dtype (float32 in, float32 out), as backward gives it."""
    return g if g.dtype == x.dtype else apply(rules.astype, g, dtype=x.dtype)


def _zeros(x):
    return Tensor(np.zeros_like(x.data), requires_grad=False)


def grad(f, argnum=0):
    """The function x ↦ ∂f/∂x (a Tensor of x's dtype), for f taking Tensors and returning one
    number (a plain number, not built from x, gives zeros). It composes: ``grad(grad(f))(x)``
    is f″(x) for a number x, and grad of a jvp (or a jvp of grad) works too."""

    def df(*args):
        if not 0 <= argnum < len(args):
            raise InputError(f"grad: argnum {argnum} but f was called with {len(args)} arguments")
        inputs = [a if isinstance(a, Tensor) else Tensor(to_array(a, "grad")) for a in args]
        x = inputs[argnum] = fresh_input(args[argnum], "grad", requires_grad=True)
        TRANSFORMING[0] += 1
        try:
            out = f(*inputs)
        finally:
            TRANSFORMING[0] -= 1
        if not isinstance(out, Tensor):
            value = np.asarray(out)
            if value.size != 1 or value.dtype.kind not in "biuf":
                raise ShapeError(f"grad: f must return a single number (a Tensor of size 1), got {_describe(out)}")
            return _zeros(x)  # a constant: its derivative is 0
        if out.size != 1:
            raise ShapeError(f"grad: f must return a single number (a Tensor of size 1), got shape {out.shape}")
        return gradients(out, [x])[0]

    return df


def _describe(out):
    return f"shape {np.shape(out)}" if hasattr(out, "shape") else type(out).__name__


def hvp(f, x, v):
    """H v: the Hessian of the scalar function ``f`` at ``x`` times the vector ``v`` (the
    same shape as x), exactly, by forward mode over the recorded backward pass. Arrays in,
    an array out (float64); a Tensor (composable) inside another transformation."""
    if not nested(x, v):
        x = np.asarray(to_array(x, "hvp"), dtype=np.float64)
        v = np.asarray(to_array(v, "hvp"), dtype=np.float64)
    if np.shape(v.data if isinstance(v, Tensor) else v) != np.shape(x.data if isinstance(x, Tensor) else x):
        raise ShapeError(f"hvp: v has shape {np.shape(_values(v))}, x has {np.shape(_values(x))}; they must match")
    _, hv = jvp(lambda t: grad(f)(t), x, v)
    return hv


def _values(x):
    return x.data if isinstance(x, Tensor) else x


def hessian(f, x):
    """The full Hessian of the scalar ``f`` at ``x`` (flattened: n × n), one hvp per column.
    For small n only: the book never forms the Hessian of a network."""
    if nested(x):
        from .functions import stack

        x = x if isinstance(x, Tensor) else Tensor(to_array(x, "hessian"), requires_grad=False)
        columns = [hvp(f, x, np.eye(x.size, dtype=x.dtype)[j].reshape(x.shape)).reshape(-1) for j in range(x.size)]
        return stack(columns, axis=1)
    x = np.asarray(to_array(x, "hessian"), dtype=np.float64)
    columns = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = 1.0
        columns.append(hvp(f, x, e.reshape(x.shape)).ravel())
    return np.array(columns).T
