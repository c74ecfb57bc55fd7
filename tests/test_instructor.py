"""The student release and the grading command."""

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from chainrule.instructor.grade import grade
from chainrule.instructor.release import release

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
CHAPTER = BOOK / "02_derivative_rules.ipynb"
N_EXERCISES = sum("exercise" in c.metadata.get("tags", []) for c in nbformat.read(CHAPTER, as_version=4).cells)


def solution_lines(nb):
    """The lines that only a solution contains (not the def line or docstring it shares with the stub)."""
    lines = set()
    for cell in nb.cells:
        if "solution" in cell.metadata.get("tags", []):
            for line in cell.source.splitlines():
                line = line.strip()
                if line and not line.startswith(("def ", '"""', "#")):
                    lines.add(line)
    return lines


def test_release_strips_every_solution_and_output(tmp_path):
    written = release(BOOK, tmp_path)
    assert {p.name for p in written} == {p.name for p in BOOK.glob("*.ipynb")}
    for path in written:
        original = nbformat.read(BOOK / path.name, as_version=4)
        student = nbformat.read(path, as_version=4)
        secret = solution_lines(original)
        assert secret, "the chapter has solutions to strip"
        # Lines the chapter's other cells also contain (`return grad`) are not secrets.
        others = [c for c in original.cells if "solution" not in c.metadata.get("tags", [])]
        public = {line.strip() for c in others for line in c.source.splitlines()}
        secret -= public
        text = "\n".join(c.source for c in student.cells)
        released = {line.strip() for line in text.splitlines()}
        leaked = [line for line in secret if line in released]
        assert not leaked, f"solution code left in the release: {leaked}"
        assert not any("solution" in c.metadata.get("tags", []) for c in student.cells)
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in student.cells if c.cell_type == "code")
        code = [c for c in student.cells if c.cell_type == "code"]
        exercises = [i for i, c in enumerate(code) if "exercise" in c.metadata.get("tags", [])]
        assert exercises, "the chapter has exercises"
        after = [code[i + 1].source for i in exercises if i + 1 < len(code)]
        assert len(after) == len(exercises) and all(a.startswith("check(") for a in after), "a check stays after each exercise"


def test_release_refuses_to_overwrite_the_book():
    with pytest.raises(ValueError, match="must differ"):
        release(BOOK, BOOK)


# --- grading -----------------------------------------------------------------------------


def solved(nb_path):
    """A student's notebook with every exercise done correctly (stubs replaced by solutions)."""
    original = nbformat.read(nb_path, as_version=4)
    answers = [c.source for c in original.cells if "solution" in c.metadata.get("tags", [])]
    student = nbformat.read(nb_path, as_version=4)
    from chainrule.instructor.release import strip_solutions

    student = strip_solutions(student)
    stubs = [c for c in student.cells if "exercise" in c.metadata.get("tags", [])]
    for stub, answer in zip(stubs, answers, strict=True):
        stub.source = answer
    return student


def unsolved(nb_path):
    from chainrule.instructor.release import strip_solutions

    return strip_solutions(nbformat.read(nb_path, as_version=4))


def with_cell(nb, source, position=1):
    nb.cells.insert(position, nbformat.v4.new_code_cell(source))
    return nb


def forged_outputs(nb):
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("check("):
            name = cell.source.split('"')[1]
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"✔ {name}: 4/4 checks passed\n")]
            cell.execution_count = 1
    return nb


