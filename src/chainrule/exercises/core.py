"""The checker: runs a learner's function on random inputs and explains what is wrong.

An exercise is data (``Exercise``): a reference solution, a generator of test cases and
diagnoses of typical mistakes. ``run_check`` calls the learner's function on every case,
never stopping at the first failure, and compares each returned array with the reference
in the order type → shape → values.

Feedback policy. A message says *what* is wrong (which output, which entry, what kind of
slip: a sign, a constant factor, a missing term, the wrong axis) and *where to look* (the
section and the name of the rule, e.g. "see chapter 2, “Sum, product and chain rules”"); it never shows
the formula or the code to type. A diagnosis returns either a message or a pair
``(message, hint)``; the hint may say more (the shape of the product, the term that is
missing) and is shown only when the learner asks for it with ``check(..., hint=True)``.
A diagnosis claims a cause only when recomputing that mistake reproduces the answer
(``matches``); the generic messages follow the same rule: "times k" only when k is clearly
not 1 and the answer is k times the reference at every entry, zeros included; "the batch
size" only in exercises that declare their batch argument (``Exercise.batch``); where each
case has one number, a factor is claimed only when it holds across all cases; where the
reference is 0, the absolute difference is reported, not a relative error, and a wrong value
is printed with as many significant digits as it takes to tell it from the expected one. A
case the exercise declares degenerate (``Exercise.degenerate``: one example, two classes, one
row) never gives a cause, only facts, and those only when no other case failed. A diagnosis
also sees an answer that overflowed (NaN or inf), so an overflow can be named where it
happens. Generic messages end with "see <Exercise.section>". A failed report says when a
hint is available.
"""

import contextlib
import copy
import html
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..language import Text, get_language, pick, tr
from .guard import Echo, call_learner, ends_the_check, is_wrong_arguments

EXERCISES: dict = {}  # id -> Exercise
LATEST: dict = {}  # id -> the last CheckResult in this kernel, for the chapter summary


@dataclass
class Exercise:
    id: str
    chapter: str
    title: str
    signature: str  # how the learner's function is called, e.g. "mul_backward(a, b, g)"
    outputs: tuple  # what each returned value means, e.g. ("∂L/∂a", "∂L/∂b"); words in both languages: tr("new w", "新的w")
    reference: Callable
    cases: Callable  # rng -> list of argument tuples
    diagnoses: tuple = ()  # (got, expected, args, output_index) -> message, (message, hint) or None
    rtol: float = 1e-6
    atol: float = 1e-9
    batch: str | None = None  # name of the argument whose axis 0 is the batch (None: no batch)
    section: Text | str = ""  # where to look, e.g. tr("chapter 2, “Computational graphs”", "第2章“计算图”") (generic messages)
    # args -> True for a case from which no cause may be claimed (one example, two classes, one row:
    # many mistakes look alike there). Such a case is still scored; a wrong answer there gets only the
    # plain facts (shape, value), and only when no other case failed. None: every case may diagnose.
    degenerate: Callable | None = None

    def __post_init__(self):
        # The title may be given in both languages; ``title`` stays the English string (grading,
        # class reports), ``titles`` is what the learner sees (the chapter summary).
        self.titles = self.title
        if isinstance(self.title, Text):
            self.title = self.title.en

    def argument_names(self):
        match = re.search(r"\((.*)\)", self.signature)
        return [a.strip() for a in match.group(1).split(",")] if match and match.group(1).strip() else []

    def batch_size(self, args):
        """N, the batch size of this case, or None where the exercise has no batch."""
        if self.batch is None:
            return None
        names = self.argument_names()
        if self.batch not in names or names.index(self.batch) >= len(args):
            return None
        shape = np.shape(args[names.index(self.batch)])
        return shape[0] if shape else None


def say(message, hint=None):
    """What a diagnosis returns: the message (what is wrong, where to look) and, if any, a hint
    that says more (shown only with ``check(..., hint=True)``)."""
    return (message, hint) if hint else message


def exercise(**fields):
    """Register an Exercise; use as a decorator on its reference solution."""

    def register(reference):
        ex = Exercise(reference=reference, **fields)
        EXERCISES[ex.id] = ex
        return reference

    return register


