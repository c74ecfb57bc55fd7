"""The checker: runs a learner's function on random inputs and explains what is wrong.

An exercise is data (``Exercise``): a reference solution, a generator of test cases and
diagnoses of typical mistakes. ``run_check`` calls the learner's function on every case,
never stopping at the first failure, and compares each returned array with the reference
in the order type → shape → values. Feedback talks about the math, never shows the solution.
"""

import copy
import html
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .guard import call_learner

EXERCISES: dict = {}  # id -> Exercise
LATEST: dict = {}  # id -> the last CheckResult in this kernel, for the chapter summary


@dataclass
class Exercise:
    id: str
    chapter: str
    title: str
    signature: str  # how the learner's function is called, e.g. "mul_backward(a, b, g)"
    outputs: tuple  # what each returned value means, e.g. ("∂L/∂a", "∂L/∂b")
    reference: Callable
    cases: Callable  # rng -> list of argument tuples
    diagnoses: tuple = ()  # (got, expected, args, output_index) -> message or None
    rtol: float = 1e-6
    atol: float = 1e-9


def exercise(**fields):
    """Register an Exercise; use as a decorator on its reference solution."""

    def register(reference):
        ex = Exercise(reference=reference, **fields)
        EXERCISES[ex.id] = ex
        return reference

    return register


@dataclass
class CheckResult:
    exercise_id: str
    title: str
    status: str  # "passed", "failed" or "not implemented"
    score: int
    total: int
    messages: list = field(default_factory=list)

    @property
    def passed(self):
        return self.status == "passed"

    def __bool__(self):
        return self.passed

    def headline(self):
        if self.status == "not implemented":
            return f"… {self.exercise_id}: not implemented yet (0/{self.total})"
        mark = "✔" if self.passed else "✘"
        return f"{mark} {self.exercise_id}: {self.score}/{self.total} checks passed"

    def __str__(self):
        return "\n".join([self.headline()] + [f"  • {m}" for m in self.messages])

    __repr__ = __str__

    def _repr_html_(self):
        colour = {"passed": "#1a7f37", "failed": "#cf222e"}.get(self.status, "#9a6700")
        items = "".join(f"<li>{html.escape(m)}</li>" for m in self.messages)
        return (
            f'<div class="chainrule-check" style="border-left:4px solid {colour};padding:0.2em 0.8em">'
            f"<b>{html.escape(self.headline())}</b>{f'<ul>{items}</ul>' if items else ''}</div>"
        )


# --- comparing one returned value with the reference -----------------------------------


def softmax(z, axis=-1):
    """Plain NumPy softmax, for recomputing references and typical mistakes."""
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def matches(got, candidate):
    """Whether ``got`` equals ``candidate`` (a recomputed mistake) in shape and value."""
    candidate = np.asarray(candidate)
    return got.shape == candidate.shape and np.allclose(got, candidate, rtol=1e-6, atol=1e-9)


def as_outputs(value, n):
    """The learner's return value as a tuple of n outputs (a single output may come bare)."""
    if n == 1:
        return (value,)
    if isinstance(value, (tuple, list)) and len(value) == n:
        return tuple(value)
    return None


def describe_shape(arr):
    return "a single number" if arr.ndim == 0 else f"shape {arr.shape}"


def generic_diagnosis(got, expected, args):
    """Mistakes that look the same in every exercise: a sign, a constant factor, zeros."""
    if np.allclose(got, -expected, rtol=1e-6, atol=1e-9):
        return "it is the reference times −1: check the sign (a minus sign in a rule, or y − ŷ for ŷ − y)"
    if not np.any(got) and np.any(expected):
        return "it is all zeros"
    mask = np.abs(expected) > 1e-8
    if mask.sum() >= 2:  # with one number, any wrong value is "a constant factor off"
        ratio = got[mask] / expected[mask]
        k = ratio.flat[0]
        if np.allclose(ratio, k, rtol=1e-6) and abs(k) > 1e-12:
            batch = {a.shape[0] for a in args if isinstance(a, np.ndarray) and a.ndim == 2}
            if any(np.isclose(k, n) for n in batch if n > 1):
                return f"it is the reference times {k:g}, the batch size: a sum over the batch where the mean belongs?"
            if any(np.isclose(k, 1 / n) for n in batch if n > 1):
                return f"it is the reference divided by {1 / k:g}, the batch size: a mean where the sum belongs?"
            return f"it is the reference times {k:.4g}: a constant factor is off"
    return None


