"""Re-execute chapter notebooks in place, storing their outputs (what nbval compares).

Like `jupyter nbconvert --execute --inplace`, plus: widget state is not stored. It would
make the HTML book load the widget manager from a CDN, and the live explorers' figures
are shown in the book by their static versions instead.

    python tools/execute_notebooks.py book/*.ipynb
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        start = time.perf_counter()
        execute(Path(name))
        print(f"executed {name} in {time.perf_counter() - start:.1f} s")
