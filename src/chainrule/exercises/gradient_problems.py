"""Exercises of chapter 7, Vanishing and exploding gradients.

Feedback policy: a diagnosis says what is wrong and where to look (a section of chapter 7);
anything closer to the formula is in its hint, shown only with ``check(..., hint=True)``.
"""

import numpy as np

from ..engine.rules import stable_sigmoid
from ..language import tr
from ..models import batchnorm
from .core import exercise, matches, say

CLIPPING = tr("chapter 7, “Exploding gradients and clipping”", "第7章“梯度爆炸与梯度裁剪”")

# --- 7.1 He initialisation --------------------------------------------------------------------


def _he_cases(rng):
    return [(int(n),) for n in (1, 64, 300)]


def _he_mistakes(got, expected, args, i):
    (fan_in,) = args
    if fan_in > 1 and matches(got, np.asarray(2.0 / fan_in)):
        return say(
            tr("that is the variance; the exercise asks for the standard deviation", "这是方差；本练习要的是标准差"),
            tr("take the square root of the variance", "对方差开平方根"),
        )
    if fan_in > 1 and matches(got, np.asarray(np.sqrt(1.0 / fan_in))):
        return say(
            tr(
                "that scale keeps the variance of linear units; ReLU zeroes half its inputs "
                "(section 'Why Glorot and He: the variance argument')",
                "这个尺度能保持线性单元的方差；而ReLU会把一半的输入置零（参见第7章“为什么是Glorot和He：方差论证”）",
            ),
            tr(
                "He doubles the variance of the linear case: Var(w) = 2/fan_in",
                "He初始化把线性情形的方差加倍：Var(w) = 2/fan_in",
            ),
        )
    if fan_in > 1 and matches(got, np.asarray(np.sqrt(2.0 * fan_in))):
        return say(
            tr(
                "your scale grows with fan_in; the more inputs a unit sums, the smaller each weight must be "
                "(section 'Why Glorot and He: the variance argument')",
                "你的尺度随fan_in增大；一个单元求和的输入越多，每个权重就必须越小（参见第7章“为什么是Glorot和He：方差论证”）",
            ),
            tr("fan_in belongs in the denominator", "fan_in应当在分母里"),
        )
    return None


@exercise(
    id="gradient_problems.he_std",
    section=tr("chapter 7, “Why Glorot and He: the variance argument”", "第7章“为什么是Glorot和He：方差论证”"),
    chapter="gradient_problems",
    title=tr("He initialisation's scale", "He初始化的尺度"),
    signature="he_std(fan_in)",
    outputs=(tr("standard deviation", "标准差"),),
    cases=_he_cases,
    diagnoses=(_he_mistakes,),
)
def he_std(fan_in):
    return np.sqrt(2.0 / fan_in)


# --- 7.2 clipping by norm ---------------------------------------------------------------------


def _below_threshold_2d(rng, max_norm):
    """A 2-D gradient with max|g| ≤ max_norm < ‖g‖: clipping by value changes nothing, and
    per-row norms or the spectral norm give other answers than the (Frobenius) norm."""
    while True:
        g = rng.uniform(-1, 1, size=(3, 4))
        g *= 0.9 * max_norm / np.abs(g).max()
        rows = np.linalg.norm(g, axis=1)
        if np.linalg.norm(g) > 1.2 * max_norm and rows.min() < max_norm < rows.max():
            return g


def _clip_cases(rng):
    cases = [(rng.normal(size=s) * scale, m) for s, scale, m in [((5,), 3.0, 2.0), ((2, 3), 0.1, 0.8), ((4,), 10.0, 0.5)]]
    cases.append((_below_threshold_2d(rng, 1.5), 1.5))
    return cases


