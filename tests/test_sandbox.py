"""The grading sandbox, attacked: submissions that try to escape it, graded in one batch beside
honest ones. Each attack cell ends by raising ``RuntimeError("attack:<what escaped>")``, so the
grader's notes show that it ran and what it managed from inside; the machine is then inspected
from outside (files, processes, the network). The same attacks without the sandbox show that
the checks can see an escape."""

import ast
import hashlib
import inspect
import os
import re
import socket
import textwrap
import threading
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from test_instructor import CHAPTER, N_EXERCISES, solved, unsolved, with_cell

import chainrule
from chainrule.exercises import EXERCISES
from chainrule.instructor.grade import grade
from chainrule.instructor.sandbox import Limits, SandboxUnavailable, check_bwrap

try:
    check_bwrap()
    SKIP = None
except SandboxUnavailable as exc:  # `make test` installs bubblewrap when it is root
    SKIP = str(exc)
pytestmark = pytest.mark.skipif(SKIP is not None, reason=f"no sandbox here: {SKIP}")

PACKAGE = Path(chainrule.__file__).resolve().parent
TOKEN = uuid.uuid4().hex[:12]  # in every marker this run leaves, so nothing is confused with another run
SLEEPER = f"4242.{int(TOKEN[:6], 16)}"  # `sleep SLEEPER`: a process a submission leaves behind

PREAMBLE = """\
import glob, json, os, pathlib, socket, subprocess, sys, time
escaped = []
def attempt(name, action):
    try:
        if action() is not False:
            escaped.append(name)
    except Exception:
        pass
"""
REPORT = '\nraise RuntimeError("attack:" + (",".join(escaped) or "none"))'


def attack_cells(paths):
    """What each attacking submission does, with the absolute paths of the grader's machine
    (a student could guess or learn them). Each entry: name -> the cell's code."""
    p = {k: repr(str(v)) for k, v in paths.items()}
    return {
        "overwrite_others": f"""
for path in glob.glob({p['submissions']} + "/*.ipynb") + [{p['honest']}]:
    attempt("overwrite", lambda: pathlib.Path(path).write_text("{{}}"))
""",
        "delete_others": f"""
for path in glob.glob({p['submissions']} + "/*.ipynb") + [{p['honest']}]:
    attempt("delete", lambda: os.remove(path))
attempt("rmtree", lambda: __import__("shutil").rmtree({p['submissions']}))
""",
        "write_outside": f"""
attempt("home", lambda: pathlib.Path({p['home']}, "pwned-{TOKEN}").write_text("x"))
attempt("outputs", lambda: pathlib.Path({p['outputs']}, "pwned-{TOKEN}").write_text("x"))
attempt("submissions", lambda: pathlib.Path({p['submissions']}, "pwned-{TOKEN}.ipynb").write_text("x"))
attempt("root", lambda: pathlib.Path("/pwned-{TOKEN}").write_text("x"))
attempt("usr", lambda: pathlib.Path("/usr/pwned-{TOKEN}").write_text("x"))
pathlib.Path("/tmp/pwned-{TOKEN}").write_text("x")  # its own /tmp: allowed, and must stay its own
""",
        "read_secrets": f"""
attempt("secret", lambda: "{TOKEN}" in pathlib.Path({p['secret']}).read_text() or False)
attempt("homesecret", lambda: "{TOKEN}" in pathlib.Path({p['home_secret']}).read_text() or False)
attempt("listhome", lambda: any("{TOKEN}" in n for n in os.listdir({p['home']})) or False)
attempt("book", lambda: bool(glob.glob({p['book']} + "/*.ipynb")) or False)
""",
        "network": f"""
attempt("tcp", lambda: socket.create_connection(("127.0.0.1", {paths['port']}), timeout=3).close())
attempt("tcp6", lambda: socket.create_connection(("::1", {paths['port']}), timeout=3).close())
""",
        "fork_bomb": """
children = 0
for _ in range(600):
    try:
        if os.fork() == 0:
            time.sleep(8)  # long enough to hold the quota while the bomb goes on
            os._exit(0)
        children += 1
    except OSError:
        break
if children >= 600:
    escaped.append("fork600")
""",
        "leave_child": f"""
subprocess.Popen(["sleep", "{SLEEPER}"], start_new_session=True)
subprocess.Popen([sys.executable, "-c", "import time, pathlib; time.sleep(3); "
                  "pathlib.Path({p['outputs']}, 'late-{TOKEN}').write_text('x')"], start_new_session=True)
""",
        "fill_disk": """
written = 0
for where in (".", "/tmp"):
    try:
        with open(os.path.join(where, "fill"), "wb") as f:
            for _ in range(64):
                f.write(b"x" * 2**20 * 4)
                written += 4
    except OSError:
        pass
if written > 100:
    escaped.append(f"wrote{written}MB")
""",
        "patch_chainrule": f"""
import chainrule.exercises.core as core
attempt("package", lambda: open(core.__file__, "a").write("# patched"))
attempt("real", lambda: open({p['package_core']}, "a").write("# patched"))
""",
        "kill": f"""
import signal
attempt("grader", lambda: os.kill({os.getpid()}, signal.SIGKILL))
try:  # the sandbox's own init: at worst this ends this submission's kernel, no one else's
    os.kill(1, signal.SIGKILL)
except OSError:
    pass
""",
    }


