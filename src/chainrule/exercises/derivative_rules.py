"""Exercises of chapter 2, Derivative rules. Each reference solution is the rule itself;
each diagnosis recognises one typical mistake by recomputing it.

Feedback policy (see core.py): a diagnosis says what is wrong and where to look in
chapter 2; the formula itself is only in the hint, shown with ``check(..., hint=True)``.
"""

import numpy as np

from ..language import tr
from .core import exercise, matches, say, softmax

CHAPTER = "derivative_rules"
RULES = tr("chapter 2, “Sum, product and chain rules”", "第2章“求和法则、乘积法则与链式法则”")
PATHS = tr(
    "chapter 2, “The multivariable chain rule: sum over paths”",
    "第2章“多元链式法则（multivariable chain rule）：对路径求和”",
)
GRAPHS = tr("chapter 2, “Computational graphs”", "第2章“计算图”")
NUMERICAL = tr("chapter 2, “Numerical, symbolic and automatic differentiation”", "第2章“数值微分、符号微分与自动微分”")


# --- 1. the product rule, as a backward function ------------------------------------


def _product_cases(rng):
    shapes = [(), (1, 3), (4, 2), (2, 5)]
    return [tuple(rng.normal(size=s) for _ in range(3)) for s in shapes]


def _product_mistakes(got, expected, args, i):
    a, b, g = args
    if matches(got, g * (a if i == 0 else b)):
        return say(
            tr(
                f"the factors are swapped: each input's gradient uses the *other* factor; see {RULES.en} (product rule)",
                f"两个因子用反了：每个输入的梯度用的是另一个因子；参见{RULES.zh}（乘积法则）",
            ),
            tr(
                ["∂(ab)/∂a is b", "∂(ab)/∂b is a"][i] + ", times the upstream gradient g",
                ["∂(ab)/∂a是b", "∂(ab)/∂b是a"][i] + "，再乘以上游梯度g",
            ),
        )
    if matches(got, b if i == 0 else a):
        return say(
            tr(
                f"that is the local derivative alone: the upstream gradient g is not used; see {GRAPHS.en}",
                f"这只是局部导数：没有用到上游梯度g；参见{GRAPHS.zh}",
            ),
            tr("chain rule: upstream gradient × local derivative", "链式法则：上游梯度 × 局部导数"),
        )
    return None


@exercise(
    id="derivative_rules.product_rule",
    chapter=CHAPTER,
    title=tr("Backward of a product", "乘积的反向传播"),
    signature="mul_backward(a, b, g)",
    outputs=("∂L/∂a", "∂L/∂b"),
    cases=_product_cases,
    diagnoses=(_product_mistakes,),
    section=tr(f"{RULES.en} (product rule)", f"{RULES.zh}（乘积法则）"),
)
def mul_backward(a, b, g):
    return g * b, g * a


# --- 2. the chain rule on L = (w·x + b − y)² -----------------------------------------


def _linear_cases(rng):
    return [(rng.normal(size=n), rng.normal(size=n), rng.normal(), rng.normal()) for n in (3, 1, 5, 2)]


def _linear_mistakes(got, expected, args, i):
    w, x, b, y = args
    r = w @ x + b - y
    if matches(got, expected / 2):
        return say(
            tr(
                f"half the reference: the outer derivative, of the square, is missing its factor; see {RULES.en} (power rule)",
                f"只有参考答案的一半：外层（平方）的导数少了它的因子；参见{RULES.zh}（幂法则）",
            ),
            tr("d(r²)/dr = 2r", "平方的导数：d(r²)/dr = 2r"),
        )
    if i == 0 and matches(got, 2 * r * w):
        return say(
            tr(
                f"the inner derivative is taken with respect to the wrong factor; see {GRAPHS.en}",
                f"内层导数对错了因子求导；参见{GRAPHS.zh}",
            ),
            tr("∂(w·x)/∂w is x, not w", "∂(w·x)/∂w是x，而不是w"),
        )
    if i == 0 and got.shape == () and np.isclose(got, 2 * r):
        return say(
            tr(
                f"that is ∂L/∂r only; the chain continues to w, and ∂L/∂w has w's shape; see {GRAPHS.en}",
                f"这只是∂L/∂r；链条还要继续到w，而∂L/∂w的形状与w相同；参见{GRAPHS.zh}",
            ),
            tr("multiply by ∂r/∂w, a vector of w's shape", "再乘以∂r/∂w，它是与w形状相同的向量"),
        )
    return None