def _clip_mistakes(got, expected, args, i):
    g, max_norm = args
    norm = np.linalg.norm(g)
    by_value = np.clip(g, -max_norm, max_norm)
    if norm > max_norm and matches(got, g):
        return say(
            tr(
                f"returned unchanged, but its norm {norm:.3g} exceeds max_norm = {max_norm:g} "
                "(the norm is over all entries; section 'Exploding gradients and clipping')",
                f"原样返回了，但它的范数{norm:.3g}超过了max_norm = "
                f"{max_norm:g}（范数是对全部元素计算的；参见第7章“梯度爆炸与梯度裁剪”）",
            ),
            tr(
                "the Euclidean norm of all entries together: np.linalg.norm(g) with no axis",
                "全部元素合起来的欧几里得范数：不带axis的np.linalg.norm(g)",
            ),
        )
    if not np.array_equal(by_value, g) and matches(got, by_value):
        return say(
            tr(
                "that clips each entry (by value), which changes the gradient's direction; clipping by norm keeps it",
                "这是逐元素（按值）裁剪，会改变梯度的方向；按范数裁剪则保持方向不变",
            ),
            tr("scale the whole array by one factor", "用同一个因子缩放整个数组"),
        )
    if norm <= max_norm and matches(got, g / norm * max_norm):
        return say(
            tr(
                "a gradient already shorter than max_norm must stay as it is; rescale only long ones",
                "已经比max_norm短的梯度必须保持原样；只缩放过长的梯度",
            ),
            tr("rescale only when ‖g‖ > max_norm", "只在‖g‖ > max_norm时缩放"),
        )
    if matches(got, g / norm):
        return say(
            tr("that normalises to length 1; the target length is max_norm", "这是归一化到长度1；目标长度是max_norm"),
            tr("the clipped norm should equal max_norm", "裁剪后的范数应等于max_norm"),
        )
    if g.ndim == 2:
        rows = np.linalg.norm(g, axis=1, keepdims=True)
        if matches(got, np.where(rows > max_norm, g * max_norm / rows, g)):
            return say(
                tr(
                    "that rescales each row by its own norm; the gradient's norm is taken over all its entries at once",
                    "这是用每一行自己的范数去缩放该行；梯度的范数要对它的全部元素一起计算",
                ),
                tr(
                    "np.linalg.norm(g) without an axis is the Frobenius norm of a matrix",
                    "不带axis的np.linalg.norm(g)是矩阵的Frobenius范数",
                ),
            )
        spectral = np.linalg.norm(g, 2)
        if matches(got, g * max_norm / spectral if spectral > max_norm else g):
            return say(
                tr(
                    "np.linalg.norm(g, 2) of a matrix is its largest singular value (spectral norm), "
                    "not the Euclidean norm of all entries",
                    "矩阵的np.linalg.norm(g, 2)是它的最大奇异值（谱范数），而不是全部元素的欧几里得范数",
                ),
                tr("leave out the 2: np.linalg.norm(g)", "去掉那个2：np.linalg.norm(g)"),
            )
    return None


@exercise(
    id="gradient_problems.clip_by_norm",
    section=CLIPPING,
    chapter="gradient_problems",
    title=tr("Gradient clipping by norm", "按范数裁剪梯度"),
    signature="clip_by_norm(g, max_norm)",
    outputs=(tr("clipped gradient", "裁剪后的梯度"),),
    cases=_clip_cases,
    diagnoses=(_clip_mistakes,),
)
def clip_by_norm(g, max_norm):
    norm = np.linalg.norm(g)
    return g * (max_norm / norm) if norm > max_norm else g


# --- 7.3 the derivative through k sigmoid layers ------------------------------------------------


def _chain_cases(rng):
    return [(rng.uniform(-2, 2, size=s), k) for s, k in [((4,), 1), ((3,), 3), ((2, 2), 6)]]


def _sigmoid_stack(x, k):
    zs = []
    for _ in range(k):
        zs.append(x)
        x = stable_sigmoid(x)
    return zs


def _chain_mistakes(got, expected, args, i):
    x, k = args
    if k == 1:
        return None  # with one layer the variants below coincide with the answer
    d0 = stable_sigmoid(x) * (1 - stable_sigmoid(x))
    if matches(got, d0**k):
        return say(
            tr(
                "σ′ is evaluated at x in every layer; each layer's σ′ belongs at that layer's own input "
                "(section 'Backprop multiplies Jacobians')",
                "每一层都在x处计算σ′；每层的σ′ 应在该层自己的输入处计算（参见第7章“反向传播连乘雅可比矩阵”）",
            ),
            tr("layer 2's input is σ(x), layer 3's is σ(σ(x)), …", "第2层的输入是σ(x)，第3层的是σ(σ(x))，……"),
        )
    if matches(got, np.asarray(0.25**k) * np.ones_like(x)):
        return say(
            tr(
                "(1/4)^k is only the upper bound; evaluate σ′ at each layer's input",
                "(1/4)^k只是上界；要在每一层的输入处计算σ′",
            ),
            tr("σ′(z) = σ(z)(1 − σ(z)) at each layer's z", "在每一层的z处计算σ′(z) = σ(z)(1 − σ(z))"),
        )
    zs = _sigmoid_stack(x, k)
    s_last = stable_sigmoid(zs[-1])
    if matches(got, s_last * (1 - s_last)):
        return say(
            tr(
                "that is the last layer's σ′ only; the chain rule multiplies the σ′ of every layer",
                "这只是最后一层的σ′；链式法则要把每一层的σ′ 相乘",
            ),
            tr("keep a running product over the k layers", "对k层维护一个累乘积"),
        )
    return None


