"""The Chinese edition (issue 15) in a real browser: Debian's Chromium, headless, driven by
Playwright, against the built book (English in _build/html/, Chinese in _build/html/zh/,
both from `make book`) served on localhost. One browser for the module.

Every Chinese page loads without console errors and its math is typeset; the language link
lands on the same page in the other edition, both ways; a search for 链式法则 finds the
chain-rule chapter; Chinese text is drawn with a CJK font (Debian's fonts-noto-cjk, which
`make chromium` installs), not as empty boxes.

CHAINRULE_BOOK_HTML points the tests at another built book (default: _build/html).
"""

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from test_browser import CHROMIUM, ROOT, browser, watched  # noqa: F401  (browser: the module's one browser)

HTML = Path(os.environ.get("CHAINRULE_BOOK_HTML", ROOT / "_build" / "html"))
ZH_HTML = HTML / "zh"
sys.path.insert(0, str(ROOT / "tools"))
import language_switch  # noqa: E402

ZH_TOC = ROOT / "zh" / "_toc.yml"


def cjk_font_installed():
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return False
    return bool(subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True).stdout.strip())


NOT_BUILT = "the book (both editions) is not built: run `make book` (make test does)"
pytestmark = [
    pytest.mark.skipif(not (ZH_HTML / "index.html").exists() or not (HTML / "index.html").exists(), reason=NOT_BUILT),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is missing: `make test` installs it with apt"),
]


def zh_pages():
    toc = yaml.safe_load(ZH_TOC.read_text(encoding="utf-8")) if ZH_TOC.exists() else {"root": "book/preface", "parts": []}
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [f"{f}.html" for f in files if (ROOT / "zh" / f).with_suffix(".ipynb").exists() or (ROOT / "zh" / f"{f}.md").exists()]


