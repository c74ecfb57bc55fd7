"""The derivative rules: the book's table of rules, as code.

Each rule computes its forward value from numpy arrays and returns it together with its
vector-Jacobian product ``vjp(g)``: given the upstream gradient ``g = dL/d(out)`` it returns
``dL/d(input)`` for each input, by the chain rule. The formula and the book section that
derives it sit in the decorator, so ``chainrule.rules.table()`` prints the same table the
book shows. Gradients here may have the output's (broadcast) shape; the engine sums them
back to each input's shape (``broadcast.unbroadcast``).

Rules see numpy arrays only, never Tensors: they are plain math, testable on their own.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .broadcast import broadcast_shape
from .errors import ShapeError


@dataclass(frozen=True)
class Rule:
    name: str
    formula: str  # the local derivative, as the book writes it
    section: str  # the book section that derives it
    fn: Callable

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


RULES: dict[str, Rule] = {}

RULES_CH = "Chapter 2, Derivative rules"


def rule(name, formula, section=RULES_CH):
    """Register ``fn`` as the rule for operation ``name``."""

    def register(fn):
        RULES[name] = Rule(name, formula, section, fn)
        return RULES[name]

    return register


def table():
    """The rules as (operation, local derivative, section) rows."""
    return [(r.name, r.formula, r.section) for r in RULES.values()]


def elementwise(op, ufunc, a, b):
    """ufunc(a, b) with broadcasting; a shape mismatch becomes a ShapeError naming ``op``."""
    try:
        return ufunc(a, b)
    except ValueError:
        broadcast_shape(op, a.shape, b.shape)  # raises the ShapeError with both shapes
        raise


# --- Sum rule -------------------------------------------------------------------------


@rule("add", "∂(a+b)/∂a = 1,  ∂(a+b)/∂b = 1", f"{RULES_CH} § Sum rule")
def add(a, b):
    return elementwise("add", np.add, a, b), lambda g: (g, g)


@rule("sub", "∂(a−b)/∂a = 1,  ∂(a−b)/∂b = −1", f"{RULES_CH} § Sum rule")
def sub(a, b):
    return elementwise("sub", np.subtract, a, b), lambda g: (g, -g)


@rule("neg", "∂(−a)/∂a = −1", f"{RULES_CH} § Sum rule")
def neg(a):
    return -a, lambda g: (-g,)


# --- Product and quotient rules ------------------------------------------------------


@rule("mul", "∂(ab)/∂a = b,  ∂(ab)/∂b = a", f"{RULES_CH} § Product rule")
def mul(a, b):
    return elementwise("mul", np.multiply, a, b), lambda g: (g * b, g * a)


@rule("div", "∂(a/b)/∂a = 1/b,  ∂(a/b)/∂b = −a/b²", f"{RULES_CH} § Product rule")
def div(a, b):
    out = elementwise("div", np.divide, a, b)
    return out, lambda g: (g / b, -g * out / b)


@rule("pow", "∂(aᵖ)/∂a = p·aᵖ⁻¹  (p a constant)", f"{RULES_CH} § Power rule")
def pow_const(a, p):
    out = a**p
    return out, lambda g: (g * p * a ** (p - 1),)


@rule("power", "∂(aᵇ)/∂a = b·aᵇ⁻¹,  ∂(aᵇ)/∂b = aᵇ·ln a", f"{RULES_CH} § Power rule")
def power(a, b):
    out = elementwise("power", np.power, a, b)
    return out, lambda g: (g * b * a ** (b - 1), g * out * np.log(a))


# --- Linear algebra ------------------------------------------------------------------


@rule("matmul", "∂L/∂A = G Bᵀ,  ∂L/∂B = Aᵀ G", f"{RULES_CH} § Matrix products")
def matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul: needs arrays of at least 1 dimension, got shapes {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
        raise ShapeError(
            f"matmul: shapes {a.shape} and {b.shape} do not fit: "
            f"{a.shape[-1]} columns on the left, {b.shape[0 if b.ndim == 1 else -2]} rows on the right"
        )
    if a.ndim > 2 or b.ndim > 2:
        broadcast_shape("matmul", a.shape[:-2], b.shape[:-2])
    # Treat vectors as matrices (row on the left, column on the right), as np.matmul does.
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    out2 = a2 @ b2

    def grad_a(g2):
        ga = g2 @ np.swapaxes(b2, -1, -2)
        return ga[..., 0, :] if a.ndim == 1 else ga

    def grad_b(g2):
        gb = np.swapaxes(a2, -1, -2) @ g2
        return gb[..., 0] if b.ndim == 1 else gb

    def vjp(g):
        g2 = g.reshape(out2.shape)
        # Deferred: the engine calls each only if that input needs a gradient (a batch of
        # data X in X @ W does not, and ∂L/∂X would cost as much as the forward product).
        return (lambda: grad_a(g2)), (lambda: grad_b(g2))

    # Drop the axes added for vectors, as np.matmul does (the product is computed once).
    shape = out2.shape
    if a.ndim == 1:
        shape = shape[:-2] + shape[-1:]  # the row axis added to a
    if b.ndim == 1:
        shape = shape[:-1]  # the column axis added to b
    return out2.reshape(shape), vjp


# --- Reductions and shape changes -----------------------------------------------------


def _normalise_axis(op, axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if np.isscalar(axis) else tuple(axis)
    for ax in axes:
        if not -ndim <= ax < max(ndim, 1):
            raise ShapeError(f"{op}: axis {ax} is out of range for an array of {ndim} dimensions")
    return tuple(ax % max(ndim, 1) for ax in axes)


@rule("sum", "∂(Σᵢ aᵢ)/∂aⱼ = 1: the gradient is copied to every summed element", f"{RULES_CH} § Sum rule")
def sum_(a, axis=None, keepdims=False):
    axes = _normalise_axis("sum", axis, a.ndim)
    out = a.sum(axis=axes, keepdims=keepdims)

    def vjp(g):
        if not keepdims:
            g = np.expand_dims(g, axes)
        return (np.broadcast_to(g, a.shape),)

    return out, vjp


@rule("mean", "∂(mean a)/∂aⱼ = 1/m, m entries averaged", f"{RULES_CH} § Sum rule")
def mean(a, axis=None, keepdims=False):
    axes = _normalise_axis("mean", axis, a.ndim)
    count = int(np.prod([a.shape[ax] for ax in axes]))
    out, sum_vjp = sum_.fn(a, axis=axes, keepdims=keepdims)
    return out / count, lambda g: (sum_vjp(g)[0] / count,)


@rule("reshape", "moves elements without changing them: reshape the gradient back", f"{RULES_CH} § Matrix products")
def reshape(a, shape):
    try:
        out = a.reshape(shape)
    except ValueError:
        raise ShapeError(f"reshape: cannot reshape an array of shape {a.shape} ({a.size} elements) into {shape}") from None
    return out, lambda g: (g.reshape(a.shape),)


@rule("transpose", "permutes elements: apply the inverse permutation to the gradient", f"{RULES_CH} § Matrix products")
def transpose(a, axes=None):
    axes = tuple(reversed(range(a.ndim))) if axes is None else tuple(axes)
    inverse = tuple(np.argsort(axes))
    return a.transpose(axes), lambda g: (g.transpose(inverse),)


@rule("getitem", "selects elements: the gradient flows back to the selected ones, zero elsewhere", f"{RULES_CH} § Sum rule")
def getitem(a, index):
    def vjp(g):
        grad = np.zeros_like(a)
        np.add.at(grad, index, g)
        return (grad,)

    return a[index], vjp


# --- Elementary functions -------------------------------------------------------------


@rule("exp", "d eᵃ/da = eᵃ", f"{RULES_CH} § Elementary functions")
def exp(a):
    out = np.exp(a)
    return out, lambda g: (g * out,)


@rule("log", "d ln a/da = 1/a", f"{RULES_CH} § Elementary functions")
def log(a):
    return np.log(a), lambda g: (g / a,)


@rule("tanh", "d tanh a/da = 1 − tanh²a", f"{RULES_CH} § Elementary functions")
def tanh(a):
    out = np.tanh(a)
    return out, lambda g: (g * (1.0 - out * out),)


# --- Activations ---------------------------------------------------------------------


def stable_sigmoid(z):
    """σ(z) = 1/(1+e^(−z)) without overflow: only e^(−|z|) ≤ 1 is ever computed."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@rule("sigmoid", "dσ(a)/da = σ(a)(1 − σ(a))", f"{RULES_CH} § Elementary functions")
