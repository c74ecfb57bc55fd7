"""The book's figure style: colours a colour-blind reader can tell apart, and never colour alone.

The palette is Okabe & Ito's (2008), designed to stay distinct under the common forms of
colour blindness. Lines also cycle through line styles, so two curves differ in more than
their colour. ``import chainrule`` applies the style; ``COLORS`` names the colours for
figures that pick one explicitly (e.g. "good" and "bad" runs).
"""

import matplotlib as mpl
from cycler import cycler

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


def book_style():
    """The rcParams of the book's figures (apply with ``matplotlib.rcParams.update``)."""
    return {
        "axes.prop_cycle": cycler(color=list(COLORS.values())) + cycler(linestyle=LINESTYLES),
        "image.cmap": SEQUENTIAL_CMAP,
        "legend.framealpha": 0.9,
        "figure.dpi": 100,
    }


def use_book_style():
    mpl.rcParams.update(book_style())
