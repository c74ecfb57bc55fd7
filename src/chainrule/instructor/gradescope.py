"""A Gradescope autograder for one chapter: ``python -m chainrule gradescope CHAPTER.ipynb --out autograder.zip``.

Gradescope's autograder specification: the zip holds, at its root, ``setup.sh`` (run once
when Gradescope builds the image, Ubuntu) and ``run_autograder`` (run for each submission,
in its own container, with the submission in ``/autograder/submission`` and the results
expected in ``/autograder/results/results.json``). Here:

- ``setup.sh`` installs Python, bubblewrap, and this very ``chainrule`` (its source is in the
  zip, ``chainrule-src/``, at the version that wrote the zip) with what grading needs, and
  TensorFlow where the chapter imports it; it then makes the installed package readable by
  root only, so that a kernel that is not root cannot read the reference solutions' source
  even where bubblewrap cannot run;
- ``run_autograder`` calls ``python -m chainrule.instructor.gradescope run``, which grades the
  submitted notebook exactly as ``python -m chainrule grade`` does (same checks, feedback,
  points, limits and reference lock; in the sandbox where bubblewrap can run there) and writes
  ``results.json``: the total ``score`` and one test per exercise of the chapter (its title and
  id, points, the checker's feedback in the notebook's language, visible to the student). A
  submission that cannot be graded (no notebook, not a notebook, another chapter, nothing run)
  gets 0 and an ``output`` saying why; it never crashes.

``AUTOGRADER_ROOT`` (default ``/autograder``) moves the whole layout, so the zip can be tried
anywhere; ``AUTOGRADER_PYTHON`` names the Python that has chainrule (default: the one
``setup.sh`` made).
"""

import argparse
import importlib.metadata
import json
import re
import sys
import zipfile
from pathlib import Path

import nbformat

import chainrule

from ..exercises.core import EXERCISES
from ..language import pick, speaking
from .grade import exercise_ids, grade_notebook
from .sandbox import Limits, Sandbox, SandboxUnavailable

TENSORFLOW = "tensorflow>=2.15,<3"  # as requirements.txt: the chapters that import it need it
USES_TENSORFLOW = re.compile(r"\bimport_tensorflow\b|\bimport tensorflow\b|\bfrom tensorflow\b")

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (Ubuntu, as root).
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip bubblewrap
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install -q --upgrade pip
# chainrule {version}, the exact code that wrote this zip (chainrule-src/), and what grading needs.
/autograder/venv/bin/python -m pip install -q "./chainrule-src[instructor]" -r requirements.txt
/autograder/venv/bin/python -c "import chainrule; assert chainrule.__version__ == '{version}', chainrule.__version__"
# The reference solutions' source readable by root (the grader) only: the kernel runs as another user.
chmod -R go-rwx "$(/autograder/venv/bin/python -c 'import chainrule, os; print(os.path.dirname(chainrule.__file__))')"
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission: grade it, write results/results.json.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{AUTOGRADER_PYTHON:-/autograder/venv/bin/python}}"
exec "$PYTHON" -m chainrule.instructor.gradescope run --root "$ROOT" --config "$ROOT/source/autograder.json"
"""

PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "chainrule"
version = "{version}"
requires-python = ">=3.10"
dependencies = {dependencies}

[project.optional-dependencies]
instructor = {instructor}

[tool.setuptools.packages.find]
where = ["."]
include = ["chainrule*"]
"""


def _requirements():
    """chainrule's dependencies as installed here: plain ones, and the ``instructor`` extra."""
    plain, instructor = [], []
    for req in importlib.metadata.requires("chainrule") or []:
        spec, _, marker = req.partition(";")
        (instructor if "instructor" in marker else plain).append(spec.strip())
    return plain, instructor


