"""The course edition (`make book-course`, which `make test` runs): both languages, every chapter,
and not one line of solution source, in the pages or in the notebooks offered for download.
The same search over the published book (`make book`) finds the solutions: it can fail."""

import html
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "_build" / "course" / "html"
BOOK_HTML = ROOT / "_build" / "html"
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))

pytestmark = pytest.mark.skipif(
    not (COURSE / "index.html").exists(), reason="the course edition is not built: run `make book-course` (make test does)"
)


def solution_lines(path):
    """Lines only a solution cell has: not the def line, docstring or comments it shares with
    the stub, nor lines that other cells of the chapter also contain (`return grad`)."""
    nb = nbformat.read(path, as_version=4)
    others = {line.strip() for c in nb.cells if "solution" not in c.metadata.get("tags", []) for line in c.source.splitlines()}
    found = set()
    for cell in nb.cells:
        if "solution" in cell.metadata.get("tags", []):
            for line in cell.source.splitlines():
                line = line.strip()
                if len(line) > 10 and not line.startswith(("def ", '"""', "#", "'''")) and line not in others:
                    found.add(line)
    return found


def page_text(path):
    """What a page says, code included: tags removed (code is split into highlighted spans)."""
    text = re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))
    return {" ".join(html.unescape(line).split()) for line in text.splitlines()}


def leaks(site, notebook):
    """Solution lines of ``notebook`` found in the built page and the downloadable notebook."""
    secrets = {" ".join(line.split()) for line in solution_lines(notebook)}
    assert secrets, f"{notebook.name} has solutions to look for"
    found = []
    for page in [site / "book" / f"{notebook.stem}.html", site / "zh" / "book" / f"{notebook.stem}.html"]:
        assert page.exists(), page
        found += [(page.name, s) for s in secrets & page_text(page)]
    for download in [*site.glob(f"_sources/book/{notebook.stem}.*"), *site.glob(f"zh/_sources/book/{notebook.stem}.*")]:
        if download.suffix == ".ipynb":
            cells = nbformat.read(download, as_version=4).cells
            lines = {" ".join(line.split()) for c in cells for line in c.source.splitlines()}
        else:
            lines = {" ".join(line.split()) for line in download.read_text(encoding="utf-8").splitlines()}
        found += [(download.name, s) for s in secrets & lines]
    return found


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_solution_source_in_the_course_edition(notebook):
    assert not leaks(COURSE, notebook)


@pytest.mark.skipif(not (BOOK_HTML / "index.html").exists(), reason="the book is not built: run `make book`")
def test_the_published_book_does_show_them():
    """The search finds solutions where they are: in the published book, folded."""
    assert all(leaks(BOOK_HTML, notebook) for notebook in NOTEBOOKS)


def test_the_course_edition_keeps_the_chapters_and_their_figures():
    for notebook in NOTEBOOKS:
        for page in (COURSE / "book" / f"{notebook.stem}.html", COURSE / "zh" / "book" / f"{notebook.stem}.html"):
            text = page.read_text(encoding="utf-8")
            assert "<h1" in text, page
            full = (BOOK_HTML / page.relative_to(COURSE)) if BOOK_HTML.exists() else None
            if full is not None and full.exists():
                # the same figures as the published page: only solutions and their checks are gone
                assert text.count("<img") == full.read_text(encoding="utf-8").count("<img"), page
    assert "Course edition" in (COURSE / "book" / "preface.html").read_text(encoding="utf-8")
    assert "课程版" in (COURSE / "zh" / "book" / "preface.html").read_text(encoding="utf-8")
