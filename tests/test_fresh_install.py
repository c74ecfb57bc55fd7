"""The Colab path, rehearsed: a fresh virtual environment gets only what a notebook's setup
cell installs (the package, from this checkout, with its declared dependencies) plus a
Jupyter kernel, and a chapter runs there. A dependency the package imports but does not
declare fails here, not on a reader's Colab (d2l's and fastbook's classic failure)."""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

RUN_CHAPTER = textwrap.dedent(
    """
    import sys
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(sys.argv[1], as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    for e in errors:
        print("ERROR", e.ename, e.evalue)
    print("cells", sum(c.cell_type == "code" for c in nb.cells), "errors", len(errors))
    """
)


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fresh")
    # Install from a copy, so the build leaves no build/ or *.egg-info in the checkout.
    source = folder / "chainrule"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", "_build", ".git", "build", "*.egg-info", "book"))
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # What the setup cell does on Colab (`pip install "chainrule @ git+<repo>"`), from this
    # checkout; plus the kernel machinery Colab already has.
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(source), "ipykernel", "nbclient"],
        check=True, env=env, capture_output=True, text=True,
    )
    return python, env


def test_package_installs_with_only_its_declared_dependencies(fresh_python):
    python, env = fresh_python
    out = subprocess.run(
        [str(python), "-c", "import chainrule, chainrule.exercises, chainrule.explorers.softmax; print(chainrule.__file__)"],
        check=True, env=env, capture_output=True, text=True, cwd="/",
    )
    assert "site-packages" in out.stdout, "imported from the installed package, not the checkout"
    missing = subprocess.run([str(python), "-c", "import tensorflow"], env=env, capture_output=True)
    assert missing.returncode != 0, "TensorFlow is the book's requirement, not the package's"


@pytest.mark.parametrize("chapter", ["01_neurons.ipynb", "03_gradient_descent.ipynb"])
def test_a_chapter_runs_in_the_fresh_environment(fresh_python, chapter, tmp_path):
    python, env = fresh_python
    script = tmp_path / "run_chapter.py"
    script.write_text(RUN_CHAPTER)
    out = subprocess.run(
        [str(python), str(script), str(ROOT / "book" / chapter)],
        env={**env, "MPLBACKEND": "Agg"}, capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("errors 0"), out.stdout[-2000:]