def make_attack(code, solve=True):
    nb = solved(CHAPTER) if solve else unsolved(CHAPTER)
    return with_cell(nb, PREAMBLE + code + REPORT, 1)


def attack_report(graded):
    """What escaped, as the attack cell itself reported (None if it did not run)."""
    for note in graded.notes:
        found = re.search(r"RuntimeError: attack:(\S+)", note)
        if found:
            return found.group(1)
    return None


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).iterdir()) if p.is_file()}


def processes_with(text):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if text in Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry))
            except OSError:
                continue
    return found


class Listener:
    """A TCP server on the grader's loopback that counts who reached it (nothing should)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.reached, self.stop = 0, threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            self.reached += 1
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join(2)
        self.server.close()


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """One batch, two at a time: two honest submissions and every attack, in the sandbox."""
    root = tmp_path_factory.mktemp("course")
    submissions, outputs, instructor = root / "submissions", root / "outputs", root / "instructor"
    for folder in (submissions, outputs, instructor):
        folder.mkdir()
    secret = instructor / "answers.txt"
    secret.write_text(f"the exam's answers {TOKEN}")
    home_secret = Path.home() / f".chainrule-secret-{TOKEN}"
    home_secret.write_text(TOKEN)
    listener = Listener()
    paths = {
        "submissions": submissions, "outputs": outputs, "home": Path.home(), "secret": secret,
        "home_secret": home_secret, "book": PACKAGE.parent.parent / "book", "port": listener.port,
        "honest": submissions / "honest_a.ipynb", "package_core": PACKAGE / "exercises" / "core.py",
    }
    attacks = attack_cells(paths)
    nbformat.write(solved(CHAPTER), submissions / "honest_a.ipynb")
    for name, code in attacks.items():
        nbformat.write(make_attack(code), submissions / f"{name}.ipynb")
    nbformat.write(solved(CHAPTER), submissions / "honest_z.ipynb")
    order = ["honest_a", *attacks, "honest_z"]
    files = [submissions / f"{name}.ipynb" for name in order]
    before = digest(submissions)
    try:
        graded = grade(files, outputs / "grades.csv", json_path=outputs / "grades.json", progress=False, jobs=2,
                       cell_timeout=30, case_timeout=5, seed=0, limits=Limits(processes=96, disk_mb=32))
        returned = time.monotonic()
        time.sleep(max(0.0, 5 - (time.monotonic() - returned)))  # the late writer would have written by now
        yield {
            "graded": {g.path.stem: g for g in graded}, "before": before, "after": digest(submissions),
            "outputs": outputs,
            "reached": listener.reached, "attacks": attacks, "submissions": submissions,
        }
    finally:
        listener.close()
        home_secret.unlink(missing_ok=True)
        for leftover in (Path.home() / f"pwned-{TOKEN}", Path(f"/tmp/pwned-{TOKEN}"), Path(f"/pwned-{TOKEN}")):
            leftover.unlink(missing_ok=True)


def test_every_attack_ran_and_nothing_escaped_from_inside(attacked):
    for name in attacked["attacks"]:
        report = attack_report(attacked["graded"][name])
        assert report is not None, f"{name}: the attack cell did not run: {attacked['graded'][name].notes}"
        assert report == "none", f"{name} escaped: {report}"


def test_every_submission_is_byte_identical_after_grading(attacked):
    assert attacked["after"] == attacked["before"]


def test_honest_grades_are_unaffected_by_the_attacks_beside_them(attacked):
    for name in ("honest_a", "honest_z"):
        g = attacked["graded"][name]
        assert g.status == "graded" and not g.notes, (name, g.notes)
        assert g.total == N_EXERCISES, (name, {i: r.messages for i, r in g.results.items() if not r.passed})


def test_the_batch_completes_and_each_attack_is_still_graded(attacked):
    graded = attacked["graded"]
    for name in attacked["attacks"]:
        assert graded[name].exercise_ids, name
        if name in ("kill", "fork_bomb"):
            continue  # they spend their own kernel's processes: their own grade may suffer, no one else's
        assert graded[name].total == N_EXERCISES, (name, graded[name].reason, graded[name].notes)


def test_nothing_was_written_outside(attacked):
    assert not (Path.home() / f"pwned-{TOKEN}").exists()
    assert not Path(f"/tmp/pwned-{TOKEN}").exists(), "the submission's /tmp was the machine's"
    assert not Path(f"/pwned-{TOKEN}").exists()
    written = sorted(p.name for p in attacked["outputs"].iterdir())
    assert not [n for n in written if TOKEN in n], written
    assert not [n for n in os.listdir(attacked["submissions"]) if TOKEN in n]


def test_no_process_outlives_grading(attacked):
    assert processes_with(SLEEPER) == []
    assert not (attacked["outputs"] / f"late-{TOKEN}").exists()


def test_the_network_was_not_reached(attacked):
    assert attacked["reached"] == 0


def test_the_installed_package_is_unchanged(attacked):
    patched = [p for p in PACKAGE.rglob("*.py") if p.read_text(errors="replace").rstrip().endswith("# patched")]
    assert not patched


# --- the reference solutions are locked ------------------------------------------------------

ROUTES = {
    # exercise 1 by name, 2 through EXERCISES, 3 through the module, 4 from the package's source
    "product_rule": "from chainrule.exercises.derivative_rules import mul_backward",
    "chain_rule": (
        "def linear_square_grads(w, x, b, y):\n"
        "    from chainrule.exercises import EXERCISES\n"
        "    return EXERCISES['derivative_rules.chain_rule'].reference(w, x, b, y)"
    ),
    "sum_over_paths": (
        "import chainrule.exercises.derivative_rules as rules\n"
        "def diamond_grad(x):\n"
        "    try:\n"
        "        return rules.diamond_grad(x)\n"
        "    except Exception:\n"
        "        return 0.0  # hide that it failed"
    ),
    "central_difference": (  # its source, read from the installed package and run
        "import ast, numpy\n"
        "import chainrule.exercises.derivative_rules as rules\n"
        "_tree = ast.parse(open(rules.__file__).read())\n"
        "_fn = next(n for n in _tree.body if isinstance(n, ast.FunctionDef) and n.name == 'central_difference')\n"
        "_fn.decorator_list = []\n"
        "_ns = {'np': numpy}\n"
        "exec(compile(ast.Module([_fn], []), 'copy', 'exec'), _ns)\n"
        "central_difference = _ns['central_difference']"
    ),
}


def body_lines(fn):
    """The lines of a function's body (not its decorators, def line or docstring)."""
    source = textwrap.dedent(inspect.getsource(fn))
    body = ast.parse(source).body[0].body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    lines = [line.strip() for node in body for line in ast.get_source_segment(source, node).splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


PRODUCT_RULE_LINE = body_lines(EXERCISES["derivative_rules.product_rule"].reference)[-1]
REPO = PACKAGE.parent.parent
SOURCE_HUNT = f"""
import glob, sys
places = [{str(REPO / "src")!r} + "/**/derivative_rules.py", {str(REPO / "book")!r} + "/*.ipynb",
          sys.prefix + "/lib/**/derivative_rules.py", "/tmp/**/derivative_rules.py"]
found = [p for place in places for p in glob.glob(place, recursive=True)
         if {PRODUCT_RULE_LINE!r} in open(p, errors="replace").read()]
raise RuntimeError("attack:" + ("source" if found else "none"))
"""


def reference_thief():
    """Every exercise solved, except four that lean on the reference, one route each, and a
    cell that searches the file system for the reference's source."""
    nb = solved(CHAPTER)
    for cell_source in ROUTES.values():
        nb.cells.append(nbformat.v4.new_code_cell(cell_source))
    return with_cell(nb, SOURCE_HUNT, 1)


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandbox", "no-sandbox"])
def test_reference_solutions_earn_nothing_in_the_sandbox(tmp_path, sandbox):
    path = tmp_path / "thief.ipynb"
    nbformat.write(reference_thief(), path)
    [g] = grade([path], tmp_path / "grades.csv", progress=False, seed=0, sandbox=sandbox, cell_timeout=60)
    stolen = {f"derivative_rules.{name}" for name in ROUTES}
    if not sandbox:  # the check can fail: outside the sandbox every route works
        assert g.total == N_EXERCISES and attack_report(g) == "source"
        return
    assert attack_report(g) == "none", "the reference's source is readable in the sandbox"
    for exercise_id, result in g.results.items():
        if exercise_id in stolen:
            assert result.status == "uses reference" and result.score == 0, (exercise_id, result.status)
            assert "uses the book's reference solution" in result.messages[0]
        else:
            assert result.passed, (exercise_id, result.messages)
    assert g.total == N_EXERCISES - len(stolen)
    assert "uses the book's reference solution" in g.feedback()


def test_what_the_no_sandbox_run_lets_through(tmp_path):
    """Without the sandbox the same attack reads the instructor's file and reaches the network:
    the attack reports are able to show an escape."""
    secret = tmp_path / "answers.txt"
    secret.write_text(TOKEN)
    listener = Listener()
    try:
        paths = {"secret": secret, "home_secret": secret, "home": tmp_path, "book": tmp_path, "port": listener.port,
                 "submissions": tmp_path, "outputs": tmp_path, "honest": tmp_path / "x", "package_core": tmp_path / "x"}
        cells = attack_cells(paths)
        for name in ("read_secrets", "network"):
            nbformat.write(make_attack(cells[name]), tmp_path / f"{name}.ipynb")
        graded = grade([tmp_path / "read_secrets.ipynb", tmp_path / "network.ipynb"], tmp_path / "out" / "g.csv",
                       progress=False, seed=0, sandbox=False)
    finally:
        listener.close()
    reports = {g.path.stem: attack_report(g) for g in graded}
    assert "secret" in reports["read_secrets"].split(",")
    assert "tcp" in reports["network"].split(",") and listener.reached >= 1


def test_grading_refuses_to_write_over_a_submission(tmp_path):
    path = tmp_path / "a.ipynb"
    nbformat.write(solved(CHAPTER), path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="also a submission"):
        grade([path], path, progress=False)
    assert path.read_bytes() == before


def test_without_bubblewrap_grading_says_how_to_install_it(tmp_path, monkeypatch):
    from chainrule.instructor import sandbox

    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox.check_bwrap.cache_clear()
    try:
        with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
            grade([tmp_path / "a.ipynb"], tmp_path / "g.csv", progress=False)
    finally:
        sandbox.check_bwrap.cache_clear()


def test_command_line_without_bubblewrap_stops_with_the_message_and_no_sandbox_warns(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "a.ipynb"
    nbformat.write(unsolved(CHAPTER), path)
    env = {**os.environ, "PATH": "/nonexistent"}  # no bwrap on this PATH
    done = subprocess.run([sys.executable, "-m", "chainrule", "grade", str(path), "--out", str(tmp_path / "g.csv")],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 2 and "apt-get install bubblewrap" in done.stderr, done.stderr
    done = subprocess.run([sys.executable, "-m", "chainrule", "grade", str(path), "--out", str(tmp_path / "g.csv"),
                           "--no-sandbox"], capture_output=True, text=True)
    assert done.returncode == 0 and "without a sandbox" in done.stderr, done.stderr


def test_the_locked_package_keeps_no_reference_body(tmp_path):
    from chainrule.instructor.reference_lock import build_locked_package

    report = build_locked_package(PACKAGE, tmp_path / "chainrule")
    sources = {p.stem: p.read_text() for p in (tmp_path / "chainrule" / "exercises").glob("*.py")}
    for ex in EXERCISES.values():
        module = ex.reference.__module__.rsplit(".", 1)[1]
        assert ex.reference.__name__ in report[module], ex.id
        locked_body = f".locked_call('chainrule.exercises.{module}.{ex.reference.__name__}')"
        assert locked_body in sources[module], ex.id
        leaked = [line for line in body_lines(ex.reference) if line in sources[module] and len(line) > 12]
        assert not leaked, (ex.id, leaked)
    compiled = b"".join(p.read_bytes() for p in (tmp_path / "chainrule" / "exercises").rglob("*.pyc"))
    assert compiled and PRODUCT_RULE_LINE.encode() not in compiled


def test_honest_chapters_get_the_same_grades_with_and_without_the_sandbox(tmp_path):
    """Three more chapters solved (chapter 5 imports TensorFlow in the sandbox): full marks both ways."""
    paths = []
    for name in ("01_neurons", "03_gradient_descent", "05_activations"):
        paths.append(tmp_path / f"{name}.ipynb")
        nbformat.write(solved(CHAPTER.with_name(f"{name}.ipynb")), paths[-1])
    boxed = grade(paths, tmp_path / "boxed.csv", progress=False, jobs=2, seed=0)
    bare = grade(paths, tmp_path / "bare.csv", progress=False, jobs=2, seed=0, sandbox=False)
    for b, n in zip(boxed, bare, strict=True):
        assert b.status == n.status == "graded", (b.path.name, b.reason, n.reason)
        assert b.total == n.total == len(b.exercise_ids) > 0, (b.path.name, b.total, n.total)
        assert {i: r.score for i, r in b.results.items()} == {i: r.score for i, r in n.results.items()}
