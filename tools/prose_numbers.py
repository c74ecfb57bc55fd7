"""Prose cannot drift from computation: every result quoted in the text is printed by the code.

A number in a chapter's markdown that looks like a result — it has a decimal point, an
exponent (``1e-13``, ``10^{-13}``, ``1.6 × 10⁻¹³``), a percent sign, or is an integer ≥ 10 —
must appear, at the precision it is written with, among the numbers of that notebook's
stored outputs or its code cells (a parameter set in code is a definition, not a claim).
Section numbers, figure references, links, roles and inline code are not numbers of this
kind. A constant that is in neither (``σ′(0) = 0.25``) is listed, with its reason, in the
notebook's metadata: ``metadata["chainrule"]["prose_constants"] = {"0.25": "σ′(0) = 1/4"}``.
The back-matter pages are checked against every notebook; their constants are listed in
``PAGE_CONSTANTS`` below.

    python tools/prose_numbers.py [book/03_gradient_descent.ipynb ...]   # lists the strays
"""

import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
# Pages that quote chapter results; the others (notation, glossary, references) define things.
PAGES = ["preface.md", "faq.md", "notes_on_source.md"]
PAGE_CONSTANTS: dict[str, dict[str, str]] = {}

SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
MINUS = str.maketrans({"−": "-", "–": "-", " ": " "})

# Things that contain digits but are not quoted results.
_IGNORED = [
    r"```.*?```",  # fenced code
    r"\{[a-z:-]+\}`[^`]*`",  # roles: {numref}`fig-x`, {cite}`key`, {doc}`...`
    r"`[^`]*`",  # inline code
    r"\]\([^)]*\)",  # link targets
    r"https?://\S+",
    r"<[^>]+>",  # HTML tags and their attributes
    r"^\s*:[a-z-]+:.*$",  # directive options (:class: warning)
    r"\([^()]*\d{4}[a-z]?\)",  # (Author 2015), (2015a): citations written out
    r"\b\d+(?:\.\d+){2,}\b",  # section numbers 3.4.2
    # "section 3.1", "sections 3.1 and 3.4.5", "chapter 7", "Figure 3.2", "§3.4"
    r"(?:§|\bsections?\b|\bchapters?\b|\bfigures?\b|\bfig\.|\btables?\b|\bequations?\b|\beq\.|\bexercises?\b"
    r"|\bpython\b|\bsteps? \d+ (?:to|and))"
    r"\s*\d+(?:\.\d+)*(?:\s*(?:,|and|or|to|–|-)\s*\d+(?:\.\d+)*)*",
    r"\b\d+\s*[-–]\s*\d+\s*[-–]\s*\d+(?:\s*[-–]\s*\d+)*\b",  # architectures 64-32-10
    r"\\(?:mathbb|mathrm|operatorname|text|mathbf|boldsymbol)\{[^}]*\}",
]
_IGNORED_RE = re.compile("|".join(f"(?:{p})" for p in _IGNORED), re.S | re.M | re.I)

# A quoted number: mantissa, then an optional exponent in one of the book's three spellings.
_NUMBER = re.compile(
    r"(?<![\w.])(?P<mant>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:(?P<e>[eE][-+]?\d+)|\s*(?:×|\\times|\\cdot|·)\s*10\s*(?:\^\{?(?P<tex>[-+]?\d+)\}?|(?P<sup>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)))?"
    r"(?P<pct>\s*\\?%)?"
)
_APPROX = re.compile(r"(?:\babout|\baround|\broughly|\bnearly|≈|\\approx|\\sim)\s*\$?\s*$", re.I)
_TAG = re.compile(r"<[^>]*>", re.S)
_PLAIN = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Quoted:
    text: str  # as written
    value: float
    decimals: int  # digits after the point of the mantissa
    exponent: int  # the written power of ten (0 if none)
    percent: bool

    def matches(self, candidate: float) -> bool:
        """Whether a computed number, rounded as the text rounds, is the quoted one."""
        c = abs(candidate)
        for scale in [1, 100] if self.percent else [1]:
            x = c * scale / 10**self.exponent
            mant = self.value / 10**self.exponent
            if math.isclose(round(x, self.decimals), mant, rel_tol=1e-9, abs_tol=1e-12):
                return True
        return False


