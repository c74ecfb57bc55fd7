"""chainrule.models.curvature (chapter 8) against closed forms and finite differences."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.models import curvature as cv


def small_problem(seed=0, n=5, h=4, C=3, N=7):
    rng = np.random.default_rng(seed)
    net = cv.FlatMLP(n, h, C)
    X, y = rng.normal(size=(N, n)), rng.integers(0, C, size=N)
    return net, net.loss_fn(X, y), net.init(seed), X, y


def test_flat_parameters_round_trip_and_give_the_networks_loss_and_gradient():
    net, f, theta, X, y = small_problem()
    assert net.size == 5 * 4 + 4 + 4 * 3 + 3 and theta.shape == (net.size,)
    assert cv.FlatMLP().size == 2410  # the digits network, 64-32-10
    params = net.unflatten(theta)
    np.testing.assert_array_equal(net.flatten(params), theta)
    loss = nn.loss(params, X, y)
    loss.backward()
    value, grad = cv.value_and_grad(f, theta)
    assert value == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(grad, net.flatten({k: p.grad for k, p in params.items()}), rtol=1e-10, atol=1e-14)


def test_the_gradient_of_the_flat_loss_matches_central_differences():
    net, f, theta, _, _ = small_problem(1)
    numeric = np.ravel(cr.numerical_gradient(lambda t: f(cr.Tensor(t)).item(), theta))
    np.testing.assert_allclose(cv.gradient(f, theta), numeric, rtol=1e-5, atol=1e-8)


def test_hvp_central_is_exact_on_a_quadratic_and_second_order_accurate_otherwise():
    rng = np.random.default_rng(2)
    B = rng.normal(size=(4, 4))
    A = B @ B.T

    def quadratic(t):
        return 0.5 * (t * (A @ t)).sum()

    x, v = rng.normal(size=4), rng.normal(size=4)
    np.testing.assert_allclose(cv.hvp_central(quadratic, x, v, eps=1e-2), A @ v, rtol=1e-9)

    def quartic(t):  # Hessian diag(3 t²)
        return 0.25 * (t**4).sum()

    exact = 3 * x**2 * v
    errors = [np.abs(cv.hvp_central(quartic, x, v, eps=e) - exact).max() for e in (1e-1, 1e-2)]
    assert errors[1] < errors[0] / 50  # O(ε²): ten times smaller step, ~100 times smaller error


def test_the_engines_hvp_on_the_network_matches_differences_of_gradients_and_is_symmetric():
    net, f, theta, _, _ = small_problem(3)
    rng = np.random.default_rng(3)
    u, v = rng.normal(size=net.size), rng.normal(size=net.size)
    Hv = cv.exact_hvp(f, theta)(v)
    np.testing.assert_allclose(Hv, cv.hvp_central(f, theta, v, eps=1e-5), rtol=1e-5, atol=1e-7)
    Hu = cv.exact_hvp(f, theta)(u)
    assert u @ Hv == pytest.approx(v @ Hu, rel=1e-9)  # uᵀHv = vᵀHu


def test_power_iteration_finds_the_eigenvalue_of_largest_magnitude():
    rng = np.random.default_rng(4)
    Q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    for lam in ([5.0, 2.0, 1.0, 0.5, -0.3, 0.1], [1.0, 2.0, -7.0, 0.5, 3.0, 0.2]):
        H = Q @ np.diag(lam) @ Q.T
        result = cv.power_iteration(lambda v, H=H: H @ v, rng.normal(size=6), iters=500, tol=1e-12)
        largest = max(lam, key=abs)
        assert result.eigenvalue == pytest.approx(largest, rel=1e-8)
        np.testing.assert_allclose(H @ result.vector, largest * result.vector, atol=1e-5)
        assert result.products == len(result.history) <= 500


def test_power_iteration_on_hvps_gives_the_top_eigenvalue_of_the_networks_hessian():
    net, f, theta, _, _ = small_problem(5)
    H = cr.hessian(f, theta)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    eigenvalues = np.linalg.eigvalsh(H)
    result = cv.power_iteration(cv.exact_hvp(f, theta), np.random.default_rng(0).normal(size=net.size), iters=2000, tol=1e-13)
    assert result.eigenvalue == pytest.approx(max(eigenvalues, key=abs), rel=1e-6)


def test_newton_lands_on_the_minimum_of_a_quadratic_in_one_step():
    rng = np.random.default_rng(6)
    B = rng.normal(size=(3, 3))
    A, w_star, x = B @ B.T + np.eye(3), rng.normal(size=3), rng.normal(size=3)
    np.testing.assert_allclose(cv.newton_step(x, A @ (x - w_star), A), w_star, rtol=1e-10)
    assert float(cv.newton_step(2.0, 3.0, 4.0)) == pytest.approx(2.0 - 3.0 / 4.0)


def test_newton_in_one_dimension_goes_to_the_nearest_stationary_point_even_a_maximum():
    # L(w) = w⁴/4 − w²/2: minima at ±1, a maximum at 0, L″ < 0 for |w| < 1/√3
    def df(w):
        return w**3 - w

    def d2f(w):
        return 3 * w**2 - 1

    assert cv.newton_1d(df, d2f, 0.3, 20)[-1] == pytest.approx(0.0, abs=1e-12)
    assert cv.newton_1d(df, d2f, 1.5, 20)[-1] == pytest.approx(1.0, abs=1e-12)
    # log cosh is convex, yet Newton overshoots and diverges from |w| > 1.09
    xs = cv.newton_1d(np.tanh, lambda w: 1 / np.cosh(w) ** 2, 1.2, 3)
    assert abs(xs[1]) > abs(xs[0]) and abs(xs[3]) > 10


def test_gradient_descent_follows_the_linear_recursion_and_stops_on_a_blow_up():
    def bowl(t):  # L = ½·2·t², curvature 2: stable for η < 1
        return (t * t).sum()

    q = np.array([1.0])
    run = cv.gradient_descent(bowl, np.array([1.0]), 0.8, 5, direction=q)
    np.testing.assert_allclose(run.coords, (1 - 0.8 * 2) ** np.arange(6) - 1)  # origin θ₀
    np.testing.assert_allclose(run.losses, ((1 - 1.6) ** np.arange(6)) ** 2)
    run = cv.gradient_descent(bowl, np.array([1.0]), 1.5, 20, direction=q)  # factor −2: diverges
    assert len(run.losses) == 21 and np.isinf(run.losses[-1]) and np.isfinite(run.losses[:5]).all()


@pytest.mark.parametrize("mode", ["forward", "reverse"])
@pytest.mark.parametrize("n, m", [(3, 8), (8, 3)])
def test_both_modes_give_the_jacobian_of_the_wide_map(mode, n, m):
    f, jacobian = cv.wide_map(n, m, seed=1)
    x = np.random.default_rng(1).normal(size=n)
    np.testing.assert_allclose(cr.jacobian(f, x, mode=mode), jacobian(x), rtol=1e-10, atol=1e-12)
    assert cv.time_jacobian(cr.jacobian, f, x, mode, repeat=1) > 0


# --- the Gauss–Newton split, negative curvature, the R-operator, CG (issue 22) -----------------


def logits_jacobians(net, X, theta):
    """J_k = ∂z_k/∂θ for every example, by the engine's reverse-mode Jacobian of the flat logits."""
    Z = net.logits_fn(X)
    J = np.asarray(cr.jacobian(lambda t: Z(t).reshape(len(X) * net.C), theta))
    return J.reshape(len(X), net.C, net.size)


