"""Exercises of chapter 8, Curvature.

Feedback policy (see core.py): a diagnosis says what is wrong and where to look in
chapter 8; the formula itself is only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from ..language import tr
from .core import exercise, matches, say, softmax

CHAPTER = "curvature"
FORWARD = tr("chapter 8, “Forward mode: Jacobian-vector products”", "第8章“正向模式：雅可比-向量积”")
SOFTMAX = tr(
    "chapter 5, “Softmax: a Jacobian, not a list of derivatives”",
    "第5章“softmax：是一个雅可比矩阵（Jacobian），而不是一串导数”",
)
HVP = tr("chapter 8, “Hessian-vector products”", "第8章“海森向量积”")
NEWTON = tr("chapter 8, “Newton’s method”", "第8章“牛顿法”")
HESSIAN = tr("chapter 8, “The Hessian at a stationary point”", "第8章“驻点处的海森矩阵”")


# --- the JVP of softmax --------------------------------------------------------------------


def _jvp_cases(rng):
    return [(rng.normal(0, s, size=shape), rng.normal(size=shape)) for shape, s in [((5,), 1.0), ((2, 4), 2.0), ((3, 6), 0.5)]]


def _jvp_mistakes(got, expected, args, i):
    z, v = args
    p = softmax(z)
    if matches(got, p * (1 - p) * v):
        return say(
            tr(
                f"that uses only the diagonal of the softmax Jacobian (each p_i depends on every z_j); see {SOFTMAX.en}",
                f"这里只用了softmax雅可比矩阵的对角线（每个p_i都依赖于所有z_j）；参见{SOFTMAX.zh}",
            ),
            tr("the off-diagonal entries −p_i p_j contribute too", "非对角元−p_i p_j也有贡献"),
        )
    if matches(got, p * v):
        return say(
            tr(
                f"the term that couples the outputs is missing: raising one z_j lowers every other p_i; see {FORWARD.en}",
                f"缺少把各输出耦合起来的那一项：增大某个z_j会使其余所有p_i变小；参见{FORWARD.zh}",
            ),
            tr("the probabilities sum to 1, so their tangents must sum to 0", "概率之和为1，所以它们的切向量之和必须为0"),
        )
    if matches(got, p * (v - v.sum(axis=-1, keepdims=True))):
        return say(
            tr(
                f"the subtracted term should weight each v_j by its probability p_j; see {FORWARD.en}",
                f"减去的那一项应当用概率p_j给每个v_j加权；参见{FORWARD.zh}",
            ),
            tr("Σ_j p_j v_j, not Σ_j v_j", "是Σ_j p_j v_j，而不是Σ_j v_j"),
        )
    if z.ndim == 2 and matches(got, p * (v - (p * v).sum())):
        return say(
            tr(
                f"the sum runs over the whole array; each row (one example) has its own softmax; see {FORWARD.en}",
                f"求和范围覆盖了整个数组；每一行（一个样本）各有自己的softmax；参见{FORWARD.zh}",
            ),
            tr("sum along the last axis, keeping its dimension", "沿最后一个轴求和，并保留该维度"),
        )
    return None


@exercise(
    id="curvature.softmax_jvp",
    chapter=CHAPTER,
    title=tr("Forward mode: the JVP of softmax", "正向模式：softmax的雅可比-向量积"),
    signature="softmax_jvp(z, v)",
    outputs=(tr("tangent of p", "p的切向量"),),
    cases=_jvp_cases,
    diagnoses=(_jvp_mistakes,),
    section=FORWARD,
)
def softmax_jvp(z, v):
    p = softmax(z)
    return p * (v - (p * v).sum(axis=-1, keepdims=True))


# --- an HVP by central differences of gradients ------------------------------------------------


class _QuadraticPlusCosines:
    """∇f of f(x) = ½ xᵀAx + Σ c_i cos(x_i) (not a quadratic), called as ``grad(x)``; a class at
    module level, not a closure, so that grading can send it to the learner's kernel (pickle)."""

    def __init__(self, A, c):
        self.A, self.c = A, c

    def __call__(self, x):
        return self.A @ x - self.c * np.sin(x)

    def hessian(self, x):  # for the diagnoses only
        return self.A - np.diag(self.c * np.cos(x))


