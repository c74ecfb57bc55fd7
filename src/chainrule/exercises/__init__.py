"""Auto-checked exercises: ``check("chapter.exercise", your_function)``.

    from chainrule.exercises import check
    check("derivative_rules.product_rule", mul_backward)

The result shows as a short report (HTML in Jupyter, text elsewhere) and is returned:
``result.passed``, ``result.score``/``result.total``, ``result.messages`` (and
``result.hints`` with ``check(..., hint=True)``).
"""

from . import (  # noqa: F401  (each module registers its exercises)
    activations,
    backprop,
    curvature,
    derivative_rules,
    gradient_descent,
    gradient_problems,
    lock,
    neurons,
    outlook,
    tensorflow,
)
from .core import EXERCISES, LATEST, CheckResult, run_check
from .summary import ChapterSummary, summary


def check(exercise_id, fn, seed=None, hint=False):
    """Check ``fn`` against exercise ``exercise_id`` on fresh random inputs.

    ``hint=True`` also shows the hints of the diagnoses (what the first message leaves out)."""
    if lock.LOCKED:  # a graded kernel: the grader checks from outside, with the references it holds
        print(f"{exercise_id}: checked by the grader")
        return None
    result = run_check(exercise_id, fn, seed=seed, hint=hint)
    LATEST[exercise_id] = result
    return result


__all__ = ["EXERCISES", "CheckResult", "ChapterSummary", "check", "summary"]
