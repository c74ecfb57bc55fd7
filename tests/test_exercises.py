"""Every exercise: the reference passes, the stub is 'not implemented'; the generic feedback
(sign, factor, zeros, values where the reference is 0, hints) and the guard against broken
learner code. Per-exercise answers and mistakes: tests/exercise_answers/ and
tests/test_checker_standards.py."""

import sys

import numpy as np
import pytest

from chainrule.exercises import EXERCISES, check, summary


def stub(*args):
    raise NotImplementedError


def SWAPPED(a, b, g):
    return g * a, g * b


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_reference_passes_and_stub_is_not_implemented(exercise_id):
    ex = EXERCISES[exercise_id]
    passed = check(exercise_id, ex.reference)
    assert passed.passed and passed.score == passed.total >= 3, str(passed)
    pending = check(exercise_id, stub)
    assert pending.status == "not implemented" and not pending.passed
    assert "not implemented yet" in str(pending)


def test_feedback_is_stable_across_random_inputs():
    wrong = SWAPPED
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
    result = check("derivative_rules.product_rule", SWAPPED)
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
    import time

    from chainrule.exercises import guard

    monkeypatch.setattr(guard, "TIME_LIMIT_S", 0.3)

    def loops(x):
        end = time.perf_counter() + 6  # endless for the limit; ends by itself (and fails) if the limit is lost
        while time.perf_counter() < end:
            pass
        return x

    start = time.perf_counter()
    result = check("derivative_rules.sum_over_paths", loops)
    assert time.perf_counter() - start < 3
    line = loops.__code__.co_firstlineno + 2
    assert result.messages == [
        f"your function ran longer than 0.3 s (not counting imports) and was stopped (at line {line} of your code)"
    ]


def test_endless_printing_is_cut_off(capsys):
    def floods(x):
        while True:
            print("still here")

    result = check("derivative_rules.sum_over_paths", floods)
    assert len(result.messages) == 1 and "printed more than 200,000 characters" in result.messages[0]
    assert capsys.readouterr().out == ""  # the flood did not reach the screen


def test_moderate_printing_passes_and_is_shown_capped(capsys):
    reference = EXERCISES["derivative_rules.sum_over_paths"].reference

    def chatty(x):
        print("x =", np.array2string(x, threshold=10_000), "\n" + "debug " * 500)  # a few thousand characters
        return reference(x)

    result = check("derivative_rules.sum_over_paths", chatty)
    assert result.passed and result.messages == [], str(result)
    shown = capsys.readouterr().out
    assert shown.startswith("x = ") and "more printed characters not shown" in shown
    assert len(shown) < 2_200


def test_runaway_recursion_and_tensor_results_are_explained():
    def recurse(x):
        return recurse(x)

    assert "RecursionError" in str(check("derivative_rules.sum_over_paths", recurse))
    from chainrule import Tensor

    assert "return its .data" in str(check("derivative_rules.sum_over_paths", lambda x: Tensor(x)))


# --- the guard holds against any learner code (issue 12 §3) ---------------------------------


@pytest.mark.parametrize("handler", ["except Exception", "except BaseException", "except"])
def test_retry_loop_that_catches_the_time_limit_is_still_stopped(monkeypatch, handler):
    import time

    from chainrule.exercises import guard

    monkeypatch.setattr(guard, "TIME_LIMIT_S", 0.3)
    namespace = {}
    exec(
        "import time\n"
        "def stubborn(x):\n"
        "    end = time.perf_counter() + 6\n"
        "    while time.perf_counter() < end:\n"
        "        try:\n"
        "            time.sleep(0.01)\n"
        f"        {handler}:\n"
        "            pass\n",
        namespace,
    )
    start = time.perf_counter()
    result = check("derivative_rules.sum_over_paths", namespace["stubborn"])
    assert time.perf_counter() - start < 3
    assert len(result.messages) == 1
    assert result.messages[0].startswith("your function ran longer than 0.3 s (not counting imports) and was stopped")


def test_retry_loop_without_sleep_is_stopped(monkeypatch):
    import time

    from chainrule.exercises import guard

    monkeypatch.setattr(guard, "TIME_LIMIT_S", 0.3)
    end = time.perf_counter() + 6  # if the limit is ever lost, the loop ends here and the test fails

    def busy(x):
        n = 0
        while True:
            try:
                n += 1
                if n % 4096 == 0 and time.perf_counter() > end:
                    return x
            except:  # noqa: E722  (what a learner may write)
                continue

    result = check("derivative_rules.sum_over_paths", busy)
    assert len(result.messages) == 1 and "was stopped" in result.messages[0]


