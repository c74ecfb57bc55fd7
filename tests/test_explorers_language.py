"""The explorers speak the reader's language (issue 25 §1): in the Chinese edition their titles,
slider names, frame descriptions (the alt text and live region a screen reader reads) and the
words drawn in their figures are Chinese; in the English edition nothing changed. Without a
font matplotlib can draw Chinese with, a figure keeps English words rather than empty boxes."""

import re

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from chainrule.explorers import gradients, learning_rate, softmax  # noqa: E402
from chainrule.language import set_language  # noqa: E402
from chainrule.notebook import style  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def chinese():
    set_language("zh")
    yield
    set_language("en")


def figure_words(fig):
    texts = [fig._suptitle.get_text()] if fig._suptitle else []
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend:
            texts += [t.get_text() for t in legend.get_texts()]
    plt.close(fig)
    return [t for t in texts if t.strip()]


DRAWS = {
    "learning_rate": lambda: learning_rate.draw(0.05, 10),
    "softmax": lambda: softmax.draw(softmax.LOGITS, 2.0),
    "gradients": lambda: gradients.draw(6, "sigmoid", "N(0,1)"),
}


@pytest.mark.parametrize("name", DRAWS)
def test_figures_are_drawn_in_chinese_in_the_chinese_edition(chinese, name):
    if style.cjk_font() is None:
        pytest.skip("no Chinese font for matplotlib here (make test installs fonts-noto-cjk)")
    words = figure_words(DRAWS[name]())
    english = [w for w in words if not CJK.search(w) and re.search(r"[a-z]{4,}", w.replace("softmax", ""))]
    assert not english, english


@pytest.mark.parametrize("name", DRAWS)
def test_figures_keep_english_words_without_a_chinese_font(chinese, monkeypatch, name):
    monkeypatch.setattr(style, "cjk_font", lambda: None)
    words = figure_words(DRAWS[name]())
    assert words and not any(CJK.search(w) for w in words), words


@pytest.mark.parametrize("name", DRAWS)
def test_the_english_edition_is_unchanged(name):
    words = figure_words(DRAWS[name]())
    assert words and not any(CJK.search(w) for w in words), words


def test_the_static_explorers_describe_every_frame_in_chinese(chinese):
    explorer = softmax.static()
    page = explorer._repr_html_()
    assert 'aria-label="softmax探索器"' in page and ">温度T</label>" in page
    assert all(CJK.search(d) and "温度" in d for d in explorer.descriptions)
    alts = re.findall(r'<img alt="([^"]*)"', page)
    assert len(alts) == len(explorer.frames) and all(CJK.search(a) for a in alts)


def test_describe_speaks_the_readers_language(chinese):
    assert "学习率" in learning_rate.describe(0.05) and "收敛" in learning_rate.describe(0.05)
    assert "向输入方向" in gradients.describe(20, "sigmoid", "N(0,1)")
    set_language("en")
    assert learning_rate.describe(0.05).startswith("Left: the path of gradient descent")


def test_the_backward_trace_has_chinese_headers_in_the_chinese_edition(chinese):
    import chainrule as cr

    x = cr.Tensor(3.0, name="x")
    trace = cr.trace_backward(x * x)
    assert "<th>节点</th>" in trace._repr_html_() and str(trace).startswith("步骤")
    lines = str(trace).splitlines()
    assert lines[1].count("-") > 0 and len(lines) == 4
    set_language("en")
    assert str(trace).startswith("step  node  op")
