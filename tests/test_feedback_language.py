"""Feedback in both languages (issue 15): in the Chinese notebooks ``check`` and the chapter
``summary`` speak Chinese, in the English ones English, and no message is left in one language.

- every typical mistake (tests/exercise_answers/<module>.py: MISTAKES) is checked in Chinese
  and in English: each Chinese message and hint contains Chinese and no run of English words
  (after output names, code and symbols are taken out); the English report has no CJK at all;
  both reports have as many messages;
- the generic messages (wrong value, shape, NaN, None, a sign, a factor, zeros, not
  implemented, the guard's reasons) and the chapter summary in Chinese;
- statically, over the package's source: every ``tr``/``pick`` has an English and a Chinese
  text (Chinese in the second, none in the first), and every diagnosis (``say``) in the
  exercise modules is made of ``tr`` texts;
- a planted English-only diagnosis is caught (the test can fail).
"""

import ast
import re
from pathlib import Path

import numpy as np
import pytest
from exercise_answers import MODULES, load

import chainrule
from chainrule.exercises import EXERCISES, LATEST, check, summary
from chainrule.exercises.core import Exercise, say
from chainrule.language import Text, get_language, set_language, tr


def _mistakes():
    merged = {}
    for name in MODULES:
        try:
            merged.update(getattr(load(name), "MISTAKES", {}))
        except ModuleNotFoundError:  # a chapter whose answers are still being written
            continue
    return merged


