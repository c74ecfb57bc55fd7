"""Exercises of chapter 3, Gradient descent.

Feedback policy (see core.py): a diagnosis says what is wrong and where to look in
chapter 3; the formula itself is only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from ..language import tr
from .core import exercise, matches, say

CHAPTER = "gradient_descent"
NEW_W = tr("new w", "新的w")
UPDATE = tr("chapter 3, “The update rule, and why it goes downhill”", "第3章“更新规则，以及它为什么走向下坡”")
DIRECTIONS = tr("chapter 3, “Many directions: eigenvalues and the condition number”", "第3章“多个方向：特征值与条件数”")
MINIBATCH = tr("chapter 3, “Full-batch and mini-batch descent on the digits”", "第3章“手写数字数据集上的全批量下降与小批量下降”")
MOMENTUM = tr("chapter 3, “Outlook: momentum and Adam”", "第3章“展望：动量法与Adam算法”")
RULES_REF = tr("chapter 2, “Sum, product and chain rules”", "第2章“求和法则、乘积法则与链式法则”")


# --- one step ----------------------------------------------------------------------------


def _step_cases(rng):
    return [(rng.normal(size=s), rng.normal(size=s), float(lr)) for s, lr in [((3,), 0.1), ((2, 4), 0.05), ((1,), 0.5)]]


def _step_mistakes(got, expected, args, i):
    w, grad, lr = args
    if matches(got, w + lr * grad):
        return say(
            tr(f"that steps *along* the gradient, uphill; see {UPDATE.en}", f"这是沿着梯度走，也就是上坡；参见{UPDATE.zh}"),
            tr("gradient descent subtracts η·∂L/∂w", "梯度下降减去η·∂L/∂w"),
        )
    if matches(got, w - grad):
        return say(
            tr(f"the learning rate is not used; see {UPDATE.en}", f"没有用到学习率；参见{UPDATE.zh}"),
            tr("the step is η times the gradient", "步长是η乘以梯度"),
        )
    if matches(got, -lr * grad):
        return say(
            tr(
                f"that is only the change of the weights; return the new weights; see {UPDATE.en}",
                f"这只是权重的变化量；要返回新的权重；参见{UPDATE.zh}",
            ),
            tr("add the change to w", "把变化量加到w上"),
        )
    return None


@exercise(
    id="gradient_descent.gd_step",
    chapter=CHAPTER,
    title=tr("One gradient-descent step", "梯度下降的一步"),
    signature="gd_step(w, grad, lr)",
    outputs=(NEW_W,),
    cases=_step_cases,
    diagnoses=(_step_mistakes,),
    section=UPDATE,
)
def gd_step(w, grad, lr):
    return w - lr * grad


# --- the largest stable learning rate -----------------------------------------------------


def _spd(rng, n):
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return Q @ np.diag(rng.uniform(0.5, 20.0, size=n)) @ Q.T


def _lr_cases(rng):
    # At least three eigenvalues in every case: with one, λ_min = λ_max = trace and every slip
    # below is the right answer; with two, the trace is λ_min + λ_max, and "2/trace" could not be
    # told from the best fixed step 2/(λ_min + λ_max).
    return [(_spd(rng, n),) for n in (3, 4, 6)]


def _lr_mistakes(got, expected, args, i):
    (A,) = args
    lam = np.linalg.eigvalsh(A)
    if matches(got, np.asarray(2 / lam.min())):
        return say(
            tr(
                f"that uses the flattest direction; the steepest direction diverges first; see {DIRECTIONS.en}",
                f"这用的是最平缓的方向；最陡的方向最先发散；参见{DIRECTIONS.zh}",
            ),
            tr("the limit comes from the largest eigenvalue", "这个上限由最大的特征值决定"),
        )
    if matches(got, np.asarray(1 / lam.max())):
        return say(
            tr(
                "that is the best step for the steepest direction (it lands on the minimum); "
                f"the stability limit is larger; see {DIRECTIONS.en}",
                f"这是对最陡方向最好的步长（一步落到最小值）；稳定性的上限更大；参见{DIRECTIONS.zh}",
            ),
            tr("a direction with curvature λ still converges while |1 − ηλ| < 1", "曲率为λ的方向只要|1 − ηλ| < 1就仍然收敛"),
        )
    if matches(got, np.asarray(2 / (lam.min() + lam.max()))):
        return say(
            tr(
                "that is the best fixed step, which balances the flattest and the steepest direction; "
                f"the question is where divergence starts; see {DIRECTIONS.en}",
                f"这是在最平缓与最陡的方向之间取得平衡的最佳固定步长；题目问的是从哪里开始发散；参见{DIRECTIONS.zh}",
            ),
            tr("which direction is the first to have |1 − ηλ| ≥ 1?", "哪个方向最先出现|1 − ηλ| ≥ 1？"),
        )
    if matches(got, np.asarray(2 / np.abs(A).max())) or matches(got, np.asarray(2 / np.trace(A))):
        return say(
            tr(
                f"use the eigenvalues of A, not its entries or its trace; see {DIRECTIONS.en}",
                f"要用A的特征值，而不是它的元素或迹；参见{DIRECTIONS.zh}",
            ),
            tr("np.linalg.eigvalsh gives the eigenvalues of a symmetric matrix", "np.linalg.eigvalsh给出对称矩阵的特征值"),
        )
    return None


@exercise(
    id="gradient_descent.max_stable_lr",
    chapter=CHAPTER,
    title=tr("The largest stable learning rate of a quadratic", "二次函数的最大稳定学习率"),
    signature="max_stable_lr(A)",
    outputs=("η_max",),
    cases=_lr_cases,
    diagnoses=(_lr_mistakes,),
    section=DIRECTIONS,
)
def max_stable_lr(A):
    return 2.0 / np.linalg.eigvalsh(A).max()


# --- one epoch of mini-batch SGD on linear least squares ----------------------------------


def _epoch_cases(rng):
    cases = []
    # (10, batch 4): the last batch is smaller; (12, batch 12): one full batch; (7, batch 1)
    for N, d, batch, lr in [(10, 3, 4, 0.05), (12, 2, 12, 0.1), (7, 4, 1, 0.02)]:
        cases.append((rng.normal(size=d), rng.normal(size=(N, d)), rng.normal(size=N), lr, batch))
    return cases


def _epoch_reference(w, X, y, lr, batch_size, mean=True, drop_last=False, sign=1.0, divide_by_batch_size=False):
    w = w.copy()
    for start in range(0, len(X), batch_size):
        Xb, yb = X[start : start + batch_size], y[start : start + batch_size]
        if drop_last and len(Xb) < batch_size:
            break
        size = batch_size if divide_by_batch_size else len(Xb)
        grad = 2 * Xb.T @ (Xb @ w - yb) / (size if mean else 1)
        w = w - sign * lr * grad
    return w


def _epoch_mistakes(got, expected, args, i):
    w, X, y, lr, batch = args
    if matches(got, _epoch_reference(w, X, y, lr, len(X))):
        return say(
            tr(
                f"that is one full-batch step; an epoch takes one step per mini-batch; see {MINIBATCH.en}",
                f"这是一次全批量的更新；一轮（epoch）要对每个小批量各走一步；参见{MINIBATCH.zh}",
            )
        )
    if matches(got, _epoch_reference(w, X, y, lr, batch, drop_last=True)):
        return say(
            tr(
                f"the last, smaller batch was skipped; an epoch uses every example once; see {MINIBATCH.en}",
                f"跳过了最后那个较小的批量；一轮要把每个样本都用一次；参见{MINIBATCH.zh}",
            )
        )
    if matches(got, _epoch_reference(w, X, y, lr, batch, divide_by_batch_size=True)):
        return say(
            tr(
                "the last batch is smaller than batch_size, and its mean must divide by its own size",
                "最后一个批量比batch_size小，它的平均值必须除以它自己的大小",
            ),
            tr("divide by len(Xb), the number of rows actually in the batch", "除以len(Xb)，即这个批量中实际的行数"),
        )
    if matches(got, _epoch_reference(w, X, y, lr, batch, mean=False)):
        return say(
            tr(
                f"each batch's gradient should be the mean over the batch, not the sum; see {MINIBATCH.en}",
                f"每个批量的梯度应是对该批量取平均，而不是求和；参见{MINIBATCH.zh}",
            )
        )
    if matches(got, _epoch_reference(w, X, y, lr, batch, sign=-1.0)):
        return say(
            tr(f"the steps go uphill; see {UPDATE.en}", f"每一步都在上坡；参见{UPDATE.zh}"),
            tr("subtract η times the gradient", "减去η乘以梯度"),
        )
    return None


@exercise(
    id="gradient_descent.minibatch_epoch",
    chapter=CHAPTER,
    title=tr("One epoch of mini-batch SGD", "小批量随机梯度下降的一轮"),
    signature="sgd_epoch(w, X, y, lr, batch_size)",
    outputs=(tr("w after the epoch", "这一轮之后的w"),),
    cases=_epoch_cases,
    diagnoses=(_epoch_mistakes,),
    section=MINIBATCH,
)
def sgd_epoch(w, X, y, lr, batch_size):
    for start in range(0, len(X), batch_size):
        Xb, yb = X[start : start + batch_size], y[start : start + batch_size]
        w = w - lr * 2 * Xb.T @ (Xb @ w - yb) / len(Xb)
    return w


# --- momentum ----------------------------------------------------------------------------


def _momentum_cases(rng):
    return [
        (rng.normal(size=s), rng.normal(size=s), rng.normal(size=s), lr, beta)
        for s, lr, beta in [((3,), 0.1, 0.9), ((2, 2), 0.05, 0.5), ((1,), 0.3, 0.99), ((4,), 0.02, 0.7)]
    ]


def _momentum_mistakes(got, expected, args, i):
    w, v, grad, lr, beta = args
    if i == 0 and matches(got, w - lr * v):
        return say(
            tr(
                f"w was moved with the old velocity; the velocity is updated first; see {MOMENTUM.en}",
                f"w是用旧的速度移动的；应先更新速度；参见{MOMENTUM.zh}",
            ),
            tr("compute v_new, then step w along v_new", "先算出v_new，再让w沿v_new走一步"),
        )
    if i == 0 and matches(got, w - lr * grad):
        return say(
            tr(
                f"that is a plain gradient step; momentum steps along the velocity; see {MOMENTUM.en}",
                f"这是普通的梯度下降一步；动量法沿速度方向走；参见{MOMENTUM.zh}",
            )
        )
    if matches(got, (w + beta * v - lr * grad, beta * v - lr * grad)[i]):
        return say(
            tr(
                f"that is the other convention, where the velocity already holds −η times the gradient; see {MOMENTUM.en}",
                f"这是另一种约定，其中速度已经包含了−η乘以梯度；参见{MOMENTUM.zh}",
            ),
            tr("here v ← βv + ∂L/∂w and then w ← w − η·v", "这里是v ← βv + ∂L/∂w，然后w ← w − η·v"),
        )
    if matches(got, (w - lr * (beta * v + (1 - beta) * grad), beta * v + (1 - beta) * grad)[i]):
        return say(
            tr(
                "that is the exponential moving average used by Adam; in "
                f"this rule the gradient enters unscaled; see {MOMENTUM.en}",
                f"这是Adam使用的指数移动平均；在这条规则中梯度不加缩放地进入；参见{MOMENTUM.zh}",
            ),
            tr("v ← βv + ∂L/∂w, without a factor (1 − β)", "v ← βv + ∂L/∂w，没有因子(1 − β)"),
        )
    if matches(got, (w - lr * (v + grad), v + grad)[i]):
        return say(
            tr(f"the velocity must decay: β is not used; see {MOMENTUM.en}", f"速度必须衰减：没有用到β；参见{MOMENTUM.zh}")
        )
    return None


@exercise(
    id="gradient_descent.momentum_step",
    chapter=CHAPTER,
    title=tr("One step of momentum", "动量法的一步"),
    signature="momentum_step(w, v, grad, lr, beta)",
    outputs=(NEW_W, tr("new v", "新的v")),
    cases=_momentum_cases,
    diagnoses=(_momentum_mistakes,),
    section=MOMENTUM,
)
def momentum_step(w, v, grad, lr, beta):
    v = beta * v + grad
    return w - lr * v, v


# --- derivation: a step with L2 weight decay ------------------------------------------------


def _decay_cases(rng):
    # ρ = 0 (alpha = 0) is plain gradient descent; w as a vector and as a matrix; a one-entry w
    return [
        (rng.normal(size=s), rng.normal(size=s), lr, alpha)
        for s, lr, alpha in [((3,), 0.1, 0.01), ((2, 3), 0.05, 0.5), ((1,), 0.3, 0.0), ((4,), 0.2, 2.0)]
    ]


def _decay_step(w, grad, lr, alpha, factor=1.0, sign=1.0, times_lr=True, after=False, norm=False):
    """The reference and its typical mistakes, recomputed."""
    if after:  # shrink w after the data step instead of using the gradient at the current w
        return (1 - lr * alpha) * (w - lr * grad)
    penalty = factor * alpha * (np.linalg.norm(w) if norm else w)
    return w - lr * grad - sign * (lr if times_lr else 1.0) * penalty


def _decay_mistakes(got, expected, args, i):
    w, grad, lr, alpha = args
    if alpha == 0:
        return None  # every variant is the plain step here
    if matches(got, _decay_step(w, grad, lr, alpha, factor=0.0)):
        return say(
            tr("the penalty has no effect: its gradient is missing from the step", "惩罚项不起作用：更新中缺少它的梯度"),
            tr(
                "differentiate (ρ/2)‖w‖² entry by entry and add it to the data gradient",
                "对(ρ/2)‖w‖²逐元素求导，再加到数据项的梯度上",
            ),
        )
    if matches(got, _decay_step(w, grad, lr, alpha, factor=2.0)):
        return say(
            tr(
                "the weight-decay term is twice too large: check the derivative of the penalty, ½ included",
                "权重衰减项大了一倍：检查惩罚项的导数，包括其中的 ½",
            ),
            tr("∂/∂w_i of (ρ/2) Σ_j w_j² has no factor 2 left", "(ρ/2) Σ_j w_j²对w_i的偏导数中不再剩下因子2"),
        )
    if matches(got, _decay_step(w, grad, lr, alpha, factor=0.5)):
        return say(
            tr(
                "the weight-decay term is half what it should be: the power rule's factor 2 cancels the ½",
                "权重衰减项只有应有值的一半：幂法则带来的因子2会抵消 ½",
            ),
            tr("∂/∂w_i of w_i² is 2 w_i", "w_i²对w_i的偏导数是2 w_i"),
        )
    if matches(got, _decay_step(w, grad, lr, alpha, sign=-1.0)):
        return say(
            tr(
                f"the decay term pushes the weights away from 0: it has the wrong sign; see {UPDATE.en}",
                f"衰减项把权重推离0：它的符号反了；参见{UPDATE.zh}",
            ),
            tr(
                "the step subtracts η times the gradient of the whole loss, penalty included",
                "更新减去的是η乘以整个损失（包括惩罚项）的梯度",
            ),
        )
    if matches(got, _decay_step(w, grad, lr, alpha, times_lr=False)):
        return say(
            tr(
                f"the penalty's gradient was not multiplied by the learning rate; see {UPDATE.en}",
                f"惩罚项的梯度没有乘以学习率；参见{UPDATE.zh}",
            ),
            tr("the whole gradient, data term plus penalty term, is scaled by η", "整个梯度（数据项加惩罚项）都要乘以η"),
        )
    if matches(got, _decay_step(w, grad, lr, alpha, after=True)):
        return say(
            tr(
                "the weights were shrunk after the data step; the penalty's gradient is taken at the current w, in the same step",
                "权重是在数据项更新之后才收缩的；惩罚项的梯度应在当前的w处、在同一步中计算",
            ),
            tr("one step: w − η(∇L(w) + penalty gradient at w)", "一步完成：w − η(∇L(w) + 惩罚项在w处的梯度)"),
        )
    if matches(got, _decay_step(w, grad, lr, alpha, norm=True)):
        return say(
            tr(
                "that uses the norm ‖w‖, one number, where each entry needs its own derivative",
                "这用的是范数‖w‖，一个数；而每个元素都需要自己的导数",
            ),
            tr("the penalty's gradient is a vector of w's shape", "惩罚项的梯度是与w形状相同的向量"),
        )
    return None


@exercise(
    id="gradient_descent.weight_decay_step",
    chapter=CHAPTER,
    title=tr("A gradient-descent step with L2 weight decay (derive it)", "带L2权重衰减的梯度下降一步（推导）"),
    signature="weight_decay_step(w, grad, lr, alpha)",
    outputs=(NEW_W,),
    cases=_decay_cases,
    diagnoses=(_decay_mistakes,),
    section=UPDATE,
    rtol=1e-5,  # a correct float32 answer is off by up to ~2e-6 where w is small
    atol=1e-7,
)
def weight_decay_step(w, grad, lr, alpha):
    return w - lr * (grad + alpha * w)


# --- derivation: the largest stable learning rate with momentum ------------------------------


def _momentum_lr_cases(rng):
    # β > 0 in every case (with β = 0 momentum is plain descent and its slips are right);
    # at least two eigenvalues, so the flattest and the steepest direction differ.
    return [(_spd(rng, n), beta) for n, beta in [(3, 0.9), (4, 0.5), (2, 0.3), (5, 0.75)]]


def _momentum_lr_mistakes(got, expected, args, i):
    A, beta = args
    lam = np.linalg.eigvalsh(A)
    top, bottom = lam.max(), lam.min()
    if matches(got, np.asarray(2 / top)):
        return say(
            tr(
                "that is plain gradient descent's limit: β plays no part; with momentum each step also carries "
                f"the previous one, and the limit moves; see {MOMENTUM.en}",
                f"这是普通梯度下降的上限：β没有起作用；用动量法时每一步还带着上一步，上限随之移动；参见{MOMENTUM.zh}",
            ),
            tr(
                "write one eigen-direction's iteration as w_(t+1) = c₁·w_t − c₂·w_(t−1) and find when both roots of "
                "r² − c₁r + c₂ stay inside the unit circle",
                "把一个特征方向上的迭代写成w_(t+1) = c₁·w_t − c₂·w_(t−1)，再求r² − c₁r + c₂ 的两个根何时都在单位圆内",
            ),
        )
    if matches(got, np.asarray(2 / ((1 - beta) * top))):
        return say(
            tr(
                "that treats momentum as plain descent with the effective step η/(1 − β), which holds where the "
                "gradient keeps its sign (the flat directions); divergence starts in the steepest direction, where "
                f"the gradient flips sign at every step; see {MOMENTUM.en}",
                "这是把动量法当作有效步长为η/(1 − β)的普通梯度下降，这只在梯度保持符号的地方（平缓的方向）成立；"
                f"发散从最陡的方向开始，那里的梯度每一步都变号；参见{MOMENTUM.zh}",
            ),
            tr(
                "at the edge of stability the iterate alternates, w_t ∝ (−1)^t: put r = −1 into the characteristic polynomial",
                "在稳定性的边界上迭代值交替变号，w_t ∝ (−1)^t：把r = −1代入特征多项式",
            ),
        )
    if matches(got, np.asarray(2 * (1 + beta) / bottom)):
        return say(
            tr(
                f"that uses the flattest direction; the steepest direction diverges first; see {DIRECTIONS.en}",
                f"这用的是最平缓的方向；最陡的方向最先发散；参见{DIRECTIONS.zh}",
            )
        )
    if matches(got, np.asarray(2 * (1 - beta) / top)) or matches(got, np.asarray(2 / ((1 + beta) * top))):
        return say(
            tr(
                f"β enters the limit the wrong way: a larger β allows a larger step, not a smaller one; see {MOMENTUM.en}",
                f"β进入上限的方式反了：β越大，允许的步长越大，而不是越小；参见{MOMENTUM.zh}",
            ),
            tr("check the sign of β in the polynomial's value at r = −1", "检查特征多项式在r = −1处的值中β的符号"),
        )
    if matches(got, np.asarray((1 + beta) / top)):
        return say(
            tr(
                "half the limit: at this step momentum still converges comfortably; find the step at which it "
                f"stops converging; see {MOMENTUM.en}",
                f"只有上限的一半：在这个步长下动量法仍稳稳收敛；要找的是它不再收敛的步长；参见{MOMENTUM.zh}",
            )
        )
    return None


@exercise(
    id="gradient_descent.momentum_max_lr",
    chapter=CHAPTER,
    title=tr("The largest stable learning rate with momentum (derive it)", "动量法的最大稳定学习率（推导）"),
    signature="momentum_max_lr(A, beta)",
    outputs=("η_max",),
    cases=_momentum_lr_cases,
    diagnoses=(_momentum_lr_mistakes,),
    section=MOMENTUM,
)
def momentum_max_lr(A, beta):
    return 2.0 * (1.0 + beta) / np.linalg.eigvalsh(A).max()


# --- derivation: the largest stable learning rate of least squares -----------------------------


def _lstsq_cases(rng):
    # N ≥ 5 and N > d: the mean's 1/N differs from every other factor (2, ½), and XᵀX has full rank.
    cases = []
    for N, d, scale in [(8, 3, 1.0), (5, 2, 2.0), (12, 4, 0.5), (7, 5, 1.5)]:
        cases.append((rng.normal(size=(N, d)) * scale,))
    return cases


def _lstsq_mistakes(got, expected, args, i):
    (X,) = args
    N = len(X)
    gram = np.linalg.eigvalsh(X.T @ X)
    top, bottom = gram.max(), gram.min()
    if matches(got, np.asarray(2 * N / top)):
        return say(
            tr(
                f"twice the limit: the Hessian of a square keeps the factor 2 of its derivative; see {RULES_REF.en} (power rule)",
                f"是上限的两倍：平方的海森矩阵保留了它的导数中的因子2；参见{RULES_REF.zh}（幂法则）",
            ),
            tr("differentiate the gradient 2Xᵀ(Xw − y)/N once more", "把梯度2Xᵀ(Xw − y)/N再求一次导"),
        )
    if matches(got, np.asarray(1 / top)):
        return say(
            tr(
                f"the loss is a mean over the N examples, and so is its Hessian: the 1/N is missing; see {MINIBATCH.en}",
                f"损失是对N个样本取的平均，它的海森矩阵也是：缺少1/N；参见{MINIBATCH.zh}",
            )
        )
    if matches(got, np.asarray(2 / top)):
        return say(
            tr(
                f"that is 2/λ_max of XᵀX itself, but XᵀX is not the Hessian of this loss; see {MINIBATCH.en}",
                f"这是XᵀX本身的2/λ_max，但XᵀX并不是这个损失的海森矩阵；参见{MINIBATCH.zh}",
            ),
            tr(
                "two factors are missing: the 1/N of the mean and the 2 of the square",
                "缺少两个因子：平均值的1/N和平方带来的2",
            ),
        )
    if matches(got, np.asarray(N / (2 * top))):
        return say(
            tr(
                "that is the best step for the steepest direction (it lands on its minimum); "
                f"the stability limit is twice as large; see {DIRECTIONS.en}",
                f"这是对最陡方向最好的步长（一步落到它的最小值）；稳定性的上限是它的两倍；参见{DIRECTIONS.zh}",
            )
        )
    if matches(got, np.asarray(N / bottom)):
        return say(
            tr(
                f"that uses the flattest direction; the steepest direction diverges first; see {DIRECTIONS.en}",
                f"这用的是最平缓的方向；最陡的方向最先发散；参见{DIRECTIONS.zh}",
            )
        )
    sigma = np.sqrt(top)  # the largest singular value of X
    if matches(got, np.asarray(N / sigma)) or matches(got, np.asarray(2 * N / sigma)):
        return say(
            tr(
                "that uses the largest singular value of X; the curvature of Xw is its square "
                f"(an eigenvalue of XᵀX); see {DIRECTIONS.en}",
                f"这用的是X的最大奇异值；Xw的曲率是它的平方（XᵀX的特征值）；参见{DIRECTIONS.zh}",
            )
        )
    return None


@exercise(
    id="gradient_descent.least_squares_max_lr",
    chapter=CHAPTER,
    title=tr("The largest stable learning rate of least squares (derive it)", "最小二乘的最大稳定学习率（推导）"),
    signature="least_squares_max_lr(X)",
    outputs=("η_max",),
    cases=_lstsq_cases,
    diagnoses=(_lstsq_mistakes,),
    batch="X",
    section=DIRECTIONS,
)
def least_squares_max_lr(X):
    hessian = 2 * X.T @ X / len(X)
    return 2.0 / np.linalg.eigvalsh(hessian).max()
