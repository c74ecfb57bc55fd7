"""The numpy-named operations (cr.sin, cr.maximum, cr.where, ...): values, the subgradients
their docstrings state at kinks and ties, Tensor methods, and numpy's functions on Tensors."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import InputError, ShapeError, Tensor


def grad_at(f, x):
    """∂(sum f)/∂x by backward, and by cr.grad (the recorded pass): both must agree."""
    t = Tensor(np.array(x, dtype=np.float64))
    f(t).sum().backward()
    recorded = cr.grad(lambda s: f(s).sum())(np.array(x, dtype=np.float64)).data
    np.testing.assert_array_equal(t.grad, recorded)
    return t.grad


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (cr.sin, np.sin), (cr.cos, np.cos), (cr.abs, np.abs), (cr.sqrt, np.sqrt), (cr.log1p, np.log1p),
        (cr.expm1, np.expm1), (cr.max, np.max), (cr.min, np.min), (cr.var, np.var), (cr.std, np.std),
        (lambda t: cr.max(t, axis=0), lambda a: np.max(a, axis=0)),
        (lambda t: cr.std(t, axis=1, ddof=1, keepdims=True), lambda a: np.std(a, axis=1, ddof=1, keepdims=True)),
        (lambda t: cr.clip(t, 0.5, 1.5), lambda a: np.clip(a, 0.5, 1.5)),
        (lambda t: cr.maximum(t, 1.0), lambda a: np.maximum(a, 1.0)),
        (lambda t: cr.minimum(1.0, t), lambda a: np.minimum(1.0, a)),
        (lambda t: cr.logaddexp(t, t.T), lambda a: np.logaddexp(a, a.T)),
        (lambda t: cr.where(t.data > 1, t, -t), lambda a: np.where(a > 1, a, -a)),
        (lambda t: cr.concatenate([t, t * 2], axis=1), lambda a: np.concatenate([a, a * 2], axis=1)),
        (lambda t: cr.stack([t, t * 2], axis=-1), lambda a: np.stack([a, a * 2], axis=-1)),
        (lambda t: t % 0.7, lambda a: a % 0.7),
        (lambda t: t.ravel(), np.ravel), (lambda t: t.flatten(), lambda a: a.flatten()),
    ],
)  # fmt: skip
def test_values_are_numpys(ours, theirs):
    a = np.array([[0.3, 1.7, 2.0], [1.1, 0.2, 0.9], [2.5, 0.4, 1.3]])
    out = ours(Tensor(a))
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.data, theirs(a), rtol=1e-15)


def test_abs_at_zero_takes_the_subgradient_zero():
    np.testing.assert_array_equal(grad_at(cr.abs, [-2.0, 0.0, 3.0]), [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(grad_at(abs, [0.0]), [0.0])  # the builtin abs() is cr.abs
    assert cr.grad(cr.grad(lambda t: cr.abs(t)))(0.5).item() == 0.0


def test_maximum_and_minimum_split_a_tie_evenly():
    a, b = Tensor([1.0, 2.0, 3.0]), Tensor([1.0, 5.0, 0.0])
    cr.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 1.0, 0.0])
    a, b = Tensor([1.0, 2.0, 3.0]), Tensor([1.0, 5.0, 0.0])
    cr.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(b.grad, [0.5, 0.0, 1.0])


def test_max_along_an_axis_shares_the_gradient_among_k_tied_elements():
    x = [[3.0, 1.0, 3.0, 3.0], [0.0, 2.0, -1.0, 1.0]]
    np.testing.assert_allclose(grad_at(lambda t: cr.max(t, axis=1), x), [[1 / 3, 0, 1 / 3, 1 / 3], [0, 1, 0, 0]])
    np.testing.assert_allclose(grad_at(lambda t: cr.min(t, axis=0, keepdims=True), x), [[0, 1, 0, 0], [1, 0, 1, 1]])
    np.testing.assert_allclose(grad_at(cr.max, [2.0, 2.0]), [0.5, 0.5])


def test_relu_as_maximum_with_zero_takes_half_at_the_tie_but_clip_takes_zero():
    # maximum(t, 0) at t = 0 is a tie (½), clip(t, 0, None) at its bound gives 0, as ReLU′(0) = 0.
    np.testing.assert_array_equal(grad_at(lambda t: cr.maximum(t, 0.0), [-1.0, 0.0, 2.0]), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(grad_at(lambda t: cr.clip(t, 0.0, None), [-1.0, 0.0, 2.0]), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(grad_at(lambda t: t.relu(), [-1.0, 0.0, 2.0]), [0.0, 0.0, 1.0])


def test_clip_passes_the_gradient_strictly_inside_only():
    np.testing.assert_array_equal(grad_at(lambda t: cr.clip(t, -1.0, 1.0), [-2.0, -1.0, 0.5, 1.0, 3.0]), [0, 0, 1, 0, 0])


def test_where_routes_the_gradient():
    x, y = Tensor([1.0, 2.0, 3.0]), Tensor([10.0, 20.0, 30.0])
    (cr.where(np.array([True, False, True]), x, y) * Tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 3.0])
    np.testing.assert_array_equal(y.grad, [0.0, 2.0, 0.0])
    t = Tensor([-1.0, 2.0])
    cr.where(t > 0, t, 0.0).sum().backward()  # a comparison of a Tensor is the condition
    np.testing.assert_array_equal(t.grad, [0.0, 1.0])


def test_std_of_equal_entries_takes_the_subgradient_zero():
    np.testing.assert_array_equal(grad_at(cr.std, [2.0, 2.0, 2.0]), [0.0, 0.0, 0.0])
    g = grad_at(cr.std, [1.0, 3.0])  # std = 1: ∂/∂x = (x − x̄)/(2·1)
    np.testing.assert_allclose(g, [-0.5, 0.5])


def test_sqrt_has_an_infinite_derivative_at_zero_and_finite_elsewhere():
    with np.errstate(divide="ignore"):
        g = grad_at(cr.sqrt, [0.0, 4.0])
    assert g[0] == np.inf and g[1] == pytest.approx(0.25)


def test_stack_is_the_graph_keeping_np_array_of_tensors():
    a, b = Tensor(1.0), Tensor(2.0)
    s = cr.stack([a, b * b])
    (s * Tensor([3.0, 5.0])).sum().backward()
    assert a.grad == 3.0 and b.grad == 20.0


def test_methods_numpy_has():
    t = Tensor(np.arange(6.0).reshape(1, 2, 3))
    assert t.squeeze().shape == (2, 3) and t.squeeze(0).shape == (2, 3) and t.ravel().shape == (6,)
    assert t.astype(np.float32).dtype == np.float32
    with pytest.raises(ShapeError, match="squeeze: axis 1"):
        t.squeeze(1)
    with pytest.raises(InputError, match="astype: .*t.data.astype"):
        t.astype(int)
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32))
    y = x.astype(np.float64)
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32 and list(x.grad) == [2.0, 4.0]


def test_clip_with_array_bounds_and_concatenate_flattened():
    t = Tensor([0.5, 2.0])
    out = cr.clip(t, np.array([[0.0], [1.0]]), 1.5)  # the bounds broadcast t to (2, 2), as in numpy
    np.testing.assert_array_equal(out.data, np.clip(t.data, np.array([[0.0], [1.0]]), 1.5))
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, [1.0, 0.0])  # 0.5 inside [0, 1.5], outside [1, 1.5]
    flat = cr.concatenate([Tensor(np.ones((2, 2))), t], axis=None)
    assert flat.shape == (6,) and np.array_equal(flat.data, np.concatenate([np.ones((2, 2)), t.data], axis=None))


def test_numpy_functions_that_are_not_engine_operations_name_themselves():
    with pytest.raises(InputError, match=r"^np\.linalg\.norm is not an operation of the engine.*t\.data"):
        np.linalg.norm(Tensor([3.0, 4.0]))


def test_bad_calls_are_refused_clearly():
    with pytest.raises(ShapeError, match=r"concatenate: .*\(2,\), \(2, 2\)"):
        cr.concatenate([Tensor([1.0, 2.0]), Tensor(np.ones((2, 2)))])
    with pytest.raises(ShapeError, match="stack: "):
        cr.stack([Tensor([1.0, 2.0]), Tensor([1.0])])
    with pytest.raises(InputError, match="non-empty list"):
        cr.stack(Tensor([1.0, 2.0]))
    with pytest.raises(InputError, match="clip: give a_min"):
        cr.clip(Tensor([1.0]), None, None)
    with pytest.raises(InputError, match="cr.maximum"):
        cr.clip(Tensor([1.0]), Tensor(0.0), None)
    with pytest.raises(ShapeError, match="maximum: shapes"):
        cr.maximum(Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0]))
