"""The derivative rules: the book's table of rules, as code.

Each rule is one operation with three short functions:

- ``forward(*inputs)``: the value, from numpy arrays;
- ``vjp(g, out, *inputs)``: reverse mode. Given the upstream gradient ``g = ∂L/∂out`` it
  returns ``∂L/∂input`` for each input (the chain rule: g times the local derivative);
- ``jvp(*tangents, out, *inputs)``: forward mode. Given a small change (a tangent) of each
  input it returns the change of the output: the local derivative times the tangents.

A ``vjp`` is written with the operators (+ − * / @ **, .sum, .reshape, .transpose) and
``call(rule, ...)``, which work on numpy arrays *and* on Tensors. Backprop normally runs it
on arrays (fast). Run on Tensors, the backward pass is itself recorded as a graph of rules,
so it can be differentiated again: that is how ``chainrule.grad`` composes and
``chainrule.hvp`` gets second derivatives (``engine/higher.py``). A ``jvp`` is written the
same way: on arrays in plain forward mode, on Tensors when its result must be differentiated
again (a jvp of a jvp, a grad of a jvp: ``engine/forward.py``). What a rule treats as locally
constant (ReLU's mask, max's choice, where's condition) is taken with ``value()``.

At a kink the rule states the derivative it takes (``second_order`` and the vjp text):
|·|′(0) = 0, ReLU′(0) = 0, clip′ = 0 at its bounds, a tie of max/maximum split evenly.

The formulas and the book section that derives each rule sit in the decorator, so
``chainrule.rules.show()`` prints the same table the book shows (in Chinese in the Chinese
edition: rules_zh.py). Gradients here may have the
output's (broadcast) shape; the engine sums them back to each input's shape
(``broadcast.unbroadcast``). Rules never import Tensor: they are plain math, testable alone.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from ..language import display_width, get_language
from .broadcast import broadcast_shape, unbroadcast
from .errors import ShapeError
from .rules_zh import SECTIONS_ZH, TEXTS_ZH


@dataclass(frozen=True)
class Rule:
    name: str
    reverse: str  # the local derivative as reverse mode uses it (the VJP), as the book writes it
    forward_mode: str  # the same derivative as forward mode uses it (the JVP)
    section: str  # the book section that derives it
    forward: Callable
    vjp: Callable
    jvp: Callable
    second_order: str = ""  # a note where the second derivative needs one
    saves: bool = False  # forward returns (value, {name: array}) kept for vjp, as in JAX's custom_vjp
    body: type | None = field(default=None, repr=False)  # the class the three were written in

    def __call__(self, *args, **params):
        return self.forward(*args, **params)

    def source(self):
        """The rule as written in this file: decorator, forward, vjp and jvp."""
        return inspect.getsource(self.body)


RULES: dict[str, Rule] = {}

RULES_CH = "Chapter 2, Derivative rules"


def rule(name, vjp, jvp, section=RULES_CH, second_order="", saves=False, table=True):
    """Register the class body's forward, vjp and jvp as the rule for operation ``name``.
    With ``saves``, forward returns its value and a dict of arrays that vjp receives as
    keywords on the fast path (on Tensors vjp gets none and recomputes them, recorded).
    ``table=False``: the engine's own bookkeeping, not a rule of the book's table."""

    def register(body):
        made = Rule(name, vjp, jvp, section, body.forward, body.vjp, body.jvp, second_order, saves, body)
        if table:
            RULES[name] = made
        return made

    return register


def _words(text, language):
    """A rule's text or section in ``language`` (the Chinese in rules_zh.py; the maths is the same)."""
    if language != "zh":
        return text
    if "§" in text:
        return " § ".join(SECTIONS_ZH.get(part.strip(), part.strip()) for part in text.split("§"))
    return TEXTS_ZH.get(text, text)


def _section_is(rule, section):
    """``section``: the last part of a rule's section ("Kinks and routing"), in English or Chinese."""
    last = rule.section.split("§")[-1].strip()
    return section in (last, SECTIONS_ZH.get(last))


def table(section=None):
    """The rules as (operation, reverse mode (VJP), forward mode (JVP), section) rows, in the
    reader's language (``set_language``). ``section="Kinks and routing"``: that section's rules."""
    language = get_language()
    return [(r.name, _words(r.reverse, language), _words(r.forward_mode, language), _words(r.section, language))
            for r in RULES.values() if section is None or _section_is(r, section)]


