"""Exercises of chapter 9, Outlook.

Feedback policy: a diagnosis says what is wrong and where to look (a section of chapter 9);
a formula appears only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from ..engine.rules import stable_sigmoid
from ..language import tr
from .core import exercise, matches, say

CHAPTER = "outlook"
ADAM = tr("chapter 9, “Adaptive learning rates: Adam”", "第9章“自适应学习率：Adam算法”")
SALIENCY = tr("chapter 9, “Explaining a prediction with gradients: saliency”", "第9章“用梯度解释预测：显著图”")
DROPOUT = tr("chapter 9, “A last backward pass: dropout”", "第9章“最后一个反向传播：暂退法”")


# --- 9.1 Adam -----------------------------------------------------------------------------------


def _adam_cases(rng):
    cases = []
    for s, t, lr in [((3,), 1, 0.01), ((2, 2), 5, 0.1), ((4,), 100, 0.003)]:
        m, v = rng.normal(size=s) * 0.1, rng.uniform(0.01, 0.1, size=s)
        cases.append((rng.normal(size=s), rng.normal(size=s), m, v, t, lr))
    # Tiny gradients and moments, where ε decides the step (the vanishing layers of chapter 7).
    g = np.array([3e-9, -1e-9, 2e-10]) * rng.uniform(0.5, 2, size=3)
    m, v = np.array([1e-9, 0.0, -1e-10]), np.array([1e-18, 1e-19, 1e-20])
    cases.append((rng.normal(size=3), g, m, v, 2, 0.05))
    # A weight with no gradient yet (g = m = v = 0) stays where it is.
    cases.append((rng.normal(size=(2, 2)), np.array([[0.0, 0.5], [-0.2, 0.0]]), np.zeros((2, 2)), np.zeros((2, 2)), 1, 0.02))
    return cases


def _adam(w, g, m, v, t, lr, correct=True, sqrt=True, eps_inside=False, eps=1e-8, beta1=0.9, beta2=0.999):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat, v_hat = (m / (1 - beta1**t), v / (1 - beta2**t)) if correct else (m, v)
        denom = np.sqrt(v_hat + eps) if eps_inside else (np.sqrt(v_hat) if sqrt else v_hat) + eps
        return w - lr * m_hat / denom, m, v, m_hat, v_hat


def _adam_mistakes(got, expected, args, i):
    w, g, m, v, t, lr = args
    ref = _adam(*args)
    if i in (1, 2) and matches(got, ref[i + 2]) and not matches(got, ref[i]):
        return say(
            tr(
                f"you return the bias-corrected moment; the state carried to the next step is the running average "
                f"itself — the correction is applied afresh at every step, for computing the update only ({ADAM.en})",
                f"你返回的是偏差修正后的矩；带到下一步的状态是滑动平均本身——修正在每一步都重新做一次，只用于计算更新（{ADAM.zh}）",
            ),
            tr("return m and v, not m̂ and v̂", "返回 m 和 v，而不是 m̂ 和 v̂"),
        )
    if i == 2 and matches(got, 0.999 * v + 0.001 * g):
        return say(
            tr(f"the second moment averages the squared gradients ({ADAM.en})", f"二阶矩是对梯度的平方取平均（{ADAM.zh}）"),
            tr("v ← β₂ v + (1 − β₂) g²", "二阶矩：v ← β₂ v + (1 − β₂) g²"),
        )
    if i != 0:
        return None
    if matches(got, _adam(*args, correct=False)[0]):
        return say(
            tr(
                f"the bias correction is missing: the moments start at zero, and m̂, v̂ undo that ({ADAM.en})",
                f"缺少偏差修正：矩从零开始，m̂、v̂ 正是为了抵消这一点（{ADAM.zh}）",
            ),
            tr("m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ)", "偏差修正：m̂ = m / (1 − β₁ᵗ)，v̂ = v / (1 − β₂ᵗ)"),
        )
    for wrong_t in (t - 1, t + 1):
        if wrong_t > 0 and matches(got, _adam(w, g, m, v, wrong_t, lr)[0]):
            return say(
                tr(
                    "the bias correction uses the wrong step number: t is the number of the step being taken, "
                    f"1 for the first ({ADAM.en})",
                    f"偏差修正用错了步数：t 是正在进行的这一步的序号，第一步为 1（{ADAM.zh}）",
                )
            )
    if matches(got, _adam(*args, sqrt=False)[0]):
        return say(
            tr(
                f"the step is divided by v̂ itself; it should be divided by a root-mean-square of the gradients ({ADAM.en})",
                f"更新量除以的是 v̂ 本身；应当除以梯度的均方根（{ADAM.zh}）",
            ),
            tr("divide by √v̂ + ε", "除以 √v̂ + ε"),
        )
    if matches(got, _adam(*args, eps_inside=True)[0]):
        return say(
            tr(
                "ε is inside the square root; in Adam it is added to the "
                f"root, which matters when gradients are tiny ({ADAM.en})",
                f"ε 在平方根里面；Adam 中它是加在平方根之后的，这在梯度很小时很重要（{ADAM.zh}）",
            ),
            tr("√v̂ + ε, not √(v̂ + ε)", "是 √v̂ + ε，而不是 √(v̂ + ε)"),
        )
    for fixed_lr in (0.01, 0.001):
        if not np.isclose(lr, fixed_lr) and matches(got, _adam(w, g, m, v, t, fixed_lr)[0]):
            return say(
                tr(
                    f"the step does not use the learning rate `lr` passed in ({ADAM.en})",
                    f"这一步没有用到传入的学习率 `lr`（{ADAM.zh}）",
                )
            )
    if matches(got, _adam(*args, eps=1e-7)[0]):
        return say(
            tr(
                f"ε has the wrong value: this exercise uses 10⁻⁸, the paper's (Keras's default is 10⁻⁷) ({ADAM.en})",
                f"ε 的值不对：本练习用论文中的 10⁻⁸（Keras 的默认值是 10⁻⁷）（{ADAM.zh}）",
            )
        )
    if matches(got, _adam(*args, eps=0.0)[0]):
        return say(
            tr(
                f"ε is missing from the denominator: it decides the step when gradients are tiny ({ADAM.en})",
                f"分母中缺少 ε：梯度很小时，步长由它决定（{ADAM.zh}）",
            )
        )
    return None


@exercise(
    id="outlook.adam_step",
    chapter=CHAPTER,
    title=tr("One step of Adam", "Adam 的一步"),
    signature="adam_step(w, g, m, v, t, lr)",
    outputs=(tr("new w", "新的 w"), tr("new m", "新的 m"), tr("new v", "新的 v")),
    cases=_adam_cases,
    diagnoses=(_adam_mistakes,),
    section=ADAM,
)
def adam_step(w, g, m, v, t, lr):
    return _adam(w, g, m, v, t, lr)[:3]


# --- 9.2 saliency: the gradient of a class score with respect to the input ------------------------


def _saliency_cases(rng):
    cases = []
    for n, h, n_classes, i in [(4, 3, 2, 1), (6, 5, 3, 0), (3, 7, 4, 2)]:
        x, W1, b1, W2 = rng.normal(size=n), rng.normal(size=(n, h)), rng.normal(size=h), rng.normal(size=(h, n_classes))
        cases.append((x, W1, b1, W2, i))
    return cases


def _saliency_mistakes(got, expected, args, _):
    x, W1, b1, W2, i = args
    a1 = stable_sigmoid(x @ W1 + b1)
    if matches(got, W1 @ W2[:, i]):
        return say(
            tr(
                f"the derivative of the hidden layer's sigmoid is missing from the chain ({SALIENCY.en})",
                f"链条中缺少隐藏层 sigmoid 的导数（{SALIENCY.zh}）",
            ),
            tr("∂z₂ᵢ/∂x = W1 (σ′(z₁) ⊙ W2[:, i]) in the code's row form", "按代码的行形式：∂z₂ᵢ/∂x = W1 (σ′(z₁) ⊙ W2[:, i])"),
        )
    if matches(got, W1 @ (a1 * W2[:, i])):
        return say(
            tr(
                f"the sigmoid's value σ(z₁) is used where its derivative belongs ({SALIENCY.en})",
                f"该用 sigmoid 导数的地方用了它的值 σ(z₁)（{SALIENCY.zh}）",
            ),
            tr("σ′ = σ(1 − σ)", "sigmoid 的导数：σ′ = σ(1 − σ)"),
        )
    s = stable_sigmoid(x @ W1)
    if matches(got, W1 @ (s * (1 - s) * W2[:, i])):
        return say(
            tr(
                f"the hidden layer's pre-activation leaves out the bias b1 ({SALIENCY.en})",
                f"隐藏层的激活前值漏掉了偏置 b1（{SALIENCY.zh}）",
            )
        )
    return None


@exercise(
    id="outlook.saliency",
    chapter=CHAPTER,
    title=tr("Saliency: ∂(class score)/∂(input)", "显著图：∂(类别得分)/∂(输入)"),
    signature="input_gradient(x, W1, b1, W2, i)",
    outputs=("∂z₂ᵢ/∂x",),
    cases=_saliency_cases,
    diagnoses=(_saliency_mistakes,),
    section=SALIENCY,
)
def input_gradient(x, W1, b1, W2, i):
    a1 = 1 / (1 + np.exp(-(x @ W1 + b1)))
    return W1 @ (a1 * (1 - a1) * W2[:, i])


# --- 9.3 the backward pass of (inverted) dropout --------------------------------------------------


def _dropout_cases(rng):
    cases = []
    for shape, keep in [((3, 4), 0.5), ((2, 5), 0.8), ((4, 3), 0.9)]:
        mask = rng.random(shape) < keep
        mask.flat[0], mask.flat[1] = True, False  # at least one kept and one dropped unit
        cases.append((rng.normal(size=shape), mask, keep))
    return cases


def _dropout_mistakes(got, expected, args, _):
    G, mask, keep = args
    M = mask.astype(float)
    if matches(got, G * M):
        return say(
            tr(
                f"the gradient is masked but not rescaled: the forward pass scales the kept units, and the backward "
                f"pass must scale their gradient the same way ({DROPOUT.en})",
                f"梯度乘了掩码却没有缩放：前向传播缩放了保留的单元，反向传播也必须以同样的方式缩放它们的梯度（{DROPOUT.zh}）",
            ),
            tr("∂a/∂x = mask / keep, entry by entry", "逐元素地：∂a/∂x = mask / keep"),
        )
    if matches(got, G * M * keep):
        return say(
            tr(
                f"the kept units' gradient is multiplied by the keep probability where the forward pass divides ({DROPOUT.en})",
                f"保留单元的梯度乘以了保留概率，而前向传播是除以它（{DROPOUT.zh}）",
            )
        )
    if matches(got, G * M / (1 - keep)):
        return say(
            tr(
                f"the rescaling uses the drop probability; the forward pass divides by the keep probability ({DROPOUT.en})",
                f"缩放用的是丢弃概率；前向传播除以的是保留概率（{DROPOUT.zh}）",
            )
        )
    if matches(got, G / keep):
        return say(
            tr(
                "the dropped units get a gradient too: a unit the mask "
                f"zeroed did not affect the loss in this step ({DROPOUT.en})",
                f"被丢弃的单元也得到了梯度：被掩码置零的单元在这一步中并不影响损失（{DROPOUT.zh}）",
            )
        )
    if matches(got, G * (1 - M) / keep):
        return say(
            tr(
                f"the mask is inverted: the kept units (mask True) are the ones that pass the gradient ({DROPOUT.en})",
                f"掩码用反了：传递梯度的应是保留的单元（mask 为 True）（{DROPOUT.zh}）",
            )
        )
    return None


@exercise(
    id="outlook.dropout_backward",
    chapter=CHAPTER,
    title=tr("The backward pass of inverted dropout", "反向暂退法（inverted dropout）的反向传播"),
    signature="dropout_backward(G, mask, keep)",
    outputs=("∂L/∂X",),
    cases=_dropout_cases,
    diagnoses=(_dropout_mistakes,),
    section=DROPOUT,
)
def dropout_backward(G, mask, keep):
    return G * mask / keep