def sigmoid(a):
    out = stable_sigmoid(a)
    return out, lambda g: (g * out * (1.0 - out),)


@rule("relu", "d max(0,a)/da = 1 if a > 0, else 0 (at 0: the subgradient 0)", f"{RULES_CH} § Elementary functions")
def relu(a):
    positive = a > 0
    return np.where(positive, a, 0.0).astype(a.dtype), lambda g: (g * positive,)


@rule("leaky_relu", "d/da = 1 if a > 0, else α (at 0: α)", f"{RULES_CH} § Elementary functions")
def leaky_relu(a, alpha=0.01):
    slope = np.where(a > 0, 1.0, alpha).astype(a.dtype)
    return a * slope, lambda g: (g * slope,)


def _shifted(a, axis):
    """a − max(a): the same softmax, and exp() of it never overflows (log-sum-exp trick)."""
    return a - a.max(axis=axis, keepdims=True)


@rule("softmax", "∂sᵢ/∂aⱼ = sᵢ(δᵢⱼ − sⱼ): vjp = s ⊙ (g − ⟨g, s⟩)", f"{RULES_CH} § Elementary functions")
def softmax(a, axis=-1):
    _normalise_axis("softmax", axis, a.ndim)
    e = np.exp(_shifted(a, axis))
    out = e / e.sum(axis=axis, keepdims=True)
    return out, lambda g: (out * (g - (g * out).sum(axis=axis, keepdims=True)),)