@exercise(
    id="derivative_rules.chain_rule",
    chapter=CHAPTER,
    title=tr("Chain rule for L = (w·x + b − y)²", "L = (w·x + b − y)²的链式法则"),
    signature="linear_square_grads(w, x, b, y)",
    outputs=("∂L/∂w", "∂L/∂b"),
    cases=_linear_cases,
    diagnoses=(_linear_mistakes,),
    section=GRAPHS,
)
def linear_square_grads(w, x, b, y):
    r = w @ x + b - y  # the residual
    return 2 * r * x, 2 * r


# --- 3. sum over paths: L = u·v with u = x², v = sin x ------------------------------


def _paths_cases(rng):
    return [(rng.uniform(-3, 3, size=s),) for s in [(4,), (1,), (2, 3)]]


def _paths_mistakes(got, expected, args, i):
    (x,) = args
    if matches(got, 2 * x * np.sin(x)):
        return say(
            tr(
                f"only the path through u = x² is followed; x also reaches L through v; see {PATHS.en}",
                f"只沿经过u = x²的路径求导；x还经由v到达L；参见{PATHS.zh}",
            )
        )
    if matches(got, x**2 * np.cos(x)):
        return say(
            tr(
                f"only the path through v = sin x is followed; x also reaches L through u; see {PATHS.en}",
                f"只沿经过v = sin x的路径求导；x还经由u到达L；参见{PATHS.zh}",
            )
        )
    if matches(got, 2 * x * np.cos(x)):
        return say(
            tr(
                f"that multiplies the two local derivatives; the paths' contributions are added; see {PATHS.en}",
                f"这是把两个局部导数相乘；各条路径的贡献应当相加；参见{PATHS.zh}",
            ),
            tr(
                "each path contributes ∂L/∂(intermediate) × d(intermediate)/dx, and ∂L/∂u = v, ∂L/∂v = u",
                "每条路径贡献∂L/∂(中间变量) × d(中间变量)/dx，而∂L/∂u = v，∂L/∂v = u",
            ),
        )
    return None


@exercise(
    id="derivative_rules.sum_over_paths",
    chapter=CHAPTER,
    title=tr("Multivariable chain rule: sum over paths", "多元链式法则：对路径求和"),
    signature="diamond_grad(x)",
    outputs=("dL/dx",),
    cases=_paths_cases,
    diagnoses=(_paths_mistakes,),
    section=PATHS,
)
def diamond_grad(x):
    u, v = x**2, np.sin(x)
    return v * 2 * x + u * np.cos(x)  # path through u + path through v


# --- 4. central differences ----------------------------------------------------------


def _cubic(x):
    return x**3 - 2 * x


COMMON_STEPS = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)


def _difference_cases(rng):
    # Steps large enough that a one-sided difference (error O(ε)) or a fixed step of its
    # own (error O(ε²) at another ε) is visibly off; each case has its own ε.
    return [
        (f, rng.uniform(-2, 2, size=s), eps) for f, s, eps in [(np.sin, (3,), 1e-3), (np.exp, (2, 2), 1e-2), (_cubic, (5,), 3e-3)]
    ]


def _difference_mistakes(got, expected, args, i):
    f, x, eps = args
    if matches(got, (f(x + eps) - f(x)) / eps):
        return say(
            tr(
                f"that is the one-sided difference, error O(ε); use points on both sides of x; see {NUMERICAL.en}",
                f"这是单侧差分，误差为O(ε)；要用x两侧的点；参见{NUMERICAL.zh}",
            ),
            tr("evaluate f at x + ε and x − ε", "在x + ε和x − ε处计算f"),
        )
    if matches(got, (f(x + eps) - f(x - eps)) / eps):
        return say(
            tr(
                f"twice the reference: the two points are 2ε apart; see {NUMERICAL.en}",
                f"是参考答案的两倍：两个点相距2ε；参见{NUMERICAL.zh}",
            ),
            tr("divide by 2ε", "除以2ε"),
        )
    if matches(got, (f(x + eps) - f(x - eps)) / 2 * eps):
        return say(
            tr(
                "operator precedence: `/ 2 * eps` divides by 2 and then multiplies by eps",
                "运算符优先级：`/ 2 * eps`是先除以2，再乘以eps",
            ),
            tr("put the whole denominator in parentheses: / (2 * eps)", "把整个分母放进括号：/ (2 * eps)"),
        )
    for step in COMMON_STEPS:
        # Central estimates at two steps differ by only O(ε²), so compare tightly: the same
        # formula at the same step reproduces the answer to rounding error.
        candidate = (f(x + step) - f(x - step)) / (2 * step)
        if not np.isclose(step, eps) and np.allclose(got, candidate, rtol=1e-11, atol=1e-13):
            return say(
                tr(
                    f"that uses a fixed step of its own ({step:g}), not the argument eps; see {NUMERICAL.en}",
                    f"这里用了自己固定的步长（{step:g}），而不是参数eps；参见{NUMERICAL.zh}",
                )
            )
    return None