def show(names=None, section=None, forward=True):
    """Print the rules table aligned (a Chinese character takes two columns): every rule, the
    ones ``names`` lists, or one ``section``'s; ``forward=False`` leaves out forward mode."""
    rows = [row for row in table(section) if names is None or row[0] in names]
    if names is not None and (unknown := set(names) - {row[0] for row in rows}):
        raise ValueError(f"rules.show: no rule named {', '.join(sorted(unknown))} (cr.rules.RULES lists them)")
    brackets = "（）" if get_language() == "zh" else "()"
    columns = [[name, reverse] + ([forward_mode] if forward else []) + [sec.split("§")[-1].strip().join(brackets)]
               for name, reverse, forward_mode, sec in rows]
    widths = [max(display_width(c[i]) for c in columns) for i in range(len(columns[0]))] if columns else []
    for c in columns:
        cells = [" " * (widths[0] - display_width(c[0])) + c[0]]
        cells += [cell + " " * (w - display_width(cell)) for cell, w in zip(c[1:], widths[1:], strict=True)]
        print("  ".join(cells).rstrip())


def call(rule, *args, **params):
    """``rule`` applied inside a vjp: computed directly on arrays; recorded like any operation
    when the backward pass runs on Tensors (to be differentiated again)."""
    if any(isinstance(a, tensor.Tensor) for a in args):
        return tensor.apply(rule, *args, **params)
    return rule.forward(*args, **params)[0] if rule.saves else rule.forward(*args, **params)


def value(x):
    """The array of an array or a Tensor: for what a rule treats as locally constant
    (ReLU's mask, class labels)."""
    return x.data if isinstance(x, tensor.Tensor) else x


def elementwise(op, ufunc, a, b):
    """ufunc(a, b) with broadcasting; a shape mismatch becomes a ShapeError naming ``op``."""
    try:
        return ufunc(a, b)
    except ValueError:
        broadcast_shape(op, a.shape, b.shape)  # raises the ShapeError with both shapes
        raise


# --- Sum rule -------------------------------------------------------------------------

SUM = f"{RULES_CH} § Sum rule"


@rule("add", "∂L/∂a = g,  ∂L/∂b = g", "ȧ + ḃ", SUM)
class add:
    def forward(a, b):
        return elementwise("add", np.add, a, b)

    def vjp(g, out, a, b):
        return g, g

    def jvp(da, db, out, a, b):
        return da + db


@rule("sub", "∂L/∂a = g,  ∂L/∂b = −g", "ȧ − ḃ", SUM)
class sub:
    def forward(a, b):
        return elementwise("sub", np.subtract, a, b)

    def vjp(g, out, a, b):
        return g, -g

    def jvp(da, db, out, a, b):
        return da - db


@rule("identity", "∂L/∂a = g", "ȧ", SUM, table=False)
class identity:
    """A new node with the value of its input: what grad and jvp differentiate with respect
    to, so that nested derivatives never confuse their variables (perturbation confusion)."""

    def forward(a):
        return a

    def vjp(g, out, a):
        return (g,)

    def jvp(da, out, a):
        return da


@rule("neg", "∂L/∂a = −g", "−ȧ", SUM)
class neg:
    def forward(a):
        return -a

    def vjp(g, out, a):
        return (-g,)

    def jvp(da, out, a):
        return -da


# --- Product and quotient rules ------------------------------------------------------

PRODUCT = f"{RULES_CH} § Product rule"


@rule("mul", "∂L/∂a = g·b,  ∂L/∂b = g·a", "ȧ·b + a·ḃ", PRODUCT)
class mul:
    def forward(a, b):
        return elementwise("mul", np.multiply, a, b)

    def vjp(g, out, a, b):
        return g * b, g * a

    def jvp(da, db, out, a, b):
        return da * b + a * db


@rule("div", "∂L/∂a = g/b,  ∂L/∂b = −g·a/b²", "(ȧ − (a/b)·ḃ)/b", PRODUCT)
class div:
    def forward(a, b):
        return elementwise("div", np.divide, a, b)

    def vjp(g, out, a, b):
        return g / b, -g * out / b

    def jvp(da, db, out, a, b):
        return (da - out * db) / b


@rule("pow", "∂L/∂a = g·p·aᵖ⁻¹  (p a constant)", "p·aᵖ⁻¹·ȧ", f"{RULES_CH} § Power rule")
class pow_const:
    def forward(a, p):
        return a**p

    def vjp(g, out, a, p):
        return (g * p * a ** (p - 1) if p != 0 else g * 0.0,)  # a⁰ = 1 is constant: 0, not 0·0⁻¹ at a = 0

    def jvp(da, out, a, p):
        return p * a ** (p - 1) * da if p != 0 else da * 0.0


@rule("power", "∂L/∂a = g·b·aᵇ⁻¹,  ∂L/∂b = g·aᵇ·ln a", "b·aᵇ⁻¹·ȧ + aᵇ·ln a·ḃ", f"{RULES_CH} § Power rule")
class power:
    def forward(a, b):
        return elementwise("power", np.power, a, b)

    def vjp(g, out, a, b):
        # Both deferred: a constant exponent never takes the log of a < 0, a constant base
        # (0 ** b) never computes 0 to a negative power.
        return (lambda: g * b * a ** power_exponent(b)), (lambda: g * out * log_base(a))

    def jvp(da, db, out, a, b):
        # ln a only where the exponent moves: a constant exponent never takes the log of a < 0.
        moves = isinstance(db, tensor.Tensor) or np.any(db)
        return b * a ** power_exponent(b) * da + (out * log_base(a) * db if moves else 0.0)


