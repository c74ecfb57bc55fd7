"""Forward mode, composable gradients and Hessian-vector products (engine/forward.py,
engine/higher.py): every rule's JVP and second derivative, checked against finite
differences, closed forms, reverse mode and TensorFlow's nested GradientTape."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule import Tensor, rules
from chainrule.engine.tensor import apply

RNG = np.random.default_rng(7)
M = RNG.normal(size=(4, 4)) / 2
LABELS = np.array([2, 0, 1])
TARGETS = RNG.uniform(size=(3, 4))
PROBS = TARGETS / TARGETS.sum(axis=1, keepdims=True)


def _shaped(t):
    return t.reshape((3, 4))


# One function per rule, each of an input of 12 numbers, using that rule (away from kinks).
RULE_CASES = {
    "add": lambda x: x + x * 0.5 + 1.0,
    "sub": lambda x: 2.0 - x - x * x,
    "neg": lambda x: -(x * x),
    "mul": lambda x: x * x * x,
    "div": lambda x: x / (2.0 + x * x),
    "pow": lambda x: (x * x + 1.0) ** 1.5,
    "power": lambda x: (x * x + 1.0) ** (0.5 * x),
    "matmul": lambda x: _shaped(x) @ Tensor(M) @ _shaped(x).T,
    "sum": lambda x: _shaped(x * x).sum(axis=1, keepdims=True) * x.sum(),
    "mean": lambda x: _shaped(x * x).mean(axis=0) * x.mean(),
    "broadcast_to": lambda x: apply(rules.broadcast_to, (x * x).sum(), shape=(12,)) * x,
    "reshape": lambda x: (x * x).reshape(2, 6),
    "transpose": lambda x: _shaped(x * x).transpose(),
    "getitem": lambda x: (x * x)[[0, 3, 3, 5]],
    "scatter": lambda x: apply(rules.scatter, (x * x)[2:7], index=slice(3, 8), shape=(12,)) * x,
    "exp": lambda x: (0.3 * x).exp(),
    "log": lambda x: (x * x + 1.0).log(),
    "tanh": lambda x: x.tanh() * x,
    "sigmoid": lambda x: x.sigmoid() * x,
    "relu": lambda x: (x * x).relu() * x + x.relu(),
    "leaky_relu": lambda x: x.leaky_relu(0.1) * x,
    "softmax": lambda x: cr.softmax(_shaped(x), axis=1) * _shaped(x),
    "log_softmax": lambda x: cr.log_softmax(_shaped(x), axis=0) * _shaped(x),
    "cross_entropy": lambda x: cr.cross_entropy(_shaped(x), LABELS) + cr.cross_entropy(_shaped(x * x), PROBS),
    "binary_cross_entropy": lambda x: cr.binary_cross_entropy(_shaped(x), TARGETS),
    "sin": lambda x: cr.sin(x) * x,
    "cos": lambda x: cr.cos(x * x),
    "sqrt": lambda x: cr.sqrt(x * x + 1.0),
    "log1p": lambda x: cr.log1p(x * x),
    "expm1": lambda x: cr.expm1(0.3 * x) * x,
    "logaddexp": lambda x: cr.logaddexp(x, x * x),
    "mod": lambda x: (x % 5.0) * x,
    "abs": lambda x: cr.abs(x) * x,
    "maximum": lambda x: cr.maximum(x, 0.5 - x) * x,
    "minimum": lambda x: cr.minimum(x * x, 0.5 - x) * x,
    "max": lambda x: _shaped(x * x).max(axis=1) * x.max(),
    "min": lambda x: _shaped(x).min(axis=0, keepdims=True) * _shaped(x),
    "where": lambda x: cr.where(np.arange(12) % 2 == 0, x * x, x.exp()),
    "clip": lambda x: cr.clip(x, -0.5, 0.7) * x,
    "var": lambda x: _shaped(x).var(axis=1) * x.var(),
    "std": lambda x: _shaped(x * x).std(axis=0, ddof=1) * x.std(),
    "concatenate": lambda x: cr.concatenate([x, x * x]) * cr.concatenate([x.exp(), x]),
    "stack": lambda x: cr.stack([x, x * x], axis=1) * _shaped(x).sum(),
    "astype": lambda x: (x * x).astype(np.float64) * x,
}


def x0():
    x = RNG.normal(size=12)
    return np.where(np.abs(x) < 0.1, 0.5, x)  # away from ReLU's kink


def uses(name, f):
    """The rules that f's graph uses (so each case really exercises its rule)."""
    return {node.op for node in cr.topological_order(f(Tensor(x0())))}


