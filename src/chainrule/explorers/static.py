"""A slider over precomputed frames, as self-contained HTML: no kernel, no CDN, no server.

Each frame is a PNG embedded as a data URI; a range input shows one at a time. The
small inline handler is the only script, so the element works in the static book, in a
downloaded page, and offline.

Accessibility: every frame's ``<img>`` carries alt text that describes that frame (the
explorer passes one description per frame, or ``describe(value)`` to ``precompute``; without
them a description is made from the parameter's value). The slider is named by a ``<label
for>`` holding the parameter alone, its value is read out once through ``aria-valuetext``
("0.05"), and the shown frame's description is repeated as text in a polite live region, so a screen reader
announces what the new frame shows as the slider moves (hidden frames are
``display:none`` and so out of the accessibility tree).

Without a slider (the PDF edition), the stored output also carries the start frame as
image/png with its description (``_repr_png_``).
"""

import base64
import hashlib
import html
import io
import json
import re

import matplotlib.pyplot as plt

from ..language import pick

HANDLER = (
    "var box=this.closest('.chainrule-explorer'),i=+this.value,labels=JSON.parse(this.dataset.labels),shown;"
    "box.querySelectorAll('img').forEach(function(im,k){im.style.display=k===i?'block':'none';if(k===i)shown=im;});"
    "box.querySelector('output').textContent=labels[i];"
    "this.setAttribute('aria-valuetext',labels[i]);"
    "box.querySelector('.chainrule-explorer-description').textContent=shown.alt;"
)


def figure_png(fig, dpi=80):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def default_description(title, parameter, label, k, n):
    """What can be said without knowing the figure: which frame, at which value."""
    return pick(f"{title}, frame {k + 1} of {n}: the figure for {parameter} = {label}.",
                f"{title}，第{k + 1}帧（共{n}帧）：{parameter} = {label}时的图。")


def long_enough(description):
    """A description says something: four words, or in Chinese (no spaces) eight characters."""
    if not isinstance(description, str):
        return False
    return len(description.split()) >= 4 or len(re.findall(r"[\u4e00-\u9fff]", description)) >= 8


class StaticExplorer:
    """Displays as the HTML slider in Jupyter and in the book; ``frames`` are PNG bytes.

    ``descriptions`` (optional): one alt text per frame, saying what that frame shows and
    what to notice (one or two sentences, plain text).
    """

    def __init__(self, title, parameter, labels, frames, start=0, descriptions=None):
        if len(labels) != len(frames) or not frames:
            raise ValueError(f"StaticExplorer: {len(labels)} labels for {len(frames)} frames")
        n = len(frames)
        if descriptions is None:
            descriptions = [default_description(title, parameter, label, k, n) for k, label in enumerate(labels)]
        if len(descriptions) != n:
            raise ValueError(f"StaticExplorer: {len(descriptions)} descriptions for {n} frames")
        if not all(long_enough(d) for d in descriptions):
            raise ValueError("StaticExplorer: every frame needs a description of at least four words")
        self.title, self.parameter, self.labels, self.frames, self.start = title, parameter, list(labels), frames, start
        self.descriptions = list(descriptions)

    def _repr_html_(self):
        slug = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-") or hashlib.sha1(self.title.encode()).hexdigest()[:8]
        ident = "explorer-" + slug
        esc = html.escape
        images = "".join(
            f'<img alt="{esc(description)}" '
            f'style="display:{"block" if k == self.start else "none"};max-width:100%" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode()}">'
            for k, (description, png) in enumerate(zip(self.descriptions, self.frames, strict=True))
        )
        labels = esc(json.dumps(self.labels))
        parameter, current = esc(self.parameter), esc(self.labels[self.start])
        return (
            f'<div class="chainrule-explorer" id="{ident}" role="group" aria-label="{esc(self.title)}">'
            # The slider is named by the parameter alone and says its value once, through
            # aria-valuetext; the visible value (<output>) stands outside the label.
            f'<div style="font-weight:600"><label for="{ident}-slider">{parameter}</label> = '
            f'<output for="{ident}-slider">{current}</output></div>'
            f'<input type="range" min="0" max="{len(self.frames) - 1}" step="1" value="{self.start}" '
            f'id="{ident}-slider" style="width:100%" aria-valuetext="{current}" '
            f'data-labels="{labels}" '
            f'oninput="{esc(HANDLER)}">{images}'
            f'<p class="chainrule-explorer-description" aria-live="polite" style="font-size:0.9em;margin:0.3em 0">'
            f"{esc(self.descriptions[self.start])}</p></div>"
        )

    def _repr_png_(self):
        """The start frame alone, with its description as the image's alt text: what a medium
        without a slider shows (the PDF: myst-nb's LaTeX output prefers image/png, and the book's
        LaTeX builder prints the description under it, see tools/pdf_latex.py). Jupyter and the
        HTML book prefer text/html, the slider."""
        return self.frames[self.start], {"alt": self.descriptions[self.start]}

    def __repr__(self):
        return f"<{self.title}: a slider over {len(self.frames)} precomputed frames of {self.parameter}>"


def precompute(title, parameter, values, draw, fmt="{:g}", start=0, dpi=80, describe=None):
    """Render ``draw(value) -> Figure`` for every value into a StaticExplorer.

    ``describe(value) -> str`` (optional) gives each frame's alt text.
    """
    descriptions = None if describe is None else [describe(v) for v in values]
    return StaticExplorer(
        title, parameter, [fmt.format(v) for v in values], [figure_png(draw(v), dpi) for v in values], start, descriptions
    )
