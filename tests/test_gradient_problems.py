"""Chapter 7 and the explorers of chapters 5 and 7: deep stacks, remedies, anomaly mode."""

import re

import numpy as np
import pytest

import chainrule as cr
from chainrule import deep, optim
from chainrule.explorers import gradients, softmax


def test_sigmoid_stack_vanishes_and_remedies_restore_the_ratio():
    def ratio(**kw):
        n = deep.layer_gradient_norms(depth=12, width=32, **kw)
        return n[0] / n[-1]

    assert ratio(activation="sigmoid", init="Glorot") < 1e-5
    assert 0.1 < ratio(activation="sigmoid", init="Glorot", batchnorm=True) < 10
    assert ratio(activation="sigmoid", init="Glorot", residual=True) > 1e3 * ratio(activation="sigmoid", init="Glorot")
    assert 0.1 < ratio(activation="relu", init="He") < 10
    assert ratio(activation="tanh", init="N(0,1)") > 1e2  # exploding towards the input


def test_relu_weight_gradient_ratio_is_blind_to_the_scale_that_output_gradients_show():
    # positive homogeneity: a_{l-1} and δ_l scale in opposite directions, ∂L/∂W_l = δ_l a_{l-1}ᵀ does not
    runs = {init: deep.layer_gradients(activation="relu", init=init) for init in deep.INITS}
    for g in runs.values():
        assert 0.5 < g["W"][0] / g["W"][-1] < 2
    assert runs["N(0,1)"]["a"][0] / runs["N(0,1)"]["a"][-1] > 1e12
    assert runs["Glorot"]["a"][0] / runs["Glorot"]["a"][-1] < 1e-2
    assert 0.1 < runs["He"]["a"][0] / runs["He"]["a"][-1] < 10
    assert runs["N(0,1)"]["act"][-1] > 1e12 and runs["Glorot"]["act"][-1] < 1e-2


def test_gates_and_leaky_relu():
    def ratio_a(**kw):
        g = deep.layer_gradients(depth=12, width=32, **kw)
        return g["a"][0] / g["a"][-1]

    assert ratio_a(activation="sigmoid", init="Glorot", gated=True) > 1e6 * ratio_a(activation="sigmoid", init="Glorot")
    relu = deep.layer_gradients(activation="relu", init="He")
    leaky = deep.layer_gradients(activation="leaky relu", init="He")
    assert 0.4 < relu["zero"].mean() < 0.6 and leaky["zero"].max() == 0


def test_batch_norm_layers_learn_gamma_and_beta():
    rng = np.random.default_rng(0)
    layers = deep.init_layers(8, 3, "Glorot", rng, batchnorm=True)
    out, _ = deep.forward(layers, rng.normal(size=(16, 8)), "tanh", batchnorm=True)
    (out * out).mean().backward()
    for layer in layers:
        assert layer["gamma"].grad.shape == (8,) and np.any(layer["gamma"].grad)
        assert layer["beta"].grad.shape == (8,) and np.any(layer["beta"].grad)


def test_clip_diagnoses_say_by_value_only_when_something_was_clipped():
    from chainrule.exercises import check
    from chainrule.exercises import gradient_problems as gp

    rng = np.random.default_rng(3)
    g = gp._below_threshold_2d(rng, 1.5)
    assert np.abs(g).max() <= 1.5 < np.linalg.norm(g)
    message = str(gp._clip_mistakes(np.clip(g, -1.5, 1.5), gp.clip_by_norm(g, 1.5), (g, 1.5), 0))
    assert "by value" not in message and "returned unchanged" in message
    result = check("gradient_problems.clip_by_norm", lambda g, m: g)
    assert not result.passed and any("returned unchanged" in m for m in result.messages)
    assert check("gradient_problems.clip_by_norm", gp.clip_by_norm).messages == []


def test_he_init_keeps_relu_gradients_of_order_one():
    norms = deep.layer_gradient_norms(activation="relu", init="He", depth=20)
    assert 1e-2 < norms.min() and norms.max() < 1e2


def test_batch_norm_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3))
    w = rng.normal(size=(5, 3))
    assert cr.gradcheck(lambda t: (deep.batch_norm(t) * w).sum(), x).passed
    out = deep.batch_norm(cr.Tensor(x)).data
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1, rtol=1e-4)


def test_clip_grad_norm_rescales_only_long_gradients():
    a, b = cr.Tensor(np.zeros(2)), cr.Tensor(np.zeros(1))
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([4.0])
    assert optim.clip_grad_norm({"a": a, "b": b}, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([a.grad, b.grad]), [0.6, 0.0, 0.8])
    optim.clip_grad_norm({"a": a, "b": b}, 10.0)
    np.testing.assert_allclose(np.concatenate([a.grad, b.grad]), [0.6, 0.0, 0.8])


def test_anomaly_mode_names_the_forward_operation():
    w = cr.Tensor(np.array([800.0, 1.0]))
    with pytest.raises(cr.AnomalyError, match="forward pass: exp produced inf"):
        with cr.detect_anomaly():
            (w * 1.0).exp().sum()
    with pytest.raises(cr.AnomalyError, match="forward pass: log produced"):
        with cr.detect_anomaly():
            cr.Tensor(np.array([-1.0, 2.0])).log()


def test_anomaly_mode_names_the_backward_operation():
    x = cr.Tensor(np.array([0.0, 4.0]))
    with pytest.raises(cr.AnomalyError, match="backward pass: the rule of pow produced inf for its input #0"):
        with cr.detect_anomaly():
            (x**0.5).sum().backward()


