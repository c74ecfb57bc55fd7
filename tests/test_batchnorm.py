"""Batch normalisation (chapter 7): the hand-written backward pass of chainrule.batchnorm
against the engine (chainrule.deep.batch_norm), central differences and TensorFlow."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import batchnorm, deep
from chainrule.exercises.gradient_problems import batchnorm_backward


def _case(seed, n=6, d=3, eps=1e-5):
    rng = np.random.default_rng(seed)
    x = rng.normal(rng.uniform(-3, 3, size=d), rng.uniform(0.2, 4.0, size=d), size=(n, d))
    gamma, beta = rng.normal(size=d), rng.normal(size=d)
    g = rng.normal(size=(n, d))  # upstream ∂L/∂y; L = Σ g ⊙ y
    return x, gamma, beta, g, eps


def _engine(x, gamma, beta, g, eps):
    X, G, B = cr.Tensor(x), cr.Tensor(gamma), cr.Tensor(beta)
    y = deep.batch_norm(X, G, B, eps=eps)
    (y * g).sum().backward()
    return y.data, X.grad, G.grad, B.grad


@pytest.mark.parametrize("seed, n, d, eps", [(0, 6, 3, 1e-5), (1, 2, 4, 1e-3), (2, 16, 1, 0.5), (3, 5, 5, 1e-5)])
def test_hand_written_backward_matches_the_engine(seed, n, d, eps):
    x, gamma, beta, g, eps = _case(seed, n, d, eps)
    y, cache = batchnorm.forward(x, gamma, beta, eps)
    dx, dgamma, dbeta = batchnorm.backward(g, cache)
    y_e, dx_e, dgamma_e, dbeta_e = _engine(x, gamma, beta, g, eps)
    np.testing.assert_allclose(y, y_e, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, dx_e, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dgamma, dgamma_e, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dbeta, dbeta_e, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(batchnorm.backward_compact(g, x, gamma, eps), dx, rtol=1e-9, atol=1e-12)
    for mine, ref in zip(batchnorm_backward(x, gamma, g, eps), (dx, dgamma, dbeta), strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-9, atol=1e-12)


def test_forward_normalises_then_scales_and_shifts():
    x, gamma, beta, _, eps = _case(4, n=50, d=3)
    y, _ = batchnorm.forward(x, gamma, beta, eps)
    np.testing.assert_allclose(y.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=0), np.abs(gamma), rtol=1e-4)


@pytest.mark.parametrize("seed", [0, 5])
def test_engine_batch_norm_matches_central_differences(seed):
    x, gamma, beta, g, eps = _case(seed, n=5, d=3, eps=1e-3)
    assert cr.gradcheck(lambda X, G, B: (deep.batch_norm(X, G, B, eps=eps) * g).sum(), x, gamma, beta).passed


def test_hand_written_backward_matches_central_differences():
    x, gamma, beta, g, eps = _case(6, n=4, d=2, eps=1e-3)
    dx, dgamma, dbeta = batchnorm.backward(g, batchnorm.forward(x, gamma, beta, eps)[1])
    numeric = cr.numerical_gradient(lambda X, G, B: (deep.batch_norm(X, G, B, eps=eps) * g).sum(), x, gamma, beta)
    for mine, num in zip((dx, dgamma, dbeta), numeric, strict=True):
        np.testing.assert_allclose(mine, num, rtol=1e-6, atol=1e-8)


def test_hand_written_backward_matches_gradient_tape():
    tf = pytest.importorskip("tensorflow")
    x, gamma, beta, g, eps = _case(7, n=8, d=4, eps=1e-3)
    X, G, B = (tf.Variable(v, dtype=tf.float64) for v in (x, gamma, beta))
    with tf.GradientTape() as tape:
        mean, var = tf.nn.moments(X, axes=[0])
        y = tf.nn.batch_normalization(X, mean, var, offset=B, scale=G, variance_epsilon=eps)
        loss = tf.reduce_sum(y * g)
    dx_tf, dgamma_tf, dbeta_tf = tape.gradient(loss, [X, G, B])
    y_mine, cache = batchnorm.forward(x, gamma, beta, eps)
    np.testing.assert_allclose(y_mine, y.numpy(), rtol=1e-10, atol=1e-12)
    for mine, ref in zip(batchnorm.backward(g, cache), (dx_tf, dgamma_tf, dbeta_tf), strict=True):
        np.testing.assert_allclose(mine, ref.numpy(), rtol=1e-9, atol=1e-12)
