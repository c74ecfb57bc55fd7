"""The Chinese edition's drift gate and generator (tools/translations.py, issue 15).

The gate's tests run the tool on a temporary copy of the book (its English pages, translation
files and zh/), in which every unit still waiting for a translator gets a placeholder, so that
they test the mechanism whatever the translators' progress: unchanged, `check` passes; an
edited English markdown cell, a new one, an edited figure caption, a hand-edited Chinese
notebook all make it fail, naming the notebook and the cell. The last tests read the real
zh/: every Chinese notebook's code cells are the English ones, apart from the language line.
"""

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "translations.py"


def load_tool(root):
    spec = importlib.util.spec_from_file_location(f"translations_{abs(hash(str(root)))}", root / "tools" / "translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = load_tool(ROOT)


def run(root, *args):
    command = [sys.executable, str(root / "tools" / "translations.py"), *args]
    done = subprocess.run(command, capture_output=True, text=True, cwd=root)
    return done.returncode, done.stdout + done.stderr


def copy_book(target):
    (target / "tools").mkdir(parents=True)
    shutil.copy2(TOOL, target / "tools")
    (target / "book").mkdir()
    for pattern in ("*.ipynb", "*.md", "*.zh.yml"):
        for path in (ROOT / "book").glob(pattern):
            shutil.copy2(path, target / "book")
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, target)
    if (ROOT / "zh").exists():
        shutil.copytree(ROOT / "zh", target / "zh")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A copy of the book with every unit translated (a placeholder where the translators have
    not got to it yet) and zh/ built from it."""
    root = tmp_path_factory.mktemp("book") / "repo"
    copy_book(root)
    copy = load_tool(root)
    for page in copy.english_pages():
        entries = {e["id"]: e for e in copy.sync(page)}
        for key, kind, source in copy.units(page):
            entry = entries[key]
            if kind == copy.LABELS:
                entry["zh"] = {label: (entry.get("zh") or {}).get(label) or label for label in source}
                continue
            if not entry.get("zh") or entry["fingerprint"] != copy.fingerprint(source):
                entry["zh"] = source if isinstance(source, str) else dict(source)
                entry["source"], entry["fingerprint"] = source, copy.fingerprint(source)
        copy.save(page, list(entries.values()))
    missing, done = copy.build()
    assert done and missing == []
    return root


@pytest.fixture
def book(prepared, tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(prepared, root)
    return root


def read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def write(path, nb):
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def first(nb, kind, start=0):
    return next(c for c in nb["cells"][start:] if c["cell_type"] == kind)


CHAPTER = "02_derivative_rules.ipynb"


def test_unchanged_the_gate_passes(book):
    code, out = run(book, "check")
    assert code == 0, out
    assert "zh/ up to date" in out


def test_an_edited_english_markdown_cell_fails_the_gate_naming_notebook_and_cell(book):
    path = book / "book" / CHAPTER
    nb = read(path)
    cell = nb["cells"][5] if nb["cells"][5]["cell_type"] == "markdown" else first(nb, "markdown", 5)
    cell["source"] = "".join(cell["source"]).replace(" the ", " the very ", 1) + "\n\nOne more sentence."
    write(path, nb)
    code, out = run(book, "check")
    assert code == 1
    assert f"book/{CHAPTER} cell {cell['id']}: the English changed since it was translated" in out
    assert f"translations.py diff book/{CHAPTER} {cell['id']}" in out
    # the translator's three steps: diff shows the new sentence; edit the zh and stamp; build
    code, out = run(book, "diff", f"book/{CHAPTER}", cell["id"])
    assert "+One more sentence." in out
    translation = book / "book" / CHAPTER.replace(".ipynb", ".zh.yml")
    entries = tool.yaml.safe_load(translation.read_text(encoding="utf-8"))
    entry = next(e for e in entries if e["id"] == cell["id"])
    entry["zh"] += "\n\n再多一句。"
    translation.write_text(tool.yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    assert run(book, "stamp", f"book/{CHAPTER}", cell["id"])[0] == 0
    code, out = run(book, "check")  # translated, but zh/ not yet rebuilt
    assert code == 1 and f"zh/book/{CHAPTER} cell {cell['id']}: its source differs" in out
    assert run(book, "build")[0] == 0
    assert run(book, "check")[0] == 0


def test_a_new_english_cell_without_translation_fails_the_gate_and_the_build(book):
    path = book / "book" / CHAPTER
    nb = read(path)
    nb["cells"].insert(3, {"cell_type": "markdown", "id": "new-cell-1", "metadata": {}, "source": "A new paragraph."})
    write(path, nb)
    code, out = run(book, "check")
    assert code == 1 and f"book/{CHAPTER} cell new-cell-1: not translated" in out
    before = (book / "zh" / "book" / CHAPTER).read_text(encoding="utf-8")
    code, out = run(book, "build")
    assert code == 1 and "nothing written" in out
    assert (book / "zh" / "book" / CHAPTER).read_text(encoding="utf-8") == before
    code, out = run(book, "build", "--allow-missing")  # development only: English in its place
    assert code == 0
    cells = read(book / "zh" / "book" / CHAPTER)["cells"]
    assert any(c["id"] == "new-cell-1" and "".join(c["source"]) == "A new paragraph." for c in cells)


def test_an_edited_figure_caption_fails_the_gate(book):
    path = book / "book" / CHAPTER
    nb = read(path)
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code" and "mystnb" in c["metadata"])
    cell["metadata"]["mystnb"]["figure"]["caption"] += " Changed."
    write(path, nb)
    code, out = run(book, "check")
    assert code == 1 and f"book/{CHAPTER} cell {cell['id']}: the English changed" in out


def test_a_stale_chinese_notebook_is_named_cell_by_cell(book):
    path = book / "zh" / "book" / CHAPTER
    nb = read(path)
    markdown = first(nb, "markdown")
    markdown["source"] = "手工修改。"
    code_cell = [c for c in nb["cells"] if c["cell_type"] == "code"][2]
    code_cell["source"] = "".join(code_cell["source"]) + "\nx = 1"
    write(path, nb)
    code, out = run(book, "check")
    assert code == 1
    assert f"zh/book/{CHAPTER} cell {markdown['id']}: its source differs" in out
    assert f"zh/book/{CHAPTER} cell {code_cell['id']}: its source differs" in out
    assert run(book, "build")[0] == 0
    assert run(book, "check")[0] == 0


def test_a_missing_or_extra_chinese_page_and_a_stale_config_fail_the_gate(book):
    (book / "zh" / "book" / "faq.md").unlink()
    (book / "zh" / "book" / "extra.md").write_text("# extra\n", encoding="utf-8")
    config = book / "_config.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("numfig: true", "numfig: false"), encoding="utf-8")
    code, out = run(book, "check")
    assert code == 1
    assert "zh/book/faq.md: missing" in out
    assert "zh/book/extra.md: no English page" in out
    assert "zh/_config.yml: differs" in out


def test_build_keeps_outputs_while_the_code_is_unchanged_and_drops_them_when_it_changes(book):
    zh_path, en_path = book / "zh" / "book" / CHAPTER, book / "book" / CHAPTER
    nb = read(zh_path)
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    code_cells[1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["已执行\n"]}]
    code_cells[1]["execution_count"] = 2
    write(zh_path, nb)
    assert run(book, "check")[0] == 0  # outputs are not the gate's business (nbval's)
    # a translation changes: the notebook is rewritten, its outputs kept
    entries = tool.yaml.safe_load((book / "book" / "02_derivative_rules.zh.yml").read_text(encoding="utf-8"))
    entries[0]["zh"] = entries[0]["zh"] + "\n\n（修订）"
    (book / "book" / "02_derivative_rules.zh.yml").write_text(tool.yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    assert run(book, "build")[0] == 0
    kept = [c for c in read(zh_path)["cells"] if c["cell_type"] == "code"][1]
    assert kept["outputs"][0]["text"] == ["已执行\n"] and kept["execution_count"] == 2
    # the English code changes: the notebook is written without outputs, with the new code
    en = read(en_path)
    target = [c for c in en["cells"] if c["cell_type"] == "code"][3]
    target["source"] = "".join(target["source"]) + "\n# changed"
    write(en_path, en)
    assert run(book, "build")[0] == 0
    cells = [c for c in read(zh_path)["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in cells)
    assert "".join(cells[3]["source"]).endswith("\n# changed")
    assert run(book, "check")[0] == 0


# --- a figure's words: _("…") (issue 25 §1) ---------------------------------------------------


def _mark(book, source):
    """Append a code cell to the English chapter; its id."""
    path = book / "book" / CHAPTER
    nb = read(path)
    nb["cells"].append({"cell_type": "code", "id": "labelled", "metadata": {}, "execution_count": None,
                        "outputs": [], "source": source})
    write(path, nb)
    return "labelled"


def _translate_labels(book, zh):
    translation = book / "book" / CHAPTER.replace(".ipynb", ".zh.yml")
    entries = tool.yaml.safe_load(translation.read_text(encoding="utf-8"))
    entry = next(e for e in entries if e["id"] == tool.LABELS)
    entry["zh"].update(zh)
    translation.write_text(tool.yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")


def test_a_new_figure_word_fails_the_gate_naming_page_and_string_until_translated(book):
    _mark(book, 'import matplotlib.pyplot as plt\nplt.xlabel(_("training step"))\nplt.ylabel(_("loss $L$"))\n')
    code, out = run(book, "check")
    assert code == 1
    assert f"book/{CHAPTER} labels: “training step” has no translation" in out
    assert f"book/{CHAPTER} labels: “loss $L$” has no translation" in out
    assert run(book, "build")[0] == 1  # nothing written while a word has no Chinese
    assert run(book, "sync", f"book/{CHAPTER}")[0] == 0  # the translator's step: the new words, zh null
    _translate_labels(book, {"training step": "训练步数", "loss $L$": "损失L"})
    code, out = run(book, "check")
    assert code == 1 and f"zh/book/{CHAPTER} cell" in out  # translated; zh/ not rebuilt yet
    assert run(book, "build")[0] == 0
    assert run(book, "check")[0] == 0
    setup = "".join(next(c for c in read(book / "zh" / "book" / CHAPTER)["cells"] if c["cell_type"] == "code")["source"])
    assert '"training step": "训练步数",' in setup and setup.rstrip().endswith("})")
    compile(setup.split("\n", setup.count("\n") - setup[setup.index("import chainrule  #"):].count("\n"))[-1], "setup", "exec")


def test_a_stale_or_misplaced_figure_word_fails_the_gate(book):
    _mark(book, 'import matplotlib.pyplot as plt\nplt.title(_("weights"))\n')
    run(book, "sync", f"book/{CHAPTER}")
    _translate_labels(book, {"weights": "权重", "biases": "偏置"})  # "biases" is marked nowhere
    out = run(book, "check")[1]
    assert f"book/{CHAPTER} labels: “biases” is translated but the English no longer marks it" in out
    _translate_labels(book, {"weights": "权重 $w$"})
    out = run(book, "check")[1]
    assert "“weights” → “权重 $w$” mixes Chinese with $…$" in out


def test_the_marker_must_take_a_literal_and_must_not_be_assigned(book):
    cell = _mark(book, 'name = "x"\nprint(_(name))\nfor _ in range(3):\n    pass\n%matplotlib inline\n')
    out = run(book, "check")[1]
    assert f"book/{CHAPTER} cell {cell} line 2: _() takes one string literal" in out
    assert f"book/{CHAPTER} cell {cell} line 3: assigns _, the figure-text marker" in out


def test_the_marker_speaks_chinese_only_in_the_chinese_edition_with_a_chinese_font(monkeypatch):
    import chainrule
    from chainrule import _, language
    from chainrule.notebook import style

    try:
        chainrule.set_language("zh", labels={"step": "步"})
        monkeypatch.setattr(style, "cjk_font", lambda: "Noto Sans CJK SC")
        assert _("step") == "步" and _("not translated") == "not translated"
        monkeypatch.setattr(style, "cjk_font", lambda: None)  # no Chinese font: English, not boxes
        assert _("step") == "step"
        monkeypatch.setattr(style, "cjk_font", lambda: "Noto Sans CJK SC")
        chainrule.set_language("en")
        assert _("step") == "step"
        with pytest.raises(ValueError, match="labels must be a dict"):
            chainrule.set_language("zh", labels={"step": 1})
    finally:
        language.set_language("en", labels={})


@pytest.mark.parametrize("english", sorted((ROOT / "book").glob("*.ipynb")), ids=lambda p: p.name)
def test_every_figure_word_of_the_book_is_translated(english):
    entry = {e["id"]: e for e in tool.load(english)}.get(tool.LABELS)
    assert tool.label_problems(english, entry) == []


# --- the real zh/ ----------------------------------------------------------------------------

ENGLISH = sorted((ROOT / "book").glob("*.ipynb"))


def test_every_english_page_has_its_chinese_page():
    missing = [p.name for p in tool.english_pages() if not tool.zh_path(p).exists()]
    assert missing == [], "run: python tools/translations.py build"


def _no_execution(metadata):
    return {k: v for k, v in metadata.items() if k != "execution"}


def _no_figure_words(metadata):
    metadata = json.loads(json.dumps(_no_execution(metadata)))
    metadata.get("mystnb", {}).get("figure", {}).pop("caption", None)
    metadata.get("mystnb", {}).get("image", {}).pop("alt", None)
    return metadata


@pytest.mark.parametrize("english", ENGLISH, ids=[p.name for p in ENGLISH])
def test_chinese_notebook_code_is_the_english_code_apart_from_the_language_line(english):
    chinese = tool.zh_path(english)
    if not chinese.exists():
        pytest.fail(f"{chinese.relative_to(ROOT)} missing: run python tools/translations.py build")
    en, zh = tool.read_notebook(english), tool.read_notebook(chinese)
    assert [(c.id, c.cell_type) for c in zh.cells] == [(c.id, c.cell_type) for c in en.cells]
    en_code = [c for c in en.cells if c.cell_type == "code"]
    zh_code = [c for c in zh.cells if c.cell_type == "code"]
    setup_en, setup_zh = en_code[0].source, zh_code[0].source
    labels = {e["id"]: e for e in tool.load(english)}.get(tool.LABELS, {}).get("zh")
    assert setup_zh == setup_en.rstrip("\n") + "\n" + tool.language_line(labels)
    assert tool.LANGUAGE_LINE.startswith('import chainrule; chainrule.set_language("zh")')
    for a, b in zip(en_code[1:], zh_code[1:], strict=True):
        assert b.source == a.source, f"cell {a.id}"
    for a, b in zip(en_code, zh_code, strict=True):
        assert _no_figure_words(b.metadata) == _no_figure_words(a.metadata), f"cell {a.id}"
    assert zh.metadata["chainrule_translation"]["language"] == "zh"


def test_the_chinese_config_is_derived_from_the_english_one():
    config = tool.yaml.safe_load((ROOT / "zh" / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["config"]["language"] == "zh_CN"
    assert config["repository"]["path_to_book"] == "zh"
    assert config["sphinx"]["config"]["numfig_format"]["figure"] == "图%s"
    assert all(path.startswith("../") for path in config["sphinx"]["local_extensions"].values())
    assert config["bibtex_bibfiles"] == ["../references.bib"]
    english = tool.yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "language_switch" in english["sphinx"]["local_extensions"]
    assert "zh" in english["exclude_patterns"]


# --- one term for one thing (issue 25 §3) ----------------------------------------------------------


def test_the_glossary_lists_the_variants_to_avoid():
    avoid = tool.avoided_terms()
    assert avoid["加法法则"] == "求和法则" and avoid["highway层"] == "高速公路层" and avoid["批量归一化"] == "批量规范化"
    assert len(avoid) >= 9
    assert not [v for v, term in avoid.items() if v in term], "a variant inside its own term would flag every use"


def test_the_term_gate_flags_a_variant_in_prose_and_nothing_else(monkeypatch):
    page = ROOT / "book" / "07_gradient_problems.ipynb"
    planted = [
        {"id": "prose", "zh": "这里用了加法法则。"},
        {"id": "gloss", "zh": "批量规范化（也称批量归一化）与`leaky ReLU`代码，以及$\\text{highway层}$。"},
        {"id": "figure", "zh": {"caption": "碗状函数", "alt": "好的"}},
    ]
    monkeypatch.setattr(tool, "load", lambda p: planted)
    found = tool.term_problems(page)
    assert len(found) == 2, found
    assert "prose: uses “加法法则” where the glossary's term is “求和法则”" in found[0]
    assert "figure: uses “碗状”" in found[1]
    assert tool.term_problems(ROOT / "book" / "glossary.md") == [], "the glossary names the variants on purpose"


def test_every_chinese_page_keeps_to_the_glossary():
    pages = tool.english_pages()
    avoid = tool.avoided_terms()
    assert [p for page in pages for p in tool.term_problems(page, avoid)] == []
