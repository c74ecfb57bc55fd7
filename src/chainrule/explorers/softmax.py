"""The softmax explorer (chapter 5): logits and a temperature T redraw the probabilities
softmax(z/T) and the full Jacobian ∂pᵢ/∂zⱼ = pᵢ([i = j] − pⱼ)/T as a heatmap
([i = j] is 1 if i = j, else 0)."""

import matplotlib.pyplot as plt
import numpy as np

from ..engine.functions import softmax
from ..engine.jacobian import jacobian
from ..language import pick
from ..notebook.style import COLORS, DIVERGING_CMAP, figure_text
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
    left.set_title(figure_text("probabilities softmax(z / T)", "概率softmax(z / T)"))
    left.set_ylabel(figure_text("probability pᵢ", "概率pᵢ"))
    for i, v in enumerate(p):
        left.text(i, v + 0.02, f"{v:.2f}", ha="center")
    bound = max(np.abs(J).max(), 1e-3)
    image = right.imshow(J, cmap=DIVERGING_CMAP, vmin=-bound, vmax=bound)
    for (i, j), v in np.ndenumerate(np.round(J, 2) + 0.0):
        right.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8, color="white" if abs(v) > 0.6 * bound else "black")
    right.set_xticks(range(len(z)), [f"z{j + 1}" for j in range(len(z))])
    right.set_yticks(range(len(z)), [f"p{i + 1}" for i in range(len(z))])
    right.set_xlabel(figure_text("logit zⱼ", "未规范化的预测zⱼ"))
    right.set_ylabel(figure_text("probability pᵢ", "概率pᵢ"))
    right.set_title(figure_text("Jacobian ∂pᵢ/∂zⱼ = pᵢ([i = j] − pⱼ) / T", "雅可比矩阵∂pᵢ/∂zⱼ = pᵢ([i = j] − pⱼ) / T"))
    fig.colorbar(image, ax=right, shrink=0.8)
    kind = (figure_text("sharper", "更尖锐的") if temperature < 1 else figure_text("flatter", "更平坦的") if temperature > 1
            else figure_text("plain", "普通的"))
    fig.suptitle(f"T = {temperature:g}{figure_text(': ', '：')}{kind}{figure_text(' softmax', 'softmax')}")
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
    logits, probs = ", ".join(f"{v:g}" for v in z).replace("-", "−"), ", ".join(f"{v:.2f}" for v in p)
    return pick(
        f"Softmax of the logits {logits} at temperature T = {temperature:g}: "
        f"probabilities {probs} (left bars); right, the {len(z)} × {len(z)} Jacobian heatmap, "
        f"diagonal entries positive, off-diagonal entries negative, the largest entry {J.max():.2f}.",
        f"温度T = {temperature:g}时，未规范化的预测{logits}的softmax：概率为{probs}（左侧条形图）；"
        f"右侧是{len(z)} × {len(z)}的雅可比矩阵热图，对角线元素为正，非对角线元素为负，最大元素为{J.max():.2f}。",
    )


def static():
    """The same figure for precomputed temperatures, for the HTML book."""
    return precompute(
        pick("Softmax explorer", "softmax探索器"), pick("temperature T", "温度T"), TEMPERATURES, lambda T: draw(LOGITS, T),
        start=2, dpi=64, describe=describe,
    )
