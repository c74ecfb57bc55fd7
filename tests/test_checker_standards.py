"""The checker standards (issue 12), run generically over EVERY registered exercise.

- every argument takes ≥ 2 distinct values across the cases (a hard-coded constant fails);
- ≥ 2 differently written correct answers per exercise pass, with no message
  (tests/exercise_answers/<module>.py: CORRECT);
- each typical mistake fails with its diagnosis, and no other mistake's diagnosis of the same
  exercise appears (MISTAKES); hints asked for appear (HINTS, optional);
- automatic mutants of the reference fail: scaled by k ≠ 1, sign flipped, transposed (where
  not square), outputs swapped (several outputs), all zeros, noise just above the tolerance.
"""

import copy

import numpy as np
import pytest
from exercise_answers import collect

from chainrule.exercises import EXERCISES, check
from chainrule.exercises.core import as_outputs

CORRECT = collect("CORRECT")
MISTAKES = collect("MISTAKES")
HINTS = collect("HINTS")
SEEDS = (0, 1, 2)


# --- 1. no parameter is hard-coded ----------------------------------------------------


def value_key(value, depth=0):
    """A hashable stand-in for an argument's value: arrays by value; functions by their code and
    the values they close over (two lambdas with the same body count as one value)."""
    if depth > 3:
        return ("deep", id(value))
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.dtype.str, value.tobytes())
    if callable(value):
        code = getattr(value, "__code__", None)
        if code is None:
            return ("function", id(value))
        cells = tuple(value_key(c.cell_contents, depth + 1) for c in (value.__closure__ or ()))
        return ("function", code.co_code, repr(code.co_consts), cells)
    if isinstance(value, (list, tuple)):
        return ("sequence", tuple(value_key(v, depth + 1) for v in value))
    return ("value", repr(value))


def constant_arguments(exercise_id):
    """Names of the arguments that take a single value across all cases (any seed)."""
    ex = EXERCISES[exercise_id]
    cases = ex.cases(np.random.default_rng(0))
    names = ex.argument_names() or [f"argument {i + 1}" for i in range(len(cases[0]))]
    constant = []
    for position, name in enumerate(names):
        values = {value_key(args[position]) for args in cases if position < len(args)}
        if len(values) < 2:
            constant.append(name)
    return constant


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_every_argument_takes_several_values(exercise_id):
    assert constant_arguments(exercise_id) == [], "these arguments are the same in every case"


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_every_exercise_says_where_to_look_and_names_a_real_batch(exercise_id):
    ex = EXERCISES[exercise_id]
    assert ex.section.strip(), "set Exercise.section (the generic messages say where to look)"
    if ex.batch is not None:
        assert ex.batch in ex.argument_names(), f"batch={ex.batch!r} is not an argument of {ex.signature}"
        sizes = [ex.batch_size(args) for args in ex.cases(np.random.default_rng(0))]
        assert all(n is not None for n in sizes), f"{ex.batch} is not an array in every case"


# --- 2. answers written differently pass; mistakes get their diagnosis ---------------------


def test_every_exercise_has_answers_and_mistakes():
    missing = sorted(set(EXERCISES) - set(CORRECT))
    assert not missing, f"no CORRECT answers in tests/exercise_answers for {missing}"
    few = sorted(eid for eid in EXERCISES if len(CORRECT.get(eid, [])) < 2)
    assert not few, f"fewer than 2 correct answers: {few}"
    no_mistakes = sorted(set(EXERCISES) - set(MISTAKES))
    assert not no_mistakes, f"no MISTAKES for {no_mistakes}"
    unknown = sorted((set(CORRECT) | set(MISTAKES) | set(HINTS)) - set(EXERCISES))
    assert not unknown, f"answers for exercises that do not exist: {unknown}"


