"""Every rule of the rules table, checked the same seven ways (issue 21), written from the
table itself: a rule added to ``cr.rules.RULES`` is tested here the day it is added (a rule
named like a numpy ufunc needs nothing more; any other fails ``test_every_rule_has_a_spec``
until it gets a line in SPECS).

For each rule and each configuration of shapes (scalars, broadcasting, batches) and
parameters, on random inputs away from kinks, with L = Σ w ⊙ rule(inputs) for fixed random w:

- value      the forward pass against numpy;
- vjp        reverse mode (backward) against central differences of L;
- jvp        forward mode against central differences of the rule's output;
- fwd/rev    forward over reverse, H v = jvp of the gradient, against differences of gradients;
- rev/rev    reverse over reverse, ∇⟨∇L, v⟩, against forward over reverse;
- rev/fwd    reverse over forward, ∇⟨J v⟩ = gradient of a jvp, against forward over reverse;
- fwd/fwd    forward over forward, uᵀ H v = jvp of a jvp, against forward over reverse;
- jacobian   the Jacobian in forward and in reverse mode, against each other.

Then TensorFlow (float64), in one batched test, for every rule TensorFlow has.
"""

import inspect
import zlib
from dataclasses import dataclass, field

import numpy as np
import pytest
from scipy.special import expit

import chainrule as cr
from chainrule import Tensor, rules
from chainrule.engine.tensor import apply


@dataclass
class Spec:
    configs: list  # each: (tuple of input shapes, params dict)
    numpy: object  # reference: numpy(*arrays, **params)
    sample: object = None  # sample(rng, shapes, params) -> arrays, away from kinks; default uniform(-2, 2)
    extra: dict = field(default_factory=dict)


UNARY = [((),), ((3,),), ((2, 3),)]
BINARY = [((), ()), ((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2,))]


def configs(shapes, **params):
    return [(s, params) for s in shapes]


def uniform(low, high):
    return lambda rng, shapes, params: [rng.uniform(low, high, size=s) for s in shapes]


def away_from_zero(rng, shapes, params, gap=0.1):
    """Values in ±[gap, 2]: clear of a kink at 0 by more than any finite-difference step."""
    return [rng.uniform(gap, 2.0, size=s) * rng.choice([-1.0, 1.0], size=s) for s in shapes]


def apart(rng, shapes, params):
    """Two operands that differ by at least 0.1 everywhere (no tie of max/min)."""
    a, b = (rng.uniform(-2, 2, size=s) for s in shapes)
    gap = away_from_zero(rng, [np.broadcast_shapes(*shapes)], params)[0]
    return [a, np.broadcast_to(a, gap.shape) + gap if b.shape == gap.shape else b + 0.5]


def distinct(rng, shapes, params):
    """Values at least 0.1 apart (a unique max and min along every axis)."""
    (shape,) = shapes
    n = int(np.prod(shape))
    return [(rng.permutation(n) * 0.3 + rng.uniform(0, 0.1, size=n) - 0.15 * n).reshape(shape)]


def between_jumps(rng, shapes, params):
    """a mod b away from its jumps: a/b at least 0.1 from an integer."""
    b = rng.uniform(0.5, 2.0, size=shapes[1])
    q = rng.integers(-3, 3, size=shapes[0]) + rng.uniform(0.1, 0.9, size=shapes[0])
    return [q * b, b]


def clip_sample(rng, shapes, params):
    lo, hi = params["a_min"], params["a_max"]
    a = rng.uniform(-2, 2, size=shapes[0])
    for bound in (lo, hi):
        if bound is not None:
            a = np.where(np.abs(a - bound) < 0.1, bound + 0.2, a)
    return [a]


def softmax_np(a, axis=-1):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def scatter_np(a, index, shape):
    out = np.zeros(shape)
    np.add.at(out, index, a)
    return out


def ce_np(logits, labels):
    log_p = np.log(softmax_np(logits, axis=1))
    y = np.eye(logits.shape[1])[labels] if labels.ndim == 1 else labels
    return -(y * log_p).sum() / len(logits)


def bce_np(z, targets):
    p = expit(z)
    return np.mean(-targets * np.log(p) - (1 - targets) * np.log(1 - p))


