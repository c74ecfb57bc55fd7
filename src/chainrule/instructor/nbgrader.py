"""nbgrader assignments from the book: ``python -m chainrule release book/ source/ch2 --nbgrader``.

Writes nbgrader *source* notebooks (what an instructor puts in ``source/<assignment>/``):

- each exercise's solution is an nbgrader solution cell: the stub's lines (the ``def`` line and
  docstring) and then the solution's body between ``### BEGIN SOLUTION`` / ``### END SOLUTION``,
  which nbgrader's ``generate_assignment`` replaces with ``raise NotImplementedError()``;
- each exercise's check is a read-only, graded autograder-test cell worth ``points``:
  ``grade_check("<id>", <function>)`` runs the book's checker, prints its feedback, and
  returns the points earned (nbgrader's partial credit: the cell's value), or raises where
  none were (nbgrader: 0), so nbgrader records the points ``python -m chainrule grade`` gives;
- the solution cells and the checks that showed them passing are left out, as in the release.

Under nbgrader the checks run in the student's own kernel, so the reference lock of ``grade``
(which compares in its own process and locks the references in a sandbox) cannot hold in full.
``grade_check`` refuses a function that *is* the book's reference, or that calls it during a
trial call (through the module, ``EXERCISES`` or a name imported into the notebook); a student
who copies the reference's source from the installed package is not caught here. Grade with
``python -m chainrule grade`` (or the Gradescope autograder) where that matters.
"""

import contextlib
import copy
import io
import re
import sys
import warnings

import nbformat
import numpy as np

from ..exercises import check, lock
from ..exercises.core import EXERCISES
from ..exercises.guard import call_learner
from ..language import pick
from .grade import CHECK_CALL
from .release import without_solutions

TITLE_LINE = re.compile(r"^# @title .*\n?")
STUB_END = re.compile(r"^\s*# YOUR CODE HERE\s*$")


def solution_cell(stub, solution, grade_id):
    """The nbgrader solution cell: the stub's lines before ``# YOUR CODE HERE``, then the
    solution's remaining lines between the markers (indented as the body)."""
    answer = TITLE_LINE.sub("", solution.source, count=1).rstrip("\n").splitlines()
    stub_lines = stub.source.splitlines()
    prefix = next((stub_lines[:i] for i, line in enumerate(stub_lines) if STUB_END.match(line)), None)
    if prefix and answer[: len(prefix)] == prefix:
        body = answer[len(prefix):]
        indent = re.match(r"\s*", STUB_END.match(stub_lines[len(prefix)]).group(0)).group(0)
        lines = [*prefix, f"{indent}### BEGIN SOLUTION", *body, f"{indent}### END SOLUTION"]
    else:  # the solution does not continue the stub: the whole cell is the answer
        lines = ["### BEGIN SOLUTION", *answer, "### END SOLUTION"]
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False, "grade_id": grade_id,
                                 "schema_version": 3}
    return cell


def test_cell(exercise_id, function, points):
    source = (
        "from chainrule.instructor.nbgrader import grade_check\n"
        f"grade_check({exercise_id!r}, {function}, points={points!r})"
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"solution": False, "grade": True, "locked": True, "points": points,
                                 "grade_id": "check_" + exercise_id.replace(".", "-"), "schema_version": 3}
    return cell


def nbgrader_source(nb, points=1.0):
    """A chapter notebook as an nbgrader source notebook (see the module's docstring)."""
    cells, solutions = nb.cells, {}
    for i, cell in enumerate(cells):
        if "exercise" in cell.metadata.get("tags", []):
            # the solution that redefines this stub: the next solution cell
            found = next((c for c in cells[i + 1:] if "solution" in c.metadata.get("tags", [])), None)
            if found is not None:
                solutions[i] = found
    # As the release (strip_solutions): each solution and the check after it go; the stub becomes
    # the solution cell, and the check after it the graded test cell.
    out, pending = [], None
    for i, cell in without_solutions(cells):
        if "exercise" in cell.metadata.get("tags", []) and i in solutions:
            pending = cell
            out.append(solution_cell(cell, solutions[i], f"solution_{len(out)}"))
            continue
        found = CHECK_CALL.search(cell.source) if cell.cell_type == "code" else None
        if pending is not None and found and found.group(1) in EXERCISES:
            exercise_id = found.group(1)
            function = EXERCISES[exercise_id].signature.split("(")[0]
            out.append(test_cell(exercise_id, function, points))
            pending = None
            continue
        cell = copy.deepcopy(cell)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        out.append(cell)
    result = copy.deepcopy(nb)
    result.cells = out
    return result


# --- in the student's kernel (the autograder-test cells) ------------------------------------------


def uses_reference(exercise_id, fn):
    """True if ``fn`` is the book's reference for ``exercise_id``, or calls it in a trial call
    (the reference is swapped for a tripwire in its module, in ``EXERCISES`` and under any
    name the notebook bound it to, for that one call)."""
    ex = EXERCISES[exercise_id]
    reference = ex.reference
    if fn is reference or getattr(fn, "__code__", None) is getattr(reference, "__code__", ()):
        return True
    tripped = []

    def tripwire(*args, **kwargs):
        tripped.append(True)
        return reference(*args, **kwargs)

    module, main = sys.modules[reference.__module__], sys.modules["__main__"]
    places = [(module, reference.__name__)] + [(main, n) for n, v in list(vars(main).items()) if v is reference]
    saved = [(obj, name, getattr(obj, name)) for obj, name in places]
    try:
        for obj, name, _ in saved:
            setattr(obj, name, tripwire)
        ex.reference = tripwire
        args = ex.cases(np.random.default_rng(0))[0]
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            call_learner(fn, copy.deepcopy(args), seconds=10)
    finally:
        ex.reference = reference
        for obj, name, value in saved:
            setattr(obj, name, value)
    return bool(tripped)


def grade_check(exercise_id, fn, points=1.0):
    """An autograder-test cell's body: the checker's feedback printed; the points earned
    returned (nbgrader's partial credit), or an AssertionError where none were."""
    if lock.LOCKED:  # graded by `python -m chainrule grade`: it checks from outside
        return None
    if uses_reference(exercise_id, fn):
        message = pick("uses the book's reference solution: write your own function",
                       "使用了本书的参考答案：请自己编写函数")
        print(f"{exercise_id}: {message}")
        raise AssertionError(message)
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")  # anything on stderr would make nbgrader give 0
        result = check(exercise_id, fn)
    print(result)
    earned = round(result.score / result.total * points, 3) if result.total else 0.0
    if earned <= 0:
        raise AssertionError(pick(f"{exercise_id}: no case passed", f"{exercise_id}：没有通过任何用例"))
    return earned