@dataclass
class CheckResult:
    exercise_id: str
    title: str
    status: str  # "passed", "failed" or "not implemented"
    score: int
    total: int
    messages: list = field(default_factory=list)
    hints: list = field(default_factory=list)  # filled only by check(..., hint=True)
    hint_available: bool = False  # a diagnosis has a hint the learner did not ask for
    language: str = field(default_factory=get_language)  # the language of the report (set at evaluation)

    @property
    def passed(self):
        return self.status == "passed"

    def __bool__(self):
        return self.passed

    def _say(self, en, zh):
        return zh if self.language == "zh" else en

    def headline(self):
        if self.status == "not implemented":
            return self._say(
                f"… {self.exercise_id}: not implemented yet (0/{self.total})",
                f"… {self.exercise_id}：尚未实现（0/{self.total}）",
            )
        mark = "✔" if self.passed else "✘"
        return self._say(
            f"{mark} {self.exercise_id}: {self.score}/{self.total} checks passed",
            f"{mark} {self.exercise_id}：通过{self.score}/{self.total}项检查",
        )

    def _footer(self):
        if self.hints:
            return [self._say(f"  hint: {h}", f"  提示：{h}") for h in self.hints]
        if self.hint_available and not self.passed:
            return [
                self._say(
                    f"  (a hint is available: check({self.exercise_id!r}, your_function, hint=True))",
                    f"  （有提示可看：check({self.exercise_id!r}, your_function, hint=True)）",
                )
            ]
        return []

    def __str__(self):
        return "\n".join([self.headline()] + [f"  • {m}" for m in self.messages] + self._footer())

    __repr__ = __str__

    def _repr_html_(self):
        colour = {"passed": "#1a7f37", "failed": "#cf222e"}.get(self.status, "#9a6700")
        items = "".join(f"<li>{html.escape(m)}</li>" for m in self.messages)
        footer = "".join(f"<div><i>{html.escape(line.strip())}</i></div>" for line in self._footer())
        return (
            f'<div class="chainrule-check" style="border-left:4px solid {colour};padding:0.2em 0.8em">'
            f"<b>{html.escape(self.headline())}</b>{f'<ul>{items}</ul>' if items else ''}{footer}</div>"
        )


# --- comparing one returned value with the reference -----------------------------------


def softmax(z, axis=-1):
    """Plain NumPy softmax, for recomputing references and typical mistakes."""
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def matches(got, candidate):
    """Whether ``got`` equals ``candidate`` (a recomputed mistake) in shape and value."""
    candidate = np.asarray(candidate)
    return got.shape == candidate.shape and np.allclose(got, candidate, rtol=1e-6, atol=1e-9)


def as_outputs(value, n):
    """The learner's return value as a tuple of n outputs (a single output may come bare)."""
    if n == 1:
        return (value,)
    if isinstance(value, (tuple, list)) and len(value) == n:
        return tuple(value)
    return None


def describe_shape(arr):
    return pick("a single number", "单个数") if arr.ndim == 0 else pick(f"shape {arr.shape}", f"形状{arr.shape}")


def split_diagnosis(found):
    """A diagnosis' result as (message, hint) strings in the current language: it may return a
    message or a (message, hint) pair, each a string or a ``Text`` (``tr(english, chinese)``)."""
    if not found:
        return None
    if isinstance(found, (tuple, list)):
        message, hint = (tuple(found) + (None,))[:2]
        return (str(message), str(hint) if hint else None) if message else None
    return str(found), None


def run_diagnosis(diagnose, got, expected, args, index):
    """A diagnosis' (message, hint) or None; a diagnosis that fails on an unforeseen answer (a
    shape it did not expect) says nothing rather than crash ``check``."""
    try:
        return split_diagnosis(diagnose(got, expected, copy.deepcopy(args), index))
    except Exception:
        return None