def test_the_gauss_newton_product_is_the_sum_of_jacobian_sandwiches_and_positive_semidefinite():
    net, f, theta, X, _ = small_problem(7)
    J = logits_jacobians(net, X, theta)
    P = cr.softmax(net.logits_fn(X)(cr.Tensor(theta)), axis=1).data
    G = sum(Jk.T @ (np.diag(p) - np.outer(p, p)) @ Jk for Jk, p in zip(J, P, strict=True)) / len(X)
    product = cv.gauss_newton_product(net, X, theta)
    rng = np.random.default_rng(7)
    for _ in range(3):
        v = rng.normal(size=net.size)
        np.testing.assert_allclose(product(v), G @ v, rtol=1e-9, atol=1e-12)
        assert v @ product(v) >= 0
    H = cr.hessian(f, theta)
    assert not np.allclose(H, G, atol=1e-6)  # the network's own curvature is a real second part
    assert np.linalg.eigvalsh(G).min() > -1e-12


def test_the_output_curvature_of_softmax_is_positive_semidefinite_with_the_ones_vector_in_its_null_space():
    P = cr.softmax(cr.Tensor(np.random.default_rng(8).normal(0, 3, size=(6, 5))), axis=1).data
    eig = cv.output_curvature(P)
    assert eig.shape == (6, 5) and eig.min() > -1e-15 and np.abs(eig[:, 0]).max() < 1e-15
    np.testing.assert_allclose(eig.sum(axis=1), 1 - (P**2).sum(axis=1), rtol=1e-12)  # the trace


def test_a_relu_networks_hessian_differs_from_gauss_newton_only_where_layers_meet():
    split = cv.relu_mse_split(n=3, h=4, N=5, seed=1)
    D, b = split.hessian - split.gauss_newton, split.blocks
    assert np.abs(D[b["W1"], b["W2"]]).max() > 0.1  # the cross block
    np.testing.assert_allclose(D, D.T, atol=1e-12)
    for block in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(D[b[block], b[block]], 0, atol=1e-12)  # ReLU'' = 0, f linear in W2, b2
    assert np.abs(D[b["b2"]]).max() < 1e-12
    assert np.linalg.eigvalsh(split.gauss_newton).min() > -1e-12