def compare(name, got, expected, args, diagnoses, index, rtol, atol):
    """None if ``got`` matches ``expected``, else one message saying what is wrong."""
    if got is None:
        return f"{name}: your function returned None — did you forget `return`?"
    if isinstance(getattr(got, "data", None), np.ndarray) and not isinstance(got, np.ndarray):
        return f"{name}: you returned a {type(got).__name__}; return its .data, a numpy array"
    try:
        got_arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{name}: expected numbers, got {type(got).__name__}"
    if got_arr.shape != expected.shape:
        for diagnose in diagnoses:
            message = diagnose(got_arr, expected, args, index)
            if message:
                return f"{name}: {message}"
        if got_arr.ndim == 2 and got_arr.shape == expected.shape[::-1]:
            return f"{name}: has shape {got_arr.shape}, expected {expected.shape} — transposed?"
        return f"{name}: has {describe_shape(got_arr)}, expected {describe_shape(expected)}"
    if not np.all(np.isfinite(got_arr)):
        return f"{name}: contains NaN or inf"
    if np.allclose(got_arr, expected, rtol=rtol, atol=atol):
        return None
    for diagnose in list(diagnoses) + [lambda g, e, a, i: generic_diagnosis(g, e, a)]:
        message = diagnose(got_arr, expected, args, index)
        if message:
            return f"{name}: {message}"
    err = np.abs(got_arr - expected) / np.maximum(np.abs(expected), atol)
    worst = np.unravel_index(int(np.argmax(err)), err.shape)
    where = f" at index {tuple(int(i) for i in worst)}" if got_arr.ndim else ""
    return (
        f"{name}: wrong value{where}: yours {got_arr[worst]:.6g}, expected {expected[worst]:.6g} "
        f"(relative error {err[worst]:.1e})"
    )


def local_caller(fn, seconds=None):
    """Call the learner's function in this process, noting whether it changed its inputs."""

    def call(args):
        pristine = copy.deepcopy(args)
        value, failure = call_learner(fn, args, seconds=seconds)
        changed = any(not _same(a, b) for a, b in zip(args, pristine, strict=True))
        return value, failure, changed

    return call


def get_exercise(exercise_id):
    if exercise_id not in EXERCISES:
        known = ", ".join(sorted(EXERCISES))
        raise KeyError(f"no exercise called {exercise_id!r}; known exercises: {known}")
    return EXERCISES[exercise_id]


def run_check(exercise_id, fn, seed=None):
    """Check ``fn`` in this process (the notebook's ``check``)."""
    ex = get_exercise(exercise_id)
    if not callable(fn):
        result = CheckResult(ex.id, ex.title, "failed", 0, len(ex.cases(np.random.default_rng(seed))))
        result.messages.append(f"check expects your function {ex.signature}, got {type(fn).__name__}")
        return result
    return evaluate(ex, local_caller(fn), seed)


def evaluate(ex, call, seed=None):
    """Score an exercise: ``call(args) -> (value, failure, changed_inputs)`` runs the learner's
    function on one case, here or in another process (grading); the comparison is done here."""
    cases = ex.cases(np.random.default_rng(seed))
    result = CheckResult(ex.id, ex.title, "failed", 0, len(cases))
    messages = []
    for args in cases:
        pristine = copy.deepcopy(args)
        expected = tuple(np.asarray(v, dtype=np.float64) for v in as_outputs(ex.reference(*copy.deepcopy(args)), len(ex.outputs)))
        got, failure, changed = call(args)
        if failure == "not implemented":
            result.status = "not implemented"
            result.score = 0
            result.messages = [f"replace `raise NotImplementedError` in {ex.signature} with your code"]
            return result
        if failure:
            messages.append(failure)
            if "was stopped" in failure:
                break  # one endless loop is enough: do not wait for it once per case
            continue
        problems = []
        outputs = as_outputs(got, len(ex.outputs))
        if changed:
            # Its values were computed from changed inputs: comparing them would only confuse.
            problems.append("your function changed its input arrays in place (e.g. x *= 2); compute new arrays instead")
        elif outputs is None:
            problems.append(f"return {len(ex.outputs)} values ({', '.join(ex.outputs)}), got {type(got).__name__}")
        else:
            for i, (name, mine, ref) in enumerate(zip(ex.outputs, outputs, expected, strict=True)):
                message = compare(name, mine, ref, pristine, ex.diagnoses, i, ex.rtol, ex.atol)
                if message:
                    problems.append(message)
        if problems:
            messages.extend(problems)
        else:
            result.score += 1
    result.status = "passed" if result.score == result.total else "failed"
    result.messages = list(dict.fromkeys(messages))  # each distinct message once
    return result


def _same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return True