def power_exponent(b):
    """b − 1, and 1 where b = 0: there b·aᵇ⁻¹ is 0, not 0·0⁻¹ = NaN at a = 0 (as autograd)."""
    return call(where, b - 1.0, 1.0, condition=value(b) != 0)


def log_base(a):
    """ln a, and 0 where a = 0: there aᵇ = 0 for every b > 0, so ∂aᵇ/∂b = aᵇ·ln a is 0, not 0·(−∞)."""
    return call(log, call(where, a, 1.0, condition=value(a) != 0))


# --- Linear algebra ------------------------------------------------------------------

MATRIX = f"{RULES_CH} § Matrix products"


def check_matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul: needs arrays of at least 1 dimension, got shapes {a.shape} and {b.shape}")
    inner = b.shape[0 if b.ndim == 1 else -2]
    if a.shape[-1] != inner:
        raise ShapeError(
            f"matmul: shapes {a.shape} and {b.shape} do not fit: "
            f"{a.shape[-1]} columns on the left, {inner} rows on the right"
        )
    if a.ndim > 2 or b.ndim > 2:
        broadcast_shape("matmul", a.shape[:-2], b.shape[:-2])


def swap_last(x):
    """xᵀ of the last two axes (a batch of matrices transposed), for arrays and Tensors."""
    return x.T if x.ndim == 2 else x.transpose(tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))


@rule("matmul", "∂L/∂A = G Bᵀ,  ∂L/∂B = Aᵀ G", "Ȧ B + A Ḃ", MATRIX)
class matmul:
    def forward(a, b):
        check_matmul(a, b)
        return a @ b

    def vjp(g, out, a, b):
        # A vector is a row on the left and a column on the right (as in np.matmul): put
        # those axes back, multiply, and drop them again.
        a2 = a.reshape((1, -1)) if a.ndim == 1 else a
        b2 = b.reshape((-1, 1)) if b.ndim == 1 else b
        g2 = g.reshape(g.shape + (1,)) if b.ndim == 1 else g
        g2 = g2.reshape(g2.shape[:-1] + (1,) + g2.shape[-1:]) if a.ndim == 1 else g2

        def grad_a():
            ga = g2 @ swap_last(b2)
            return ga.reshape(ga.shape[:-2] + ga.shape[-1:]) if a.ndim == 1 else ga

        def grad_b():
            gb = swap_last(a2) @ g2
            return gb.reshape(gb.shape[:-1]) if b.ndim == 1 else gb

        # Deferred: the engine calls each only if that input needs a gradient (a batch of
        # data X in X @ W does not, and ∂L/∂X would cost as much as the forward product).
        return grad_a, grad_b

    def jvp(da, db, out, a, b):
        return da @ b + a @ db


# --- Reductions and shape changes -----------------------------------------------------


