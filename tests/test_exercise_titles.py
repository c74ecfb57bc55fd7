"""Exercise titles in one style (issue 25 §3): every exercise heading ends in "(warm-up)" or
"(derive it)" — in Chinese （热身） or （推导）, with no space in 练习N.M — and says the same as its
exercise cell's `derivation` tag and as the title the chapter summary prints."""

import json
import re
from pathlib import Path

import pytest

from chainrule.exercises.core import EXERCISES
from chainrule.language import speaking

ROOT = Path(__file__).resolve().parent.parent
HEADING = {
    "en": re.compile(r"^### Exercise (\d+\.\d+) — (.+) \((warm-up|derive it)\)$"),
    "zh": re.compile(r"^### 练习(\d+\.\d+) — (.+)（(热身|推导)）$"),
}
DERIVE = {"en": "derive it", "zh": "推导"}
CHECK = re.compile(r'check\("([\w.]+)"')


def exercises(path, language):
    """(number, tag, exercise id, the exercise cell's tags) for each exercise heading of a notebook."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = []
    for i, cell in enumerate(cells):
        source = "".join(cell["source"])
        for line in source.splitlines():
            if line.startswith("### ") and ("Exercise" in line or "练习" in line):
                match = HEADING[language].match(line)
                assert match, f"{path.name}: an exercise heading outside the style: {line!r}"
                code = next(c for c in cells[i + 1:] if c["cell_type"] == "code" and CHECK.search("".join(c["source"])))
                tags = next(c for c in cells[i + 1:] if c["cell_type"] == "code")["metadata"].get("tags", [])
                found.append((match.group(1), match.group(3), CHECK.search("".join(code["source"])).group(1), tags))
    return found


PAGES = [(language, path) for language, folder in (("en", "book"), ("zh", "zh/book"))
         for path in sorted((ROOT / folder).glob("*.ipynb"))]


@pytest.mark.parametrize(("language", "path"), PAGES, ids=[f"{lang}-{p.name}" for lang, p in PAGES])
def test_every_exercise_heading_has_one_tag_that_its_cell_and_summary_title_agree_with(language, path):
    found = exercises(path, language)
    assert found, f"{path.name}: no exercise headings"
    for number, tag, exercise_id, tags in found:
        derive = tag == DERIVE[language]
        assert derive == ("derivation" in tags), f"{path.name} {number}: heading says {tag!r}, cell tags {tags}"
        with speaking(language):
            title = str(EXERCISES[exercise_id].titles)
        says_derive = title.endswith("(derive it)") if language == "en" else title.endswith("（推导）")
        assert derive == says_derive, f"{path.name} {number}: heading {tag!r}, summary title {title!r}"
        assert "(derivation)" not in title and "Derive it:" not in title, title


def test_a_heading_outside_the_style_is_named(tmp_path):
    page = tmp_path / "x.ipynb"
    page.write_text(json.dumps({"cells": [{"cell_type": "markdown", "metadata": {},
                                           "source": ["### Exercise 1.1 — Derive it: a thing"]}]}), encoding="utf-8")
    with pytest.raises(AssertionError, match="outside the style"):
        exercises(page, "en")
