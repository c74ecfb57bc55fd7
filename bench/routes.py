"""Grading throughput of the three routes, per submission, on one chapter (default chapter 2):

    .venv/bin/python bench/routes.py [--n 4]

- ``python -m chainrule grade`` (serial, sandbox, lean: the default);
- the Gradescope autograder: ``run_autograder`` once per submission, as Gradescope runs it
  (a fresh process each time, which also builds the locked package), in AUTOGRADER_ROOT;
- nbgrader: ``nbgrader autograde`` of ``n`` students at once (it executes each notebook in the
  student's kernel, checks included).

Every submission is the chapter solved; each route must give full marks (checked).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from test_instructor import solved  # noqa: E402
from test_nbgrader import answered  # noqa: E402

from chainrule.instructor.grade import grade  # noqa: E402
from chainrule.instructor.gradescope import build_zip  # noqa: E402

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}"}


def route_grade(chapter, n, folder):
    paths = []
    for k in range(n):
        paths.append(folder / f"s{k}.ipynb")
        nbformat.write(solved(chapter), paths[-1])
    started = time.perf_counter()
    graded = grade(paths, folder / "g.csv", progress=False, seed=0)
    assert all(g.total == len(g.exercise_ids) for g in graded)
    return (time.perf_counter() - started) / n


def route_gradescope(chapter, n, folder):
    build_zip(chapter, folder / "autograder.zip")
    seconds = []
    for k in range(n):
        root = folder / f"ag{k}"
        with zipfile.ZipFile(folder / "autograder.zip") as z:
            z.extractall(root / "source")
        (root / "submission").mkdir()
        nbformat.write(solved(chapter), root / "submission" / chapter.name)
        started = time.perf_counter()
        subprocess.run(["bash", str(root / "source" / "run_autograder")], check=True, capture_output=True,
                       env={**ENV, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable})
        seconds.append(time.perf_counter() - started)
        results = json.loads((root / "results" / "results.json").read_text())
        assert results["score"] == sum(t["max_score"] for t in results["tests"]), results
    return sum(seconds) / n


def route_nbgrader(chapter, n, folder):
    course = folder / "course"
    (course / "source" / "ch").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\n")
    subprocess.run([sys.executable, "-m", "chainrule", "release", str(chapter.parent), str(folder / "all"), "--nbgrader"],
                   check=True, capture_output=True)
    source = course / "source" / "ch" / chapter.name
    source.write_bytes((folder / "all" / chapter.name).read_bytes())
    run = lambda *a: subprocess.run([str(BIN / "nbgrader"), *a], cwd=course, env=ENV, check=True, capture_output=True)  # noqa: E731
    run("db", "assignment", "add", "ch")
    run("generate_assignment", "ch", "--force")
    release = course / "release" / "ch" / chapter.name
    solutions = sum(1 for c in nbformat.read(source, as_version=4).cells if c.metadata.get("nbgrader", {}).get("solution"))
    for k in range(n):
        run("db", "student", "add", f"s{k}")
        path = course / "submitted" / f"s{k}" / "ch" / chapter.name
        path.parent.mkdir(parents=True)
        nbformat.write(answered(release, source, range(solutions)), path)
    started = time.perf_counter()
    run("autograde", "ch", "--force")
    return (time.perf_counter() - started) / n


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--chapter", default="02_derivative_rules.ipynb")
    args = parser.parse_args(argv)
    chapter = ROOT / "book" / args.chapter
    folder = Path(tempfile.mkdtemp(prefix="routes-bench-"))
    rows = []
    for name, route in (("python -m chainrule grade (serial, sandbox)", route_grade),
                        ("Gradescope run_autograder (one container each)", route_gradescope),
                        ("nbgrader autograde", route_nbgrader)):
        sub = folder / route.__name__
        sub.mkdir()
        rows.append((name, route(chapter, args.n, sub)))
    print(f"{args.n} submissions of {args.chapter}, all full marks\n")
    print("| route | seconds per submission | submissions per minute |")
    print("|---|---|---|")
    for name, s in rows:
        print(f"| {name} | {s:.2f} | {60 / s:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