@exercise(
    id="gradient_problems.sigmoid_chain",
    section=tr("chapter 7, “Backprop multiplies Jacobians”", "第7章“反向传播连乘雅可比矩阵”"),
    chapter="gradient_problems",
    title=tr("The derivative through k sigmoid layers", "穿过k个sigmoid层的导数"),
    signature="sigmoid_chain_grad(x, k)",
    outputs=("d/dx σ(σ(…σ(x)))",),
    cases=_chain_cases,
    diagnoses=(_chain_mistakes,),
)
def sigmoid_chain_grad(x, k):
    grad = np.ones_like(x)
    for _ in range(k):
        s = 1 / (1 + np.exp(-x))
        grad = grad * s * (1 - s)  # chain rule: multiply by this layer's σ'
        x = s
    return grad


# --- 7.4 the gradient of the norm (warm-up) ---------------------------------------------------


def _norm_cases(rng):
    cases = []
    for shape, length in [((3,), 4.0), ((2, 3), 0.2), ((4,), 2.5), ((3, 2), 12.0)]:
        g = rng.normal(size=shape)
        cases.append((g * (length / np.linalg.norm(g)),))
    return cases


def _norm_mistakes(got, expected, args, i):
    (g,) = args
    norm = np.linalg.norm(g)
    if got.shape != g.shape:
        if got.size == 1 and np.isclose(got.item(), norm):
            return say(
                tr(
                    "that is the norm itself; return its gradient, an array shaped like g",
                    "这是范数本身；要返回它的梯度，即与g形状相同的数组",
                ),
                tr("one partial derivative per entry of g", "g的每个元素各有一个偏导数"),
            )
        return None
    if matches(got, 2 * g):
        return say(
            tr(
                "that is the gradient of the squared norm ‖g‖²; the norm is its square root "
                "(chain rule through the root; section 'Exploding gradients and clipping')",
                "这是范数平方‖g‖²的梯度；范数是它的平方根（链式法则要穿过平方根；参见第7章“梯度爆炸与梯度裁剪”）",
            ),
            tr("‖g‖ = √(Σ g_i²): differentiate the outer square root too", "‖g‖ = √(Σ g_i²)：外层的平方根也要求导"),
        )
    if matches(got, g / (2 * norm)):
        return say(
            tr(
                "half the answer: one factor of the chain rule is missing (the derivative of each g_i²)",
                "只有答案的一半：链式法则少了一个因子（每个g_i²的导数）",
            ),
            tr("d(g_i²)/dg_i = 2 g_i", "平方的导数：d(g_i²)/dg_i = 2 g_i"),
        )
    if matches(got, np.sign(g)):
        return say(
            tr(
                "that is the gradient of the L1 norm Σ|g_i|; clipping uses the Euclidean norm",
                "这是L1范数Σ|g_i|的梯度；裁剪用的是欧几里得范数",
            ),
            tr("‖g‖ = √(Σ g_i²)", "欧几里得范数：‖g‖ = √(Σ g_i²)"),
        )
    if g.ndim == 2 and matches(got, g / np.linalg.norm(g, axis=1, keepdims=True)):
        return say(
            tr(
                "you divided each row by its own norm; ‖g‖ is one number over all entries",
                "你把每一行除以了它自己的范数；‖g‖是对全部元素计算的一个数",
            ),
            tr("np.linalg.norm(g) with no axis", "用不带axis的np.linalg.norm(g)"),
        )
    if g.ndim == 2 and matches(got, g / np.linalg.norm(g, axis=0, keepdims=True)):
        return say(
            tr(
                "you divided each column by its own norm; ‖g‖ is one number over all entries",
                "你把每一列除以了它自己的范数；‖g‖是对全部元素计算的一个数",
            ),
            tr("np.linalg.norm(g) with no axis", "用不带axis的np.linalg.norm(g)"),
        )
    if matches(got, g / norm**2):
        return say(
            tr("the power of ‖g‖ in the denominator is off", "分母中‖g‖的幂次不对"),
            tr("the derivative of √s is 1/(2√s)", "√s的导数是1/(2√s)"),
        )
    return None


