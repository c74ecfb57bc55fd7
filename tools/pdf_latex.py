"""Sphinx extension: the book as a PDF (issue 26), for Jupyter Book 1's LaTeX builder and XeLaTeX.

Only the LaTeX builder is affected (`make pdf`; see tools/pdf.py), but for one thing in the HTML:
the theme's download menu of every page of the book starts with a link to the edition's PDF ("Book (PDF)",
"全书（PDF）"), ``chainrule-book.pdf`` at the root of the English book, ``chainrule-book-zh.pdf``
at the root of the Chinese one (``_build/html/zh/``), where `make pdf` and the Pages workflow put them
(not in the course edition, which leaves out the solutions the PDF has).

- **Class and fonts.** The document class is ``chainrulebook`` (``latex/chainrulebook.cls``, copied
  into the LaTeX output): sphinx-jupyterbook-latex's own class minus the packages the book does not
  use (bbm, pgfplots, tikz: TeX Live's big fonts-extra and pictures collections would be needed for
  nothing). Text is set in GNU FreeFont (Debian's fonts-freefont-otf; it covers the Greek, the
  arrows and the sub- and superscripts of the prose), code in DejaVu Sans Mono (fonts-dejavu-core;
  FreeMono lacks ⱼ, ᵀ, ✘, … of the outputs; its oblique, which lacks ℓ, is slanted
  from the upright), and every Chinese character, in either
  edition (the glossary's 中文 column in the English one), in Noto CJK SC through xeCJK (Debian's
  fonts-noto-cjk). No font is downloaded.
- **Numbering as in the HTML.** The chapters carry their number in their title ("3. Gradient
  descent") and their file name, so LaTeX does not number chapters; a chapter's counter is set
  from its file name, so its sections are 3.1, 3.2, … and its figures "Figure 3.2" as in the HTML
  (tools/chapter_fignumbers.py); pages without a number (preface, notation, back matter) have
  unnumbered sections. Equations are unnumbered, as in the HTML.
- **Explorers.** A slider cannot be printed: each explorer's stored output carries its start frame
  as image/png (chainrule.explorers.static), which is printed, followed by a line with the explorer's
  title, the frame's parameter value and its description (the alt text of the HTML edition).
- **Solutions.** A printed textbook has its exercises at the end of each chapter and their solutions
  at the back: the solution cells (tag ``solution``, folded in the HTML) are moved into a chapter
  "Solutions to the exercises" before the references, one entry per exercise, under its title.
"""

import html
import re
import shutil
from pathlib import Path

from chapter_fignumbers import chapter_number  # tools/, a local extension of both editions too
from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

HERE = Path(__file__).resolve().parent
CLASS = "chainrulebook"

WORDS = {
    "en": {
        "explorer": "{title} (its start frame, {parameter} = {value}; in the HTML edition and in the notebook a slider "
        "shows every frame): {description}",
        "version": "Version",
        "preface": "Preface",
        "pdf_button": "Book (PDF)",
        "pdf_tooltip": "Download the whole book as a PDF",
        "solutions": "Solutions to the exercises",
        "solutions_intro": "The solutions to every chapter's exercises, chapter by chapter. Try an exercise before "
        "you read its solution: in its notebook, check() tests your own answer.",
    },
    "zh": {
        "explorer": "{title}（起始帧，{parameter} = {value}；在HTML版和笔记本中可用滑块查看每一帧）：{description}",
        "version": "版本",
        "preface": "前言",
        "pdf_button": "全书（PDF）",
        "pdf_tooltip": "下载全书的PDF版",
        "solutions": "练习参考答案",
        "solutions_intro": "各章练习的参考答案，按章排列。请先自己做练习，再看参考答案："
        "在练习所在的笔记本中，check()会检查你自己的答案。",
    },
}

CJK_FONTS = r"""
\usepackage[AutoFakeSlant]{xeCJK}
\setCJKmainfont{Noto Serif CJK SC}[BoldFont=Noto Serif CJK SC Bold]
\setCJKsansfont{Noto Sans CJK SC}[BoldFont=Noto Sans CJK SC Bold]
% two columns of the code font for one Chinese character (xeCJK's \xeCJKVerbAddon asks for it)
\setCJKmonofont{Noto Sans Mono CJK SC}[Scale=0.9908]
% the code font (DejaVu Sans Mono) has no ℓ: FreeMono's in code; the text font has its own
\usepackage{newunicodechar}
\makeatletter
\newunicodechar{ℓ}{\ifmmode\ell\else\begingroup\edef\chainrule@family{\f@family}\edef\chainrule@tt{\ttdefault}%
  \ifx\chainrule@family\chainrule@tt\fontspec{FreeMono}\fi\symbol{"2113}\endgroup\fi}
\makeatother
"""

