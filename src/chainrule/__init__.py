"""chainrule: a small automatic differentiation engine (reverse mode, forward mode and
second derivatives) for the book
*Derivative rules in neural networks*.

    from chainrule import Tensor, gradcheck
    w = Tensor([1.0, 2.0]); loss = ((w * w).sum() - 1) ** 2
    loss.backward(); w.grad
"""

from .engine import rules
from .engine.anomaly import AnomalyError, detect_anomaly
from .engine.backprop import topological_order
from .engine.errors import ChainruleError, InputError, ShapeError
from .engine.forward import jvp
from .engine.functions import (
    abs,  # noqa: A004  (numpy's names, as cr.abs, cr.max, cr.min)
    binary_cross_entropy,
    clip,
    concatenate,
    cos,
    cross_entropy,
    exp,
    expm1,
    leaky_relu,
    log,
    log1p,
    log_softmax,
    logaddexp,
    max,  # noqa: A004
    maximum,
    min,  # noqa: A004
    minimum,
    mse,
    relu,
    sigmoid,
    sin,
    softmax,
    sqrt,
    stack,
    std,
    tanh,
    var,
    where,
)
from .engine.gradcheck import GradcheckResult, engine_gradient, error_bound, gradcheck, numerical_gradient
from .engine.graph import draw_graph
from .engine.higher import grad, gradients, hessian, hvp
from .engine.jacobian import jacobian
from .engine.rules import RULES
from .engine.tensor import Tensor
from .engine.trace import BackwardTrace, trace_backward
from .language import _ as _  # _: a figure's words (language.py)
from .language import get_language, set_language

# The book's models and helpers, as cr.nn, cr.optim, ... and ``from chainrule import deep``.
from .models import batchnorm, data, deep, manual_mlp, nn, optim, quadratic
from .notebook import style, tf_quiet
from .notebook.style import use_book_style

__version__ = "0.1.0"

# Every figure of the book uses the colour-blind-safe style (colours and line styles).
use_book_style()

__all__ = [
    # subpackages' modules, as cr.rules, cr.nn, cr.deep, ...
    "batchnorm",
    "data",
    "deep",
    "manual_mlp",
    "quadratic",
    "rules",
    "style",
    "tf_quiet",
    "AnomalyError",
    "detect_anomaly",
    "RULES",
    "BackwardTrace",
    "ChainruleError",
    "GradcheckResult",
    "InputError",
    "ShapeError",
    "Tensor",
    "binary_cross_entropy",
    "cross_entropy",
    "draw_graph",
    "engine_gradient",
    "error_bound",
    "exp",
    "get_language",
    "set_language",
    "gradcheck",
    "jacobian",
    "jvp",
    "grad",
    "gradients",
    "hessian",
    "hvp",
    "leaky_relu",
    "log",
    "log_softmax",
    "nn",
    "optim",
    "mse",
    "numerical_gradient",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
    "topological_order",
    "trace_backward",
    # numpy's functions, under numpy's names and signatures
    "abs",
    "clip",
    "concatenate",
    "cos",
    "expm1",
    "log1p",
    "logaddexp",
    "max",
    "maximum",
    "min",
    "minimum",
    "sin",
    "sqrt",
    "stack",
    "std",
    "var",
    "where",
]