def test_anomaly_mode_is_off_outside_the_block_and_restored():
    with cr.detect_anomaly():
        pass
    with np.errstate(all="ignore"):
        out = cr.Tensor(np.array([800.0])).exp()  # no error raised outside the block
    assert np.isinf(out.data).all()


def test_jacobian_of_softmax_is_diag_minus_outer():
    z = np.array([0.5, -1.0, 2.0])
    p = cr.softmax(z).data
    np.testing.assert_allclose(cr.jacobian(cr.softmax, z), np.diag(p) - np.outer(p, p), atol=1e-15)
    np.testing.assert_allclose(cr.jacobian(lambda t: t * 3.0, np.ones(2)), 3 * np.eye(2))


@pytest.mark.parametrize("module, frames", [(gradients, 12), (softmax, len(softmax.TEMPERATURES))])
def test_static_explorers_have_one_frame_per_setting(module, frames):
    page = module.static()._repr_html_()
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', page)) == frames
    assert "http" not in page and 'type="range"' in page


def test_live_explorers_have_their_controls():
    names = [c.description for c in gradients.live().children[:3]]
    assert names == ["depth", "activation", "init"]
    sliders = [c.description for c in softmax.live().children[:5]]
    assert sliders == ["z1", "z2", "z3", "z4", "T"]


def test_softmax_explorer_jacobian_scales_with_temperature():
    import matplotlib.pyplot as plt

    fig = softmax.draw(temperature=2.0)
    texts = [t.get_text() for t in fig.axes[0].texts]
    p = cr.softmax(np.array(softmax.LOGITS) / 2.0).data
    assert texts == [f"{v:.2f}" for v in p]
    plt.close(fig)


def test_batch_norm_rescue_is_the_one_over_s_b_factor():
    # σ′ ≈ 0.2 per layer would vanish; batch norm's backward pass divides by s_B ≈ 0.2 (issue 22)
    bn = deep.layer_gradients(activation="sigmoid", init="Glorot", batchnorm=True)
    ratios = bn["slope"][1:] / bn["s_B"][1:]
    assert np.all(np.abs(bn["slope"][1:] - 0.206) < 0.01) and np.all(np.abs(ratios - 1) < 0.1)
    assert bn["kept"][:-1].min() > 0.99 and bn["kept"][-1] < 0.5  # only the top loses its batch mean
    plain = deep.layer_gradients(activation="sigmoid", init="Glorot")
    assert "s_B" not in plain and "kept" not in plain


def test_gated_stack_shrinks_by_its_carry_path():
    g = deep.layer_gradients(activation="sigmoid", init="Glorot", gated=True)
    carry0 = 1 - 1 / (1 + np.exp(-deep.GATE_BIAS))
    measured = g["a"][0] / g["a"][-1]
    assert np.prod(g["carry"][1:]) < measured < carry0 ** (len(g["carry"]) - 1)
    steps = g["a"][:-1] / g["a"][1:]
    assert abs(steps.mean() - g["carry"][1:].mean()) < 0.02


def test_dead_units_differ_from_per_example_sparsity():
    relu = deep.layer_gradients(activation="relu", init="He")
    assert abs(relu["off"].mean() - 0.5) < 0.05
    assert relu["off_all"][:2].max() == 0 and relu["off_all"][-5:].mean() > 0.1
    assert np.all(relu["off_all"] <= relu["off"])


def test_tanh_backward_variance_factor_predicts_the_explosion():
    t = deep.layer_gradients(activation="tanh", init="N(0,1)")
    chi = 64 * t["slope_sq"]
    predicted = np.sqrt(np.prod(chi[:-1]))
    measured = t["delta"][0] / t["delta"][-1]
    assert 0.5 < predicted / measured < 2 and measured > 1e5


def test_he_std_for_leaky_relu_keeps_the_forward_variance():
    assert deep.he_std(64) == pytest.approx(np.sqrt(2 / 64))
    rng = np.random.default_rng(0)
    alpha, n = 0.3, 256
    z = rng.normal(size=(4000, n))
    a = np.where(z > 0, z, alpha * z)
    W = rng.normal(0, deep.he_std(n, alpha), size=(n, n))
    assert (a @ W).var() == pytest.approx(1.0, rel=0.05)


def test_recurrent_cliff_throws_plain_descent_and_not_clipped():
    from chainrule.models import recurrent_cliff

    plain = recurrent_cliff.descend((5.0, -2.5), 0.2, 150)
    clipped = recurrent_cliff.descend((5.0, -2.5), 0.2, 150, clip=1.0)
    k = int(np.argmax(plain["grad_norm"]))
    assert plain["grad_norm"][k] > 100 * np.median(plain["grad_norm"][:k]) and plain["step"][k] > 10
    assert plain["grad_norm"][k + 1 :].max() == 0 and plain["loss"][-1] == pytest.approx(0.25)
    assert clipped["step"].max() <= 0.2 + 1e-12
    assert recurrent_cliff.loss(cr.Tensor(clipped["params"][-1])).item() < 0.01
    # the engine's gradient of the cliff loss agrees with central differences
    p = cr.Tensor(np.array([4.8, -2.4]))
    recurrent_cliff.loss(p).backward()
    num = cr.numerical_gradient(lambda q: recurrent_cliff.loss(q), np.array([4.8, -2.4]))
    assert np.allclose(p.grad, np.asarray(num).reshape(2), rtol=1e-4, atol=1e-8)
    with pytest.raises(ValueError, match="start is"):
        recurrent_cliff.descend((1.0, 2.0, 3.0), 0.1, 5)
    with pytest.raises(ValueError, match="lr > 0"):
        recurrent_cliff.descend((5.0, -2.5), 0.0, 5)
    assert recurrent_cliff.surface([4.0, 5.0], [-2.5]).shape == (1, 2)