# xeCJK sets quotes, dashes, the ellipsis and the middle dot as Chinese punctuation (full width,
# eating the spaces around them): right in the Chinese edition, wrong in English prose.
WESTERN_PUNCTUATION = r"""
\xeCJKDeclareCharClass{Default}{"00B7, "2014, "2018, "2019, "201C, "201D, "2026}
"""

PREAMBLE = r"""
% chainrule (tools/pdf_latex.py): chapters are numbered by their titles; \chainrulechapter{N}
% before a chapter sets the counters of chapter N, \chainruleunnumbered before a page without a
% number turns section numbers off, \chainrulesections after the chapter's title turns them on.
\newcommand{\chainruleunnumbered}{\setcounter{secnumdepth}{-1}}
\newcommand{\chainrulechapter}[1]{\setcounter{secnumdepth}{-1}\setcounter{chapter}{#1}%
  \setcounter{section}{0}\setcounter{figure}{0}\setcounter{table}{0}\setcounter{equation}{0}%
  \setcounter{literalblock}{0}}
\newcommand{\chainrulesections}{\setcounter{secnumdepth}{1}}
\setcounter{tocdepth}{1}
\makeatletter
% a chapter heading shows its title only (the title holds the number)
\def\@makechapterhead#1{\vspace*{20\p@}{\parindent\z@\raggedright\normalfont\huge\bfseries #1\par\nobreak\vskip 30\p@}}
\makeatother
"""


# The Chinese edition's own words where LaTeX has English ones: 目录, 第一部分, 文献列表.
ZH_PREAMBLE = r"""
\addto\captionsenglish{\renewcommand{\contentsname}{目录}}
\renewcommand{\contentsname}{目录}
\addto\captionsenglish{\renewcommand{\bibname}{文献列表}}
\renewcommand{\partname}{}
\renewcommand{\thepart}{第\ifcase\value{part}\or 一\or 二\or 三\or 四\or 五\or 六\or 七\or 八\or 九\fi 部分}
"""


def is_chinese(config):
    return str(config.language or "en").lower().startswith("zh")


def words(config):
    return WORDS["zh" if is_chinese(config) else "en"]


def configure(app, config):
    """After sphinx-jupyterbook-latex's own config-inited handler (which sets the xelatex engine)."""
    config.latex_theme = CLASS
    config.latex_use_xindy = False  # no index in the book: xindy is not needed
    config.latex_domain_indices = False
    elements = dict(config.latex_elements or {})
    elements.update(
        {
            "papersize": "a4paper",
            "pointsize": "10pt",
            # a PDF read on a screen: no blank pages before chapters
            "extraclassoptions": "openany,oneside",
            "fncychap": "",
            "printindex": "",
            "makeindex": "",
            "fontpkg": r"""
\setmainfont{FreeSerif}[Extension=.otf, UprightFont=*, ItalicFont=*Italic, BoldFont=*Bold, BoldItalicFont=*BoldItalic]
\setsansfont{FreeSans}[Extension=.otf, UprightFont=*, ItalicFont=*Oblique, BoldFont=*Bold, BoldItalicFont=*BoldOblique]
\setmonofont{DejaVu Sans Mono}[Scale=MatchLowercase, ItalicFont=DejaVu Sans Mono, ItalicFeatures={FakeSlant=0.15},
  BoldItalicFont=DejaVu Sans Mono Bold, BoldItalicFeatures={FakeSlant=0.15}]
""",
            "fontenc": CJK_FONTS + ("" if is_chinese(config) else WESTERN_PUNCTUATION),
            "fvset": r"\fvset{fontsize=\small,formatcom=\xeCJKVerbAddon}",
            # after sphinx-jupyterbook-latex's preamble, which names the contents "Contents"
            "preamble": PREAMBLE + elements.get("preamble", "") + (ZH_PREAMBLE if is_chinese(config) else ""),
            "sphinxsetup": "hmargin=2.2cm, vmargin=2.5cm",
        }
    )
    config.latex_elements = elements


