"""numpy's functions called on Tensors: ``np.sum(t)``, ``np.exp(t)``, ``ndarray + t``.

numpy hands a call that involves a Tensor to ``Tensor.__array_ufunc__`` (ufuncs: np.exp,
np.add, the operators of an ndarray on the left) or ``Tensor.__array_function__`` (np.sum,
np.concatenate, ...). Each either runs the engine's operation of the same name, so the
gradient is kept, or computes on the values where the result is a step function (np.sign,
comparisons: derivative 0), or fails with a message naming the engine function to use.
"""

import numpy as np

from . import functions, rules
from .errors import InputError
from .tensor import Tensor, apply


def _rule(rule):
    return lambda *xs: apply(rule, *xs)


# ufunc → the engine operation (a Tensor result, differentiable)
UFUNCS = {
    np.add: _rule(rules.add),
    np.subtract: _rule(rules.sub),
    np.multiply: _rule(rules.mul),
    np.divide: _rule(rules.div),
    np.matmul: _rule(rules.matmul),
    np.negative: _rule(rules.neg),
    np.remainder: _rule(rules.mod),
    np.power: lambda a, b: a**b if isinstance(a, Tensor) else apply(rules.power, a, b),
    np.exp: functions.exp,
    np.log: functions.log,
    np.tanh: functions.tanh,
    np.sin: functions.sin,
    np.cos: functions.cos,
    np.sqrt: functions.sqrt,
    np.absolute: functions.abs,
    np.maximum: functions.maximum,
    np.minimum: functions.minimum,
    np.log1p: functions.log1p,
    np.expm1: functions.expm1,
    np.logaddexp: functions.logaddexp,
}
# ufuncs whose result is a step function (or a test): computed on the values, as numpy does.
ON_VALUES = {
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
    np.isfinite, np.isnan, np.isinf, np.sign, np.floor, np.ceil, np.rint, np.trunc,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor, np.floor_divide,
}  # fmt: skip


def _values(args):
    return [a.data if isinstance(a, Tensor) else a for a in args]


def ufunc_on_tensors(ufunc, method, inputs, kwargs):
    name = f"np.{ufunc.__name__}"
    if method == "__call__" and ufunc in ON_VALUES:
        return getattr(ufunc, method)(*_values(inputs), **kwargs)
    if method != "__call__" or kwargs or ufunc not in UFUNCS:
        if method != "__call__" or ufunc not in UFUNCS:
            raise InputError(
                f"{name}{'' if method == '__call__' else '.' + method} is not an operation of the engine: "
                f"use the engine's functions (cr.exp, cr.sin, cr.maximum, t.sum(), ...; rules listed by "
                f"cr.rules.table()), or {name} on t.data for the values without a gradient"
            )
        raise InputError(f"{name}: out=, where= and dtype= are not supported on Tensors; use the returned Tensor")
    return UFUNCS[ufunc](*inputs)


def _method(name):
    def call(a, *args, **kwargs):
        t = a if isinstance(a, Tensor) else functions._tensor(a, name)
        return getattr(t, name)(*args, **kwargs)

    return call


FUNCTIONS = {
    np.sum: _method("sum"),
    np.mean: _method("mean"),
    np.var: _method("var"),
    np.std: _method("std"),
    np.max: _method("max"),
    np.min: _method("min"),
    np.amax: _method("max"),
    np.amin: _method("min"),
    np.clip: _method("clip"),
    np.ravel: _method("ravel"),
    np.squeeze: _method("squeeze"),
    np.transpose: _method("transpose"),
    np.reshape: lambda a, shape, **kw: _method("reshape")(a, shape),
    np.where: functions.where,
    np.concatenate: functions.concatenate,
    np.stack: functions.stack,
    np.dot: lambda a, b: apply(rules.matmul, a, b),
}
# Functions that only read values (shapes, tests, positions): answered from t.data.
READ_ONLY = {
    np.shape, np.ndim, np.size, np.allclose, np.isclose, np.array_equal, np.argmax, np.argmin,
    np.argsort, np.count_nonzero, np.nonzero, np.any, np.all, np.round, np.around,
}  # fmt: skip


def _name(func):
    """np.cumsum, np.linalg.norm: the name as a reader wrote it."""
    return f"{func.__module__.replace('numpy', 'np', 1)}.{func.__name__}"


def function_on_tensors(func, args, kwargs):
    if func in FUNCTIONS:
        return FUNCTIONS[func](*args, **kwargs)
    if func in READ_ONLY:
        return func(*_values(args), **{k: v.data if isinstance(v, Tensor) else v for k, v in kwargs.items()})
    name = _name(func)
    raise InputError(
        f"{name} is not an operation of the engine: use the engine's functions "
        f"(cr.stack, cr.concatenate, cr.where, t.reshape, ...; rules listed by cr.rules.table()), "
        f"or {name} on t.data for the values without a gradient"
    )
