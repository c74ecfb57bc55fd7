"""The book's figure style: colours a colour-blind reader can tell apart, and never colour alone.

The palette is Okabe & Ito's (2008), designed to stay distinct under the common forms of
colour blindness. Lines also cycle through line styles, so two curves differ in more than
their colour. ``import chainrule`` applies the style; ``COLORS`` names the colours for
figures that pick one explicitly (e.g. "good" and "bad" runs).
"""

import functools

import matplotlib as mpl
from cycler import cycler

from ..language import get_language

# Okabe–Ito, without its yellow (too pale on white for thin lines).
COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "black": "#000000",
}
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 2))]
# Diverging and sequential colour maps that are colour-blind safe and print in grey.
DIVERGING_CMAP = "PuOr"
SEQUENTIAL_CMAP = "viridis"


# Fonts with Chinese glyphs, in order of preference (Debian's fonts-noto-cjk gives the first).
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei",
                "PingFang SC", "SimHei")


@functools.cache
def cjk_font():
    """The name of a font matplotlib can draw Chinese with, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FAMILIES if name in names), None)


def figure_text(en, zh):
    """A figure's words in the reader's language: Chinese where the notebook speaks Chinese
    (``set_language("zh")``) and matplotlib has a Chinese font, English otherwise (without the
    font, the Chinese would draw as empty boxes). Keep formulas ($…$) out of the Chinese text:
    matplotlib's maths renderer has no Chinese glyphs."""
    return zh if get_language() == "zh" and cjk_font() else en


def book_style():
    """The rcParams of the book's figures (apply with ``matplotlib.rcParams.update``)."""
    style = {
        "axes.prop_cycle": cycler(color=list(COLORS.values())) + cycler(linestyle=LINESTYLES),
        "image.cmap": SEQUENTIAL_CMAP,
        "legend.framealpha": 0.9,
        "figure.dpi": 100,
    }
    if cjk_font():  # Latin from DejaVu Sans as always; Chinese glyphs from the CJK font
        style["font.family"] = ["DejaVu Sans", cjk_font()]
    return style


def use_book_style():
    mpl.rcParams.update(book_style())
