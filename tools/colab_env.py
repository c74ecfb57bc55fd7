"""Colab's runtime, rebuilt locally: the tests' stand-in for "the book as a learner runs it on Colab".

Colab publishes its package list in the public repository googlecolab/backend-info
(``pip-freeze.txt`` and ``os-info.txt`` for the default CPU runtime). The copy the tests use
lives in ``tools/colab/`` (or ``COLAB_DIR``).

    python tools/colab_env.py build      # .venv-colab/: Python 3.13 + Colab's exact versions (uses the registry)
    python tools/colab_env.py execute --kernel-python .venv-colab/bin/python book/02_*.ipynb   # a chapter there
    python tools/colab_env.py refresh    # fetch the current pip-freeze.txt/os-info.txt from backend-info

``build`` installs only the packages the chapters need (``PACKAGES``, plus whatever they pull
in), every one pinned by the freeze used as a pip constraints file (its comment lines and
``name @ URL`` lines dropped). It writes ``.venv-colab/colab-constraints.txt`` and a stamp
with the freeze's hash, and rebuilds when the freeze changes. The tests
(tests/test_colab.py) then work offline: pip's resolver runs with ``--no-index`` against
this environment, and the chapters are executed in it.

``refresh`` is the one step to take when Colab changes its image: it downloads the two files
from backend-info's main branch into ``COLAB_DIR``; then run ``make colab-env`` and ``make test``.
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-colab"
PACKAGES = [
    "numpy", "matplotlib", "scikit-learn", "ipywidgets", "ipykernel", "tensorflow",
    # what runs a notebook (Colab has them; the test drives them from inside this environment)
    "nbclient", "nbformat", "jupyter_client",
    # what `pip install --no-build-isolation <checkout>` needs to build chainrule
    "setuptools", "wheel",
]
BACKEND_INFO = "https://raw.githubusercontent.com/googlecolab/backend-info/main/"
FILES = ["pip-freeze.txt", "os-info.txt"]


def colab_dir():
    if os.environ.get("COLAB_DIR"):
        return Path(os.environ["COLAB_DIR"])
    return ROOT / "tools" / "colab"


def freeze_path():
    return colab_dir() / "pip-freeze.txt"


def colab_python_version():
    """'3.13' from os-info.txt's "Python 3.13.15" line."""
    for line in (colab_dir() / "os-info.txt").read_text().splitlines():
        if line.startswith("Python "):
            return ".".join(line.split()[1].split(".")[:2])
    raise ValueError("os-info.txt names no Python version")


def pins(freeze_text):
    """name (lower case, - for _) -> version, for every `name==version` line of a pip freeze."""
    found = {}
    for line in freeze_text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "==" in line and " @ " not in line:
            name, version = line.split("==", 1)
            found[name.strip().lower().replace("_", "-")] = version.strip()
    return found


def constraints(freeze_text):
    """The freeze as a pip constraints file: no comments, no `name @ URL` lines (pip rejects them)."""
    return "".join(f"{name}=={version}\n" for name, version in pins(freeze_text).items())


def find_python(version):
    """A python<version> executable: pyenv's, or one on PATH."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for folder in sorted(pyenv.glob(f"{version}.*"), reverse=True):
        if (folder / "bin" / "python3").exists():
            return str(folder / "bin" / "python3")
    found = shutil.which(f"python{version}")
    if found:
        return found
    return None


def stamp_text():
    return hashlib.sha256(freeze_path().read_bytes()).hexdigest() + " " + " ".join(PACKAGES) + "\n"


def is_built():
    stamp = VENV / ".colab-stamp"
    return stamp.exists() and stamp.read_text() == stamp_text()


def build(force=False):
    if is_built() and not force:
        print(f"{VENV.name} is up to date with {freeze_path()}")
        return
    version = colab_python_version()
    python = find_python(version)
    if python is None:  # the Colab tests then skip, saying why
        print(f"Python {version} (Colab's) is missing (e.g. `pyenv install {version}`): not building {VENV.name}")
        return
    if VENV.exists():
        shutil.rmtree(VENV)
    subprocess.run([python, "-m", "venv", str(VENV)], check=True)
    freeze = freeze_path().read_text()
    (VENV / "colab-constraints.txt").write_text(constraints(freeze))
    python = str(VENV / "bin" / "python")
    wanted = pins(freeze)
    # pip itself at Colab's version first, so the resolver in the tests is Colab's resolver.
    subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", f"pip=={wanted['pip']}"], check=True)
    subprocess.run(
        [python, "-m", "pip", "install", "--disable-pip-version-check", "-c", str(VENV / "colab-constraints.txt"), *PACKAGES],
        check=True,
    )
    (VENV / ".colab-stamp").write_text(stamp_text())
    print(f"built {VENV} (Python {version}, Colab's versions of {', '.join(PACKAGES)})")


def refresh():
    target = colab_dir()
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        with urllib.request.urlopen(BACKEND_INFO + name, timeout=60) as response:
            (target / name).write_bytes(response.read())
        print(f"wrote {target / name}")
    print("now: make colab-env && make test")


EXECUTE_PROBE = """\
import sys as _s, json as _j, importlib.util as _u, ipywidgets as _w
_c = _u.find_spec("chainrule")
print(_j.dumps({"python": _s.version.split()[0], "ipywidgets": _w.__version__, "executable": _s.executable,
                "chainrule": _c.origin if _c else ""}))
