"""Exercises of chapter 6, The TensorFlow example.

Feedback policy: a diagnosis says what is wrong and where to look (a section of chapter 5 or
6); a formula appears only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from ..engine.rules import stable_sigmoid
from ..language import tr
from .core import exercise, matches, say, softmax

CHAPTER = "tensorflow"
DOUBLE = tr(
    "chapter 6, “Problem 2: sigmoid, then softmax (a double activation)”",
    "第6章“问题2：先sigmoid，再softmax（双重激活）”",
)
SIGMOID = tr("chapter 5, “The sigmoid”", "第5章“sigmoid函数”")
CE = tr("chapter 5, “Softmax with cross-entropy”", "第5章“softmax与交叉熵”")
BATCH = tr("chapter 4, “The batch form used in code”", "第4章“代码中使用的批量形式”")
PENALTY = tr(
    "chapter 6, “Exercise 6.3 — The source’s output layer with Keras’s L2 penalty (derive it)”",
    "第6章“练习6.3 — 带Keras L2惩罚项的原文输出层（推导）”",
)


# --- 6.1 the double activation of the source's TensorFlow code -----------------------------------


def _floor_mistakes(got, expected, args, i):
    (n_classes,) = args
    if got.shape != ():
        return None
    if matches(got, np.log(n_classes)):
        return say(
            tr(
                "that is the loss of uniform guessing (all outputs equal); at the floor the sigmoid outputs sit "
                f"at their extremes ({DOUBLE.en})",
                f"这是均匀猜测（所有输出相等）的损失；在下限处，sigmoid的输出都处于各自的极端值（{DOUBLE.zh}）",
            ),
            tr("the true class's output tends to 1, each other class's to 0", "真实类别的输出趋于1，其他每个类别的输出趋于0"),
        )
    if n_classes > 2 and matches(got, np.log(1 + np.exp(-1))):
        return say(
            tr(
                f"that is the two-class value; your answer should depend on the number of classes ({DOUBLE.en})",
                f"这是两个类别时的值；你的答案应当依赖于类别数（{DOUBLE.zh}）",
            ),
            tr(
                "there are C − 1 competing classes, each contributing e^0 to the softmax's denominator",
                "有C − 1个竞争类别，每个都给softmax的分母贡献e^0",
            ),
        )
    if matches(got, np.log(1 + (n_classes - 1) * np.e)):
        return say(
            tr(
                f"that is the largest loss such outputs allow, not the smallest: the true class's output and the "
                f"others' are at the wrong extremes ({DOUBLE.en})",
                f"这是这类输出所能达到的最大损失，而不是最小损失：真实类别的输出和其他类别的输出都处在相反的极端（{DOUBLE.zh}）",
            ),
            tr(
                "best case: the true class's sigmoid output at 1, the others at 0",
                "最好的情形：真实类别的sigmoid输出为1，其余为0",
            ),
        )
    if matches(got, np.log(1 + n_classes / np.e)):
        return say(
            tr(
                f"the count of competing classes is off by one: the true class is not one of its own competitors ({DOUBLE.en})",
                f"竞争类别的数目差了一个：真实类别不是它自己的竞争者（{DOUBLE.zh}）",
            ),
        )
    if matches(got, np.e / (np.e + n_classes - 1)):
        return say(
            tr(
                f"that is the largest probability the true class can get, not the loss; the loss is its negative log ({CE.en})",
                f"这是真实类别所能得到的最大概率，而不是损失；损失是它的负对数（{CE.zh}）",
            ),
        )
    return None


@exercise(
    id="tensorflow.double_activation_floor",
    chapter=CHAPTER,
    title=tr("The loss floor of sigmoid outputs fed to softmax", "sigmoid输出再送入softmax时的损失下限"),
    signature="loss_floor(n_classes)",
    outputs=(tr("smallest cross-entropy", "最小交叉熵"),),
    cases=lambda rng: [(2,), (3,), (10,)],
    diagnoses=(_floor_mistakes,),
    section=DOUBLE,
    degenerate=lambda n_classes: n_classes <= 2,  # two classes: several slips give log(1 + 1/e) there
)
def loss_floor(n_classes):
    # logits squashed into (0, 1): at best e^1 for the true class against e^0 for the C − 1 others
    return np.log(1 + (n_classes - 1) / np.e)


# --- 6.2 the gradient through the double activation ----------------------------------------------


def _grad_cases(rng):
    cases = []
    for n, c, scale in [(3, 2, 1.0), (4, 3, 3.0), (5, 10, 6.0)]:
        Z = rng.normal(size=(n, c)) * scale
        Y = np.eye(c)[rng.integers(c, size=n)]
        cases.append((Z, Y))
    return cases


def _double_grad(Z, Y, sigma_prime=True, probs="softmax_of_sigmoid", factor="sigmoid_prime", diagonal_only=False):
    S = stable_sigmoid(Z)
    P = softmax(S) if probs == "softmax_of_sigmoid" else softmax(Z)
    upstream = -Y * (1 - P) if diagonal_only else P - Y
    slope = {"sigmoid_prime": S * (1 - S), "sigmoid": S, "none": 1.0}[factor if sigma_prime else "none"]
    return upstream * slope / len(Z)


def _grad_mistakes(got, expected, args, i):
    Z, Y = args
    if matches(got, _double_grad(Z, Y, sigma_prime=False, probs="softmax_of_z")):
        return say(
            tr(
                f"that is the gradient of softmax cross-entropy on z itself, as if the sigmoid were not there: "
                f"in this network the sigmoid comes first, and the chain runs through it ({DOUBLE.en})",
                f"这是直接对z做softmax交叉熵的梯度，好像没有sigmoid一样：这个网络先经过sigmoid，"
                f"链式法则也要经过它（{DOUBLE.zh}）",
            ),
            tr("p = softmax(σ(z)), and ∂s/∂z = σ′(z)", "p = softmax(σ(z))，且∂s/∂z = σ′(z)"),
        )
    if matches(got, _double_grad(Z, Y, sigma_prime=False)):
        return say(
            tr(
                f"the chain rule stops at the softmax's input σ(z): the derivative of the sigmoid in front of it is "
                f"missing ({DOUBLE.en}; {SIGMOID.en})",
                f"链式法则停在了softmax的输入σ(z)处：缺少它前面那个sigmoid的导数（{DOUBLE.zh}；{SIGMOID.zh}）",
            ),
            tr(
                "∂L/∂z = ∂L/∂s ⊙ σ′(z), with s = σ(z) the softmax's input",
                "∂L/∂z = ∂L/∂s ⊙ σ′(z)，其中s = σ(z)是softmax的输入",
            ),
        )
    if matches(got, _double_grad(Z, Y, factor="sigmoid")):
        return say(
            tr(
                f"the sigmoid's value σ(z) is used where its derivative belongs ({SIGMOID.en})",
                f"该用sigmoid导数的地方用了它的值σ(z)（{SIGMOID.zh}）",
            ),
            tr("σ′(z) = σ(z)(1 − σ(z))", "sigmoid的导数：σ′(z) = σ(z)(1 − σ(z))"),
        )
    if matches(got, _double_grad(Z, Y, probs="softmax_of_z")):
        return say(
            tr(
                f"the probabilities are the softmax of z, but this network's softmax is applied to σ(z), "
                f"the squashed outputs ({DOUBLE.en})",
                f"这些概率是z的softmax，但这个网络的softmax作用在σ(z)上，即压缩后的输出（{DOUBLE.zh}）",
            ),
            tr("p = softmax(σ(z))", "概率是p = softmax(σ(z))"),
        )
    if matches(got, _double_grad(Z, Y, diagonal_only=True)):
        return say(
            tr(
                f"only the diagonal of the softmax Jacobian is used: each probability depends on every input of the "
                f"softmax, so the classes that are not the label get a gradient too ({CE.en})",
                "只用了softmax雅可比矩阵的对角线：每个概率都依赖于 "
                f"softmax的每个输入，所以不是标签的类别也会得到梯度（{CE.zh}）",
            ),
            tr("with cross-entropy, ∂L/∂s = p − y for one example", "与交叉熵合在一起时，对一个样本∂L/∂s = p − y"),
        )
    return None


@exercise(
    id="tensorflow.double_activation_grad",
    chapter=CHAPTER,
    title=tr("The gradient through the double activation (derive it)", "穿过双重激活的梯度（推导）"),
    signature="double_activation_grad(Z, Y)",
    outputs=("∂L/∂Z",),
    cases=_grad_cases,
    diagnoses=(_grad_mistakes,),
    batch="Z",
    section=DOUBLE,
    degenerate=lambda Z, Y: Z.shape[0] == 1 or Z.shape[1] <= 2,  # one example, or two classes
)
def double_activation_grad(Z, Y):
    S = 1 / (1 + np.exp(-Z))  # the "logits" the source passes to the loss
    P = softmax(S)
    return (P - Y) * S * (1 - S) / len(Z)  # mean over the batch


# --- 6.3 the source's output layer with Keras's L2 penalty (a derivation) --------------------------


def _penalty_cases(rng):
    cases = []
    for N, h, C, lam in [(4, 3, 3, 0.1), (6, 5, 4, 0.01), (3, 4, 5, 0.5), (5, 2, 3, 0.0)]:
        A1 = stable_sigmoid(rng.normal(size=(N, h)) * 2)  # hidden activations lie in (0, 1)
        W2, b2 = rng.normal(size=(h, C)) * 1.5, rng.normal(size=C)
        Y = np.eye(C)[rng.integers(C, size=N)]
        cases.append((A1, W2, b2, Y, lam))
    return cases


def _penalty_grads(A1, W2, b2, Y, lam, sigma_prime=True, probs="softmax_of_sigmoid", penalty=2.0, ce_scale=None):
    S = stable_sigmoid(A1 @ W2 + b2)
    P = softmax(S) if probs == "softmax_of_sigmoid" else softmax(A1 @ W2 + b2)
    delta = (P - Y) * (S * (1 - S) if sigma_prime else 1.0) / (len(A1) if ce_scale is None else ce_scale)
    return A1.T @ delta + penalty * lam * W2, delta @ W2.T


def _penalty_mistakes(got, expected, args, i):
    A1, W2, b2, Y, lam = args
    N = len(A1)
    if matches(got, _penalty_grads(*args, sigma_prime=False)[i]):
        return say(
            tr(
                f"the derivative of the output sigmoid is missing: the softmax's inputs are σ(z₂), not z₂ ({DOUBLE.en})",
                f"缺少输出层sigmoid的导数：softmax的输入是σ(z₂)，而不是z₂（{DOUBLE.zh}）",
            ),
            tr("exercise 6.2 gives ∂L/∂Z₂ of the cross-entropy part", "练习6.2给出了交叉熵部分的∂L/∂Z₂"),
        )
    if matches(got, _penalty_grads(*args, sigma_prime=False, probs="softmax_of_z")[i]):
        return say(
            tr(
                f"that is the gradient of a network without the output sigmoid; this one applies the softmax to "
                f"σ(z₂) ({DOUBLE.en})",
                f"这是没有输出层sigmoid的网络的梯度；这个网络把softmax作用在σ(z₂)上（{DOUBLE.zh}）",
            )
        )
    if i == 1:
        return None
    if not lam:
        return None
    if matches(got, _penalty_grads(*args, penalty=1.0)[0]):
        return say(
            tr(
                f"the penalty's share is half what it should be: Keras's L2 is lam·ΣW², with no ½ (unlike "
                f"tf.nn.l2_loss) ({PENALTY.en})",
                f"惩罚项那一份只有应有的一半：Keras的L2是lam·ΣW²，没有 ½（与tf.nn.l2_loss不同）（{PENALTY.zh}）",
            )
        )
    if matches(got, _penalty_grads(*args, penalty=0.0)[0]):
        return say(
            tr(
                f"the penalty's derivative is missing: lam·ΣW² depends on W2 too ({PENALTY.en})",
                f"缺少惩罚项的导数：lam·ΣW²也依赖于W2（{PENALTY.zh}）",
            )
        )
    if matches(got, _penalty_grads(*args, penalty=2.0 / N)[0]):
        return say(
            tr(
                f"the penalty's derivative is divided by N: the penalty is added once to the mean loss, not "
                f"averaged over the batch ({PENALTY.en})",
                f"惩罚项的导数被除以了N：惩罚项是加在平均损失上的一项，不参与对批量取平均（{PENALTY.zh}）",
            )
        )
    if N > 1 and matches(got, _penalty_grads(*args, ce_scale=1.0)[0]):
        return say(
            tr(
                f"the cross-entropy's part is N times too large: the loss is the mean over the batch ({BATCH.en})",
                f"交叉熵部分大了N倍：损失是对批量取的平均（{BATCH.zh}）",
            )
        )
    return None


@exercise(
    id="tensorflow.output_layer_with_l2",
    chapter=CHAPTER,
    title=tr(
        "The source's output layer with Keras's L2 penalty: ∂L/∂W2 and ∂L/∂A1 (derive it)",
        "带Keras L2惩罚项的原文输出层：∂L/∂W2与∂L/∂A1（推导）",
    ),
    signature="output_layer_grads(A1, W2, b2, Y, lam)",
    outputs=("∂L/∂W2", "∂L/∂A1"),
    cases=_penalty_cases,
    diagnoses=(_penalty_mistakes,),
    batch="A1",
    section=PENALTY,
    degenerate=lambda A1, W2, b2, Y, lam: A1.shape[0] == 1 or W2.shape[1] <= 2,
)
def output_layer_grads(A1, W2, b2, Y, lam):
    S = 1 / (1 + np.exp(-(A1 @ W2 + b2)))  # the sigmoid outputs the source passes to the loss as "logits"
    P = softmax(S)
    delta = (P - Y) * S * (1 - S) / len(A1)  # ∂L/∂Z2 of the mean cross-entropy (exercise 6.2)
    return A1.T @ delta + 2 * lam * W2, delta @ W2.T  # Keras's L2 adds lam·ΣW2², whose derivative is 2·lam·W2