def quoted_numbers(markdown: str) -> list[Quoted]:
    text = _IGNORED_RE.sub(" ", markdown.translate(MINUS).replace("{,}", ","))
    found = []
    for m in _NUMBER.finditer(text):
        mant = m["mant"].replace(",", "")
        exponent = 0
        if m["e"]:
            exponent = int(m["e"][1:])
        elif m["tex"]:
            exponent = int(m["tex"])
        elif m["sup"]:
            exponent = int(m["sup"].translate(SUPERSCRIPT))
        decimals = len(mant.split(".")[1]) if "." in mant else 0
        value = float(mant) * 10**exponent
        has_power = bool(m["e"] or m["tex"] or m["sup"])
        approx = _APPROX.search(text[max(0, m.start() - 12) : m.start()])
        if not (decimals or has_power or m["pct"] or float(mant) >= 10 or approx):
            continue  # small integers are counts and indices, unless approximated ("about 8")
        found.append(Quoted(m.group(0).strip(), value, decimals, exponent, bool(m["pct"])))
    return found


def computed_numbers(texts) -> list[float]:
    values = []
    for text in texts:
        for token in _PLAIN.findall(text.translate(MINUS)):
            if any(ch.isdigit() for ch in token):
                try:
                    values.append(float(token.replace(",", "")))
                except ValueError:
                    pass
    return values


def _output_texts(cell):
    for out in cell.get("outputs", []):
        if "text" in out:
            yield out["text"]
        for mime, data in out.get("data", {}).items():
            if mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
                text = data if isinstance(data, str) else "".join(data)
                # HTML: the text only; tags and attributes (base64 images, styles) are not results
                yield _TAG.sub(" ", text) if mime == "text/html" else text


def notebook_sources(nb) -> list[str]:
    texts = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            texts.append(cell.source)
            texts.extend(_output_texts(cell))
    return texts


@dataclass
class Stray:
    where: str  # notebook or page, and cell id
    number: str
    context: str

    def __str__(self):
        return f"{self.where}: {self.number!r} is not printed by the code ({self.context})"


def _context(markdown, text):
    i = markdown.find(text)
    return " ".join(markdown[max(0, i - 40) : i + len(text) + 30].split()) if i >= 0 else text


def strays_in_notebook(path: Path) -> list[Stray]:
    nb = nbformat.read(path, as_version=4)
    candidates = computed_numbers(notebook_sources(nb))
    allowed = nb.metadata.get("chainrule", {}).get("prose_constants", {})
    strays = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for q in quoted_numbers(cell.source):
            if q.text in allowed or any(q.matches(c) for c in candidates):
                continue
            strays.append(Stray(f"{path.name} cell {cell.get('id')}", q.text, _context(cell.source, q.text)))
    return strays


def all_notebook_numbers() -> list[float]:
    texts = []
    for path in sorted(BOOK.glob("*.ipynb")):
        texts += notebook_sources(nbformat.read(path, as_version=4))
    return computed_numbers(texts)


def strays_in_page(path: Path, candidates=None) -> list[Stray]:
    candidates = all_notebook_numbers() if candidates is None else candidates
    allowed = PAGE_CONSTANTS.get(path.name, {})
    text = path.read_text()
    return [
        Stray(path.name, q.text, _context(text, q.text))
        for q in quoted_numbers(text)
        if q.text not in allowed and not any(q.matches(c) for c in candidates)
    ]


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted(BOOK.glob("*.ipynb")) + [BOOK / p for p in PAGES]
    strays = []
    for p in paths:
        strays += strays_in_notebook(p) if p.suffix == ".ipynb" else strays_in_page(p)
    print("\n".join(map(str, strays)) or "every quoted number is computed")
    sys.exit(1 if strays else 0)
