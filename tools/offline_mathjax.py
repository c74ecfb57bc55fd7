"""Sphinx extension: serve MathJax from the built book instead of a CDN.

The book must typeset its math with no network (classrooms, tests). MathJax 3 comes from
the PyPI package django-static-mathjax (the MathJax files only, no Django needed); this
copies the parts the pages use into ``_static/mathjax`` and points ``mathjax_path`` at them.
"""

import importlib.util
import shutil
from pathlib import Path

# tex-chtml.js loads these on demand (TeX extensions, fonts, the context menu).
PARTS = ["tex-chtml.js", "input", "output/chtml", "ui", "a11y"]


def mathjax_source():
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax files not found: install django-static-mathjax (it is in requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    source, target = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    for part in PARTS:
        src, dst = source / part, target / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)


def setup(app):
    mathjax_source()  # fail early, with the reason, if the files are missing
    app.config.mathjax_path = "mathjax/tex-chtml.js"  # relative to _static
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