@exercise(
    id="gradient_problems.norm_grad",
    section=CLIPPING,
    chapter="gradient_problems",
    title=tr("The gradient of the norm used in clipping", "裁剪所用范数的梯度"),
    signature="norm_grad(g)",
    outputs=("∂‖g‖/∂g",),
    cases=_norm_cases,
    diagnoses=(_norm_mistakes,),
)
def norm_grad(g):
    return g / np.linalg.norm(g)


# --- 7.5 batch normalisation's backward pass (derivation) ----------------------------------------


def _bn_cases(rng):
    cases = []
    for (n, d), eps in [((4, 3), 1e-5), ((8, 2), 0.5), ((5, 4), 0.1)]:
        x = rng.normal(rng.uniform(-2, 2, size=d), rng.uniform(0.5, 2.0, size=d), size=(n, d))
        gamma = rng.uniform(0.5, 2.0, size=d) * rng.choice([-1.0, 1.0], size=d)
        dy = rng.normal(size=(n, d)) + rng.normal(size=d)  # a column sum far from 0
        cases.append((x, gamma, dy, eps))
    return cases


def _bn_parts(x, gamma, dy, eps, ddof=0):
    n = x.shape[0]
    std = np.sqrt(x.var(axis=0, ddof=ddof) + eps)
    x_hat = (x - x.mean(axis=0)) / std
    full = gamma / (n * std) * (n * dy - dy.sum(axis=0) - x_hat * (dy * x_hat).sum(axis=0))
    return n, std, x_hat, full


_SECTION = tr("section 'Batch normalisation's backward pass'", "参见第7章“批量规范化的反向传播”")


