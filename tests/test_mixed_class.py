"""Grading a mixed class: submissions of different chapters (so different exercises), file names
that match one student, two, or none, totals of different sizes. Each test is written to catch
a realistic one-line bug in instructor/ that a class where everyone answers the same exercises
cannot show (they were planted by hand and these tests failed on each)."""

import csv
import json
from pathlib import Path

import nbformat
import pytest
from test_instructor import CHAPTER, with_cell

from chainrule.exercises.core import CheckResult
from chainrule.instructor.grade import GradedSubmission, grade, write_reports
from chainrule.instructor.gradebook import canvas_gradebook, match, read_roster
from chainrule.instructor.release import strip_solutions
from chainrule.instructor.report import class_summary

CH2 = ["derivative_rules.product_rule", "derivative_rules.chain_rule", "derivative_rules.sum_over_paths"]
CH3 = ["gradient_descent.gd_step", "gradient_descent.momentum_step"]


def submission(name, answers, status="graded"):
    """A graded submission: ``answers`` maps each exercise it asked to the cases it passed (of 4)."""
    g = GradedSubmission(Path(f"{name}.ipynb"), status=status, exercise_ids=list(answers))
    for exercise_id, passed in answers.items():
        state = "passed" if passed == 4 else "failed"
        g.results[exercise_id] = CheckResult(exercise_id, exercise_id, state, passed, 4, [] if passed == 4 else ["wrong"])
    return g


@pytest.fixture
def mixed():
    """Three chapter-2 submissions (3 exercises) and two chapter-3 ones (2 exercises)."""
    return [
        submission("ada_1001", {CH2[0]: 4, CH2[1]: 4, CH2[2]: 4}),  # 3/3
        submission("ben_1002", {CH2[0]: 4, CH2[1]: 0, CH2[2]: 2}),  # 1.5/3
        submission("cy_1003", {CH2[0]: 0, CH2[1]: 0, CH2[2]: 0}),  # 0/3
        submission("dee_1004", {CH3[0]: 4, CH3[1]: 4}),  # 2/2
        submission("eve_1005", {CH3[0]: 4, CH3[1]: 0}),  # 1/2
    ]


def test_each_row_has_its_own_max_and_csv_agrees_with_json(mixed, tmp_path):
    write_reports(mixed, tmp_path / "g.csv", json_path=tmp_path / "g.json")
    with (tmp_path / "g.csv").open() as f:
        rows = {r["file"]: r for r in csv.DictReader(f)}
    data = {r["file"]: r for r in json.loads((tmp_path / "g.json").read_text())["submissions"]}
    expected_max = {"ada_1001.ipynb": 3, "ben_1002.ipynb": 3, "cy_1003.ipynb": 3, "dee_1004.ipynb": 2, "eve_1005.ipynb": 2}
    for name, n in expected_max.items():
        assert int(rows[name]["max"]) == n == data[name]["max"], name
        assert float(rows[name]["total"]) == data[name]["total"]
    # An exercise a submission did not ask is an empty cell of nothing earned, not a point lost.
    assert float(rows["dee_1004.ipynb"]["total"]) == 2.0 and float(rows["ben_1002.ipynb"]["total"]) == 1.5


def test_pass_rate_counts_only_the_submissions_that_asked_the_exercise(mixed):
    summary = class_summary(mixed)
    product = summary["exercises"][CH2[0]]
    assert product["submissions"] == 3 and product["passed"] == 2
    assert product["pass_rate"] == pytest.approx(2 / 3, abs=1e-3)  # not 2/5: two students never saw it
    momentum = summary["exercises"][CH3[1]]
    assert momentum["submissions"] == 2 and momentum["pass_rate"] == 0.5
    assert sum(momentum["bands"].values()) == 2
    assert summary["max"] == 5  # the class's exercises, across chapters


ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section
"Lovelace, Ada",1001,S1001,ada,A
"Bell, Ben",1002,S1002,bbell,A
"Yu, Cy",1003,S1003,cyu,B
"Dee, Dee",1004,S1004,dee,B
"Evans, Eve",1005,S1005,eve,B
"""


def write_roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    return path


def test_a_stem_is_split_on_dots_too(tmp_path):
    roster = read_roster(write_roster(tmp_path))
    [found] = match("course.bbell.chapter2", roster)  # an LMS that joins with dots
    assert found["ID"] == "1002"


def test_an_ambiguous_file_is_credited_to_no_one(mixed, tmp_path):
    graded = mixed[:1] + [submission("1002_1003_shared", {CH2[0]: 4, CH2[1]: 4, CH2[2]: 4})]
    book = canvas_gradebook(graded, write_roster(tmp_path), tmp_path / "canvas.csv", points=10)
    assert [name for name, why in book.unmatched_submissions if "ambiguous" in why] == ["1002_1003_shared.ipynb"]
    scores = {row[1]: row[-1] for row in book.rows}
    assert scores["1002"] == "" and scores["1003"] == "", "neither of the two students gets the shared file's points"
    assert scores["1001"] == "10"


def test_the_gradebook_scales_by_the_largest_maximum_never_beyond_the_points(mixed, tmp_path):
    """One column, submissions asking 3 or 2 exercises (an older release lacks one): each total is
    scaled by the assignment's full count, the largest, so no score passes the points possible."""
    book = canvas_gradebook(mixed, write_roster(tmp_path), tmp_path / "canvas.csv", points=10)
    scores = {row[1]: float(row[-1]) for row in book.rows}
    assert all(0 <= s <= 10 for s in scores.values()), scores
    assert scores == {"1001": 10, "1002": 5, "1003": 0, "1004": 6.67, "1005": 3.33}
    with (tmp_path / "canvas.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[1][-1] == "10"


# --- the per-call time limit, through the argument grading passes ---------------------------------

SLOW = (
    "import time\n"
    "def mul_backward(a, b, g):\n"
    "    time.sleep(2.5)\n"
    "    return g * b, g * a"
)


def test_case_timeout_is_the_limit_grade_passes_to_each_call(tmp_path):
    nb = strip_solutions(nbformat.read(CHAPTER, as_version=4))
    path = tmp_path / "slow.ipynb"
    nbformat.write(with_cell(nb, SLOW, len(nb.cells)), path)
    [short] = grade([path], tmp_path / "short.csv", progress=False, seed=0, case_timeout=1)
    [long] = grade([path], tmp_path / "long.csv", progress=False, seed=0, case_timeout=20)
    too_slow = short.results["derivative_rules.product_rule"]
    assert not too_slow.passed and any("1 s" in m for m in too_slow.messages), too_slow.messages
    assert long.results["derivative_rules.product_rule"].passed, long.results["derivative_rules.product_rule"].messages