@pytest.mark.parametrize(
    "code, reason",
    [
        ("import sys\ndef f(x):\n    sys.exit()", "your code called exit() (line 3 of your code) and was stopped"),
        ("def f(x):\n    exit(2)", "your code called exit() (code 2)"),
        ("def f(x):\n    quit()", "your code called exit()"),
        ("def f(x):\n    raise KeyboardInterrupt", "interrupted (KeyboardInterrupt)"),
        ("def f(x):\n    raise GeneratorExit('bye')", "your code raised GeneratorExit: bye"),
        ("class Odd(BaseException):\n    pass\ndef f(x):\n    raise Odd()", "your code raised Odd"),
    ],
)
def test_base_exceptions_give_one_line_and_never_escape(code, reason):
    namespace = {"exit": exit, "quit": quit}
    exec(compile(code, "<learner cell>", "exec"), namespace)
    result = check("derivative_rules.sum_over_paths", namespace["f"])  # must not raise
    assert not result.passed and len(result.messages) == 1, str(result)
    assert reason in result.messages[0] and "\n" not in result.messages[0]


def test_wrong_number_of_arguments_names_the_signature():
    result = check("derivative_rules.product_rule", lambda a, b: (a, b))
    assert len(result.messages) == 1
    message = result.messages[0]
    assert "cannot be called with 3 arguments" in message and "check calls it as mul_backward(a, b, g)" in message
    # a TypeError inside the code is the learner's bug, told as such
    inner = check("derivative_rules.product_rule", lambda a, b, g: (np.dot(a), b))
    assert all("check calls it as" not in m for m in inner.messages) and "TypeError" in str(inner)


def test_no_warning_from_the_checker_reaches_the_learner():
    import warnings

    reference = EXERCISES["derivative_rules.sum_over_paths"].reference
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning would raise here
        result = check("derivative_rules.sum_over_paths", lambda x: reference(x) + 0j)
        assert "complex numbers" in str(result)
        huge = check("derivative_rules.sum_over_paths", lambda x: reference(x) * 1e300 * 1e300)
        assert not huge.passed
        assert not check("derivative_rules.sum_over_paths", lambda x: reference(x) * 1e300).passed


def test_guard_leaves_no_trace_function_or_alarm_behind(monkeypatch):
    import signal
    import sys
    import time

    from chainrule.exercises import guard

    monkeypatch.setattr(guard, "TIME_LIMIT_S", 0.2)
    end = time.perf_counter() + 6  # if the limit is ever lost, the loop ends here and the test fails

    def stubborn(x):
        while True:
            try:
                if time.perf_counter() > end:
                    return x
            except BaseException:
                pass

    before = sys.gettrace()
    assert "was stopped" in str(check("derivative_rules.sum_over_paths", stubborn))
    assert sys.gettrace() is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert check("derivative_rules.sum_over_paths", EXERCISES["derivative_rules.sum_over_paths"].reference).passed


# --- generic diagnoses claim only what reproduces the answer (issue 12 §2) -------------------


def test_a_factor_is_claimed_only_when_clearly_not_one_and_exact_everywhere():
    from chainrule.exercises.core import constant_factor, generic_diagnosis

    expected = np.array([[1.0, -2.0, 0.0], [0.5, 3.0, 0.0]])
    assert constant_factor(3 * expected, expected) == pytest.approx(3)
    assert constant_factor(expected * (1 + 1e-5), expected) is None  # k ≈ 1 is no factor
    off_at_zero = 3 * expected
    off_at_zero[0, 2] = 0.1
    assert constant_factor(off_at_zero, expected) is None  # zeros included
    assert generic_diagnosis(expected + 0.1, expected, ()) is None  # wrong in another way
    assert constant_factor(np.array([2.0]), np.array([1.0])) is None  # one number: any value is "a factor"
    message, hint = generic_diagnosis(3 * expected, expected, ())
    assert "times 3 at every entry" in message and hint


def test_batch_size_is_offered_only_where_the_exercise_declares_a_batch():
    from chainrule.exercises.core import generic_diagnosis

    expected = np.arange(1.0, 7.0).reshape(2, 3)
    assert "batch size" not in generic_diagnosis(2 * expected, expected, (), batch_size=None)[0]
    assert "batch size" in generic_diagnosis(2 * expected, expected, (), batch_size=2)[0]
    assert "divided by 2, the batch size" in generic_diagnosis(expected / 2, expected, (), batch_size=2)[0]
    assert "batch size" not in generic_diagnosis(2 * expected, expected, (), batch_size=1)[0]


