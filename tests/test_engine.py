"""The engine's behaviour beyond single rules: graphs, repeat calls, extremes, errors."""

import warnings

import matplotlib
import numpy as np
import pytest

import chainrule as cr
from chainrule import InputError, ShapeError, Tensor


def test_public_api_names():
    for name in ["Tensor", "gradcheck", "softmax", "log_softmax", "cross_entropy", "mse", "trace_backward", "draw_graph"]:
        assert hasattr(cr, name), name
    t = Tensor([[1.0, 2.0, 3.0]])
    for method in ["sum", "mean", "exp", "log", "tanh", "sigmoid", "relu", "reshape"]:
        assert callable(getattr(t, method)), method
    assert t.T.shape == (3, 1) and isinstance(t.data, np.ndarray)


def test_reused_node_gets_both_contributions():
    x = Tensor(3.0)
    (x * x).backward()
    assert x.grad == pytest.approx(6.0)  # 2x, not x (the micrograd `=` instead of `+=` bug)


def test_diamond_sums_over_paths():
    a = Tensor(2.0)
    b = a + a
    c = b * b
    c.backward()
    # c = (2a)² → dc/da = 8a = 16; db/da = 2; dc/db = 2b = 8
    assert a.grad == pytest.approx(16.0)
    assert b.grad == pytest.approx(8.0)


def test_backward_is_repeatable_with_no_stale_gradients():
    w = Tensor(np.array([[0.5, -1.0], [2.0, 0.1]]))
    x = Tensor(np.array([1.0, 2.0]))
    h = (w @ x).tanh()
    loss = (h * h).sum()
    loss.backward()
    first = {"w": w.grad.copy(), "x": x.grad.copy(), "h": h.grad.copy()}
    loss.backward()
    np.testing.assert_array_equal(w.grad, first["w"])
    np.testing.assert_array_equal(x.grad, first["x"])
    np.testing.assert_array_equal(h.grad, first["h"])  # an intermediate node too


def test_gradients_are_own_arrays():
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    (a + b).sum().backward()
    a.grad *= 0  # a user scaling one gradient in place must not change another
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_every_tensor_gets_a_gradient_of_its_own_shape():
    x = Tensor(np.ones((4, 3)))
    w = Tensor(np.ones((3, 2)))
    bias = Tensor(np.zeros(2))
    loss = cr.cross_entropy(x @ w + bias, [0, 1, 1, 0])
    loss.backward()
    assert bias.grad.shape == (2,) and w.grad.shape == (3, 2) and x.grad.shape == (4, 3)
    # the bias was broadcast over 4 rows: its gradient is the column sum of (p − y)/N
    np.testing.assert_allclose(bias.grad, [0.0, 0.0], atol=1e-12)


def test_chain_of_100000_operations_needs_no_recursion():
    x = Tensor(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad == pytest.approx(1.00001**100_000)
    assert len(cr.topological_order(y)) > 100_000
    del y  # freeing a deep graph must not overflow the C stack either


@pytest.mark.parametrize("z", [1000.0, -1000.0])
def test_stable_at_extremes_without_warnings(z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any numpy RuntimeWarning fails the test
        logits = Tensor(np.array([[z, 0.0, -z]]))
        for out in [cr.softmax(logits), cr.log_softmax(logits), cr.sigmoid(logits)]:
            out.sum().backward()
            assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(logits.grad))
        loss = cr.cross_entropy(logits, [2])
        loss.backward()
        assert np.isfinite(loss.item()) and np.all(np.isfinite(logits.grad))
        assert loss.item() == pytest.approx(2 * abs(z) if z > 0 else 0.0)
        bce = cr.binary_cross_entropy(logits, np.array([[0.0, 1.0, 1.0]]))
        bce.backward()
        assert np.isfinite(bce.item()) and np.all(np.isfinite(logits.grad))


def test_softmax_cross_entropy_gradient_is_p_minus_y():
    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    y = np.array([1, 2])
    logits = Tensor(z)
    cr.cross_entropy(logits, y).backward()
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(logits.grad, (p - np.eye(3)[y]) / 2, rtol=1e-12)


# --- errors name the operation and the shapes -------------------------------------------


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5))), ["matmul", "(2, 3)", "(4, 5)"]),
        (lambda: Tensor(np.ones((2, 3))) + Tensor(np.ones((4,))), ["add", "(2, 3)", "(4,)"]),
        (lambda: Tensor(np.ones((2, 3))) * np.ones((3, 2)), ["mul", "(2, 3)", "(3, 2)"]),
        (lambda: cr.cross_entropy(np.ones((4, 3)), [0, 1, 2]), ["cross_entropy", "(3,)", "(4, 3)"]),
        (lambda: cr.cross_entropy(np.ones((2, 3)), [0, 3]), ["cross_entropy", "0..2", "(2, 3)"]),
        (lambda: cr.cross_entropy(np.ones((2, 3)), np.ones((2, 4))), ["cross_entropy", "(2, 4)", "(2, 3)"]),
        (lambda: cr.mse(np.ones((4, 1)), np.ones(4)), ["mse", "(4, 1)", "(4,)"]),
        (lambda: cr.binary_cross_entropy(np.ones(3), np.ones(2)), ["binary_cross_entropy", "(3,)", "(2,)"]),
        (lambda: Tensor(np.ones(6)).reshape(4, 2), ["reshape", "(6,)", "(4, 2)"]),
        (lambda: Tensor(np.ones(3)).sum(axis=2), ["sum", "axis 2"]),
        (lambda: Tensor(np.ones(3)).backward(), ["backward", "(3,)", "scalar"]),
    ],
)
def test_shape_errors_name_the_operation_and_shapes(make, words):
    with pytest.raises(ShapeError) as info:
        make()
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("bad", ["3.0", ["a", "b"], None, {"x": 1}, [[1.0, 2.0], [3.0]], 1 + 2j])
def test_non_numeric_input_is_refused_clearly(bad):
    with pytest.raises(InputError, match="expected"):
        Tensor(bad)


