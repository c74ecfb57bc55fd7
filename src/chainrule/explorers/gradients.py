"""The gradient-problems explorer (chapter 7): depth, activation and initialisation of a
deep MLP redraw, per layer on a log scale, two gradient norms: ‖∂L/∂W_l‖ (what the update
of layer l sees) and ‖∂L/∂a_l‖ (the gradient that reaches layer l's output)."""

import itertools

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from ..models.deep import ACTIVATIONS, INITS, layer_gradients
from ..notebook.style import COLORS
from .static import StaticExplorer, figure_png


def _trend(ratio):
    """Layer 1 over the last layer: more than a factor of 10 either way is called a trend."""
    return "vanishing towards the input" if ratio < 0.1 else "exploding towards the input" if ratio > 10 else "level"


def summary(depth=20, activation="sigmoid", init="N(0,1)", width=64):
    """The per-layer norms and their first/last-layer ratios."""
    grads = layer_gradients(width=width, depth=depth, activation=activation, init=init)
    ratios = {key: grads[key][0] / grads[key][-1] for key in ("W", "a")}
    return grads, ratios


def draw(depth=20, activation="sigmoid", init="N(0,1)", width=64):
    grads, ratios = summary(depth, activation, init, width)
    layers = np.arange(1, depth + 1)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.semilogy(layers, grads["W"], "o-", color=COLORS["blue"], label="‖∂L/∂W_l‖ (weight gradient)")
    ax.semilogy(layers, grads["a"], "s--", color=COLORS["vermillion"], label="‖∂L/∂a_l‖ (gradient reaching layer l)")
    ax.set_xlabel("layer l (1 = next to the input)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("gradient norm (log scale)")
    ax.set_title(
        f"{activation}, {init} init, depth {depth}\n"
        f"layer 1 / layer {depth}: ‖∂L/∂W‖ {ratios['W']:.1e} ({_trend(ratios['W'])}), "
        f"‖∂L/∂a‖ {ratios['a']:.1e} ({_trend(ratios['a'])})",
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
    return (
        f"Gradient norms per layer on a log scale for a {depth}-layer {activation} network with {init} "
        f"initialisation. From layer 1 to layer {depth}, the weight gradient's ratio is {ratios['W']:.1e} "
        f"({_trend(ratios['W'])}) and the gradient reaching each layer's output has ratio {ratios['a']:.1e} "
        f"({_trend(ratios['a'])})."
    )


def live():
    import ipywidgets as widgets

    def show(depth, activation, init):
        draw(depth, activation, init)
        plt.show()

    return widgets.interactive(
        show,
        depth=widgets.IntSlider(value=20, min=2, max=40, description="depth"),
        activation=widgets.Dropdown(options=list(ACTIVATIONS), value="sigmoid", description="activation"),
        init=widgets.Dropdown(options=list(INITS), value="N(0,1)", description="init"),
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
        "Gradient-problems explorer",
        "activation, initialisation",
        [f"{a}, {i}" for a, i in combos],
        frames,
        descriptions=[describe(depth, a, i) for a, i in combos],
    )
