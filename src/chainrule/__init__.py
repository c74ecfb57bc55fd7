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
    binary_cross_entropy,
    cross_entropy,
    exp,
    leaky_relu,
    log,
    log_softmax,
    mse,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from .engine.gradcheck import GradcheckResult, engine_gradient, error_bound, gradcheck, numerical_gradient
from .engine.graph import draw_graph
from .engine.higher import grad, gradients, hessian, hvp
from .engine.jacobian import jacobian
from .engine.rules import RULES
from .engine.tensor import Tensor
from .engine.trace import BackwardTrace, trace_backward
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
]
