"""Command line: ``python -m chainrule release BOOK OUT``, ``python -m chainrule grade ...`` and
``python -m chainrule gradescope CHAPTER.ipynb --out autograder.zip``."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m chainrule", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    rel = commands.add_parser("release", help="write the notebooks without solutions and outputs")
    rel.add_argument("book", help="folder with the chapter notebooks (book/)")
    rel.add_argument("out", help="folder to write the student notebooks to")
    rel.add_argument("--nbgrader", action="store_true",
                     help="write nbgrader source notebooks (solution cells, graded test cells) for source/<assignment>/")
    rel.add_argument("--points", type=float, default=1.0, help="with --nbgrader: points per exercise (default 1)")

    gs = commands.add_parser("gradescope", help="write a Gradescope autograder (zip) for one chapter")
    gs.add_argument("chapter", help="the chapter notebook, e.g. book/02_derivative_rules.ipynb")
    gs.add_argument("--out", default="autograder.zip", help="the zip to write (default autograder.zip)")
    gs.add_argument("--points", type=float, help="points per exercise (default 1)")

    gr = commands.add_parser("grade", help="execute and grade submitted notebooks")
    gr.add_argument("submissions", nargs="+", help="the students' .ipynb files")
    gr.add_argument("--out", required=True, help="CSV file with one row per submission")
    gr.add_argument("--json", dest="json_path", help="also write the grades as JSON (with the class summary)")
    gr.add_argument("--report", dest="report_path", help="also write the class report: a self-contained HTML page")
    gr.add_argument("--roster", help="CSV of students (Canvas's gradebook export works) to match submissions to")
    gr.add_argument("--canvas", help="with --roster: write Canvas's gradebook import CSV here")
    gr.add_argument("--assignment", default="chainrule exercises",
                    help='the gradebook column: "Name (Canvas assignment id)" fills an existing assignment')
    gr.add_argument("--points", type=float, help="points possible in the gradebook (default: the number of exercises)")
    gr.add_argument("--feedback-dir", help="one feedback .txt per submission (default: feedback/ beside --out)")
    gr.add_argument("--cell-timeout", type=float, default=60, help="seconds per notebook cell (default 60)")
    gr.add_argument("--case-timeout", type=float, default=10, help="seconds per call of a learner function (default 10)")
    gr.add_argument("--memory-mb", type=int, default=4096, help="address-space limit of each kernel (default 4096)")
    gr.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    gr.add_argument("--seed", type=int, help="fix the random test inputs (default: fresh ones)")
    gr.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                    help="run kernels as you, outside bubblewrap (files, network, references reachable): a warning each run")
    gr.add_argument("--disk-mb", type=int, default=256,
                    help="sandbox: size of the kernel's working directory and of its /tmp, and the largest file (default 256)")
    gr.add_argument("--processes", type=int, default=1024,
                    help="sandbox: processes and threads the kernels may run at once (default 1024)")
    gr.add_argument("--full", action="store_true",
                    help="run the notebook as a learner does (inline figures, its own check cells); slower, same grades")
    args = parser.parse_args(argv)

    if args.command == "release":
        from .instructor.release import release

        for path in release(args.book, args.out, nbgrader=args.nbgrader, points=args.points):
            print(f"wrote {path}")
        return 0

    if args.command == "gradescope":
        from .instructor.gradescope import build_zip

        ids = build_zip(args.chapter, args.out, points=args.points)
        print(f"wrote {args.out}: a Gradescope autograder for {len(ids)} exercises of {args.chapter}")
        print("Upload it as the assignment's autograder (Configure Autograder → Zip file upload); set the "
              "assignment's points to the sum of the exercises' points.")
        return 0

    if args.canvas and not args.roster:
        parser.error("--canvas needs --roster (the students to match submissions to)")
    from .instructor.grade import grade
    from .instructor.sandbox import Limits, SandboxUnavailable

    limits = Limits(memory_mb=args.memory_mb, disk_mb=args.disk_mb, processes=args.processes)
    try:
        graded = grade(
            args.submissions, args.out, args.json_path, args.feedback_dir, jobs=args.jobs, report_path=args.report_path,
            cell_timeout=args.cell_timeout, case_timeout=args.case_timeout, memory_mb=args.memory_mb, seed=args.seed,
            lean=not args.full, sandbox=args.sandbox, limits=limits,
        )
    except SandboxUnavailable as exc:
        print(f"cannot grade: {exc}", file=sys.stderr)
        return 2
    for g in graded:
        print(f"{g.path.name}: {g.total:g}/{len(g.exercise_ids)}" + (f"  ({g.reason})" if g.reason else ""))
    print(f"grades written to {args.out}")
    if args.report_path:
        print(f"class report written to {args.report_path}")
    if args.roster:
        from .instructor.gradebook import canvas_gradebook

        book = canvas_gradebook(graded, args.roster, args.canvas or "canvas-gradebook.csv", args.assignment, args.points)
        print(f"Canvas gradebook written to {args.canvas or 'canvas-gradebook.csv'}: {len(book.matched)} submissions matched")
        for name, why in book.unmatched_submissions:
            print(f"  unmatched submission {name}: {why}")
        for row in book.students_without_submission:
            print(f"  no submission from {row['Student']} (ID {row['ID']})")
        for student_id, files in book.duplicates:
            print(f"  several submissions for ID {student_id}: {', '.join(files)} (the best total counts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