@contextlib.contextmanager
def quiet():
    """No warning from the checker's own arithmetic reaches the learner (overflow, ComplexWarning…)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


FACTOR_OFF = tr("a constant factor is off", "差了一个常数因子")
FACTOR_HINT = tr(
    "look for a factor that is missing or doubled (a 2 from a square, a 1/2, a 1/N)",
    "找一找漏掉或多乘了的因子（平方带来的2、1/2、1/N）",
)
WRONG_VALUE = tr("wrong value", "数值错误")


def _see(section):
    return pick(f"; see {section}", f"；参见{section}") if str(section) else ""


def constant_factor(got, expected, rtol=1e-6, atol=1e-9):
    """k if got = k · expected at every entry (zeros included) with k clearly not 0, 1 or −1, else None."""
    got, expected = np.asarray(got, dtype=np.float64).ravel(), np.asarray(expected, dtype=np.float64).ravel()
    nonzero = np.abs(expected) > 1e-8
    if nonzero.sum() < 2:  # with one number, any wrong value is "a constant factor off"
        return None
    k = float(got[nonzero] @ expected[nonzero] / (expected[nonzero] @ expected[nonzero]))
    if not np.isfinite(k) or abs(k) < 1e-6 or abs(k - 1) < 1e-3 or abs(k + 1) < 1e-3:
        return None
    if not np.allclose(got, k * expected, rtol=rtol, atol=atol):
        return None
    return k


def generic_diagnosis(got, expected, args, batch_size=None, section=""):
    """Mistakes that look the same in every exercise: a sign, a constant factor, zeros.

    Returns (message, hint) or None. ``batch_size`` is N where the exercise declares a batch
    (``Exercise.batch``); only then is "the batch size" offered as the factor's cause."""
    with quiet():
        if np.any(np.abs(expected) > 1e-8) and np.allclose(got, -expected, rtol=1e-6, atol=1e-9):
            return (
                pick(
                    f"it is the reference times −1 at every entry: a sign is flipped{_see(section)}",
                    f"每个元素都是参考答案的−1倍：符号反了{_see(section)}",
                ),
                pick(
                    "check each minus sign in the rule, and the order of a difference (ŷ − y, not y − ŷ)",
                    "检查法则中的每个负号，以及相减的顺序（ŷ − y，而不是y − ŷ）",
                ),
            )
        if not np.any(got) and np.any(np.abs(expected) > 1e-8):
            return (
                pick(f"it is all zeros{_see(section)}", f"全是零{_see(section)}"),
                pick("is something computed but never added or returned?", "是否有某一项算出来了，却没有加上或返回？"),
            )
        k = constant_factor(got, expected)
        if k is None:
            return None
        if batch_size and batch_size > 1 and np.isclose(k, batch_size):
            return (
                pick(
                    f"it is the reference times {k:g}, the batch size: a sum "
                    f"over the batch where the mean belongs?{_see(section)}",
                    f"是参考答案的{k:g}倍，恰好是批量大小：该对批量取平均的地方求了和？{_see(section)}",
                ),
                pick(
                    "the loss is the mean over the batch, so its gradient carries a 1/N",
                    "损失是对批量取的平均，所以它的梯度带有因子1/N",
                ),
            )
        if batch_size and batch_size > 1 and np.isclose(k, 1 / batch_size):
            return (
                pick(
                    f"it is the reference divided by {1 / k:g}, the batch size: a mean where the sum belongs?{_see(section)}",
                    f"是参考答案除以{1 / k:g}，恰好是批量大小：该求和的地方取了平均？{_see(section)}",
                ),
                pick(
                    "the 1/N is already in the upstream gradient; do not divide twice",
                    "1/N已经包含在上游梯度里了；不要再除一次",
                ),
            )
        return (
            pick(
                f"it is the reference times {k:.4g} at every entry: {FACTOR_OFF}{_see(section)}",
                f"每个元素都是参考答案的{k:.4g}倍：{FACTOR_OFF}{_see(section)}",
            ),
            str(FACTOR_HINT),
        )


def labelled(name, text):
    """A message about one output: "∂L/∂a: …" in English, "∂L/∂a：…" (a full-width colon) in Chinese."""
    return f"{name}{pick(': ', '：')}{text}"


OUTPUT_SEPARATORS = (": ", "：")
NAME_JOINERS = {": ": ", ", "：": "、"}  # several outputs named before one separator: "∂L/∂a, ∂L/∂b: …"


def split_output(message):
    """(output name(s), separator, the rest) of a message made by ``labelled``; ("", "", message)
    for a message about no output (a reason from the guard)."""
    cuts = [(message.find(sep), sep) for sep in OUTPUT_SEPARATORS if message.find(sep) > 0]
    if not cuts:
        return "", "", message
    at, sep = min(cuts)
    return message[:at], sep, message[at + len(sep):]


