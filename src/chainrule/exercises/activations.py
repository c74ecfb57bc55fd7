"""Exercises of chapter 5, Derivatives of activations and losses.

Feedback policy: a diagnosis says what is wrong and where to look (a section of chapter 5);
a formula appears only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from ..engine.rules import stable_sigmoid
from ..language import tr
from .core import exercise, matches, say, softmax

CHAPTER = "activations"
SIGMOID = tr("chapter 5, “The sigmoid”", "第5章“sigmoid函数”")
TANH = tr("chapter 5, “tanh”", "第5章“tanh函数”")
RELU = tr("chapter 5, “ReLU and leaky ReLU”", "第5章“ReLU与带泄漏的ReLU”")
JACOBIAN = tr(
    "chapter 5, “Softmax: a Jacobian, not a list of derivatives”",
    "第5章“softmax：是一个雅可比矩阵（Jacobian），而不是一串导数”",
)
CE = tr("chapter 5, “Softmax with cross-entropy”", "第5章“softmax与交叉熵”")
BCE = tr("chapter 5, “Sigmoid with binary cross-entropy”", "第5章“sigmoid与二元交叉熵”")
TEMPERATURE = tr("chapter 5, “Temperature: the Jacobian fades at both ends”", "第5章“温度：雅可比矩阵在两端都会衰减”")
STABLE_BCE = tr("chapter 5, “Binary cross-entropy from logits, without overflow”", "第5章“从logits计算二元交叉熵，不溢出”")
LSE = tr("chapter 5, “Numerical stability: the log-sum-exp trick”", "第5章“数值稳定性：LogSumExp技巧”")


def _one_number(z):
    """A case with one number: many mistakes give the same value there (no cause is claimed)."""
    return np.size(z) == 1


def _z_cases(rng):
    return [(rng.uniform(-6, 6, size=s),) for s in [(1,), (5,), (3, 4)]]


# --- sigmoid ---------------------------------------------------------------------------


def _sigmoid_mistakes(got, expected, args, i):
    (z,) = args
    s = stable_sigmoid(z)
    if matches(got, s):
        return say(
            tr(f"that is σ(z) itself, not its derivative; see {SIGMOID.en}", f"这是σ(z)本身，而不是它的导数；参见{SIGMOID.zh}")
        )
    if matches(got, z * (1 - z)):
        return say(
            tr(
                f"the derivative written with the output must be given σ(z), not z; see {SIGMOID.en}",
                f"用输出表示的导数必须代入σ(z)，而不是z；参见{SIGMOID.zh}",
            )
        )
    if matches(got, 1 - s):
        return say(
            tr(f"that is 1 − σ(z): a factor is missing; see {SIGMOID.en}", f"这是1 − σ(z)：少了一个因子；参见{SIGMOID.zh}"),
            tr("σ′ = σ(1 − σ)", "sigmoid的导数：σ′ = σ(1 − σ)"),
        )
    return None


@exercise(
    id="activations.sigmoid_derivative",
    section=SIGMOID,
    chapter=CHAPTER,
    title=tr("Derivative of the sigmoid", "sigmoid函数的导数"),
    signature="sigmoid_grad(z)",
    outputs=("σ′(z)",),
    cases=_z_cases,
    diagnoses=(_sigmoid_mistakes,),
    degenerate=_one_number,
)
def sigmoid_grad(z):
    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)


# --- tanh ------------------------------------------------------------------------------


def _tanh_mistakes(got, expected, args, i):
    (z,) = args
    t = np.tanh(z)
    if matches(got, 1 - t):
        return say(
            tr(
                f"the derivative of tanh written with its output has that output squared; see {TANH.en}",
                f"tanh的导数用输出表示时，含有输出的平方；参见{TANH.zh}",
            )
        )
    if matches(got, 1 - z**2):
        return say(
            tr(
                f"the derivative written with the output must be given tanh(z), not z; see {TANH.en}",
                f"用输出表示的导数必须代入tanh(z)，而不是z；参见{TANH.zh}",
            )
        )
    if matches(got, t):
        return say(
            tr(f"that is tanh(z) itself, not its derivative; see {TANH.en}", f"这是tanh(z)本身，而不是它的导数；参见{TANH.zh}")
        )
    return None


@exercise(
    id="activations.tanh_derivative",
    section=TANH,
    chapter=CHAPTER,
    title=tr("Derivative of tanh", "tanh的导数"),
    signature="tanh_grad(z)",
    outputs=("tanh′(z)",),
    cases=_z_cases,
    diagnoses=(_tanh_mistakes,),
    degenerate=_one_number,
)
def tanh_grad(z):
    return 1 - np.tanh(z) ** 2


# --- ReLU ------------------------------------------------------------------------------


def _relu_cases(rng):
    cases = []
    for s in [(6,), (3, 4), (1,)]:
        z = rng.uniform(-3, 3, size=s)
        z.flat[:: 2 if z.size > 1 else 1] = 0.0  # exact zeros: the convention matters there
        cases.append((z,))
    return cases


def _relu_mistakes(got, expected, args, i):
    (z,) = args
    if not np.any(z != 0):
        return None  # all zeros: the variants below cannot be told apart here
    if matches(got, (z >= 0).astype(float)):
        return say(
            tr(
                f"right except at z = 0, where ReLU is not differentiable: the exercise fixes the "
                f"subgradient 0 there (TensorFlow's choice); see {RELU.en}",
                f"除了z = 0处都对；ReLU在z = 0处不可导，本练习规定那里的次梯度为0（TensorFlow的选择）；参见{RELU.zh}",
            )
        )
    if matches(got, np.maximum(z, 0)):
        return say(
            tr(
                f"that is ReLU itself, max(0, z), not its derivative; see {RELU.en}",
                f"这是ReLU本身，即max(0, z)，而不是它的导数；参见{RELU.zh}",
            )
        )
    if matches(got, (z < 0).astype(float)) or matches(got, (z <= 0).astype(float)):
        return say(
            tr(
                f"the two slopes are swapped: check which side of 0 has slope 1; see {RELU.en}",
                f"两个斜率对调了：检查0的哪一侧斜率为1；参见{RELU.zh}",
            )
        )
    return None


@exercise(
    id="activations.relu_subgradient",
    section=RELU,
    chapter=CHAPTER,
    title=tr("ReLU's derivative and the subgradient at 0", "ReLU的导数与0处的次梯度"),
    signature="relu_grad(z)",
    outputs=("ReLU′(z)",),
    cases=_relu_cases,
    diagnoses=(_relu_mistakes,),
    degenerate=_one_number,
)
def relu_grad(z):
    return (z > 0).astype(float)


# --- softmax Jacobian --------------------------------------------------------------------


def _jacobian_cases(rng):
    return [(rng.normal(size=C) * 2,) for C in (2, 3, 5)]


def _jacobian_mistakes(got, expected, args, i):
    (z,) = args
    p = softmax(z)
    if matches(got, np.diag(p - p**2)):
        return say(
            tr(
                f"only the diagonal (the source article's formula): every pᵢ depends on every zⱼ, so the "
                f"off-diagonal entries are not zero; see {JACOBIAN.en}",
                f"只有对角线（原文的公式）：每个pᵢ 都依赖于每个zⱼ，所以非对角元素不为零；参见{JACOBIAN.zh}",
            )
        )
    if matches(got, p - p**2):
        return say(
            tr(
                f"that is the diagonal as a vector; the Jacobian is a C×C matrix; see {JACOBIAN.en}",
                f"这是写成向量的对角线；雅可比矩阵是C×C的矩阵；参见{JACOBIAN.zh}",
            )
        )
    if matches(got, np.diag(p) + np.outer(p, p)):
        return say(
            tr(
                f"the off-diagonal entries have the wrong sign: raising zⱼ lowers the other probabilities; see {JACOBIAN.en}",
                f"非对角元素的符号反了：增大zⱼ 会降低其他类别的概率；参见{JACOBIAN.zh}",
            )
        )
    return None


@exercise(
    id="activations.softmax_jacobian",
    section=JACOBIAN,
    chapter=CHAPTER,
    title=tr("The full softmax Jacobian", "完整的softmax雅可比矩阵"),
    signature="softmax_jacobian(z)",
    outputs=("∂p/∂z",),
    cases=_jacobian_cases,
    diagnoses=(_jacobian_mistakes,),
    degenerate=lambda z: len(z) <= 2,  # two classes: p₂ = 1 − p₁ makes many forms agree
)
def softmax_jacobian(z):
    p = np.exp(z - z.max())
    p = p / p.sum()
    return np.diag(p) - np.outer(p, p)


# --- softmax + cross-entropy ----------------------------------------------------------


def _ce_cases(rng):
    cases = []
    for N, C in [(1, 3), (4, 3), (6, 5)]:
        cases.append((rng.normal(size=(N, C)) * 2, rng.integers(0, C, size=N)))
    return cases


def _ce_mistakes(got, expected, args, i):
    logits, labels = args
    N, C = logits.shape
    p, y = softmax(logits), np.eye(C)[labels]
    if N > 1 and matches(got, expected * N):
        return say(
            tr(
                f"N times the reference, the batch size: the loss is the mean over the batch; see {CE.en}",
                f"是参考答案的N倍，N是批量大小：损失是对批量取的平均；参见{CE.zh}",
            )
        )
    if matches(got, p / N) or (N > 1 and matches(got, p)):
        return say(
            tr(f"the labels play no part in your answer; see {CE.en}", f"你的答案中完全没有用到标签；参见{CE.zh}"),
            tr("one example: p − y with y one-hot", "对一个样本：p − y，其中y是独热编码"),
        )
    if matches(got, (logits - y) / N):
        return say(
            tr(f"the logits were used where the probabilities belong; see {CE.en}", f"该用概率的地方用了logits；参见{CE.zh}")
        )
    if matches(got, (p - y) * p * (1 - p) / N):
        return say(
            tr(
                f"an extra factor p ⊙ (1 − p): with cross-entropy the softmax Jacobian cancels; see {CE.en}",
                f"多了一个因子p ⊙ (1 − p)：与交叉熵合在一起时，softmax的雅可比矩阵会被抵消；参见{CE.zh}",
            )
        )
    return None


@exercise(
    id="activations.softmax_cross_entropy_gradient",
    section=CE,
    batch="logits",
    chapter=CHAPTER,
    title=tr("Gradient of softmax cross-entropy", "softmax交叉熵的梯度"),
    signature="ce_grad(logits, labels)",
    outputs=("∂L/∂z",),
    cases=_ce_cases,
    diagnoses=(_ce_mistakes,),
    # one example or two classes: e.g. p − (a wrongly shaped label array) equals p when the label is 0
    degenerate=lambda logits, labels: logits.shape[0] == 1 or logits.shape[1] <= 2,
)
def ce_grad(logits, labels):
    N, C = logits.shape
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return (p - np.eye(C)[labels]) / N


# --- class-weighted binary cross-entropy (a derivation) ----------------------------------------


def _weighted_bce_cases(rng):
    cases = []
    for N, w, soft in [(2, 3.0, False), (5, 0.5, False), (8, 2.0, True), (4, 1.0, False)]:
        z = rng.normal(size=N) * 3
        y = rng.uniform(0, 1, size=N) if soft else rng.integers(0, 2, size=N).astype(float)
        # soft targets in [0, 1] in one case: the result holds there too. A positive and a negative
        # example in every case: with one class only, a weight on the wrong term looks like no weight.
        y[:2] = [1.0, 0.0]
        cases.append((z, y, w))
    return cases


def _weighted_bce_mistakes(got, expected, args, i):
    z, y, w = args
    N = len(z)
    s = stable_sigmoid(z)
    if w != 1 and matches(got, (s - y) / N):
        return say(
            tr(
                f"your answer does not depend on the weight w: that is the unweighted gradient; see {BCE.en}",
                f"你的答案与权重w无关：这是不加权的梯度；参见{BCE.zh}",
            )
        )
    if w != 1 and matches(got, w * (s - y) / N):
        return say(
            tr(
                f"the weight multiplies the whole gradient, but w weighs only the y·log σ(z) term; see {BCE.en}",
                f"权重乘在了整个梯度上，但w只加权y·log σ(z)这一项；参见{BCE.zh}",
            ),
            tr("differentiate the two terms of the loss separately", "对损失的两项分别求导"),
        )
    if w != 1 and matches(got, (s * (1 - y) * w - y * (1 - s)) / N):
        return say(
            tr(
                "the weight is on the wrong term: w multiplies the positive-class term y·log σ(z)",
                "权重加错了项：w乘的是正类那一项y·log σ(z)",
            )
        )
    if matches(got, expected * N):
        return say(
            tr(
                f"N times the reference: the loss is the mean over the batch; see {BCE.en}",
                f"是参考答案的N倍：损失是对批量取的平均；参见{BCE.zh}",
            )
        )
    if matches(got, expected * s * (1 - s)):
        return say(
            tr(
                f"an extra factor σ′(z): the sigmoid's derivative is already in your result, and multiplying by it "
                f"again counts that link twice; see {BCE.en}",
                f"多了一个因子σ′(z)：sigmoid的导数已经包含在你的结果里，再乘一次就把这一环算了两遍；参见{BCE.zh}",
            ),
            tr(
                "∂L/∂σ times σ′(z) is the whole chain; for w = 1 the result is (σ(z) − y)/N",
                "∂L/∂σ乘以σ′(z)就是整条链；w = 1时结果是(σ(z) − y)/N",
            ),
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        wrt_a = (-w * y / s + (1 - y) / (1 - s)) / N
    if np.all(np.isfinite(wrt_a)) and matches(got, wrt_a):
        return say(
            tr(
                f"that is ∂L/∂σ(z), the gradient with respect to the output; the exercise asks for the "
                f"logits z, one more chain-rule step; see {BCE.en}",
                f"这是∂L/∂σ(z)，即对输出的梯度；本练习要的是对logits z的梯度，还要再用一次链式法则；参见{BCE.zh}",
            )
        )
    return None


@exercise(
    id="activations.weighted_bce_gradient",
    section=BCE,
    batch="z",
    chapter=CHAPTER,
    title=tr("Class-weighted binary cross-entropy: ∂L/∂z (derive it)", "类别加权的二元交叉熵：∂L/∂z（推导）"),
    signature="weighted_bce_grad(z, y, w)",
    outputs=("∂L/∂z",),
    cases=_weighted_bce_cases,
    diagnoses=(_weighted_bce_mistakes,),
    # with N = 2, "times 2" and "times N" are one mistake; with one class, so are several weightings
    degenerate=lambda z, y, w: len(z) <= 2 or bool(np.all(y == y[0])),
)
def weighted_bce_grad(z, y, w):
    s = stable_sigmoid(z)
    return (s * (w * y + 1 - y) - w * y) / len(z)


# --- the derivative of softmax with respect to its temperature (a derivation) ------------------


def _dT_cases(rng):
    return [(rng.normal(size=C) * 2, T) for C, T in [(2, 0.5), (3, 2.0), (5, 4.0), (4, 1.0)]]


def _dT_mistakes(got, expected, args, i):
    z, T = args
    p = softmax(z / T)
    if T != 1 and matches(got, expected * T):
        return say(
            tr(
                f"a power of T is off: the inner derivative of z/T with respect to T is not −z/T; see {TEMPERATURE.en}",
                f"T的幂次不对：z/T对T的内层导数不是−z/T；参见{TEMPERATURE.zh}",
            )
        )
    if T != 1 and matches(got, expected / T):
        return say(
            tr(
                f"a power of T is off: you divided by T once too often; see {TEMPERATURE.en}",
                f"T的幂次不对：你多除了一次T；参见{TEMPERATURE.zh}",
            )
        )
    if matches(got, -p * z / T**2):
        return say(
            tr(
                f"the normaliser's share is missing: every pᵢ depends on every logit through the sum, so "
                f"the full Jacobian is needed; see {JACOBIAN.en}",
                f"缺少规范化项那一份：每个pᵢ 都通过求和依赖于每个logit，所以需要完整的雅可比矩阵；参见{JACOBIAN.zh}",
            )
        )
    if matches(got, -p * (z - z.mean()) / T**2):
        return say(
            tr(
                "the average of z you subtract must be weighted by the probabilities p, not a plain mean",
                "你减去的z的平均值必须以概率p加权，而不是简单平均",
            )
        )
    if matches(got, -(p - p**2) * z / T**2):
        return say(
            tr(
                f"only the diagonal of the softmax Jacobian was used; see {JACOBIAN.en}",
                f"只用了softmax雅可比矩阵的对角线；参见{JACOBIAN.zh}",
            )
        )
    return None


@exercise(
    id="activations.softmax_temperature_derivative",
    section=TEMPERATURE,
    chapter=CHAPTER,
    title=tr("∂p/∂T: softmax's derivative with respect to the temperature (derive it)", "∂p/∂T：softmax对温度的导数（推导）"),
    signature="softmax_dT(z, T)",
    outputs=("∂p/∂T",),
    cases=_dT_cases,
    diagnoses=(_dT_mistakes,),
    degenerate=lambda z, T: len(z) <= 2,
)
def softmax_dT(z, T):
    p = softmax(z / T)
    return -p * (z - p @ z) / T**2


# --- binary cross-entropy from logits, computed stably (a derivation) ---------------------------


def _stable_bce_cases(rng):
    """Moderate logits in every case (where every correct formula agrees), and in three cases
    logits so large that σ(z) rounds to 0 or 1, or e^{|z|} overflows."""
    cases = []
    plan = [  # N, scale of the moderate logits, the large ones, soft targets
        (5, 3.0, (), False),
        (6, 2.0, (-800.0, 40.0, 800.0), True),  # |z| > 760 in every draw: e^{|z|} overflows beyond 709.8
        (7, 2.5, (-45.0, 38.0), False),
        (4, 1.5, (60.0, -90.0), True),
    ]
    for N, scale, large, soft in plan:
        z = rng.normal(size=N) * scale
        y = rng.uniform(0, 1, size=N) if soft else rng.integers(0, 2, size=N).astype(float)
        y[:2] = [0.0, 1.0]  # both targets present
        z[-2:] = np.abs(z[-2:]) * [1, -1] + [0.1, -0.1]  # moderate logits of both signs
        if large:
            z[: len(large)] = np.array(large) * rng.uniform(0.95, 1.1, size=len(large))
            if not soft:  # confidently wrong: the loss there is about |z|, not about 0
                y[: len(large)] = (z[: len(large)] < 0).astype(float)
        cases.append((z, y))
    return cases


def _softplus(u):
    return np.maximum(u, 0) + np.log1p(np.exp(-np.abs(u)))


MODERATE = 10.0  # |z| up to which the textbook formula is still accurate to rounding


def _right_only_where_moderate(got, expected, z):
    """Right where |z| is moderate, wrong (or inf/NaN) somewhere |z| is large: a numerical loss,
    not an algebraic one (an algebraic slip is wrong at moderate z too)."""
    moderate, large = np.abs(z) <= MODERATE, np.abs(z) > MODERATE
    if got.shape != expected.shape or not (moderate & (z > 0)).any() or not (moderate & (z < 0)).any() or not large.any():
        return False  # right at moderate logits of both signs, or nothing is shown
    if not np.allclose(got[moderate], expected[moderate], rtol=1e-6, atol=1e-9):
        return False
    return not np.allclose(got[large], expected[large], rtol=1e-6, atol=1e-9)


def _stable_bce_mistakes(got, expected, args, i):
    z, y = args
    N = len(z)
    s = stable_sigmoid(z)
    if i == 0:
        if got.shape == () and (matches(got, expected.mean()) or matches(got, expected.sum())):
            return say(
                tr(
                    f"one number, the batch's {'mean' if matches(got, expected.mean()) else 'sum'}: return the loss "
                    f"of each example, a vector of length N; see {STABLE_BCE.en}",
                    f"只有一个数，即整个批量的{'平均值' if matches(got, expected.mean()) else '总和'}：请返回每个样本的损失，"
                    f"一个长度为N的向量；参见{STABLE_BCE.zh}",
                )
            )
        if matches(got, -z * y + np.log1p(np.exp(-np.abs(z)))):
            return say(
                tr(
                    f"right for z ≤ 0 but not for z > 0: rewriting log(1 + e^z) to avoid the overflow dropped a term "
                    f"that grows with z; see {LSE.en}",
                    f"对z ≤ 0是对的，对z > 0却不对：为避免溢出改写log(1 + e^z)时，丢掉了随z增长的那一项；参见{LSE.zh}",
                )
            )
        if matches(got, _softplus(z) - z * (1 - y)):
            return say(
                tr(
                    f"y and 1 − y are swapped: your loss is smallest where σ(z) is far from the target; see {BCE.en}",
                    f"y与1 − y对调了：你的损失在σ(z)远离目标处最小；参见{BCE.zh}",
                )
            )
        if matches(got, _softplus(z) + z * y):
            return say(
                tr(
                    f"the term that depends on y has the wrong sign: check log σ(z) against log(1 − σ(z)); see {STABLE_BCE.en}",
                    f"与y有关的那一项符号错了：对照检查log σ(z)与log(1 − σ(z))；参见{STABLE_BCE.zh}",
                )
            )
    # only after the algebraic slips, each of which is wrong at moderate logits too
    if _right_only_where_moderate(got, expected, z):
        if i == 0:
            return say(
                tr(
                    f"right where |z| is moderate, but wrong (or inf/NaN) where |z| is large: there σ(z) or 1 − σ(z) "
                    f"is rounded (or clipped) to 0 or 1 before its logarithm is taken, or an exponential overflows; "
                    f"see {STABLE_BCE.en} and {LSE.en}",
                    f"在|z|不大的地方是对的，在|z|很大的地方却错了（或是inf/NaN）：那里σ(z)或1 − σ(z)在取对数之前"
                    f"就被舍入（或截断）成了0或1，或者某个指数溢出了；参见{STABLE_BCE.zh}和{LSE.zh}",
                ),
                tr(
                    "write log σ(z) and log(1 − σ(z)) in terms of z first, then arrange every exponential to have an "
                    "exponent ≤ 0",
                    "先把log σ(z)和log(1 − σ(z))写成z的式子，再让每个指数函数的指数都 ≤ 0",
                ),
            )
        return say(
            tr(
                f"right where |z| is moderate, but wrong (or inf/NaN) where |z| is large: the way σ(z) is computed "
                f"there overflows or clips it; see {STABLE_BCE.en}",
                f"在|z|不大的地方是对的，在|z|很大的地方却错了（或是inf/NaN）："
                f"σ(z)的算法在那里溢出了或被截断了；参见{STABLE_BCE.zh}",
            )
        )
    if i == 0 or np.allclose(s * (1 - s), 0):
        return None
    if matches(got, expected * s * (1 - s)):
        return say(
            tr(
                f"an extra factor σ′(z): with binary cross-entropy the sigmoid's derivative cancels; see {BCE.en}",
                f"多了一个因子σ′(z)：与二元交叉熵合在一起时，sigmoid的导数会被抵消；参见{BCE.zh}",
            )
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        wrt_s = (s - y) / (s * (1 - s)) / N
    if np.all(np.isfinite(wrt_s)) and matches(got, wrt_s):
        return say(
            tr(
                f"that is ∂L/∂σ(z), the gradient with respect to the sigmoid's output; the exercise asks for z, one "
                f"more chain-rule step; see {BCE.en}",
                f"这是∂L/∂σ(z)，即对sigmoid输出的梯度；本练习要的是对z的梯度，还要再用一次链式法则；参见{BCE.zh}",
            )
        )
    return None


@exercise(
    id="activations.stable_bce_with_logits",
    section=STABLE_BCE,
    batch="z",
    chapter=CHAPTER,
    title=tr(
        "Binary cross-entropy from logits, without overflow, and its gradient (derive it)",
        "从logits计算不溢出的二元交叉熵及其梯度（推导）",
    ),
    signature="bce_with_logits(z, y)",
    outputs=(tr("losses ℓ", "损失 ℓ"), "∂L/∂z"),
    cases=_stable_bce_cases,
    diagnoses=(_stable_bce_mistakes,),
    degenerate=lambda z, y: len(z) <= 2,
)
def bce_with_logits(z, y):
    # ℓ = −y log σ(z) − (1 − y) log(1 − σ(z)) = log(1 + e^z) − y z, with log(1 + e^z) = max(z, 0) + log(1 + e^−|z|)
    losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return losses, (stable_sigmoid(z) - y) / len(z)
