"""The book as PDF, both editions (issue 26): what `make pdf` wrote into _build/pdf/.

`make test` runs `make pdf` first; these tests read its output (built here once if it is missing
and XeLaTeX is at hand). Without TeX or poppler-utils (and not root, so `make pdf` could not install
them) they are skipped, naming what is missing.

What is checked, for each edition against its own sources: every page title of the table of
contents is in its PDF; the figure captions are numbered exactly as the HTML numbers them
(chapter.k, from the notebooks' captioned figures); no "??"; the XeLaTeX log has no missing
character, undefined reference or duplicate label; the number of images equals the number of
figures (and explorers' start frames); a page with an equation renders with ink on it; the Chinese
PDF embeds a CJK font and its text extracts as Chinese. The helpers are tested on broken inputs
too, so each check is seen to fail.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest
import yaml

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import pdf as pdf_build  # noqa: E402  (tools/pdf.py)
from chapter_fignumbers import chapter_number  # noqa: E402  (tools/chapter_fignumbers.py)

import chainrule  # noqa: E402

OUT = ROOT / "_build" / "pdf"
EDITIONS = {
    # edition: (its PDF, its table of contents, its caption word)
    "en": (OUT / "chainrule-book.pdf", ROOT / "_toc.yml", "Figure"),
    "zh": (OUT / "chainrule-book-zh.pdf", ROOT / "zh" / "_toc.yml", "图"),
}
POPPLER = ("pdftotext", "pdffonts", "pdfimages", "pdftoppm", "pdfinfo")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


# ---------------------------------------------------------------- helpers (tested below on broken input)


def normalise(text):
    """Text as compared: no whitespace at all (pdftotext breaks lines where LaTeX did), one apostrophe."""
    return re.sub(r"\s+", "", text.replace("’", "'").replace("‘", "'"))


def missing_titles(text, titles):
    flat = normalise(text)
    return [title for title in titles if normalise(title) not in flat]


def missing_entries(text, titles):
    """Bibliography titles not in a PDF's text (case aside: BibTeX styles change it; hyphens aside:
    LaTeX breaks words at line ends)."""
    flat = normalise(text).lower().replace("-", "")
    return [t for t in titles if normalise(t).lower().replace("-", "") not in flat]


def caption_numbers(text, word):
    """The figure numbers of the captions in a PDF's text ("Figure 3.2: …", "图 3.2: …")."""
    return sorted({(int(a), int(b)) for a, b in re.findall(re.escape(word) + r"\s*(\d+)\.(\d+)\s*[:：]", text)})


def unresolved(text):
    """Where a reference did not resolve, LaTeX prints '??'."""
    return [text[max(0, m.start() - 40): m.end() + 40] for m in re.finditer(r"\?\?", text)]


def cjk_fonts(pdffonts_output):
    """The embedded fonts of a PDF whose name says CJK (Noto … CJK)."""
    fonts = []
    for line in pdffonts_output.splitlines()[2:]:
        fields = line.split()
        if len(fields) >= 5 and "CJK" in fields[0] and "yes" in fields[-5:-2][:1]:
            fonts.append(fields[0])
    return fonts


def image_count(pdfimages_list_output):
    """Images in a PDF (an image with transparency also lists its soft mask: not counted)."""
    return sum(1 for line in pdfimages_list_output.splitlines()[2:] if line.split()[2:3] == ["image"])


def ink(pgm):
    """The fraction of a greyscale PGM (P5, as pdftoppm -gray writes it) that is not white."""
    match = re.match(rb"P5\s+(?:#.*\s+)*(\d+)\s+(\d+)\s+(\d+)\s", pgm)
    width, height = int(match.group(1)), int(match.group(2))
    pixels = pgm[match.end(): match.end() + width * height]
    return sum(1 for p in pixels if p < 200) / max(1, len(pixels))


def links_to(page, name):
    """The links of an HTML page to a file of that name."""
    return re.findall(r'<a href="([^"]*' + re.escape(name) + ')"', page)


def page_texts(path):
    pages = int(re.search(r"Pages:\s+(\d+)", tool("pdfinfo", path)).group(1))
    text = tool("pdftotext", "-layout", path, "-")
    return text.split("\f")[:pages]


def render_gray(path, page, dpi=40):
    return subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), str(path)],
                          capture_output=True, check=True).stdout


def tool(name, *args):
    return subprocess.run([name, *map(str, args)], capture_output=True, check=True, text=True).stdout


# ---------------------------------------------------------------- what the sources say


def toc_pages(toc_file):
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part.get("chapters", [])]
    return [toc_file.parent / f for f in files]