LABELS = np.array([2, 0, 1, 1])
PROBS = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [1.0, 0.0, 0.0], [0.3, 0.3, 0.4]])
TARGETS = np.array([[0.0, 1.0, 0.3], [0.9, 0.5, 1.0]])
CONDITION = np.array([[True, False, True], [False, False, True]])

SPECS = {
    "add": Spec(configs(BINARY), np.add),
    "sub": Spec(configs(BINARY), np.subtract),
    "mul": Spec(configs(BINARY), np.multiply),
    "div": Spec(configs(BINARY), np.divide, lambda rng, s, p: [rng.uniform(-2, 2, s[0]), rng.uniform(0.5, 2, s[1])]),
    "neg": Spec(configs(UNARY), np.negative),
    "pow": Spec(configs(UNARY, p=3) + configs(UNARY[1:], p=2.5) + configs(UNARY[1:], p=-1.5),
                lambda a, p: a**p, uniform(0.5, 2.0)),  # fmt: skip
    "power": Spec(configs(BINARY), np.power, lambda rng, s, p: [rng.uniform(0.5, 2, s[0]), rng.uniform(-2, 2, s[1])]),
    "matmul": Spec(
        [(s, {}) for s in [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)), ((2, 3, 4), (2, 4, 5)),
                           ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((4,), (2, 4, 5))]],
        np.matmul,
    ),  # fmt: skip
    "sum": Spec(configs([((),)]) + configs([((2, 3, 4),)], axis=1, keepdims=True) + configs([((2, 3, 4),)], axis=(0, 2)),
                np.sum),  # fmt: skip
    "mean": Spec(configs([((2, 3),)]) + configs([((2, 3, 4),)], axis=-1) + configs([((2, 3),)], axis=0, keepdims=True),
                 np.mean),  # fmt: skip
    "broadcast_to": Spec(configs([((3,),)], shape=(2, 3)) + configs([((),)], shape=(2,)) + configs([((2, 1),)], shape=(2, 4)),
                         np.broadcast_to),  # fmt: skip
    "reshape": Spec(configs([((2, 3),)], shape=(3, 2)) + configs([((),)], shape=(1, 1)), np.reshape),
    "transpose": Spec(configs([((2, 3),)]) + configs([((2, 3, 4),)], axes=(1, 2, 0)), np.transpose),
    "getitem": Spec(
        configs([((4, 3),)], index=(slice(1, 3), 0)) + configs([((5,),)], index=np.array([0, 2, 2, 4]))
        + configs([((2, 3),)], index=(np.array([1, 0]), np.array([2, 2]))),
        lambda a, index: a[index],
    ),  # fmt: skip
    "scatter": Spec(configs([((3,),)], index=np.array([0, 2, 2]), shape=(4,)), scatter_np),
    "exp": Spec(configs(UNARY), np.exp),
    "log": Spec(configs(UNARY), np.log, uniform(0.3, 3.0)),
    "tanh": Spec(configs(UNARY), np.tanh),
    "sigmoid": Spec(configs(UNARY), lambda a: 1 / (1 + np.exp(-a))),
    "relu": Spec(configs(UNARY), lambda a: np.maximum(a, 0), away_from_zero),
    "leaky_relu": Spec(configs(UNARY, alpha=0.25), lambda a, alpha: np.where(a > 0, a, alpha * a), away_from_zero),
    "softmax": Spec(configs([((4,),)]) + configs([((2, 3, 2),)], axis=1), softmax_np),
    "log_softmax": Spec(configs([((4,),)]) + configs([((2, 3),)], axis=0), lambda a, axis=-1: np.log(softmax_np(a, axis))),
    "cross_entropy": Spec(configs([((4, 3),)], labels=LABELS) + configs([((4, 3),)], labels=PROBS), ce_np),
    "binary_cross_entropy": Spec(configs([((2, 3),)], targets=TARGETS), bce_np),
    "sqrt": Spec(configs(UNARY), np.sqrt, uniform(0.3, 3.0)),
    "log1p": Spec(configs(UNARY), np.log1p, uniform(-0.5, 3.0)),
    "mod": Spec(configs([((), ()), ((2, 3), (2, 3)), ((3,), (3,))]), np.mod, between_jumps),
    "abs": Spec(configs(UNARY), np.abs, away_from_zero),
    "maximum": Spec(configs(BINARY), np.maximum, apart),
    "minimum": Spec(configs(BINARY), np.minimum, apart),
    "max": Spec(configs([((),), ((5,),)]) + configs([((2, 3, 2),)], axis=1) + configs([((2, 3),)], axis=0, keepdims=True),
                np.max, distinct),  # fmt: skip
    "min": Spec(configs([((5,),)]) + configs([((2, 3, 2),)], axis=(0, 2)), np.min, distinct),
    "where": Spec(configs([((2, 3), (2, 3)), ((3,), (2, 1))], condition=CONDITION),
                  lambda x, y, condition: np.where(condition, x, y)),  # fmt: skip
    "clip": Spec(configs(UNARY, a_min=-0.5, a_max=0.7) + configs([((4,),)], a_min=None, a_max=0.3), np.clip, clip_sample),
    "var": Spec(configs([((4,),)]) + configs([((2, 3, 2),)], axis=1, ddof=1) + configs([((2, 3),)], axis=0, keepdims=True),
                np.var),  # fmt: skip
    "std": Spec(configs([((4,),)]) + configs([((2, 3, 2),)], axis=(0, 2), ddof=1) + configs([((2, 3),)], axis=1, keepdims=True),
                np.std),  # fmt: skip
    "concatenate": Spec(configs([((2, 3), (1, 3))]) + configs([((2,), (3,), (1,))]) + configs([((2, 2), (2, 1))], axis=1),
                        lambda *a, axis=0: np.concatenate(a, axis=axis)),  # fmt: skip
    "stack": Spec(configs([((3,), (3,))]) + configs([((), ())]) + configs([((2, 3), (2, 3), (2, 3))], axis=-1),
                  lambda *a, axis=0: np.stack(a, axis=axis)),  # fmt: skip
    "astype": Spec(configs(UNARY, dtype=np.dtype(np.float64)), lambda a, dtype: a.astype(dtype)),
}


