"""One spacing rule for the Chinese edition's prose and the checker's Chinese messages (issue 25
§4, tools/zh_style.py): no space between Chinese and a Latin letter, digit, inline code or formula."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("zh_style", ROOT / "tools" / "zh_style.py")
style = importlib.util.module_from_spec(spec)
spec.loader.exec_module(style)


def test_the_rule_flags_a_space_beside_latin_and_nothing_else():
    wrong = ["使用 scikit-learn自带的数据", "### 练习 2.1 — 热身", "输出 $a$的梯度", "调用`cr.grad` 的结果", "共 1,797 个"]
    right = ["使用scikit-learn自带的数据", "### 练习2.1 — 热身", "softmax + 交叉熵", "$a > b$时", "| 量 | 公式 |",
             ":::{admonition} 原文", "# 1. 神经元", "$\\text{（样本 } k\\text{）}$"]
    assert [t for t in wrong if not style.text_problems(t)] == []
    assert [t for t in right if style.text_problems(t)] == []
    assert style.fix_text("输出 $a + b$ 的梯度，共 3 个") == "输出$a + b$的梯度，共3个"
    assert style.fix_text("$f$ 在 $x$ 处，$y$ 与 $f$") == "$f$在$x$处，$y$与$f$"  # each formula where it was
    assert style.text_problems("```python\nx = 1  # 一 个\n```\n$$\n\\text{样本 } k\n$$") == []
    assert style.text_problems("$$a = 1$$\n使用 numpy"), "a one-line display formula ends where it ends"


def test_the_book_and_the_checker_keep_to_it():
    found = [line for path in style.default_files() for line in style.problems(path)]
    assert found == [], "python tools/zh_style.py --fix FILE removes them:\n" + "\n".join(found[:20])
