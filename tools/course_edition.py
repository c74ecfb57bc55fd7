"""The course edition of the HTML book: both languages without solutions (``make book-course``).

For an instructor whose exercises count: the published book folds every solution under a
toggle, which a class that is graded should not have. This writes a copy of the book's sources
to ``_build/course-src/`` in which every notebook (English and Chinese) has lost its solution
cells and the checks that showed them passing (``chainrule.instructor.release.strip_solutions``,
the same rule as the student release, but keeping the other cells' stored outputs, so figures
and printed results stay), and the chapter summaries their stored output (it listed the
solutions as passed); then builds it like ``make book`` into ``_build/course/html/`` (Chinese:
``_build/course/html/zh/``). Publish that folder instead of ``_build/html``.

    python tools/course_edition.py
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

from chainrule.instructor.release import strip_solutions

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "_build" / "course-src"
OUT = ROOT / "_build" / "course" / "html"
SUMMARY = re.compile(r"^\s*summary\(")
FOOTER = {"en": "Course edition: solutions left out.", "zh": "课程版：不含参考答案。"}


def course_notebook(path, target):
    nb = strip_solutions(nbformat.read(path, as_version=4), keep_outputs=True)
    for cell in nb.cells:
        if cell.cell_type == "code" and SUMMARY.match(cell.source):
            cell.outputs = []
    nbformat.write(nb, target)


def copy_book(src, dst):
    """A book folder: notebooks without solutions, everything else as it is."""
    dst.mkdir(parents=True)
    for path in sorted(src.iterdir()):
        if path.suffix == ".ipynb":
            course_notebook(path, dst / path.name)
        elif path.is_file() and path.suffix != ".yml":  # translations (NN_x.zh.yml) are not pages
            shutil.copy2(path, dst / path.name)


def mark_config(path, language):
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    html = config.setdefault("html", {})
    html["extra_footer"] = f"{html.get('extra_footer', '')} · {FOOTER[language]}".strip(" ·")
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


def prepare():
    shutil.rmtree(SOURCE, ignore_errors=True)
    SOURCE.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml", "references.bib"):
        shutil.copy2(ROOT / name, SOURCE / name)
    for name in ("_static", "tools"):
        shutil.copytree(ROOT / name, SOURCE / name, ignore=shutil.ignore_patterns("__pycache__"))
    copy_book(ROOT / "book", SOURCE / "book")
    (SOURCE / "zh").mkdir()
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / "zh" / name, SOURCE / "zh" / name)
    copy_book(ROOT / "zh" / "book", SOURCE / "zh" / "book")
    mark_config(SOURCE / "_config.yml", "en")
    mark_config(SOURCE / "zh" / "_config.yml", "zh")


def build():
    jupyter_book = str(Path(sys.executable).with_name("jupyter-book"))
    flags = ["-W", "-n", "--keep-going"]
    subprocess.run([jupyter_book, "build", str(SOURCE), *flags], check=True)
    subprocess.run([jupyter_book, "build", str(SOURCE / "zh"), *flags, "--path-output", str(SOURCE / "_build" / "zh-src")],
                   check=True)
    shutil.rmtree(OUT, ignore_errors=True)
    shutil.copytree(SOURCE / "_build" / "html", OUT)
    shutil.copytree(SOURCE / "_build" / "zh-src" / "_build" / "html", OUT / "zh")
    print(f"Course edition built: {OUT / 'index.html'} (中文版: {OUT / 'zh' / 'index.html'})")


if __name__ == "__main__":
    prepare()
    build()