@exercise(
    id="derivative_rules.central_difference",
    chapter=CHAPTER,
    title=tr("Numerical derivative by central differences", "用中心差分求数值导数"),
    signature="central_difference(f, x, eps)",
    outputs=(tr("f′(x) estimate", "f′(x)的估计值"),),
    cases=_difference_cases,
    diagnoses=(_difference_mistakes,),
    rtol=1e-9,
    section=NUMERICAL,
)
def central_difference(f, x, eps):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


# --- 5. broadcasting: the bias gradient ----------------------------------------------


def _bias_cases(rng):
    # (3, 3): square, so a sum over the wrong axis has the right shape. No batch of one: there
    # an unsummed g and a sum with keepdims=True are the same array, and no diagnosis could tell.
    # No batch of two either: there "the mean over the batch" is any factor ½.
    return [(rng.normal(size=(N, m)), rng.normal(size=m), rng.normal(size=(N, m))) for N, m in [(6, 3), (4, 3), (5, 2), (3, 3)]]


def _bias_mistakes(got, expected, args, i):
    z, b, g = args
    if i != 1:
        return None
    if got.shape == (1, g.shape[1]) and matches(got.reshape(-1), g.sum(axis=0)):
        return say(
            tr(
                "the values are right, but the shape is (1, m): ∂L/∂b must have b's shape (m,)",
                "数值对了，但形状是(1, m)：∂L/∂b的形状必须与b相同，即(m,)",
            ),
            tr("drop keepdims=True, or reshape the result to b's shape", "去掉keepdims=True，或把结果reshape成b的形状"),
        )
    if matches(got, g):
        return say(
            tr(
                f"b was added to every row of the batch, so each b_j reaches the loss along N paths; see {PATHS.en}",
                f"b被加到了批量的每一行上，所以每个b_j沿N条路径到达损失；参见{PATHS.zh}",
            ),
            tr(
                "add up the N contributions: sum the upstream gradient over the batch axis (axis 0)",
                "把这N份贡献加起来：沿批量轴（axis 0）对上游梯度求和",
            ),
        )
    if matches(got, g.sum(axis=1)):
        return say(
            tr(
                f"summed over the wrong axis: b has one entry per column; see {PATHS.en}",
                f"沿错了轴求和：b的每个元素对应一列；参见{PATHS.zh}",
            ),
            tr("sum over the rows (axis 0)", "沿行方向求和（axis 0）"),
        )
    if g.shape[0] > 1 and matches(got, g.mean(axis=0)):
        return say(
            tr(
                f"that is the mean over the batch; each row adds its own contribution; see {PATHS.en}",
                f"这是对批量取平均；每一行都贡献自己的一份，应当相加；参见{PATHS.zh}",
            ),
            tr("the contributions of the N paths are added, not averaged", "N条路径的贡献要相加，而不是取平均"),
        )
    return None


@exercise(
    id="derivative_rules.bias_gradient",
    chapter=CHAPTER,
    title=tr("Gradient through broadcasting: Z + b", "经过广播的梯度：Z + b"),
    signature="add_bias_backward(z, b, g)",
    outputs=("∂L/∂Z", "∂L/∂b"),
    cases=_bias_cases,
    diagnoses=(_bias_mistakes,),
    batch="g",
    section=PATHS,
)
def add_bias_backward(z, b, g):
    return g, g.sum(axis=0)


# --- 6. derivation: the gradient of log-sum-exp is softmax --------------------------------