def normalise_axis(op, axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, checked first
        return (axis % ndim,)
    axes = (axis,) if np.isscalar(axis) else tuple(axis)
    for ax in axes:
        if not -ndim <= ax < max(ndim, 1):
            raise ShapeError(f"{op}: axis {ax} is out of range for an array of {ndim} dimensions")
    return tuple(ax % max(ndim, 1) for ax in axes)


def kept_shape(shape, axes):
    """The shape of a reduction over ``axes`` with keepdims=True."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


@rule("sum", "∂L/∂aⱼ = g: the gradient is copied to every summed element", "Σ ȧ", SUM)
class sum_:
    def forward(a, axis=None, keepdims=False):
        return a.sum(axis=normalise_axis("sum", axis, a.ndim), keepdims=keepdims)

    def vjp(g, out, a, axis=None, keepdims=False):
        axes = normalise_axis("sum", axis, a.ndim)
        g = g if keepdims else g.reshape(kept_shape(a.shape, axes))
        return (call(broadcast_to, g, shape=a.shape),)

    def jvp(da, out, a, axis=None, keepdims=False):
        return da.sum(axis=normalise_axis("sum", axis, a.ndim), keepdims=keepdims)


@rule("mean", "∂L/∂aⱼ = g/m, m entries averaged", "mean ȧ", SUM)
class mean:
    def forward(a, axis=None, keepdims=False):
        axes = normalise_axis("mean", axis, a.ndim)
        return a.sum(axis=axes, keepdims=keepdims) / int(np.prod([a.shape[ax] for ax in axes]))

    def vjp(g, out, a, axis=None, keepdims=False):
        axes = normalise_axis("mean", axis, a.ndim)
        count = int(np.prod([a.shape[ax] for ax in axes]))
        return (sum_.vjp(g, None, a, axis=axes, keepdims=keepdims)[0] / count,)

    def jvp(da, out, a, axis=None, keepdims=False):
        return da.mean(axis=normalise_axis("mean", axis, a.ndim), keepdims=keepdims)


@rule("broadcast_to", "∂L/∂a = g summed over the copies", "ȧ copied", SUM)
class broadcast_to:
    def forward(a, shape):
        return np.broadcast_to(a, shape)

    def vjp(g, out, a, shape):
        return (unbroadcast(g, a.shape),)

    def jvp(da, out, a, shape):
        return call(broadcast_to, da, shape=shape)


@rule("reshape", "∂L/∂a = g reshaped back: elements move, values do not change", "ȧ reshaped", MATRIX)
class reshape:
    def forward(a, shape):
        try:
            return a.reshape(shape)
        except ValueError:
            raise ShapeError(f"reshape: cannot reshape an array of shape {a.shape} ({a.size} elements) into {shape}") from None

    def vjp(g, out, a, shape):
        return (g.reshape(a.shape),)

    def jvp(da, out, a, shape):
        return da.reshape(shape)


@rule("transpose", "∂L/∂a = g with the inverse permutation", "ȧ permuted", MATRIX)
class transpose:
    def forward(a, axes=None):
        return a.transpose(axes)

    def vjp(g, out, a, axes=None):
        axes = tuple(reversed(range(a.ndim))) if axes is None else tuple(axes)
        return (g.transpose(tuple(np.argsort(axes))),)

    def jvp(da, out, a, axes=None):
        return da.transpose(axes)


@rule("getitem", "∂L/∂a = g at the selected elements, 0 elsewhere", "ȧ selected", SUM)
class getitem:
    def forward(a, index):
        return a[index]

    def vjp(g, out, a, index):
        return (call(scatter, g, index=index, shape=a.shape),)

    def jvp(da, out, a, index):
        return da[index]


@rule("scatter", "∂L/∂a = g at the places a was put", "ȧ put in place", SUM)
class scatter:
    """The reverse of getitem: a zero array of ``shape`` with ``a`` added at ``index``."""

    def forward(a, index, shape):
        out = np.zeros(shape, dtype=a.dtype)
        np.add.at(out, index, a)
        return out

    def vjp(g, out, a, index, shape):
        return (g[index],)

    def jvp(da, out, a, index, shape):
        return call(scatter, da, index=index, shape=shape)


def count(shape, axes):
    return int(np.prod([shape[ax] for ax in axes]))


@rule("var", "∂L/∂aⱼ = g·2(aⱼ − ā)/(m − ddof)", "Σ 2(a − ā)·ȧ/(m − ddof)", SUM)
class var:
    def forward(a, axis=None, ddof=0, keepdims=False):
        return a.var(axis=normalise_axis("var", axis, a.ndim), ddof=ddof, keepdims=keepdims)

    def vjp(g, out, a, axis=None, ddof=0, keepdims=False):
        axes = normalise_axis("var", axis, a.ndim)
        centred = a - call(mean, a, axis=axes, keepdims=True)
        return (kept(g, a.shape, axes, keepdims) * centred * (2.0 / (count(a.shape, axes) - ddof)),)

    def jvp(da, out, a, axis=None, ddof=0, keepdims=False):
        axes = normalise_axis("var", axis, a.ndim)
        centred = a - call(mean, a, axis=axes, keepdims=True)
        return (centred * da).sum(axis=axes, keepdims=keepdims) * (2.0 / (count(a.shape, axes) - ddof))


STD_KINK = "√ has an infinite slope at 0: where all entries are equal (std 0) the engine takes the subgradient 0"


@rule("std", "∂L/∂aⱼ = g·(aⱼ − ā)/((m − ddof)·std)  (std = 0: 0)", "Σ (a − ā)·ȧ/((m − ddof)·std)", SUM, STD_KINK)
class std:
    def forward(a, axis=None, ddof=0, keepdims=False):
        return a.std(axis=normalise_axis("std", axis, a.ndim), ddof=ddof, keepdims=keepdims)

    def vjp(g, out, a, axis=None, ddof=0, keepdims=False):
        axes = normalise_axis("std", axis, a.ndim)
        s = kept(out, a.shape, axes, keepdims)
        centred = a - call(mean, a, axis=axes, keepdims=True)
        return (kept(g, a.shape, axes, keepdims) * centred / (safe_spread(s) * (count(a.shape, axes) - ddof)),)

    def jvp(da, out, a, axis=None, ddof=0, keepdims=False):
        axes = normalise_axis("std", axis, a.ndim)
        centred = a - call(mean, a, axis=axes, keepdims=True)
        return (centred * da).sum(axis=axes, keepdims=keepdims) / (safe_spread(out) * (count(a.shape, axes) - ddof))


def safe_spread(s):
    """The std with 0 replaced by ∞, so that 1/std becomes the subgradient 0 there."""
    return call(where, s, np.inf, condition=value(s) > 0)


def split_points(arrays, axis):
    sizes = [x.shape[axis] for x in arrays]
    return np.cumsum([0] + sizes)


@rule("concatenate", "∂L/∂aₖ = g's slice where aₖ was put", "the ȧₖ concatenated", MATRIX)
class concatenate:
    """Any number of inputs; ``axis`` as in np.concatenate."""

    def forward(*arrays, axis=0):
        try:
            return np.concatenate(arrays, axis=axis)
        except (ValueError, np.exceptions.AxisError) as err:
            shapes = ", ".join(str(x.shape) for x in arrays)
            raise ShapeError(f"concatenate: cannot join arrays of shapes {shapes} along axis {axis}: {err}") from None

    def vjp(g, out, *arrays, axis=0):
        ax = axis % out.ndim
        at = split_points(arrays, ax)
        return tuple(g[(slice(None),) * ax + (slice(at[k], at[k + 1]),)] for k in range(len(arrays)))

    def jvp(*args, axis=0):
        n = (len(args) - 1) // 2  # args: n tangents, out, n inputs
        return call(concatenate, *args[:n], axis=axis)


@rule("stack", "∂L/∂aₖ = g's k-th slice along the new axis", "the ȧₖ stacked", MATRIX)
class stack:
    """Any number of inputs of one shape; ``axis`` as in np.stack."""

    def forward(*arrays, axis=0):
        try:
            return np.stack(arrays, axis=axis)
        except (ValueError, np.exceptions.AxisError) as err:
            shapes = ", ".join(str(x.shape) for x in arrays)
            raise ShapeError(f"stack: cannot stack arrays of shapes {shapes} along axis {axis}: {err}") from None

    def vjp(g, out, *arrays, axis=0):
        ax = axis % out.ndim
        return tuple(g[(slice(None),) * ax + (k,)] for k in range(len(arrays)))

    def jvp(*args, axis=0):
        n = (len(args) - 1) // 2
        return call(stack, *args[:n], axis=axis)


@rule("astype", "∂L/∂a = g cast back to a's dtype", "ȧ cast", SUM)
class astype:
    def forward(a, dtype):
        return a.astype(dtype)

    def vjp(g, out, a, dtype):
        return (call(astype, g, dtype=a.dtype) if g.dtype != a.dtype else g,)

    def jvp(da, out, a, dtype):
        return call(astype, da, dtype=dtype) if da.dtype != dtype else da


# --- Elementary functions -------------------------------------------------------------

ELEMENTARY = f"{RULES_CH} § Elementary functions"


@rule("exp", "∂L/∂a = g·eᵃ", "eᵃ·ȧ", ELEMENTARY)
class exp:
    def forward(a):
        return np.exp(a)

    def vjp(g, out, a):
        return (g * out,)

    def jvp(da, out, a):
        return out * da


@rule("log", "∂L/∂a = g/a", "ȧ/a", ELEMENTARY)
class log:
    def forward(a):
        return np.log(a)

    def vjp(g, out, a):
        return (g / a,)

    def jvp(da, out, a):
        return da / a


@rule("tanh", "∂L/∂a = g·(1 − tanh²a)", "(1 − tanh²a)·ȧ", ELEMENTARY)
class tanh:
    def forward(a):
        return np.tanh(a)

    def vjp(g, out, a):
        return (g * (1.0 - out * out),)

    def jvp(da, out, a):
        return (1.0 - out * out) * da


@rule("sin", "∂L/∂a = g·cos a", "cos a·ȧ", ELEMENTARY)
class sin:
    def forward(a):
        return np.sin(a)

    def vjp(g, out, a):
        return (g * call(cos, a),)  # sin′ = cos

    def jvp(da, out, a):
        return call(cos, a) * da


@rule("cos", "∂L/∂a = −g·sin a", "−sin a·ȧ", ELEMENTARY)
class cos:
    def forward(a):
        return np.cos(a)

    def vjp(g, out, a):
        return (-g * call(sin, a),)  # cos′ = −sin

    def jvp(da, out, a):
        return -call(sin, a) * da


@rule("sqrt", "∂L/∂a = g/(2√a)  (infinite at a = 0)", "ȧ/(2√a)", ELEMENTARY)
class sqrt:
    def forward(a):
        return np.sqrt(a)

    def vjp(g, out, a):
        return (g * 0.5 / out,)  # (√a)′ = 1/(2√a)

    def jvp(da, out, a):
        return da * 0.5 / out


@rule("log1p", "∂L/∂a = g/(1 + a)", "ȧ/(1 + a)", ELEMENTARY)
class log1p:
    def forward(a):
        return np.log1p(a)  # log(1 + a), exact for tiny a

    def vjp(g, out, a):
        return (g / (1.0 + a),)

    def jvp(da, out, a):
        return da / (1.0 + a)


@rule("expm1", "∂L/∂a = g·eᵃ", "eᵃ·ȧ", ELEMENTARY)
class expm1:
    def forward(a):
        return np.expm1(a)  # eᵃ − 1, exact for tiny a

    def vjp(g, out, a):
        return (g * (out + 1.0),)  # eᵃ = out + 1

    def jvp(da, out, a):
        return (out + 1.0) * da


@rule("logaddexp", "∂L/∂a = g·eᵃ⁻ᵒᵘᵗ,  ∂L/∂b = g·eᵇ⁻ᵒᵘᵗ  (softmax of (a, b))", "eᵃ⁻ᵒᵘᵗ·ȧ + eᵇ⁻ᵒᵘᵗ·ḃ", ELEMENTARY)
class logaddexp:
    def forward(a, b):
        return elementwise("logaddexp", np.logaddexp, a, b)  # log(eᵃ + eᵇ), no overflow

    def vjp(g, out, a, b):
        return g * call(exp, a - out), g * call(exp, b - out)

    def jvp(da, db, out, a, b):
        return call(exp, a - out) * da + call(exp, b - out) * db


@rule("mod", "∂L/∂a = g,  ∂L/∂b = −g·⌊a/b⌋  (a jump where a/b is an integer)", "ȧ − ⌊a/b⌋·ḃ", SUM)
class mod:
    def forward(a, b):
        return elementwise("mod", np.mod, a, b)  # a − b·⌊a/b⌋

    def vjp(g, out, a, b):
        return g, -g * np.floor(value(a) / value(b))  # ⌊a/b⌋ is locally constant

    def jvp(da, db, out, a, b):
        return da - np.floor(value(a) / value(b)) * db


# --- Kinks and routing: |a|, max, where, clip --------------------------------------------

KINKS = f"{RULES_CH} § Kinks and routing"


def same_dtype(mask, x):
    """A 0/1 (or share) array as x's float dtype, so float32 stays float32."""
    return np.asarray(mask, dtype=np.result_type(value(x).dtype, np.float16))


ABS_KINK = "|a| has a corner at 0: the engine takes |·|′(0) = 0 (a subgradient, as ReLU′(0) = 0), and |·|″ = 0"


@rule("abs", "∂L/∂a = g·sign(a)  (at 0: the subgradient 0)", "sign(a)·ȧ", KINKS, ABS_KINK)
class abs_:
    def forward(a):
        return np.abs(a)

    def vjp(g, out, a):
        return (g * same_dtype(np.sign(value(a)), g),)  # sign(0) = 0; the sign is locally constant

    def jvp(da, out, a):
        return same_dtype(np.sign(value(a)), da) * da


def larger_share(a, b, larger):
    """How much of max(a, b)'s gradient goes to a: 1 where a wins, 0 where b wins, ½ at a tie."""
    a, b = value(a), value(b)
    return np.asarray(larger(a, b) + 0.5 * (a == b), dtype=np.result_type(a.dtype, b.dtype, np.float16))


TIES = "at a tie a = b the gradient is split evenly, ½ to each (as HIPS/autograd does); the second derivative is 0"


@rule("maximum", "∂L/∂a = g where a > b, ∂L/∂b = g where b > a  (tie: ½ each)", "ȧ where a > b, else ḃ (tie: mean)", KINKS, TIES)
class maximum:
    def forward(a, b):
        return elementwise("maximum", np.maximum, a, b)

    def vjp(g, out, a, b):
        share = larger_share(a, b, np.greater)  # locally constant
        return g * share, g * (1.0 - share)

    def jvp(da, db, out, a, b):
        share = larger_share(a, b, np.greater)
        return share * da + (1.0 - share) * db


@rule("minimum", "∂L/∂a = g where a < b, ∂L/∂b = g where b < a  (tie: ½ each)", "ȧ where a < b, else ḃ (tie: mean)", KINKS, TIES)
class minimum:
    def forward(a, b):
        return elementwise("minimum", np.minimum, a, b)

    def vjp(g, out, a, b):
        share = larger_share(a, b, np.less)
        return g * share, g * (1.0 - share)

    def jvp(da, db, out, a, b):
        share = larger_share(a, b, np.less)
        return share * da + (1.0 - share) * db


def chosen_share(a, out, axes, keepdims):
    """1/k at each of the k elements equal to the max (or min) along ``axes``, 0 elsewhere."""
    a, out = value(a), value(out)
    chosen = a == (out if keepdims else out.reshape(kept_shape(a.shape, axes)))
    return same_dtype(chosen / chosen.sum(axis=axes, keepdims=True), a)


def kept(g, shape, axes, keepdims):
    """A reduction's gradient with the reduced axes put back (as size 1)."""
    return g if keepdims else g.reshape(kept_shape(shape, axes))


TIES_AXIS = "k elements tied for the max share its gradient evenly, 1/k each (as HIPS/autograd does)"


@rule("max", "∂L/∂aⱼ = g at the largest element, 0 elsewhere  (k tied: g/k each)", "ȧ at the largest element", KINKS, TIES_AXIS)
class max_:
    def forward(a, axis=None, keepdims=False):
        return a.max(axis=normalise_axis("max", axis, a.ndim), keepdims=keepdims)

    def vjp(g, out, a, axis=None, keepdims=False):
        axes = normalise_axis("max", axis, a.ndim)
        return (kept(g, a.shape, axes, keepdims) * chosen_share(a, out, axes, keepdims),)  # the mask is locally constant

    def jvp(da, out, a, axis=None, keepdims=False):
        axes = normalise_axis("max", axis, a.ndim)
        return (da * chosen_share(a, out, axes, keepdims)).sum(axis=axes, keepdims=keepdims)


@rule("min", "∂L/∂aⱼ = g at the smallest element, 0 elsewhere  (k tied: g/k each)", "ȧ at the smallest element", KINKS, TIES_AXIS)
class min_:
    def forward(a, axis=None, keepdims=False):
        return a.min(axis=normalise_axis("min", axis, a.ndim), keepdims=keepdims)

    def vjp(g, out, a, axis=None, keepdims=False):
        axes = normalise_axis("min", axis, a.ndim)
        return (kept(g, a.shape, axes, keepdims) * chosen_share(a, out, axes, keepdims),)

    def jvp(da, out, a, axis=None, keepdims=False):
        axes = normalise_axis("min", axis, a.ndim)
        return (da * chosen_share(a, out, axes, keepdims)).sum(axis=axes, keepdims=keepdims)


@rule("where", "∂L/∂x = g where the condition holds, ∂L/∂y = g elsewhere", "ẋ where the condition holds, else ẏ", KINKS)
class where:
    """``condition`` is data (booleans): the gradient is routed, never differentiated."""

    def forward(x, y, condition):
        return np.where(condition, x, y)

    def vjp(g, out, x, y, condition):
        return g * same_dtype(condition, g), g * same_dtype(~condition, g)

    def jvp(dx, dy, out, x, y, condition):
        return call(where, dx, dy, condition=condition)


CLIP_KINK = "clip′ is 1 strictly inside (a_min, a_max), 0 at and beyond the bounds: clip(a, 0, None) is ReLU, ReLU′(0) = 0"


@rule("clip", "∂L/∂a = g where a_min < a < a_max, else 0  (at a bound: 0)", "ȧ where a_min < a < a_max, else 0", KINKS, CLIP_KINK)
class clip:
    """The bounds are numbers (or arrays) given as parameters; None means no bound on that side."""

    def forward(a, a_min=None, a_max=None):
        return np.clip(a, a_min, a_max)

    def vjp(g, out, a, a_min=None, a_max=None):
        return (g * clip_inside(a, a_min, a_max),)  # the mask is locally constant

    def jvp(da, out, a, a_min=None, a_max=None):
        return clip_inside(a, a_min, a_max) * da


def clip_inside(a, a_min, a_max):
    a = value(a)
    inside = np.ones(a.shape, dtype=bool)
    if a_min is not None:
        inside = inside & (a > a_min)  # not in place: array bounds may broadcast a
    if a_max is not None:
        inside = inside & (a < a_max)
    return same_dtype(inside, a)


# --- Activations ---------------------------------------------------------------------


def stable_sigmoid(z):
    """σ(z) = 1/(1+e^(−z)) without overflow for any z (scipy's expit, one pass in C)."""
    return expit(z)


@rule("sigmoid", "∂L/∂a = g·σ(a)(1 − σ(a))", "σ(a)(1 − σ(a))·ȧ", ELEMENTARY)
class sigmoid:
    def forward(a):
        return expit(a)

    def vjp(g, out, a):
        return (g * out * (1.0 - out),)

    def jvp(da, out, a):
        return out * (1.0 - out) * da


KINK = "ReLU′ jumps at 0: the engine takes ReLU′(0) = 0 (a subgradient) and the second derivative 0 everywhere, 0 included"


@rule("relu", "∂L/∂a = g if a > 0, else 0 (at 0: the subgradient 0)", "ȧ if a > 0, else 0", ELEMENTARY, KINK)
class relu:
    def forward(a):
        return np.where(a > 0, a, 0.0).astype(a.dtype)

    def vjp(g, out, a):
        return (g * (value(a) > 0),)  # the mask is locally constant: ReLU″ = 0

    def jvp(da, out, a):
        return (value(a) > 0) * da


LEAKY_KINK = "the slope jumps from α to 1 at 0: the engine takes α there, and the second derivative 0 everywhere"


@rule("leaky_relu", "∂L/∂a = g if a > 0, else α·g (at 0: α)", "ȧ if a > 0, else α·ȧ", ELEMENTARY, LEAKY_KINK)
class leaky_relu:
    def forward(a, alpha=0.01):
        return a * np.where(a > 0, 1.0, alpha).astype(a.dtype)

    def vjp(g, out, a, alpha=0.01):
        return (g * same_dtype(np.where(value(a) > 0, 1.0, alpha), a),)

    def jvp(da, out, a, alpha=0.01):
        return same_dtype(np.where(value(a) > 0, 1.0, alpha), a) * da


def shifted(a, axis):
    """a − max(a): the same softmax, and exp() of it never overflows (log-sum-exp trick)."""
    return a - a.max(axis=axis, keepdims=True)


@rule("softmax", "∂pᵢ/∂aⱼ = pᵢ([i = j] − pⱼ): ∂L/∂a = p ⊙ (g − ⟨g, p⟩)", "p ⊙ (ȧ − ⟨p, ȧ⟩)", ELEMENTARY)
class softmax:
    def forward(a, axis=-1):
        normalise_axis("softmax", axis, a.ndim)
        e = np.exp(shifted(a, axis))
        e /= e.sum(axis=axis, keepdims=True)
        return e

    def vjp(g, out, a, axis=-1):
        return (out * (g - (g * out).sum(axis=axis, keepdims=True)),)

    def jvp(da, out, a, axis=-1):
        return out * (da - (out * da).sum(axis=axis, keepdims=True))


@rule("log_softmax", "∂ log pᵢ/∂aⱼ = [i = j] − pⱼ: ∂L/∂a = g − p·Σg", "ȧ − ⟨p, ȧ⟩", ELEMENTARY)
class log_softmax:
    def forward(a, axis=-1):
        normalise_axis("log_softmax", axis, a.ndim)
        z = shifted(a, axis)
        return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))

    def vjp(g, out, a, axis=-1):
        return (g - call(exp, out) * g.sum(axis=axis, keepdims=True),)

    def jvp(da, out, a, axis=-1):
        return da - (call(exp, out) * da).sum(axis=axis, keepdims=True)


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
        sums = labels.sum(axis=1)
        if not np.allclose(sums, 1.0, atol=1e-6):
            # −Σ y log p has gradient p·Σy − y; the rule (and the book) use p − y, true when Σy = 1.
            row = int(np.argmax(np.abs(sums - 1.0)))
            raise ShapeError(
                f"{op}: each row of (N, C) labels must sum to 1 (one-hot or probabilities); row {row} sums to {sums[row]:.4g}"
            )
        return labels.astype(logits.dtype, copy=False)
    raise ShapeError(
        f"{op}: labels of shape {labels.shape} do not fit logits of shape {logits.shape}; "
        f"expected class indices of shape ({n},) or one-hot rows of shape {logits.shape}"
    )


