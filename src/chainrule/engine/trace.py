"""The backward pass as data: one row per edge of the graph, in the order backprop runs.

Each row says: at ``node`` (made by ``op``) the upstream gradient dL/d(node) arrives; the
local derivative d(node)/d(input) is multiplied in (chain rule); the ``contribution`` is
added to the input's running ``total`` (sum over paths). ``trace_backward(loss)`` returns
the rows; in Jupyter they show as a table, in a terminal as text.
"""

import html
from dataclasses import dataclass

import numpy as np

from ..language import display_width, get_language
from .backprop import backpropagate, topological_order, vjp
from .broadcast import unbroadcast

# Jacobians larger than this many entries are not formed (they are only for reading).
MAX_JACOBIAN_ENTRIES = 64


@dataclass
class TraceRow:
    step: int
    node: str
    op: str
    input: str
    upstream: np.ndarray  # dL/d(node)
    local: np.ndarray | None  # d(node)/d(input), the Jacobian; None when too large to show
    contribution: np.ndarray  # upstream · local, summed back to the input's shape
    total: np.ndarray  # dL/d(input) so far

    def as_dict(self):
        return dict(vars(self))


def local_jacobian(node, index):
    """d(node)/d(node._parents[index]): a number when both are numbers, else a matrix with
    one row per element of node and one column per element of the input."""
    parent = node._parents[index]
    if node.size * parent.size > MAX_JACOBIAN_ENTRIES:
        return None
    rows = []
    for i in range(node.size):
        unit = np.zeros(node.size, dtype=node.dtype)
        unit[i] = 1.0
        grad = vjp(node, unit.reshape(node.shape))[index]
        grad = grad() if callable(grad) else grad
        rows.append(np.zeros(parent.shape) if grad is None else unbroadcast(grad, parent.shape))
    jac = np.array(rows)
    return jac.reshape(()) if jac.size == 1 and node.ndim == parent.ndim == 0 else jac.reshape(node.size, parent.size)


def labels(root):
    """Names for every node: its own ``name``, else the op and its place in the graph."""
    names, counts = {}, {}
    for node in topological_order(root):
        if node.name:
            names[id(node)] = node.name
        else:
            kind = node.op or "input"
            counts[kind] = counts.get(kind, 0) + 1
            names[id(node)] = f"{kind}{counts[kind]}"
    return names


class BackwardTrace:
    """The recorded rows of one backward pass (``rows``), shown as a table."""

    def __init__(self, rows):
        self.rows = rows

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    COLUMNS = ("step", "node", "op", "input", "dL/d(node)", "d(node)/d(input)", "contribution", "dL/d(input) so far")
    COLUMNS_ZH = ("步骤", "节点", "运算", "输入", "dL/d(节点)", "d(节点)/d(输入)", "贡献", "目前的dL/d(输入)")

    @classmethod
    def columns(cls):
        """The headers in the reader's language (the Chinese edition: set_language("zh"))."""
        return cls.COLUMNS_ZH if get_language() == "zh" else cls.COLUMNS

    def _cells(self, row):
        numbers = (row.upstream, row.local, row.contribution, row.total)
        return (str(row.step), row.node, row.op, row.input, *(fmt(v) for v in numbers))

    def __str__(self):
        table = [self.columns()] + [self._cells(r) for r in self.rows]
        widths = [max(display_width(line[i]) for line in table) for i in range(len(self.COLUMNS))]
        lines = ["  ".join(cell + " " * (w - display_width(cell)) for cell, w in zip(line, widths, strict=False)).rstrip()
                 for line in table]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns())
        body = "".join(
            "<tr>" + "".join(f"<td><code>{html.escape(c)}</code></td>" for c in self._cells(r)) + "</tr>" for r in self.rows
        )
        return f'<table class="chainrule-trace"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def fmt(value):
    """A short, stable text for a number or a small array (4 significant decimals)."""
    if value is None:
        return "(too large to show)"
    arr = np.asarray(value, dtype=float) + 0.0  # + 0.0 turns -0.0 into 0.0
    if arr.size == 1:
        return f"{arr.item():.4g}"
    text = np.array2string(np.round(arr, 4) + 0.0, precision=4, separator=", ", suppress_small=True, threshold=12)
    return " ".join(text.split())


def trace_backward(root, grad=None):
    """Run ``root.backward()`` and return every step of it as a BackwardTrace."""
    names = labels(root)
    rows = []

    def record(node, index, upstream, contribution, total):
        parent = node._parents[index]
        rows.append(
            TraceRow(
                step=len(rows) + 1,
                node=names[id(node)],
                op=node.op,
                input=names[id(parent)],
                upstream=np.array(upstream),
                local=local_jacobian(node, index),
                contribution=np.array(contribution),
                total=np.array(total),
            )
        )

    backpropagate(root, grad, on_edge=record)
    return BackwardTrace(rows)
