"""A made-up class, graded for real: the example behind README's class report.

    .venv/bin/python bench/class_demo.py [--n 12] [--chapter 02_derivative_rules.ipynb] [--out /tmp/class-demo]

Each "student" hands in the chapter's student release with every exercise answered: the
reference solution, or (with a fixed probability, seeded) one of the typical mistakes that
tests/exercise_answers/<module>.py lists for that exercise, or the untouched stub; one
submission is not a notebook at all. Then ``python -m chainrule grade`` writes grades.csv,
grades.json, report.html and (with a made-up roster) Canvas's gradebook CSV into ``--out``,
and a screenshot of the report (Debian's Chromium) to ``--png`` if given.
"""

import argparse
import ast
import random
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from chainrule.exercises.core import EXERCISES  # noqa: E402
from chainrule.instructor.grade import CHECK_CALL  # noqa: E402
from chainrule.instructor.release import strip_solutions  # noqa: E402


def mistakes(module):
    """exercise id -> [def-source text of a mistaken answer], from the MISTAKES lambdas."""
    path = ROOT / "tests" / "exercise_answers" / f"{module}.py"
    tree = ast.parse(path.read_text())
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "MISTAKES" for t in node.targets):
            for key, value in zip(node.value.keys, node.value.values, strict=True):
                exercise_id = ast.literal_eval(key)
                name = EXERCISES[exercise_id].signature.split("(")[0]
                for pair in value.elts:
                    fn = pair.elts[0]
                    if isinstance(fn, ast.Lambda):
                        found.setdefault(exercise_id, []).append(
                            f"def {name}({ast.unparse(fn.args)}):\n    return {ast.unparse(fn.body)}\n"
                        )
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=12)
    parser.add_argument("--chapter", default="02_derivative_rules.ipynb")
    parser.add_argument("--out", default="/tmp/class-demo")
    parser.add_argument("--png", help="also save a screenshot of the report here")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    out = Path(args.out)
    (out / "submissions").mkdir(parents=True, exist_ok=True)
    chapter = ROOT / "book" / args.chapter
    original = nbformat.read(chapter, as_version=4)
    answers = [c.source for c in original.cells if "solution" in c.metadata.get("tags", [])]
    module = {"01": "neurons", "02": "derivative_rules", "03": "gradient_descent", "04": "backprop", "05": "activations",
              "06": "tensorflow", "07": "gradient_problems", "08": "outlook"}[args.chapter[:2]]
    wrong = mistakes(module)
    names = ["ada", "bo", "cy", "dee", "eli", "fay", "gus", "hal", "ivy", "jo", "kai", "lu", "max", "ned", "oz"]
    roster = ["Student,ID,SIS User ID,SIS Login ID,Section"]
    for k in range(args.n):
        name = names[k % len(names)] + (str(k) if k >= len(names) else "")
        roster.append(f"{name.title()} Example,{1000 + k},S{1000 + k},{name},A")
        student = strip_solutions(nbformat.read(chapter, as_version=4))
        code = [c for c in student.cells if c.cell_type == "code"]
        stubs = [(c, CHECK_CALL.findall(code[i + 1].source)[0]) for i, c in enumerate(code)
                 if "exercise" in c.metadata.get("tags", [])]
        for (stub, exercise_id), answer in zip(stubs, answers, strict=True):
            roll = rng.random()
            if roll < 0.1:
                continue  # the stub stays
            if roll < 0.5 and wrong.get(exercise_id):
                stub.source = rng.choice(wrong[exercise_id])
            else:
                stub.source = answer
        nbformat.write(student, out / "submissions" / f"{name}.ipynb")
    (out / "submissions" / "oops.ipynb").write_text("this is not a notebook")
    (out / "roster.csv").write_text("\n".join(roster + ["Absent Example,1999,S1999,absent,A"]) + "\n")
    command = [
        sys.executable, "-m", "chainrule", "grade", *sorted(map(str, (out / "submissions").glob("*.ipynb"))),
        "--out", str(out / "grades.csv"), "--json", str(out / "grades.json"), "--report", str(out / "report.html"),
        "--roster", str(out / "roster.csv"), "--canvas", str(out / "canvas.csv"), "--jobs", "2", "--seed", "0",
    ]
    subprocess.run(command, check=True)
    if args.png:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.goto((out / "report.html").as_uri())
            page.screenshot(path=args.png, full_page=True)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