def test_non_numeric_operand_names_the_operation():
    with pytest.raises(InputError, match="^mul: expected"):
        Tensor(1.0) * "two"
    with pytest.raises(InputError, match="^pow: the exponent"):
        Tensor(1.0) ** "2"


def test_numpy_arrays_on_the_left_give_tensors():
    out = np.ones(2) + Tensor([1.0, 2.0])
    assert isinstance(out, Tensor) and out.op == "add"


# --- inspection ------------------------------------------------------------------------


def small_example():
    w, x, b, y = Tensor(0.5, name="w"), Tensor(2.0, name="x"), Tensor(0.1, name="b"), Tensor(1.5, name="y")
    loss = (w * x + b - y) ** 2
    return loss, w, b


def test_trace_records_every_chain_rule_step():
    loss, w, b = small_example()
    trace = cr.trace_backward(loss)
    # residual r = w·x + b − y = −0.4; dL/dr = 2r = −0.8
    by_input = {row.input: row for row in trace.rows}
    assert by_input["w"].op == "mul" and by_input["w"].local == pytest.approx(2.0)  # d(w·x)/dw = x
    assert by_input["w"].upstream == pytest.approx(-0.8)
    assert by_input["w"].contribution == pytest.approx(-1.6)
    assert w.grad == pytest.approx(-1.6) and b.grad == pytest.approx(-0.8)
    assert [r.step for r in trace.rows] == list(range(1, len(trace) + 1))
    assert trace.rows[0].node == "pow1" and trace.rows[0].local == pytest.approx(-0.8)
    assert trace.rows[0].as_dict()["op"] == "pow"  # each step is plain data too


def test_trace_running_total_sums_over_paths():
    x = Tensor(3.0, name="x")
    trace = cr.trace_backward(x * x)
    rows = [r for r in trace.rows if r.input == "x"]
    assert [float(r.total) for r in rows] == pytest.approx([3.0, 6.0])


def test_trace_shows_as_text_and_html():
    loss, _, _ = small_example()
    trace = cr.trace_backward(loss)
    text, page = str(trace), trace._repr_html_()
    assert "dL/d(node)" in text and "mul" in text and "-1.6" in text
    assert page.startswith("<table") and "<td><code>w</code></td>" in page
    big = Tensor(np.ones((10, 10)))
    trace = cr.trace_backward((big @ big).sum())
    assert "too large to show" in str(trace)


def test_draw_graph_draws_one_box_per_node():
    matplotlib.use("Agg")
    loss, _, _ = small_example()
    loss.backward()
    ax = cr.draw_graph(loss)
    texts = [t.get_text() for t in ax.texts if t.get_text()]  # arrows are empty annotations
    assert len(ax.patches) == len(cr.topological_order(loss)) == len(texts)
    assert "w\n= 0.5\ngrad -1.6" in texts
