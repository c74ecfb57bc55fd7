"""Data, the source's network, optimisers, the quadratic analysis and the explorers."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chainrule as cr
from chainrule import nn, optim
from chainrule.explorers import learning_rate
from chainrule.explorers.static import StaticExplorer, precompute
from chainrule.models.data import load_digits, one_hot
from chainrule.models.quadratic import Quadratic, elongated_bowl, gradient_descent


def test_digits_are_local_deterministic_and_stratified():
    X_train, y_train, X_test, y_test = load_digits()
    assert X_train.shape == (1347, 64) and X_test.shape == (450, 64)
    assert 0.0 <= X_train.min() and X_train.max() <= 1.0
    again = load_digits()
    np.testing.assert_array_equal(again[0], X_train)
    counts = np.bincount(y_test, minlength=10)
    assert counts.min() >= 43 and counts.max() <= 47  # every digit about equally often
    np.testing.assert_array_equal(one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])


def test_untrained_network_guesses_and_loss_is_near_log_c():
    X_train, y_train, _, _ = load_digits()
    params = nn.init_params(64, 32, 10, np.random.default_rng(0))
    assert nn.predict_proba(params, X_train[:7]).shape == (7, 10)
    np.testing.assert_allclose(nn.predict_proba(params, X_train[:7]).sum(axis=1), 1.0)
    assert abs(nn.loss(params, X_train, y_train).item() - np.log(10)) < 0.2


def test_network_gradient_matches_finite_differences():
    X_train, y_train, _, _ = load_digits()
    rng = np.random.default_rng(1)
    params = nn.init_params(64, 5, 10, rng)
    X, y = X_train[:6], y_train[:6]
    names = list(params)

    def loss(*tensors):
        return nn.loss(dict(zip(names, tensors, strict=True)), X, y)

    result = cr.gradcheck(loss, *(params[k].data for k in names))
    assert result.passed, str(result)


@pytest.mark.parametrize("make", [lambda: None, lambda: optim.Momentum(0.5), lambda: optim.Adam(0.01)])
def test_every_optimiser_lowers_the_digits_loss(make):
    X_train, y_train, _, _ = load_digits()
    rng = np.random.default_rng(0)
    params = nn.init_params(64, 16, 10, rng)
    opt = make()
    start = nn.loss(params, X_train, y_train).item()
    for _ in range(40):
        loss = nn.loss(params, X_train, y_train)
        loss.backward()
        optim.sgd_step(params, 2.0) if opt is None else opt.step(params)
    assert nn.loss(params, X_train, y_train).item() < 0.6 * start


def test_adam_first_step_has_length_lr_per_weight():
    w = cr.Tensor(np.array([1.0, -2.0, 3.0]))
    params = {"w": w}
    (w * np.array([1e-3, 5.0, -200.0])).sum().backward()
    optim.Adam(lr=0.1).step(params)  # bias correction: the first step is lr·sign(g)
    np.testing.assert_allclose(w.data, [0.9, -2.1, 3.1], rtol=1e-5)  # up to Adam's ε


def test_minibatches_cover_every_example_once():
    batches = optim.minibatches(10, 4, np.random.default_rng(0))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches).tolist()) == list(range(10))
    assert [b.tolist() for b in optim.minibatches(5, 2)] == [[0, 1], [2, 3], [4]]


@st.composite
def bowls(draw):
    n = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    lam = rng.uniform(0.2, 10.0, size=n)
    return Quadratic(Q @ np.diag(lam) @ Q.T, rng.normal(size=n)), rng.normal(size=n) * 3


@given(bowls(), st.floats(0.05, 0.95))
def test_gradient_descent_converges_below_two_over_lambda_max(bowl, fraction):
    q, w0 = bowl
    run = gradient_descent(q, w0, fraction * q.max_stable_lr, steps=4000)
    assert not run.diverged and run.losses[-1] <= 1e-6 * max(run.losses[0], 1e-12) + 1e-12


@given(bowls(), st.floats(1.05, 1.5))
def test_gradient_descent_diverges_above_two_over_lambda_max(bowl, factor):
    q, w0 = bowl
    run = gradient_descent(q, w0, factor * q.max_stable_lr, steps=4000)
    assert run.diverged


def test_quadratic_gradient_is_the_engines():
    q = elongated_bowl(kappa=7)
    w = np.array([0.3, -1.2])
    engine = cr.engine_gradient(lambda t: 0.5 * ((t - q.w_star) @ q.A @ (t - q.w_star)), w)[0]
    np.testing.assert_allclose(q.grad(w), engine, rtol=1e-12)
    assert q.condition_number == pytest.approx(7.0)


def test_momentum_beats_plain_descent_on_an_ill_conditioned_bowl():
    q = elongated_bowl(kappa=50)
    lo, hi = q.eigenvalues.min(), q.eigenvalues.max()
    plain = gradient_descent(q, learning_rate.START, 2 / (lo + hi), steps=150)
    beta = ((np.sqrt(50) - 1) / (np.sqrt(50) + 1)) ** 2
    heavy = gradient_descent(q, learning_rate.START, (2 / (np.sqrt(lo) + np.sqrt(hi))) ** 2, steps=150, momentum=beta)
    assert heavy.losses[-1] < 1e-6 * plain.losses[-1]


@pytest.mark.parametrize(
    "lr, words", [(0.05, "converges"), (0.19, "oscillation"), (0.2, "never shrinks"), (0.21, "diverged")]
)
def test_explorer_verdict_names_what_happened(lr, words):
    q = elongated_bowl()
    assert words in learning_rate.verdict(q, lr, gradient_descent(q, learning_rate.START, lr, 30))


def test_static_explorer_is_self_contained_html():
    explorer = learning_rate.static(steps=5)
    page = explorer._repr_html_()
    frames = re.findall(r'<img [^>]*src="data:image/png;base64,', page)
    assert len(frames) == len(learning_rate.LEARNING_RATES)
    assert len(re.findall(r'<img [^>]*display:block', page)) == 1  # one frame shown at a time
    assert '<input type="range" min="0" max="8"' in page and "oninput=" in page
    assert "http" not in page  # nothing from the network
    assert "<script" not in page


def test_static_explorer_checks_its_frames():
    with pytest.raises(ValueError, match="2 labels for 1 frames"):
        StaticExplorer("t", "p", ["a", "b"], [b"png"])
    import matplotlib.pyplot as plt

    explorer = precompute("Demo", "x", [1, 2], lambda v: plt.figure(figsize=(1, 1)))
    assert explorer.labels == ["1", "2"] and all(f.startswith(b"\x89PNG") for f in explorer.frames)


def test_live_explorer_has_a_log_scale_learning_rate_slider():
    widget = learning_rate.live()
    lr, steps = widget.children[:2]
    assert type(lr).__name__ == "FloatLogSlider" and lr.description == "η"
    assert lr.max == pytest.approx(np.log10(0.4)) and steps.value == 30