def _lse_cases(rng):
    # (3, 3): square, so softmax over the wrong axis has the right shape; no two-class row;
    # (2, 5) with logits in the hundreds: e^z overflows unless the row's maximum is subtracted;
    # (1, 4): one row, last and declared degenerate (facts only, no cause claimed from it).
    return [
        (rng.normal(size=(3, 3)) * 2,),
        (rng.normal(size=(4, 6)),),
        (rng.normal(size=(2, 5)) * 3 + np.array([[800.0], [-750.0]]),),
        (rng.normal(size=(1, 4)),),
    ]


LSE_TRICK = tr("chapter 5, “Numerical stability: the log-sum-exp trick”", "第5章“数值稳定性：LogSumExp技巧”")


def _lse_mistakes(got, expected, args, i):
    (Z,) = args
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        naive = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        finite = np.isfinite(got)
        if not finite.all() and np.array_equal(finite, np.isfinite(naive)) and np.allclose(got[finite], naive[finite]):
            return say(
                tr(
                    "it overflows: with logits in the hundreds e^z is inf (or 0), and inf/inf or 0/0 is NaN; "
                    "the gradient does not change when the same number is subtracted from a whole row; "
                    f"see {LSE_TRICK.en}",
                    "发生了溢出：logits达到几百时e^z为inf（或0），而inf/inf或0/0得到NaN；"
                    f"给一整行减去同一个数，梯度不变；参见{LSE_TRICK.zh}",
                ),
                tr("subtract each row's maximum before exponentiating", "取指数之前先减去每一行的最大值"),
            )
        safe = np.all(Z < 700)  # recompute the unshifted mistakes only where exp cannot overflow
        if safe and matches(got, np.exp(Z)):
            return say(
                tr(
                    f"that is the derivative of the sum of exponentials alone; the outer logarithm is not differentiated; "
                    f"see {RULES.en} (chain rule)",
                    f"这只是指数和本身的导数；外层的对数没有求导；参见{RULES.zh}（链式法则）",
                ),
                tr("d log(s)/ds = 1/s, with s the row's sum of exponentials", "d log(s)/ds = 1/s，其中s是这一行的指数和"),
            )
        if safe and matches(got, np.broadcast_to(1 / np.exp(Z).sum(axis=1, keepdims=True), Z.shape)):
            return say(
                tr(
                    "only the outer derivative is there; the inner one, of "
                    f"each exponential, is missing; see {RULES.en} (chain rule)",
                    f"只有外层导数；缺少内层（每个指数函数）的导数；参见{RULES.zh}（链式法则）",
                ),
                tr("ds/dZ_ki = e^(Z_ki)", "内层导数：ds/dZ_ki = e^(Z_ki)"),
            )
    if matches(got, softmax(Z, axis=0)):
        return say(
            tr(
                "normalised over the wrong axis: each row k has its own log-sum-exp, so each row of the gradient sums to 1",
                "沿错了轴规范化：每一行k有自己的log-sum-exp，所以梯度的每一行之和为1",
            ),
            tr("the sum in lse runs over the C entries of a row (axis=1)", "lse中的求和遍历一行的C个元素（axis=1）"),
        )
    if matches(
        got, Z - np.log(np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)) - Z.max(axis=1, keepdims=True)
    ):
        return say(
            tr(
                "that is log-softmax, the logarithm of the gradient; the gradient itself is positive and each row sums to 1",
                "这是log-softmax，即梯度的对数；梯度本身是正的，且每行之和为1",
            ),
            tr("exponentiate the log-probabilities", "对这些对数概率取指数"),
        )
    return None


