"""Grading throughput: submissions per minute, serial and with --jobs, and where the time goes.

    .venv/bin/python bench/grading.py [--n 6] [--chapter 02_derivative_rules.ipynb] [--jobs 2] [--json out.json]

Makes ``n`` submissions of one chapter (the student release with every exercise solved, as a
class would hand in), grades them four ways — serial with everything the notebook does
(``lean=False``: inline figures encoded as PNG, the learner's own check cells run), serial lean
(the default: Agg backend, report-only cells skipped) without the sandbox and with it (``--repeats``
alternated pairs, the best of each shown, and each pair's ratio printed), and lean with ``--jobs``
processes — and
prints submissions per minute and the mean seconds per submission spent starting the kernel,
running the notebook's cells (the three slowest named) and in the grader's checks.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from chainrule.instructor.grade import grade  # noqa: E402
from chainrule.instructor.release import strip_solutions  # noqa: E402


def solved(chapter):
    original = nbformat.read(chapter, as_version=4)
    answers = [c.source for c in original.cells if "solution" in c.metadata.get("tags", [])]
    student = strip_solutions(nbformat.read(chapter, as_version=4))
    for stub, answer in zip([c for c in student.cells if "exercise" in c.metadata.get("tags", [])], answers, strict=True):
        stub.source = answer
    return student


def run(paths, folder, name, jobs, lean, sandbox=True):
    started = time.perf_counter()
    graded = grade(paths, folder / f"{name}.csv", progress=False, jobs=jobs, seed=0, lean=lean, sandbox=sandbox)
    seconds = time.perf_counter() - started
    full = [g.status == "graded" and g.total == len(g.exercise_ids) for g in graded]
    if not all(full):  # the timings of a notebook that fails are not the timings of one that runs
        print(f"warning ({name}): not every submission got full marks:", {g.path.name: g.reason for g in graded}, file=sys.stderr)
    cells = {}
    for g in graded:
        for index, t, first in g.timings.get("cell_times", []):
            cells.setdefault((index, first), []).append(t)
    slowest = sorted(((statistics.mean(ts), i, f) for (i, f), ts in cells.items()), reverse=True)[:3]
    return {
        "mode": name,
        "jobs": jobs,
        "sandbox": sandbox,
        "lean": lean,
        "submissions": len(paths),
        "seconds": round(seconds, 1),
        "full_marks": sum(full),
        "per_minute": round(60 * len(paths) / seconds, 1),
        "kernel_start": round(statistics.mean(g.timings["kernel_start"] for g in graded), 2),
        "cells": round(statistics.mean(g.timings["cells"] for g in graded), 2),
        "checks": round(statistics.mean(g.timings["checks"] for g in graded), 2),
        "total": round(statistics.mean(g.timings["total"] for g in graded), 2),
        "slowest_cells": [{"cell": i, "first_line": f, "seconds": round(t, 2)} for t, i, f in slowest],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=6, help="submissions per mode (default 6)")
    parser.add_argument("--chapter", default="02_derivative_rules.ipynb")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="alternated pairs without and with the sandbox (default 3)")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="grading-bench-"))
    nb = solved(ROOT / "book" / args.chapter)
    paths = []
    for k in range(args.n):
        paths.append(folder / f"student{k:02d}.ipynb")
        nbformat.write(nb, paths[-1])
    # The sandbox's cost: serial lean grading without and with it, alternated (ABAB) in this one
    # run so that the machine's load falls on both alike.
    bare, boxed = [], []
    for _ in range(args.repeats):
        bare.append(run(paths, folder, "serial, lean, --no-sandbox", 1, lean=True, sandbox=False))
        boxed.append(run(paths, folder, "serial, lean (default: sandbox)", 1, lean=True))
    results = [
        run(paths, folder, "serial, full", 1, lean=False),
        min(bare, key=lambda r: r["total"]),
        min(boxed, key=lambda r: r["total"]),
        run(paths, folder, f"--jobs {args.jobs}, lean", args.jobs, lean=True),
    ]
    print(f"{args.n} submissions of {args.chapter} per mode\n")
    print("| mode | wall s | submissions/min | per submission s | kernel start | notebook cells | grader's checks "
          "| slowest cells (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        slow = "; ".join(f"cell {c['cell']} `{c['first_line']}` {c['seconds']}" for c in r["slowest_cells"])
        times = f"{r['total']} | {r['kernel_start']} | {r['cells']} | {r['checks']}"
        print(f"| {r['mode']} | {r['seconds']} | {r['per_minute']} | {times} | {slow} |")
    ratios = [b["total"] / a["total"] for a, b in zip(bare, boxed, strict=True)]
    print(f"\nsandbox / no sandbox, seconds per submission (serial, lean), {args.repeats} alternated pairs: "
          + ", ".join(f"{r:.3f}" for r in ratios) + f"; median {statistics.median(ratios):.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
