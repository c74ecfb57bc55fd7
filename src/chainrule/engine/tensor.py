"""The Tensor: a numpy array that remembers how it was computed.

Every operation on Tensors goes through ``apply``: it runs the derivative rule's forward
(``rules.py``) and records the rule and its inputs, so that ``backward()`` (``backprop.py``)
can run the chain rule from the loss back to every input. Inside ``chainrule.jvp``
(``forward.py``) a Tensor also carries a tangent (one per running jvp), and ``apply`` pushes
it through the rule's forward-mode derivative as the value is computed.

numpy's habits work on Tensors where they make sense: ``np.sum(t)`` and ``np.exp(t)`` run
the engine's operation, comparisons (``t > 0``, ``t1 == t2``) compare values and return
boolean arrays (a step has no derivative to keep), and anything else fails with a message
naming the engine function to use (``numpy_dispatch.py``).
"""

import numpy as np

from . import anomaly, rules
from .errors import InputError, ShapeError


def to_array(value, where="Tensor"):
    """``value`` as a float numpy array, or an InputError naming ``where`` it was given."""
    if isinstance(value, Tensor):
        return value.data
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        raise InputError(f"{where}: expected numbers or an array of numbers, got {_describe(value)}") from None
    if arr.dtype.kind not in "biuf":
        raise InputError(f"{where}: expected real numbers, got {_describe(value)} (numpy dtype {arr.dtype})")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    return arr


def _describe(value):
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


