"""The gradient-problems explorer (chapter 7): depth, activation and initialisation of a
deep MLP redraw, per layer on a log scale, two gradient norms: ‖∂L/∂W_l‖ (what the update
of layer l sees) and ‖∂L/∂a_l‖ (the gradient that reaches layer l's output)."""

import itertools

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from ..language import pick
from ..models.deep import ACTIVATIONS, INITS, layer_gradients
from ..notebook.style import COLORS, figure_text
from .static import StaticExplorer, figure_png


def _trend(ratio, say=pick):
    """Layer 1 over the last layer: more than a factor of 10 either way is called a trend."""
    if ratio < 0.1:
        return say("vanishing towards the input", "向输入方向消失")
    if ratio > 10:
        return say("exploding towards the input", "向输入方向爆炸")
    return say("level", "持平")


def summary(depth=20, activation="sigmoid", init="N(0,1)", width=64):
    """The per-layer norms and their first/last-layer ratios."""
    grads = layer_gradients(width=width, depth=depth, activation=activation, init=init)
    ratios = {key: grads[key][0] / grads[key][-1] for key in ("W", "a")}
    return grads, ratios


def draw(depth=20, activation="sigmoid", init="N(0,1)", width=64):
    grads, ratios = summary(depth, activation, init, width)
    layers = np.arange(1, depth + 1)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.semilogy(layers, grads["W"], "o-", color=COLORS["blue"],
                label=figure_text("‖∂L/∂W_l‖ (weight gradient)", "‖∂L/∂W_l‖（权重的梯度）"))
    ax.semilogy(layers, grads["a"], "s--", color=COLORS["vermillion"],
                label=figure_text("‖∂L/∂a_l‖ (gradient reaching layer l)", "‖∂L/∂a_l‖（到达第l层的梯度）"))
    ax.set_xlabel(figure_text("layer l (1 = next to the input)", "第l层（1为紧挨输入的一层）"))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(figure_text("gradient norm (log scale)", "梯度范数（对数坐标）"))
    trend_w, trend_a = _trend(ratios["W"], figure_text), _trend(ratios["a"], figure_text)
    ax.set_title(
        figure_text(
            f"{activation}, {init} init, depth {depth}\n"
            f"layer 1 / layer {depth}: ‖∂L/∂W‖ {ratios['W']:.1e} ({trend_w}), ‖∂L/∂a‖ {ratios['a']:.1e} ({trend_a})",
            f"{activation}，{init}初始化，深度{depth}\n"
            f"第1层/第{depth}层：‖∂L/∂W‖ {ratios['W']:.1e}（{trend_w}），‖∂L/∂a‖ {ratios['a']:.1e}（{trend_a}）",
        ),
        fontsize=9,
    )
    low = min(grads["W"].min(), grads["a"].min())
    high = max(grads["W"].max(), grads["a"].max())
    ax.set_ylim(max(low / 10, 1e-300), high * 1e3)  # headroom above the data for the legend
    ax.legend(loc="upper center", ncol=1, fontsize=8)
    fig.tight_layout()
    return fig


def describe(depth, activation, init):
    """Alt text for one frame: what it shows and what to notice."""
    _, ratios = summary(depth, activation, init)
    return pick(
        f"Gradient norms per layer on a log scale for a {depth}-layer {activation} network with {init} "
        f"initialisation. From layer 1 to layer {depth}, the weight gradient's ratio is {ratios['W']:.1e} "
        f"({_trend(ratios['W'])}) and the gradient reaching each layer's output has ratio {ratios['a']:.1e} "
        f"({_trend(ratios['a'])}).",
        f"一个{depth}层、使用{init}初始化的{activation}网络中，各层梯度范数（对数坐标）。从第1层到第{depth}层，"
        f"权重梯度之比为{ratios['W']:.1e}（{_trend(ratios['W'])}），到达各层输出的梯度之比为{ratios['a']:.1e}"
        f"（{_trend(ratios['a'])}）。",
    )


def live():
    import ipywidgets as widgets

    def show(depth, activation, init):
        draw(depth, activation, init)
        plt.show()

    return widgets.interactive(
        show,
        depth=widgets.IntSlider(value=20, min=2, max=40, description=pick("depth", "深度")),
        activation=widgets.Dropdown(options=list(ACTIVATIONS), value="sigmoid", description=pick("activation", "激活函数")),
        init=widgets.Dropdown(options=list(INITS), value="N(0,1)", description=pick("init", "初始化")),
    )


def static(depth=20):
    """Every activation × initialisation at one depth, as a slider for the HTML book."""
    combos = list(itertools.product(ACTIVATIONS, INITS))
    frames = []
    for a, i in combos:
        fig = draw(depth, a, i)
        frames.append(figure_png(fig, dpi=64))
        plt.close(fig)
    return StaticExplorer(
        pick("Gradient-problems explorer", "梯度问题探索器"),
        pick("activation, initialisation", "激活函数，初始化"),
        [f"{a}, {i}" for a, i in combos],
        frames,
        descriptions=[describe(depth, a, i) for a, i in combos],
    )