SUBMISSIONS = {
    "correct": lambda: solved(CHAPTER),
    "stub": lambda: unsolved(CHAPTER),
    "forged_outputs": lambda: forged_outputs(unsolved(CHAPTER)),
    "fake_print": lambda: with_cell(unsolved(CHAPTER), 'print("✔ derivative_rules.product_rule: 4/4 checks passed")', -1),
    "redefined_check": lambda: with_cell(unsolved(CHAPTER), 'def check(*args, **kwargs):\n    return "✔ all checks passed"', 3),
    "monkeypatched": lambda: with_cell(
        unsolved(CHAPTER),
        "import numpy as np\nimport chainrule.exercises.core as core\n"
        "np.allclose = lambda *a, **k: True\ncore.compare = lambda *a, **k: None\ncore.evaluate = lambda *a, **k: None",
        3,
    ),
    "kernel_dies": lambda: with_cell(solved(CHAPTER), "import os\nos._exit(1)", 2),
    "endless_cell": lambda: with_cell(solved(CHAPTER), "while True:\n    pass", 2),
    "memory_blowup": lambda: with_cell(
        solved(CHAPTER), "import numpy as np\nhog = []\nwhile True:\n    hog.append(np.empty(10**8))", 2
    ),
    "endless_function": lambda: with_cell(solved(CHAPTER), "def diamond_grad(x):\n    while True:\n        pass", -1),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    paths = []
    for name, make in SUBMISSIONS.items():
        path = folder / f"{name}.ipynb"
        nbformat.write(make(), path)
        paths.append(path)
    invalid = folder / "invalid_json.ipynb"
    invalid.write_text('{"cells": [')
    paths.insert(3, invalid)
    out = folder / "grades.csv"
    results = grade(
        paths, out, json_path=folder / "grades.json", progress=False, report_path=folder / "report.html",
        cell_timeout=4, case_timeout=3, memory_mb=3072, seed=0,
    )
    with out.open() as f:
        rows = {r["file"].removesuffix(".ipynb"): r for r in csv.DictReader(f)}
    return {g.path.stem: g for g in results}, rows, folder


def test_correct_submission_gets_full_marks(graded):
    results, rows, _ = graded
    assert rows["correct"]["total"] == f"{N_EXERCISES}.0" and rows["correct"]["max"] == str(N_EXERCISES)
    assert rows["correct"]["status"] == "graded"
    assert all(r.passed for r in results["correct"].results.values())


@pytest.mark.parametrize("forgery", ["stub", "forged_outputs", "fake_print", "redefined_check", "monkeypatched"])
def test_forged_submissions_get_nothing(graded, forgery):
    results, rows, _ = graded
    assert float(rows[forgery]["total"]) == 0.0, rows[forgery]
    assert results[forgery].results, "it was graded, not skipped"


def test_broken_submissions_are_reported_and_the_batch_goes_on(graded):
    results, rows, _ = graded
    assert rows["invalid_json"]["status"] == "error" and "not a valid notebook" in rows["invalid_json"]["reason"]
    assert rows["kernel_dies"]["status"] == "error" and "kernel died" in rows["kernel_dies"]["reason"]
    # A cell that never ends is interrupted; the rest of the notebook still counts.
    assert any("ran longer than 4 s" in n for n in results["endless_cell"].notes)
    assert rows["endless_cell"]["total"] == f"{N_EXERCISES}.0"
    assert "MemoryError" in rows["memory_blowup"]["reason"]
    # A function that never returns loses that exercise only, with the reason.
    loops = results["endless_function"].results["derivative_rules.sum_over_paths"]
    assert not loops.passed and "ran longer than" in loops.messages[0]
    assert rows["endless_function"]["total"] == f"{N_EXERCISES - 1}.0"
    assert list(rows) == [p for p in list(SUBMISSIONS)[:3] + ["invalid_json"] + list(SUBMISSIONS)[3:]]


def test_a_cell_that_ignores_the_interrupt_does_not_hold_the_batch(tmp_path, monkeypatch):
    """An interrupt lands only in Python code; a cell stuck elsewhere (here: SIGINT ignored) is
    ended by killing its kernel after the cell timeout plus the backstop."""
    import chainrule.instructor.grade as grading

    monkeypatch.setattr(grading, "BACKSTOP_S", 2)
    stuck = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    path = tmp_path / "stuck.ipynb"
    nbformat.write(with_cell(solved(CHAPTER), stuck, 2), path)
    started = time.perf_counter()
    (result,) = grade([path], tmp_path / "grades.csv", progress=False, cell_timeout=3, case_timeout=3, seed=0)
    assert result.status == "error" and "could not be interrupted" in result.reason, result.reason
    assert time.perf_counter() - started < 30


def test_feedback_and_json_reports(graded):
    _, _, folder = graded
    feedback = (folder / "feedback" / "stub.txt").read_text()
    assert "not implemented yet" in feedback
    data = json.loads((folder / "grades.json").read_text())
    correct = next(d for d in data["submissions"] if d["file"] == "correct.ipynb")
    assert correct["total"] == N_EXERCISES and correct["exercises"]["derivative_rules.chain_rule"]["status"] == "passed"


def test_class_report_of_a_real_grading_run(graded):
    results, _, folder = graded
    summary = json.loads((folder / "grades.json").read_text())["class"]
    assert summary["submissions"] == len(SUBMISSIONS) + 1
    chain = summary["exercises"]["derivative_rules.chain_rule"]
    passed = [name for name, g in results.items() if getattr(g.results.get("derivative_rules.chain_rule"), "passed", False)]
    assert {"correct", "endless_cell", "endless_function"} <= set(passed) and chain["passed"] == len(passed)
    assert chain["bands"]["not implemented"] == 5  # the stub and the four forgeries
    assert {e["file"] for e in summary["errors"]} >= {"invalid_json.ipynb", "kernel_dies.ipynb", "memory_blowup.ipynb"}
    page = (folder / "report.html").read_text()
    assert "derivative_rules.chain_rule" in page and page.count("data:image/png;base64,") == 3


def test_command_line(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "chainrule", "release", str(BOOK), str(tmp_path / "release")],
        capture_output=True, text=True, check=True,
    )
    assert "02_derivative_rules.ipynb" in out.stdout
    broken = tmp_path / "broken.ipynb"
    broken.write_text("not a notebook")
    out = subprocess.run(
        [sys.executable, "-m", "chainrule", "grade", str(broken), "--out", str(tmp_path / "g.csv")],
        capture_output=True, text=True, check=True,
    )
    assert "broken.ipynb: 0/0  (not a valid notebook" in out.stdout
    # The class report and Canvas's gradebook from the command line (no kernel needed here).
    roster = "Student,ID,SIS User ID,SIS Login ID,Section\nBo Ken,7,S7,broken,A\nAl Ready,8,S8,al,A\n"
    (tmp_path / "roster.csv").write_text(roster)
    out = subprocess.run(
        [sys.executable, "-m", "chainrule", "grade", str(broken), "--out", str(tmp_path / "g.csv"),
         "--report", str(tmp_path / "r.html"), "--roster", str(tmp_path / "roster.csv"), "--canvas", str(tmp_path / "c.csv")],
        capture_output=True, text=True, check=True,
    )
    assert "1 submissions matched" in out.stdout and "no submission from Al Ready (ID 8)" in out.stdout
    assert "broken.ipynb" in (tmp_path / "r.html").read_text()
    assert (tmp_path / "c.csv").read_text().splitlines()[2:] == ["Bo Ken,7,S7,broken,A,0", "Al Ready,8,S8,al,A,"]


