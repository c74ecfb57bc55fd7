"""The backward pass: the chain rule applied from the loss back to every input.

Gradients live in a dict while the pass runs (as in HIPS/autograd), so nothing needs
zeroing and calling ``backward`` twice gives the same result. The graph is ordered by an
iterative depth-first search, so a chain of 100,000 operations needs no recursion.
"""

import numpy as np

from . import anomaly
from .broadcast import unbroadcast
from .errors import ShapeError


def topological_order(root):
    """Every tensor ``root`` depends on, each listed after all of its inputs."""
    order, seen = [], {id(root)}
    stack = [(root, iter(root._parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:  # go down to the first input not yet listed
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, iter(parent._parents)))
                break
        else:  # all of node's inputs are listed: node comes next
            stack.pop()
            order.append(node)
    return order


def backpropagate(root, grad=None, on_edge=None):
    """Set ``.grad = dL/d(node)`` on every tensor ``root`` (the L) depends on, except
    constants (``requires_grad=False``: plain numbers and arrays used in operations).

    ``on_edge(node, index, upstream, contribution, total)`` is called for every edge
    node → node._parents[index] as its contribution is added (used by the trace).
    """
    if grad is None:
        if root.size != 1:
            raise ShapeError(
                f"backward: the output has shape {root.shape}, not a single number; "
                "reduce it to a scalar loss (e.g. .sum() or .mean()) or pass grad= of that shape"
            )
        grad = np.ones_like(root.data)
    else:
        grad = np.asarray(grad, dtype=root.dtype)
        if grad.shape != root.shape:
            raise ShapeError(f"backward: grad of shape {grad.shape} given for an output of shape {root.shape}")

    grads = {id(root): grad}
    handed_out = set()
    checking = anomaly.enabled()
    for node in reversed(topological_order(root)):
        if not node.requires_grad:
            continue
        g = grads.pop(id(node), None)
        if g is None:  # no path carried a gradient here (e.g. only through labels)
            g = np.zeros_like(node.data)
        node.grad = _own(g, node.data.dtype, handed_out)
        rule = node._rule
        if rule is None:
            continue
        parents = node._parents
        contributions = rule.vjp(g, node.data, *[p.data for p in parents], **node._params, **node._saved)
        for index, parent in enumerate(parents):
            contribution = contributions[index]
            if contribution is None or not parent.requires_grad:
                continue
            if callable(contribution):  # a rule may defer costly work until it is needed
                contribution = contribution()
            if contribution.shape != parent.data.shape:
                contribution = unbroadcast(contribution, parent.data.shape)
            if checking:
                anomaly.check_backward(node.op, index, g, contribution)
            key = id(parent)
            # Several paths reach a reused tensor: the multivariable chain rule sums them.
            total = grads[key] + contribution if key in grads else contribution
            grads[key] = total
            if on_edge is not None:
                on_edge(node, index, g, contribution, total)


def vjp(node, g):
    """The rule that made ``node`` applied backward, on arrays: one ∂L/∂input per input
    (None, or a function that computes it when called, for inputs that may not need it)."""
    return node._rule.vjp(g, node.data, *[p.data for p in node._parents], **node._params, **node._saved)


def _own(g, dtype, handed_out):
    """``g`` as this tensor's own writable array: copied only if it is a read-only view
    (broadcast_to) or already the .grad of another tensor (add passes g on unchanged)."""
    if g.dtype != dtype or id(g) in handed_out or not g.flags.writeable:
        g = np.array(g, dtype=dtype)
    handed_out.add(id(g))
    return g
