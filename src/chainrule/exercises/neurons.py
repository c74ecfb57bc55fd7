"""Exercises of chapter 1, Neurons, weights and losses (row-batch form: X is (N, n)).

Feedback policy (see core.py): a diagnosis says what is wrong and where to look in
chapter 1; the formula itself is only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from ..engine.rules import stable_sigmoid
from ..language import tr
from .core import exercise, matches, say, softmax

CHAPTER = "neurons"
NEURON = tr("chapter 1, “A neuron”", "第1章“神经元”")
LAYERS = tr("chapter 1, “Layers: many neurons at once”", "第1章“层：同时计算许多神经元”")
LOSSES = tr("chapter 1, “Losses”", "第1章“损失”")
DERIVE = tr("chapter 2, “Sum, product and chain rules” (the chain rule)", "第2章“求和法则、乘积法则与链式法则”（链式法则）")


# --- one neuron ------------------------------------------------------------------------


def _neuron_cases(rng):
    return [(rng.normal(size=n), rng.normal(size=n), float(rng.normal())) for n in (1, 3, 8)]


def _neuron_mistakes(got, expected, args, i):
    x, w, b = args
    if matches(got, np.asarray(w @ x + b)):
        return say(
            tr(
                f"that is the weighted sum z, before the activation; see {NEURON.en}",
                f"这是激活之前的加权和z；参见{NEURON.zh}",
            ),
            tr("the neuron's output is the activation applied to z = w·x + b", "神经元的输出是把激活函数作用在z = w·x + b上"),
        )
    if matches(got, np.asarray(stable_sigmoid(w @ x))):
        return say(
            tr(f"the bias b is missing from the weighted sum; see {NEURON.en}", f"加权和中缺少偏置b；参见{NEURON.zh}"),
            tr("z = w·x + b", "z = w·x + b（别忘了偏置）"),
        )
    if matches(got, np.asarray(np.tanh(w @ x + b))):
        return say(
            tr(
                f"that is tanh(z); this neuron uses the sigmoid; see {NEURON.en}",
                f"这是tanh(z)；这个神经元用的是sigmoid函数；参见{NEURON.zh}",
            ),
            tr("σ(z) = 1/(1 + e^(−z)) maps into (0, 1)", "σ(z) = 1/(1 + e^(−z))的值域是(0, 1)"),
        )
    return None


@exercise(
    id="neurons.neuron_output",
    chapter=CHAPTER,
    title=tr("One sigmoid neuron", "一个sigmoid神经元"),
    signature="neuron(x, w, b)",
    outputs=("σ(w·x + b)",),
    cases=_neuron_cases,
    diagnoses=(_neuron_mistakes,),
    section=NEURON,
)
def neuron(x, w, b):
    return 1 / (1 + np.exp(-(w @ x + b)))


# --- the forward pass ------------------------------------------------------------------


def _forward_cases(rng):
    cases = []
    # No batch of one or two and no two-class case: there a softmax over the wrong axis, or over
    # the whole array, or a factor 2 could coincide with other slips and a diagnosis would be a guess.
    for n_batch, n, h, C in [(3, 4, 6, 5), (5, 6, 4, 3), (4, 2, 5, 3)]:
        cases.append(
            (
                rng.normal(size=(n_batch, n)),
                rng.normal(size=(n, h)),
                rng.normal(size=h),
                rng.normal(size=(h, C)),
                rng.normal(size=C),
            )
        )
    return cases


def _forward_mistakes(got, expected, args, i):
    X, W1, b1, W2, b2 = args
    hidden = stable_sigmoid(X @ W1 + b1)
    logits = hidden @ W2 + b2
    if matches(got, logits):
        return say(
            tr(
                f"those are the logits; the output layer turns them into probabilities; see {LAYERS.en}",
                f"这是logits（未规范化的预测）；输出层还要把它们变成概率；参见{LAYERS.zh}",
            ),
            tr("apply softmax to each row of the logits", "对logits的每一行做softmax"),
        )
    if matches(got, stable_sigmoid(logits)):
        return say(
            tr(
                "sigmoid on the output layer (the source article's code "
                f"does this); the output layer is softmax; see {LAYERS.en}",
                f"输出层用了sigmoid（原文的代码就是这样做的）；输出层应是softmax；参见{LAYERS.zh}",
            ),
            tr(
                "softmax couples the C outputs of a row so that they sum to 1",
                "softmax把一行的C个输出联系在一起，使它们之和为1",
            ),
        )
    if matches(got, softmax(logits, axis=0)):
        return say(
            tr(
                f"softmax over the wrong axis: each row (one example) must sum to 1; see {LAYERS.en}",
                f"softmax沿错了轴：每一行（一个样本）之和必须为1；参见{LAYERS.zh}",
            ),
            tr("normalise over the classes, axis=1, not over the batch", "沿类别（axis=1）规范化，而不是沿批量"),
        )
    if matches(got, softmax((X @ W1 + b1) @ W2 + b2, axis=1)):
        return say(
            tr(f"the hidden layer's sigmoid is missing; see {LAYERS.en}", f"隐藏层缺少sigmoid激活；参见{LAYERS.zh}"),
            tr("A1 = σ(X W1 + b1)", "隐藏层的输出A1 = σ(X W1 + b1)"),
        )
    return None


@exercise(
    id="neurons.forward_pass",
    chapter=CHAPTER,
    title=tr("Forward pass of the source's MLP", "原文多层感知机的前向传播"),
    signature="forward(X, W1, b1, W2, b2)",
    outputs=(tr("probabilities (N, C)", "概率(N, C)"),),
    cases=_forward_cases,
    diagnoses=(_forward_mistakes,),
    batch="X",
    section=LAYERS,
)
def forward(X, W1, b1, W2, b2):
    A1 = 1 / (1 + np.exp(-(X @ W1 + b1)))
    logits = A1 @ W2 + b2
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# --- cross-entropy -----------------------------------------------------------------------


def _ce_cases(rng):
    cases = []
    # N ≥ 3 in every case: with one example the sum and the mean over the batch coincide, and
    # with two "the sum over the batch" is any factor 2.
    for N, C in [(3, 4), (4, 3), (6, 10)]:
        cases.append((softmax(rng.normal(size=(N, C)) * 2, axis=1), rng.integers(0, C, size=N)))
    return cases


def _ce_mistakes(got, expected, args, i):
    P, labels = args
    picked = P[np.arange(len(labels)), labels]
    if matches(got, np.asarray(-np.log(P).mean())) or matches(got, np.asarray(-np.log(P).sum() / len(labels))):
        return say(
            tr(
                f"that averages −log p over every class; only the true class's probability counts; see {LOSSES.en}",
                f"这是对所有类别的−log p取平均；只有真实类别的概率才算数；参见{LOSSES.zh}",
            ),
            tr("pick p[k, y_k] for each example k before taking the logarithm", "先为每个样本k取出p[k, y_k]，再取对数"),
        )
    if matches(got, np.asarray((1 - picked).mean())):
        return say(
            tr(
                f"take the logarithm of the true class's probability; see {LOSSES.en}",
                f"要对真实类别的概率取对数；参见{LOSSES.zh}",
            ),
            tr("the loss is −log p[k, y_k], not 1 − p[k, y_k]", "损失是−log p[k, y_k]，而不是1 − p[k, y_k]"),
        )
    if len(labels) > 1 and matches(got, np.asarray(-np.log(picked).sum())):
        return say(
            tr(
                f"that is the sum over the batch; the loss is the mean; see {LOSSES.en}",
                f"这是对批量求和；损失应是平均值；参见{LOSSES.zh}",
            ),
            tr(f"divide by N = {len(labels)}", f"除以N = {len(labels)}"),
        )
    if matches(got, np.asarray(np.log(picked).mean())):
        return say(
            tr(f"the minus sign is missing: a loss is ≥ 0; see {LOSSES.en}", f"缺少负号：损失总是 ≥ 0；参见{LOSSES.zh}"),
            tr("log p ≤ 0, so −log p ≥ 0", "log p ≤ 0，所以−log p ≥ 0"),
        )
    return None


@exercise(
    id="neurons.cross_entropy",
    chapter=CHAPTER,
    title=tr("Cross-entropy of a batch", "一个批量的交叉熵"),
    signature="cross_entropy(P, labels)",
    outputs=(tr("mean cross-entropy", "平均交叉熵"),),
    cases=_ce_cases,
    diagnoses=(_ce_mistakes,),
    batch="P",
    section=LOSSES,
)
def cross_entropy(P, labels):
    return -np.mean(np.log(P[np.arange(len(labels)), labels]))


# --- derivation: the gradient of one sigmoid neuron's mean squared error ---------------------


def _mse_grad_cases(rng):
    cases = []
    # The batch of one comes last and claims nothing of its own: there a per-example array
    # and a one-element array are the same thing (see _mse_grad_mistakes).
    for N, n in [(4, 2), (6, 5), (3, 1), (1, 3)]:
        X = rng.normal(size=(N, n))
        cases.append((X, rng.uniform(0, 1, size=N), rng.normal(size=n), float(rng.normal())))
    return cases


def _mse_grads(X, y, w, b, outer=2.0, slope=True, mean=True, bias=True, per_example=False):
    """The reference and its typical mistakes, recomputed."""
    a = stable_sigmoid(X @ w + (b if bias else 0.0))
    dz = outer * (a - y) * (a * (1 - a) if slope else 1.0) / (len(y) if mean else 1)
    if per_example:
        return X * dz[:, None], dz
    return X.T @ dz, dz.sum()


def _mse_grad_mistakes(got, expected, args, i):
    X, y, w, b = args
    N = len(y)
    if i == 1 and N > 1 and got.shape != () and got.size == 1:
        # ∂L/∂b is asked for as a single number; a one-element array is said to be one, and its
        # value judged on its own. Not with N = 1, where a one-element array and one entry per
        # example are the same thing: there the plain shape message says only what is seen.
        if np.allclose(got.reshape(()), expected, rtol=1e-6, atol=1e-9):
            return say(
                tr(
                    f"the value is right, but it is an array of shape {got.shape}: ∂L/∂b is asked for as a "
                    "single number (a float or a 0-d array)",
                    f"数值对了，但它是形状为{got.shape}的数组：题目要的∂L/∂b是单个数（float或0维数组）",
                ),
                tr(
                    "float(...) or .item() turns a one-element array into a number",
                    "float(...)或.item()可把单元素数组变成一个数",
                ),
            )
        found = _mse_grad_mistakes(got.reshape(()), expected, args, i)
        if found:
            message, hint = found if isinstance(found, tuple) else (found, None)
            also = tr(
                f"{message.en} (and return a single number, not an array of shape {got.shape})",
                f"{message.zh}（另外请返回单个数，而不是形状为{got.shape}的数组）",
            )
            return say(also, hint)
        return say(
            tr(
                f"an array of shape {got.shape} with a wrong value: ∂L/∂b is a single number; see {DERIVE.en}",
                f"形状为{got.shape}的数组，数值也不对：∂L/∂b是单个数；参见{DERIVE.zh}",
            )
        )
    if matches(got, _mse_grads(X, y, w, b, slope=False)[i]):
        return say(
            tr(
                f"the sigmoid's derivative is missing: z reaches the loss through σ; see {DERIVE.en}",
                f"缺少sigmoid的导数：z要经过σ才到达损失；参见{DERIVE.zh}",
            ),
            tr("each example's term carries the factor σ′(z_k) = a_k(1 − a_k)", "每个样本的项都带有因子σ′(z_k) = a_k(1 − a_k)"),
        )
    if N > 1 and (
        matches(got, _mse_grads(X, y, w, b, per_example=True)[i])
        or matches(got, _mse_grads(X, y, w, b, per_example=True, mean=False)[i])
    ):
        return say(
            tr(
                f"one entry per example: w and b are shared by all N examples, so their contributions add up; see {DERIVE.en}",
                f"每个样本各占一项：w和b由全部N个样本共享，所以它们的贡献要相加；参见{DERIVE.zh}",
            ),
            tr(
                "sum the per-example gradients over the batch (they already carry the 1/N of the mean)",
                "把每个样本的梯度沿批量求和（它们已经带有平均值的1/N）",
            ),
        )
    if N > 1 and matches(got, _mse_grads(X, y, w, b, mean=False)[i]):
        return say(
            tr(
                f"that is N = {N} times too large: the loss is the mean over the batch, not the sum; see {LOSSES.en}",
                f"大了N = {N}倍：损失是对批量取平均，而不是求和；参见{LOSSES.zh}",
            ),
            tr("keep the 1/N of the mean in front of the sum", "在求和前面保留平均值的1/N"),
        )
    if matches(got, _mse_grads(X, y, w, b, outer=1.0)[i]):
        return say(
            tr(
                f"half the reference: the derivative of the square is missing its factor; see {DERIVE.en} (power rule)",
                f"只有参考答案的一半：平方的导数少了它的因子；参见{DERIVE.zh}（幂法则）",
            ),
            tr("d(u²)/du = 2u", "平方的导数：d(u²)/du = 2u"),
        )
    if matches(got, _mse_grads(X, y, w, b, bias=False)[i]):
        return say(
            tr(f"your forward pass leaves out the bias b; see {NEURON.en}", f"你的前向传播漏掉了偏置b；参见{NEURON.zh}"),
            tr("a_k = σ(w·x_k + b)", "前向传播：a_k = σ(w·x_k + b)"),
        )
    return None


@exercise(
    id="neurons.neuron_mse_gradient",
    chapter=CHAPTER,
    title=tr("Gradient of one sigmoid neuron's mean squared error (derive it)", "一个sigmoid神经元的均方误差的梯度（推导）"),
    signature="neuron_mse_grads(X, y, w, b)",
    outputs=("∂L/∂w", "∂L/∂b"),
    cases=_mse_grad_cases,
    diagnoses=(_mse_grad_mistakes,),
    batch="X",
    section=DERIVE,
    degenerate=lambda X, y, w, b: len(y) == 1,  # one example: per-example arrays, sums and means coincide
    rtol=1e-5,  # a correct float32 answer is off by up to ~8e-6 where a gradient entry is small
    atol=1e-7,
)
def neuron_mse_grads(X, y, w, b):
    a = 1 / (1 + np.exp(-(X @ w + b)))
    dL_dz = 2 * (a - y) * a * (1 - a) / len(y)
    return X.T @ dL_dz, dL_dz.sum()


# --- derivation: the gradient of the cross-entropy with respect to the probabilities ---------------


def _ce_grad_cases(rng):
    # N ≥ 2 and C ≥ 3 everywhere, N ≠ C but once (4, 4: square, so an answer per class instead of
    # per example keeps the shape); labels never all the same class.
    cases = []
    for N, C in [(3, 5), (5, 3), (4, 4), (6, 10)]:
        labels = rng.permutation(np.arange(N) % C)
        cases.append((softmax(rng.normal(size=(N, C)) * 1.5, axis=1), labels))
    return cases


def _true_class(P, labels):
    """The one-hot matrix of the labels, shape of P."""
    return np.eye(P.shape[1])[labels]


def _ce_grad_mistakes(got, expected, args, i):
    P, labels = args
    N = len(labels)
    Y = _true_class(P, labels)
    picked = P[np.arange(N), labels]
    if got.shape == (N,) and matches(got, -1 / (N * picked)):
        return say(
            tr(
                f"one number per example: ∂L/∂P has the shape of P, one entry per probability; see {LOSSES.en}",
                f"每个样本一个数：∂L/∂P的形状与P相同，每个概率一个元素；参见{LOSSES.zh}",
            ),
            tr(
                "the entries of the classes that are not the label are there too (what are they?)",
                "不是标签的那些类别的元素也要给出（它们是多少？）",
            ),
        )
    if matches(got, -1 / (N * P)) or matches(got, -1 / P) or matches(got, -1 / (N * P.shape[1] * P)):
        return say(
            tr(
                "every entry depends on its probability: only the true class's probability p[k, y_k] appears in the loss, "
                f"so the other entries do not change it; see {LOSSES.en}",
                f"每个元素都依赖于它的概率：损失中只出现真实类别的概率p[k, y_k]，其他元素不影响损失；参见{LOSSES.zh}",
            ),
            tr("a variable that does not appear in L has ∂L/∂(it) = 0", "不出现在L中的变量，其偏导数为0"),
        )
    if matches(got, (P - Y) / N) or matches(got, P - Y):
        return say(
            tr(
                "that is the gradient with respect to the logits (softmax and cross-entropy together, chapter 4); "
                f"this exercise asks for the gradient with respect to the probabilities P themselves; see {LOSSES.en}",
                f"这是对logits的梯度（softmax与交叉熵合在一起，第4章）；本练习要的是对概率P本身的梯度；参见{LOSSES.zh}",
            )
        )
    if matches(got, -Y * np.log(P) / N) or matches(got, -Y * np.log(P)):
        return say(
            tr(
                f"those are the loss's own terms, −log p: the logarithm is not differentiated; see {DERIVE.en}",
                f"这是损失自身的各项−log p：没有对对数求导；参见{DERIVE.zh}",
            ),
            tr("the derivative of log p is 1/p", "log p的导数是1/p"),
        )
    if matches(got, -Y * P / N) or matches(got, -Y / N):
        return say(
            tr(
                f"the derivative of the logarithm is wrong: d(log p)/dp is neither p nor 1; see {DERIVE.en}",
                f"对数的导数求错了：d(log p)/dp既不是p也不是1；参见{DERIVE.zh}",
            ),
            tr("the derivative of log p is 1/p", "log p的导数是1/p"),
        )
    if P.shape[0] == P.shape[1] and matches(got, expected.T):
        return say(
            tr(
                f"rows and columns are swapped: row k of ∂L/∂P belongs to example k; see {LOSSES.en}",
                f"行和列对调了：∂L/∂P的第k行属于样本k；参见{LOSSES.zh}",
            )
        )
    return None


@exercise(
    id="neurons.cross_entropy_gradient",
    chapter=CHAPTER,
    title=tr("Gradient of the cross-entropy with respect to the probabilities (derive it)", "交叉熵对概率的梯度（推导）"),
    signature="cross_entropy_grad(P, labels)",
    outputs=("∂L/∂P",),
    cases=_ce_grad_cases,
    diagnoses=(_ce_grad_mistakes,),
    batch="P",
    section=LOSSES,
)
def cross_entropy_grad(P, labels):
    N = len(labels)
    grad = np.zeros_like(P, dtype=float)
    grad[np.arange(N), labels] = -1.0 / (N * P[np.arange(N), labels])
    return grad