def spec_for(name):
    """The rule's spec; a rule named like a numpy ufunc gets one by default (elementwise)."""
    if name in SPECS:
        return SPECS[name]
    ufunc = getattr(np, name, None)
    if isinstance(ufunc, np.ufunc) and ufunc.nin in (1, 2):
        return Spec(configs(UNARY if ufunc.nin == 1 else BINARY), ufunc)
    return None


def test_every_rule_has_a_spec():
    missing = [name for name in rules.RULES if spec_for(name) is None]
    assert not missing, f"rules without a systematic test: {missing}; add them to SPECS"
    assert not set(SPECS) - set(rules.RULES), "SPECS names a rule that no longer exists"


CASES = [(name, k) for name in rules.RULES if spec_for(name) for k in range(len(spec_for(name).configs))]


def case(name, k):
    """Inputs, tangents, cotangent weights and the rule as a function of Tensors (seeded)."""
    spec = spec_for(name)
    shapes, params = spec.configs[k]
    rng = np.random.default_rng(zlib.crc32(f"{name}/{k}".encode()))
    arrays = (spec.sample or uniform(-2.0, 2.0))(rng, shapes, params)
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    rule = rules.RULES[name]

    def f(*xs):
        return apply(rule, *xs, **params)

    out_shape = np.shape(rules.call(rule, *arrays, **params))
    weights = rng.normal(size=out_shape)
    us = [rng.normal(size=a.shape) for a in arrays]
    vs = [rng.normal(size=a.shape) for a in arrays]
    return f, arrays, weights, us, vs, spec, params


def loss(f, weights):
    return lambda *xs: (f(*xs) * weights).sum()


def central(fn, arrays, direction, h):
    plus = fn(*[a + h * d for a, d in zip(arrays, direction, strict=True)])
    minus = fn(*[a - h * d for a, d in zip(arrays, direction, strict=True)])
    return (np.asarray(plus) - np.asarray(minus)) / (2 * h)


def values(f, *arrays):
    return f(*[Tensor(a) for a in arrays]).data