MISTAKES = _mistakes()
PACKAGE = Path(chainrule.__file__).parent
EXERCISE_DIR = PACKAGE / "exercises"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
HAN = re.compile(r"[\u4e00-\u9fff]")
CODE_SPAN = re.compile(r"`[^`]*`")
CODE_TOKEN = re.compile(
    r"[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]*[_=()\[\]./\d][^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]*"
)
# Python's own words stay as Python wrote them: the learner's exception, a TypeError of the call.
RAISED = re.compile(r"(抛出了\w+：).*?((?=（你的代码第)|$)")
CALL_ERROR = re.compile(r"(而你的是[^（]*（)[^）]*(）)")
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,;:]+[A-Za-z][A-Za-z'’-]*){2,}")


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


def in_language(language, exercise_id, fn, hint=True, seed=0):
    before = get_language()
    set_language(language)
    try:
        return check(exercise_id, fn, seed=seed, hint=hint)
    finally:
        set_language(before)


def english_left(text, names=()):
    """Runs of three or more English words left in a Chinese text, after taking out the output
    names, `code`, code-like tokens (x_k, axis=1, np.sum, W1, check(...)) and the learner's own
    exception text."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ¦ ")
    # a cited section is quoted exactly as its heading reads, English gloss included (第2章“…（multivariable chain rule）…”)
    text = re.sub(r"第\d+章“[^”]*”", " ¦ ", text)
    text = RAISED.sub(r"\1", text)
    text = CALL_ERROR.sub(r"\1\2", text)
    text = CODE_SPAN.sub(" ¦ ", text)
    text = CODE_TOKEN.sub(" ¦ ", text)
    return ENGLISH_RUN.findall(text)


def output_names(exercise_id):
    names = []
    for name in EXERCISES[exercise_id].outputs:
        names += [name.en, name.zh] if isinstance(name, Text) else [name]
    return names


def chinese_problems(result, exercise_id):
    """What is not Chinese in a Chinese report: each message and hint must contain Chinese
    characters and no run of English words."""
    problems = []
    names = output_names(exercise_id)
    for kind, texts in (("message", result.messages), ("hint", result.hints)):
        for text in texts:
            if not HAN.search(text):
                problems.append(f"{kind} without Chinese: {text!r}")
            left = english_left(text, names)
            if left:
                problems.append(f"{kind} with English left {left}: {text!r}")
    if not HAN.search(result.headline()):
        problems.append(f"headline without Chinese: {result.headline()!r}")
    return problems


MISTAKE_CASES = [(eid, i) for eid in sorted(MISTAKES) if eid in EXERCISES for i in range(len(MISTAKES[eid]))]


@pytest.mark.parametrize("exercise_id, index", MISTAKE_CASES)
def test_every_diagnosis_speaks_both_languages(exercise_id, index):
    wrong, _ = MISTAKES[exercise_id][index]
    for seed in (0, 1):
        zh = in_language("zh", exercise_id, wrong, seed=seed)
        en = in_language("en", exercise_id, wrong, seed=seed)
        assert zh.messages, str(zh)
        assert chinese_problems(zh, exercise_id) == [], str(zh)
        assert not CJK.search(str(en)), f"Chinese in the English report:\n{en}"
        assert len(zh.messages) == len(en.messages) and len(zh.hints) == len(en.hints), f"{zh}\n---\n{en}"
        assert zh.hint_available == en.hint_available and zh.score == en.score


def test_the_english_check_is_the_default_and_unchanged_by_a_chinese_one():
    wrong, _ = MISTAKES["derivative_rules.product_rule"][0]
    before = str(check("derivative_rules.product_rule", wrong, seed=0, hint=True))
    in_language("zh", "derivative_rules.product_rule", wrong)
    assert str(check("derivative_rules.product_rule", wrong, seed=0, hint=True)) == before
    assert "checks passed" in before and not CJK.search(before)


# --- the generic messages -----------------------------------------------------------------


def _reference(exercise_id):
    return EXERCISES[exercise_id].reference


GENERIC = {
    "sign flipped": lambda ref: lambda *a: -np.asarray(ref(*a)),
    "times 3": lambda ref: lambda *a: 3 * np.asarray(ref(*a)),
    "all zeros": lambda ref: lambda *a: np.zeros_like(np.asarray(ref(*a))),
    "noise": lambda ref: lambda *a: np.asarray(ref(*a)) + 0.1,
    "NaN": lambda ref: lambda *a: np.asarray(ref(*a)) * np.nan,
    "None": lambda ref: lambda *a: None,
    "a shape": lambda ref: lambda *a: np.zeros(7),
    "transposed": lambda ref: lambda *a: np.asarray(ref(*a)).T,
    "text": lambda ref: lambda *a: "x",
    "complex": lambda ref: lambda *a: np.asarray(ref(*a)) + 1j,
    "not implemented": lambda ref: lambda *a: (_ for _ in ()).throw(NotImplementedError()),
    "raises": lambda ref: lambda *a: 1 / 0,
    "exits": lambda ref: lambda *a: exit(3),
    "changes its input": lambda ref: lambda *a: a[0].__imul__(2),
    "wrong arguments": lambda ref: lambda x: x,
    "recursion": lambda ref: (lambda f: lambda *a: f(f))(lambda f: f(f)),
    "not a function": lambda ref: 42,
}


@pytest.mark.parametrize("exercise_id", ["backprop.grad_W2", "activations.sigmoid_derivative", "derivative_rules.product_rule"])
@pytest.mark.parametrize("mistake", sorted(GENERIC))
def test_generic_messages_speak_both_languages(exercise_id, mistake):
    answer = GENERIC[mistake](_reference(exercise_id))
    zh, en = in_language("zh", exercise_id, answer), in_language("en", exercise_id, answer)
    assert not zh.passed and zh.messages
    assert chinese_problems(zh, exercise_id) == [], str(zh)
    assert not CJK.search(str(en)), str(en)
    assert len(zh.messages) == len(en.messages), f"{zh}\n---\n{en}"


def test_the_batch_size_and_hint_footer_in_chinese():
    def summed(z, b, g):  # ∂L/∂Z N times too large: "the batch size" (generic), with a hint
        return g * len(g), g.sum(axis=0)

    zh = in_language("zh", "derivative_rules.bias_gradient", summed, hint=False)
    assert "批量大小" in "\n".join(zh.messages), str(zh)
    assert "有提示可看" in str(zh) and "hint=True" in str(zh)
    assert "提示：" in str(in_language("zh", "derivative_rules.bias_gradient", summed))
    assert "批量大小" in zh._repr_html_() and "有提示可看" in zh._repr_html_()


# --- the chapter summary ---------------------------------------------------------------------


def test_summary_speaks_chinese(monkeypatch):
    chapter = "derivative_rules"
    for eid in [e for e in LATEST if e.startswith(chapter + ".")]:
        monkeypatch.delitem(LATEST, eid)
    in_language("zh", "derivative_rules.product_rule", _reference("derivative_rules.product_rule"))
    set_language("zh")
    zh = summary(chapter)
    set_language("en")
    en = summary(chapter)
    for line in str(zh).splitlines():
        assert HAN.search(line), line
    assert "已通过" in str(zh) and "尚未检查" in str(zh) and "已通过" in zh._repr_html_()
    assert not CJK.search(str(en)) and not CJK.search(en._repr_html_())
    assert "exercises pass in this session" in str(en)


def test_every_exercise_has_both_languages_where_the_learner_reads():
    for ex in EXERCISES.values():
        assert isinstance(ex.titles, Text), f"{ex.id}: title in one language only"
        assert isinstance(ex.section, Text), f"{ex.id}: section in one language only"
        assert isinstance(ex.title, str) and not CJK.search(ex.title)  # grading and reports read English
        for name in ex.outputs:  # a name made of symbols may stay as it is; one with words needs tr()
            words = [w for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"_\w+", "", str(name))) if w not in ("tanh", "ReLU")]
            assert isinstance(name, Text) or not words, f"{ex.id}: the output name {name!r} has words; write it with tr()"


# --- static: every tr()/pick() and every say() in the source -------------------------------------


def _literal(node):
    """The text of a string literal or f-string (its literal parts), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return None


def _calls(name):
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
                yield path.relative_to(PACKAGE), node


def test_every_tr_and_pick_has_english_and_chinese():
    found, problems = 0, []
    for function in ("tr", "pick"):
        for path, call in _calls(function):
            found += 1
            where = f"{path}:{call.lineno}"
            if len(call.args) != 2 or call.keywords:
                problems.append(f"{where}: {function} takes (english, chinese)")
                continue
            en, zh = (_literal(a) for a in call.args)
            if en is not None and (not en.strip() or CJK.search(en)):
                problems.append(f"{where}: the English text is empty or has Chinese: {en!r}")
            if zh is not None and not zh.strip():
                problems.append(f"{where}: the Chinese text is empty")
    assert found > 150, f"only {found} tr()/pick() calls found"
    assert problems == [], "\n".join(problems)


def test_every_diagnosis_is_written_in_both_languages():
    """Each ``say(message, hint)`` in the exercise modules is made of tr() texts (or names bound
    to them), so diagnoses that no test answer reaches are bilingual too."""
    problems, found = [], 0
    for path, call in _calls("say"):
        if path.parts[0] != "exercises" or path.name == "core.py":
            continue
        found += 1
        for arg in call.args:
            if _literal(arg) is not None:
                problems.append(f"{path}:{call.lineno}: a plain string {_literal(arg)!r} in say(); write tr(english, chinese)")
    assert found > 150, f"only {found} diagnoses found"
    assert problems == [], "\n".join(problems)


def test_text_needs_both_languages():
    with pytest.raises(ValueError):
        tr("only English", "")
    with pytest.raises(ValueError):
        tr("", "只有中文")
    with pytest.raises(ValueError):
        set_language("fr")


# --- the test can fail: a planted English-only diagnosis ---------------------------------------


def test_a_planted_english_only_diagnosis_is_caught(monkeypatch):
    def english_only(got, expected, args, i):
        return say("the upstream gradient is not used here", "multiply by the upstream gradient")

    def bilingual(got, expected, args, i):
        return say(tr("the upstream gradient is not used here", "这里没有用到上游梯度"), tr("multiply by g", "乘以上游梯度g"))

    def half_english(got, expected, args, i):
        return say(tr("the upstream gradient is not used here", "这里the upstream gradient is not used"), tr("g", "乘以g"))

    def planted(diagnosis):
        return Exercise(
            "demo.planted",
            "demo",
            tr("demo", "演示"),
            "f(x)",
            ("∂L/∂x",),
            reference=lambda x: 2 * x,
            cases=lambda rng: [(rng.normal(size=3),), (rng.normal(size=2),)],
            diagnoses=(diagnosis,),
            section=tr("chapter 2", "第2章"),
        )

    for diagnosis, caught in ((english_only, True), (half_english, True), (bilingual, False)):
        monkeypatch.setitem(EXERCISES, "demo.planted", planted(diagnosis))
        zh = in_language("zh", "demo.planted", lambda x: x + 1)
        assert bool(chinese_problems(zh, "demo.planted")) == caught, str(zh)
    assert english_left("你的代码抛出了ValueError：operands could not be broadcast（你的代码第3行）") == []
    assert english_left("∂L/∂W2: 沿axis=1求和，而不是the wrong axis here") == ["the wrong axis here"]


# Every section name the feedback cites is a heading of the built book, exactly, in both
# languages: tests/test_section_names.py.
