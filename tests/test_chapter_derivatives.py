"""Every derivative shown in chapters 4 and 5, checked against the engine, central
differences and TensorFlow (float64)."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import manual_mlp, nn
from chainrule.exercises import EXERCISES
from chainrule.models.data import load_digits

tf = pytest.importorskip("tensorflow")

Z = np.array([-6.0, -1.5, -0.2, 0.0, 0.3, 2.0, 7.0])


def tf_derivative(fn, z):
    t = tf.Variable(z)
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(fn(t))
    return tape.gradient(out, t).numpy()


@pytest.mark.parametrize(
    "exercise, engine_fn, tf_fn",
    [
        ("activations.sigmoid_derivative", lambda t: t.sigmoid(), tf.sigmoid),
        ("activations.tanh_derivative", lambda t: t.tanh(), tf.tanh),
        ("activations.relu_subgradient", lambda t: t.relu(), tf.nn.relu),
    ],
)
def test_activation_derivatives_three_ways(exercise, engine_fn, tf_fn):
    formula = EXERCISES[exercise].reference(Z)  # the formula the chapter derives
    engine = cr.engine_gradient(lambda t: engine_fn(t).sum(), Z)[0]
    np.testing.assert_allclose(engine, formula, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(tf_derivative(tf_fn, Z), formula, rtol=1e-12, atol=1e-15)  # incl. ReLU'(0) = 0
    smooth = Z[Z != 0]  # finite differences are meaningless at ReLU's kink
    assert cr.gradcheck(lambda t: engine_fn(t).sum(), smooth).passed


def test_leaky_relu_derivative_three_ways():
    engine = cr.engine_gradient(lambda t: t.leaky_relu(0.25).sum(), Z)[0]
    np.testing.assert_allclose(engine, np.where(Z > 0, 1.0, 0.25))
    np.testing.assert_allclose(tf_derivative(lambda t: tf.nn.leaky_relu(t, alpha=0.25), Z), engine)


def test_sigmoid_derivative_peaks_at_one_quarter():
    z = np.linspace(-10, 10, 2001)
    d = EXERCISES["activations.sigmoid_derivative"].reference(z)
    assert d.max() == pytest.approx(0.25) and z[d.argmax()] == pytest.approx(0.0)


def test_softmax_jacobian_three_ways_and_the_sources_diagonal_fails():
    z = np.array([2.0, 1.0, 0.1, -1.0])
    formula = EXERCISES["activations.softmax_jacobian"].reference(z)
    np.testing.assert_allclose(cr.jacobian(cr.softmax, z), formula, atol=1e-15)
    t = tf.Variable(z)
    with tf.GradientTape() as tape:
        p = tf.nn.softmax(t)
    np.testing.assert_allclose(tape.jacobian(p, t).numpy(), formula, atol=1e-15)
    numeric = np.array([(cr.softmax(z + 1e-6 * e).data - cr.softmax(z - 1e-6 * e).data) / 2e-6 for e in np.eye(4)]).T
    np.testing.assert_allclose(numeric, formula, atol=1e-9)
    p = cr.softmax(z).data
    assert np.abs(np.diag(p - p**2) - formula).max() > 0.1  # the source's formula is measurably wrong


def test_softmax_cross_entropy_gradient_is_p_minus_y_three_ways():
    rng = np.random.default_rng(3)
    logits, labels = rng.normal(size=(5, 4)) * 2, np.array([0, 3, 1, 1, 2])
    formula = EXERCISES["activations.softmax_cross_entropy_gradient"].reference(logits, labels)
    np.testing.assert_allclose(cr.engine_gradient(lambda z: cr.cross_entropy(z, labels), logits)[0], formula, rtol=1e-12)
    t = tf.Variable(logits)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=t))
    np.testing.assert_allclose(tape.gradient(loss, t).numpy(), formula, rtol=1e-9, atol=1e-15)
    assert cr.gradcheck(lambda z: cr.cross_entropy(z, labels), logits).passed


def test_hand_written_backward_pass_three_ways_on_the_digits():
    X_train, y_train, _, _ = load_digits()
    X, y = X_train[:16], y_train[:16]
    params = manual_mlp.init_params(64, 6, 10, np.random.default_rng(4))
    by_hand = manual_mlp.backward(params, manual_mlp.forward(params, X, y), y)
    names = list(params)
    engine = cr.engine_gradient(lambda *ts: nn.loss(dict(zip(names, ts, strict=True)), X, y), *params.values())
    numeric = cr.numerical_gradient(lambda *ts: nn.loss(dict(zip(names, ts, strict=True)), X, y), *params.values())
    tf_params = [tf.Variable(params[k]) for k in names]
    with tf.GradientTape() as tape:
        hidden = tf.sigmoid(X @ tf_params[0] + tf_params[1])
        logits = hidden @ tf_params[2] + tf_params[3]
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    tf_grads = tape.gradient(loss, tf_params)
    for k, name in enumerate(names):
        np.testing.assert_allclose(by_hand[name], engine[k], rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(by_hand[name], tf_grads[k].numpy(), rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(by_hand[name], numeric[k], rtol=1e-5, atol=1e-9)
    assert manual_mlp.forward(params, X, y).loss == pytest.approx(float(loss), rel=1e-12)


def test_hand_written_training_reaches_high_accuracy():
    X_train, y_train, X_test, y_test = load_digits()
    params = manual_mlp.init_params(64, 32, 10, np.random.default_rng(0))
    history = manual_mlp.train(params, X_train, y_train, 0.5, 10, 32, np.random.default_rng(1))
    assert history[-1] < history[0] and manual_mlp.accuracy(params, X_test, y_test) > 0.9


def test_trace_shows_the_deltas_of_chapter_4():
    small = manual_mlp.init_params(3, 2, 2, np.random.default_rng(1))
    x, y = np.array([[0.5, -1.0, 2.0]]), np.array([1])
    t = {k: cr.Tensor(v, name=k) for k, v in small.items()}
    loss = cr.cross_entropy((cr.Tensor(x) @ t["W1"] + t["b1"]).sigmoid() @ t["W2"] + t["b2"], y)
    trace = cr.trace_backward(loss)
    cache = manual_mlp.forward(small, x, y)
    delta_out = cache.P - np.eye(2)[y]
    delta_hid = delta_out @ small["W2"].T * cache.A1 * (1 - cache.A1)
    np.testing.assert_allclose(next(r.upstream for r in trace.rows if r.node == "add2"), delta_out)
    np.testing.assert_allclose(next(r.upstream for r in trace.rows if r.node == "add1"), delta_hid)
    assert next(r.local for r in trace.rows if r.input == "b2").shape == (2, 2)  # a readable 2-D Jacobian
