"""The nbgrader route, tested with nbgrader itself: `release --nbgrader` writes the source
notebook, nbgrader's `generate_assignment` makes the student version, `autograde` grades a
correct, a wrong, a half-done and a reference-importing submission, and the points nbgrader
records in its gradebook are those `python -m chainrule grade` gives the same notebooks."""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from test_instructor import CHAPTER

from chainrule.exercises import EXERCISES
from chainrule.instructor.grade import grade, notebook_language
from chainrule.instructor.nbgrader import nbgrader_source

nbgrader_api = pytest.importorskip("nbgrader.api")

IDS = [i for i in EXERCISES if i.startswith("derivative_rules.")]
BIN = Path(sys.executable).parent
MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*\n", re.M)


def nbgrader(*args, cwd):
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}"}  # nbgrader runs `alembic` from its env
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def answered(release, source, which):
    """The released notebook with the solution cells numbered in ``which`` answered (the source's
    solution without its markers); the others left as released."""
    nb = nbformat.read(release, as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: MARKERS.sub("", c.source)
               for c in nbformat.read(source, as_version=4).cells if c.metadata.get("nbgrader", {}).get("solution")}
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    for k, cell in enumerate(solutions):
        if k in which:
            cell.source = answers[cell.metadata["nbgrader"]["grade_id"]]
    return nb


WRONG_SIGN = "def mul_backward(a, b, g):\n    return -g * b, -g * a"
REFERENCE = "from chainrule.exercises.derivative_rules import linear_square_grads"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    (root / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(root)!r}\nc.CourseDirectory.course_id = 'chainrule'\n"
        "c.ExecutePreprocessor.timeout = 120\n"
    )
    source = root / "source" / "ch2" / CHAPTER.name
    source.parent.mkdir(parents=True)
    done = subprocess.run([sys.executable, "-m", "chainrule", "release", str(CHAPTER.parent), str(root / "all"), "--nbgrader"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    source.write_bytes((root / "all" / CHAPTER.name).read_bytes())
    nbgrader("db", "assignment", "add", "ch2", cwd=root)
    nbgrader("generate_assignment", "ch2", "--force", cwd=root)
    release = root / "release" / "ch2" / CHAPTER.name
    n = len(IDS)
    students = {
        "alice": answered(release, source, range(n)),  # everything right
        "bob": answered(release, source, []),  # nothing done
        "carol": answered(release, source, range(n // 2)),  # the first half
        "dan": answered(release, source, range(n)),  # right, but product rule's sign flipped
        "erin": answered(release, source, range(n)),  # right, but the chain rule is the reference
    }
    # each cell goes just before its exercise's test cell (after the learner's own definition)
    for name, code, exercise_id in (("dan", WRONG_SIGN, "product_rule"), ("erin", REFERENCE, "chain_rule")):
        nb = students[name]
        test = next(i for i, c in enumerate(nb.cells)
                    if c.metadata.get("nbgrader", {}).get("grade_id") == f"check_derivative_rules-{exercise_id}")
        nb.cells.insert(test, nbformat.v4.new_code_cell(code))
    for name, nb in students.items():
        nbgrader("db", "student", "add", name, cwd=root)
        path = root / "submitted" / name / "ch2" / CHAPTER.name
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    nbgrader("autograde", "ch2", "--force", cwd=root)
    scores = {}
    with nbgrader_api.Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for name in students:
            notebook = gb.find_submission_notebook(CHAPTER.stem, "ch2", name)
            scores[name] = {g.name: g.score for g in notebook.grades}
    ours = grade([root / "submitted" / name / "ch2" / CHAPTER.name for name in students], root / "ours.csv",
                 progress=False, seed=0)
    return {"root": root, "source": source, "release": release, "nbgrader": scores,
            "ours": {g.path.parent.parent.name: g for g in ours}}


def test_the_source_notebook_has_solution_and_graded_test_cells():
    nb = nbgrader_source(nbformat.read(CHAPTER, as_version=4))
    meta = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]
    solutions = [m for m in meta if m["solution"]]
    tests = [m for m in meta if m["grade"]]
    assert len(solutions) == len(tests) == len(IDS)
    assert all(m["locked"] and m["points"] == 1.0 for m in tests) and not any(m["locked"] for m in solutions)
    assert len({m["grade_id"] for m in meta}) == len(meta)
    sources = [c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert all("### BEGIN SOLUTION" in s and "### END SOLUTION" in s for s in sources)


def test_generate_assignment_hides_every_solution(course):
    released = nbformat.read(course["release"], as_version=4)
    text = "\n".join(c.source for c in released.cells)
    assert "### BEGIN SOLUTION" not in text
    answers = [MARKERS.sub("", c.source) for c in nbformat.read(course["source"], as_version=4).cells
               if c.metadata.get("nbgrader", {}).get("solution")]
    body = [line.strip() for a in answers for line in a.splitlines()[2:] if len(line.strip()) > 12]
    assert not [line for line in body if line in text and not line.startswith(('"""', "#"))]


def test_nbgrader_records_the_points_chainrule_grade_gives(course):
    for name, ours in course["ours"].items():
        theirs = course["nbgrader"][name]
        for exercise_id in IDS:
            grade_id = "check_" + exercise_id.replace(".", "-")
            assert theirs[grade_id] == pytest.approx(ours.points(exercise_id), abs=1e-3), (name, exercise_id)
    n = len(IDS)
    total = {name: sum(v for k, v in s.items() if k.startswith("check_")) for name, s in course["nbgrader"].items()}
    assert total["alice"] == n and total["bob"] == 0 and total["carol"] == n // 2
    assert total["dan"] == n - 1 and total["erin"] == n - 1


def test_the_check_cells_print_the_feedback(course):
    graded = nbformat.read(course["root"] / "autograded" / "dan" / "ch2" / CHAPTER.name, as_version=4)
    outputs = []
    for cell in graded.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "check_derivative_rules-product_rule":
            outputs = [o.get("text", "") for o in cell.outputs if o.output_type == "stream"]
    assert any("sign" in text.lower() for text in outputs), outputs


def test_a_reference_import_is_refused_in_the_students_kernel(course):
    graded = nbformat.read(course["root"] / "autograded" / "erin" / "ch2" / CHAPTER.name, as_version=4)
    for cell in graded.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "check_derivative_rules-chain_rule":
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            assert "reference solution" in text
            assert any(o.output_type == "error" for o in cell.outputs)


def test_the_chinese_notebooks_make_the_same_assignment():
    zh = nbgrader_source(nbformat.read(CHAPTER.parent.parent / "zh" / "book" / CHAPTER.name, as_version=4))
    en = nbgrader_source(nbformat.read(CHAPTER, as_version=4))
    meta = lambda nb: [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]  # noqa: E731
    assert meta(zh) == meta(en)
    setup = next(c.source for c in zh.cells if c.cell_type == "code")
    assert 'set_language("zh"' in setup, "the checks then speak Chinese in the student's kernel"
    assert notebook_language(zh) == "zh" and notebook_language(en) == "en"