PAGES = zh_pages()
# Resolves once MathJax has typeset the page.
TYPESET = "() => (window.MathJax && MathJax.startup && MathJax.startup.promise) ? MathJax.startup.promise.then(() => true) : true"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    """The whole built book (both editions), served: the language link crosses between them."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(HTML)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def context(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = watched(context.new_page())
    yield page
    page.close()


def test_every_english_page_has_its_chinese_page():
    assert len(PAGES) >= 10
    missing = [p for p in PAGES if not (ZH_HTML / p).exists()]
    assert missing == []


@pytest.mark.parametrize("path", PAGES)
def test_chinese_page_loads_in_chinese_with_its_math_typeset(site, page, path):
    page.goto(f"{site}/zh/{path}", wait_until="load")
    page.evaluate(TYPESET)
    assert page.problems == []
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    text = page.locator("article").inner_text()
    assert "$$" not in text and "\\frac" not in text and "\\partial" not in text, "raw TeX left on the page"
    if page.locator("article .math, article .amsmath").count():
        assert page.locator("mjx-container").count() > 0, "math on the page, but MathJax typeset none of it"
    chinese = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    assert chinese > 20, f"only {chinese} Chinese characters on {path}"


def _switch(page, lang):
    link = page.locator("a.chainrule-language-switch")
    assert link.count() == 1
    assert link.get_attribute("hreflang") == lang and link.get_attribute("lang") == lang
    link.click()
    page.wait_for_load_state("domcontentloaded")
    return urlparse(page.url).path


SWITCH = re.compile(r'<a class="[^"]*chainrule-language-switch[^"]*" href="([^"]+)" hreflang="(\w+)" lang="(\w+)">([^<]+)</a>')


@pytest.mark.parametrize("edition", ["en", "zh"])
def test_every_page_links_to_the_same_page_in_the_other_edition(edition):
    root, other = (HTML, ZH_HTML) if edition == "en" else (ZH_HTML, HTML)
    for path in PAGES + ["search.html", "genindex.html"]:
        links = SWITCH.findall((root / path).read_text(encoding="utf-8"))
        assert len(links) == 1, f"{edition} {path}: {len(links)} language links"
        href, hreflang, lang, text = links[0]
        assert (hreflang, lang, text) == (("zh", "zh", "中文") if edition == "en" else ("en", "en", "English"))
        target = ((root / path).parent / href).resolve()
        assert target == (other / path).resolve(), f"{edition} {path} links to {href}"


LABEL = re.compile(r'(?:title|aria-label|data-bs-title|placeholder)="([^"]*)"|<span class="btn__text-container">([^<]*)</span>')


@pytest.mark.parametrize("path", ["book/02_derivative_rules.html", "search.html"])
def test_the_themes_buttons_speak_chinese_on_chinese_pages(path):
    """The themes' zh_CN catalogues leave "Launch on Colab", "Open issue", "Color mode"… in
    English: tools/language_switch.py puts its Chinese labels in front of them."""
    labels = {a or b for a, b in LABEL.findall((ZH_HTML / path).read_text(encoding="utf-8"))}
    english = {label for label in labels if any(label.startswith(en) for en in language_switch.THEME_LABELS_ZH)}
    assert english == set(), f"English theme labels on zh/{path}"
    assert language_switch.SEARCH_BAR_ZH in labels and "颜色模式" in labels and "全屏模式" in labels
    if path.startswith("book/"):
        assert {"启动于 Colab", "启动于 Binder", "打印为 PDF"} <= labels
    # …and the English edition keeps the theme's English.
    english_page = {a or b for a, b in LABEL.findall((HTML / path).read_text(encoding="utf-8"))}
    assert "Color mode" in english_page and not any("颜色" in label for label in english_page)


def test_launch_buttons_open_the_chinese_notebooks():
    config = yaml.safe_load((ROOT / "zh" / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]["url"].removeprefix("https://github.com/")
    branch = config["repository"]["branch"]
    for path in PAGES:
        if not (ROOT / "zh" / path).with_suffix(".ipynb").exists():
            continue
        notebook = "zh/" + path.replace(".html", ".ipynb")
        html = (ZH_HTML / path).read_text(encoding="utf-8")
        assert f"https://colab.research.google.com/github/{repo}/blob/{branch}/{notebook}" in html, path


@pytest.mark.parametrize("path", ["book/02_derivative_rules.html", "book/glossary.html", "search.html"])
def test_the_language_link_lands_on_the_same_page_both_ways(site, page, path):
    page.goto(f"{site}/zh/{path}", wait_until="domcontentloaded")
    assert _switch(page, "en") == f"/{path}", f"中文 {path} → English"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert _switch(page, "zh") == f"/zh/{path}", f"English {path} → 中文"
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.problems == []


def test_a_search_for_the_chain_rule_finds_its_chapter(site, page):
    page.goto(f"{site}/zh/search.html?q=链式法则", wait_until="load")
    page.wait_for_function("() => !!document.querySelector('#search-results .search-summary')", timeout=20000)
    hits = page.evaluate("Array.from(document.querySelectorAll('#search-results ul.search li a'), a => a.getAttribute('href'))")
    assert any(h.startswith("book/02_derivative_rules.html") for h in hits), hits
    assert page.problems == []


@pytest.mark.skipif(not cjk_font_installed(), reason="no CJK font (Debian's fonts-noto-cjk): `make chromium` installs it")
def test_chinese_text_is_drawn_with_a_cjk_font_not_as_empty_boxes(site, page, tmp_path):
    page.goto(f"{site}/zh/book/02_derivative_rules.html", wait_until="load")
    heading = page.locator("article h1").first
    heading.screenshot(path=str(tmp_path / "heading.png"))  # what a reader sees (kept for a failing run)
    # Two strings of the same four characters, in another order, in the heading's own font. A
    # missing font draws each as the same four boxes: the screenshots would be equal.
    page.evaluate(
        """() => {
            const h = document.querySelector('article h1');
            const tofu = '\\u{10FFFD}'.repeat(4);  // a code point no font has
            for (const [id, text] of [['zh-a', '链式法则'], ['zh-b', '法则链式'], ['zh-tofu', tofu]]) {
                const s = document.createElement('span');
                s.id = id; s.textContent = text;
                s.style.cssText = 'display:inline-block;padding:4px;background:#fff;color:#000;font:' + getComputedStyle(h).font;
                h.after(s);
            }
        }"""
    )
    a, b, tofu = (page.locator(f"#{i}").screenshot() for i in ("zh-a", "zh-b", "zh-tofu"))
    assert a != b, "链式法则 and 法则链式 look the same: the characters are drawn as boxes (no CJK font)"
    assert a != tofu
    widths = page.evaluate("['zh-a', 'zh-tofu'].map(i => document.getElementById(i).getBoundingClientRect().width)")
    assert widths[0] > 0


AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: `make test` installs it from npm into .cache/axe")
@pytest.mark.parametrize("path", ["zh/book/02_derivative_rules.html", "zh/book/glossary.html", "zh/search.html"])
def test_axe_finds_no_wcag_a_aa_violations_on_chinese_pages(site, page, path):
    """A sample (the English pages all run in test_accessibility.py): the Chinese text, the
    language link and the theme's Chinese labels add no violation."""
    page.goto(f"{site}/{path}", wait_until="load")
    page.evaluate(TYPESET)
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags)
    assert [f"{v['id']}: {v['help']} — {v['nodes'][0]['target']}" for v in result["violations"]] == []