def _test_function(rng, n):
    """∇f and the exact Hessian of f(x) = ½ xᵀAx + Σ c_i cos(x_i) (not a quadratic)."""
    B = rng.normal(size=(n, n))
    return _QuadraticPlusCosines(B @ B.T / n, rng.uniform(0.5, 2.0, size=n))


def _hvp_cases(rng):
    return [
        (_test_function(rng, n), rng.normal(size=n), rng.normal(size=n), eps)
        for n, eps in [(3, 1e-2), (5, 1e-3), (1, 1e-2), (4, 1e-4)]
    ]


def _hvp_mistakes(got, expected, args, i):
    grad, x, v, eps = args
    if matches(got, (grad(x + eps * v) - grad(x)) / eps):
        return say(
            tr(
                f"that is a one-sided (forward) difference, whose error shrinks only like ε; see {HVP.en}",
                f"这是单侧（前向）差分，其误差只随ε线性减小；参见{HVP.zh}",
            ),
            tr("step both ways from x, by +εv and by −εv", "从x出发向两个方向各走一步：+εv和−εv"),
        )
    if matches(got, (grad(x + eps * v) - grad(x - eps * v)) / eps):
        return say(
            tr(
                f"the two gradients are 2ε apart along v, not ε: it is twice the reference; see {HVP.en}",
                f"两个梯度沿v相距2ε，而不是ε：结果是参考答案的两倍；参见{HVP.zh}",
            ),
            tr("divide by the distance between the two points", "除以两点之间的距离"),
        )
    if matches(got, grad(x + eps * v) - grad(x - eps * v)):
        return say(
            tr(
                f"a difference of gradients is not yet a derivative: divide by the step; see {HVP.en}",
                f"梯度之差还不是导数：还要除以步长；参见{HVP.zh}",
            )
        )
    if x.size > 1 and matches(got, (grad(x + eps) - grad(x - eps)) / (2 * eps)):
        return say(
            tr(
                f"that shifts every coordinate by ε; the step must go along the direction v; see {HVP.en}",
                f"这是把每个坐标都移动了ε；步子必须沿方向v迈出；参见{HVP.zh}",
            ),
            tr("H v is the derivative of ∇f(x + tv) with respect to t", "H v是∇f(x + tv)对t的导数"),
        )
    if eps >= 1e-3 and matches(got, grad.hessian(x) @ v):
        return say(
            tr(
                f"that is the exact H v; this exercise asks for the central difference with the given eps; see {HVP.en}",
                f"这是精确的H v；本题要求用给定的eps做中心差分；参见{HVP.zh}",
            )
        )
    return None


@exercise(
    id="curvature.hvp_central",
    chapter=CHAPTER,
    title=tr("A Hessian-vector product by central differences", "用中心差分计算海森向量积"),
    signature="hvp_central(grad, x, v, eps)",
    outputs=("H v",),
    cases=_hvp_cases,
    diagnoses=(_hvp_mistakes,),
    section=HVP,
)
def hvp_central(grad, x, v, eps):
    return (grad(x + eps * v) - grad(x - eps * v)) / (2 * eps)


# --- one Newton step ---------------------------------------------------------------------------


def _symmetric(rng, n, definite):
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    lam = rng.uniform(0.5, 5.0, size=n)
    if not definite and n > 1:
        lam[0] = -lam[0]  # one direction of negative curvature: a saddle
    return Q @ np.diag(lam) @ Q.T


def _newton_cases(rng):
    return [
        (rng.normal(size=n), rng.normal(size=n), _symmetric(rng, n, definite))
        for n, definite in [(1, True), (3, True), (4, False), (2, False)]
    ]