def backward_grads(L, arrays):
    ts = [Tensor(a) for a in arrays]
    L(*ts).backward()
    return [t.grad for t in ts]


def numeric_grads(L, arrays, h=1e-6):
    grads = []
    for k, a in enumerate(arrays):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            e = [np.zeros_like(b) for b in arrays]
            e[k][idx] = 1.0
            g[idx] = central(lambda *xs: values(L, *xs), arrays, e, h)
        grads.append(g)
    return grads


def hvp_forward_over_reverse(L, arrays, vs):
    _, slopes = cr.jvp(lambda *xs: tuple(cr.gradients(L(*xs), list(xs))), tuple(arrays), tuple(vs))
    return [np.asarray(s) for s in slopes]


def close(a, b, rtol, atol, what):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol, err_msg=what)


@pytest.mark.parametrize("name, k", CASES)
def test_value_against_numpy(name, k):
    f, arrays, _, _, _, spec, params = case(name, k)
    out = f(*[Tensor(a) for a in arrays])
    close(out.data, spec.numpy(*arrays, **params), 1e-13, 1e-14, f"{name} value")
    assert out.shape == np.shape(spec.numpy(*arrays, **params))


@pytest.mark.parametrize("name, k", CASES)
def test_vjp_against_central_differences(name, k):
    f, arrays, weights, _, _, _, _ = case(name, k)
    L = loss(f, weights)
    for got, expected in zip(backward_grads(L, arrays), numeric_grads(L, arrays), strict=True):
        close(got, expected, 1e-6, 1e-7, f"{name}: backward against differences")


@pytest.mark.parametrize("name, k", CASES)
def test_jvp_against_central_differences(name, k):
    f, arrays, _, _, vs, _, _ = case(name, k)
    value, slope = cr.jvp(f, tuple(arrays), tuple(vs))
    close(value, values(f, *arrays), 0, 0, f"{name}: jvp's value")
    close(slope, central(lambda *xs: values(f, *xs), arrays, vs, 1e-6), 1e-6, 1e-7, f"{name}: jvp against differences")


@pytest.mark.parametrize("name, k", CASES)
def test_forward_over_reverse_against_differences_of_gradients(name, k):
    f, arrays, weights, _, vs, _, _ = case(name, k)
    L = loss(f, weights)
    hv = hvp_forward_over_reverse(L, arrays, vs)
    numeric = [central(lambda *xs, i=i: backward_grads(L, xs)[i], arrays, vs, 1e-5) for i in range(len(arrays))]
    for got, expected in zip(hv, numeric, strict=True):
        close(got, expected, 1e-5, 1e-6, f"{name}: H v by forward over reverse against differences")


@pytest.mark.parametrize("name, k", CASES)
def test_reverse_over_reverse_matches_forward_over_reverse(name, k):
    f, arrays, weights, _, vs, _, _ = case(name, k)
    L = loss(f, weights)
    ts = [Tensor(a) for a in arrays]
    grads = cr.gradients(L(*ts), ts)
    gv = sum((g * v).sum() for g, v in zip(grads, vs, strict=True))
    second = cr.gradients(gv, ts) if isinstance(gv, Tensor) else [np.zeros_like(a) for a in arrays]
    for got, expected in zip(second, hvp_forward_over_reverse(L, arrays, vs), strict=True):
        close(got.data if isinstance(got, Tensor) else got, expected, 1e-10, 1e-12, f"{name}: reverse over reverse")


@pytest.mark.parametrize("name, k", CASES)
def test_reverse_over_forward_matches_forward_over_reverse(name, k):
    f, arrays, weights, _, vs, _, _ = case(name, k)
    L = loss(f, weights)
    ts = [Tensor(a) for a in arrays]
    _, slope = cr.jvp(L, tuple(ts), tuple(vs))  # ⟨∇L, v⟩ as a recorded Tensor
    second = cr.gradients(slope, ts)
    for got, expected in zip(second, hvp_forward_over_reverse(L, arrays, vs), strict=True):
        close(got.data, expected, 1e-10, 1e-12, f"{name}: reverse over forward")