def book_version():
    """The book's version is the chainrule package's (as the HTML footer says)."""
    init = (HERE.parent / "src" / "chainrule" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', init, re.M).group(1)


def copy_class(app):
    """LaTeX only: the class beside the .tex, and the version on the title page."""
    if app.builder.name != "latex":
        return
    shutil.copy2(HERE / "latex" / f"{CLASS}.cls", Path(app.outdir) / f"{CLASS}.cls")
    if not app.config.release:  # the builder's context: the HTML build keeps its own config
        app.builder.context["release"] = book_version()
        app.builder.context["releasename"] = words(app.config)["version"]


def _raw(text):
    return nodes.raw("", text, format="latex")


class ExplorerStartFrames(SphinxPostTransform):
    """An explorer's mime bundle (before myst-nb picks one type, priority 4): its start frame
    (image/png, when the stored output has it) and a paragraph with its description."""

    default_priority = 3
    builders = ("latex",)

    def run(self, **kwargs):
        for bundle in list(self.document.findall(nodes.container)):
            if bundle.get("nb_element") != "mime_bundle":
                continue
            by_type = {child.get("mime_type"): child for child in bundle.children}
            page = by_type.get("text/html")
            text = page.astext() if page is not None else ""
            if 'class="chainrule-explorer"' not in text:
                continue
            title = re.search(r'role="group" aria-label="([^"]*)"', text)
            parameter = re.search(r"<label for=[^>]*>(.*?)</label>", text)
            value = re.search(r"<output for=[^>]*>(.*?)</output>", text)
            description = re.search(r'<p class="chainrule-explorer-description"[^>]*>(.*?)</p>', text, re.S)
            line = words(self.config)["explorer"].format(
                **{
                    key: html.unescape(match.group(1)) if match else ""
                    for key, match in (("title", title), ("parameter", parameter), ("value", value), ("description", description))
                }
            )
            for mime in list(by_type):
                if mime != "image/png":
                    bundle.remove(by_type[mime])
            paragraph = nodes.paragraph("", "", nodes.emphasis("", line), classes=["chainrule-explorer-description"])
            if bundle.children:
                bundle.parent.insert(bundle.parent.index(bundle) + 1, paragraph)
            else:
                bundle.replace_self(paragraph)


class WrappedTables(SphinxPostTransform):
    """Tables with columns that wrap: Sphinx gives a long table (the glossary) unwrapped "l" columns
    unless widths were given, and a Chinese cell then runs off the page. Each column gets the
    width the source gives it (MyST: equal shares)."""

    default_priority = 400
    builders = ("latex",)

    def run(self, **kwargs):
        for table in self.document.findall(nodes.table):
            if "colwidths-given" not in table["classes"]:
                table["classes"].append("colwidths-given")


class ChapterNumbers(SphinxPostTransform):
    """Chapter counters from the file names, and the solutions moved to their own chapter."""

    default_priority = 350  # before sphinx-jupyterbook-latex hides folded inputs (400)
    builders = ("latex",)

    def run(self, **kwargs):
        # the root page (the preface) comes first, after the contents: its title is the book's, on
        # the title page, so it gets a heading of its own
        preface = words(self.config)["preface"]
        heading = rf"\chainruleunnumbered\chapter*{{{preface}}}\addcontentsline{{toc}}{{chapter}}{{{preface}}}"
        self.document.insert(0, _raw(heading + rf"\markboth{{{preface}}}{{{preface}}}" + "\n"))
        solutions = []  # (chapter title, [(exercise title, [cells])])
        last_file = None
        for start in list(self.document.findall(addnodes.start_of_file)):
            docname = start.get("docname", "")
            section = next((c for c in start.children if isinstance(c, nodes.section)), None)
            if section is None:
                continue
            last_file = start
            chapter = chapter_number(docname)
            if chapter is not None:
                # first in the file: a raw node between a target and its section would make
                # Sphinx write the target's label twice
                start.insert(0, _raw(f"\\chainrulechapter{{{chapter}}}\n"))
                section.insert(1, _raw("\\chainrulesections\n"))
                moved = self.take_solutions(section)
                if moved:
                    solutions.append((section[0].astext(), moved))
            else:
                start.insert(0, _raw("\\chainruleunnumbered\n"))
        if solutions and last_file is not None:
            self.add_solutions_chapter(last_file, solutions)

    def take_solutions(self, chapter):
        """Detach the solution cells, each under the title of the (sub)section it was in."""
        moved = []
        for cell in list(chapter.findall(nodes.container)):
            if "tag_solution" not in cell.get("classes", []):
                continue
            heading = cell.parent
            while heading is not None and not isinstance(heading, nodes.section):
                heading = heading.parent
            title = heading[0].astext() if heading is not None else ""
            cell.parent.remove(cell)
            cell["classes"] = [c for c in cell["classes"] if c not in ("tag_hide-input", "tag_hide-cell")]
            for block in list(cell.findall(nodes.literal_block)):
                # Colab's "# @title Solution (on Colab: double-click …)" line says nothing on paper
                first, _, rest = block.astext().partition("\n")
                if first.startswith("# @title") and rest:
                    block.replace_self(nodes.literal_block(rest, rest, **block.attributes))
            if moved and moved[-1][0] == title:
                moved[-1][1].append(cell)
            else:
                moved.append((title, [cell]))
        return moved

    def add_solutions_chapter(self, last_file, solutions):
        """A chapter before the last page (the references), unnumbered, one section per chapter."""
        w = words(self.config)
        chapter = nodes.section("", nodes.title("", w["solutions"]), ids=["chainrule-solutions"], names=[])
        chapter += nodes.paragraph("", w["solutions_intro"])
        for k, (chapter_title, exercises) in enumerate(solutions):
            part = nodes.section("", nodes.title("", chapter_title), ids=[f"chainrule-solutions-{k}"])
            for j, (title, cells) in enumerate(exercises):
                entry = nodes.section("", nodes.title("", title), ids=[f"chainrule-solutions-{k}-{j}"])
                entry.extend(cells)
                part += entry
            chapter += part
        start = addnodes.start_of_file(docname="chainrule-solutions")
        start += _raw("\\chainruleunnumbered\n")
        start += chapter
        last_file.parent.insert(last_file.parent.index(last_file), start)


def pdf_name(config):
    """The edition's PDF: latex_documents' target (``latex.latex_documents.targetname`` in _config.yml)."""
    target = config.latex_documents[0][1] if config.latex_documents else "chainrule-book.tex"
    return re.sub(r"\.tex$", "", target) + ".pdf"


def links_to_pdf(app):
    """``chainrule_pdf_link`` (conf), by default true but in the course edition (tools/course_edition.py
    builds it from ``_build/course-src/``): the PDF has the solutions, which that edition leaves out."""
    if app.config.chainrule_pdf_link is not None:
        return bool(app.config.chainrule_pdf_link)
    return "course-src" not in Path(app.srcdir).resolve().parts


def add_pdf_button(app, pagename, templatename, context, doctree):
    """Every page of the book: the theme's download menu starts with the whole book as PDF, which the
    Pages workflow (and `make pdf`, when the HTML book is there) puts at the root of the edition."""
    buttons = context.get("header_buttons")
    if app.builder.format != "html" or buttons is None or not links_to_pdf(app):
        return
    w = words(app.config)
    entry = {
        "type": "link",
        "url": context["pathto"](pdf_name(app.config), 1),
        "text": w["pdf_button"],
        "tooltip": w["pdf_tooltip"],
        "icon": "fas fa-book",
        "label": "download-book-pdf-button",
    }
    # pages without a download menu (search, index) get no button of their own: one more button
    # would widen their header past a 320 px phone's width in the Chinese edition
    group = next((b for b in buttons if b.get("label") == "download-buttons"), None)
    if group is not None:
        group["buttons"].insert(0, entry)


def setup(app):
    app.add_config_value("chainrule_pdf_link", None, "html")
    app.connect("config-inited", configure, priority=900)
    app.connect("builder-inited", copy_class)
    app.connect("html-page-context", add_pdf_button, priority=600)  # after the theme's buttons (500)
    app.add_post_transform(ExplorerStartFrames)
    app.add_post_transform(ChapterNumbers)
    app.add_post_transform(WrappedTables)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
