"""Every rule's gradient against central differences, on random shapes with broadcasting."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr
from chainrule import gradcheck


def arrays(shape, low=-3.0, high=3.0, away_from_zero=0.0):
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)
    if away_from_zero:
        elements = elements.filter(lambda v: abs(v) >= away_from_zero)
    return hnp.arrays(np.float64, shape, elements=elements)


small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
pair_shapes = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=4)


def weighted_sum(t):
    """Reduce to a scalar with fixed, unequal weights so every element's gradient differs."""
    weights = np.arange(1, t.size + 1, dtype=np.float64).reshape(t.shape) / max(t.size, 1)
    return (t * weights).sum()


def assert_grad(f, *inputs):
    result = gradcheck(f, *inputs)
    assert result.passed, str(result)


BINARY = {
    "add": (lambda a, b: a + b, {}),
    "sub": (lambda a, b: a - b, {}),
    "mul": (lambda a, b: a * b, {}),
    "div": (lambda a, b: a / b, {"b": dict(low=0.5, high=3.0)}),
    "power": (lambda a, b: a**b, {"a": dict(low=0.5, high=2.0), "b": dict(low=-2.0, high=2.0)}),
    "logaddexp": (cr.logaddexp, {}),
}


@pytest.mark.parametrize("op", sorted(BINARY))
@given(data=st.data())
def test_binary_rules_with_broadcasting(op, data):
    fn, ranges = BINARY[op]
    (shape_a, shape_b), _ = data.draw(pair_shapes)
    a = data.draw(arrays(shape_a, **ranges.get("a", {})))
    b = data.draw(arrays(shape_b, **ranges.get("b", {})))
    assert_grad(lambda a, b: weighted_sum(fn(a, b)), a, b)


UNARY = {
    "neg": (lambda a: -a, {}),
    "exp": (lambda a: a.exp(), {}),
    "log": (lambda a: a.log(), dict(low=0.2, high=5.0)),
    "tanh": (lambda a: a.tanh(), {}),
    "sigmoid": (lambda a: a.sigmoid(), {}),
    "relu": (lambda a: a.relu(), dict(away_from_zero=1e-3)),
    "leaky_relu": (lambda a: a.leaky_relu(0.1), dict(away_from_zero=1e-3)),
    "pow_const": (lambda a: a**3, {}),
    "pow_fractional": (lambda a: a**0.5, dict(low=0.2, high=4.0)),
    "transpose": (lambda a: a.T, {}),
    "sin": (cr.sin, {}),
    "cos": (cr.cos, {}),
    "sqrt": (cr.sqrt, dict(low=0.2, high=4.0)),
    "log1p": (cr.log1p, dict(low=-0.5, high=3.0)),
    "expm1": (cr.expm1, {}),
    "abs": (cr.abs, dict(away_from_zero=1e-3)),
}


@pytest.mark.parametrize("op", sorted(UNARY))
@given(data=st.data())
def test_unary_rules(op, data):
    fn, ranges = UNARY[op]
    a = data.draw(arrays(data.draw(small_shapes), **ranges))
    assert_grad(lambda a: weighted_sum(fn(a)), a)


@pytest.mark.parametrize("reduce", ["sum", "mean"])
@given(data=st.data())
def test_reductions_over_any_axis(reduce, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    a = data.draw(arrays(shape))
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    keepdims = data.draw(st.booleans())
    assert_grad(lambda a: weighted_sum(getattr(a, reduce)(axis=axis, keepdims=keepdims)), a)


@given(data=st.data())
def test_matmul_of_non_square_matrices_and_vectors(data):
    n, k, m = (data.draw(st.integers(1, 4)) for _ in range(3))
    left_vector, right_vector = data.draw(st.booleans()), data.draw(st.booleans())
    a = data.draw(arrays((k,) if left_vector else (n, k)))
    b = data.draw(arrays((k,) if right_vector else (k, m)))
    assert_grad(lambda a, b: weighted_sum(a @ b), a, b)


@given(data=st.data())
def test_batched_matmul_broadcasts_the_batch(data):
    a = data.draw(arrays((2, 3, 4)))
    b = data.draw(arrays((4, 2)))
    assert_grad(lambda a, b: weighted_sum(a @ b), a, b)


@given(data=st.data())
def test_reshape_and_getitem(data):
    a = data.draw(arrays((2, 3, 2)))
    assert_grad(lambda a: weighted_sum(a.reshape(3, 4)), a)
    assert_grad(lambda a: weighted_sum(a[1, :, 0] * a[0, :, 1]), a)
    assert_grad(lambda a: weighted_sum(a[np.array([0, 0, 1])]), a)  # repeated index: gradients add


@pytest.mark.parametrize("fn", [cr.softmax, cr.log_softmax])
@given(data=st.data())
def test_softmax_family_along_any_axis(fn, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    a = data.draw(arrays(shape, low=-5, high=5))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    assert_grad(lambda a: weighted_sum(fn(a, axis=axis)), a)


@given(data=st.data())
def test_losses(data):
    n, c = data.draw(st.integers(1, 5)), data.draw(st.integers(2, 5))
    logits = data.draw(arrays((n, c), low=-5, high=5))
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    one_hot = np.eye(c)[labels]
    targets = data.draw(arrays((n, c), low=0.0, high=1.0))
    assert_grad(lambda z: cr.cross_entropy(z, labels), logits)
    assert_grad(lambda z: cr.cross_entropy(z, one_hot), logits)
    assert_grad(lambda z: cr.binary_cross_entropy(z, targets), logits)
    assert_grad(lambda p, t: cr.mse(p, t), logits, targets)


def test_gradcheck_catches_a_wrong_rule(monkeypatch):
    """The property tests above can fail: a rule with a flipped sign is caught."""
    from chainrule import rules

    wrong = dataclasses.replace(rules.tanh, vjp=lambda g, out, a: (-g * (1.0 - out * out),))
    monkeypatch.setattr(rules, "tanh", wrong)
    result = gradcheck(lambda a: a.tanh().sum(), np.array([0.3, -0.2]))
    assert not result.passed
    assert result.engine == pytest.approx(-result.numeric, rel=1e-6)


def test_gradcheck_reports_worst_element_and_both_values():
    result = gradcheck(lambda a: (a**2).sum(), np.array([1.0, 2.0, 3.0]))
    assert result.passed and result.max_rel_error < 1e-8
    assert result.input_index == 0 and result.index in {(0,), (1,), (2,)}
    assert result.engine == pytest.approx(2 * [1.0, 2.0, 3.0][result.index[0]])
    assert result.numeric == pytest.approx(result.engine, rel=1e-8)


def test_brief_verdict_rounds_the_error_up_to_a_power_of_ten():
    result = gradcheck(lambda a: (a**2).sum(), np.array([1.0, 2.0, 3.0]))
    assert result.brief() in {"OK (max relative error < 1e-12)", "OK (max relative error < 1e-11)",
                              "OK (max relative error < 1e-10)", "OK (max relative error < 1e-09)"}
    assert cr.error_bound(3e-7) == pytest.approx(1e-6) and cr.error_bound(0.0) == 1e-12
