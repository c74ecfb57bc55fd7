"""Every section the checker's feedback sends a learner to exists, word for word, as a heading of
the built book, in both languages: "see chapter 2, “Computational graphs”" must name a heading
of chapter 2's page, and "参见第2章“计算图”" one of the Chinese page. The names are read from the
exercise modules' source (where every one is written, as tr(english, 中文)), the headings from
the HTML that `make book` built."""

import html
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "src" / "chainrule" / "exercises"
HTML = ROOT / "_build" / "html"
CITED = {
    "en": re.compile(r"chapter (\d+), “([^”]+)”"),
    "zh": re.compile(r"第(\d+)章“([^”]+)”"),
}
HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.S)

pytestmark = pytest.mark.skipif(not (HTML / "index.html").exists(), reason="the book is not built: run `make book`")


def cited(language):
    """(chapter number, section name, module) for every section the checker can cite."""
    found = set()
    for path in sorted(EXERCISES.glob("*.py")):
        for chapter, name in CITED[language].findall(path.read_text(encoding="utf-8")):
            if "{" not in name:  # a name made at run time would not be checkable here
                found.add((int(chapter), name, path.stem))
    return sorted(found)


def headings(language, chapter):
    folder = HTML / "book" if language == "en" else HTML / "zh" / "book"
    [page] = folder.glob(f"{chapter:02d}_*.html")
    names = set()
    for _, inner in HEADING.findall(page.read_text(encoding="utf-8")):
        inner = re.sub(r'<a class="headerlink".*?</a>', "", inner, flags=re.S)
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", inner)).split())
        names.add(text)
    return names


def names_heading(name, heading):
    """The heading itself, or, for a heading that ends in a formula ("Softmax with cross-entropy:
    \\(p − y\\)"), its words before the formula: feedback is plain text."""
    if name == heading:
        return True
    words, _, formula = heading.rpartition("\\(")
    return bool(formula) and words.rstrip(" ：:") == name


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_cited_section_is_a_heading(language):
    names = cited(language)
    assert len(names) > 20, "the checker cites sections in this language"
    missing = [f"{module}: chapter {chapter} “{name}”" for chapter, name, module in names
               if not any(names_heading(name, h) for h in headings(language, chapter))]
    assert not missing, "sections the checker cites that are not headings:\n" + "\n".join(missing)


def test_the_test_sees_a_wrong_name():
    assert names_heading("Softmax with cross-entropy", "Softmax with cross-entropy: \\(\\mathbf{p} - \\mathbf{y}\\)")
    assert not names_heading("Softmax", "Softmax with cross-entropy: \\(\\mathbf{p} - \\mathbf{y}\\)")
    assert not any(names_heading("Newton's method", h) for h in headings("en", 8))  # the page says Newton’s