class Tensor:
    """A numpy array with a gradient: ``.data`` holds the value, ``.grad`` dL/d(this)."""

    __slots__ = ("data", "grad", "name", "op", "requires_grad", "tangent", "_parents", "_rule", "_params", "_saved")

    def __init__(self, data, name=None, requires_grad=True):
        self.data = to_array(data)
        self.grad = None
        self.name = name
        self.op = None  # name of the rule that made this tensor; None for inputs
        # False for plain numbers and arrays used in an operation (data, constants):
        # backward computes no gradient for them, e.g. no ∂L/∂X for the input batch.
        self.requires_grad = requires_grad
        self.tangent = None  # d(this) along the direction given to chainrule.jvp
        self._parents = ()
        self._rule = None  # the rule that made this tensor, and its parameters (axis, ...)
        self._params = {}
        self._saved = NOTHING  # arrays the rule's forward kept for its vjp (rules.py, saves=True)

    # --- basics ---------------------------------------------------------------------

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    dtype = property(lambda self: self.data.dtype)

    def item(self):
        return self.data.item()

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        label = f", name={self.name!r}" if self.name else ""
        made_by = f", op={self.op!r}" if self.op else ""
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20)
        return f"Tensor({body}{label}{made_by})"

    def backward(self, grad=None):
        """Fill ``.grad`` of this tensor and of every tensor it depends on (chain rule)."""
        from .backprop import backpropagate

        backpropagate(self, grad)

    # --- operators (each one is a rule in rules.py) ----------------------------------

    def __add__(self, other):
        return apply(rules.add, self, other)

    def __radd__(self, other):
        return apply(rules.add, other, self)

    def __sub__(self, other):
        return apply(rules.sub, self, other)

    def __rsub__(self, other):
        return apply(rules.sub, other, self)

    def __mul__(self, other):
        return apply(rules.mul, self, other)

    def __rmul__(self, other):
        return apply(rules.mul, other, self)

    def __truediv__(self, other):
        return apply(rules.div, self, other)

    def __rtruediv__(self, other):
        return apply(rules.div, other, self)

    def __matmul__(self, other):
        return apply(rules.matmul, self, other)

    def __rmatmul__(self, other):
        return apply(rules.matmul, other, self)

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor):
            return apply(rules.power, self, exponent)
        if not np.isscalar(exponent) or isinstance(exponent, (str, bytes, complex)):
            raise InputError(f"pow: the exponent must be a real number or a Tensor, got {_describe(exponent)}")
        return apply(rules.pow_const, self, p=exponent)

    def __rpow__(self, base):
        return apply(rules.power, base, self)

    def __neg__(self):
        return apply(rules.neg, self)

    def __getitem__(self, index):
        return apply(rules.getitem, self, index=index)

    def __mod__(self, other):
        return apply(rules.mod, self, other)

    def __rmod__(self, other):
        return apply(rules.mod, other, self)

    def __abs__(self):
        return apply(rules.abs_, self)

    def __floordiv__(self, other):
        return _piecewise_constant(np.floor_divide, self, other)

    def __rfloordiv__(self, other):
        return _piecewise_constant(np.floor_divide, other, self)

    # --- comparisons and conversions: values, as numpy gives them ---------------------
    # A comparison is a step function (derivative 0 wherever it is defined): it returns a
    # boolean numpy array, not a Tensor, e.g. for masks (cr.where(t > 0, t, 0.0)).

    def __eq__(self, other):
        return self.data == _values(other)

    def __ne__(self, other):
        return self.data != _values(other)

    def __lt__(self, other):
        return self.data < _values(other)

    def __le__(self, other):
        return self.data <= _values(other)

    def __gt__(self, other):
        return self.data > _values(other)

    def __ge__(self, other):
        return self.data >= _values(other)

    __hash__ = object.__hash__  # a Tensor is a node of a graph: hashed by identity

    def __bool__(self):
        return bool(self.data)  # numpy's rule: one element only

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __array__(self, dtype=None, copy=None):
        raise InputError(
            "a Tensor was turned into a numpy array (np.array, np.asarray, or a list of Tensors given to numpy), "
            "which drops its graph: to join Tensors use cr.stack([...]) or cr.concatenate([...]); "
            "for the values alone use t.data"
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return numpy_dispatch.ufunc_on_tensors(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return numpy_dispatch.function_on_tensors(func, args, kwargs)

    # --- methods ----------------------------------------------------------------------

    def sum(self, axis=None, keepdims=False, dtype=None, out=None):
        _numpy_extras("sum", dtype, out)
        return apply(rules.sum_, self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False, dtype=None, out=None):
        _numpy_extras("mean", dtype, out)
        return apply(rules.mean, self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, ddof=0, keepdims=False, dtype=None, out=None):
        _numpy_extras("var", dtype, out)
        return apply(rules.var, self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis=None, ddof=0, keepdims=False, dtype=None, out=None):
        _numpy_extras("std", dtype, out)
        return apply(rules.std, self, axis=axis, ddof=ddof, keepdims=keepdims)

    def max(self, axis=None, keepdims=False, out=None):
        _numpy_extras("max", None, out)
        return apply(rules.max_, self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False, out=None):
        _numpy_extras("min", None, out)
        return apply(rules.min_, self, axis=axis, keepdims=keepdims)

    def clip(self, a_min=None, a_max=None, out=None):
        _numpy_extras("clip", None, out)
        if a_min is None and a_max is None:
            raise InputError("clip: give a_min, a_max or both (None means no bound on that side)")
        if isinstance(a_min, Tensor) or isinstance(a_max, Tensor):
            raise InputError("clip: the bounds are not differentiated; for Tensor bounds use cr.maximum and cr.minimum")
        return apply(rules.clip, self, a_min=a_min, a_max=a_max)

    def astype(self, dtype):
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise InputError(
                f"astype: a Tensor holds real numbers to differentiate, not {dtype}; for the values use t.data.astype({dtype})"
            )
        return apply(rules.astype, self, dtype=dtype)

    def ravel(self):
        return apply(rules.reshape, self, shape=(self.size,))

    flatten = ravel  # numpy's flatten copies, ravel may not; the engine never writes in place

    def squeeze(self, axis=None):
        axes = rules.normalise_axis("squeeze", axis, self.ndim) if axis is not None else None
        if axes is not None and any(self.shape[ax] != 1 for ax in axes):
            raise ShapeError(f"squeeze: axis {axis} of an array of shape {self.shape} does not have size 1")
        shape = tuple(n for i, n in enumerate(self.shape) if (n != 1 if axes is None else i not in axes))
        return apply(rules.reshape, self, shape=shape)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return apply(rules.reshape, self, shape=tuple(shape))

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return apply(rules.transpose, self, axes=tuple(axes) if axes else None)

    @property
    def T(self):
        return self.transpose()

    def exp(self):
        return apply(rules.exp, self)

    def log(self):
        return apply(rules.log, self)

    def tanh(self):
        return apply(rules.tanh, self)

    def sigmoid(self):
        return apply(rules.sigmoid, self)

    def relu(self):
        return apply(rules.relu, self)

    def leaky_relu(self, alpha=0.01):
        return apply(rules.leaky_relu, self, alpha=alpha)


def _numpy_extras(op, dtype, out):
    """numpy's dtype= and out= (np.sum(t) passes them): only their defaults make sense here."""
    if out is not None:
        raise InputError(f"{op}: out= would write into an array outside the graph; use the returned Tensor")
    if dtype is not None:
        raise InputError(f"{op}: dtype= is not supported; cast first with t.astype(dtype)")


def _values(x):
    return x.data if isinstance(x, Tensor) else x


def _piecewise_constant(fn, a, b):
    """A step function of Tensors (floor division): its values, as a Tensor that needs no
    gradient (the derivative is 0 wherever it is defined)."""
    return Tensor(fn(to_array(a, "floor_divide"), to_array(b, "floor_divide")), requires_grad=False)


def _constant(value, where):
    """A plain number or array used in an operation: a leaf named by its value if short."""
    arr = to_array(value, where)
    return Tensor(arr, name=f"{arr.item():g}" if arr.size == 1 else "const", requires_grad=False)


# The chainrule.jvp calls running, outermost first, as (level, record) pairs: while any is,
# apply also pushes each level's tangents (``record``: as Tensors, to be differentiated again).
ACTIVE_LEVELS = []
# How many transformations (grad, jvp) are running: inside one, jvp and jacobian return Tensors.
TRANSFORMING = [0]
NOTHING = {}  # shared, never written: most rules keep nothing for their vjp


def apply(rule, *inputs, **params):
    """Run ``rule`` on the inputs' arrays and record it, so backward can call its vjp."""
    parents = tuple([x if type(x) is Tensor or isinstance(x, Tensor) else _constant_among(x, rule.name, inputs) for x in inputs])
    arrays = [p.data for p in parents]
    data = rule.forward(*arrays, **params)
    saved = NOTHING
    if rule.saves:
        data, saved = data
    if anomaly.enabled():
        anomaly.check_forward(rule.name, arrays, data)
    out = Tensor.__new__(Tensor)
    out.data = np.asarray(data)
    out.grad = None
    out.name = None
    out.op = rule.name
    out.requires_grad = any([p.requires_grad for p in parents])
    out.tangent = None
    out._parents = parents
    out._rule = rule
    out._params = params
    out._saved = saved
    if ACTIVE_LEVELS:
        push_tangents(rule, out, parents, params)
    return out


def _constant_among(value, where, inputs):
    """A plain number next to Tensors takes their dtype, as numpy treats a Python scalar
    (float32 · 2.0 stays float32); arrays keep their own."""
    if type(value) in (float, int, bool):
        for x in inputs:
            if isinstance(x, Tensor) and x.data.dtype.kind == "f":
                arr = np.asarray(value, dtype=x.data.dtype)
                return Tensor(arr, name=f"{value:g}", requires_grad=False)
    return _constant(value, where)


def push_tangents(rule, out, parents, params):
    """Forward mode: set ``out.tangent[level]`` for every running jvp level from its inputs'
    tangents by the rule's jvp (an input without a tangent does not move: tangent 0).

    Levels are pushed outermost first. While a level's tangent is computed only the levels
    outside it run, so a recorded tangent (a Tensor) carries its own derivative along the
    outer directions: a jvp of a jvp is a second derivative, as in JAX's nested traces."""
    if len(ACTIVE_LEVELS) == 1 and not ACTIVE_LEVELS[0][1]:  # the common case: one plain jvp
        level = ACTIVE_LEVELS[0][0]
        given = [p.tangent.get(level) if p.tangent else None for p in parents]
        if any([t is not None for t in given]):
            out.tangent = {level: _array_slope(rule, out, parents, params, given)}
        return
    levels = ACTIVE_LEVELS[:]
    for i, (level, record) in enumerate(levels):
        given = [p.tangent.get(level) if p.tangent else None for p in parents]
        if all(t is None for t in given):
            continue
        if not record and i == 0:  # plain forward mode (no level outside this one): arrays only
            slope = _array_slope(rule, out, parents, params, given)
        else:
            outer = levels[:i]
            ACTIVE_LEVELS[:] = outer
            try:
                outer_ids = [lv for lv, _ in outer]
                pairs = zip(parents, given, strict=True)
                tangents = [np.zeros_like(p.data) if t is None else _lift(t, outer_ids) for p, t in pairs]
                lifted = [_lift(p, outer_ids) for p in parents]
                slope = _fit(rule.jvp(*tangents, _lift(out, outer_ids), *lifted, **params), out)
            finally:
                ACTIVE_LEVELS[:] = levels
        if out.tangent is None:
            out.tangent = {}
        out.tangent[level] = slope


def _array_slope(rule, out, parents, params, given):
    """The rule's jvp on arrays: the tangent of ``out`` from its inputs' (None: 0)."""
    tangents = [np.zeros_like(p.data) if t is None else _data(t) for p, t in zip(parents, given, strict=True)]
    slope = rule.jvp(*tangents, out.data, *[p.data for p in parents], **params)
    if type(slope) is not np.ndarray or slope.dtype != out.data.dtype:
        slope = np.asarray(slope, dtype=out.data.dtype)
    return slope if slope.shape == out.data.shape else np.broadcast_to(slope, out.data.shape)


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _lift(x, outer):
    """A Tensor where the jvp's computation must be recorded (it needs a gradient, or moves
    along an outer direction), its array elsewhere (faster)."""
    if not isinstance(x, Tensor):
        return x
    if x.requires_grad or (x.tangent and any(level in x.tangent for level in outer)):
        return x
    return x.data


def _fit(slope, out):
    """A rule's jvp result as a tangent of ``out``: its dtype and shape."""
    if isinstance(slope, Tensor):
        if slope.dtype != out.dtype:
            slope = apply(rules.astype, slope, dtype=out.dtype)
        return slope if slope.shape == out.shape else apply(rules.broadcast_to, slope, shape=out.shape)
    slope = np.asarray(slope, dtype=out.dtype)
    return slope if slope.shape == out.shape else np.broadcast_to(slope, out.shape)


from . import numpy_dispatch  # noqa: E402  (last: it maps numpy's functions to the engine's)