def _compare_shape_and_type(name, got):
    """(message, None) if ``got`` is not a usable array, else (None, the float64 array)."""
    kind = type(got).__name__
    not_numbers = pick(f"{name}: expected numbers, got {kind}", f"{name}：应为数值，收到的却是{kind}")
    if got is None:
        return pick(
            f"{name}: your function returned None — did you forget `return`?",
            f"{name}：你的函数返回了None——是不是忘了写`return`？",
        ), None
    if isinstance(getattr(got, "data", None), np.ndarray) and not isinstance(got, np.ndarray):
        return pick(
            f"{name}: you returned a {kind}; return its .data, a numpy array",
            f"{name}：你返回的是一个{kind}；请返回它的.data，即一个numpy数组",
        ), None
    try:
        raw = np.asarray(got)
    except (TypeError, ValueError):
        return not_numbers, None
    if np.iscomplexobj(raw):
        return pick(
            f"{name}: contains complex numbers; expected real numbers (a square root or power of a negative number?)",
            f"{name}：含有复数，而应为实数（是否对负数开了平方根或求了幂？）",
        ), None
    try:
        return None, np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        return not_numbers, None


def compare(name, got, expected, args, diagnoses, index, rtol, atol, batch_size=None, section="", claim=True):
    """None if ``got`` matches ``expected``, else (message, hint or None) saying what is wrong.
    With ``claim=False`` (a degenerate case) no cause is claimed: only the facts of shape and value."""
    with quiet():
        problem, got_arr = _compare_shape_and_type(name, got)
        if problem:
            return problem, None
        if not claim:
            diagnoses = ()
        if got_arr.shape != expected.shape:
            for diagnose in diagnoses:
                found = run_diagnosis(diagnose, got_arr, expected, args, index)
                if found:
                    return labelled(name, found[0]), found[1]
            if got_arr.ndim == 2 and got_arr.shape == expected.shape[::-1]:
                return pick(
                    f"{name}: has shape {got_arr.shape}, expected {expected.shape} — transposed?",
                    f"{name}：形状为{got_arr.shape}，应为{expected.shape}——是不是转置了？",
                ), None
            return pick(
                f"{name}: has {describe_shape(got_arr)}, expected {describe_shape(expected)}",
                f"{name}：得到的是{describe_shape(got_arr)}，应为{describe_shape(expected)}",
            ), None
        if not np.all(np.isfinite(got_arr)):
            for diagnose in diagnoses:  # e.g. a formula that overflows where the reference does not
                found = run_diagnosis(diagnose, got_arr, expected, args, index)
                if found:
                    return labelled(name, found[0]), found[1]
            return pick(f"{name}: contains NaN or inf", f"{name}：含有NaN或inf"), None
        if np.allclose(got_arr, expected, rtol=rtol, atol=atol):
            return None
        for diagnose in diagnoses:
            found = run_diagnosis(diagnose, got_arr, expected, args, index)
            if found:
                return labelled(name, found[0]), found[1]
        found = generic_diagnosis(got_arr, expected, args, batch_size=batch_size, section=section) if claim else None
        if found:
            return labelled(name, found[0]), found[1]
        return wrong_value(name, got_arr, expected, rtol, atol), None


def digits_apart(a, b, least=6):
    """The number of significant digits (at least ``least``, at most 17) that prints ``a`` and
    ``b`` as different numbers: 0.8536481 and 0.8536479 need 7, not the 6 of "%.6g"."""
    for digits in range(least, 18):
        if f"{a:.{digits}g}" != f"{b:.{digits}g}":
            return digits
    return 17


def wrong_value(name, got_arr, expected, rtol, atol):
    """The entry furthest outside the tolerance: its value, and the relative error — or the
    absolute difference where the reference is 0 (a relative error would be meaningless). Both
    values are printed with the digits it takes to tell them apart (``digits_apart``)."""
    excess = np.abs(got_arr - expected) / (atol + rtol * np.abs(expected))
    worst = np.unravel_index(int(np.argmax(excess)), excess.shape)
    index = tuple(int(i) for i in worst)
    where = pick(f" at index {index}", f"（索引{index}处）") if got_arr.ndim else ""
    mine, ref = got_arr[worst], expected[worst]
    if abs(ref) < 1e-8:
        error = pick(f"absolute difference {abs(mine - ref):.1e}", f"绝对误差{abs(mine - ref):.1e}")
    else:
        error = pick(f"relative error {abs(mine - ref) / abs(ref):.1e}", f"相对误差{abs(mine - ref) / abs(ref):.1e}")
    d = digits_apart(float(mine), float(ref))
    return pick(
        f"{name}: {WRONG_VALUE}{where}: yours {mine:.{d}g}, expected {ref:.{d}g} ({error})",
        f"{name}：{WRONG_VALUE}{where}：你的是{mine:.{d}g}，应为{ref:.{d}g}（{error}）",
    )