@rule("log_softmax", "∂ log sᵢ/∂aⱼ = δᵢⱼ − sⱼ: vjp = g − s·Σg", f"{RULES_CH} § Elementary functions")
def log_softmax(a, axis=-1):
    _normalise_axis("log_softmax", axis, a.ndim)
    shifted = _shifted(a, axis)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return out, lambda g: (g - np.exp(out) * g.sum(axis=axis, keepdims=True),)


# --- Losses --------------------------------------------------------------------------


def class_labels(op, logits, labels):
    """Check labels against (N, C) logits: class indices (N,) come back as int64 indices,
    one-hot (or probability) rows (N, C) as a float array."""
    if logits.ndim != 2:
        raise ShapeError(f"{op}: logits must have shape (batch, classes), got {logits.shape}")
    n, c = logits.shape
    if labels.shape == (n,):
        if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
            raise ShapeError(f"{op}: integer class labels expected for labels of shape {labels.shape}")
        idx = labels.astype(np.int64, copy=False)
        if idx.size and (idx.min() < 0 or idx.max() >= c):
            raise ShapeError(
                f"{op}: labels must lie in 0..{c - 1} for logits of shape {logits.shape}, got {idx.min()}..{idx.max()}"
            )
        return idx
    if labels.shape == logits.shape:
        return labels.astype(logits.dtype, copy=False)
    raise ShapeError(
        f"{op}: labels of shape {labels.shape} do not fit logits of shape {logits.shape}; "
        f"expected class indices of shape ({n},) or one-hot rows of shape {logits.shape}"
    )


@rule(
    "cross_entropy",
    "L = −(1/N) Σₙ Σₖ yₙₖ log softmax(z)ₙₖ;  ∂L/∂z = (p − y)/N",
    f"{RULES_CH} § Elementary functions",
)
def cross_entropy(logits, labels):
    targets = class_labels("cross_entropy", logits, labels)
    n = logits.shape[0]
    logp, _ = log_softmax.fn(logits, axis=1)
    if targets.ndim == 1:  # class indices: y is one-hot, so only the true class's log p counts
        rows = np.arange(n)
        out = -logp[rows, targets].sum() / n

        def vjp(g):
            p_minus_y = np.exp(logp)
            p_minus_y[rows, targets] -= 1.0
            return (g * p_minus_y / n,)

        return np.asarray(out), vjp
    out = -(targets * logp).sum() / n
    return np.asarray(out), lambda g: (g * (np.exp(logp) - targets) / n,)


@rule(
    "binary_cross_entropy",
    "L = mean(−y log σ(z) − (1−y) log(1−σ(z)));  ∂L/∂z = (σ(z) − y)/N",
    f"{RULES_CH} § Elementary functions",
)
def binary_cross_entropy(logits, targets):
    if logits.shape != targets.shape:
        raise ShapeError(f"binary_cross_entropy: logits of shape {logits.shape} and targets of shape {targets.shape} differ")
    # max(z,0) − z·y + log(1 + e^(−|z|)) is the same loss, written so nothing overflows.
    out = np.mean(np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits))))
    n = logits.size
    return np.asarray(out), lambda g: (g * (stable_sigmoid(logits) - targets) / n,)
