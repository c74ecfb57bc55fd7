"""Chapter 8's exercises beyond the generic tables of tests/exercise_answers/curvature.py: the
diagnoses that one table cannot hold, what the statements promise, and the answers' mathematics."""

import numpy as np
import pytest
from exercise_answers.curvature import _rop, cycle_by_bisection, rop_by_rules

from chainrule.exercises import EXERCISES, check
from chainrule.exercises.curvature import newton_cycle


def messages(result):
    return "\n".join(result.messages)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_w2_part_without_its_residual_term_is_named_and_not_called_gauss_newton(seed):
    # Only the w2 part is wrong: its R{A}ᵀr term is missing, the W1 part is right.
    result = check("curvature.rop_hvp", lambda *a: (_rop(*a)[0], _rop(*a, w2res=0.0)[1]), seed=seed)
    assert not result.passed
    text = messages(result)
    assert "H v, the w2 part: the term through the hidden activations' change is missing" in text
    assert "Gauss–Newton" not in text and "W1 part" not in text


@pytest.mark.parametrize("seed", [0, 1])
def test_the_gauss_newton_mistake_names_both_parts(seed):
    result = check("curvature.rop_hvp", lambda *a: _rop(*a, res=0.0), seed=seed)
    text = messages(result)
    assert "H v, the W1 part: that is the Gauss–Newton part only" in text
    assert "H v, the w2 part: the term through the hidden activations' change is missing" in text


def test_a_right_answer_gets_no_diagnosis_and_the_parts_are_not_swapped_silently():
    assert check("curvature.rop_hvp", rop_by_rules, seed=3).passed
    swapped = check("curvature.rop_hvp", lambda *a: rop_by_rules(*a)[::-1], seed=3)
    assert not swapped.passed


def test_the_newton_cycle_answer_is_a_two_cycle_between_the_chapters_converging_and_diverging_starts():
    w = newton_cycle(1.0)
    assert 1.0 < w < 1.2  # the chapter saw 1.0 converge and 1.2 diverge
    assert w - np.tanh(w) * np.cosh(w) ** 2 == pytest.approx(-w, rel=1e-12)  # one step lands on −w
    for alpha in (0.3, 1.5):
        w = newton_cycle(alpha)
        assert w - alpha * np.tanh(w) * np.cosh(w) ** 2 == pytest.approx(-w, rel=1e-10)
    assert newton_cycle(0.5) > newton_cycle(1.0) > newton_cycle(1.5)  # a shorter step cycles further out
    assert cycle_by_bisection(1.0) == pytest.approx(newton_cycle(1.0), rel=1e-12)  # a different solver agrees


def test_newton_cycle_cases_vary_alpha_and_start_away_from_the_undamped_step():
    alphas = [args[0] for args in EXERCISES["curvature.newton_cycle"].cases(np.random.default_rng(0))]
    assert len(set(alphas)) == len(alphas) >= 4
    assert all(0 < a < 2 for a in alphas)


def test_softmax_jvp_is_checked_on_a_1d_z_as_its_statement_says():
    shapes = [np.shape(z) for z, _ in EXERCISES["curvature.softmax_jvp"].cases(np.random.default_rng(0))]
    assert any(len(s) == 1 for s in shapes) and any(len(s) == 2 for s in shapes)


def test_ce_logits_hvp_first_case_is_not_degenerate():
    Z, y, V = EXERCISES["curvature.ce_logits_hvp"].cases(np.random.default_rng(0))[0]
    assert Z.shape[0] > 1 and Z.shape[1] > 2 and len(set(y.tolist())) > 1


@pytest.mark.parametrize("seed", [0, 1])
def test_newton_with_absolute_eigenvalues_is_diagnosed_only_where_an_eigenvalue_is_negative(seed):
    def saddle_free(x, g, H):
        lam, Q = np.linalg.eigh(H)
        return x - Q @ ((Q.T @ g) / np.abs(lam))

    result = check("curvature.newton_step", saddle_free, seed=seed)
    cases = EXERCISES["curvature.newton_step"].cases(np.random.default_rng(seed))
    definite = sum(np.linalg.eigvalsh(H).min() > 0 for _, _, H in cases)
    assert result.score == definite  # right where H ≻ 0, where |λ| = λ
    assert "divides by |λ|" in messages(result)
