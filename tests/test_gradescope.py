"""The Gradescope autograder, run as Gradescope runs it: the zip unpacked into a root of its own
(AUTOGRADER_ROOT), a submission in submission/, run_autograder, then results/results.json read
field by field against Gradescope's specification."""

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from test_instructor import CHAPTER, solved, unsolved

import chainrule
from chainrule.exercises import EXERCISES
from chainrule.instructor.gradescope import TENSORFLOW, build_zip

ROOT = Path(__file__).resolve().parent.parent
ZH_CHAPTER = ROOT / "zh" / "book" / CHAPTER.name
IDS = [i for i in EXERCISES if i.startswith("derivative_rules.")]


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    build_zip(CHAPTER, out, points=2)
    return out


def run_autograder(autograder, tmp_path, files):
    """Unpack, submit ``files`` (name -> bytes), run, return results.json."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder) as z:
        z.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):  # zipfile drops the mode bits; Gradescope keeps them
        (root / "source" / name).chmod(0o755)
    (root / "submission").mkdir()
    for name, data in files.items():
        (root / "submission" / name).write_bytes(data)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    done = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True, timeout=300)
    results = root / "results" / "results.json"
    assert results.exists(), done.stderr[-2000:]
    return json.loads(results.read_text(encoding="utf-8"))


def notebook_bytes(nb):
    return nbformat.writes(nb).encode()


def check_specification(results):
    """Gradescope's fields, and a score that is the sum of the tests'."""
    assert set(results) >= {"score", "tests"}
    assert results["visibility"] == "visible" and results["stdout_visibility"] == "hidden"
    assert len(results["tests"]) == len(IDS)
    for test, exercise_id in zip(results["tests"], IDS, strict=True):
        assert set(test) >= {"name", "score", "max_score", "output", "visibility"}
        assert exercise_id in test["name"] and EXERCISES[exercise_id].title in test["name"]
        assert test["max_score"] == 2.0 and 0 <= test["score"] <= 2.0
        assert test["visibility"] == "visible" and test["output"].strip()
        assert test["status"] == ("passed" if test["score"] == test["max_score"] else "failed")
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))


def test_the_zip_follows_the_specification(autograder):
    with zipfile.ZipFile(autograder) as z:
        names = set(z.namelist())
        assert {"setup.sh", "run_autograder", "autograder.json", "requirements.txt"} <= names
        for name in ("setup.sh", "run_autograder"):
            assert stat.S_IMODE(z.getinfo(name).external_attr >> 16) == 0o755
        setup = z.read("setup.sh").decode()
        config = json.loads(z.read("autograder.json"))
        assert z.read("requirements.txt").decode() == ""  # chapter 2 needs no TensorFlow
        assert "chainrule-src/chainrule/exercises/derivative_rules.py" in names
        assert f'version = "{chainrule.__version__}"' in z.read("chainrule-src/pyproject.toml").decode()
    assert f"chainrule.__version__ == '{chainrule.__version__}'" in setup and "bubblewrap" in setup
    assert [e["id"] for e in config["exercises"]] == IDS
    assert subprocess.run(["bash", "-n", "-c", setup]).returncode == 0


def test_a_tensorflow_chapter_installs_tensorflow(tmp_path):
    build_zip(ROOT / "book" / "06_tensorflow.ipynb", tmp_path / "a.zip")
    with zipfile.ZipFile(tmp_path / "a.zip") as z:
        assert z.read("requirements.txt").decode().split() == [TENSORFLOW]
    assert TENSORFLOW in (ROOT / "requirements.txt").read_text(), "the same range as the book's requirements"


def test_the_packaged_source_builds_the_pinned_version(autograder, tmp_path):
    with zipfile.ZipFile(autograder) as z:
        z.extractall(tmp_path / "source")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path / "wheel"), str(tmp_path / "source" / "chainrule-src")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    [wheel] = (tmp_path / "wheel").glob("*.whl")
    assert wheel.name.startswith(f"chainrule-{chainrule.__version__}-")
    with zipfile.ZipFile(wheel) as z:
        assert "chainrule/exercises/core.py" in z.namelist()


def test_the_solution_gets_every_point(autograder, tmp_path):
    results = run_autograder(autograder, tmp_path, {"chapter2.ipynb": notebook_bytes(solved(CHAPTER))})
    check_specification(results)
    assert results["score"] == 2.0 * len(IDS)


def test_the_untouched_release_gets_nothing_and_says_what_to_do(autograder, tmp_path):
    results = run_autograder(autograder, tmp_path, {"chapter2.ipynb": notebook_bytes(unsolved(CHAPTER))})
    check_specification(results)
    assert results["score"] == 0
    assert all("not implemented" in t["output"] for t in results["tests"])


def test_a_half_done_notebook_gets_the_points_of_what_it_solved(autograder, tmp_path):
    nb = unsolved(CHAPTER)
    answers = [c.source for c in nbformat.read(CHAPTER, as_version=4).cells if "solution" in c.metadata.get("tags", [])]
    stubs = [c for c in nb.cells if "exercise" in c.metadata.get("tags", [])]
    for stub, answer in list(zip(stubs, answers, strict=True))[:2]:
        stub.source = answer
    results = run_autograder(autograder, tmp_path, {"half.ipynb": notebook_bytes(nb)})
    check_specification(results)
    assert [t["score"] for t in results["tests"]] == [2.0, 2.0] + [0.0] * (len(IDS) - 2)
    assert results["score"] == 4.0


@pytest.mark.parametrize("files, why", [
    ({"chapter2.ipynb": b'{"cells": ['}, "not a valid notebook"),
    ({"answers.py": b"print('hi')"}, "no notebook"),
    ({}, "no notebook"),
], ids=["broken", "not-a-notebook", "empty"])
def test_what_cannot_be_graded_gets_zero_and_says_why(autograder, tmp_path, files, why):
    results = run_autograder(autograder, tmp_path, files)
    check_specification(results)
    assert results["score"] == 0
    assert why in results["output"] and all(why in t["output"] for t in results["tests"])


def test_another_chapter_is_refused_with_a_reason(autograder, tmp_path):
    other = solved(ROOT / "book" / "03_gradient_descent.ipynb")
    results = run_autograder(autograder, tmp_path, {"ch3.ipynb": notebook_bytes(other)})
    check_specification(results)
    assert results["score"] == 0 and "is not chapter 02_derivative_rules" in results["output"]


def test_a_chinese_notebook_gets_chinese_feedback(autograder, tmp_path):
    results = run_autograder(autograder, tmp_path, {"第2章.ipynb": notebook_bytes(unsolved(ZH_CHAPTER))})
    check_specification(results)
    assert results["score"] == 0
    assert all("尚未实现" in t["output"] for t in results["tests"]), results["tests"][0]["output"]


def test_a_reference_import_earns_nothing_on_gradescope_too(autograder, tmp_path):
    nb = solved(CHAPTER)
    nb.cells.append(nbformat.v4.new_code_cell("from chainrule.exercises.derivative_rules import mul_backward"))
    results = run_autograder(autograder, tmp_path, {"c.ipynb": notebook_bytes(nb)})
    check_specification(results)
    product = results["tests"][IDS.index("derivative_rules.product_rule")]
    assert product["score"] == 0 and "reference solution" in product["output"]
    assert results["score"] == 2.0 * (len(IDS) - 1)


def test_without_bubblewrap_the_reference_lock_still_holds(autograder, tmp_path, monkeypatch):
    """Where bwrap cannot run (a container without user namespaces), run_autograder falls back to
    the reference lock alone, says so, and a reference import still earns nothing."""
    from chainrule.instructor import gradescope, sandbox

    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder) as z:
        z.extractall(root / "source")
    (root / "submission").mkdir()
    nb = solved(CHAPTER)
    nb.cells.append(nbformat.v4.new_code_cell("from chainrule.exercises.derivative_rules import mul_backward"))
    nbformat.write(nb, root / "submission" / "c.ipynb")
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox.check_bwrap.cache_clear()
    try:
        results = gradescope.run(root, root / "source" / "autograder.json")
    finally:
        sandbox.check_bwrap.cache_clear()
    check_specification(results)
    assert "without the bubblewrap sandbox" in results["output"] and "reference lock still holds" in results["output"]
    product = results["tests"][IDS.index("derivative_rules.product_rule")]
    assert product["score"] == 0 and "reference solution" in product["output"]
    assert results["score"] == 2.0 * (len(IDS) - 1)