def build_zip(chapter, out, points=None):
    """Write the autograder zip for chapter notebook ``chapter`` to ``out``; return its exercise ids."""
    chapter, out = Path(chapter), Path(out)
    nb = nbformat.read(chapter, as_version=4)
    ids = exercise_ids(nb)
    if not ids:
        raise ValueError(f"{chapter}: no exercise checks in this notebook: is it a chapter of the book?")
    version = chainrule.__version__
    plain, instructor = _requirements()
    config = {
        "chapter": chapter.stem,
        "chainrule": version,
        "exercises": [{"id": i, "title": EXERCISES[i].title, "max_score": float(points or 1)} for i in ids],
    }
    needs_tf = any(USES_TENSORFLOW.search(c.source) for c in nb.cells if c.cell_type == "code")
    package = Path(chainrule.__file__).resolve().parent
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(_executable("setup.sh"), SETUP.format(version=version))
        z.writestr(_executable("run_autograder"), RUN.format())
        z.writestr("autograder.json", json.dumps(config, indent=1, ensure_ascii=False))
        z.writestr("requirements.txt", (TENSORFLOW + "\n") if needs_tf else "")
        z.writestr("chainrule-src/pyproject.toml", PYPROJECT.format(
            version=version, dependencies=json.dumps(plain), instructor=json.dumps(instructor)))
        for path in sorted(package.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                z.write(path, f"chainrule-src/chainrule/{path.relative_to(package)}")
    return ids


def _executable(name):
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o100755 << 16  # -rwxr-xr-x: Gradescope runs them as they are
    return info


# --- the grading side (run_autograder) -----------------------------------------------------------


def results_for(graded, config, why=None):
    """results.json for one graded submission (or for none: ``why`` it could not be graded)."""
    tests, total = [], 0.0
    for entry in config["exercises"]:
        exercise_id, max_score = entry["id"], entry["max_score"]
        result = graded.results.get(exercise_id) if graded else None
        if result is not None:
            score = round(graded.points(exercise_id) * max_score, 3)
            output = str(result)
        else:
            score = 0.0
            output = why or (graded.reason if graded and graded.reason else "") or pick(
                "not graded: the notebook does not check this exercise (was its check cell deleted?)",
                "未评分：笔记本中没有检查这道练习（检查单元格被删除了吗？）",
            )
        total += score
        tests.append({
            "name": f"{entry['title']} ({exercise_id})", "score": score, "max_score": max_score,
            "output": output, "visibility": "visible", "status": "passed" if score == max_score else "failed",
        })
    notes = [why] if why else ([*(graded.notes if graded else [])])
    return {"score": round(total, 3), "output": "\n".join(n for n in notes if n), "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests}


def choose_notebook(submission, config):
    """The submitted notebook to grade, or (None, why)."""
    notebooks = sorted(p for p in Path(submission).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not notebooks:
        others = sorted(p.name for p in Path(submission).rglob("*") if p.is_file())
        return None, f"no notebook (.ipynb) in the submission (found: {', '.join(others) or 'nothing'})"
    wanted = {e["id"] for e in config["exercises"]}
    best, best_count, unreadable = None, -1, []
    for path in notebooks:
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as exc:  # noqa: BLE001  (any file that is not a readable notebook)
            unreadable.append(f"{path.name}: {type(exc).__name__}")
            continue
        count = len(wanted & set(exercise_ids(nb)))
        if count > best_count:
            best, best_count = path, count
    if best is None:
        return None, "not a valid notebook: " + "; ".join(unreadable)
    if best_count == 0:
        return None, (f"{best.name} is not chapter {config['chapter']}: it checks none of this assignment's "
                      "exercises (wrong notebook submitted?)")
    return best, None


def run(root, config_path):
    root = Path(root)
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    path, why = choose_notebook(root / "submission", config)
    graded = None
    if path is not None:
        note = None
        try:
            box = Sandbox(Limits())
        except SandboxUnavailable as exc:
            note = f"graded without the bubblewrap sandbox here ({str(exc).split('.')[0]}); the reference lock still holds"
            box = Sandbox(Limits(), isolation="lock")
        try:
            graded = grade_notebook(path, sandbox=box)
        finally:
            box.close()
        if note:
            graded.notes.append(note)
        if not graded.results and graded.reason:
            why = graded.reason
    with speaking(graded.language if graded else "en"):  # the notebook's language
        results = results_for(graded, config, why)
    (results_dir / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m chainrule.instructor.gradescope")
    commands = parser.add_subparsers(dest="command", required=True)
    r = commands.add_parser("run", help="grade /autograder/submission (run_autograder calls this)")
    r.add_argument("--root", default="/autograder")
    r.add_argument("--config", required=True)
    args = parser.parse_args(argv)
    try:
        run(args.root, args.config)
    except Exception as exc:  # noqa: BLE001  results.json must exist whatever happened
        config = json.loads(Path(args.config).read_text(encoding="utf-8"))
        results = results_for(None, config, f"the autograder failed: {type(exc).__name__}: {exc}")
        (Path(args.root) / "results").mkdir(parents=True, exist_ok=True)
        (Path(args.root) / "results" / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())