def _bn_mistakes(got, expected, args, i):
    x, gamma, dy, eps = args
    n, std, x_hat, _ = _bn_parts(x, gamma, dy, eps)
    if i in (1, 2) and got.shape != expected.shape:
        column = (dy * x_hat) if i == 1 else dy
        if matches(got, column):
            return say(
                tr(
                    f"{'γ' if i == 1 else 'β'} is shared by all N examples: add up their contributions "
                    f"(the multivariable chain rule; {_SECTION.en})",
                    f"{'γ' if i == 1 else 'β'}由全部N个样本共享：要把它们的贡献加起来（多元链式法则；{_SECTION.zh}）",
                ),
                tr("sum over axis 0", "沿axis 0求和"),
            )
        if got.shape == (1,) + expected.shape and matches(got[0], expected):
            return say(
                tr(
                    "the right values with an extra axis: return shape (D,) (keepdims?)",
                    "数值对了，但多了一个轴：应返回形状(D,)（是否用了keepdims？）",
                ),
                tr("drop keepdims=True", "去掉keepdims=True"),
            )
        return None
    if got.shape != expected.shape:
        return None
    if i == 0:
        _, _, _, no_eps = _bn_parts(x, gamma, dy, 0.0)
        _, _, _, unbiased = _bn_parts(x, gamma, dy, eps, ddof=1)
        variants = [
            (
                gamma * dy / std,
                tr(
                    "treats μ_B and s_B² as constants; they are computed from x too, so x reaches L along two more paths",
                    "把μ_B和s_B²当作了常数；它们也是由x算出的，所以x还沿另外两条路径到达L",
                ),
            ),
            (
                gamma / std * (dy - dy.mean(axis=0)),
                tr("the path through the batch variance s_B² is missing", "缺少经过批量方差s_B²的路径"),
            ),
            (
                gamma / std * (dy - x_hat * (dy * x_hat).mean(axis=0)),
                tr("the path through the batch mean μ_B is missing", "缺少经过批量均值μ_B的路径"),
            ),
            (
                _full_without_gamma(x, dy, eps),
                tr("the scale γ is missing: ∂L/∂x̂ passes through γ", "缺少缩放参数γ：∂L/∂x̂ 要经过γ"),
            ),
            (no_eps, tr("ε is left out of the normalisation", "规范化时漏掉了ε")),
            (
                _bn_eps_outside(x, gamma, dy, eps)[0],
                tr(
                    "ε is added after the square root; it belongs inside it, with the variance",
                    "ε加在了平方根之外；它应在平方根之内，与方差相加",
                ),
            ),
            (
                _bn_half_forgotten(x, gamma, dy, eps),
                tr(
                    "the contribution that reaches x through s_B² counts twice: look again at the derivative "
                    "of the inverse square root",
                    "经过批量方差s_B²的路径算了两倍：再看一看平方根倒数的导数",
                ),
            ),
        ]
        unbiased_message = tr(
            "the batch variance divides by N (as in the forward pass), not N − 1",
            "批量方差除以N（与前向传播相同），而不是N − 1",
        )
        variants += [(unbiased, unbiased_message), (_bn_unbiased_throughout(x, gamma, dy, eps), unbiased_message)]
        for candidate, message in variants:
            if matches(got, candidate):
                return say(
                    tr(f"{message.en} ({_SECTION.en})", f"{message.zh}（{_SECTION.zh}）"),
                    tr(
                        "write ∂L/∂x̂ first, then ∂L/∂s_B², then ∂L/∂μ_B, and add the three paths",
                        "先写出∂L/∂x̂，再写∂L/∂s_B²，然后∂L/∂μ_B，最后把三条路径相加",
                    ),
                )
        return None
    if i == 1:
        if matches(got, dy.sum(axis=0)):
            return say(
                tr(
                    f"that is ∂L/∂β's value: γ multiplies x̂, so each example's upstream gradient is weighted by its x̂ "
                    f"(or are the outputs swapped? {_SECTION.en})",
                    f"这是∂L/∂β的值：γ乘的是x̂，所以每个样本的上游梯度要以它的x̂ 加权（还是输出顺序弄反了？{_SECTION.zh}）",
                ),
                tr("Σ_k g_k ⊙ x̂_k", "对样本求和：Σ_k g_k ⊙ x̂_k"),
            )
        if matches(got, (dy * x).sum(axis=0)):
            return say(
                tr(
                    f"that uses x where γ multiplies the normalised x̂ ({_SECTION.en})",
                    f"这里用了x，而γ乘的是规范化后的x̂（{_SECTION.zh}）",
                ),
                tr("normalise x first", "先把x规范化"),
            )
        _, _, x_hat0, _ = _bn_parts(x, gamma, dy, 0.0)
        if eps > 1e-3 and matches(got, (dy * x_hat0).sum(axis=0)):
            return say(
                tr(f"ε is left out of the normalisation ({_SECTION.en})", f"规范化时漏掉了ε（{_SECTION.zh}）"),
                tr("x̂ = (x − μ_B)/√(s_B² + ε)", "规范化：x̂ = (x − μ_B)/√(s_B² + ε)"),
            )
        if eps > 1e-3 and matches(got, _bn_eps_outside(x, gamma, dy, eps)[1]):
            return say(
                tr(
                    f"ε is added after the square root; it belongs inside it, with the variance ({_SECTION.en})",
                    f"ε加在了平方根之外；它应在平方根之内，与方差相加（{_SECTION.zh}）",
                ),
                tr("x̂ = (x − μ_B)/√(s_B² + ε)", "规范化：x̂ = (x − μ_B)/√(s_B² + ε)"),
            )
        if matches(got, (dy * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0, ddof=1) + eps)).sum(axis=0)):
            return say(
                tr(f"{unbiased_note.en} ({_SECTION.en})", f"{unbiased_note.zh}（{_SECTION.zh}）"),
                tr(
                    "s_B² = (1/N) Σ_k (x_k − μ_B)², as np.var computes it",
                    "s_B² = (1/N) Σ_k (x_k − μ_B)²，与np.var的默认算法相同",
                ),
            )
        if matches(got, (dy * x_hat).sum(axis=0) * gamma):
            return say(
                tr(f"γ does not appear in ∂y/∂γ ({_SECTION.en})", f"∂y/∂γ中不含γ（{_SECTION.zh}）"),
                tr("y = γ ⊙ x̂ + β: ∂y/∂γ = x̂", "由y = γ ⊙ x̂ + β得∂y/∂γ = x̂"),
            )
        return None
    if matches(got, (dy * x_hat).sum(axis=0)):
        return say(
            tr(
                f"that is ∂L/∂γ's value: are the outputs swapped? ({_SECTION.en})",
                f"这是∂L/∂γ的值：输出顺序是不是弄反了？（{_SECTION.zh}）",
            ),
            tr("return (∂L/∂x, ∂L/∂γ, ∂L/∂β)", "按顺序返回(∂L/∂x, ∂L/∂γ, ∂L/∂β)"),
        )
    return None


