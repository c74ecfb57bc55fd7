"""Exercises of chapter 2, Derivative rules. Each reference solution is the rule itself;
each diagnosis recognises one typical mistake by recomputing it.

Feedback policy (see core.py): a diagnosis says what is wrong and where to look in
chapter 2; the formula itself is only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from .core import exercise, matches, say, softmax

CHAPTER = "derivative_rules"
RULES = "chapter 2, “Sum, product and chain rules”"
PATHS = "chapter 2, “The multivariable chain rule: sum over paths”"
GRAPHS = "chapter 2, “Computational graphs”"
NUMERICAL = "chapter 2, “Numerical, symbolic and automatic differentiation”"



# --- 1. the product rule, as a backward function ------------------------------------


def _product_cases(rng):
    shapes = [(), (1, 3), (4, 2), (2, 5)]
    return [tuple(rng.normal(size=s) for _ in range(3)) for s in shapes]


def _product_mistakes(got, expected, args, i):
    a, b, g = args
    if matches(got, g * (a if i == 0 else b)):
        return say(
            f"the factors are swapped: each input's gradient uses the *other* factor; see {RULES} (product rule)",
            ["∂(ab)/∂a is b", "∂(ab)/∂b is a"][i] + ", times the upstream gradient g",
        )
    if matches(got, b if i == 0 else a):
        return say(
            f"that is the local derivative alone: the upstream gradient g is not used; see {GRAPHS}",
            "chain rule: upstream gradient × local derivative",
        )
    return None


@exercise(
    id="derivative_rules.product_rule",
    chapter=CHAPTER,
    title="Backward of a product",
    signature="mul_backward(a, b, g)",
    outputs=("∂L/∂a", "∂L/∂b"),
    cases=_product_cases,
    diagnoses=(_product_mistakes,),
    section=f"{RULES} (product rule)",
)
def mul_backward(a, b, g):
    return g * b, g * a


# --- 2. the chain rule on L = (w·x + b − y)² -----------------------------------------


def _linear_cases(rng):
    return [(rng.normal(size=n), rng.normal(size=n), rng.normal(), rng.normal()) for n in (1, 3, 5, 2)]


def _linear_mistakes(got, expected, args, i):
    w, x, b, y = args
    r = w @ x + b - y
    if matches(got, expected / 2):
        return say(
            f"half the reference: the outer derivative, of the square, is missing its factor; see {RULES} (power rule)",
            "d(r²)/dr = 2r",
        )
    if i == 0 and matches(got, 2 * r * w):
        return say(
            f"the inner derivative is taken with respect to the wrong factor; see {GRAPHS}",
            "∂(w·x)/∂w is x, not w",
        )
    if i == 0 and got.shape == () and np.isclose(got, 2 * r):
        return say(
            f"that is ∂L/∂r only; the chain continues to w, and ∂L/∂w has w's shape; see {GRAPHS}",
            "multiply by ∂r/∂w, a vector of w's shape",
        )
    return None


@exercise(
    id="derivative_rules.chain_rule",
    chapter=CHAPTER,
    title="Chain rule for L = (w·x + b − y)²",
    signature="linear_square_grads(w, x, b, y)",
    outputs=("∂L/∂w", "∂L/∂b"),
    cases=_linear_cases,
    diagnoses=(_linear_mistakes,),
    section=GRAPHS,
)
def linear_square_grads(w, x, b, y):
    r = w @ x + b - y  # the residual
    return 2 * r * x, 2 * r


# --- 3. sum over paths: L = u·v with u = x², v = sin x ------------------------------


def _paths_cases(rng):
    return [(rng.uniform(-3, 3, size=s),) for s in [(1,), (4,), (2, 3)]]


def _paths_mistakes(got, expected, args, i):
    (x,) = args
    if matches(got, 2 * x * np.sin(x)):
        return say(f"only the path through u = x² is followed; x also reaches L through v; see {PATHS}")
    if matches(got, x**2 * np.cos(x)):
        return say(f"only the path through v = sin x is followed; x also reaches L through u; see {PATHS}")
    if matches(got, 2 * x * np.cos(x)):
        return say(
            f"that multiplies the two local derivatives; the paths' contributions are added; see {PATHS}",
            "each path contributes ∂L/∂(intermediate) × d(intermediate)/dx, and ∂L/∂u = v, ∂L/∂v = u",
        )
    return None


@exercise(
    id="derivative_rules.sum_over_paths",
    chapter=CHAPTER,
    title="Multivariable chain rule: sum over paths",
    signature="diamond_grad(x)",
    outputs=("dL/dx",),
    cases=_paths_cases,
    diagnoses=(_paths_mistakes,),
    section=PATHS,
)
def diamond_grad(x):
    u, v = x**2, np.sin(x)
    return v * 2 * x + u * np.cos(x)  # path through u + path through v


# --- 4. central differences ----------------------------------------------------------


def _cubic(x):
    return x**3 - 2 * x


COMMON_STEPS = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)


def _difference_cases(rng):
    # Steps large enough that a one-sided difference (error O(ε)) or a fixed step of its
    # own (error O(ε²) at another ε) is visibly off; each case has its own ε.
    return [
        (f, rng.uniform(-2, 2, size=s), eps) for f, s, eps in [(np.sin, (3,), 1e-3), (np.exp, (2, 2), 1e-2), (_cubic, (5,), 3e-3)]
    ]


def _difference_mistakes(got, expected, args, i):
    f, x, eps = args
    if matches(got, (f(x + eps) - f(x)) / eps):
        return say(
            f"that is the one-sided difference, error O(ε); use points on both sides of x; see {NUMERICAL}",
            "evaluate f at x + ε and x − ε",
        )
    if matches(got, (f(x + eps) - f(x - eps)) / eps):
        return say(f"twice the reference: the two points are 2ε apart; see {NUMERICAL}", "divide by 2ε")
    if matches(got, (f(x + eps) - f(x - eps)) / 2 * eps):
        return say(
            "operator precedence: `/ 2 * eps` divides by 2 and then multiplies by eps",
            "put the whole denominator in parentheses: / (2 * eps)",
        )
    for step in COMMON_STEPS:
        # Central estimates at two steps differ by only O(ε²), so compare tightly: the same
        # formula at the same step reproduces the answer to rounding error.
        candidate = (f(x + step) - f(x - step)) / (2 * step)
        if not np.isclose(step, eps) and np.allclose(got, candidate, rtol=1e-11, atol=1e-13):
            return say(f"that uses a fixed step of its own ({step:g}), not the argument eps; see {NUMERICAL}")
    return None


@exercise(
    id="derivative_rules.central_difference",
    chapter=CHAPTER,
    title="Numerical derivative by central differences",
    signature="central_difference(f, x, eps)",
    outputs=("f′(x) estimate",),
    cases=_difference_cases,
    diagnoses=(_difference_mistakes,),
    rtol=1e-9,
    section=NUMERICAL,
)
def central_difference(f, x, eps):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


# --- 5. broadcasting: the bias gradient ----------------------------------------------


def _bias_cases(rng):
    # (3, 3): square, so a sum over the wrong axis has the right shape. No batch of one: there
    # an unsummed g and a sum with keepdims=True are the same array, and no diagnosis could tell.
    return [(rng.normal(size=(N, m)), rng.normal(size=m), rng.normal(size=(N, m))) for N, m in [(2, 3), (4, 3), (5, 2), (3, 3)]]


def _bias_mistakes(got, expected, args, i):
    z, b, g = args
    if i != 1:
        return None
    if got.shape == (1, g.shape[1]) and matches(got.reshape(-1), g.sum(axis=0)):
        return say(
            "the values are right, but the shape is (1, m): ∂L/∂b must have b's shape (m,)",
            "drop keepdims=True, or reshape the result to b's shape",
        )
    if matches(got, g):
        return say(
            f"b was added to every row of the batch, so each b_j reaches the loss along N paths; see {PATHS}",
            "add up the N contributions: sum the upstream gradient over the batch axis (axis 0)",
        )
    if matches(got, g.sum(axis=1)):
        return say(
            f"summed over the wrong axis: b has one entry per column; see {PATHS}",
            "sum over the rows (axis 0)",
        )
    if g.shape[0] > 1 and matches(got, g.mean(axis=0)):
        return say(
            f"that is the mean over the batch; each row adds its own contribution; see {PATHS}",
            "the contributions of the N paths are added, not averaged",
        )
    return None


@exercise(
    id="derivative_rules.bias_gradient",
    chapter=CHAPTER,
    title="Gradient through broadcasting: Z + b",
    signature="add_bias_backward(z, b, g)",
    outputs=("∂L/∂Z", "∂L/∂b"),
    cases=_bias_cases,
    diagnoses=(_bias_mistakes,),
    batch="g",
    section=PATHS,
)
def add_bias_backward(z, b, g):
    return g, g.sum(axis=0)


# --- 6. derivation: the gradient of log-sum-exp is softmax --------------------------------


def _lse_cases(rng):
    # (1, 4): one row; (3, 3): square, so softmax over the wrong axis has the right shape;
    # (2, 5) with logits in the hundreds: e^z overflows unless the row's maximum is subtracted.
    return [
        (rng.normal(size=(1, 4)),),
        (rng.normal(size=(3, 3)) * 2,),
        (rng.normal(size=(4, 2)),),
        (rng.normal(size=(2, 5)) * 3 + np.array([[800.0], [-750.0]]),),
    ]


def _lse_mistakes(got, expected, args, i):
    (Z,) = args
    with np.errstate(over="ignore", invalid="ignore"):
        safe = np.all(Z < 700)  # recompute the unshifted mistakes only where exp cannot overflow
        if safe and matches(got, np.exp(Z)):
            return say(
                f"that is the derivative of the sum of exponentials alone; the outer logarithm is not differentiated; "
                f"see {RULES} (chain rule)",
                "d log(s)/ds = 1/s, with s the row's sum of exponentials",
            )
        if safe and matches(got, np.broadcast_to(1 / np.exp(Z).sum(axis=1, keepdims=True), Z.shape)):
            return say(
                f"only the outer derivative is there; the inner one, of each exponential, is missing; see {RULES} (chain rule)",
                "ds/dZ_ki = e^(Z_ki)",
            )
    if matches(got, softmax(Z, axis=0)):
        return say(
            "normalised over the wrong axis: each row k has its own log-sum-exp, so each row of the gradient sums to 1",
            "the sum in lse runs over the C entries of a row (axis=1)",
        )
    if matches(
        got, Z - np.log(np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)) - Z.max(axis=1, keepdims=True)
    ):
        return say(
            "that is log-softmax, the logarithm of the gradient; the gradient itself is positive and each row sums to 1",
            "exponentiate the log-probabilities",
        )
    return None


@exercise(
    id="derivative_rules.logsumexp_gradient",
    chapter=CHAPTER,
    title="Gradient of log-sum-exp (derivation)",
    signature="lse_grad(Z)",
    outputs=("∂L/∂Z",),
    cases=_lse_cases,
    diagnoses=(_lse_mistakes,),
    section=f"{RULES} (chain rule)",
)
def lse_grad(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
