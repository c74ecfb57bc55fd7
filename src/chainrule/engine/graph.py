"""Draw a computational graph with matplotlib (no graphviz binary needed).

Inputs sit in the left column; every other node sits one column right of its furthest
input, so edges always point rightwards, in the direction the forward pass runs.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

from ..notebook.style import figure_text
from .backprop import topological_order
from .trace import fmt, labels


def layout(root):
    """Column (longest path from an input) and row of every node, keyed by id."""
    order = topological_order(root)
    column = {}
    for node in order:
        column[id(node)] = 1 + max((column[id(p)] for p in node._parents), default=-1)
    rows, used = {}, {}
    for node in order:
        c = column[id(node)]
        rows[id(node)] = used.get(c, 0)
        used[c] = rows[id(node)] + 1
    height = max(used.values())
    # Centre each column vertically.
    pos = {k: (column[k], (height - used[column[k]]) / 2 + rows[k]) for k in column}
    return order, pos


def node_text(node, name, show_grad):
    lines = [name if node.op is None or name.startswith(node.op) else f"{name} = {node.op}"]
    lines.append(f"= {fmt(node.data)}" if node.size == 1 else figure_text(f"shape {node.shape}", f"形状{node.shape}"))
    if show_grad and node.grad is not None:
        grad = figure_text("grad", "梯度")
        lines.append(f"{grad} {fmt(node.grad)}" if node.size == 1 else figure_text("grad: computed", "梯度：已算出"))
    return "\n".join(lines)


def draw_graph(root, ax=None, show_grad=True):
    """Draw the graph that computed ``root``; gradients are shown once backward has run."""
    order, pos = layout(root)
    names = labels(root)
    if ax is None:
        width = 2.4 * (1 + max(x for x, _ in pos.values()))
        height = 1.3 * (1 + max(y for _, y in pos.values()))
        _, ax = plt.subplots(figsize=(max(width, 4), max(height, 2.5)))
    for node in order:
        x, y = pos[id(node)]
        for parent in node._parents:
            px, py = pos[id(parent)]
            ax.annotate(
                "", xy=(x - 0.42, y), xytext=(px + 0.42, py),
                arrowprops=dict(arrowstyle="-|>", color="0.35", shrinkA=0, shrinkB=0),
            )
    for node in order:
        x, y = pos[id(node)]
        face = "#e8f1fb" if node.op is None else "#fdf3e1"
        ax.add_patch(FancyBboxPatch((x - 0.42, y - 0.32), 0.84, 0.64, boxstyle="round,pad=0.02", fc=face, ec="0.3"))
        ax.text(x, y, node_text(node, names[id(node)], show_grad), ha="center", va="center", fontsize=8)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(max(ys) + 0.6, min(ys) - 0.6)
    ax.set_axis_off()
    return ax
