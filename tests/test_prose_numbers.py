"""Prose cannot drift from computation: each result quoted in a chapter is printed by it.

The rule and its exceptions are in tools/prose_numbers.py. The planted-mismatch tests show
the check failing when a quoted number no longer matches what the code prints.
"""

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import prose_numbers as pn  # noqa: E402

NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_number_quoted_in_a_chapter_is_printed_by_it(path):
    strays = pn.strays_in_notebook(path)
    assert not strays, "\n".join(map(str, strays))


@pytest.mark.parametrize("name", pn.PAGES)
def test_every_result_quoted_in_the_back_matter_is_printed_by_a_chapter(name):
    strays = pn.strays_in_page(ROOT / "book" / name)
    assert not strays, "\n".join(map(str, strays))


def test_what_counts_as_a_quoted_result():
    text = (
        "Section 3.4.2 and sections 3.1 and 3.4.5 of the source; {numref}`fig-03-x`; `lr = 0.5`; "
        "exercise 4.2; a 64-32-10 network; [link](https://x.org/1.5). "
        "Test accuracy 0.716, ratio $1.6 \\times 10^{-13}$, 1e-8, 19 %, 4,820 passes, 3 layers, about 8."
    )
    assert [q.text for q in pn.quoted_numbers(text)] == ["0.716", "1.6 \\times 10^{-13}", "1e-8", "19 %", "4,820", "8"]


def test_a_quoted_number_matches_a_computed_one_at_its_own_rounding():
    (q,) = pn.quoted_numbers("accuracy 0.72")
    assert q.matches(0.7161) and not q.matches(0.7261)
    (q,) = pn.quoted_numbers("a ratio of $1.6 \\times 10^{-13}$")
    assert q.matches(1.6123e-13) and not q.matches(1.6e-12)
    (q,) = pn.quoted_numbers("19 % saturated")
    assert q.matches(0.1904) and q.matches(19.0) and not q.matches(0.21)


def _plant(path, tmp_path, replace, which=lambda q: True):
    """A copy of a chapter whose first checked, matching quoted number is replaced."""
    nb = nbformat.read(path, as_version=4)
    candidates = pn.computed_numbers(pn.notebook_sources(nb))
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for q in pn.quoted_numbers(cell.source):
            allowed = nb.metadata.get("chainrule", {}).get("prose_constants", {})
            if not which(q) or q.text in allowed or not any(q.matches(c) for c in candidates):
                continue
            (wrong,) = pn.quoted_numbers(replace(q))
            if not any(wrong.matches(c) for c in candidates):  # a wrong value the code does not print
                cell.source = cell.source.replace(q.text, wrong.text, 1)
                out = tmp_path / path.name
                nbformat.write(nb, out)
                return out, q
    pytest.skip(f"{path.name} quotes no computed number")


@pytest.mark.parametrize("path", NOTEBOOKS[:3] + NOTEBOOKS[-3:], ids=lambda p: p.name)
def test_a_planted_mismatch_is_caught(path, tmp_path):
    planted, original = _plant(path, tmp_path, lambda q: "987.654321")
    strays = pn.strays_in_notebook(planted)
    assert [s.number for s in strays if s.number == "987.654321"], f"planting over {original.text!r} went unnoticed"


def test_a_precise_result_quoted_with_a_wrong_last_digit_is_caught(tmp_path):
    def off_in_last_digit(q):
        digits = q.text.rstrip(" %")
        return digits[:-1] + str((int(digits[-1]) + 5) % 10) + q.text[len(digits) :]

    def precise(q):  # "0.2" changed to "0.7" may well be printed somewhere else too
        return sum(ch.isdigit() for ch in q.text.lstrip("0.")) >= 3 and q.text[-1].isdigit() and "," not in q.text

    tried = 0
    for path in NOTEBOOKS:
        try:
            planted, original = _plant(path, tmp_path, off_in_last_digit, precise)
        except pytest.skip.Exception:
            continue
        tried += 1
        assert pn.strays_in_notebook(planted), f"changing {original.text!r} in {path.name} went unnoticed"
    assert tried >= 3