"""


def execute(path, timeout=None, kernel_python=None, kernel_pythonpath=None):
    """Run every cell of a notebook in a fresh kernel; print one JSON line: the kernel's Python,
    ipywidgets and chainrule, the errors (cell index, name, first line), seconds.

    The kernel is ``kernel_python`` (default: this Python), with ``kernel_pythonpath`` on its
    path. The driving side (nbclient, jupyter_client) is this Python's: run it from the book's
    environment with ``--kernel-python .venv-colab/bin/python``. (Colab's own jupyter_client
    7.4.9 on Python 3.13 as the *client* now and then leaves a reply unread until the cell
    timeout, 10 min, with no error; on Colab the client is Colab's front end, not that one.)"""
    import json
    import tempfile
    import time

    import nbformat
    from nbclient import NotebookClient

    # Seconds per cell. With Python 3.13.0 and Colab's ipykernel 6.17.1 a cell now and then
    # stalls, kernel and client both idle, until the client's timeout ends the wait (then the
    # cell's reply arrives and the run goes on, with no error). A short timeout bounds that cost;
    # such cells are reported as "stalled". No chapter cell needs more than ~35 s here.
    timeout = timeout or int(os.environ.get("COLAB_CELL_TIMEOUT", "120"))
    kernel_name = "python3"
    if kernel_python:
        spec_dir = Path(tempfile.mkdtemp(prefix="colab-kernel-"))
        (spec_dir / "kernels" / "colab-env").mkdir(parents=True)
        spec = {
            # abspath, not resolve(): the venv's python is a symlink, and the venv is in its path
            "argv": [os.path.abspath(kernel_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Colab's environment", "language": "python",
            "env": {"PYTHONPATH": os.path.abspath(kernel_pythonpath) if kernel_pythonpath else ""},
        }
        (spec_dir / "kernels" / "colab-env" / "kernel.json").write_text(json.dumps(spec))
        os.environ["JUPYTER_PATH"] = str(spec_dir)
        kernel_name = "colab-env"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(EXECUTE_PROBE))
    started = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=True,
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    seconds = time.perf_counter() - started
    stalled = []
    for index, cell in enumerate(nb.cells):
        timing = cell.metadata.get("execution", {}) if cell.cell_type == "code" else {}
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            from datetime import datetime

            took = (datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
                    - datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))).total_seconds()
            if took > 0.9 * timeout:
                stalled.append([index - 1, round(took, 1), cell.source.split("\n", 1)[0][:60]])
    probe = json.loads("".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream") or "{}")
    errors = [  # a cell tagged raises-exception is meant to raise (Jupyter Book, nbconvert and nbval agree)
        [index - 1, o.ename, (str(o.evalue).splitlines() or [""])[0][:200]]
        for index, cell in enumerate(nb.cells) if cell.cell_type == "code"
        and "raises-exception" not in cell.metadata.get("tags", [])
        for o in cell.outputs if o.output_type == "error"
    ]
    print(json.dumps({**probe, "errors": errors, "stalled": stalled, "seconds": round(seconds, 1)}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build", "refresh", "constraints", "execute"])
    parser.add_argument("notebooks", nargs="*", help="execute: the notebooks to run (with this Python)")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    parser.add_argument("--kernel-python", help="execute: the kernel's Python (default: this one)")
    parser.add_argument("--kernel-pythonpath", help="execute: PYTHONPATH of the kernel")
    args = parser.parse_intermixed_args(argv)
    if args.command == "build":
        build(args.force)
    elif args.command == "refresh":
        refresh()
    elif args.command == "execute":
        for path in args.notebooks:
            execute(path, kernel_python=args.kernel_python, kernel_pythonpath=args.kernel_pythonpath)
    else:
        sys.stdout.write(constraints(freeze_path().read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