def _newton_mistakes(got, expected, args, i):
    x, grad, hess = args
    if matches(got, x - hess @ grad):
        return say(
            tr(
                f"that multiplies the gradient by the Hessian; Newton's step undoes the curvature instead; see {NEWTON.en}",
                f"这是用海森矩阵去乘梯度；牛顿步应当抵消曲率，而不是乘上它；参见{NEWTON.zh}",
            ),
            tr("solve H Δ = ∇L for the step (np.linalg.solve)", "由线性方程H Δ = ∇L解出位移 Δ（np.linalg.solve）"),
        )
    if x.size > 1 and matches(got, x - grad / np.diag(hess)):
        return say(
            tr(
                f"that divides by the diagonal of H only; the off-diagonal curvature matters too; see {NEWTON.en}",
                f"这里只除以了H的对角线；非对角的曲率同样要考虑；参见{NEWTON.zh}",
            ),
            tr("use the whole matrix H", "要用整个矩阵H"),
        )
    if matches(got, x - grad):
        return say(
            tr(
                f"that is a gradient step with η = 1; the Hessian is not used; see {NEWTON.en}",
                f"这是η = 1的梯度下降步，没有用到海森矩阵；参见{NEWTON.zh}",
            )
        )
    if matches(got, x + np.linalg.solve(hess, grad)):
        return say(
            tr(
                "the sign of the step is flipped: it moves away from the stationary point of the quadratic model; "
                f"see {NEWTON.en}",
                f"这一步的符号反了：它远离了二次模型的驻点；参见{NEWTON.zh}",
            ),
            tr("set the model's gradient ∇L + H Δ to zero and solve for Δ", "令模型的梯度∇L + H Δ 为零，解出 Δ"),
        )
    lam, Q = np.linalg.eigh(hess)
    if np.any(lam < 0) and matches(got, x - Q @ ((Q.T @ grad) / np.abs(lam))):
        return say(
            tr(
                "along the directions of negative curvature your step goes the other way: that divides by |λ|, "
                "which is a different method (it flees saddles); Newton's step solves the model with H as it is, "
                f"negative eigenvalues included; see {NEWTON.en}",
                "在负曲率方向上你的步子走反了：那是除以|λ|，属于另一种方法（它会逃离鞍点）；"
                f"牛顿步是按H本身（包括负特征值）求解二次模型；参见{NEWTON.zh}",
            )
        )
    if matches(got, x - 0.5 * np.linalg.solve(hess, grad)):
        return say(
            tr(
                "that goes half way: the step ends at the stationary point of the quadratic model, "
                f"not half way to it; see {NEWTON.en}",
                f"这只走了一半：这一步应当到达二次模型的驻点，而不是走到一半；参见{NEWTON.zh}",
            ),
            tr("the model's gradient ∇L + H Δ must vanish at the new point", "在新的点上，模型的梯度∇L + H Δ 必须为零"),
        )
    if matches(got, -np.linalg.solve(hess, grad)):
        return say(
            tr(
                f"that is only the step Δ; return the new point x + Δ; see {NEWTON.en}",
                f"这只是位移 Δ；请返回新的点x + Δ；参见{NEWTON.zh}",
            )
        )
    return None


@exercise(
    id="curvature.newton_step",
    chapter=CHAPTER,
    title=tr("One step of Newton's method", "牛顿法的一步"),
    signature="newton_step(x, grad, hess)",
    outputs=(tr("new x", "新的x"),),
    cases=_newton_cases,
    diagnoses=(_newton_mistakes,),
    section=NEWTON,
)
def newton_step(x, grad, hess):
    return x - np.linalg.solve(hess, grad)


# --- derivation: the Hessian of cross-entropy with respect to the logits, times V ---------------


def _ce_cases(rng):
    cases = []
    for N, C, s in [(4, 3, 1.0), (3, 5, 2.0), (6, 4, 0.5)]:  # no N = 2: there a factor 2 would pass for N
        cases.append((rng.normal(0, s, size=(N, C)), rng.integers(0, C, size=N), rng.normal(size=(N, C))))
    return cases


