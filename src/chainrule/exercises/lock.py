"""The reference lock: what a graded kernel sees instead of the book's reference solutions.

While grading, the kernel imports a *locked* copy of ``chainrule`` (built by
``chainrule.instructor.reference_lock``): every function of the exercise modules that a
solution could lean on — each reference solution and the helpers beside it — has its body
replaced by a call to ``locked_call``, which records the use and raises ``ReferenceLocked``.
So a submission that imports a reference, finds it through ``EXERCISES`` or the module, or
reads the installed package's source gets no value from it, and the grader, which reads
``USED`` around each call of the learner's function (``remote.run_case``), scores that exercise
0 with "uses the book's reference solution".

Outside grading ``LOCKED`` is False and nothing here is used: a learner's own ``check()`` is
unchanged.
"""

LOCKED = False  # the locked copy sets this True (chainrule.instructor.reference_lock)
USED: list = []  # qualified names of locked functions called since the grader last looked


class ReferenceLocked(RuntimeError):
    """Raised by every locked function: its value is not available while grading."""


def locked_call(qualname):
    """The body of every locked function: note the use, give nothing."""
    USED.append(qualname)
    raise ReferenceLocked(
        f"{qualname} is one of the book's reference solutions (or their helpers); "
        "it is locked while your notebook is graded: write your own"
    )


def is_locked(fn):
    """True for a function whose body the locked copy replaced (``mul_backward = <reference>``)."""
    return bool(getattr(fn, "__chainrule_locked__", False))
