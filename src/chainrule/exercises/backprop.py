"""Exercises of chapter 4, Backpropagation: the source's MLP, one chain-rule step at a time.

Row-batch form: X (N, n), A1 (N, h) (the hidden activations), P (N, C), W1 (n, h), W2 (h, C). Shapes are chosen
with N, n, h, C all different, so a transposed or unsummed result shows in its shape.

Feedback policy: a diagnosis says what is wrong and where to look (a section of chapter 4);
the formula itself is only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from ..engine.rules import stable_sigmoid
from ..language import tr
from ..models.manual_mlp import backward, forward, softmax_rows
from .core import exercise, matches, say, softmax

CHAPTER = "backprop"
# (N, n, h, C). No batch of one or two and no two-class case: with N = 1 a sum and a mean over
# the batch coincide, with N = 2 "times N" is "times 2", and with one example or two classes
# many slips look alike (a wrongly shaped label array, an unsummed δ), so a diagnosis from
# such a case would be a guess.
SHAPES = [(3, 4, 6, 5), (5, 6, 4, 3), (7, 3, 5, 4)]
BATCH = tr("chapter 4, “The batch form used in code”", "第4章“代码中使用的批量形式”")
STEP1 = tr("chapter 4, “Step 1: the output layer”", "第4章“第1步：输出层”")
STEP2 = tr("chapter 4, “Step 2: back into the hidden layer — a sum over paths”", "第4章“第2步：回到隐藏层——对路径求和”")
CHECKING = tr("chapter 4, “Checking the derivation three ways”", "第4章“用三种方式核对推导”")


def _network(rng, N, n, h, C):
    X = rng.normal(size=(N, n))
    params = {
        "W1": rng.normal(size=(n, h)),
        "b1": rng.normal(size=h),
        "W2": rng.normal(size=(h, C)),
        "b2": rng.normal(size=C),
    }
    y = rng.permutation(np.arange(N) % C)  # never one class for the whole batch (nor all class 0)
    cache = forward(params, X, y)
    return X, params, y, cache


# --- 4.1 δ_out ---------------------------------------------------------------------------


def _delta_out_cases(rng):
    cases = []
    for N, n, h, C in SHAPES:
        _, _, y, cache = _network(rng, N, n, h, C)
        cases.append((cache.P, np.eye(C)[y]))
    return cases


def _delta_out_mistakes(got, expected, args, i):
    P, Y = args
    N = len(P)
    if N > 1 and matches(got, expected * N):
        return say(
            tr(
                f"N times the reference, the batch size: the loss is the mean over the batch; see {BATCH.en}",
                f"是参考答案的N倍，N是批量大小：损失是对批量取的平均；参见{BATCH.zh}",
            )
        )
    if matches(got, P / N) or (N > 1 and matches(got, P)):
        return say(
            tr(
                f"the one-hot label Y plays no part in your answer; see {STEP1.en}",
                f"你的答案中完全没有用到独热标签Y；参见{STEP1.zh}",
            ),
            tr(
                "∂L/∂z_j = p_j − y_j for one example; the batch mean adds 1/N",
                "对一个样本，∂L/∂z_j = p_j − y_j；对批量取平均再带来1/N",
            ),
        )
    if matches(got, (P - Y) * P * (1 - P) / N):
        return say(
            tr(
                f"an extra factor P ⊙ (1 − P): with softmax and cross-entropy together that factor cancels; see {STEP1.en}",
                f"多了一个因子P ⊙ (1 − P)：softmax与交叉熵合在一起时，这个因子会被抵消；参见{STEP1.zh}",
            ),
            tr("Δ_out = (P − Y)/N, nothing more", "Δ_out = (P − Y)/N，没有别的因子"),
        )
    return None


@exercise(
    id="backprop.output_delta",
    section=STEP1,
    batch="P",
    chapter=CHAPTER,
    title=tr("δ_out = ∂L/∂Z2", "输出层误差δ_out = ∂L/∂Z2"),
    signature="output_delta(P, Y)",
    outputs=("δ_out",),
    cases=_delta_out_cases,
    diagnoses=(_delta_out_mistakes,),
)
def output_delta(P, Y):
    return (P - Y) / len(P)


# --- 4.2 ∂L/∂W2 and 4.3 ∂L/∂b2 ------------------------------------------------------------


def _layer2_cases(rng):
    cases = []
    for N, n, h, C in SHAPES:
        _, _, y, cache = _network(rng, N, n, h, C)
        cases.append((cache.A1, (cache.P - np.eye(C)[y]) / N))
    return cases


def _weight_mistakes(inputs_name, delta_name, layer):
    """Diagnoses shared by ∂L/∂W2 = Hᵀ δ_out and ∂L/∂W1 = Xᵀ δ_hid."""

    def diagnose(got, expected, args, i):
        A, delta = args
        if matches(got, delta.T @ A):
            return say(
                tr(
                    f"shape {got.shape} is that of W{layer}ᵀ; ∂L/∂W{layer} has W{layer}'s shape {expected.shape}: "
                    f"check the order of the product; see {BATCH.en}",
                    f"形状{got.shape}是W{layer}ᵀ的形状；∂L/∂W{layer}的形状与 "
                    f"W{layer}相同，即{expected.shape}：检查乘积的顺序；参见{BATCH.zh}",
                ),
                tr(
                    f"{inputs_name}ᵀ {delta_name}: (features, N) times (N, units)",
                    f"{inputs_name}ᵀ {delta_name}：(特征数, N)乘以(N, 单元数)",
                ),
            )
        if len(A) > 1 and matches(got, A.T @ delta / len(A)):
            return say(
                tr(
                    f"{delta_name} already holds the 1/N of the mean loss; dividing again shrinks the gradient "
                    f"by N; see {BATCH.en}",
                    f"{delta_name}已经带有平均损失的1/N；再除一次会让梯度缩小N倍；参见{BATCH.zh}",
                )
            )
        if len(A) > 1 and matches(got, A.T @ delta * len(A)):
            return say(
                tr(
                    f"N times the reference: {delta_name} already carries the 1/N of the mean loss; see {BATCH.en}",
                    f"是参考答案的N倍：{delta_name}已经带有平均损失的1/N；参见{BATCH.zh}",
                )
            )
        return None

    return diagnose


@exercise(
    id="backprop.grad_W2",
    section=BATCH,
    batch="A1",
    chapter=CHAPTER,
    title=tr("∂L/∂W2", "输出层权重的梯度∂L/∂W2"),
    signature="grad_W2(A1, delta_out)",
    outputs=("∂L/∂W2",),
    cases=_layer2_cases,
    diagnoses=(_weight_mistakes("A1", "δ_out", 2),),
)
def grad_W2(A1, delta_out):
    return A1.T @ delta_out


def _bias_mistakes(delta_name, layer):
    """Diagnoses shared by ∂L/∂b2 and ∂L/∂b1 (a bias added to every row of the batch)."""

    def diagnose(got, expected, args, i):
        _, delta = args
        N, units = delta.shape
        if N > 1 and got.shape == (1, units) and matches(got, delta.sum(axis=0, keepdims=True)):
            return say(
                tr(
                    f"the values are right but the shape is {got.shape}: b{layer} has shape ({units},), "
                    "so the sum must not keep the batch axis",
                    f"数值对了，但形状是{got.shape}：b{layer}的形状是({units},)，所以求和时不能保留批量轴",
                )
            )
        if N > 1 and matches(got, delta):
            return say(
                tr(
                    f"that is {delta_name} itself, one row per example: b{layer} was added to every row; see {BATCH.en}",
                    f"这就是{delta_name}本身，每个样本一行：b{layer}被加到了每一行上；参见{BATCH.zh}",
                ),
                tr("sum over the examples (axis 0)", "对样本求和（axis 0）"),
            )
        if N > 1 and got.shape == (N,) and matches(got, delta.sum(axis=1)):
            return say(
                tr(
                    f"summed over the wrong axis: b{layer} has one entry per unit ({units}), "
                    f"not per example ({N}); see {BATCH.en}",
                    f"沿错了轴求和：b{layer}的每个元素对应一个单元（共{units} "
                    f"个），而不是一个样本（共{N}个）；参见{BATCH.zh}",
                )
            )
        if N > 1 and matches(got, delta.mean(axis=0)):
            return say(
                tr(
                    f"that is the mean over the batch; {delta_name} already contains the 1/N of the mean loss; see {BATCH.en}",
                    f"这是对批量取平均；{delta_name}已经包含平均损失的1/N；参见{BATCH.zh}",
                )
            )
        return None

    return diagnose


@exercise(
    id="backprop.grad_b2",
    section=BATCH,
    batch="A1",
    chapter=CHAPTER,
    title=tr("∂L/∂b2", "输出层偏置的梯度∂L/∂b2"),
    signature="grad_b2(A1, delta_out)",
    outputs=("∂L/∂b2",),
    cases=_layer2_cases,
    diagnoses=(_bias_mistakes("δ_out", 2),),
)
def grad_b2(A1, delta_out):
    return delta_out.sum(axis=0)


# --- 4.4 the hidden δ ----------------------------------------------------------------------


def _hidden_cases(rng):
    cases = []
    for N, n, h, C in SHAPES:
        X, params, y, cache = _network(rng, N, n, h, C)
        cases.append(((cache.P - np.eye(C)[y]) / N, params["W2"], cache.A1))
    return cases


def _hidden_mistakes(got, expected, args, i):
    delta, W2, A1 = args
    back = delta @ W2.T
    if matches(got, back):
        return say(
            tr(
                f"that is ∂L/∂A1: the step through the sigmoid (its derivative σ′(Z1)) is missing; see {STEP2.en}",
                f"这是∂L/∂A1：缺少穿过sigmoid的那一步（它的导数σ′(Z1)）；参见{STEP2.zh}",
            ),
            tr("σ′(Z1) = A1 ⊙ (1 − A1), from the activations you were given", "σ′(Z1) = A1 ⊙ (1 − A1)，用给你的激活值来算"),
        )
    if matches(got, back * A1):
        return say(
            tr(
                f"you multiplied by σ(Z1) = A1, not by its derivative σ′(Z1); see {STEP2.en} and chapter 5, “The sigmoid”",
                f"你乘的是σ(Z1) = A1，而不是它的导数σ′(Z1)；参见{STEP2.zh}和第5章“sigmoid函数”",
            ),
            tr("σ′ = σ(1 − σ)", "sigmoid的导数：σ′ = σ(1 − σ)"),
        )
    if matches(got, back * (1 - A1)):
        return say(
            tr(
                "only part of σ′(Z1): the factor σ(Z1) = A1 is missing; see chapter 5, “The sigmoid”",
                "只有σ′(Z1)的一部分：缺少因子σ(Z1) = A1；参见第5章“sigmoid函数”",
            )
        )
    Z1 = np.log(A1 / (1 - A1))
    if matches(got, back * Z1 * (1 - Z1)):
        return say(
            tr(
                "σ′ written as a function of the output must be given the output A1 = σ(Z1), not Z1; "
                "see chapter 5, “The sigmoid”",
                "用输出表示的σ′ 必须代入输出A1 = σ(Z1)，而不是Z1；参见第5章“sigmoid函数”",
            )
        )
    if matches(got, back * stable_sigmoid(A1) * (1 - stable_sigmoid(A1))):
        return say(
            tr(
                "that applies σ again to A1; A1 is already σ(Z1); see chapter 5, “The sigmoid”",
                "这是对A1再套一次σ；A1已经是σ(Z1)了；参见第5章“sigmoid函数”",
            )
        )
    return None


@exercise(
    id="backprop.hidden_delta",
    section=STEP2,
    batch="delta_out",
    chapter=CHAPTER,
    title=tr("δ_hid = ∂L/∂Z1", "隐藏层误差δ_hid = ∂L/∂Z1"),
    signature="hidden_delta(delta_out, W2, A1)",
    outputs=("δ_hid",),
    cases=_hidden_cases,
    diagnoses=(_hidden_mistakes,),
)
def hidden_delta(delta_out, W2, A1):
    return (delta_out @ W2.T) * A1 * (1 - A1)


# --- 4.5 ∂L/∂W1 and 4.6 ∂L/∂b1 ------------------------------------------------------------


def _layer1_cases(rng):
    cases = []
    for N, n, h, C in SHAPES:
        X, params, y, cache = _network(rng, N, n, h, C)
        delta_hid = ((cache.P - np.eye(C)[y]) / N) @ params["W2"].T * cache.A1 * (1 - cache.A1)
        cases.append((X, delta_hid))
    return cases


@exercise(
    id="backprop.grad_W1",
    section=BATCH,
    batch="X",
    chapter=CHAPTER,
    title=tr("∂L/∂W1", "第一层权重的梯度∂L/∂W1"),
    signature="grad_W1(X, delta_hid)",
    outputs=("∂L/∂W1",),
    cases=_layer1_cases,
    diagnoses=(_weight_mistakes("X", "δ_hid", 1),),
)
def grad_W1(X, delta_hid):
    return X.T @ delta_hid


@exercise(
    id="backprop.grad_b1",
    section=BATCH,
    batch="X",
    chapter=CHAPTER,
    title=tr("∂L/∂b1", "第一层偏置的梯度∂L/∂b1"),
    signature="grad_b1(X, delta_hid)",
    outputs=("∂L/∂b1",),
    cases=_layer1_cases,
    diagnoses=(_bias_mistakes("δ_hid", 1),),
)
def grad_b1(X, delta_hid):
    return delta_hid.sum(axis=0)


# --- 4.7 the whole backward pass ------------------------------------------------------------


def _whole_cases(rng):
    cases = []
    for N, n, h, C in SHAPES:
        X, params, y, _ = _network(rng, N, n, h, C)
        cases.append((X, y, params["W1"], params["b1"], params["W2"], params["b2"]))
    return cases


def _whole_mistakes(got, expected, args, i):
    X, y, W1, b1, W2, b2 = args
    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    cache = forward(params, X, y)
    N = len(X)
    delta_out = (cache.P - np.eye(W2.shape[1])[y]) / N
    back = delta_out @ W2.T
    if i == 0 and matches(got, X.T @ back):
        return say(
            tr(
                f"∂L/∂W1 lacks the step through the sigmoid (σ′(Z1)) in δ_hid; see {STEP2.en}",
                f"∂L/∂W1的δ_hid中缺少穿过sigmoid的那一步（σ′(Z1)）；参见{STEP2.zh}",
            )
        )
    if i == 1 and matches(got, back.sum(axis=0)):
        return say(
            tr(
                f"∂L/∂b1 lacks the step through the sigmoid (σ′(Z1)) in δ_hid; see {STEP2.en}",
                f"∂L/∂b1的δ_hid中缺少穿过sigmoid的那一步（σ′(Z1)）；参见{STEP2.zh}",
            )
        )
    if i == 0 and matches(got, X.T @ (back * cache.A1)):
        return say(
            tr(
                f"δ_hid is multiplied by σ(Z1) = A1, not by its derivative σ′(Z1); see {STEP2.en}",
                f"δ_hid乘的是σ(Z1) = A1，而不是它的导数σ′(Z1)；参见{STEP2.zh}",
            )
        )
    if N > 1 and matches(got, backward(params, cache, y)[("W1", "b1", "W2", "b2")[i]] * N):
        return say(
            tr(
                f"N times the reference: the loss is the mean over the batch; see {BATCH.en}",
                f"是参考答案的N倍：损失是对批量取的平均；参见{BATCH.zh}",
            ),
            tr("the 1/N enters once, in δ_out = (P − Y)/N", "1/N只出现一次，在δ_out = (P − Y)/N中"),
        )
    return None


@exercise(
    id="backprop.backward_pass",
    section=BATCH,
    batch="X",
    chapter=CHAPTER,
    title=tr("The whole backward pass", "完整的反向传播"),
    signature="mlp_backward(X, y, W1, b1, W2, b2)",
    outputs=("∂L/∂W1", "∂L/∂b1", "∂L/∂W2", "∂L/∂b2"),
    cases=_whole_cases,
    diagnoses=(_whole_mistakes,),
)
def mlp_backward(X, y, W1, b1, W2, b2):
    A1 = 1 / (1 + np.exp(-(X @ W1 + b1)))
    P = softmax_rows(A1 @ W2 + b2)
    delta_out = (P - np.eye(W2.shape[1])[y]) / len(X)
    delta_hid = (delta_out @ W2.T) * A1 * (1 - A1)
    return X.T @ delta_hid, delta_hid.sum(axis=0), A1.T @ delta_out, delta_out.sum(axis=0)


# --- 4.8 gradient checking --------------------------------------------------------------------


def _quartic(W):
    return float(np.sum(np.sin(W) * W**2))


def _exp_sum(W):
    return float(np.log(np.sum(np.exp(W))))


def _gradcheck_cases(rng):
    # ε varies (1e-2 … 1e-4): the O(ε²) error of the central difference then differs between
    # cases by more than the tolerance, so an answer that ignores eps fails.
    return [
        (f, rng.normal(size=s), eps)
        for f, s, eps in [(_quartic, (2, 3), 1e-2), (_exp_sum, (4,), 1e-3), (_quartic, (1, 1), 1e-4), (_exp_sum, (3, 2), 5e-3)]
    ]


def _perturbed_differences(f, W, eps, step_up, step_down, divide):
    grad = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        up, down = W.copy(), W.copy()
        up[idx] += step_up
        down[idx] -= step_down
        grad[idx] = (f(up) - f(down)) / divide
    return grad


def _gradcheck_mistakes(got, expected, args, i):
    f, W, eps = args
    if matches(got, _perturbed_differences(f, W, eps, eps, 0.0, eps)):
        return say(
            tr(
                "that is a one-sided (forward) difference; the exercise asks for the central difference, "
                f"which is accurate to O(ε²) instead of O(ε); see {CHECKING.en}",
                f"这是单侧（前向）差分；本练习要求中心差分，它的精度是O(ε²)而不是O(ε)；参见{CHECKING.zh}",
            ),
            tr("evaluate f on both sides of each entry", "在每个元素的两侧分别计算f"),
        )
    if matches(got, _perturbed_differences(f, W, eps, eps, eps, eps)):
        return say(
            tr(
                "twice the reference: the two evaluations are 2ε apart, so divide by that distance",
                "是参考答案的两倍：两次求值相距2ε，所以要除以这个距离",
            )
        )
    if matches(got, _perturbed_differences(f, W, eps, eps, eps, 4 * eps)):
        return say(
            tr(
                "half the reference: the two evaluations are 2ε apart (not 4ε); divide by that distance",
                "只有参考答案的一半：两次求值相距2ε（而不是4ε）；要除以这个距离",
            )
        )
    if W.size > 1:
        shifted = (f(W + eps) - f(W - eps)) / (2 * eps)
        if matches(got, np.full(W.shape, shifted)):
            return say(
                tr(
                    "every entry is the same: the whole of W was shifted at once, which measures a directional "
                    "derivative; perturb one entry of W at a time",
                    "每个元素都相同：整个W被同时平移了，这测的是方向导数；每次只扰动W的一个元素",
                )
            )
    if W.size > 1 and not np.any(got) and np.any(expected):
        return say(
            tr(
                "every entry is 0: f(W + ε·e) and f(W − ε·e) came out equal — a common cause is that the "
                "perturbed arrays are W itself (an assignment such as up = W shares memory; copy W first)",
                "每个元素都是0：f(W + ε·e)与f(W − ε·e) "
                "算出来相等——常见原因是被扰动的数组就是W本身（up = W这样的赋值共享内存；先复制W）",
            )
        )
    return None


@exercise(
    id="backprop.numerical_gradient",
    section=CHECKING,
    chapter=CHAPTER,
    title=tr("Gradient checking: a numerical gradient", "梯度检验：数值梯度"),
    signature="numerical_gradient(f, W, eps)",
    outputs=(tr("∂f/∂W estimate", "∂f/∂W的估计值"),),
    cases=_gradcheck_cases,
    diagnoses=(_gradcheck_mistakes,),
    rtol=1e-7,
    degenerate=lambda f, W, eps: W.size == 1,  # one entry: shifting all of W is perturbing that entry
)
def numerical_gradient(f, W, eps):
    grad = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        up, down = W.copy(), W.copy()
        up[idx] += eps
        down[idx] -= eps
        grad[idx] = (f(up) - f(down)) / (2 * eps)
    return grad


# --- 4.9 the hidden δ with tanh (a derivation) ---------------------------------------------


def _tanh_hidden_cases(rng):
    cases = []
    for N, n, h, C in SHAPES:
        X, params, y, _ = _network(rng, N, n, h, C)
        A = np.tanh((X @ params["W1"] + params["b1"]) / np.sqrt(n + 1))  # scaled: not all saturated
        P = softmax(A @ params["W2"] + params["b2"], axis=1)
        cases.append(((P - np.eye(C)[y]) / N, params["W2"], A))
    return cases


def _tanh_hidden_mistakes(got, expected, args, i):
    delta, W2, A1 = args
    back = delta @ W2.T
    if matches(got, back):
        return say(
            tr(
                f"that is ∂L/∂A1: the step through tanh (its derivative at Z1) is missing; see {STEP2.en}",
                f"这是∂L/∂A1：缺少穿过tanh的那一步（它在Z1处的导数）；参见{STEP2.zh}",
            ),
            tr("tanh′ written with the output: chapter 5, “tanh”", "用输出表示的tanh′：第5章“tanh函数”"),
        )
    if matches(got, back * A1 * (1 - A1)):
        return say(
            tr(
                "that is the sigmoid's derivative σ(1 − σ) applied to A1; this hidden layer is tanh, "
                "whose derivative is different; see chapter 5, “tanh”",
                "这是把sigmoid的导数σ(1 − σ)用在了A1上；这个隐藏层是tanh，它的导数不同；参见第5章“tanh函数”",
            )
        )
    if matches(got, back * (1 - A1)):
        return say(
            tr(
                "the derivative of tanh, written with its output A1, has A1 squared; see chapter 5, “tanh”",
                "tanh的导数用输出A1表示时，含有A1的平方；参见第5章“tanh函数”",
            )
        )
    Z1 = np.arctanh(np.clip(A1, -1 + 1e-15, 1 - 1e-15))
    if matches(got, back * (1 - Z1**2)):
        return say(
            tr(
                "tanh′ written with the output must be given A1 = tanh(Z1), not Z1; see chapter 5, “tanh”",
                "用输出表示的tanh′ 必须代入A1 = tanh(Z1)，而不是Z1；参见第5章“tanh函数”",
            )
        )
    if matches(got, back * A1):
        return say(
            tr(
                "you multiplied by tanh(Z1) = A1 itself, not by its derivative; see chapter 5, “tanh”",
                "你乘的是tanh(Z1) = A1本身，而不是它的导数；参见第5章“tanh函数”",
            )
        )
    return None


@exercise(
    id="backprop.tanh_hidden_delta",
    section=STEP2,
    batch="delta_out",
    chapter=CHAPTER,
    title=tr("δ_hid when the hidden layer is tanh (warm-up)", "隐藏层为tanh时的δ_hid（热身）"),
    signature="tanh_hidden_delta(delta_out, W2, A1)",
    outputs=("δ_hid",),
    cases=_tanh_hidden_cases,
    diagnoses=(_tanh_hidden_mistakes,),
)
def tanh_hidden_delta(delta_out, W2, A1):
    return (delta_out @ W2.T) * (1 - A1**2)


# --- 4.10 derivation: the backward pass of a residual block --------------------------------------


RESIDUAL = tr(
    f"{STEP2.en}, and chapter 2, “The multivariable chain rule: sum over paths”",
    f"{STEP2.zh}，以及第2章“多元链式法则（multivariable chain rule）：对路径求和”",
)


def _residual_cases(rng):
    # W is square (d × d), so W and Wᵀ, ∂L/∂W and its transpose, have the same shape: only the
    # values tell them apart. N ≥ 3 and N ≠ d everywhere.
    cases = []
    for N, d in [(5, 3), (4, 6), (7, 4), (3, 5)]:
        X = rng.normal(size=(N, d))
        W = rng.normal(size=(d, d)) / np.sqrt(d)  # pre-activations of order 1: tanh not saturated
        cases.append((X, W, rng.normal(size=d) * 0.5, rng.normal(size=(N, d))))
    return cases


def _residual(X, W, b, G, slope="tanh", skip=True, through=True, transpose=True):
    """(∂L/∂X, ∂L/∂W, ∂L/∂b) for out = X + tanh(X W + b), and its typical mistakes."""
    A = np.tanh(X @ W + b)
    out = X + A
    factor = {"tanh": 1 - A**2, "none": 1.0, "one_minus_A": 1 - A, "A": A, "out": 1 - out**2}[slope]
    D = G * factor
    back = (D @ W.T if transpose else D @ W) if through else 0.0
    dX = (G if skip else 0.0) + back
    return dX, X.T @ D, D.sum(axis=0)


def _residual_mistakes(got, expected, args, i):
    X, W, b, G = args
    N, d = X.shape
    if i == 0 and matches(got, _residual(X, W, b, G, skip=False)[0]):
        return say(
            tr(
                "only the path through the layer: X also reaches the output directly, through the skip "
                f"connection, and the two paths add; see {RESIDUAL.en}",
                f"只有经过这一层的路径：X还通过跳跃连接直接到达输出，两条路径的贡献相加；参见{RESIDUAL.zh}",
            ),
            tr("∂(X + F(X))/∂X has an identity term", "∂(X + F(X))/∂X中有一个单位项"),
        )
    if i == 0 and matches(got, G):
        return say(
            tr(
                f"only the skip path: X also reaches the output through the layer tanh(XW + b); see {RESIDUAL.en}",
                f"只有跳跃连接这条路径：X还经过tanh(XW + b)这一层到达输出；参见{RESIDUAL.zh}",
            )
        )
    if i == 0 and matches(got, _residual(X, W, b, G, transpose=False)[0]):
        return say(
            tr(
                "W where Wᵀ belongs: W is square, so the shape cannot tell, but ∂(XW)/∂X sends the "
                f"gradient back through the transpose; see {BATCH.en}",
                f"该用Wᵀ的地方用了W：W是方阵，所以形状看不出来，但∂(XW)/∂X要经过转置把梯度送回去；参见{BATCH.zh}",
            )
        )
    if i == 0 and matches(got, G + G * (1 - np.tanh(X @ W + b) ** 2)):
        return say(
            tr(
                f"the path through the layer must also go back through the product with W, not only through tanh; see {STEP2.en}",
                f"经过这一层的路径还必须经过与W的乘积往回走，而不只是经过tanh；参见{STEP2.zh}",
            )
        )
    if matches(got, _residual(X, W, b, G, slope="none")[i]):
        return say(
            tr(
                f"the step through tanh (its derivative at XW + b) is missing; see {STEP2.en}",
                f"缺少穿过tanh的那一步（它在XW + b处的导数）；参见{STEP2.zh}",
            ),
            tr("tanh′ written with the layer's output: chapter 5, “tanh”", "用这一层的输出表示的tanh′：第5章“tanh函数”"),
        )
    if matches(got, _residual(X, W, b, G, slope="out")[i]):
        return say(
            tr(
                "tanh′ is taken at the block's output X + tanh(XW + b); it belongs to the layer's own output "
                "tanh(XW + b), before the skip is added; see chapter 5, “tanh”",
                "tanh′ 用的是整个块的输出X + tanh(XW + b)；它应当用这一层自己的输出tanh(XW + b)，"
                "即加上跳跃连接之前的值；参见第5章“tanh函数”",
            )
        )
    if matches(got, _residual(X, W, b, G, slope="one_minus_A")[i]) or matches(got, _residual(X, W, b, G, slope="A")[i]):
        return say(
            tr(
                "the derivative of tanh is wrong: written with the layer's output, it has that output squared; "
                "see chapter 5, “tanh”",
                "tanh的导数不对：用这一层的输出表示时，其中含有该输出的平方；参见第5章“tanh函数”",
            )
        )
    if i == 1 and matches(got, expected.T):
        return say(
            tr(
                "that is the transpose of ∂L/∂W: W is square, so the shape cannot tell; check the order of the "
                f"product (inputs transposed, times δ); see {BATCH.en}",
                f"这是∂L/∂W的转置：W是方阵，所以形状看不出来；检查乘积的顺序（输入的转置乘以δ）；参见{BATCH.zh}",
            )
        )
    if i == 2 and got.shape == (N, d) and matches(got, G * (1 - np.tanh(X @ W + b) ** 2)):
        return say(
            tr(
                f"one row per example: b was added to every row, so its gradient sums over the batch; see {BATCH.en}",
                f"每个样本一行：b被加到了每一行上，所以它的梯度要对批量求和；参见{BATCH.zh}",
            )
        )
    if i == 2 and got.shape == (N,) and matches(got, (G * (1 - np.tanh(X @ W + b) ** 2)).sum(axis=1)):
        return say(
            tr(
                f"summed over the wrong axis: b has one entry per unit ({d}), not per example ({N}); see {BATCH.en}",
                f"沿错了轴求和：b的每个元素对应一个单元（共{d}个），而不是一个样本（共{N}个）；参见{BATCH.zh}",
            )
        )
    return None


@exercise(
    id="backprop.residual_backward",
    section=RESIDUAL,
    chapter=CHAPTER,
    title=tr("The backward pass of a residual block (derive it)", "残差块的反向传播（推导）"),
    signature="residual_backward(X, W, b, G)",
    outputs=("∂L/∂X", "∂L/∂W", "∂L/∂b"),
    cases=_residual_cases,
    diagnoses=(_residual_mistakes,),
)
def residual_backward(X, W, b, G):
    A = np.tanh(X @ W + b)
    delta = G * (1 - A**2)  # ∂L/∂(XW + b)
    return G + delta @ W.T, X.T @ delta, delta.sum(axis=0)


# --- 4.11 derivation: a tanh network with weight decay, all four gradients --------------------------


DECAY = tr("chapter 3, “The update rule, and why it goes downhill”", "第3章“更新规则，以及它为什么走向下坡”")


def _decay_cases(rng):
    # ρ > 0 in every case (with ρ = 0 every slip of the penalty is right); shapes from SHAPES
    # (no batch of one, no two-class case), weights scaled so that tanh is not saturated.
    cases = []
    for (N, n, h, C), rho in zip(SHAPES + [(6, 5, 7, 4)], (0.1, 0.01, 0.5, 0.2), strict=True):
        X = rng.normal(size=(N, n))
        W1, b1 = rng.normal(size=(n, h)) / np.sqrt(n), rng.normal(size=h) * 0.5
        W2, b2 = rng.normal(size=(h, C)) / np.sqrt(h), rng.normal(size=C) * 0.5
        cases.append((X, rng.permutation(np.arange(N) % C), W1, b1, W2, b2, rho))
    return cases


def _tanh_decay(X, y, W1, b1, W2, b2, rho, slope="tanh", penalty=1.0, on_bias=False, per_batch=False, mean=True):
    """The four gradients of mean CE + (ρ/2)(‖W1‖² + ‖W2‖²), and their typical mistakes."""
    N, C = len(X), W2.shape[1]
    A1 = np.tanh(X @ W1 + b1)
    P = softmax(A1 @ W2 + b2, axis=1)
    delta_out = (P - np.eye(C)[y]) / (N if mean else 1)
    factor = {"tanh": 1 - A1**2, "sigmoid": A1 * (1 - A1), "none": 1.0}[slope]
    delta_hid = (delta_out @ W2.T) * factor
    k = penalty * rho / (N if per_batch else 1)
    return (
        X.T @ delta_hid + k * W1,
        delta_hid.sum(axis=0) + (k * b1 if on_bias else 0.0),
        A1.T @ delta_out + k * W2,
        delta_out.sum(axis=0) + (k * b2 if on_bias else 0.0),
    )


def _tanh_decay_mistakes(got, expected, args, i):
    X, y, W1, b1, W2, b2, rho = args

    def is_(**variant):
        return matches(got, _tanh_decay(X, y, W1, b1, W2, b2, rho, **variant)[i])

    if i in (0, 2) and is_(penalty=0.0):
        return say(
            tr(
                f"the weight-decay term is missing: the penalty depends on the weights too; see {DECAY.en} and exercise 3.5",
                f"缺少权重衰减项：惩罚项也依赖于权重；参见{DECAY.zh}和练习3.5",
            )
        )
    if i in (1, 3) and is_(on_bias=True):
        return say(
            tr(
                "the biases are not in the penalty (ρ/2)(‖W1‖² + ‖W2‖²): their gradients have no decay term",
                "偏置不在惩罚项(ρ/2)(‖W1‖² + ‖W2‖²)中：它们的梯度没有衰减项",
            )
        )
    if i in (0, 2) and is_(penalty=2.0):
        return say(
            tr(
                "the weight-decay term is twice too large: the ½ of the penalty cancels the 2 of the square",
                "权重衰减项大了一倍：惩罚项中的 ½ 会抵消平方带来的2",
            )
        )
    if i in (0, 2) and is_(per_batch=True):
        return say(
            tr(
                "the weight-decay term was divided by N: the penalty is added once to the mean loss, "
                "it is not averaged over the examples",
                "权重衰减项被除以了N：惩罚项是加在平均损失上的一项，并不对样本取平均",
            )
        )
    if i in (0, 1) and is_(slope="sigmoid"):
        return say(
            tr(
                "that is the sigmoid's derivative σ(1 − σ) applied to A1; this hidden layer is tanh; see chapter 5, “tanh”",
                "这是把sigmoid的导数σ(1 − σ)用在了A1上；这个隐藏层是tanh；参见第5章“tanh函数”",
            )
        )
    if i in (0, 1) and is_(slope="none"):
        return say(
            tr(
                f"the step through tanh (its derivative at Z1) is missing from δ_hid; see {STEP2.en}",
                f"δ_hid中缺少穿过tanh的那一步（它在Z1处的导数）；参见{STEP2.zh}",
            )
        )
    if is_(mean=False):
        return say(
            tr(
                f"the data term is N times too large: the cross-entropy is the mean over the batch; see {BATCH.en}",
                f"数据项大了N倍：交叉熵是对批量取的平均；参见{BATCH.zh}",
            ),
            tr("the 1/N enters once, in δ_out, and not in the penalty", "1/N只在δ_out中出现一次，不进入惩罚项"),
        )
    return None


@exercise(
    id="backprop.tanh_decay_gradients",
    section=BATCH,
    batch="X",
    chapter=CHAPTER,
    title=tr(
        "All four gradients of a tanh network with weight decay (derive it)",
        "带权重衰减的tanh网络的全部四个梯度（推导）",
    ),
    signature="tanh_decay_grads(X, y, W1, b1, W2, b2, rho)",
    outputs=("∂L/∂W1", "∂L/∂b1", "∂L/∂W2", "∂L/∂b2"),
    cases=_decay_cases,
    diagnoses=(_tanh_decay_mistakes,),
)
def tanh_decay_grads(X, y, W1, b1, W2, b2, rho):
    A1 = np.tanh(X @ W1 + b1)
    P = softmax_rows(A1 @ W2 + b2)
    delta_out = (P - np.eye(W2.shape[1])[y]) / len(X)
    delta_hid = (delta_out @ W2.T) * (1 - A1**2)
    return X.T @ delta_hid + rho * W1, delta_hid.sum(axis=0), A1.T @ delta_out + rho * W2, delta_out.sum(axis=0)
