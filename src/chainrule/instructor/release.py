"""The student release: every chapter notebook without its solutions and outputs.

In each notebook, a cell tagged ``solution`` is removed together with the check cell that
follows it (that check would only show the solution passing); all outputs are cleared.
"""

from pathlib import Path

import nbformat


def without_solutions(cells):
    """(index, cell) of the cells a release keeps: not a solution, nor the check that follows one
    (it would only show the solution passing)."""
    skip_next_check = False
    for index, cell in enumerate(cells):
        if "solution" in cell.metadata.get("tags", []):
            skip_next_check = True
            continue
        if skip_next_check and cell.cell_type == "code" and cell.source.lstrip().startswith("check("):
            skip_next_check = False
            continue
        skip_next_check = False
        yield index, cell


def strip_solutions(nb, keep_outputs=False):
    """``nb`` without its solution cells and the checks that follow them; with ``keep_outputs``
    the other cells keep their stored outputs (the course edition of the HTML book)."""
    kept = []
    for _, cell in without_solutions(nb.cells):
        if cell.cell_type == "code" and not keep_outputs:
            cell.outputs, cell.execution_count = [], None
        kept.append(cell)
    nb.cells = kept
    return nb


def release(book_dir, out_dir, nbgrader=False, points=1.0):
    """Write the student version of every notebook in ``book_dir`` to ``out_dir``; with
    ``nbgrader``, nbgrader source notebooks instead (instructor/nbgrader.py)."""
    book_dir, out_dir = Path(book_dir), Path(out_dir)
    notebooks = sorted(book_dir.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"release: no notebooks (*.ipynb) in {book_dir}")
    if out_dir.resolve() == book_dir.resolve():
        raise ValueError("release: the output folder must differ from the book folder (it would erase the solutions)")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        if nbgrader:
            from .nbgrader import nbgrader_source

            nb = nbgrader_source(nbformat.read(path, as_version=4), points=points)
        else:
            nb = strip_solutions(nbformat.read(path, as_version=4))
        target = out_dir / path.name
        nbformat.write(nb, target)
        written.append(target)
    return written