def source(page):
    for suffix in (".ipynb", ".md"):
        if page.with_suffix(suffix).exists():
            return page.with_suffix(suffix)
    raise FileNotFoundError(page)


def title(page):
    path = source(page)
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    heading = re.search(r"^# (.+)$", text, re.M).group(1).strip()
    return re.sub(r"[`*]", "", heading)


def exercise_titles(page):
    """(title, has a solution cell) of each exercise heading of a chapter ("### Exercise 3.2 — …")."""
    path = source(page)
    if path.suffix != ".ipynb":
        return []
    found = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            headings = re.findall(r"^### ((?:Exercise |练习).+)$", "".join(cell["source"]), re.M)
            # as printed: no markdown marks; a formula's text differs in the PDF, so the part before it
            found += [[re.sub(r"[`*]", "", h).split("$")[0].strip(), False] for h in headings]
        elif "solution" in cell["metadata"].get("tags", []) and found:
            found[-1][1] = True
    return [tuple(f) for f in found]


def figures(page):
    """(chapter, k) of the page's captioned figures, as the HTML numbers them, and the number of
    explorer outputs that carry a start frame (image/png)."""
    path = source(page)
    chapter = chapter_number(path.stem)
    if path.suffix != ".ipynb" or chapter is None:
        return [], 0
    numbered, frames = [], 0
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code" or "remove-output" in cell["metadata"].get("tags", []):
            continue
        if cell["metadata"].get("mystnb", {}).get("figure", {}).get("caption"):
            numbered.append((chapter, len(numbered) + 1))
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data and 'class="chainrule-explorer"' in "".join(data.get("text/html", "")):
                frames += 1
    return numbered, frames


# ---------------------------------------------------------------- the PDFs


@pytest.fixture(scope="module")
def built():
    """The PDFs of `make pdf`, built here if missing (skipped where TeX or poppler is missing)."""
    missing = [t for t in POPPLER if shutil.which(t) is None]
    if missing:
        pytest.skip(f"poppler-utils missing ({', '.join(missing)}): `make pdf` as root installs it")
    if not all(path.exists() for path, _, _ in EDITIONS.values()):
        if pdf_build.missing_tools():
            pytest.skip(f"no PDF and no TeX ({', '.join(pdf_build.missing_tools())} missing): `make pdf` as root installs it")
        assert pdf_build.main([]) == 0, "tools/pdf.py failed"
    return {edition: path for edition, (path, _, _) in EDITIONS.items()}


@pytest.fixture(scope="module")
def texts(built):
    return {edition: page_texts(path) for edition, path in built.items()}


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_page_title_is_in_the_pdf(edition, texts):
    titles = [title(page) for page in toc_pages(EDITIONS[edition][1])]
    assert len(titles) >= 15
    assert not missing_titles("\n".join(texts[edition]), titles)


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_title_page_has_the_books_version(edition, texts):
    assert ("Version " if edition == "en" else "版本 ") + chainrule.__version__ in texts[edition][0]


@pytest.mark.parametrize("edition", EDITIONS)
def test_figures_are_numbered_as_in_the_html(edition, texts):
    expected = sorted(n for page in toc_pages(EDITIONS[edition][1]) for n in figures(page)[0])
    assert len(expected) >= 25
    assert caption_numbers("\n".join(texts[edition]), EDITIONS[edition][2]) == expected


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_exercise_is_in_its_chapter_and_its_solution_at_the_back(edition, texts):
    """A solved exercise's title is printed twice: over its statement, over its solution."""
    flat = normalise("\n".join(texts[edition]))
    exercises = [e for page in toc_pages(EDITIONS[edition][1]) for e in exercise_titles(page)]
    assert len(exercises) >= 50
    assert [title for title, solved in exercises if flat.count(normalise(title)) < (2 if solved else 1)] == []
    assert sum(solved for _, solved in exercises) >= 50


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_bibliography_lists_every_reference(edition, texts):
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    titles = [t.replace("{", "").replace("}", "") for t in re.findall(r"^\s*title\s*=\s*\{(.*)\},?\s*$", bib, re.M)]
    assert len(titles) >= 15
    assert not missing_entries("\n".join(texts[edition]), titles)


@pytest.mark.parametrize("edition", EDITIONS)
def test_no_unresolved_reference(edition, texts):
    assert not unresolved("\n".join(texts[edition]))


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_xelatex_log_is_clean(edition, built):
    log = built[edition].with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    assert "Output written on" in log
    assert not pdf_build.log_problems(log)
    assert "undefined" not in " ".join(line for line in log.splitlines() if line.startswith("LaTeX Warning"))


