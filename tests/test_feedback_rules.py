"""Feedback that never guesses (issue 23 §2), the rules in core.py:

- a wrong value is printed with the digits it takes to tell it from the expected one;
- a case an exercise declares degenerate (one example, two classes, one row) never gives a
  cause, only facts, and those only when no other case failed;
- a diagnosis also sees an answer that overflowed, so the overflow can be named;
- the same reason from several cases is shown once, in either language.
"""

import numpy as np
import pytest

from chainrule.exercises import EXERCISES, check
from chainrule.exercises.core import Exercise, digits_apart, distinct, evaluate, local_caller, wrong_value
from chainrule.language import set_language


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


# --- printing ---------------------------------------------------------------------------


def test_a_wrong_value_is_printed_with_the_digits_that_show_the_difference():
    message = wrong_value("g", np.array([0.85364812]), np.array([0.85364788]), 1e-6, 1e-9)
    assert "yours 0.8536481, expected 0.8536479" in message, message
    # six digits are kept where they already differ (the stored outputs of other chapters stay as they were)
    assert "yours 1.5, expected 2" in wrong_value("g", np.array([1.5]), np.array([2.0]), 1e-6, 1e-9)
    assert digits_apart(0.853648, 0.853648) == 17  # equal numbers: as many digits as a float has
    assert digits_apart(1.0, 1.0 + 3e-12) == 13


def test_the_printed_values_differ_whenever_the_check_fails():
    rng = np.random.default_rng(0)
    for _ in range(200):
        ref = rng.normal() * 10.0 ** rng.integers(-5, 5)
        got = ref * (1 + rng.choice([-1, 1]) * 10.0 ** rng.uniform(-9, -5))
        mine, _, theirs = wrong_value("g", np.array([got]), np.array([ref]), 1e-10, 0).partition(", expected ")
        assert mine.split("yours ")[1] != theirs.split(" (")[0], (got, ref)


# --- degenerate cases -----------------------------------------------------------------------


def _squared(got, expected, args, index):
    (x,) = args
    if np.allclose(got, x**2):
        return "you returned x squared"
    return None


def _demo(degenerate):
    """Reference 2x; a diagnosis for x². The first case, x = [−1], is degenerate: there x + 2 = x²."""
    return Exercise(
        "demo.double",
        "demo",
        "demo",
        "double(x)",
        ("g",),
        reference=lambda x: 2 * x,
        cases=lambda rng: [(np.array([-1.0]),), (rng.normal(size=4),), (rng.normal(size=6),)],
        diagnoses=(_squared,),
        section="chapter 0, “Demo”",
        degenerate=degenerate,
    )


def test_no_cause_is_claimed_from_a_degenerate_case():
    plus_two = local_caller(lambda x: x + 2)
    claimed = evaluate(_demo(None), plus_two)
    assert "g: you returned x squared" in claimed.messages  # without the rule: the first case misleads
    result = evaluate(_demo(lambda x: len(x) == 1), plus_two)
    assert result.score == 0 and not any("squared" in m for m in result.messages), result
    assert result.messages and all("wrong value" in m for m in result.messages), result
    # a cause that holds in the other cases is still named
    squares = evaluate(_demo(lambda x: len(x) == 1), local_caller(lambda x: x**2))
    assert squares.messages == ["g: you returned x squared"] and squares.score == 0


def test_a_degenerate_case_alone_gets_the_facts_and_no_cause():
    def wrong_only_for_one(x):
        return x**2 + 1 if len(x) == 1 else 2 * x

    result = evaluate(_demo(lambda x: len(x) == 1), local_caller(wrong_only_for_one))
    assert not result.passed and result.score == 2
    assert result.messages == ["g: wrong value at index (0,): yours 2, expected -2 (relative error 2.0e+00)"], result
    # shown only because no other case failed: where another case fails, that case speaks
    both = evaluate(_demo(lambda x: len(x) == 1), local_caller(lambda x: x**2 + 1))
    assert not any("yours 2, expected -2" in m for m in both.messages), both


def test_a_wrongly_shaped_label_array_is_not_called_labels_that_play_no_part():
    """The held-out answer of issue 23: p − labels broadcasts only in the one-example case."""

    def subtracts_labels(logits, labels):
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True) - labels) / len(logits)

    for seed in range(4):
        result = check("activations.softmax_cross_entropy_gradient", subtracts_labels, seed=seed)
        text = "\n".join(result.messages)
        assert "labels play no part" not in text and "ValueError" in text, result


@pytest.mark.parametrize(
    "exercise_id",
    sorted(
        eid
        for eid, ex in EXERCISES.items()
        if ex.degenerate is not None and eid.split(".")[0] in {"activations", "tensorflow", "outlook"}
    ),
)
def test_a_declared_degenerate_case_is_one_case_not_all(exercise_id):
    ex = EXERCISES[exercise_id]
    flags = [bool(ex.degenerate(*args)) for args in ex.cases(np.random.default_rng(0))]
    assert sum(flags) < len(flags) - 1, f"{exercise_id}: at most one case may be degenerate, {flags}"


# --- overflow -----------------------------------------------------------------------------


def test_a_diagnosis_sees_an_answer_that_overflowed():
    result = check(
        "activations.stable_bce_with_logits",
        lambda z, y: (np.log1p(np.exp(z)) - z * y, (0.5 * (1 + np.tanh(z / 2)) - y) / len(z)),
    )
    text = "\n".join(result.messages)
    assert "where |z| is large" in text and "NaN or inf" not in text, result
    # and where no diagnosis recognises it, the plain fact
    assert "contains NaN or inf" in str(check("activations.sigmoid_derivative", lambda z: z * np.inf))


# --- the same reason once, in both languages ---------------------------------------------------


def test_a_guard_reason_repeated_by_several_cases_is_shown_once_in_either_language():
    english = [
        "your code raised ValueError: operands could not be broadcast together with shapes (4,3) (4,)  (line 5 of your code)",
        "your code raised ValueError: operands could not be broadcast together with shapes (6,5) (6,)  (line 5 of your code)",
    ]
    chinese = [
        "你的代码抛出了ValueError：operands could not be broadcast together with shapes (4,3) (4,)（你的代码第5行）",
        "你的代码抛出了ValueError：operands could not be broadcast together with shapes (6,5) (6,)（你的代码第5行）",
    ]
    assert distinct(english) == english[:1]
    assert distinct(chinese) == chinese[:1]


# --- where to look ---------------------------------------------------------------------------


# Every section a diagnosis cites is a heading of the built book, exactly, in English and in
# Chinese: tests/test_section_names.py (all modules).
