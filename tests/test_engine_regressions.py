"""Regression tests for the bugs of issue 21 (found by porting HIPS/autograd's test suite):
each failed on the engine before the fix."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import InputError, Tensor

# --- 1. jvp: an output that is one of the inputs keeps its tangent ----------------------


def test_jvp_of_the_identity_is_the_tangent():
    value, slope = cr.jvp(lambda x: x, [1.0, 2.0], [1.0, -3.0])
    np.testing.assert_array_equal(value, [1.0, 2.0])
    np.testing.assert_array_equal(slope, [1.0, -3.0])
    _, (s1, s2) = cr.jvp(lambda x, y: (y, x * y), (np.array(2.0), np.array(5.0)), (np.array(1.0), np.array(7.0)))
    assert s1 == 7.0 and s2 == 5.0 + 2.0 * 7.0


def test_forward_over_reverse_through_a_vjp_that_returns_its_cotangent():
    # x ↦ ∂(x + y)/∂x · g = g: its derivative along the cotangent g is the direction itself.
    x, y = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    _, slope = cr.jvp(lambda g: cr.gradients(x + y, [x], grad=g)[0], np.array([1.0, 1.0]), np.array([0.5, -2.0]))
    np.testing.assert_array_equal(slope, [0.5, -2.0])
    _, slope = cr.jvp(lambda g: cr.gradients(x - y, [y], grad=g)[0], np.array([1.0, 1.0]), np.array([0.5, -2.0]))
    np.testing.assert_array_equal(slope, [-0.5, 2.0])


# --- 2. the power rule at 0 --------------------------------------------------------------


def test_power_rule_at_zero_is_finite():
    assert cr.grad(lambda x: x**0.0)(0.0).item() == 0.0
    assert cr.grad(cr.grad(lambda x: x**0.0))(0.0).item() == 0.0
    assert cr.grad(lambda x: x**1)(0.0).item() == 1.0
    assert cr.grad(cr.grad(lambda x: x**2))(0.0).item() == 2.0
    assert cr.grad(cr.grad(cr.grad(lambda x: x**2)))(0.0).item() == 0.0
    np.testing.assert_array_equal(cr.hessian(lambda x: (x**1).sum(), np.zeros(3)), np.zeros((3, 3)))
    np.testing.assert_array_equal(cr.hessian(lambda x: (x**2).sum(), np.zeros(2)), 2 * np.eye(2))


def test_power_with_a_tensor_exponent_at_a_zero_base():
    # 0 ** y = 0 for every y > 0, so d/dy is 0 (not 0·log 0 = NaN); d/dx x**0 = 0.
    for y in [0.5, 2.0]:
        assert cr.grad(lambda t: Tensor(0.0, requires_grad=False) ** t)(y).item() == 0.0
        assert cr.grad(lambda t: 0.0**t)(y).item() == 0.0
    assert cr.grad(lambda x: x ** Tensor(0.0))(0.0).item() == 0.0
    assert cr.grad(lambda x: x ** Tensor(2.0))(0.0).item() == 0.0
    assert cr.grad(lambda x: x ** Tensor(2.0))(3.0).item() == 6.0
    _, slope = cr.jvp(lambda y: 0.0**y, np.array(2.0), np.array(1.0))
    assert slope == 0.0


# --- 3. a gradient has its input's dtype ---------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_gradient_dtype_is_the_input_dtype(dtype):
    x = np.array([0.5, 1.5], dtype=dtype)

    def f(t):
        return (t * 2.0 + cr.sin(t) * t).sum() / 3

    assert cr.grad(f)(x).dtype == dtype
    assert cr.grad(cr.grad(lambda t: (t * t.exp()).sum()))(np.array(0.5, dtype=dtype)).dtype == dtype
    t = Tensor(x)
    f(t).backward()
    assert t.grad.dtype == dtype
    value, slope = cr.jvp(f, x, np.ones(2, dtype=dtype))
    assert value.dtype == dtype and slope.dtype == dtype
    assert (Tensor(x) * 2.0 + 1).dtype == dtype  # a plain number does not promote (numpy's rule)


# --- 4. every transformation composes ----------------------------------------------------


def test_jvp_of_jvp_is_a_second_derivative():
    def d(f):
        return lambda x: cr.jvp(f, x, Tensor(1.0, requires_grad=False))[1]

    x = np.array(0.7)
    _, second = cr.jvp(d(cr.sin), x, np.array(1.0))
    assert second == pytest.approx(-np.sin(0.7), rel=1e-14)
    _, third = cr.jvp(d(d(cr.sin)), x, np.array(1.0))
    assert third == pytest.approx(-np.cos(0.7), rel=1e-14)


def test_grad_of_jvp_and_jvp_of_grad():
    def f(t):
        return (t * t * t).sum()

    x, v = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    # ∇ₓ ⟨∇f, v⟩ = H v = 6 x v
    np.testing.assert_allclose(cr.grad(lambda t: cr.jvp(f, t, v)[1])(x).data, 6 * x * v)
    _, hv = cr.jvp(cr.grad(f), x, v)
    np.testing.assert_allclose(hv, 6 * x * v)


def test_jacobian_of_jacobian_in_either_mode():
    def f(t):
        return (t * t).sum() * t  # R² → R²

    x = np.array([1.0, 2.0])
    expected = np.zeros((2, 2, 2))  # ∂²fᵢ/∂xⱼ∂xₖ = 2δⱼₖxᵢ + 2δᵢⱼxₖ + 2δᵢₖxⱼ
    for i, j, k in np.ndindex(2, 2, 2):
        expected[i, j, k] = 2 * ((j == k) * x[i] + (i == j) * x[k] + (i == k) * x[j])
    for outer in ["forward", "reverse"]:
        for inner in ["forward", "reverse"]:
            jj = cr.jacobian(lambda t, inner=inner: cr.jacobian(f, t, mode=inner), x, mode=outer)
            np.testing.assert_allclose(jj.reshape(2, 2, 2), expected, err_msg=f"{outer} over {inner}")


def test_hessian_by_forward_over_forward():
    def f(t):
        return (t[0] ** 2 * cr.sin(t[1])).sum()

    x = np.array([1.5, 0.3])
    h = cr.jacobian(lambda t: cr.jacobian(f, t, mode="forward"), x, mode="forward")
    np.testing.assert_allclose(h, cr.hessian(f, x), rtol=1e-14)


def test_hvp_and_hessian_compose_too():
    def f(t):
        return (t**3).sum() / 6  # H = diag(x), ∂H_ij/∂x_k = δ_ij δ_jk

    x, v = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, -1.0])
    third = cr.jacobian(lambda t: cr.hessian(f, t), x)  # (9, 3): a Jacobian of the Hessian
    np.testing.assert_allclose(third.reshape(3, 3, 3), np.einsum("ij,jk->ijk", np.eye(3), np.eye(3)), atol=1e-14)
    np.testing.assert_allclose(cr.grad(lambda t: (cr.hvp(f, t, v) * t).sum())(x).data, 2 * x * v)  # ∇ Σ xᵢ² vᵢ
    assert isinstance(cr.hvp(f, x, v), np.ndarray) and isinstance(cr.hessian(f, x), np.ndarray)  # arrays at top level


def test_nested_derivatives_do_not_confuse_their_variables():
    # d/dx [x · d/dy (x + y)] = d/dx x = 1 (Siskind & Pearlmutter's perturbation confusion).
    assert cr.grad(lambda x: x * cr.grad(lambda y: x + y)(x))(1.0).item() == 1.0
    _, slope = cr.jvp(lambda x: x * cr.jvp(lambda y: x + y, x, Tensor(1.0))[1], np.array(1.0), np.array(1.0))
    assert slope == 1.0


# --- 5. numpy habits on Tensors ----------------------------------------------------------


def test_comparisons_compare_values():
    a, b = Tensor([1.0, 2.0, 3.0]), Tensor([1.0, 0.0, 3.0])
    for result, expected in [(a == b, [True, False, True]), (a != b, [False, True, False]), (a < 2, [True, False, False]),
                             (a <= b, [True, False, True]), (a > b, [False, True, False]), (2 >= a, [True, True, False])]:
        assert isinstance(result, np.ndarray) and result.dtype == bool
        np.testing.assert_array_equal(result, expected)
    assert Tensor(1.0) == Tensor(1.0)  # two different Tensors with equal values
    assert len({a, b, a}) == 2  # still hashed by identity


def test_modulo_works_as_in_numpy():
    t = Tensor([5.5, -1.0])
    out = t % 2.0
    np.testing.assert_array_equal(out.data, np.array([5.5, -1.0]) % 2.0)
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, [1.0, 1.0])


def test_numpy_reductions_of_a_tensor_keep_the_graph():
    t = Tensor([1.0, 2.0, 3.0])
    total = np.sum(t * t)
    assert isinstance(total, Tensor) and total.item() == 14.0
    total.backward()
    np.testing.assert_array_equal(t.grad, [2.0, 4.0, 6.0])
    assert isinstance(np.mean(t), Tensor) and isinstance(np.exp(t), Tensor) and isinstance(np.ones(3) @ t, Tensor)


def test_np_array_of_tensors_names_cr_stack():
    with pytest.raises(InputError, match=r"cr\.stack"):
        np.array([Tensor(1.0), Tensor(2.0)])
    with pytest.raises(InputError, match=r"cr\.stack"):
        np.cumsum(Tensor([1.0, 2.0]))
    with pytest.raises(InputError, match=r"cr\.exp, cr\.sin"):
        np.arctan(Tensor([1.0, 2.0]))


def test_grad_of_a_function_returning_a_plain_number_is_zero():
    g = cr.grad(lambda t: 3.0)(np.array([1.0, 2.0], dtype=np.float32))
    assert isinstance(g, Tensor) and g.dtype == np.float32
    np.testing.assert_array_equal(g.data, [0.0, 0.0])
    np.testing.assert_array_equal(cr.grad(lambda t: np.float64(2.0))(1.0).data, 0.0)
    with pytest.raises(cr.ShapeError, match="single number"):
        cr.grad(lambda t: np.ones(3))(1.0)