@pytest.mark.parametrize(
    "exercise_id, index", [(eid, i) for eid in sorted(CORRECT) if eid in EXERCISES for i in range(len(CORRECT[eid]))]
)
def test_correct_answer_passes_without_messages(exercise_id, index):
    answer = CORRECT[exercise_id][index]
    for seed in SEEDS:
        result = check(exercise_id, answer, seed=seed)
        assert result.passed and result.messages == [], f"seed {seed}: {result}"


@pytest.mark.parametrize(
    "exercise_id, index", [(eid, i) for eid in sorted(MISTAKES) if eid in EXERCISES for i in range(len(MISTAKES[eid]))]
)
def test_mistake_gets_its_diagnosis_and_no_other(exercise_id, index):
    wrong, diagnosis = MISTAKES[exercise_id][index]
    others = {d for i, (_, d) in enumerate(MISTAKES[exercise_id]) if i != index and d not in diagnosis}
    for seed in SEEDS[:2]:
        result = check(exercise_id, wrong, seed=seed)
        assert not result.passed, f"seed {seed}: the mistake passed"
        text = "\n".join(result.messages)
        assert diagnosis in text, f"seed {seed}: expected {diagnosis!r} in {result}"
        wrongly_named = sorted(d for d in others if d in text)
        assert not wrongly_named, f"seed {seed}: other mistakes' diagnoses {wrongly_named} in {result}"
    # asking for hints adds hints and changes nothing else; no hint is shown without asking
    plain, helped = check(exercise_id, wrong, seed=0), check(exercise_id, wrong, seed=0, hint=True)
    assert plain.hints == [] and helped.messages == plain.messages
    assert not [h for h in helped.hints if h in "\n".join(plain.messages)], "a hint is already in the message"


@pytest.mark.parametrize(
    "exercise_id, index", [(eid, i) for eid in sorted(HINTS) if eid in EXERCISES for i in range(len(HINTS[eid]))]
)
def test_hint_is_shown_only_when_asked_for(exercise_id, index):
    wrong, expected_hint = HINTS[exercise_id][index]
    plain = check(exercise_id, wrong, seed=0)
    assert plain.hints == [] and expected_hint not in "\n".join(plain.messages)
    assert plain.hint_available and "hint=True" in str(plain)
    helped = check(exercise_id, wrong, seed=0, hint=True)
    assert any(expected_hint in h for h in helped.hints), str(helped)


# --- 3. automatic mutants of the reference fail ----------------------------------------------


def mutant(ex, transform):
    """The reference with ``transform(outputs, args) -> outputs`` applied to its outputs."""

    def answer(*args):
        outputs = [np.asarray(v, dtype=np.float64) for v in as_outputs(ex.reference(*copy.deepcopy(args)), len(ex.outputs))]
        changed = transform(outputs, args)
        return changed[0] if len(ex.outputs) == 1 else tuple(changed)

    return answer


def noise(ex):
    rng = np.random.default_rng(7)

    def add(outputs, args):
        # every entry 3 tolerances off, in a random direction
        return [o + rng.choice([-1.0, 1.0], size=o.shape) * 3 * (ex.atol + ex.rtol * np.abs(o)) for o in outputs]

    return add


def transposable(ex):
    return any(
        o.ndim >= 2 and o.shape != o.shape[::-1]
        for args in ex.cases(np.random.default_rng(0))
        for o in map(np.asarray, as_outputs(ex.reference(*copy.deepcopy(args)), len(ex.outputs)))
    )


def mutants(ex):
    found = {
        "times 2": lambda outs, args: [2.0 * o for o in outs],
        "times 0.5": lambda outs, args: [0.5 * o for o in outs],
        "times 1.5": lambda outs, args: [1.5 * o for o in outs],
        "sign flipped": lambda outs, args: [-o for o in outs],
        "all zeros": lambda outs, args: [np.zeros_like(o) for o in outs],
        "noise above tolerance": noise(ex),
    }
    if transposable(ex):
        found["transposed"] = lambda outs, args: [o.T if o.ndim >= 2 and o.shape != o.shape[::-1] else o for o in outs]
    n = len(ex.outputs)
    for i in range(n):
        for j in range(i + 1, n):

            def swap(outs, args, i=i, j=j):
                outs = list(outs)
                outs[i], outs[j] = outs[j], outs[i]
                return outs

            found[f"outputs {i + 1} and {j + 1} swapped"] = swap
    return found