def _ce_mistakes(got, expected, args, i):
    Z, y, V = args
    N = Z.shape[0]
    P = softmax(Z)
    Y = np.eye(Z.shape[1])[y]
    if matches(got, (P - Y) / N):
        return say(
            tr(
                f"that is the gradient ∂L/∂Z, a first derivative; differentiate it once more, along V; see {HESSIAN.en}",
                f"这是梯度∂L/∂Z，只是一阶导数；还要沿V再求一次导；参见{HESSIAN.zh}",
            ),
            tr("which part of the gradient p − y depends on Z?", "梯度p − y中哪一部分依赖于Z？"),
        )
    if matches(got, P * (1 - P) * V / N):
        return say(
            tr(
                f"that keeps only the diagonal of the softmax Jacobian; see {SOFTMAX.en}",
                f"这里只保留了softmax雅可比矩阵的对角线；参见{SOFTMAX.zh}",
            ),
            tr("each p_i depends on every logit of its row", "每个p_i都依赖于它那一行的所有logit"),
        )
    if matches(got, P * V / N):
        return say(
            tr(
                f"the term that couples the classes is missing; see {FORWARD.en}",
                f"缺少把各类别耦合起来的那一项；参见{FORWARD.zh}",
            ),
            tr("the probabilities of a row sum to 1", "每一行的概率之和为1"),
        )
    if N > 1 and matches(got, (P * V - P * (P * V).sum(axis=0, keepdims=True)) / N):
        return say(
            tr(
                "the sum runs over the batch (axis 0); the classes of one example (axis 1) are coupled, "
                f"the examples are not; see {HESSIAN.en}",
                f"求和是沿批量（轴0）进行的；耦合的是同一样本的各个类别（轴1），不同样本之间并不耦合；参见{HESSIAN.zh}",
            )
        )
    if N > 1 and matches(got, (P * V - P * (P * V).sum()) / N):
        return say(
            tr(
                "the weighted sum Σ p·v runs over the whole batch; each example (row) has its own softmax "
                f"and its own sum over its C classes; see {HESSIAN.en}",
                f"加权和Σ p·v是对整个批量求的；每个样本（每一行）有自己的softmax，也有自己对C个类别的求和；参见{HESSIAN.zh}",
            ),
            tr("sum along axis 1, keeping its dimension", "沿轴1求和，并保留该维度"),
        )
    P0 = softmax(Z, axis=0)
    if N > 1 and any(
        matches(got, candidate / N)
        for candidate in (P0 * V - P0 * (P0 * V).sum(axis=0, keepdims=True), P0 * V - P0 * (P0 * V).sum(axis=1, keepdims=True))
    ):
        return say(
            tr(
                "the softmax is normalised over the batch (axis 0); each example's probabilities sum to 1 "
                f"over its classes (axis 1); see {SOFTMAX.en}",
                f"softmax是沿批量（轴0）规范化的；每个样本的概率应当对它的各个类别（轴1）求和为1；参见{SOFTMAX.zh}",
            )
        )
    if matches(got, (P - Y) * V / N):
        return say(
            tr(
                f"the labels do not enter the second derivative: y is a constant in p − y; see {HESSIAN.en}",
                f"标签不会出现在二阶导数中：在p − y里y是常数；参见{HESSIAN.zh}",
            )
        )
    return None


@exercise(
    id="curvature.ce_logits_hvp",
    chapter=CHAPTER,
    title=tr("The Hessian of cross-entropy in the logits, times V", "交叉熵对logits的海森矩阵乘以V"),
    signature="ce_logits_hvp(Z, y, V)",
    outputs=(tr("∇²L · V", "∇²L · V"),),
    cases=_ce_cases,
    diagnoses=(_ce_mistakes,),
    section=HESSIAN,
    batch="Z",
)
def ce_logits_hvp(Z, y, V):
    P = softmax(Z)
    return (P * V - P * (P * V).sum(axis=1, keepdims=True)) / len(Z)


# --- derivation: an HVP by the R-operator, for a tanh network with squared error ----------------

ROP = tr("chapter 8, “The R-operator: a Hessian-vector product by hand”", "第8章“R算子：手写海森向量积”")


