"""Colab as it is: the package installs there without changing any Colab package, and every
chapter runs there.

The environment is `.venv-colab/`, built once by `make colab-env` (tools/colab_env.py): Python
3.13 with Colab's exact versions (from Colab's published pip freeze, googlecolab/backend-info)
of what the chapters need. These tests then run offline: pip's resolver runs with
``--no-index`` (so anything it wanted to add or upgrade would fail or show up in its report),
and the chapters execute in fresh kernels of that environment. Skipped, with the reason,
where the environment has not been built.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import colab_env  # noqa: E402

PYTHON = colab_env.VENV / "bin" / "python"
CHAPTERS = sorted(p.name for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
TIMES = ROOT / ".venv-colab" / "chapter-times.json"

pytestmark = pytest.mark.skipif(
    not colab_env.is_built(), reason="Colab's environment is not built (or is stale): run `make colab-env`"
)


def clean_env(**extra):
    """No pip configuration (this machine's or the user's): only what Colab itself would see."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))}
    return {**env, "PIP_CONFIG_FILE": os.devnull, **extra}


@pytest.fixture(scope="module")
def checkout_copy(tmp_path_factory):
    # Install from a copy, so the metadata build leaves no *.egg-info in the checkout.
    source = tmp_path_factory.mktemp("colab") / "chainrule"
    shutil.copytree(
        ROOT, source,
        ignore=shutil.ignore_patterns(".venv*", "_build", ".git", "build", "*.egg-info", "book", "__pycache__", ".gl"),
    )
    return source


def test_the_environment_is_colabs():
    """The versions installed are the freeze's (so what follows is about Colab, not about pip's choice)."""
    wanted = colab_env.pins(colab_env.freeze_path().read_text())
    out = subprocess.run(
        [str(PYTHON), "-m", "pip", "list", "--format", "json"], env=clean_env(), capture_output=True, text=True, check=True
    )
    installed = {p["name"].lower().replace("_", "-"): p["version"] for p in json.loads(out.stdout)}
    assert installed["ipywidgets"] == wanted["ipywidgets"]
    different = {n: (v, wanted[n]) for n, v in installed.items() if n in wanted and v != wanted[n]}
    assert not different, f"installed versions differ from Colab's freeze: {different}"
    # jedi: IPython 7.34 requires it, yet Colab's freeze does not list it (an unlisted install there).
    unpinned = sorted(set(installed) - set(wanted) - {"chainrule", "jedi"})
    assert not unpinned, f"packages Colab does not have: {unpinned}"


def test_setup_cell_installs_chainrule_and_nothing_else(checkout_copy):
    """pip's resolver, offline, in Colab's environment: the plan is to install chainrule alone."""
    out = subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--dry-run", "--report", "-", "--quiet", "--no-index", "--no-build-isolation",
         str(checkout_copy)],
        env=clean_env(), capture_output=True, text=True, cwd=checkout_copy.parent,
    )
    assert out.returncode == 0, f"pip cannot install chainrule into Colab's environment offline:\n{out.stderr[-3000:]}"
    report = json.loads(out.stdout)
    planned = [(i["metadata"]["name"], i["metadata"]["version"]) for i in report["install"]]
    assert [name for name, _ in planned] == ["chainrule"], f"pip would also install or upgrade: {planned}"


def test_a_requirement_colab_lacks_would_be_caught(checkout_copy, tmp_path):
    """The check has teeth: the old `ipywidgets>=8` makes the same dry run fail."""
    strict = tmp_path / "strict"
    shutil.copytree(checkout_copy, strict)
    pyproject = strict / "pyproject.toml"
    text = pyproject.read_text()
    assert '"ipywidgets>=7.6,<9"' in text
    pyproject.write_text(text.replace('"ipywidgets>=7.6,<9"', '"ipywidgets>=8,<9"'))
    out = subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--dry-run", "--report", "-", "--quiet", "--no-index", "--no-build-isolation",
         str(strict)],
        env=clean_env(), capture_output=True, text=True, cwd=tmp_path,
    )
    assert out.returncode != 0 and "ipywidgets" in out.stderr


def run_chapter(chapter, folder, site):
    started = time.perf_counter()
    # The kernel is Colab's Python and packages; the driver is this (the book's) environment's
    # nbclient: Colab's old jupyter_client as a driver sometimes stalls a cell for its full timeout.
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "colab_env.py"), "execute", "--kernel-python", str(PYTHON),
         "--kernel-pythonpath", str(site), str(ROOT / "book" / chapter)],
        env=clean_env(TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0"),
        capture_output=True, text=True, cwd=folder, timeout=900,
    )
    return out, round(time.perf_counter() - started, 1)


@pytest.fixture(scope="module")
def chapter_runs(tmp_path_factory, checkout_copy):
    """Every chapter, COLAB_JOBS at a time (default 2: the chapters are mostly single-threaded,
    so two at once roughly halve the wall time on a 2-core machine). The package is the one pip
    builds from the checkout (what the setup cell installs, package data included), put on the
    path beside Colab's packages rather than into the shared environment."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = int(os.environ.get("COLAB_JOBS", "2"))
    folder = tmp_path_factory.mktemp("colab-run")
    site = folder / "site-packages"
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--no-build-isolation",
         "--target", str(site), str(checkout_copy)],
        env=clean_env(), capture_output=True, text=True, check=True, cwd=folder,
    )
    # The longest first, so the slow TensorFlow chapter does not start last.
    previous = json.loads(TIMES.read_text()) if TIMES.exists() else {}
    order = sorted(CHAPTERS, key=lambda c: -previous.get(c, 0))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = dict(zip(order, pool.map(lambda c: run_chapter(c, folder, site), order), strict=True))
    TIMES.write_text(json.dumps({c: runs[c][1] for c in CHAPTERS}, indent=1) + "\n")
    return runs


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_in_colabs_environment(chapter, chapter_runs):
    """Every cell, top to bottom, in a fresh kernel of Colab's Python and packages: no error
    (cells tagged raises-exception excepted).

    Outputs are not compared (versions differ from the book's environment on purpose). The
    setup cell's `find_spec("chainrule")` finds the package pip built, so it installs nothing;
    each chapter's wall time (with its kernel start) is written to .venv-colab/chapter-times.json.
    """
    out, _ = chapter_runs[chapter]
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["python"].startswith(colab_env.colab_python_version()), result
    assert result["executable"].startswith(str(colab_env.VENV)), result
    assert result["ipywidgets"] == colab_env.pins(colab_env.freeze_path().read_text())["ipywidgets"], result
    assert not result["errors"], f"{chapter} fails in Colab's environment: {result['errors']}"
    assert "site-packages/chainrule" in result["chainrule"], result  # the built package, not src/
    if result["stalled"]:  # see tools/colab_env.py execute: the kernel stack's, not the chapter's
        warnings.warn(f"{chapter}: cells stalled until the cell timeout in Colab's kernel: {result['stalled']}", stacklevel=1)