def test_shifted_power_iteration_finds_the_smallest_eigenvalue():
    rng = np.random.default_rng(9)
    Q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    lam = np.array([4.0, 2.0, 1.0, 0.3, -0.2, -1.5])
    H = Q @ np.diag(lam) @ Q.T
    plain = cv.power_iteration(lambda v: H @ v, rng.normal(size=6), iters=500, tol=1e-13)
    low = cv.shifted_power_iteration(lambda v: H @ v, rng.normal(size=6), shift=plain.eigenvalue, iters=2000, tol=1e-14)
    assert plain.eigenvalue == pytest.approx(4.0, rel=1e-8)
    assert low.eigenvalue == pytest.approx(-1.5, rel=1e-7)
    np.testing.assert_allclose(H @ low.vector, -1.5 * low.vector, atol=1e-5)
    assert low.history[-1] == low.eigenvalue


def test_the_saddle_of_the_digits_network_is_stationary_with_negative_curvature():
    net, f, _, X, y = small_problem(10, N=12)
    y = np.arange(12) % net.C  # every class present
    f = net.loss_fn(X, y)
    saddle = cv.stationary_saddle(net, y)
    assert np.abs(cv.gradient(f, saddle)).max() < 1e-14
    eigenvalues = np.linalg.eigvalsh(cr.hessian(f, saddle))
    assert eigenvalues.min() < -1e-3 and eigenvalues.max() > 1e-3
    with pytest.raises(ValueError, match="every class"):
        cv.stationary_saddle(net, np.zeros(12, dtype=int))


@pytest.mark.parametrize("seed", [11, 12])
def test_the_r_operator_by_hand_and_reverse_over_reverse_equal_the_engines_hvp(seed):
    net, f, theta, X, y = small_problem(seed)
    theta = theta + np.random.default_rng(seed).normal(0, 0.5, size=net.size)  # biases not zero
    v = np.random.default_rng(seed + 1).normal(size=net.size)
    exact = cr.hessian(f, theta) @ v
    np.testing.assert_allclose(cv.rop_hvp(net, X, y, theta, v), exact, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(cv.hvp_reverse_over_reverse(f, theta, v), exact, rtol=1e-9, atol=1e-12)


def test_peak_memory_sees_what_numpy_allocates():
    assert cv.peak_memory(lambda: np.ones(1_000_000)) >= 8_000_000
    assert cv.peak_memory(lambda: None) < 1_000_000


def test_conjugate_gradient_solves_a_positive_definite_system_with_products_only():
    rng = np.random.default_rng(13)
    B = rng.normal(size=(8, 8))
    A, b = B @ B.T + 0.5 * np.eye(8), rng.normal(size=8)
    cg = cv.conjugate_gradient(lambda d: A @ d, b, iters=50, tol=1e-12)
    np.testing.assert_allclose(cg.x, np.linalg.solve(A, b), rtol=1e-8)
    assert cg.products <= 8 + 2  # n iterations in exact arithmetic
    assert np.all(np.diff(cg.models) < 1e-12)  # the quadratic falls every iteration
    x = cg.x
    assert cg.models[-1] == pytest.approx(0.5 * x @ A @ x - b @ x, rel=1e-10)
    with pytest.raises(ValueError, match="not positive definite"):
        cv.conjugate_gradient(lambda d: -d, b)


def test_tracking_during_descent_and_the_warm_started_sharpness():
    A = np.diag([3.0, 1.0, 0.5])

    def bowl(t):
        return 0.5 * (t * (A @ t)).sum()

    measure = cv.sharpness(bowl, np.ones(3), iters=30)
    run = cv.gradient_descent(bowl, np.ones(3), 0.1, 25, track=measure, track_every=10)
    assert sorted(run.tracked) == [0, 10, 20]
    for value in run.tracked.values():
        assert value == pytest.approx(3.0, rel=1e-6)
    assert cv.gradient_descent(bowl, np.ones(3), 0.1, 5).tracked is None


def test_lanczos_finds_both_ends_of_the_spectrum_sooner_than_power_iteration():
    rng = np.random.default_rng(14)
    n = 200
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    lam = np.concatenate([[3.0, 2.5], rng.uniform(-0.05, 1.0, size=n - 3), [-0.08]])  # crowded small end
    H = Q @ np.diag(lam) @ Q.T
    v0 = rng.normal(size=n)
    krylov = cv.lanczos(lambda v: H @ v, v0, steps=60)
    assert krylov.products == 60
    assert krylov.smallest[-1] == pytest.approx(-0.08, abs=1e-6)
    assert krylov.largest[-1] == pytest.approx(3.0, rel=1e-8)
    assert np.all(np.diff(krylov.smallest) <= 1e-12) and np.all(np.diff(krylov.largest) >= -1e-12)  # monotone bounds
    assert np.all(krylov.smallest >= -0.08 - 1e-9)  # Ritz values never overshoot
    shifted = cv.shifted_power_iteration(lambda v: H @ v, v0, shift=3.0, iters=60, tol=0.0)
    assert abs(shifted.eigenvalue + 0.08) > 100 * abs(krylov.smallest[-1] + 0.08)  # same products, far worse
    exact = cv.lanczos(lambda v: np.diag([1.0, 2.0, 5.0]) @ v, np.ones(3), steps=10)
    assert exact.products == 3 and exact.smallest[-1] == pytest.approx(1.0) and exact.largest[-1] == pytest.approx(5.0)