@pytest.mark.parametrize("name, k", CASES)
def test_forward_over_forward_matches_forward_over_reverse(name, k):
    f, arrays, weights, us, vs, _, _ = case(name, k)
    L = loss(f, weights)

    def directional(*xs):
        return cr.jvp(L, xs, tuple(Tensor(v, requires_grad=False) for v in vs))[1]

    _, uhv = cr.jvp(directional, tuple(arrays), tuple(us))
    expected = sum(np.vdot(u, hv) for u, hv in zip(us, hvp_forward_over_reverse(L, arrays, vs), strict=True))
    close(uhv, expected, 1e-9, 1e-11, f"{name}: uᵀHv by forward over forward")


@pytest.mark.parametrize("name, k", CASES)
def test_jacobians_in_both_modes_agree(name, k):
    f, arrays, _, _, _, _, _ = case(name, k)

    def of_first(x):
        return f(x, *arrays[1:])

    forward, reverse = cr.jacobian(of_first, arrays[0], mode="forward"), cr.jacobian(of_first, arrays[0])
    close(forward, reverse, 1e-13, 1e-14, f"{name}: forward and reverse Jacobians")


def test_the_matrix_can_fail(monkeypatch):
    """A rule with a wrong second derivative passes first-order checks but not these."""
    constant_cos = lambda g, out, a: (g * rules.value(rules.call(rules.cos, a)),)  # noqa: E731  cos not recorded
    wrong = rules.Rule(**{**rules.RULES["sin"].__dict__, "vjp": constant_cos})
    monkeypatch.setitem(rules.RULES, "sin", wrong)
    test_vjp_against_central_differences("sin", 1)  # first order: still right
    with pytest.raises(AssertionError, match="H v by forward over reverse against differences"):
        test_forward_over_reverse_against_differences_of_gradients("sin", 1)
    wrong_jvp = rules.Rule(**{**rules.RULES["cos"].__dict__, "jvp": lambda da, out, a: da * rules.call(rules.sin, a)})
    monkeypatch.setitem(rules.RULES, "cos", wrong_jvp)  # the sign of cos′ flipped in forward mode only
    test_vjp_against_central_differences("cos", 1)
    with pytest.raises(AssertionError, match="jvp against differences"):
        test_jvp_against_central_differences("cos", 1)


# --- TensorFlow, float64, one batched test -----------------------------------------------


def tf_ops(tf):
    """The rules TensorFlow has, as TensorFlow functions of the same inputs and parameters."""
    def reduce(fn):
        return lambda a, axis=None, keepdims=False, ddof=0: fn(a, axis=axis, keepdims=keepdims)

    return {
        "add": tf.add, "sub": tf.subtract, "mul": tf.multiply, "div": tf.divide, "neg": tf.negative,
        "pow": lambda a, p: a**p, "power": tf.pow, "matmul": lambda a, b: tf_matmul(tf, a, b),
        "sum": reduce(tf.reduce_sum), "mean": reduce(tf.reduce_mean), "max": reduce(tf.reduce_max), "min": reduce(tf.reduce_min),
        "broadcast_to": lambda a, shape: tf.broadcast_to(a, shape), "reshape": lambda a, shape: tf.reshape(a, shape),
        "transpose": lambda a, axes=None: tf.transpose(a, axes), "exp": tf.exp, "log": tf.math.log, "tanh": tf.tanh,
        "sigmoid": tf.sigmoid, "relu": tf.nn.relu, "leaky_relu": lambda a, alpha: tf.nn.leaky_relu(a, alpha),
        "softmax": lambda a, axis=-1: tf.nn.softmax(a, axis=axis),
        "log_softmax": lambda a, axis=-1: tf.nn.log_softmax(a, axis=axis),
        "sin": tf.sin, "cos": tf.cos, "sqrt": tf.sqrt, "log1p": tf.math.log1p, "expm1": tf.math.expm1,
        "logaddexp": lambda a, b: tf.reduce_logsumexp(tf.stack([a + 0 * b, b + 0 * a]), axis=0),
        "mod": tf.math.floormod, "abs": tf.abs, "maximum": tf.maximum, "minimum": tf.minimum,
        "where": lambda x, y, condition: tf.where(condition, x, y),
        "var": lambda a, axis=None, ddof=0, keepdims=False:
            tf.math.reduce_variance(a, axis=axis, keepdims=keepdims) * _bessel(a, axis, ddof),
        "std": lambda a, axis=None, ddof=0, keepdims=False:
            tf.math.reduce_std(a, axis=axis, keepdims=keepdims) * np.sqrt(_bessel(a, axis, ddof)),
        "concatenate": lambda *a, axis=0: tf.concat(a, axis=axis), "stack": lambda *a, axis=0: tf.stack(a, axis=axis),
        "astype": lambda a, dtype: tf.cast(a, tf.float64),
        "cross_entropy": lambda z, labels: tf.reduce_mean(
            tf.nn.softmax_cross_entropy_with_logits(labels=np.eye(3)[labels] if labels.ndim == 1 else labels, logits=z)),
        "binary_cross_entropy": lambda z, targets:
            tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=z)),
    }  # fmt: skip


