"""The softmax explorer (chapter 5): logits and a temperature T redraw the probabilities
softmax(z/T) and the full Jacobian ∂pᵢ/∂zⱼ = pᵢ([i = j] − pⱼ)/T as a heatmap
([i = j] is 1 if i = j, else 0)."""

import matplotlib.pyplot as plt
import numpy as np

from ..engine.functions import softmax
from ..engine.jacobian import jacobian
from ..notebook.style import COLORS, DIVERGING_CMAP
from .static import precompute

LOGITS = (2.0, 1.0, 0.1, -1.0)


def draw(logits=LOGITS, temperature=1.0):
    z = np.asarray(logits, dtype=float)
    p = softmax(z / temperature).data
    J = jacobian(lambda t: softmax(t / temperature), z)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    left.bar(range(len(z)), p, color=COLORS["blue"])
    left.set_ylim(0, 1)
    left.set_xticks(range(len(z)), [f"z{i + 1} = {v:g}" for i, v in enumerate(z)])
    left.set_title("probabilities softmax(z / T)")
    left.set_ylabel("probability pᵢ")
    for i, v in enumerate(p):
        left.text(i, v + 0.02, f"{v:.2f}", ha="center")
    bound = max(np.abs(J).max(), 1e-3)
    image = right.imshow(J, cmap=DIVERGING_CMAP, vmin=-bound, vmax=bound)
    for (i, j), v in np.ndenumerate(np.round(J, 2) + 0.0):
        right.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8, color="white" if abs(v) > 0.6 * bound else "black")
    right.set_xticks(range(len(z)), [f"z{j + 1}" for j in range(len(z))])
    right.set_yticks(range(len(z)), [f"p{i + 1}" for i in range(len(z))])
    right.set_xlabel("logit zⱼ")
    right.set_ylabel("probability pᵢ")
    right.set_title("Jacobian ∂pᵢ/∂zⱼ = pᵢ([i = j] − pⱼ) / T")
    fig.colorbar(image, ax=right, shrink=0.8)
    fig.suptitle(f"T = {temperature:g}: {'sharper' if temperature < 1 else 'flatter' if temperature > 1 else 'plain'} softmax")
    fig.tight_layout()
    return fig


def live():
    """Sliders for four logits and the temperature (log scale)."""
    import ipywidgets as widgets

    def show(z1, z2, z3, z4, T):
        draw((z1, z2, z3, z4), T)
        plt.show()

    logit = dict(min=-4.0, max=4.0, step=0.1)
    return widgets.interactive(
        show,
        **{f"z{i + 1}": widgets.FloatSlider(value=v, description=f"z{i + 1}", **logit) for i, v in enumerate(LOGITS)},
        T=widgets.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.05, description="T"),
    )


TEMPERATURES = [0.25, 0.5, 1.0, 2.0, 4.0, 10.0]


def describe(temperature, logits=LOGITS):
    """The alt text of one frame: what it shows and what to notice."""
    z = np.asarray(logits, dtype=float)
    p = softmax(z / temperature).data
    J = (np.diag(p) - np.outer(p, p)) / temperature
    return (
        f"Softmax of the logits {', '.join(f'{v:g}' for v in z).replace('-', '−')} at temperature T = {temperature:g}: "
        f"probabilities {', '.join(f'{v:.2f}' for v in p)} (left bars); right, the {len(z)} × {len(z)} Jacobian heatmap, "
        f"diagonal entries positive, off-diagonal entries negative, the largest entry {J.max():.2f}."
    )


def static():
    """The same figure for precomputed temperatures, for the HTML book."""
    return precompute(
        "Softmax explorer", "temperature T", TEMPERATURES, lambda T: draw(LOGITS, T), start=2, dpi=64, describe=describe
    )
