"""The single-source conventions of GUIDE.md §3, checked on every chapter notebook."""

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def toc_files():
    files = [TOC["root"]]
    for part in TOC.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return files


def text_of(cell):
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        parts.append(out.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def tags(cell):
    return set(cell.metadata.get("tags", []))


def test_every_notebook_is_in_the_toc_and_every_toc_entry_exists():
    listed = toc_files()
    for nb in NOTEBOOKS:
        assert str(nb.relative_to(ROOT).with_suffix("")) in listed, nb.name
    for entry in listed:
        assert any((ROOT / f"{entry}{ext}").exists() for ext in (".md", ".ipynb")), entry


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cell_installs_from_the_configured_repository(path):
    nb = nbformat.read(path, as_version=4)
    setup = nb.cells[0]
    assert setup.cell_type == "code" and "remove-cell" in tags(setup)
    assert f'chainrule @ git+{CONFIG["repository"]["url"]}' in setup.source
    assert 'find_spec("chainrule") is None' in setup.source  # does nothing where installed


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_title_and_executed_outputs(path):
    nb = nbformat.read(path, as_version=4)
    first_md = next(c for c in nb.cells if c.cell_type == "markdown")
    assert re.match(r"# \S", first_md.source), "a notebook needs a '# Title' first heading"
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.strip() and "remove-cell" not in tags(cell):
            assert cell.execution_count is not None, f"unexecuted cell: {cell.source[:60]!r}"
            assert not any(o.output_type == "error" for o in cell.outputs) or "raises-exception" in tags(cell)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercise_pattern(path):
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    starts = [i for i, c in enumerate(cells) if "exercise" in tags(c)]
    assert starts, "each chapter has auto-checked exercises"
    for i in starts:
        stub, first_check, solution, second_check = cells[i : i + 4]
        assert cells[i - 1].cell_type == "markdown", "an exercise starts with its task in markdown"
        assert "raise NotImplementedError" in stub.source
        assert first_check.source == second_check.source and first_check.source.startswith("check(")
        assert {"solution", "hide-input"} <= tags(solution), "solutions are folded in the book"
        assert solution.metadata.get("jupyter", {}).get("source_hidden") is True, "and collapsed in JupyterLab"
        assert solution.metadata.get("cellView") == "form" and solution.source.startswith("# @title"), "and in Colab"
        assert "NotImplementedError" not in solution.source
        assert "not implemented yet" in text_of(first_check), "stored output shows the stub rejected"
        assert re.search(r"✔ \S+: (\d+)/\1 checks passed", text_of(second_check)), "and the solution passing"
    assert "summary(" in cells[-1].source, "the chapter ends with the exercise summary"


def test_every_chapter_asks_for_two_derivations_and_the_book_for_at_least_twenty():
    """Exercises whose answer is not printed above them: the learner derives it (tag `derivation`)."""
    per_chapter = {
        path.name: sum({"exercise", "derivation"} <= tags(c) for c in nbformat.read(path, as_version=4).cells)
        for path in NOTEBOOKS
    }
    assert all(n >= 2 for n in per_chapter.values()), per_chapter
    assert sum(per_chapter.values()) >= 20, per_chapter


def test_the_book_has_at_least_39_auto_checked_exercises_all_registered():
    from chainrule.exercises import EXERCISES

    used = set()
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            used.update(re.findall(r'^check\("([\w.]+)"', cell.source))
    assert len(used) >= 39, sorted(used)
    assert used == set(EXERCISES), "every registered exercise appears in a chapter, and only those"


def test_the_book_version_is_the_package_version():
    import chainrule

    assert f"version {chainrule.__version__}" in CONFIG["html"]["extra_footer"]


def test_publishing_workflow_builds_with_make_book_and_deploys_the_html():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    assert any(step.get("run") == "make book" for step in steps)
    upload = next(s for s in steps if "upload-pages-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "_build/html"
    assert "deploy-pages" in str(workflow["jobs"]["deploy"]["steps"])
