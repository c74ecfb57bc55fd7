"""The Chinese edition's one spacing rule, for prose and for the checker's messages alike: no
space between a Chinese character (or full-width punctuation) and a Latin letter, a digit,
inline code or an inline formula — 使用scikit-learn自带的1,797个数字, 练习2.1, 第5章,
`cr.grad`的结果, 输出$a$的梯度. Spaces around an operator (softmax + 交叉熵, 2 × 参数) and
inside a formula or code block are theirs.

    python tools/zh_style.py [--fix] [FILE...]   # name (or remove) each such space

FILE: a translation (book/*.zh.yml: its Chinese text, unit by unit) or Python source (its lines
with Chinese characters, comments apart). Without FILE: the book's translations and
src/chainrule. tests/test_chinese_style.py runs the check.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import translations  # noqa: E402

HAN = "\u4e00-\u9fff"
FULL = "，：；。（）“”、！？"  # full-width punctuation, which needs no space either
LATIN = "A-Za-z0-9`$"
AFTER = re.compile(f"(?<=[{HAN}{FULL}]) +(?=[{LATIN}])")
BEFORE = re.compile(f"(?<=[{LATIN}]) +(?=[{HAN}{FULL}])")
HAS_HAN = re.compile(f"[{HAN}]")
INLINE_MATH = re.compile(r"\$[^$\n]+\$")
# Pages that quote Chinese inside English prose on purpose (as the term gate exempts them).
EXEMPT = translations.TERM_EXEMPT


def fix_line(line):
    return BEFORE.sub("", AFTER.sub("", line))


def _prose_lines(text):
    """(index, line) of a Chinese text's lines of prose: code fences and display maths apart."""
    inside = None  # the fence (``` or ~~~) or "$$" of the block the line is in
    for index, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if inside:
            if stripped.startswith(inside) if inside != "$$" else stripped.endswith("$$"):
                inside = None
            continue
        if stripped.startswith(("```", "~~~")):
            inside = stripped[:3]
        elif stripped.startswith("$$"):  # one line ($$…$$), or a block up to a line ending in $$
            inside = None if len(stripped) > 2 and stripped.endswith("$$") else "$$"
        elif HAS_HAN.search(line):
            yield index, line


def _masked(line):
    """The line with each inline formula's inside blanked (its own spaces are free), its $ kept."""
    return INLINE_MATH.sub(lambda m: "$" + "x" * (len(m.group()) - 2) + "$", line)


def text_problems(text):
    return [line for _, line in _prose_lines(text) if fix_line(_masked(line)) != _masked(line)]


def fix_text(text):
    lines = text.split("\n")
    for index, line in _prose_lines(text):
        formulas = iter(m.group() for m in INLINE_MATH.finditer(line))
        # each formula back where its mask stands, in order (a formula "$x$" is its own mask)
        lines[index] = INLINE_MATH.sub(lambda _, formulas=formulas: next(formulas), fix_line(_masked(line)))
    return "\n".join(lines)


def _zh_texts(entry):
    zh = entry.get("zh")
    return zh if isinstance(zh, dict) else {"": zh}


def _page(translation):
    """The English page a book/NN_x.zh.yml translates, or None for a page exempt from the rule."""
    stem = translation.with_name(translation.name[: -len(".zh.yml")])
    page = next(p for p in (stem.with_suffix(".ipynb"), stem.with_suffix(".md")) if p.exists())
    return None if page.name in EXEMPT else page


def _python_checked(line):
    """A line of Python source the rule applies to: it has Chinese and is not a comment."""
    return bool(HAS_HAN.search(line)) and not line.lstrip().startswith("#")


def problems(path):
    """'file unit-or-line: text' for each place that breaks the rule."""
    path = Path(path)
    found = []
    if path.name.endswith(".zh.yml"):
        page = _page(path)
        for entry in translations.load(page) if page else []:
            for text in _zh_texts(entry).values():
                if isinstance(text, str):
                    found += [f"{path.name} {entry['id']}: {line.strip()[:100]}" for line in text_problems(text)]
    else:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _python_checked(line) and fix_line(line) != line:
                found.append(f"{path.name}:{number}: {line.strip()[:100]}")
    return found


def fix(path):
    path = Path(path)
    if path.name.endswith(".zh.yml"):
        page = _page(path)
        if page is None:
            return
        entries = translations.load(page)
        for entry in entries:
            zh = entry.get("zh")
            if isinstance(zh, str):
                entry["zh"] = fix_text(zh)
            elif isinstance(zh, dict):
                entry["zh"] = {k: fix_text(v) if isinstance(v, str) else v for k, v in zh.items()}
        translations.save(page, entries)
    else:
        lines = path.read_text(encoding="utf-8").split("\n")
        path.write_text("\n".join(fix_line(x) if _python_checked(x) else x for x in lines), encoding="utf-8")


def default_files():
    return sorted((ROOT / "book").glob("*.zh.yml")) + sorted((ROOT / "src" / "chainrule").rglob("*.py"))


def main(argv):
    repair = "--fix" in argv
    files = [Path(a) for a in argv if a != "--fix"] or default_files()
    found = []
    for path in files:
        if repair:
            fix(path)
        found += problems(path)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
