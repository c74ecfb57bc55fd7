"""Exercises of chapter 2, Derivative rules. Each reference solution is the rule itself;
each diagnosis recognises one typical mistake by recomputing it."""

import numpy as np

from .core import exercise, matches

CHAPTER = "derivative_rules"


# --- 1. the product rule, as a backward function ------------------------------------


def _product_cases(rng):
    shapes = [(), (1, 3), (4, 2), (2, 5)]
    return [tuple(rng.normal(size=s) for _ in range(3)) for s in shapes]


def _product_mistakes(got, expected, args, i):
    a, b, g = args
    if matches(got, g * (a if i == 0 else b)):
        return ["∂(ab)/∂a is b", "∂(ab)/∂b is a"][i] + " (the *other* factor): the factors are swapped"
    if matches(got, b if i == 0 else a):
        return "that is the local derivative alone: multiply it by the upstream gradient g (chain rule)"
    return None


@exercise(
    id="derivative_rules.product_rule",
    chapter=CHAPTER,
    title="Backward of a product",
    signature="mul_backward(a, b, g)",
    outputs=("∂L/∂a", "∂L/∂b"),
    cases=_product_cases,
    diagnoses=(_product_mistakes,),
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
        return "half the reference: the outer derivative of r² is 2r"
    if i == 0 and matches(got, 2 * r * w):
        return "∂(w·x)/∂w is x, not w"
    if i == 0 and got.shape == () and np.isclose(got, 2 * r):
        return "that is ∂L/∂r; multiply by ∂r/∂w = x, a vector of w's shape"
    return None


@exercise(
    id="derivative_rules.chain_rule",
    chapter=CHAPTER,
    title="Chain rule for L = (w·x + b − y)²",
    signature="linear_square_grads(w, x, b, y)",
    outputs=("∂L/∂w", "∂L/∂b"),
    cases=_linear_cases,
    diagnoses=(_linear_mistakes,),
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
        return "you followed only the path through u = x²; add the path through v = sin x"
    if matches(got, x**2 * np.cos(x)):
        return "you followed only the path through v = sin x; add the path through u = x²"
    if matches(got, 2 * x * np.cos(x)):
        return "that multiplies the two local derivatives; the paths' contributions are added, each times the other factor"
    return None


@exercise(
    id="derivative_rules.sum_over_paths",
    chapter=CHAPTER,
    title="Multivariable chain rule: sum over paths",
    signature="diamond_grad(x)",
    outputs=("dL/dx",),
    cases=_paths_cases,
    diagnoses=(_paths_mistakes,),
)
def diamond_grad(x):
    u, v = x**2, np.sin(x)
    return v * 2 * x + u * np.cos(x)  # path through u + path through v


# --- 4. central differences ----------------------------------------------------------


def _cubic(x):
    return x**3 - 2 * x


def _difference_cases(rng):
    h = 1e-3  # large enough that a one-sided difference is visibly less accurate
    return [(f, rng.uniform(-2, 2, size=s), h) for f, s in [(np.sin, (3,)), (np.exp, (2, 2)), (_cubic, (5,))]]


def _difference_mistakes(got, expected, args, i):
    f, x, h = args
    if matches(got, (f(x + h) - f(x)) / h):
        return "that is the one-sided difference (f(x+h) − f(x))/h, error O(h); use both sides, error O(h²)"
    if matches(got, (f(x + h) - f(x - h)) / h):
        return "the two points are 2h apart: divide by 2h"
    return None


@exercise(
    id="derivative_rules.central_difference",
    chapter=CHAPTER,
    title="Numerical derivative by central differences",
    signature="central_difference(f, x, h)",
    outputs=("f′(x) estimate",),
    cases=_difference_cases,
    diagnoses=(_difference_mistakes,),
    rtol=1e-9,
)
def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


# --- 5. broadcasting: the bias gradient ----------------------------------------------


def _bias_cases(rng):
    return [(rng.normal(size=(n, m)), rng.normal(size=m), rng.normal(size=(n, m))) for n, m in [(1, 3), (4, 3), (5, 2)]]


def _bias_mistakes(got, expected, args, i):
    z, b, g = args
    if i == 1 and got.shape == g.shape:
        return "b was added to every row of the batch: sum its gradient over the batch axis (axis 0) to get b's shape"
    if i == 1 and got.shape == (g.shape[0],) and g.shape[0] != g.shape[1]:
        return "summed over the wrong axis: b has one entry per column, so sum over rows (axis 0)"
    if i == 1 and matches(got, g.mean(axis=0)):
        return "that is the mean over the batch; each row adds its own contribution, so sum them"
    return None


@exercise(
    id="derivative_rules.bias_gradient",
    chapter=CHAPTER,
    title="Gradient through broadcasting: Z + b",
    signature="add_bias_backward(z, b, g)",
    outputs=("∂L/∂Z", "∂L/∂b"),
    cases=_bias_cases,
    diagnoses=(_bias_mistakes,),
)
def add_bias_backward(z, b, g):
    return g, g.sum(axis=0)
