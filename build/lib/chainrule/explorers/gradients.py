"""The gradient-problems explorer (chapter 7): depth, activation and initialisation of a
deep MLP redraw the per-layer gradient norms ‖∂L/∂W_l‖ on a log scale."""

import itertools

import matplotlib.pyplot as plt
import numpy as np

from ..deep import ACTIVATIONS, INITS, layer_gradient_norms
from .static import StaticExplorer, figure_png


def draw(depth=20, activation="sigmoid", init="N(0,1)", width=64):
    norms = layer_gradient_norms(width=width, depth=depth, activation=activation, init=init)
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.semilogy(np.arange(1, depth + 1), norms, "o-")
    ax.set_xlabel("layer l (1 = next to the input)")
    ax.set_ylabel("‖∂L/∂W_l‖")
    ratio = norms[0] / norms[-1]
    trend = "vanishing towards the input" if ratio < 1e-2 else "exploding towards the input" if ratio > 1e2 else "stable"
    ax.set_title(f"{activation}, {init} init, depth {depth}\nfirst layer / last layer = {ratio:.1e}: {trend}")
    ax.set_ylim(max(norms.min() / 10, 1e-30), norms.max() * 10)
    fig.tight_layout()
    return fig


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
    return StaticExplorer(
        "Gradient-problems explorer",
        "activation, initialisation",
        [f"{a}, {i}" for a, i in combos],
        [figure_png(draw(depth, a, i), dpi=64) for a, i in combos],
    )