@pytest.mark.parametrize("edition", EDITIONS)
def test_one_image_per_figure(edition, built):
    counts = [figures(page) for page in toc_pages(EDITIONS[edition][1])]
    expected = sum(len(numbered) + frames for numbered, frames in counts)
    assert image_count(tool("pdfimages", "-list", built[edition])) == expected


@pytest.mark.parametrize("edition", EDITIONS)
def test_a_page_with_an_equation_is_not_blank(edition, built, texts):
    # the first page whose text has a displayed sum over paths (chapter 2): unicode-math's 𝜕 and ∑
    page = next(k for k, text in enumerate(texts[edition], start=1) if "𝜕" in text and "∑" in text)
    assert ink(render_gray(built[edition], page)) > 0.01


def test_the_chinese_pdf_embeds_a_cjk_font_and_its_text_is_chinese(built, texts):
    assert cjk_fonts(tool("pdffonts", built["zh"]))
    text = "\n".join(texts["zh"])
    assert len(CJK.findall(text)) > 20000
    assert "\ufffd" not in text
    assert "神经网络中的求导法则" in text and "反向传播" in text


def test_the_english_pdf_has_the_glossarys_chinese(built, texts):
    assert cjk_fonts(tool("pdffonts", built["en"]))
    assert "术语表" in "\n".join(texts["en"]) and "链式法则" in "\n".join(texts["en"])


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_html_page_links_to_its_editions_pdf(edition, built):
    """The theme's download menu (tools/pdf_latex.py); `make pdf` put the PDF where it points."""
    html = ROOT / "_build" / "html" / ("" if edition == "en" else edition)
    if not (html / "book").is_dir():
        pytest.skip("the HTML book is not built (`make book`)")
    pdf = built[edition].name
    pages = sorted((html / "book").glob("*.html"))
    assert len(pages) >= 15
    for page in pages:
        assert links_to(page.read_text(encoding="utf-8"), pdf) == [f"../{pdf}"], page
    assert (html / pdf).read_bytes() == built[edition].read_bytes()


# ---------------------------------------------------------------- each check can fail


def test_the_checks_fail_on_broken_input(tmp_path):
    text = "1. Neurons, weights and losses\nFigure 1.1: a caption\nsee Figure ?? and Figure 1.3: another\n"
    assert missing_titles(text, ["1. Neurons, weights and losses", "2. Derivative rules"]) == ["2. Derivative rules"]
    assert missing_titles("1. Neurons,\nweights and losses", ["1. Neurons, weights and losses"]) == []
    assert caption_numbers(text, "Figure") == [(1, 1), (1, 3)] != [(1, 1), (1, 2)]
    assert caption_numbers("图 3.2: 标题", "图") == [(3, 2)]
    assert unresolved(text) and not unresolved("see Figure 1.1")
    assert missing_entries("Long short-term mem-\nory. Neural Computation", ["Long Short-Term Memory", "Deep Learning"]) == [
        "Deep Learning"]
    assert links_to('<a href="../chainrule-book.pdf" target="_blank">', "chainrule-book.pdf") == ["../chainrule-book.pdf"]
    assert links_to('<a href="../chainrule-book-zh.pdf">', "chainrule-book.pdf") == []
    log = "Missing character: There is no ℓ (U+2113) in font DejaVu Sans Mono\n" \
          "LaTeX Warning: Reference `fig-1' on page 3 undefined on input line 9.\n"
    assert len(pdf_build.log_problems(log)) == 2 and not pdf_build.log_problems("Output written on x.pdf (3 pages).\n")


@pytest.mark.skipif(any(shutil.which(t) is None for t in POPPLER), reason="poppler-utils missing")
def test_the_pdf_checks_fail_on_a_broken_pdf(tmp_path):
    """A PDF with one image, no CJK font and a blank page: each check says so."""
    blank, picture = tmp_path / "blank.pdf", tmp_path / "picture.pdf"
    plt.figure(figsize=(3, 3)).savefig(blank)
    fig, ax = plt.subplots(figsize=(3, 3))
    ax.imshow([[0, 1], [1, 0]])
    ax.set_title("Figure 1.1: no Chinese here")
    fig.savefig(picture)
    plt.close("all")
    assert ink(render_gray(blank, 1)) < 0.001 < ink(render_gray(picture, 1))
    assert not cjk_fonts(tool("pdffonts", picture))
    assert image_count(tool("pdfimages", "-list", picture)) == 1
    assert image_count(tool("pdfimages", "-list", blank)) == 0
    assert not CJK.search(tool("pdftotext", picture, "-"))
