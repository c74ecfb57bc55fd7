"""Grading: execute each submission afresh, then run the checks from outside its kernel.

Nothing stored in a submission is trusted: outputs are discarded and every cell is run
again in a new kernel (with a per-cell time limit and a memory limit). The learner's
functions are then called in that kernel on inputs the grader chooses, and only the
returned numbers come back, as JSON; the grader compares them in its own process. So a
submission that edits its outputs, prints a fake "passed", or redefines or monkeypatches
``check`` gains nothing.

Nothing in the kernel is trusted either. By default each kernel runs in a sandbox
(sandbox.py: bubblewrap, its own file system, no network, its own processes, limits) on a
copy of the notebook, and imports a copy of ``chainrule`` whose reference solutions are
locked (reference_lock.py): a function that is, or calls, a reference earns nothing for that
exercise ("uses the book's reference solution"). The grader only ever reads a submission.
``sandbox=False`` (``--no-sandbox``) runs kernels as the grading user, as before, with a warning.
"""

import base64
import copy
import csv
import json
import os
import pickle
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync

from ..exercises.core import EXERCISES, evaluate
from ..exercises.remote import MARK, decode
from ..language import pick, speaking
from .report import class_summary, write_html
from .sandbox import Limits, Sandbox

NO_SANDBOX_WARNING = (
    "WARNING: grading without a sandbox (--no-sandbox): each submission runs as you, can read and "
    "write your files, reach the network, leave processes behind and import the book's reference "
    "solutions. Grade only work you trust this way."
)

BACKSTOP_S = 10
CHECK_CALL = re.compile(r"""check\(\s*["']([\w.]+)["']""")
EXPLORER_IMPORT = re.compile(r"^from chainrule\.explorers import (\([^)]*\)|.+)$", re.M)
EXPLORER_CALL = re.compile(r"(\w+)\.(?:live|static)\(\)\s*;?")
REPORT_LINE = re.compile(r"""(check|summary)\(\s*["'][\w.]+["'][^()]*(\([^()]*\)[^()]*)*\)\s*;?""")

LIMITS_CELL = """\
import resource as _resource
_resource.setrlimit(_resource.RLIMIT_AS, ({limit}, {limit}))
"""


@dataclass
class GradedSubmission:
    path: Path
    status: str = "graded"  # or "error": nothing could be graded
    reason: str = ""
    exercise_ids: list = field(default_factory=list)  # what the notebook asks to be checked
    results: dict = field(default_factory=dict)  # exercise id -> CheckResult
    notes: list = field(default_factory=list)  # what went wrong while running the notebook
    timings: dict = field(default_factory=dict)  # seconds: kernel_start, cells, checks; cell_times
    language: str = "en"  # the notebook's ("zh": the Chinese edition): its feedback's language

    def points(self, exercise_id):
        result = self.results.get(exercise_id)
        # `is not None`: a CheckResult is falsy unless it passed, and partial credit counts.
        return round(result.score / result.total, 3) if result is not None and result.total else 0.0

    @property
    def total(self):
        """The sum of the exercises' points (each from 0 to 1)."""
        return round(sum(self.points(i) for i in self.exercise_ids), 3)

    def feedback(self):
        lines = [f"Feedback for {self.path.name}", ""]
        if self.reason:
            lines += [f"Could not grade: {self.reason}", ""]
        lines += [f"Note: {n}" for n in self.notes]
        lines += [str(r) for r in self.results.values()]
        return "\n".join(lines) + "\n"