def _full_without_gamma(x, dy, eps):
    return _bn_parts(x, np.ones(x.shape[1]), dy, eps)[3]


unbiased_note = tr(
    "the batch variance divides by N (as in the forward pass), not N − 1",
    "批量方差除以N（与前向传播相同），而不是N − 1",
)


def _bn_eps_outside(x, gamma, dy, eps):
    """(∂L/∂x, ∂L/∂γ) of the forward pass with ε outside the root: x̂ = (x − μ_B)/(s_B + ε)."""
    n = x.shape[0]
    centred = x - x.mean(axis=0)
    root = np.sqrt(x.var(axis=0))
    denominator = root + eps
    dx_hat = dy * gamma
    dvar = (dx_hat * centred).sum(axis=0) * -1.0 / (denominator**2 * 2.0 * root)
    dmu = -dx_hat.sum(axis=0) / denominator
    dx = dx_hat / denominator + dvar * 2.0 * centred / n + dmu / n
    return dx, (dy * centred / denominator).sum(axis=0)


def _bn_half_forgotten(x, gamma, dy, eps):
    """∂L/∂x with the ½ of d(s_B² + ε)^(−1/2)/ds_B² forgotten: the variance path doubled."""
    n, std, x_hat, _ = _bn_parts(x, gamma, dy, eps)
    return gamma / (n * std) * (n * dy - dy.sum(axis=0) - 2.0 * x_hat * (dy * x_hat).sum(axis=0))


def _bn_unbiased_throughout(x, gamma, dy, eps):
    """∂L/∂x of a forward pass with the N − 1 variance, differentiated consistently."""
    n = x.shape[0]
    std = np.sqrt(x.var(axis=0, ddof=1) + eps)
    x_hat = (x - x.mean(axis=0)) / std
    return gamma / std * (dy - dy.mean(axis=0) - x_hat * (dy * x_hat).sum(axis=0) / (n - 1))


@exercise(
    id="gradient_problems.batchnorm_backward",
    chapter="gradient_problems",
    title=tr("Batch normalisation's backward pass (derive it)", "批量规范化的反向传播（推导）"),
    signature="batchnorm_backward(x, gamma, dy, eps)",
    outputs=("∂L/∂x", "∂L/∂γ", "∂L/∂β"),
    cases=_bn_cases,
    diagnoses=(_bn_mistakes,),
    batch="x",
    section=tr("chapter 7, “Batch normalisation’s backward pass”", "第7章“批量规范化的反向传播”"),
    # float32 answers pass: ∂L/∂x subtracts nearly equal terms, and float32 loses up to ~2e-4 of
    # it (measured over 200 seeds); every diagnosed mistake is off by 5 % or more.
    rtol=1e-3,
    atol=1e-5,
)
def batchnorm_backward(x, gamma, dy, eps):
    # The book's hand-written backward pass (chainrule.batchnorm): three paths, added.
    return batchnorm.backward(dy, batchnorm.forward(x, gamma, np.zeros_like(gamma), eps)[1])


# --- 7.6 the Jacobian of clipping by norm (derivation) ----------------------------------------------


def _clip_jacobian_cases(rng):
    cases = []
    for size, length, max_norm in [(4, 3.0, 1.0), (3, 0.5, 2.0), (5, 10.0, 2.5), (2, 4.0, 0.7), (6, 1.2, 1.5)]:
        g = rng.normal(size=size)
        cases.append((g * (length / np.linalg.norm(g)), max_norm))
    return cases


def _clip_parts(g, max_norm):
    norm = np.linalg.norm(g)
    unit = g / norm
    return norm, unit, np.eye(g.size)


_CLIP_SECTION = tr("section 'Exploding gradients and clipping'", "参见第7章“梯度爆炸与梯度裁剪”")