def test_every_rule_has_a_case_that_uses_it():
    assert set(RULE_CASES) == set(rules.RULES), "a rule without a forward-mode/second-order test"
    for name, f in RULE_CASES.items():
        assert name in uses(name, f), f"the case for {name} does not use it"


def central(f, x, v, h=1e-6):
    return (f(x + h * v) - f(x - h * v)) / (2 * h)


@pytest.mark.parametrize("name", sorted(RULE_CASES))
def test_jvp_matches_finite_differences_and_reverse_mode(name):
    f = RULE_CASES[name]
    x, v, u = x0(), RNG.normal(size=12), None
    out, jv = cr.jvp(f, x, v)
    assert np.allclose(out, f(Tensor(x)).data)
    assert np.allclose(jv, central(lambda t: f(Tensor(t)).data, x, v), rtol=1e-6, atol=1e-8)
    # ⟨u, J v⟩ = ⟨Jᵀ u, v⟩: forward and reverse mode are transposes of each other.
    u = RNG.normal(size=np.shape(out))
    t = Tensor(x)
    f(t).backward(u)
    assert np.vdot(u, jv) == pytest.approx(np.vdot(t.grad, v), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("name", sorted(RULE_CASES))
def test_hvp_of_every_rule_matches_differences_of_gradients(name):
    w = RNG.normal(size=np.shape(RULE_CASES[name](Tensor(x0())).data))

    def scalar(t):
        return (RULE_CASES[name](t) * w).sum()

    x, v = x0(), RNG.normal(size=12)
    hv = cr.hvp(scalar, x, v)
    fd = central(lambda t: cr.engine_gradient(scalar, t)[0], x, v, h=1e-5)
    assert np.allclose(hv, fd, rtol=1e-5, atol=1e-6), np.abs(hv - fd).max()
    # Reverse over reverse, ∇⟨∇f, v⟩, is another route to the same vector.
    t = Tensor(x)
    (g,) = cr.gradients(scalar(t), [t])
    ((g * v).sum()).backward()
    second = np.zeros(12) if t.grad is None else t.grad  # None: ∇f does not depend on x
    assert np.allclose(second, hv, rtol=1e-10, atol=1e-12)


SIG = 1 / (1 + np.exp(-0.7))
CLOSED_FORMS = {  # f, x, f″(x)
    "sigmoid": (lambda t: t.sigmoid(), 0.7, SIG * (1 - SIG) * (1 - 2 * SIG)),
    "tanh": (lambda t: t.tanh(), 0.7, -2 * np.tanh(0.7) * (1 - np.tanh(0.7) ** 2)),
    "exp": (lambda t: t.exp(), 0.7, np.exp(0.7)),
    "log": (lambda t: t.log(), 0.7, -1 / 0.7**2),
    "pow": (lambda t: t**3, 0.7, 6 * 0.7),
    "div": (lambda t: 1.0 / t, 0.7, 2 / 0.7**3),
    "power": (lambda t: 2.0**t, 0.7, np.log(2) ** 2 * 2**0.7),
    "relu": (lambda t: t.relu(), 0.7, 0.0),
    "leaky_relu": (lambda t: t.leaky_relu(0.1), -0.7, 0.0),
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_second_derivative_of_elementwise_rules_against_closed_form(name):
    f, x, expected = CLOSED_FORMS[name]
    second = cr.grad(cr.grad(f))(x).item()
    assert second == pytest.approx(expected, rel=1e-12, abs=1e-15)
    _, slope = cr.jvp(lambda t: cr.grad(f)(t), np.array(x), np.array(1.0))
    assert slope == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_grad_composes_to_any_order():
    f = lambda t: t**5  # noqa: E731
    d = [f]
    for _ in range(5):
        d.append(cr.grad(d[-1]))
    assert [d[k](2.0).item() for k in range(1, 6)] == pytest.approx([80, 160, 240, 240, 120])


def test_relu_at_its_kink_uses_zero_for_both_derivatives():
    assert cr.grad(lambda t: t.relu())(0.0).item() == 0.0
    assert cr.grad(cr.grad(lambda t: t.relu()))(0.0).item() == 0.0
    assert "ReLU″" in rules.relu.vjp.__code__.co_consts or "second derivative" in rules.relu.second_order


def test_a_rule_whose_backward_pass_is_not_recorded_is_refused(monkeypatch):
    """A vjp computed on plain arrays cannot be differentiated again: say which op."""
    opaque = dataclasses.replace(rules.tanh, vjp=lambda g, out, a: (np.asarray(g.data * (1 - np.tanh(a.data) ** 2)),))
    monkeypatch.setattr(rules, "tanh", opaque)
    with pytest.raises(cr.InputError, match="tanh: .*no second derivative"):
        cr.grad(cr.grad(lambda t: t.tanh()))(0.3)


def test_hessian_is_symmetric_and_exact_on_a_quadratic():
    A = RNG.normal(size=(5, 5))
    A = A @ A.T
    b = RNG.normal(size=5)
    H = cr.hessian(lambda x: 0.5 * (x @ (Tensor(A) @ x)) + (Tensor(b) * x).sum(), RNG.normal(size=5))
    assert np.allclose(H, A, atol=1e-12)
    params = RNG.normal(size=12)
    H = cr.hessian(lambda x: cr.cross_entropy(_shaped(x), LABELS) + (x.tanh() ** 2).sum(), params)
    assert np.abs(H - H.T).max() < 1e-12


def mlp_loss(X, y):
    def loss(theta):
        W1 = theta[: 5 * 4].reshape(5, 4)
        W2 = theta[5 * 4 :].reshape(4, 3)
        return cr.cross_entropy((X @ W1).tanh() @ W2, y)

    return loss


def test_hvp_of_an_mlp_loss_matches_tensorflow_nested_tapes():
    tf = pytest.importorskip("tensorflow")
    X, y = RNG.normal(size=(6, 5)), RNG.integers(0, 3, size=6)
    theta, v = RNG.normal(size=32), RNG.normal(size=32)
    ours = cr.hvp(mlp_loss(X, y), theta, v)

    t = tf.Variable(theta)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            logits = tf.tanh(X @ tf.reshape(t[:20], (5, 4))) @ tf.reshape(t[20:], (4, 3))
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        g = inner.gradient(loss, t)
        gv = tf.reduce_sum(g * v)
    theirs = outer.gradient(gv, t).numpy()
    assert np.abs(ours - theirs).max() / np.abs(theirs).max() < 1e-8


ELEMENTWISE = [lambda t: t.tanh(), lambda t: t.sigmoid(), lambda t: (0.5 * t).exp(), lambda t: t * t, lambda t: t.leaky_relu(0.2)]
MIXING = [
    lambda t: Tensor(M[:3, :3]) @ t,
    lambda t: cr.softmax(t),
    lambda t: cr.log_softmax(t),
    lambda t: t * t.sum(),
    lambda t: t[[2, 0, 1]],
    lambda t: t / (1.0 + t * t),
]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, len(ELEMENTWISE) + len(MIXING) - 1), min_size=1, max_size=5), st.integers(0, 2**31))
def test_forward_and_reverse_mode_are_transposes_on_random_compositions(ops, seed):
    rng = np.random.default_rng(seed)
    layers = [(ELEMENTWISE + MIXING)[i] for i in ops]

    def f(t):
        for layer in layers:
            t = layer(t)
        return t

    x, v, u = rng.normal(size=3), rng.normal(size=3), rng.normal(size=3)
    _, jv = cr.jvp(f, x, v)
    t = Tensor(x)
    f(t).backward(u)
    assert np.vdot(u, jv) == pytest.approx(np.vdot(t.grad, v), rel=1e-9, abs=1e-12)