def exercise_ids(nb):
    """The exercises a notebook checks: every known id in a check("...") call."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            found += [i for i in CHECK_CALL.findall(cell.source) if i in EXERCISES and i not in found]
    return found


ZH_NOTEBOOK = re.compile(r"""set_language\(\s*["']zh["']\s*[,)]""")  # also set_language("zh", labels={…})


def notebook_language(nb):
    """The language the notebook's checks speak: "zh" where it runs ``set_language("zh")`` (the
    Chinese edition's setup cell), else "en". The grader's feedback follows it."""
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return "zh" if ZH_NOTEBOOK.search(code) else "en"


def function_name(exercise_id):
    return EXERCISES[exercise_id].signature.split("(")[0]


def uses_reference_message():
    return pick(
        "uses the book's reference solution (imported or called from chainrule, which is locked while "
        "grading): write your own function; this exercise earns no points",
        "使用了本书的参考答案（从chainrule导入或调用，评分时它被锁定）：请自己编写函数；本练习不得分",
    )


def remote_caller(client, name, timeout, flags=None):
    """A ``call(args)`` for ``evaluate`` that runs the learner's function in the kernel. Where the
    kernel reports that the function is or used a locked reference, ``flags["reference"]`` is
    set and no further case is sent."""
    flags = {} if flags is None else flags

    def call(args):
        if flags.get("reference"):
            return None, uses_reference_message(), False
        payload = base64.b64encode(pickle.dumps(args)).decode()
        code = (
            "from chainrule.exercises.remote import run_case as _chainrule_run_case\n"
            f"_chainrule_run_case({name!r}, {payload!r}, seconds={timeout!r})"
        )
        texts = []

        def collect(msg):
            if msg["msg_type"] == "stream":
                texts.append(msg["content"]["text"])

        try:
            # The kernel stops the function itself after `timeout` s; this longer wait is the
            # backstop for code that blocks signals (e.g. inside a long C call).
            run_sync(client.kc.execute_interactive)(
                code, timeout=timeout + BACKSTOP_S, output_hook=collect, store_history=False, allow_stdin=False
            )
        except TimeoutError:
            run_sync(client.km.interrupt_kernel)()
            try:  # wait until the interrupted call has ended before sending the next one
                run_sync(client.kc.execute_interactive)("pass", timeout=BACKSTOP_S, store_history=False)
            except TimeoutError:
                pass
            return None, f"your function ran longer than {timeout:g} s and could not be stopped", False
        for line in "".join(texts).splitlines():
            if line.startswith(MARK):
                report = json.loads(line[len(MARK) :])
                if report.get("reference"):
                    flags["reference"] = True
                    return None, uses_reference_message(), False
                return decode(report["value"]), report["failure"], bool(report["changed"])
        return None, "the grader got no answer from your notebook's kernel (did it crash or redefine print?)", False

    return call


def explorer_names(nb):
    """The names a notebook imports from ``chainrule.explorers`` (``learning_rate``, ``softmax as x``)."""
    names = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            for imported in EXPLORER_IMPORT.findall(cell.source):
                names |= {part.split(" as ")[-1].strip() for part in imported.strip("()").split(",") if part.strip()}
    return names


def only_reports(cell, explorers=()):
    """A cell made only of ``check(...)``/``summary(...)`` calls (they print the learner's own
    check, which the grader redoes from outside) or of an explorer's ``.live()``/``.static()``
    (a widget, or precomputed figures for the HTML book): lean grading skips it."""
    lines = [line.strip() for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#")]

    def display_only(line):
        shown = EXPLORER_CALL.fullmatch(line)
        return REPORT_LINE.fullmatch(line) or (shown and shown.group(1) in explorers)

    return bool(lines) and all(display_only(line) for line in lines)


def run_notebook(client, nb, notes, lean=False, cell_times=None):
    """Execute every cell (with ``lean``, not those that only report); note the cells that
    failed or timed out. False if the kernel died."""
    from nbclient.exceptions import DeadKernelError

    explorers = explorer_names(nb) if lean else set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or (lean and index > 0 and only_reports(cell, explorers)):
            continue
        started = time.perf_counter()
        # The backstop: an interrupt only lands when the kernel gets back to Python, so a cell
        # stuck in compiled code (a C library starting up in an exhausted address space, say)
        # would hold the whole batch. After the timeout and BACKSTOP_S more, the kernel is killed.
        stuck = threading.Event()
        watchdog = threading.Timer(client.timeout + BACKSTOP_S, kill_kernel, args=(client, stuck))
        watchdog.start()
        try:
            client.execute_cell(cell, index)
        except DeadKernelError:
            if stuck.is_set():
                notes.append(
                    f"cell {index} ran longer than {client.timeout:g} s and could not be interrupted "
                    "(stuck in compiled code?): the kernel was stopped"
                )
            else:
                notes.append(f"the kernel died in cell {index} (out of memory, or the process was ended)")
            return False
        finally:
            watchdog.cancel()
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors and index > 0:  # cell 0 is the grader's own limits cell
            err = errors[0]
            if err.ename == "KeyboardInterrupt":
                notes.append(f"cell {index} ran longer than {client.timeout:g} s and was interrupted")
            else:
                first_line = str(err.evalue).splitlines()[0][:120] if err.evalue else ""
                notes.append(f"cell {index} raised {err.ename}: {first_line}")
        if cell_times is not None:
            cell_times.append((index, round(time.perf_counter() - started, 4), cell.source.split("\n", 1)[0][:60]))
    return True


def kill_kernel(client, stuck):
    """Kill the kernel process: nbclient then sees a dead kernel and stops waiting."""
    stuck.set()
    process = getattr(getattr(client.km, "provisioner", None), "process", None)
    if process is not None and process.poll() is None:
        process.kill()


def grade_notebook(path, cell_timeout=60, case_timeout=10, memory_mb=4096, seed=None, lean=True, sandbox=None):
    """Grade one submission. ``lean`` (the default) leaves out what grading does not need: the
    kernel draws figures with matplotlib's Agg backend (no PNG is encoded, none is kept), cells
    made only of ``check(...)``/``summary(...)`` calls or of an explorer's ``.live()``/``.static()``
    are not run (the grader does the checking from outside), and the kernel is killed at the end
    rather than asked to exit. bench/grading.py measures what each part costs. With ``sandbox``
    (a ``Sandbox``), the kernel runs in it; the submission is only ever read."""
    from nbclient import NotebookClient

    path = Path(path)
    graded = GradedSubmission(path)
    try:
        with path.open("rb") as f:  # read once, never opened for writing
            nb = nbformat.reads(f.read().decode("utf-8"), as_version=4)
    except Exception as exc:  # anything that is not a readable notebook
        graded.status, graded.reason = "error", f"not a valid notebook: {type(exc).__name__}: {str(exc)[:120]}"
        return graded
    ids = graded.exercise_ids = exercise_ids(nb)
    language = graded.language = notebook_language(nb)
    if not ids:
        graded.status, graded.reason = "error", "no exercise checks found in the notebook"
        return graded
    fresh = copy.deepcopy(nb)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None  # stored outputs are never trusted
    fresh.cells.insert(0, nbformat.v4.new_code_cell(LIMITS_CELL.format(limit=memory_mb * 2**20)))
    if sandbox is not None:
        # The kernel's working directory is the sandbox's, with its own copy of the notebook.
        where = {"km": sandbox.kernel_manager(path)}
    else:
        where = {"kernel_name": "python3", "resources": {"metadata": {"path": str(path.parent.resolve())}}}
    client = NotebookClient(
        fresh,
        timeout=cell_timeout,
        allow_errors=True,
        interrupt_on_timeout=True,
        # Nothing in the kernel needs saving: kill it rather than wait for a graceful exit.
        shutdown_kernel="immediate" if lean else "graceful",
        **where,
    )
    alive = False
    timings, cell_times = graded.timings, []
    kernel_env = {**os.environ, "MPLBACKEND": "Agg"} if lean and sandbox is None else None
    started = begun = time.perf_counter()
    try:
        with client.setup_kernel(**({"env": kernel_env} if kernel_env else {})):
            timings["kernel_start"] = round(time.perf_counter() - started, 3)
            alive = run_notebook(client, fresh, graded.notes, lean=lean, cell_times=cell_times)
            timings["cells"] = round(sum(t for _, t, _ in cell_times), 3)
            started = time.perf_counter()
            for exercise_id in ids:
                if not (alive and run_sync(client.km.is_alive)()):
                    break
                flags = {}
                caller = remote_caller(client, function_name(exercise_id), case_timeout, flags)
                with speaking(language):
                    result = evaluate(EXERCISES[exercise_id], caller, seed)
                    if flags.get("reference"):
                        result.status, result.score = "uses reference", 0
                        result.messages, result.hints, result.hint_available = [uses_reference_message()], [], False
                graded.results[exercise_id] = result
            timings["checks"] = round(time.perf_counter() - started, 3)
            timings["cell_times"] = cell_times
    except Exception as exc:  # a kernel that will not start, or dies during the grader's calls
        graded.notes.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}")
    timings["total"] = round(time.perf_counter() - begun, 3)  # with the kernel's shutdown
    if len(graded.results) < len(ids):
        graded.status, graded.reason = "error", "; ".join(graded.notes) or "the notebook's kernel stopped answering"
    return graded


def write_reports(graded, out_csv, json_path=None, feedback_dir=None, report_path=None):
    ids = []
    for g in graded:
        ids += [i for i in g.exercise_ids if i not in ids]
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with out_csv.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "status", "reason", *ids, "total", "max"])
        for g in graded:
            reason = g.reason or "; ".join(g.notes)  # what went wrong, even where the rest was graded
            writer.writerow([g.path.name, g.status, reason, *(g.points(i) for i in ids), g.total, len(g.exercise_ids)])
    feedback_dir = Path(feedback_dir) if feedback_dir else out_csv.parent / "feedback"
    feedback_dir.mkdir(parents=True, exist_ok=True)
    for g in graded:
        (feedback_dir / f"{g.path.stem}.txt").write_text(g.feedback())
    summary = class_summary(graded)
    if report_path:
        write_html(summary, report_path)
    if json_path:
        rows = [
            {
                "file": g.path.name,
                "status": g.status,
                "reason": g.reason,
                "notes": g.notes,
                "exercises": {
                    i: {"points": g.points(i), "status": r.status, "messages": r.messages} for i, r in g.results.items()
                },
                "total": g.total,
                "max": len(g.exercise_ids),
            }
            for g in graded
        ]
        data = {"submissions": rows, "class": summary}  # "class": what report.html shows
        Path(json_path).write_text(json.dumps(data, indent=2, ensure_ascii=False))
    return summary