MUTANTS = [(eid, name) for eid in sorted(EXERCISES) for name in mutants(EXERCISES[eid])]


@pytest.mark.parametrize("exercise_id, name", MUTANTS)
def test_mutant_of_the_reference_fails(exercise_id, name):
    ex = EXERCISES[exercise_id]
    answer = mutant(ex, mutants(ex)[name])
    for seed in SEEDS[:2]:
        result = check(exercise_id, answer, seed=seed)
        assert not result.passed and result.messages, f"seed {seed}: mutant '{name}' passed: {result}"
        text = "\n".join(result.messages)
        assert "times 1 " not in text and "times 1:" not in text, str(result)


def reshaped(ex, form):
    def answer(*args):
        outputs = as_outputs(ex.reference(*copy.deepcopy(args)), len(ex.outputs))
        if form == "python numbers":
            outputs = [np.asarray(o).tolist() for o in outputs]
        if len(ex.outputs) == 1:
            return outputs[0]
        return list(outputs) if form == "a list of outputs" else tuple(outputs)

    return answer


@pytest.mark.parametrize(
    "exercise_id, form",
    [(eid, "python numbers") for eid in sorted(EXERCISES)]
    + [(eid, "a list of outputs") for eid in sorted(EXERCISES) if len(EXERCISES[eid].outputs) > 1],
)
def test_equivalent_return_forms_pass(exercise_id, form):
    result = check(exercise_id, reshaped(EXERCISES[exercise_id], form), seed=0)
    assert result.passed and result.messages == [], str(result)


def test_the_variation_check_catches_a_hard_coded_parameter(monkeypatch):
    from chainrule.exercises.core import Exercise

    def cases(rng):
        return [(rng.normal(size=3), 0.1, (lambda x: x**2)) for _ in range(3)]  # lr and f never change

    fake = Exercise("demo.fixed", "demo", "demo", "step(w, lr, f)", ("w",), reference=lambda w, lr, f: w, cases=cases)
    monkeypatch.setitem(EXERCISES, fake.id, fake)
    assert constant_arguments(fake.id) == ["lr", "f"]


ODD_ANSWERS = {
    "a vector of another length": lambda ex: lambda *a: np.zeros(7),
    "an extra axis": lambda ex: lambda *a: np.ones((2, 7, 3)),
    "one number": lambda ex: lambda *a: 1.0,
    "text": lambda ex: lambda *a: "x",
    "flattened reference": lambda ex: mutant(ex, lambda outs, args: [o.ravel()[::-1] for o in outs]),
    "reference with a NaN": lambda ex: mutant(ex, lambda outs, args: [o + np.nan for o in outs]),
    "too many outputs": lambda ex: lambda *a: tuple(np.zeros(3) for _ in range(len(ex.outputs) + 1)),
}


@pytest.mark.parametrize("exercise_id, odd", [(eid, name) for eid in sorted(EXERCISES) for name in ODD_ANSWERS])
def test_odd_answers_never_crash_check(exercise_id, odd):
    ex = EXERCISES[exercise_id]
    result = check(exercise_id, ODD_ANSWERS[odd](ex), seed=0)  # must not raise
    reference_like = odd == "flattened reference" and all(
        np.size(o) <= 1 for args in ex.cases(np.random.default_rng(0)) for o in as_outputs(ex.reference(*args), len(ex.outputs))
    )
    if not reference_like:
        assert not result.passed and result.messages, str(result)