def one_hot(labels, shape, dtype):
    """Class indices (N,) as one-hot rows (N, C); rows (N, C) as they are."""
    if labels.ndim == 2:
        return labels
    y = np.zeros(shape, dtype=dtype)
    y[np.arange(len(labels)), labels] = 1.0
    return y


@rule(
    "cross_entropy",
    "L = −(1/N) Σₙ Σₖ yₙₖ log softmax(z)ₙₖ;  ∂L/∂z = g·(p − y)/N",
    "⟨p − y, ż⟩/N",
    ELEMENTARY,
    saves=True,
)
class cross_entropy:
    """``labels``: int64 class indices (N,) or rows (N, C) summing to 1, as ``class_labels``
    returns them (``functions.cross_entropy`` checks them once, before the rule runs)."""

    def forward(logits, labels):
        z = shifted(logits, 1)
        e = np.exp(z)
        total = e.sum(axis=1)
        log_p = z - np.log(total)[:, None]
        if labels.ndim == 1:  # class indices: only the true class's log p counts
            loss = -log_p[np.arange(len(z)), labels].sum() / len(z)
        else:
            loss = -(labels * log_p).sum() / len(z)
        return np.asarray(loss), {"p": e / total[:, None]}  # p, the softmax, kept for vjp

    def vjp(g, out, logits, labels, p=None):
        p = call(softmax, logits, axis=1) if p is None else p
        return (g * (p - one_hot(labels, logits.shape, logits.dtype)) / len(labels),)

    def jvp(dz, out, logits, labels):
        p_minus_y = call(softmax, logits, axis=1) - one_hot(labels, logits.shape, logits.dtype)
        return (p_minus_y * dz).sum() / len(logits)


@rule(
    "binary_cross_entropy",
    "L = mean(−y log σ(z) − (1−y) log(1−σ(z)));  ∂L/∂z = g·(σ(z) − y)/N",
    "⟨σ(z) − y, ż⟩/N",
    ELEMENTARY,
)
class binary_cross_entropy:
    def forward(logits, targets):
        if logits.shape != targets.shape:
            raise ShapeError(
                f"binary_cross_entropy: logits of shape {logits.shape} and targets of shape {targets.shape} differ"
            )
        # max(z,0) − z·y + log(1 + e^(−|z|)) is the same loss, written so nothing overflows.
        return np.asarray(np.mean(np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))))

    def vjp(g, out, logits, targets):
        return (g * (call(sigmoid, logits) - targets) / targets.size,)

    def jvp(dz, out, logits, targets):
        return ((call(sigmoid, logits) - targets) * dz).sum() / targets.size


from . import tensor  # noqa: E402  (last: tensor imports this module; call() needs Tensor)