def test_exercise_batch_argument_gives_the_batch_size():
    from chainrule.exercises.core import Exercise

    ex = Exercise("x.y", "x", "t", "f(P, Y)", ("o",), reference=None, cases=None, batch="P")
    assert ex.argument_names() == ["P", "Y"]
    assert ex.batch_size((np.zeros((5, 3)), np.zeros((5, 3)))) == 5
    ex.batch = None
    assert ex.batch_size((np.zeros((5, 3)), np.zeros((5, 3)))) is None


def test_where_the_reference_is_zero_the_absolute_difference_is_reported():
    from chainrule.exercises.core import wrong_value

    message = wrong_value("g", np.array([1.0, 2.0, 0.5]), np.array([1.0, 2.0, 0.0]), 1e-6, 1e-9)
    assert "at index (2,)" in message and "absolute difference 5.0e-01" in message
    assert "relative" not in message
    message = wrong_value("g", np.array([1.0, 2.5]), np.array([1.0, 2.0]), 1e-6, 1e-9)
    assert "relative error 2.5e-01" in message


def test_sign_and_zeros_are_named_and_a_hint_is_shown_only_when_asked():
    reference = EXERCISES["derivative_rules.sum_over_paths"].reference
    flipped = check("derivative_rules.sum_over_paths", lambda x: -reference(x))
    assert any("times −1" in m for m in flipped.messages) and flipped.hints == []
    assert flipped.hint_available and "hint=True" in str(flipped)
    helped = check("derivative_rules.sum_over_paths", lambda x: -reference(x), hint=True)
    assert helped.messages == flipped.messages and helped.hints and "hint:" in str(helped)
    assert "hint:" in helped._repr_html_()
    zeros = check("derivative_rules.sum_over_paths", lambda x: np.zeros_like(x))
    assert any("all zeros" in m for m in zeros.messages)
    assert check("derivative_rules.sum_over_paths", reference, hint=True).hints == []


def test_a_diagnosis_may_return_a_message_and_a_hint():
    from chainrule.exercises.core import Exercise, evaluate, local_caller

    def diagnose(got, expected, args, index):
        if np.allclose(got, 2 * expected):
            return "the factors are swapped; see chapter 2, “The product rule”", "the other factor"
        return None

    ex = Exercise(
        "demo.pair",
        "demo",
        "demo",
        "f(x)",
        ("y",),
        reference=lambda x: x,
        cases=lambda rng: [(rng.normal(size=3),), (rng.normal(size=2),)],
        diagnoses=(diagnose,),
    )
    plain = evaluate(ex, local_caller(lambda x: 2 * x))
    assert plain.messages == ["y: the factors are swapped; see chapter 2, “The product rule”"] and plain.hints == []
    helped = evaluate(ex, local_caller(lambda x: 2 * x), hint=True)
    assert helped.hints == ["the other factor"] and helped.score == 0 and helped.total == 2


def test_grading_path_gets_plain_messages_and_the_same_reasons():
    """evaluate with a caller that goes through remote's JSON, as grading does."""
    import json

    from chainrule.exercises.core import evaluate, local_caller
    from chainrule.exercises.remote import decode, encode

    def through_json(fn):
        call = local_caller(fn)

        def remote(args):
            value, failure, changed = call(args)
            report = json.loads(json.dumps({"value": encode(value) if failure is None else None, "failure": failure}))
            return decode(report["value"]), report["failure"], changed

        return remote

    ex = EXERCISES["derivative_rules.product_rule"]
    assert evaluate(ex, through_json(ex.reference)).passed
    swapped = evaluate(ex, through_json(SWAPPED), hint=True)
    assert swapped.messages == check(ex.id, SWAPPED).messages and all(isinstance(m, str) for m in swapped.messages)
    assert swapped.hints  # a (message, hint) pair is split, the hint kept apart
    complex_result = evaluate(ex, through_json(lambda a, b, g: (g * b + 0j, g * a)))
    assert any("complex numbers" in m for m in complex_result.messages)
    wrong_count = evaluate(ex, through_json(lambda a, b: (a, b)))
    assert "check calls it as mul_backward(a, b, g)" in wrong_count.messages[0]