def test_parallel_grading_gives_the_same_grades(tmp_path):
    paths = []
    for name in ["correct", "stub"]:
        paths.append(tmp_path / f"{name}.ipynb")
        nbformat.write(SUBMISSIONS[name](), paths[-1])
    results = grade(paths, tmp_path / "g.csv", progress=False, jobs=2, seed=0)
    assert [sum(g.points(i) for i in g.exercise_ids) for g in results] == [N_EXERCISES, 0.0]


# --- the notebook a launch button opens ----------------------------------------------------


def test_launch_buttons_open_the_student_edition():
    """_config.yml points the launch buttons at the branch the Pages workflow fills with the release."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    branch = config["repository"]["branch"]
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    steps = "\n".join(step.get("run", "") for step in workflow["jobs"]["student-edition"]["steps"])
    assert "python -m chainrule release book" in steps
    assert f"git checkout -B {branch}" in steps and f"git push --force origin {branch}" in steps
    assert branch != "main", "the launch buttons must not open the notebooks with solutions"


def run_summary(nb, folder):
    """Execute a notebook top to bottom (no error allowed); return its chapter summary's text."""
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("summary("))
    return "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs)


def test_run_all_in_the_launched_notebook_counts_only_the_learners_answers(tmp_path):
    release(BOOK, tmp_path)
    launched = nbformat.read(tmp_path / CHAPTER.name, as_version=4)  # what "open in Colab" opens
    text = run_summary(launched, tmp_path)
    ids = [line.split()[1] for line in text.splitlines()[1:]]
    n = len(ids)
    assert n >= 3 and text.startswith(f"derivative_rules: 0/{n} exercises pass"), text
    # The learner answers one exercise (the second): exactly that one passes.
    learner = nbformat.read(tmp_path / CHAPTER.name, as_version=4)
    stubs = [c for c in learner.cells if "exercise" in c.metadata.get("tags", [])]
    answers = [c.source for c in nbformat.read(CHAPTER, as_version=4).cells if "solution" in c.metadata.get("tags", [])]
    stubs[1].source = answers[1]
    text = run_summary(learner, tmp_path)
    assert text.startswith(f"derivative_rules: 1/{n} exercises pass"), text
    passed = [line.split()[1] for line in text.splitlines()[1:] if line.strip().startswith("✔")]
    assert passed == [ids[1]], text