def _rop_cases(rng):
    cases = []
    for N, n, h in [(5, 3, 4), (7, 2, 3), (4, 4, 2)]:
        X, y = rng.normal(size=(N, n)), rng.normal(size=N)
        W1, w2 = rng.normal(0, 0.8, size=(n, h)), rng.normal(size=h)
        cases.append((X, y, W1, w2, rng.normal(size=(n, h)), rng.normal(size=h)))
    return cases


def _rop_parts(X, y, W1, w2, V1, v2):
    """The pieces of R{∇L} for L = (1/2N) Σ_k (tanh(x_k W1)·w2 − y_k)², by name, for the diagnoses."""
    N = len(X)
    A = np.tanh(X @ W1)
    D = 1 - A**2  # tanh′
    r = A @ w2 - y  # residuals
    RA = D * (X @ V1)
    Rr = RA @ w2 + A @ v2
    return {
        "w2_gn": A.T @ Rr / N,  # through the residual's change
        "w2_res": RA.T @ r / N,  # through A's change, weighted by the residual
        "W1_gn": X.T @ (np.outer(Rr, w2) * D) / N,
        "W1_v2": X.T @ (np.outer(r, v2) * D) / N,  # w2 itself moves along v2
        "W1_tanh2": X.T @ (np.outer(r, w2) * (-2 * A * RA)) / N,  # tanh″ = −2 tanh · tanh′
    }


def _rop_mistakes(got, expected, args, i):
    q = _rop_parts(*args)
    if i == 0:  # the W1 part
        gn, v2, t2 = q["W1_gn"], q["W1_v2"], q["W1_tanh2"]
        if matches(got, gn) and not matches(expected, gn):
            return say(
                tr(
                    "that is the Gauss–Newton part only: every term weighted by the residual f − y is missing "
                    f"(the network's own curvature); see {ROP.en}",
                    f"这只是高斯-牛顿部分：所有以残差f − y为权重的项都缺了（网络自身的曲率）；参见{ROP.zh}",
                ),
                tr(
                    "apply R{·} to every factor of the backward pass, the residual's factors too",
                    "对反向传播中的每个因子都作用R{·}，残差所乘的那些因子也不例外",
                ),
            )
        if matches(got, gn + v2):
            return say(
                tr(
                    f"the term from the derivative of tanh′ (tanh″) is missing: tanh′(Z) changes when W1 does; see {ROP.en}",
                    f"缺少来自tanh′ 的导数（tanh″）的那一项：W1变化时tanh′(Z)也随之变化；参见{ROP.zh}",
                ),
                tr("R{tanh′(Z)} needs the second derivative of tanh", "R{tanh′(Z)}需要tanh的二阶导数"),
            )
        if matches(got, gn + t2):
            return say(
                tr(
                    "the term from w2's own change is missing: the error sent back to the hidden layer is "
                    f"multiplied by w2, which moves along v2; see {ROP.en}",
                    f"缺少来自w2自身变化的那一项：传回隐藏层的误差要乘以w2，而w2沿v2变化；参见{ROP.zh}",
                )
            )
        if matches(got, gn + v2 - t2):
            return say(
                tr(
                    f"the sign of the tanh″ term is flipped: tanh″ = d(1 − tanh²)/dz; see {ROP.en}",
                    f"tanh″ 那一项的符号反了：tanh″ = d(1 − tanh²)/dz；参见{ROP.zh}",
                )
            )
    else:  # the w2 part
        if matches(got, q["w2_gn"]) and not matches(expected, q["w2_gn"]):
            return say(
                tr(
                    "the term through the hidden activations' change is missing: A = tanh(X W1) moves along V1, "
                    f"and ∂L/∂w2 = Aᵀr/N has A in it; see {ROP.en}",
                    f"缺少经由隐藏层激活值变化的那一项：A = tanh(X W1)沿V1变化，而∂L/∂w2 = Aᵀr/N中含有A；参见{ROP.zh}",
                ),
                tr("R{Aᵀ r} = R{A}ᵀ r + Aᵀ R{r}: the product rule", "R{Aᵀ r} = R{A}ᵀ r + Aᵀ R{r}：乘积法则"),
            )
    return None


