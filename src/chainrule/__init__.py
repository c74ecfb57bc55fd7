"""chainrule: a small reverse-mode automatic differentiation engine for the book
*Derivative rules in neural networks*.

    from chainrule import Tensor, gradcheck
    w = Tensor([1.0, 2.0]); loss = ((w * w).sum() - 1) ** 2
    loss.backward(); w.grad
"""

from . import nn, optim  # noqa: E402  (submodules, used as cr.nn and cr.optim)
from .anomaly import AnomalyError, detect_anomaly
from .backprop import topological_order
from .errors import ChainruleError, InputError, ShapeError
from .functions import (
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
from .gradcheck import GradcheckResult, engine_gradient, error_bound, gradcheck, numerical_gradient
from .graph import draw_graph
from .jacobian import jacobian
from .rules import RULES
from .style import use_book_style
from .tensor import Tensor
from .trace import BackwardTrace, trace_backward

__version__ = "0.1.0"

# Every figure of the book uses the colour-blind-safe style (colours and line styles).
use_book_style()

__all__ = [
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
    "gradcheck",
    "jacobian",
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