def local_caller(fn, seconds=None, echo=False):
    """Call the learner's function in this process, noting whether it changed its inputs.
    With ``echo``, what it printed is shown (capped) — never in grading, whose kernel output is parsed."""

    shown = Echo() if echo else None

    def call(args):
        pristine = copy.deepcopy(args)
        value, failure = call_learner(fn, args, seconds=seconds, echo=shown)
        with quiet():
            changed = any(not _same(a, b) for a, b in zip(args, pristine, strict=True))
        return value, failure, changed

    return call


def get_exercise(exercise_id):
    if exercise_id not in EXERCISES:
        known = ", ".join(sorted(EXERCISES))
        raise KeyError(f"no exercise called {exercise_id!r}; known exercises: {known}")
    return EXERCISES[exercise_id]


def run_check(exercise_id, fn, seed=None, hint=False):
    """Check ``fn`` in this process (the notebook's ``check``); ``hint=True`` adds the hints."""
    ex = get_exercise(exercise_id)
    if not callable(fn):
        result = CheckResult(ex.id, ex.title, "failed", 0, len(ex.cases(np.random.default_rng(seed))))
        result.messages.append(
            pick(
                f"check expects your function {ex.signature}, got {type(fn).__name__}",
                f"check需要你的函数{ex.signature}，收到的却是{type(fn).__name__}",
            )
        )
        return result
    return evaluate(ex, local_caller(fn, echo=True), seed, hint=hint)


def evaluate(ex, call, seed=None, hint=False):
    """Score an exercise: ``call(args) -> (value, failure, changed_inputs)`` runs the learner's
    function on one case, here or in another process (grading); the comparison is done here.
    With ``hint``, the diagnoses' hints are collected in ``result.hints``."""
    with quiet():
        cases = ex.cases(np.random.default_rng(seed))
    result = CheckResult(ex.id, ex.title, "failed", 0, len(cases))
    messages, hints = [], []
    held = []  # what degenerate cases found wrong: facts only, shown only if no other case failed
    plain = {}  # output index -> [(plain "wrong value" message or None if right, got, expected)] per case
    for args in cases:
        with quiet():
            pristine = copy.deepcopy(args)
            expected = tuple(
                np.asarray(v, dtype=np.float64) for v in as_outputs(ex.reference(*copy.deepcopy(args)), len(ex.outputs))
            )
        got, failure, changed = call(args)
        if failure == "not implemented":
            result.status = "not implemented"
            result.score = 0
            result.messages = [
                pick(
                    f"replace `raise NotImplementedError` in {ex.signature} with your code",
                    f"把{ex.signature}中的`raise NotImplementedError`换成你的代码",
                )
            ]
            result.hints, result.hint_available = [], False
            return result
        if failure:
            if is_wrong_arguments(failure):
                messages.append(
                    pick(f"{failure}; check calls it as {ex.signature}", f"{failure}；check以{ex.signature}的形式调用它")
                )
                break  # every case would say the same
            messages.append(failure)
            if ends_the_check(failure):
                break  # one endless loop is enough: do not wait for it once per case
            continue
        problems = []
        claim = not _is_degenerate(ex, pristine)
        outputs = as_outputs(got, len(ex.outputs))
        if changed:
            # Its values were computed from changed inputs: comparing them would only confuse.
            problems.append(
                (
                    pick(
                        "your function changed its input arrays in place (e.g. x *= 2); compute new arrays instead",
                        "你的函数原地修改了输入数组（例如x *= 2）；请计算出新的数组",
                    ),
                    None,
                )
            )
        elif outputs is None:
            names, kind = ", ".join(map(str, ex.outputs)), type(got).__name__
            problems.append(
                (
                    pick(
                        f"return {len(ex.outputs)} values ({names}), got {kind}",
                        f"应返回{len(ex.outputs)}个值（{names}），收到的却是{kind}",
                    ),
                    None,
                )
            )
        else:
            for i, (name, mine, ref) in enumerate(zip(map(str, ex.outputs), outputs, expected, strict=True)):
                found = compare(
                    name,
                    mine,
                    ref,
                    pristine,
                    ex.diagnoses,
                    i,
                    ex.rtol,
                    ex.atol,
                    batch_size=ex.batch_size(pristine),
                    section=ex.section,
                    claim=claim,
                )
                if found:
                    problems.append(found)
                    if found[0].startswith(labelled(name, WRONG_VALUE)) or str(FACTOR_OFF) in found[0]:
                        plain.setdefault(i, []).append((found[0], mine, ref))
                else:
                    plain.setdefault(i, []).append((None, mine, ref))
        if problems and not claim:
            held += [message for message, _ in problems]
        elif problems:
            for message, why in problems:
                messages.append(message)
                if why:
                    result.hint_available = True
                    if hint:
                        hints.append(why)
        else:
            result.score += 1
    if not messages:
        messages = held
    messages, factor_found = _factor_across_cases(ex, plain, messages)
    if factor_found:
        result.hint_available = True
        if hint:
            hints.append(str(FACTOR_HINT))
    result.status = "passed" if result.score == result.total else "failed"
    result.messages = distinct(messages, ex.outputs)
    result.hints = list(dict.fromkeys(hints))
    if result.passed:
        result.hint_available = False
    return result


