"""The engine against TensorFlow's GradientTape, in float64, to 1e-9 relative."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule import Tensor

tf = pytest.importorskip("tensorflow")

RTOL, ATOL = 1e-9, 1e-12


def source_mlp_loss(lib, x, y, w1, b1, w2, b2):
    """The source document's MLP (sigmoid hidden layer, softmax cross-entropy output),
    in row-batch form X W + b, written once for both libraries."""
    if lib == "tf":
        hidden = tf.sigmoid(tf.matmul(x, w1) + b1)
        logits = tf.matmul(hidden, w2) + b2
        return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
    hidden = (x @ w1 + b1).sigmoid()
    return cr.cross_entropy(hidden @ w2 + b2, y)


@pytest.mark.parametrize("n, h, c, batch", [(2, 4, 2, 2), (64, 32, 10, 16), (5, 3, 7, 1)])
def test_source_mlp_gradients_match_gradient_tape(n, h, c, batch):
    rng = np.random.default_rng(n * 100 + h)
    x = rng.normal(size=(batch, n))
    y = np.eye(c)[rng.integers(0, c, size=batch)]
    params = [rng.normal(size=(n, h)), rng.normal(size=h), rng.normal(size=(h, c)), rng.normal(size=c)]

    tf_params = [tf.Variable(p, dtype=tf.float64) for p in params]
    with tf.GradientTape() as tape:
        tf_loss = source_mlp_loss("tf", tf.constant(x), tf.constant(y), *tf_params)
    tf_grads = tape.gradient(tf_loss, tf_params)

    engine_params = [Tensor(p) for p in params]
    loss = source_mlp_loss("engine", Tensor(x), y, *engine_params)
    loss.backward()

    assert loss.item() == pytest.approx(float(tf_loss), rel=RTOL)
    for mine, theirs in zip(engine_params, tf_grads, strict=False):
        np.testing.assert_allclose(mine.grad, theirs.numpy(), rtol=RTOL, atol=ATOL)


# Random compositions: a small program of ops drawn by hypothesis, run in both libraries.
UNARY = {
    "tanh": (lambda t: t.tanh(), tf.tanh),
    "sigmoid": (lambda t: t.sigmoid(), tf.sigmoid),
    "exp_scaled": (lambda t: (t * 0.3).exp(), lambda t: tf.exp(t * 0.3)),
    "square": (lambda t: t**2, tf.square),
    "softmax": (lambda t: cr.softmax(t, axis=-1), lambda t: tf.nn.softmax(t, axis=-1)),
    "log_softmax": (lambda t: cr.log_softmax(t, axis=-1), lambda t: tf.nn.log_softmax(t, axis=-1)),
    # alpha = 0.25 is exact in float32, the dtype TensorFlow keeps alpha in.
    "leaky_relu": (lambda t: t.leaky_relu(0.25), lambda t: tf.nn.leaky_relu(t, alpha=0.25)),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
}


def run_program(program, leaves, lib):
    values = list(leaves)
    for kind, name, i, j in program:
        if kind == "unary":
            values.append(UNARY[name][lib](values[i % len(values)]))
        else:
            a, b = values[i % len(values)], values[j % len(values)]
            values.append(BINARY[name][lib](a, b))
    last = values[-1]
    return last.mean() if lib == 0 else tf.reduce_mean(last)


step = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), st.integers(0, 20), st.just(0)),
    st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), st.integers(0, 20), st.integers(0, 20)),
)


@settings(max_examples=25)
@given(program=st.lists(step, min_size=1, max_size=8), seed=st.integers(0, 2**16))
def test_random_compositions_match_gradient_tape(program, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=(3, 4)) for _ in range(3)]
    tf_leaves = [tf.Variable(a, dtype=tf.float64) for a in arrays]
    with tf.GradientTape() as tape:
        tf_out = run_program(program, tf_leaves, 1)
    tf_grads = tape.gradient(tf_out, tf_leaves, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    leaves = [Tensor(a) for a in arrays]
    out = run_program(program, leaves, 0)
    out.backward()
    assert out.item() == pytest.approx(float(tf_out), rel=RTOL, abs=ATOL)
    for mine, theirs in zip(leaves, tf_grads, strict=False):
        if mine.grad is None:  # the program never used this leaf: not part of the graph
            assert not np.any(theirs.numpy())
            continue
        np.testing.assert_allclose(mine.grad, theirs.numpy(), rtol=RTOL, atol=ATOL)


def test_matmul_and_losses_match_gradient_tape():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 5)), rng.normal(size=(5, 2))
    targets = rng.uniform(size=(3, 2))
    tfa, tfb = tf.Variable(a), tf.Variable(b)
    with tf.GradientTape() as tape:
        z = tf.matmul(tfa, tfb)
        tf_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=z)) + tf.reduce_mean(
            (z - targets) ** 2
        )
    ga, gb = tape.gradient(tf_loss, [tfa, tfb])
    ea, eb = Tensor(a), Tensor(b)
    z = ea @ eb
    loss = cr.binary_cross_entropy(z, targets) + cr.mse(z, targets)
    loss.backward()
    np.testing.assert_allclose(ea.grad, ga.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(eb.grad, gb.numpy(), rtol=RTOL, atol=ATOL)
