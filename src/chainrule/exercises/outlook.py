"""Exercises of chapter 9, Outlook.

Feedback policy: a diagnosis says what is wrong and where to look (a section of chapter 9);
a formula appears only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from ..engine.rules import stable_sigmoid
from ..language import tr
from .activations import JACOBIAN
from .core import exercise, matches, say, softmax

CHAPTER = "outlook"
ADAM = tr("chapter 9, “Adaptive learning rates: Adam”", "第9章“自适应学习率：Adam算法”")
SALIENCY = tr("chapter 9, “Explaining a prediction with gradients: saliency”", "第9章“用梯度解释预测：显著图”")
DROPOUT = tr("chapter 9, “A last backward pass: dropout”", "第9章“最后一个反向传播：暂退法”")
CHANGING_BETA = tr(
    "chapter 9, “Exercise 9.4 — The bias correction when β changes (derive it)”",
    "第9章“练习9.4 — β变化时的偏差修正（推导）”",
)
ATTENTION = tr(
    "chapter 9, “Exercise 9.5 — The gradient of attention with respect to the query (derive it)”",
    "第9章“练习9.5 — 注意力对查询的梯度（推导）”",
)


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
            tr("return m and v, not m̂ and v̂", "返回m和v，而不是m̂ 和v̂"),
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
                    f"偏差修正用错了步数：t是正在进行的这一步的序号，第一步为1（{ADAM.zh}）",
                )
            )
    if matches(got, _adam(*args, sqrt=False)[0]):
        return say(
            tr(
                f"the step is divided by v̂ itself; it should be divided by a root-mean-square of the gradients ({ADAM.en})",
                f"更新量除以的是v̂ 本身；应当除以梯度的均方根（{ADAM.zh}）",
            ),
            tr("divide by √v̂ + ε", "除以 √v̂ + ε"),
        )
    if matches(got, _adam(*args, eps_inside=True)[0]):
        return say(
            tr(
                "ε is inside the square root; in Adam it is added to the "
                f"root, which matters when gradients are tiny ({ADAM.en})",
                f"ε在平方根里面；Adam中它是加在平方根之后的，这在梯度很小时很重要（{ADAM.zh}）",
            ),
            tr("√v̂ + ε, not √(v̂ + ε)", "是 √v̂ + ε，而不是 √(v̂ + ε)"),
        )
    for fixed_lr in (0.01, 0.001):
        if not np.isclose(lr, fixed_lr) and matches(got, _adam(w, g, m, v, t, fixed_lr)[0]):
            return say(
                tr(
                    f"the step does not use the learning rate `lr` passed in ({ADAM.en})",
                    f"这一步没有用到传入的学习率`lr`（{ADAM.zh}）",
                )
            )
    if matches(got, _adam(*args, eps=1e-7)[0]):
        return say(
            tr(
                f"ε has the wrong value: this exercise uses 10⁻⁸, the paper's (Keras's default is 10⁻⁷) ({ADAM.en})",
                f"ε的值不对：本练习用论文中的10⁻⁸（Keras的默认值是10⁻⁷）（{ADAM.zh}）",
            )
        )
    if matches(got, _adam(*args, eps=0.0)[0]):
        return say(
            tr(
                f"ε is missing from the denominator: it decides the step when gradients are tiny ({ADAM.en})",
                f"分母中缺少ε：梯度很小时，步长由它决定（{ADAM.zh}）",
            )
        )
    return None


@exercise(
    id="outlook.adam_step",
    chapter=CHAPTER,
    title=tr("One step of Adam", "Adam的一步"),
    signature="adam_step(w, g, m, v, t, lr)",
    outputs=(tr("new w", "新的w"), tr("new m", "新的m"), tr("new v", "新的v")),
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
                f"链条中缺少隐藏层sigmoid的导数（{SALIENCY.zh}）",
            ),
            tr("∂z₂ᵢ/∂x = W1 (σ′(z₁) ⊙ W2[:, i]) in the code's row form", "按代码的行形式：∂z₂ᵢ/∂x = W1 (σ′(z₁) ⊙ W2[:, i])"),
        )
    if matches(got, W1 @ (a1 * W2[:, i])):
        return say(
            tr(
                f"the sigmoid's value σ(z₁) is used where its derivative belongs ({SALIENCY.en})",
                f"该用sigmoid导数的地方用了它的值σ(z₁)（{SALIENCY.zh}）",
            ),
            tr("σ′ = σ(1 − σ)", "sigmoid的导数：σ′ = σ(1 − σ)"),
        )
    s = stable_sigmoid(x @ W1)
    if matches(got, W1 @ (s * (1 - s) * W2[:, i])):
        return say(
            tr(
                f"the hidden layer's pre-activation leaves out the bias b1 ({SALIENCY.en})",
                f"隐藏层的激活前值漏掉了偏置b1（{SALIENCY.zh}）",
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
                f"掩码用反了：传递梯度的应是保留的单元（mask为True）（{DROPOUT.zh}）",
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


# --- 9.4 the bias correction of a running average whose β changes (a derivation) -----------------


def _beta_cases(rng):
    cases = [(rng.uniform(0.5, 0.99, size=t),) for t in (4, 6, 9)]
    cases.append((1 - np.arange(1.0, 6.0) ** -0.8,))  # Adafactor's schedule: β₁ = 0
    return cases


def _ema_weights(betas, correct=True, reverse=False, own_beta=False, swapped=False):
    betas = np.asarray(betas, dtype=float)
    keep = 1 - betas if swapped else betas  # what multiplies the old average
    new = betas if swapped else 1 - betas  # what multiplies the new gradient
    t = len(betas)
    weights = np.array([new[s] * np.prod(keep[s if own_beta else s + 1 :]) for s in range(t)])
    if correct:
        weights = weights / weights.sum()
    return weights[::-1] if reverse else weights


def _beta_mistakes(got, expected, args, i):
    (betas,) = args
    t, last = len(betas), betas[-1]
    if matches(got, _ema_weights(betas, correct=False)):
        return say(
            tr(
                f"these are the weights of the running average itself; the bias correction divides them so that "
                f"they add up to 1 ({CHANGING_BETA.en})",
                f"这是滑动平均本身的权重；偏差修正要对它们做除法，使它们的和为1（{CHANGING_BETA.zh}）",
            ),
            tr("a constant gradient g must give m̂ = g", "恒定的梯度g必须给出m̂ = g"),
        )
    if matches(got, _ema_weights(betas)[::-1]):
        return say(
            tr(
                f"the weights are in reverse order: entry 0 belongs to g₁, the oldest gradient ({CHANGING_BETA.en})",
                f"权重的顺序反了：第0个元素属于最早的梯度g₁（{CHANGING_BETA.zh}）",
            )
        )
    if not np.allclose(betas, last) and matches(got, (1 - last) * last ** np.arange(t - 1, -1, -1) / (1 - last**t)):
        return say(
            tr(
                f"that is the constant-β formula with the last β; here each step has its own β ({CHANGING_BETA.en}; {ADAM.en})",
                f"这是β恒定时的公式，用的是最后一个β；这里每一步都有自己的β（{CHANGING_BETA.zh}；{ADAM.zh}）",
            )
        )
    if not np.allclose(betas, last) and matches(got, _ema_weights(betas, correct=False) / (1 - last**t)):
        return say(
            tr(
                f"the weights are right before the correction, but the divisor is the constant-β one, with the last β: "
                f"it must be the sum of your weights ({CHANGING_BETA.en})",
                f"修正之前的权重是对的，但除数用的是β恒定时的那个（取最后一个β）：它应当是这些权重之和（{CHANGING_BETA.zh}）",
            )
        )
    if matches(got, _ema_weights(betas, own_beta=True)):
        return say(
            tr(
                f"each gradient is also multiplied by the β of its own step: gₛ enters the average at step s with "
                f"weight 1 − βₛ, and only the later steps' β shrink it ({CHANGING_BETA.en})",
                f"每个梯度还被乘上了它自己那一步的β：gₛ 在第s步以权重1 − βₛ 进入平均，"
                f"之后只有后面各步的β使它缩小（{CHANGING_BETA.zh}）",
            )
        )
    t_range = range(t)
    earlier = np.array([(1 - betas[s]) * np.prod(betas[:s]) for s in t_range])
    if matches(got, earlier / earlier.sum()):
        return say(
            tr(
                f"each gradient is shrunk by the β of the steps before it; it is the steps after it that shrink it "
                f"({CHANGING_BETA.en})",
                f"每个梯度被它之前各步的β缩小了；实际上使它缩小的是它之后的各步（{CHANGING_BETA.zh}）",
            )
        )
    no_entry = np.array([np.prod(betas[s + 1 :]) for s in t_range])
    if matches(got, no_entry / no_entry.sum()):
        return say(
            tr(
                f"the factor with which gₛ enters the average at its own step is missing ({CHANGING_BETA.en}; {ADAM.en})",
                f"缺少gₛ 在它自己那一步进入平均时所乘的因子（{CHANGING_BETA.zh}；{ADAM.zh}）",
            )
        )
    if matches(got, _ema_weights(betas, swapped=True)):
        return say(
            tr(
                f"β and 1 − β are swapped: β multiplies the old average, 1 − β the new gradient ({ADAM.en})",
                f"β与1 − β对调了：β乘旧的平均，1 − β乘新的梯度（{ADAM.zh}）",
            )
        )
    return None


@exercise(
    id="outlook.changing_beta_correction",
    chapter=CHAPTER,
    title=tr(
        "The bias-corrected average when β changes from step to step (derive it)",
        "β逐步变化时偏差修正后的平均（推导）",
    ),
    signature="corrected_weights(betas)",
    outputs=(tr("weights of g₁ … gₜ", "g₁ … gₜ 的权重"),),
    cases=_beta_cases,
    diagnoses=(_beta_mistakes,),
    section=CHANGING_BETA,
    degenerate=lambda betas: len(betas) <= 2,
)
def corrected_weights(betas):
    betas = np.asarray(betas, dtype=float)
    # m_t = Σₛ (1 − βₛ) (Π_{r>s} β_r) gₛ; the weights add up to 1 − Π βₛ (they telescope)
    later = np.append(np.cumprod(betas[::-1])[::-1][1:], 1.0)  # Π_{r>s} β_r
    return (1 - betas) * later / (1 - np.prod(betas))


# --- 9.5 the gradient of scaled dot-product attention with respect to the query (a derivation) ----


def _attention_cases(rng):
    cases = []
    for n, d, dv in [(4, 3, 2), (6, 4, 4), (5, 8, 3), (7, 2, 5)]:
        q, K, V, g = rng.normal(size=d) * 1.5, rng.normal(size=(n, d)) * 1.5, rng.normal(size=(n, dv)), rng.normal(size=dv)
        cases.append((q, K, V, g))
    return cases


def _attention_grad(q, K, V, g, scale=None, jacobian="full", keys=True, scaled_scores=True):
    d = len(q)
    scale = np.sqrt(d) if scale is None else scale
    a = softmax(K @ q / np.sqrt(d)) if scaled_scores else softmax(K @ q)
    u = V @ g  # ∂L/∂a
    ds = {"full": a * (u - a @ u), "none": u, "diagonal": a * (1 - a) * u, "no_a": u - a @ u}[jacobian]
    return (K if keys else V).T @ ds / scale


def _attention_mistakes(got, expected, args, i):
    q, K, V, g = args
    d = len(q)
    if matches(got, _attention_grad(*args, scale=1.0)):
        return say(
            tr(
                f"the scores' factor 1/√d is missing from the gradient: s = Kq/√d, so ∂s/∂q carries it ({ATTENTION.en})",
                f"梯度中缺少分数的因子1/√d：s = Kq/√d，所以∂s/∂q带有这个因子（{ATTENTION.zh}）",
            )
        )
    if matches(got, _attention_grad(*args, scale=float(d))):
        return say(
            tr(
                f"divided by d where the scores are divided by √d ({ATTENTION.en})",
                f"除以了d，而分数除以的是 √d（{ATTENTION.zh}）",
            )
        )
    if matches(got, _attention_grad(*args, jacobian="none")):
        return say(
            tr(
                f"the softmax between the scores and the weights a is left out of the chain ({JACOBIAN.en})",
                f"链式法则中漏掉了分数与权重a之间的softmax（{JACOBIAN.zh}）",
            ),
            tr("∂L/∂s = J_softmaxᵀ ∂L/∂a with ∂L/∂a = V g", "∂L/∂s = J_softmaxᵀ ∂L/∂a，其中∂L/∂a = V g"),
        )
    if matches(got, _attention_grad(*args, jacobian="diagonal")):
        return say(
            tr(
                f"only the diagonal of the softmax Jacobian is used: every weight aᵢ depends on every score ({JACOBIAN.en})",
                f"只用了softmax雅可比矩阵的对角线：每个权重aᵢ 都依赖于每个分数（{JACOBIAN.zh}）",
            )
        )
    if matches(got, _attention_grad(*args, jacobian="no_a")):
        return say(
            tr(
                f"a factor aᵢ is missing from the softmax's backward pass ({JACOBIAN.en})",
                f"softmax的反向传播中少了因子aᵢ（{JACOBIAN.zh}）",
            )
        )
    if matches(got, _attention_grad(*args, scaled_scores=False)):
        return say(
            tr(
                f"the weights a are computed from Kq without its 1/√d: the softmax takes the scaled scores s ({ATTENTION.en})",
                f"权重a是由没有除以 √d的Kq算出的：softmax的输入是缩放后的分数s（{ATTENTION.zh}）",
            )
        )
    if V.shape[1] == K.shape[1] and matches(got, _attention_grad(*args, keys=False)):
        return say(
            tr(
                f"the last step uses the values V; q reaches the loss through the scores Kq/√d, so it is the keys K "
                f"({ATTENTION.en})",
                f"最后一步用了值V；q是通过分数Kq/√d影响损失的，所以应当是键K（{ATTENTION.zh}）",
            )
        )
    return None


@exercise(
    id="outlook.attention_query_grad",
    chapter=CHAPTER,
    title=tr(
        "Scaled dot-product attention: ∂L/∂q (derive it)",
        "缩放点积注意力：∂L/∂q（推导）",
    ),
    signature="attention_query_grad(q, K, V, g)",
    outputs=("∂L/∂q",),
    cases=_attention_cases,
    diagnoses=(_attention_mistakes,),
    section=ATTENTION,
    degenerate=lambda q, K, V, g: K.shape[0] <= 2,  # two keys: a two-class softmax
)
def attention_query_grad(q, K, V, g):
    d = len(q)
    s = K @ q / np.sqrt(d)
    a = np.exp(s - s.max())
    a = a / a.sum()
    u = V @ g  # ∂L/∂a, since out = Vᵀa
    ds = a * (u - a @ u)  # through the softmax Jacobian diag(a) − aaᵀ
    return K.T @ ds / np.sqrt(d)