@exercise(
    id="curvature.rop_hvp",
    chapter=CHAPTER,
    title=tr(
        "A Hessian-vector product by the R-operator (derive it)",
        "用R算子计算海森向量积（推导）",
    ),
    signature="rop_hvp(X, y, W1, w2, V1, v2)",
    outputs=(tr("H v, the W1 part", "H v的W1部分"), tr("H v, the w2 part", "H v的w2部分")),
    cases=_rop_cases,
    diagnoses=(_rop_mistakes,),
    section=ROP,
    batch="X",
)
def rop_hvp(X, y, W1, w2, V1, v2):
    q = _rop_parts(X, y, W1, w2, V1, v2)
    return q["W1_gn"] + q["W1_v2"] + q["W1_tanh2"], q["w2_gn"] + q["w2_res"]


# --- derivation: where damped Newton on log cosh starts to 2-cycle --------------------------------


def _logcosh_cycle(alpha, factor=4.0):
    """The w > 0 with sinh(2w) = factor·w/α (bisection on a bracket where the sign changes)."""
    from scipy.optimize import brentq

    def g(w):
        return np.sinh(2 * w) - factor * w / alpha

    hi = 1.0
    while g(hi) < 0:
        hi *= 2
    return brentq(g, 1e-9 + 1e-6 * hi, hi, xtol=1e-15, rtol=1e-15)


def _cycle_cases(rng):
    return [(float(a),) for a in (rng.uniform(0.9, 1.1), rng.uniform(0.3, 0.6), rng.uniform(1.3, 1.7), rng.uniform(0.15, 0.25))]


def _cycle_mistakes(got, expected, args, i):
    (alpha,) = args
    w = float(got)
    if not np.isfinite(w) or w <= 0:
        return None
    if alpha < 1 - 1e-9 and matches(got, _logcosh_cycle(alpha, factor=2.0)):
        return say(
            tr(
                "a factor 2 is off: at your w a step twice as long would land on −w (or the step would land on 0); "
                f"simplify L′/L″ for log cosh and use the condition that the step ends at −w; see {NEWTON.en}",
                "差了一个因子2：在你的w处，两倍长的一步才会落到−w（或者这一步会落到0）；"
                f"把log cosh的L′/L″ 化简，并利用这一步恰好落到−w这个条件；参见{NEWTON.zh}",
            ),
            tr(
                "for log cosh, L′/L″ = tanh(w)·cosh²(w) = sinh(w)·cosh(w) = ½ sinh(2w)",
                "对log cosh而言，L′/L″ = tanh(w)·cosh²(w) = sinh(w)·cosh(w) = ½ sinh(2w)",
            ),
        )
    if alpha < 2 and matches(got, 0.5 * np.arccosh(2 / alpha)):
        return say(
            tr(
                "that is where the step map's slope is −1, where a fixed point would lose stability; "
                f"the question is where one step sends w exactly to −w; see {NEWTON.en}",
                "那是步进映射的斜率等于−1的地方（不动点在那里失去稳定性）；"
                f"题目问的是一步恰好把w送到−w的地方；参见{NEWTON.zh}",
            )
        )
    if abs(alpha - 1) > 1e-3 and matches(got, _logcosh_cycle(1.0)):
        return say(
            tr(
                f"that is the answer for the undamped step (α = 1); this case has α = {alpha:.4g}; see {NEWTON.en}",
                f"这是不加阻尼（α = 1）时的答案；本例中α = {alpha:.4g}；参见{NEWTON.zh}",
            )
        )
    return None


@exercise(
    id="curvature.newton_cycle",
    chapter=CHAPTER,
    title=tr(
        "Where damped Newton on log cosh starts to oscillate (derive it)",
        "阻尼牛顿法在log cosh上从哪里开始振荡（推导）",
    ),
    signature="newton_cycle(alpha)",
    outputs=(tr("w where the step lands on −w", "一步恰好落到−w的w"),),
    cases=_cycle_cases,
    diagnoses=(_cycle_mistakes,),
    section=NEWTON,
    rtol=1e-7,
)
def newton_cycle(alpha):
    return _logcosh_cycle(alpha)