def tf_matmul(tf, a, b):
    """np.matmul's vectors in TensorFlow: a row on the left, a column on the right."""
    out = tf.linalg.matmul(a[None, :] if a.shape.rank == 1 else a, b[:, None] if b.shape.rank == 1 else b)
    if b.shape.rank == 1:
        out = tf.squeeze(out, -1)
    return tf.squeeze(out, -1 if b.shape.rank == 1 else -2) if a.shape.rank == 1 else out


def _bessel(a, axis, ddof):
    shape = a.shape.as_list()
    axes = range(len(shape)) if axis is None else np.atleast_1d(axis)
    m = int(np.prod([shape[ax] for ax in axes]))
    return m / (m - ddof)


def test_every_rule_against_tensorflow_float64():
    """Value, gradient (VJP) and Hessian-vector product (nested tapes) of every rule TF has."""
    tf = pytest.importorskip("tensorflow")
    ops = tf_ops(tf)
    checked = set()
    for name, k in CASES:
        if name not in ops:
            continue
        f, arrays, weights, _, vs, _, params = case(name, k)
        L = loss(f, weights)
        xs = [tf.Variable(a) for a in arrays]
        with tf.GradientTape(persistent=True) as outer:
            with tf.GradientTape() as inner:
                out = ops[name](*xs, **params)
                tf_loss = tf.reduce_sum(out * weights)
            tf_grads = inner.gradient(tf_loss, xs)
            tf_gv = sum(tf.reduce_sum(g * v) for g, v in zip(tf_grads, vs, strict=True))
        tf_hv = outer.gradient(tf_gv, xs, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        where = f"{name} config {k}"
        close(values(f, *arrays), out.numpy(), 1e-12, 1e-13, f"{where}: value against TensorFlow")
        for ours, theirs in zip(backward_grads(L, arrays), tf_grads, strict=True):
            close(ours, theirs.numpy(), 1e-10, 1e-12, f"{where}: gradient against TensorFlow")
        for ours, theirs in zip(hvp_forward_over_reverse(L, arrays, vs), tf_hv, strict=True):
            close(ours, theirs.numpy(), 1e-9, 1e-11, f"{where}: H v against TensorFlow's nested tapes")
        checked.add(name)
    assert checked == set(ops) & set(rules.RULES) and len(checked) >= 40, sorted(set(rules.RULES) - checked)


def test_specs_cover_batched_matmul_on_both_sides():
    shapes = [s for s, _ in SPECS["matmul"].configs]
    assert ((2, 3, 4), (2, 4, 5)) in shapes and ((3, 4), (2, 4, 5)) in shapes


def test_rule_signatures_are_what_the_matrix_assumes():
    # jvp takes the tangents, the output, then the inputs; vjp the cotangent, output, inputs.
    for rule in rules.RULES.values():
        forward = [p for p in inspect.signature(rule.forward).parameters.values() if p.default is p.empty]
        jvp = [p for p in inspect.signature(rule.jvp).parameters.values() if p.default is p.empty]
        if any(p.kind is p.VAR_POSITIONAL for p in forward):
            continue
        inputs = [p for p in forward if p.name not in {"p", "shape", "index", "labels", "targets", "condition", "dtype"}]
        assert len(jvp) == 2 * len(inputs) + 1 + len(forward) - len(inputs), rule.name
