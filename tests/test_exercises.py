"""Every exercise: the reference passes, the stub is 'not implemented', typical wrong
answers fail with the intended diagnosis; and the checker survives broken learner code."""

import numpy as np
import pytest

from chainrule.exercises import EXERCISES, check, summary


def sm(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def sig(z):
    return 1 / (1 + np.exp(-z))


def epoch(w, X, y, lr, batch, mean=True, drop_last=False, sign=1.0):
    for start in range(0, len(X), batch):
        Xb, yb = X[start : start + batch], y[start : start + batch]
        if drop_last and len(Xb) < batch:
            break
        w = w - sign * lr * 2 * Xb.T @ (Xb @ w - yb) / (len(Xb) if mean else 1)
    return w


def manual(X, y, W1, b1, W2, b2, sigma_prime=True, scale=1.0, transpose=False):
    H = sig(X @ W1 + b1)
    P = sm(H @ W2 + b2)
    d_out = scale * (P - np.eye(W2.shape[1])[y]) / len(X)
    d_hid = (d_out @ W2.T) * (H * (1 - H) if sigma_prime else 1.0)
    gW1, gW2 = X.T @ d_hid, H.T @ d_out
    if transpose:
        gW1, gW2 = gW1.T, gW2.T
    return gW1, d_hid.sum(axis=0), gW2, d_out.sum(axis=0)


def one_sided(f, W, eps):
    grad = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        shifted = W.copy()
        shifted[idx] += eps
        grad[idx] = (f(shifted) - f(W)) / eps
    return grad


def last_sigmoid_slope(x, k):
    for _ in range(k - 1):
        x = sig(x)
    return sig(x) * (1 - sig(x))


def adam(w, g, m, v, t, lr, correct=True, sqrt=True, v_of_g=False):
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * (g if v_of_g else g**2)
    m_hat, v_hat = (m / (1 - 0.9**t), v / (1 - 0.999**t)) if correct else (m, v)
    return w - lr * m_hat / ((np.sqrt(v_hat) if sqrt else v_hat) + 1e-8), m, v


def stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_reference_passes_and_stub_is_not_implemented(exercise_id):
    ex = EXERCISES[exercise_id]
    passed = check(exercise_id, ex.reference)
    assert passed.passed and passed.score == passed.total >= 3, str(passed)
    pending = check(exercise_id, stub)
    assert pending.status == "not implemented" and not pending.passed
    assert "not implemented yet" in str(pending)


WRONG = {
    "derivative_rules.product_rule": [
        (lambda a, b, g: (g * a, g * b), "factors are swapped"),
        (lambda a, b, g: (b, a), "multiply it by the upstream gradient"),
        (lambda a, b, g: (-g * b, -g * a), "times −1"),
    ],
    "derivative_rules.chain_rule": [
        (lambda w, x, b, y: ((w @ x + b - y) * x, w @ x + b - y), "outer derivative of r² is 2r"),
        (lambda w, x, b, y: (2 * (w @ x + b - y) * w, 2 * (w @ x + b - y)), "is x, not w"),
        (lambda w, x, b, y: (2 * (y - w @ x - b) * x, 2 * (y - w @ x - b)), "times −1"),
        (lambda w, x, b, y: (2 * (w @ x + b - y), 2 * (w @ x + b - y)), "multiply by ∂r/∂w = x"),
    ],
    "derivative_rules.sum_over_paths": [
        (lambda x: 2 * x * np.sin(x), "only the path through u"),
        (lambda x: x**2 * np.cos(x), "only the path through v"),
        (lambda x: 2 * x * np.cos(x), "paths' contributions are added"),
    ],
    "derivative_rules.central_difference": [
        (lambda f, x, h: (f(x + h) - f(x)) / h, "one-sided difference"),
        (lambda f, x, h: (f(x + h) - f(x - h)) / h, "divide by 2h"),
        (lambda f, x, h: (f(x - h) - f(x + h)) / (2 * h), "times −1"),
    ],
    "derivative_rules.bias_gradient": [
        (lambda z, b, g: (g, g), "sum its gradient over the batch axis"),
        (lambda z, b, g: (g, g.sum(axis=1)), "wrong axis"),
        (lambda z, b, g: (g, g.mean(axis=0)), "mean over the batch"),
    ],
    "activations.sigmoid_derivative": [
        (lambda z: 1 / (1 + np.exp(-z)), "σ(z) itself"),
        (lambda z: z * (1 - z), "applied to σ(z), not to z"),
        (lambda z: -np.exp(-z) / (1 + np.exp(-z)) ** 2, "times −1"),
    ],
    "activations.tanh_derivative": [
        (lambda z: 1 - np.tanh(z), "square is missing"),
        (lambda z: 1 - z**2, "applied to tanh(z), not to z"),
        (lambda z: np.tanh(z), "tanh(z) itself"),
    ],
    "activations.relu_subgradient": [
        (lambda z: (z >= 0).astype(float), "subgradient 0"),
        (lambda z: np.maximum(z, 0), "ReLU itself"),
        (lambda z: (z <= 0).astype(float), "cases are swapped"),
    ],
    "activations.softmax_jacobian": [
        (lambda z: np.diag(sm(z) - sm(z) ** 2), "only the diagonal"),
        (lambda z: sm(z) - sm(z) ** 2, "diagonal as a vector"),
        (lambda z: np.diag(sm(z)) + np.outer(sm(z), sm(z)), "sign of the outer product"),
        (lambda z: np.outer(sm(z), sm(z)) - np.diag(sm(z)), "times −1"),
    ],
    "activations.softmax_cross_entropy_gradient": [
        (lambda z, y: sm(z) / len(z), "−y term is missing"),
        (lambda z, y: sm(z) - np.eye(z.shape[1])[y], "batch size"),
        (lambda z, y: (np.eye(z.shape[1])[y] - sm(z)) / len(z), "times −1"),
        (lambda z, y: (z - np.eye(z.shape[1])[y]) / len(z), "apply softmax to the logits first"),
    ],
    "neurons.neuron_output": [
        (lambda x, w, b: w @ x + b, "apply σ"),
        (lambda x, w, b: 1 / (1 + np.exp(-(w @ x))), "bias b is missing"),
        (lambda x, w, b: np.tanh(w @ x + b), "that is tanh(z)"),
    ],
    "neurons.forward_pass": [
        (lambda X, W1, b1, W2, b2: sig(X @ W1 + b1) @ W2 + b2, "those are the logits"),
        (lambda X, W1, b1, W2, b2: sig(sig(X @ W1 + b1) @ W2 + b2), "sigmoid on the output layer"),
        (lambda X, W1, b1, W2, b2: sm(sig(X @ W1 + b1) @ W2 + b2, axis=0), "wrong axis"),
        (lambda X, W1, b1, W2, b2: sm((X @ W1 + b1) @ W2 + b2), "hidden layer's sigmoid is missing"),
    ],
    "neurons.cross_entropy": [
        (lambda P, y: -np.log(P).mean(), "only the true class"),
        (lambda P, y: -np.log(P[np.arange(len(y)), y]).sum(), "the sum over the batch"),
        (lambda P, y: np.log(P[np.arange(len(y)), y]).mean(), "minus sign is missing"),
        (lambda P, y: (1 - P[np.arange(len(y)), y]).mean(), "take the logarithm"),
    ],
    "gradient_descent.gd_step": [
        (lambda w, g, lr: w + lr * g, "uphill"),
        (lambda w, g, lr: w - g, "learning rate η is missing"),
        (lambda w, g, lr: -lr * g, "add it to w"),
    ],
    "gradient_descent.max_stable_lr": [
        (lambda A: 2 / np.linalg.eigvalsh(A).min(), "smallest eigenvalue"),
        (lambda A: 1 / np.linalg.eigvalsh(A).max(), "twice that"),
        (lambda A: 2 / np.trace(A), "not its entries or its trace"),
    ],
    "gradient_descent.minibatch_epoch": [
        (lambda w, X, y, lr, b: w - lr * 2 * X.T @ (X @ w - y) / len(X), "one full-batch step"),
        (lambda w, X, y, lr, b: epoch(w, X, y, lr, b, drop_last=True), "last, smaller batch was skipped"),
        (lambda w, X, y, lr, b: epoch(w, X, y, lr, b, mean=False), "mean over the batch, not the sum"),
        (lambda w, X, y, lr, b: epoch(w, X, y, lr, b, sign=-1.0), "uphill"),
    ],
    "gradient_descent.momentum_step": [
        (lambda w, v, g, lr, beta: (w - lr * v, beta * v + g), "old velocity"),
        (lambda w, v, g, lr, beta: (w - lr * g, beta * v + g), "plain gradient step"),
        (lambda w, v, g, lr, beta: (w - lr * (v + g), v + g), "velocity must decay"),
        (lambda w, v, g, lr, beta: (w - lr * (beta * v + g), beta * v - lr * g), "other convention"),
    ],
    "backprop.output_delta": [
        (lambda P, Y: P / len(P), "−y term is missing"),
        (lambda P, Y: P - Y, "batch size"),
        (lambda P, Y: (Y - P) / len(P), "times −1"),
        (lambda P, Y: (P - Y) * P * (1 - P) / len(P), "no σ′ factor"),
    ],
    "backprop.grad_W2": [
        (lambda H, d: d.T @ H, "use Hᵀ δ_out"),
        (lambda H, d: H.T @ d / len(H), "dividing again"),
        (lambda H, d: -(H.T @ d), "times −1"),
    ],
    "backprop.grad_b2": [
        (lambda H, d: d, "sum δ_out over the batch"),
        (lambda H, d: d.mean(axis=0), "that is the mean over the batch"),
        (lambda H, d: -d.sum(axis=0), "times −1"),
    ],
    "backprop.hidden_delta": [
        (lambda d, W2, H: d @ W2.T, "σ′(Z1) is missing"),
        (lambda d, W2, H: (d @ W2.T) * H, "σ used where σ′ = σ(1 − σ) belongs"),
        (lambda d, W2, H: (d @ W2.T) * sig(H) * (1 - sig(H)), "applies σ again"),
        (lambda d, W2, H: d @ W2 * H * (1 - H), "has"),
    ],
    "backprop.grad_W1": [
        (lambda X, d: d.T @ X, "use Xᵀ δ_hid"),
        (lambda X, d: X.T @ d * len(X), "batch size"),
        (lambda X, d: -(X.T @ d), "times −1"),
    ],
    "backprop.grad_b1": [
        (lambda X, d: d, "sum δ_hid over the batch"),
        (lambda X, d: d.sum(axis=1), "wrong axis"),
        (lambda X, d: -d.sum(axis=0), "times −1"),
    ],
    "backprop.backward_pass": [
        (lambda X, y, W1, b1, W2, b2: manual(X, y, W1, b1, W2, b2, sigma_prime=False), "σ′(Z1) is missing"),
        (lambda X, y, W1, b1, W2, b2: manual(X, y, W1, b1, W2, b2, scale=len(X)), "N times the reference"),
        (lambda X, y, W1, b1, W2, b2: manual(X, y, W1, b1, W2, b2, transpose=True), "transposed"),
    ],
    "backprop.numerical_gradient": [
        (lambda f, W, eps: one_sided(f, W, eps), "one-sided difference"),
        (lambda f, W, eps: np.full(W.shape, (f(W + eps) - f(W - eps)) / (2 * eps)), "perturb one entry"),
        (lambda f, W, eps: -EXERCISES["backprop.numerical_gradient"].reference(f, W, eps), "times −1"),
    ],
    "gradient_problems.he_std": [
        (lambda n: 2.0 / n, "square root"),
        (lambda n: np.sqrt(1.0 / n), "He uses √(2/fan_in)"),
        (lambda n: np.sqrt(2.0 * n), "divide by fan_in"),
    ],
    "gradient_problems.clip_by_norm": [
        (lambda g, m: np.clip(g, -m, m), "by value"),
        (lambda g, m: g / np.linalg.norm(g) * m, "must stay as it is"),
        (lambda g, m: g / np.linalg.norm(g), "normalises to length 1"),
    ],
    "gradient_problems.sigmoid_chain": [
        (lambda x, k: (sig(x) * (1 - sig(x))) ** k, "each layer's own input"),
        (lambda x, k: 0.25**k * np.ones_like(x), "upper bound"),
        (lambda x, k: last_sigmoid_slope(x, k), "last layer's σ′ only"),
    ],
    "outlook.adam_step": [
        (lambda w, g, m, v, t, lr: adam(w, g, m, v, t, lr, correct=False), "bias correction is missing"),
        (lambda w, g, m, v, t, lr: adam(w, g, m, v, t, lr, sqrt=False), "square root"),
        (lambda w, g, m, v, t, lr: adam(w, g, m, v, t, lr, v_of_g=True), "squared gradients"),
    ],
    "outlook.saliency": [
        (lambda x, W1, b1, W2, k: W1 @ W2[:, k], "σ′ of the hidden layer is missing"),
        (lambda x, W1, b1, W2, k: W1 @ (sig(x @ W1 + b1) * W2[:, k]), "σ used where"),
        (lambda x, W1, b1, W2, k: -(W1 @ (sig(x @ W1 + b1) * (1 - sig(x @ W1 + b1)) * W2[:, k])), "times −1"),
    ],
    "tensorflow.double_activation_floor": [
        (lambda c: np.log(c), "uniform guessing"),
        (lambda c: np.log(1 + np.exp(-1)), "two-class value"),
        (lambda c: np.log(1 + (c - 1) * np.e), "best case"),
    ],
}


def test_every_exercise_has_wrong_answers_tested():
    assert set(WRONG) == set(EXERCISES)
    assert all(len(v) >= 3 for v in WRONG.values())


@pytest.mark.parametrize(
    "exercise_id, wrong, diagnosis", [(eid, fn, d) for eid, cases in WRONG.items() for fn, d in cases]
)
def test_typical_mistakes_get_their_diagnosis(exercise_id, wrong, diagnosis):
    result = check(exercise_id, wrong)
    assert not result.passed
    assert any(diagnosis in m for m in result.messages), str(result)


def test_feedback_is_stable_across_random_inputs():
    wrong = WRONG["derivative_rules.product_rule"][0][0]
    assert {str(check("derivative_rules.product_rule", wrong)) for _ in range(5)} == {
        str(check("derivative_rules.product_rule", wrong))
    }


def test_broken_learner_code_gets_one_line_reasons():
    def crashes(x):
        return x / undefined_name  # noqa: F821

    result = check("derivative_rules.sum_over_paths", crashes)
    line = crashes.__code__.co_firstlineno + 1
    assert result.messages == [f"your code raised NameError: name 'undefined_name' is not defined (line {line} of your code)"]
    assert "forget `return`" in str(check("derivative_rules.sum_over_paths", lambda x: None))
    assert "expected numbers" in str(check("derivative_rules.sum_over_paths", lambda x: "text"))
    assert "NaN or inf" in str(check("derivative_rules.sum_over_paths", lambda x: x * np.nan))
    assert "return 2 values" in str(check("derivative_rules.product_rule", lambda a, b, g: g))


def test_input_modified_in_place_is_reported():
    def in_place(z, b, g):
        g *= 1.0
        z += 1.0
        return g, g.sum(axis=0)

    assert "changed its input arrays in place" in str(check("derivative_rules.bias_gradient", in_place))


def test_worst_element_is_reported_for_other_mistakes():
    result = check("derivative_rules.sum_over_paths", lambda x: np.sin(x) + 0.1 * x**3, seed=0)
    assert any("wrong value at index" in m and "yours" in m and "expected" in m for m in result.messages), str(result)


def test_result_shows_as_html_and_text():
    result = check("derivative_rules.product_rule", WRONG["derivative_rules.product_rule"][0][0])
    assert result._repr_html_().startswith('<div class="chainrule-check"')
    assert str(result).startswith("✘ derivative_rules.product_rule: 0/4")


def test_unknown_exercise_and_non_function_are_explained():
    with pytest.raises(KeyError, match="known exercises"):
        check("no.such_exercise", stub)
    assert "expects your function" in str(check("derivative_rules.product_rule", 42))


def test_chapter_summary_lists_the_latest_status():
    check("derivative_rules.product_rule", EXERCISES["derivative_rules.product_rule"].reference)
    check("derivative_rules.chain_rule", stub)
    text = str(summary("derivative_rules"))
    assert "✔ derivative_rules.product_rule" in text
    assert "· derivative_rules.chain_rule — Chain rule for L = (w·x + b − y)² (not implemented)" in text
    with pytest.raises(KeyError, match="chapters"):
        summary("no_such_chapter")


def test_endless_loop_is_stopped_with_a_reason(monkeypatch):
    from chainrule.exercises import guard

    monkeypatch.setattr(guard, "TIME_LIMIT_S", 0.3)

    def loops(x):
        while True:
            pass

    result = check("derivative_rules.sum_over_paths", loops)
    assert result.messages == ["your function ran longer than 0.3 s and was stopped: an endless loop?"]


def test_endless_printing_is_cut_off(capsys):
    def floods(x):
        while True:
            print("still here")

    result = check("derivative_rules.sum_over_paths", floods)
    assert len(result.messages) == 1 and "printed more than 2,000 characters" in result.messages[0]
    assert capsys.readouterr().out == ""  # nothing reached the screen


def test_runaway_recursion_and_tensor_results_are_explained():
    def recurse(x):
        return recurse(x)

    assert "RecursionError" in str(check("derivative_rules.sum_over_paths", recurse))
    from chainrule import Tensor

    assert "return its .data" in str(check("derivative_rules.sum_over_paths", lambda x: Tensor(x)))