def _clip_jacobian_mistakes(got, expected, args, i):
    g, max_norm = args
    norm, unit, eye = _clip_parts(g, max_norm)
    if got.shape != expected.shape:
        if got.shape == g.shape:
            return say(
                tr(
                    f"a vector shaped like g; the Jacobian has one row per entry of the clipped gradient and one "
                    f"column per entry of g: shape {expected.shape}",
                    f"得到的是与g形状相同的向量；雅可比矩阵的每一行对应裁剪后梯度的一个元素，每一列对应g的一个元素："
                    f"形状{expected.shape}",
                ),
                tr("∂(clip(g))_i/∂g_j for every pair i, j", "对每一对i, j求∂(clip(g))_i/∂g_j"),
            )
        return None
    clipped = norm > max_norm
    if not clipped:
        if matches(got, max_norm / norm * (eye - np.outer(unit, unit))):
            return say(
                tr(
                    f"here ‖g‖ = {norm:.4g} ≤ max_norm = {max_norm:g}: clipping returns g unchanged, "
                    f"so its Jacobian is that of the identity ({_CLIP_SECTION.en})",
                    f"这里‖g‖ = {norm:.4g} ≤ max_norm = {max_norm:g}：裁剪原样返回g，"
                    f"所以它的雅可比矩阵是恒等映射的雅可比矩阵（{_CLIP_SECTION.zh}）",
                ),
                tr("only long gradients are rescaled", "只有过长的梯度才会被缩放"),
            )
        return None
    scale = max_norm / norm
    variants = [
        (
            eye,
            tr(
                f"that is the Jacobian when nothing is clipped, but here ‖g‖ = {norm:.4g} > max_norm = {max_norm:g}",
                f"这是不裁剪时的雅可比矩阵，但这里‖g‖ = {norm:.4g} > max_norm = {max_norm:g}",
            ),
        ),
        (
            scale * eye,
            tr(
                "‖g‖ is treated as a constant; it changes with every entry of g, which adds a second term",
                "把‖g‖当作了常数；它随g的每个元素变化，这会带来第二项",
            ),
        ),
        (
            scale * (eye + np.outer(unit, unit)),
            tr(
                "the sign of the term from ‖g‖ is flipped: a larger ‖g‖ makes the clipped gradient smaller",
                "来自‖g‖的那一项符号反了：‖g‖越大，裁剪后的梯度越小",
            ),
        ),
        (
            (eye - np.outer(unit, unit)) / norm,
            tr(
                "max_norm is missing: the clipped gradient has length max_norm, not 1",
                "缺少max_norm：裁剪后的梯度长度是max_norm，而不是1",
            ),
        ),
        (
            eye - np.outer(unit, unit),
            tr(
                "the overall factor max_norm/‖g‖ is missing",
                "缺少整体因子max_norm/‖g‖",
            ),
        ),
        (
            scale * eye - max_norm * np.outer(g, g) / norm**2,
            tr(
                "the term from ‖g‖ has the wrong power of ‖g‖: check the gradient of the norm (Exercise 7.4)",
                "来自‖g‖的那一项中‖g‖的幂次不对：检查范数的梯度（练习7.4）",
            ),
        ),
        (
            scale * (eye - unit @ unit),
            tr(
                "the unit vector times its transpose was taken as a dot product (a number, 1); "
                "the term needs the outer product, a matrix",
                "单位向量乘以它的转置被算成了点积（一个数，1）；这一项需要外积，即一个矩阵",
            ),
        ),
    ]
    for candidate, message in variants:
        if matches(got, candidate):
            return say(
                tr(f"{message.en} ({_CLIP_SECTION.en})", f"{message.zh}（{_CLIP_SECTION.zh}）"),
                tr(
                    "write clip(g) = max_norm · g · ‖g‖⁻¹ and use the product rule, with Exercise 7.4's ∂‖g‖/∂g",
                    "写成clip(g) = max_norm · g · ‖g‖⁻¹，用乘积法则，并用练习7.4的∂‖g‖/∂g",
                ),
            )
    return None


@exercise(
    id="gradient_problems.clip_jacobian",
    section=CLIPPING,
    chapter="gradient_problems",
    title=tr("The Jacobian of clipping by norm (derive it)", "按范数裁剪的雅可比矩阵（推导）"),
    signature="clip_jacobian(g, max_norm)",
    outputs=(tr("the Jacobian ∂clip(g)/∂g", "雅可比矩阵∂clip(g)/∂g"),),
    cases=_clip_jacobian_cases,
    diagnoses=(_clip_jacobian_mistakes,),
    rtol=1e-4,  # float32 answers pass; every diagnosed mistake is off by far more
    atol=1e-6,
)
def clip_jacobian(g, max_norm):
    norm = np.linalg.norm(g)
    if norm <= max_norm:
        return np.eye(g.size)
    unit = g / norm
    return max_norm / norm * (np.eye(g.size) - np.outer(unit, unit))