def grade(paths, out_csv, json_path=None, feedback_dir=None, progress=True, jobs=1, report_path=None,
          sandbox=True, limits=None, **options):
    """Grade every submission (``jobs`` at a time, each in its own process and kernel); with
    ``report_path``, also write the class report (HTML). ``sandbox`` (the default) runs every
    kernel in a bubblewrap sandbox (``limits``: a ``sandbox.Limits``); where bubblewrap is missing
    this raises ``SandboxUnavailable`` saying how to install it. ``sandbox=False`` warns."""
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    from tqdm import tqdm

    paths = [Path(p) for p in paths]
    outputs = [Path(p).resolve() for p in (out_csv, json_path, report_path, feedback_dir) if p]
    clash = [p for p in paths if p.resolve() in outputs]
    if clash:  # the grader writes its outputs only where no submission is
        raise ValueError(f"an output path is also a submission: {clash[0]}")
    limits = limits or Limits(memory_mb=options.get("memory_mb", 4096))
    box = None
    if sandbox:
        box = Sandbox(limits, env={"MPLBACKEND": "Agg"} if options.get("lean", True) else {})
    else:
        print(NO_SANDBOX_WARNING, file=sys.stderr)
    bar = partial(tqdm, total=len(paths), desc="grading", unit="notebook", disable=not progress)
    try:
        if jobs <= 1:
            graded = [grade_notebook(path, sandbox=box, **options) for path in bar(paths)]
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                graded = list(bar(pool.map(partial(grade_notebook, sandbox=box, **options), paths)))
    finally:
        if box is not None:
            box.close()
    write_reports(graded, out_csv, json_path, feedback_dir, report_path)
    return graded