def test_a_factor_shows_across_cases_where_each_case_has_one_number():
    ex = EXERCISES["derivative_rules.product_rule"]
    doubled = check(ex.id, lambda a, b, g: tuple(2 * np.asarray(v) for v in ex.reference(a, b, g)), hint=True)
    # one slip in both outputs: one bullet naming both (issue 25)
    assert doubled.messages == [
        f"∂L/∂a, ∂L/∂b: it is the reference times 2 in every case: a constant factor is off; see {ex.section}",
    ]
    assert doubled.hints

    # a different slip in one case: no factor is claimed
    def mixed(a, b, g):
        da, db = ex.reference(a, b, g)
        return (2 * np.asarray(da) if np.size(a) == 1 else 3 * np.asarray(da)), db

    assert not any("in every case" in m for m in check(ex.id, mixed).messages)


def test_the_same_slip_in_several_cases_is_reported_once():
    from chainrule.exercises.core import distinct

    assert distinct(
        [
            "∂L/∂W1: shape (3, 4) is that of W1ᵀ",
            "∂L/∂W1: shape (4, 6) is that of W1ᵀ",
            "∂L/∂W2: shape (4, 6) is that of W2ᵀ",
            "g: it is the reference times −1 at every entry",
            "g: it is the reference times 2 at every entry",
            "g: it is the reference times 3 at every entry",
        ]
    ) == [
        "∂L/∂W1: shape (3, 4) is that of W1ᵀ",
        "∂L/∂W2: shape (4, 6) is that of W2ᵀ",
        "g: it is the reference times −1 at every entry",
        "g: it is the reference times 2 at every entry",
    ]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="3.10: the trace function alone (see guard.py)")
def test_nested_catch_all_retry_loops_are_stopped_and_nothing_is_left_pending(monkeypatch):
    import time

    from chainrule.exercises import guard

    monkeypatch.setattr(guard, "TIME_LIMIT_S", 0.3)

    end = time.perf_counter() + 6  # if the limit is ever lost, the loops end here and the test fails

    def nested(x):
        while True:
            try:
                while True:
                    try:
                        time.sleep(0.001)
                        if time.perf_counter() > end:
                            return x
                    except BaseException:
                        pass
            except:  # noqa: E722
                pass

    start = time.perf_counter()
    result = check("derivative_rules.sum_over_paths", nested)
    assert time.perf_counter() - start < 3 and "was stopped" in str(result)
    for _ in range(100_000):  # a pending interrupt would fire here, in the "kernel"
        pass
    time.sleep(0.2)  # and the repeating alarm is off (it would kill the process)
    assert check("derivative_rules.sum_over_paths", EXERCISES["derivative_rules.sum_over_paths"].reference).passed


def test_a_real_interrupt_before_the_limit_is_reported_not_raised():
    import signal

    def interrupted(x):
        signal.raise_signal(signal.SIGINT)  # what the notebook's stop button does
        return x

    result = check("derivative_rules.sum_over_paths", interrupted)
    assert len(result.messages) == 1 and "interrupted (KeyboardInterrupt)" in result.messages[0]


def test_chinese_feedback_names_the_output_with_a_full_width_colon_and_one_bullet_per_slip():
    from chainrule.language import set_language

    ex = EXERCISES["derivative_rules.product_rule"]
    set_language("zh")
    try:
        swapped = check(ex.id, lambda a, b, g: (g * a, g * b))
        half = check(ex.id, lambda a, b, g: (g * b / 2, g * a))
    finally:
        set_language("en")
    assert len(swapped.messages) == 1 and swapped.messages[0].startswith("∂L/∂a、∂L/∂b：两个因子用反了"), swapped.messages
    assert all(": " not in m.split("“")[0] for m in swapped.messages + half.messages), half.messages
    assert half.messages[0].startswith("∂L/∂a："), half.messages


def test_no_chinese_message_shows_markdown_asterisks():
    """Feedback is plain text: `*另一个*` would show its asterisks (the English may keep *emphasis*)."""
    import pathlib
    import re

    found = []
    for path in sorted((pathlib.Path(__file__).resolve().parent.parent / "src" / "chainrule" / "exercises").glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for text in re.findall(r'"([^"]*[\u4e00-\u9fff][^"]*)"', line):
                if re.search(r"\*[^*\s][^*]*\*", text):
                    found.append(f"{path.name}:{number}: {text[:60]}")
    assert not found, found