def test_forward_and_reverse_jacobians_agree_for_tall_and_wide_functions():
    W = RNG.normal(size=(7, 3))
    tall = lambda x: (Tensor(W) @ x).tanh()  # noqa: E731  R³ → R⁷
    wide = lambda x: (Tensor(W.T) @ x).sigmoid()  # noqa: E731  R⁷ → R³
    for f, n in [(tall, 3), (wide, 7)]:
        x = RNG.normal(size=n)
        assert np.allclose(cr.jacobian(f, x, mode="forward"), cr.jacobian(f, x), atol=1e-14)


def test_bad_input_gives_clear_errors():
    with pytest.raises(cr.ShapeError, match="jvp: tangent 0 has shape"):
        cr.jvp(lambda t: t * t, np.ones(3), np.ones(2))
    with pytest.raises(cr.InputError, match="one tangent per primal"):
        cr.jvp(lambda a, b: a * b, (np.ones(2), np.ones(2)), np.ones(2))
    with pytest.raises(cr.ShapeError, match="grad: f must return a single number"):
        cr.grad(lambda t: t * t)(np.ones(3))
    with pytest.raises(cr.ShapeError, match="hvp: v has shape"):
        cr.hvp(lambda t: (t * t).sum(), np.ones(3), np.ones(4))
    with pytest.raises(cr.InputError, match="mode must be"):
        cr.jacobian(lambda t: t, np.ones(2), mode="sideways")


def test_forward_mode_leaves_no_tangents_behind():
    t = Tensor(np.ones(3))
    out, _ = cr.jvp(lambda s: (s * t).exp(), np.ones(3), np.ones(3))
    assert t.tangent is None
    assert (t * t).tangent is None