NUMBER = re.compile(r"(?<![A-Za-z0-9_′])\d[\d.,]*(?:e[-+]?\d+)?")  # not the 1 of W1, Z1, a_1; a sign stays


def distinct(messages, outputs=()):
    """Each message once, and once per kind: messages that differ only in their numbers (the same
    slip seen in several cases: another shape, another N, another index) are shown once, the first.
    The same words about several outputs become one message naming them all ("∂L/∂a, ∂L/∂b: the
    factors are swapped"), not one bullet each (``outputs``: the exercise's output names)."""
    outputs = {str(o) for o in outputs}
    seen, kept = set(), []
    for message in messages:
        output, colon, rest = split_output(message)  # the output's name stays as it is
        kind = output + colon + NUMBER.sub("#", rest)
        if kind not in seen:
            seen.add(kind)
            kept.append(message)
    merged, where = [], {}  # the rest of a message -> its index in merged
    for message in kept:
        output, colon, rest = split_output(message)
        if output in outputs and rest in where:
            names, sep, _ = split_output(merged[where[rest]])
            merged[where[rest]] = f"{names}{NAME_JOINERS[sep]}{output}{sep}{rest}"
            continue
        if output in outputs:
            where.setdefault(rest, len(merged))
        merged.append(message)
    return merged


def _is_degenerate(ex, args):
    """Whether the exercise declares this case degenerate (no cause may be claimed from it)."""
    if ex.degenerate is None:
        return False
    with quiet():
        try:
            return bool(ex.degenerate(*copy.deepcopy(args)))
        except Exception:
            return False


def _factor_across_cases(ex, plain, messages):
    """Where one number per case cannot show a constant factor, all cases together may: if an
    output is wrong in every case with no diagnosis but "wrong value" or the generic factor, and
    got = k · expected across all of them (k clearly not 1), those messages become one
    "times k in every case". Returns (messages, whether such a factor was found)."""
    found = False
    for i, rows in plain.items():
        if len(rows) < 2 or any(message is None for message, _, _ in rows):
            continue
        with quiet():
            try:
                got = np.concatenate([np.asarray(g, dtype=np.float64).ravel() for _, g, _ in rows])
            except (TypeError, ValueError):
                continue
            expected = np.concatenate([np.asarray(e, dtype=np.float64).ravel() for _, _, e in rows])
            k = constant_factor(got, expected, rtol=max(ex.rtol, 1e-9), atol=ex.atol)
        if k is None:
            continue
        replaced = {message for message, _, _ in rows}
        summary = pick(
            f"{ex.outputs[i]}: it is the reference times {k:.4g} in every case: {FACTOR_OFF}{_see(ex.section)}",
            f"{ex.outputs[i]}：在每个测试用例中都是参考答案的{k:.4g}倍：{FACTOR_OFF}{_see(ex.section)}",
        )
        first = next((n for n, m in enumerate(messages) if m in replaced), len(messages))
        messages = (
            [m for m in messages[:first] if m not in replaced] + [summary] + [m for m in messages[first:] if m not in replaced]
        )
        found = True
    return messages, found


def _same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return True
