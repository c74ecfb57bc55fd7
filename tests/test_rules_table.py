"""The rules table in both languages (issue 25 §1): `cr.rules.table()` / `show()` print the
Chinese edition's words from engine/rules_zh.py, the maths unchanged; a rule whose text has
English words and no Chinese fails here, naming it."""

import re

import pytest

import chainrule as cr
from chainrule.engine import rules_zh
from chainrule.language import display_width, speaking

# Words of a rule text that are English prose, not maths or a function's name.
NAMES = {"ln", "sin", "cos", "tanh", "exp", "log", "sign", "ddof", "std", "max", "min", "diag", "softmax", "mean",
         "out", "a_min", "a_max"}
WORD = re.compile(r"[A-Za-z_]{2,}")


def prose(text):
    return [w for w in WORD.findall(text) if w not in NAMES]


def test_every_rule_text_with_words_has_its_chinese_and_no_chinese_is_stale():
    texts = {t for r in cr.RULES.values() for t in (r.reverse, r.forward_mode)}
    needs = sorted(t for t in texts if prose(t))
    assert len(needs) > 30
    assert [t for t in needs if t not in rules_zh.TEXTS_ZH] == []
    assert sorted(set(rules_zh.TEXTS_ZH) - texts) == [], "a Chinese text for a rule text that no longer exists"
    with speaking("zh"):
        rows = cr.rules.table()
    leftover = [(name, text) for name, rev, fwd, _ in rows for text in (rev, fwd) if prose(text)]
    assert leftover == []


def test_the_maths_is_the_same_in_both_languages():
    formula = re.compile(r"[^\s,:()（）]*[∂·ᵃᵇᵖ⁻¹²√⌊⌋ȧḃẋẏ½][^\s,:()（）]*")
    for english, chinese in rules_zh.TEXTS_ZH.items():
        missing = [f for f in formula.findall(english) if f.rstrip("'s") not in chinese]
        assert missing == [], f"{english!r} → {chinese!r} loses {missing}"


def test_sections_are_named_in_the_readers_language_and_can_be_chosen_in_either():
    with speaking("zh"):
        sections = {row[3] for row in cr.rules.table()}
        assert all(s.startswith("第2章 求导法则 § ") for s in sections), sections
        assert [r[0] for r in cr.rules.table(section="Kinks and routing")] == [
            r[0] for r in cr.rules.table(section="折点与路由")] == ["abs", "maximum", "minimum", "max", "min", "where", "clip"]
    assert {row[3] for row in cr.rules.table()} >= {"Chapter 2, Derivative rules § Sum rule"}
    assert cr.rules.table(section="No such section") == []


@pytest.mark.parametrize("language", ["en", "zh"])
def test_show_aligns_columns_by_display_width(language, capsys):
    with speaking(language):
        cr.rules.show(section="Kinks and routing", forward=False)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 7
    bracket = "（" if language == "zh" else "("
    starts = {display_width(line[: line.rindex(bracket)]) for line in lines}
    assert len(starts) == 1, lines  # the section column starts at one column on every line
    assert len({display_width(line[: line.index("∂")]) for line in lines if "∂" in line[:12]}) == 1


def test_show_names_an_unknown_rule():
    with pytest.raises(ValueError, match="no rule named nope"):
        cr.rules.show(["mul", "nope"])
