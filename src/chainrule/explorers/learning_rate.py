"""The learning-rate explorer (chapter 3): gradient descent on an elongated quadratic bowl,
its path on the contour plot and its loss curve, for a chosen learning rate η."""

import matplotlib.pyplot as plt
import numpy as np

from ..language import pick
from ..models.quadratic import elongated_bowl, gradient_descent
from ..notebook.style import COLORS, figure_text
from .static import precompute

START = np.array([-1.5, 2.0])


def verdict(q, lr, run, say=pick):
    """One line that says what happened and why, in terms of η and 2/λ_max (``say``: pick, for
    a description, or figure_text, for a figure's words)."""
    limit = q.max_stable_lr
    if run.diverged:
        return say(f"diverged after {len(run.losses) - 1} steps: η = {lr:.3g} > 2/λ_max = {limit:.3g}",
                   f"{len(run.losses) - 1}步后发散：η = {lr:.3g} > 2/λ_max = {limit:.3g}")
    if np.isclose(lr, limit):
        return say(f"η = 2/λ_max = {limit:.3g}: the steep direction flips sign every step and never shrinks",
                   f"η = 2/λ_max = {limit:.3g}：陡峭方向每一步都变号，而且永不缩小")
    if lr > 0.9 * limit:
        return say(f"converging slowly with oscillation: η = {lr:.3g} is close to 2/λ_max = {limit:.3g}",
                   f"振荡着缓慢收敛：η = {lr:.3g}接近2/λ_max = {limit:.3g}")
    return say(f"converges: η = {lr:.3g} < 2/λ_max = {limit:.3g}; final loss {run.losses[-1]:.2e}",
               f"收敛：η = {lr:.3g} < 2/λ_max = {limit:.3g}；最终损失{run.losses[-1]:.2e}")


def draw(lr, steps=30, q=None, w0=START):
    """The figure for one learning rate: path on the contours (left), loss per step (right)."""
    q = q or elongated_bowl()
    run = gradient_descent(q, w0, lr, steps)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    g1, g2 = np.meshgrid(np.linspace(-2.5, 3.5, 121), np.linspace(-2, 3, 101))
    grid = np.stack([g1, g2], axis=-1)
    left.contour(g1, g2, q.loss(grid), levels=np.geomspace(0.01, 40, 14), cmap="viridis", linewidths=0.8)
    shown = run.path[np.all(np.abs(run.path) < 50, axis=1)]
    left.plot(shown[:, 0], shown[:, 1], marker="o", ls="-", color=COLORS["vermillion"], ms=3, lw=1)
    left.plot(*q.w_star, "k*", ms=10)
    left.set_xlim(-2.5, 3.5)
    left.set_ylim(-2, 3)
    left.set_aspect("equal")
    left.set_xlabel("$w_1$")
    left.set_ylabel("$w_2$")
    left.set_title(figure_text("path of w on the loss contours (★ minimum)", "w在损失等高线上的路径（★为最小值）"))
    right.semilogy(np.arange(len(run.losses)), np.maximum(run.losses, 1e-16), marker="o", ls="-", ms=3)
    right.set_xlabel(figure_text("step", "步数"))
    right.set_ylabel(figure_text("loss L(w)", "损失L(w)"))
    right.set_xlim(0, steps)
    right.set_title(figure_text("loss per step", "每一步的损失"))
    fig.suptitle(f"η = {lr:.3g}{figure_text(': ', '：')}{verdict(q, lr, run, say=figure_text)}",
                 color=COLORS["vermillion"] if run.diverged else "black")
    fig.tight_layout()
    return fig


def live(steps=30):
    """The live explorer: sliders for η (log scale) and the number of steps."""
    import ipywidgets as widgets

    def show(lr, steps):
        draw(lr, steps)
        plt.show()

    return widgets.interactive(
        show,
        lr=widgets.FloatLogSlider(value=0.05, base=10, min=-2.5, max=np.log10(0.4), step=0.05, description="η"),
        steps=widgets.IntSlider(value=steps, min=5, max=100, step=5, description=pick("steps", "步数")),
    )


LEARNING_RATES = [0.01, 0.02, 0.05, 0.1, 0.15, 0.18, 0.2, 0.21, 0.25]


def describe(lr, steps=30, q=None, w0=START):
    """Alt text for the figure ``draw(lr, steps)``: what it shows and what to notice."""
    q = q or elongated_bowl()
    run = gradient_descent(q, w0, lr, steps)
    return pick(
        f"Left: the path of gradient descent with learning rate η = {lr:.3g} on the contours of an elongated "
        f"quadratic bowl (condition number {q.condition_number:.3g}); right: its loss per step on a log scale. "
        f"Outcome: {verdict(q, lr, run)}.",
        f"左图：学习率η = {lr:.3g}时，梯度下降在一个狭长的二次碗形函数（条件数{q.condition_number:.3g}）"
        f"等高线上的路径；右图：每一步的损失（对数坐标）。结果：{verdict(q, lr, run)}。",
    )


def static(steps=30):
    """The same figure for precomputed learning rates, for the HTML book (no kernel)."""
    return precompute(
        pick("Learning-rate explorer", "学习率探索器"),
        pick("learning rate η", "学习率η"),
        LEARNING_RATES,
        lambda lr: draw(lr, steps),
        start=2,
        dpi=64,
        describe=lambda lr: describe(lr, steps),
    )
