"""A slider over precomputed frames, as self-contained HTML: no kernel, no CDN, no server.

Each frame is a PNG embedded as a data URI; a range input shows one at a time. The
small inline handler is the only script, so the element works in the static book, in a
downloaded page, and offline.
"""

import base64
import html
import io
import json
import re

import matplotlib.pyplot as plt

HANDLER = (
    "var box=this.closest('.chainrule-explorer'),i=+this.value;"
    "box.querySelectorAll('img').forEach(function(im,k){im.style.display=k===i?'block':'none';});"
    "box.querySelector('output').textContent=JSON.parse(this.dataset.labels)[i];"
)


def figure_png(fig, dpi=80):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


class StaticExplorer:
    """Displays as the HTML slider in Jupyter and in the book; ``frames`` are PNG bytes."""

    def __init__(self, title, parameter, labels, frames, start=0):
        if len(labels) != len(frames) or not frames:
            raise ValueError(f"StaticExplorer: {len(labels)} labels for {len(frames)} frames")
        self.title, self.parameter, self.labels, self.frames, self.start = title, parameter, list(labels), frames, start

    def _repr_html_(self):
        ident = "explorer-" + re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")
        images = "".join(
            f'<img alt="{html.escape(self.title)}: {html.escape(self.parameter)} = {html.escape(label)}" '
            f'style="display:{"block" if k == self.start else "none"};max-width:100%" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode()}">'
            for k, (label, png) in enumerate(zip(self.labels, self.frames, strict=True))
        )
        labels = html.escape(json.dumps(self.labels))
        return (
            f'<div class="chainrule-explorer" id="{ident}">'
            f'<label style="display:block;font-weight:600">{html.escape(self.parameter)} = '
            f"<output>{html.escape(self.labels[self.start])}</output></label>"
            f'<input type="range" min="0" max="{len(self.frames) - 1}" step="1" value="{self.start}" '
            f'style="width:100%" aria-label="{html.escape(self.parameter)}" data-labels="{labels}" '
            f'oninput="{html.escape(HANDLER)}">{images}</div>'
        )

    def __repr__(self):
        return f"<{self.title}: a slider over {len(self.frames)} precomputed frames of {self.parameter}>"


def precompute(title, parameter, values, draw, fmt="{:g}", start=0, dpi=80):
    """Render ``draw(value) -> Figure`` for every value into a StaticExplorer."""
    return StaticExplorer(title, parameter, [fmt.format(v) for v in values], [figure_png(draw(v), dpi) for v in values], start)