@exercise(
    id="derivative_rules.logsumexp_gradient",
    chapter=CHAPTER,
    title=tr("Gradient of log-sum-exp (derive it)", "log-sum-exp的梯度（推导）"),
    signature="lse_grad(Z)",
    outputs=("∂L/∂Z",),
    cases=_lse_cases,
    diagnoses=(_lse_mistakes,),
    section=tr(f"{RULES.en} (chain rule)", f"{RULES.zh}（链式法则）"),
    degenerate=lambda Z: Z.shape[0] == 1,  # one row: a sum over the wrong axis gives the same shape as the right one
)
def lse_grad(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# --- 7. derivation: the backward pass of a row normalisation --------------------------------


def _normalize_cases(rng):
    # Positive entries (a row sum far from 0); at least two rows and three columns everywhere;
    # (4, 4) is square, so a sum over the wrong axis keeps the shape.
    return [(rng.uniform(0.2, 2.0, size=s), rng.normal(size=s)) for s in [(3, 5), (4, 4), (5, 3), (2, 6)]]


def _normalized(Z):
    s = Z.sum(axis=1, keepdims=True)
    return Z / s, s


def _normalize_mistakes(got, expected, args, i):
    Z, g = args
    out, s = _normalized(Z)
    through_sum = (g * out).sum(axis=1, keepdims=True)
    if matches(got, g / s):
        return say(
            tr(
                "only the path through the numerator is followed: Z_ki also reaches every output of its row "
                f"through the row sum s_k; see {PATHS.en}",
                f"只沿经过分子的路径求导：Z_ki还通过行和s_k到达这一行的每个输出；参见{PATHS.zh}",
            ),
            tr(
                "add the contributions of all C outputs of the row, each through ∂s_k/∂Z_ki = 1",
                "把这一行全部C个输出的贡献加起来，每一项都经过∂s_k/∂Z_ki = 1",
            ),
        )
    if matches(got, g * (1 - out) / s):
        return say(
            tr(
                "only the diagonal of the Jacobian: Z_ki changes the other outputs of its row too (the source's "
                f"softmax slip); see {PATHS.en}",
                f"只用了雅可比矩阵的对角线：Z_ki也会改变这一行的其他输出（原文在softmax上犯的错误）；参见{PATHS.zh}",
            ),
            tr(
                "the off-diagonal entries ∂out_kj/∂Z_ki (j ≠ i) are not 0",
                "非对角元素∂out_kj/∂Z_ki（j ≠ i）不为0",
            ),
        )
    if matches(got, (g - out.sum(axis=1, keepdims=True)) / s):
        return say(
            tr(
                f"the path through the row sum must carry each output's own upstream gradient g_kj; see {GRAPHS.en}",
                f"经过行和的那条路径必须带上每个输出自己的上游梯度g_kj；参见{GRAPHS.zh}",
            ),
            tr("chain rule: upstream gradient × local derivative, for every path", "链式法则：对每条路径都是上游梯度 × 局部导数"),
        )
    if matches(got, (g + through_sum) / s):
        return say(
            tr(
                f"the path through the denominator has the wrong sign; see {RULES.en} (quotient rule)",
                f"经过分母的那条路径符号反了；参见{RULES.zh}（商法则）",
            ),
            tr("increasing s_k makes every output of the row smaller", "s_k增大时，这一行的每个输出都会变小"),
        )
    if matches(got, (g - (g * out).sum(axis=0, keepdims=True)) / s):
        return say(
            tr(
                f"summed over the wrong axis: Z_ki reaches the outputs of its own row k only; see {PATHS.en}",
                f"沿错了轴求和：Z_ki只到达它自己那一行k的输出；参见{PATHS.zh}",
            )
        )
    if matches(got, (g - out * g.sum(axis=1, keepdims=True)) / s):
        return say(
            tr(
                "that is J·g, the Jacobian applied to g; the backward pass needs its transpose, Jᵀg (a sum over the "
                f"outputs each input reaches); see {PATHS.en}",
                f"这是J·g，即把雅可比矩阵作用在g上；反向传播需要它的转置Jᵀg（对每个输入所到达的输出求和）；参见{PATHS.zh}",
            ),
            tr(
                "∂L/∂Z_ki = Σ_j g_kj ∂out_kj/∂Z_ki: the sum runs over the outputs j",
                "∂L/∂Z_ki = Σ_j g_kj ∂out_kj/∂Z_ki：求和遍历输出j",
            ),
        )
    if matches(got, (g - through_sum) / s**2) or matches(got, (g * s - through_sum) / s**2):
        return say(
            tr(
                f"the powers of s_k are off: check the quotient rule's denominator term by term; see {RULES.en} (quotient rule)",
                f"s_k的幂次不对：逐项检查商法则中的分母；参见{RULES.zh}（商法则）",
            )
        )
    return None


@exercise(
    id="derivative_rules.normalize_backward",
    chapter=CHAPTER,
    title=tr("Backward of a row normalisation (derive it)", "行归一化的反向传播（推导）"),
    signature="normalize_backward(Z, g)",
    outputs=("∂L/∂Z",),
    cases=_normalize_cases,
    diagnoses=(_normalize_mistakes,),
    section=PATHS,
)
def normalize_backward(Z, g):
    s = Z.sum(axis=1, keepdims=True)
    out = Z / s
    return (g - (g * out).sum(axis=1, keepdims=True)) / s
