"""Accessibility of the built book (issue 16), in Debian's Chromium driven by Playwright:

- axe-core 4 (from npm: `make test` installs it into .cache/axe) finds no WCAG 2 A/AA
  violation on any page (tags wcag2a, wcag2aa, wcag21a, wcag21aa);
- every image on a chapter page is described: alt text of at least four words that is not a
  file name; every figure (not the explorers' frames) has a numbered caption "Figure N.k";
- at 390 px wide (a phone) and at 320 px (WCAG's reflow width) no page is wider than the
  viewport: long equations, tables and code scroll inside their own box;
- the static explorers' slider is labelled, says its value, and each frame has its own
  description.
"""

import re
from pathlib import Path

import pytest
from test_browser import CHROMIUM, HTML, NOTEBOOK_PAGES, ROOT, browser, site, toc_pages  # noqa: F401
from test_zh_browser import PAGES as ZH_PAGES

AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.skipif(not (HTML / "index.html").exists(), reason="the book is not built: run `make book` (make test does)"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is missing: `make test` installs it with apt"),
]

# Resolves once MathJax has typeset the page (the layout and the markup axe sees are final).
TYPESET = "() => (window.MathJax && MathJax.startup && MathJax.startup.promise) ? MathJax.startup.promise.then(() => true) : true"


def open_page(browser, site, path, viewport, mode="light"):  # noqa: F811
    context = browser.new_context(viewport=viewport, color_scheme=mode)
    # The theme starts in its default mode (light) unless the reader chose one: choose it.
    context.add_init_script(f"localStorage.setItem('mode', '{mode}')")
    page = context.new_page()
    page.goto(f"{site}/{path}", wait_until="load")
    page.evaluate(TYPESET)
    assert page.evaluate("document.documentElement.dataset.theme") == mode
    return context, page


SETUPS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}, "mode": "light"},
    # The phone layout (menus in drawers) in the dark theme: its colours are checked too.
    "phone-dark": {"viewport": PHONE, "mode": "dark"},
}


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: `make test` installs it from npm into .cache/axe")
@pytest.mark.parametrize("setup", SETUPS)
@pytest.mark.parametrize("path", toc_pages() + ["search.html", "genindex.html"])
def test_axe_finds_no_wcag_a_aa_violations(site, browser, path, setup):  # noqa: F811
    context, page = open_page(browser, site, path, **SETUPS[setup])
    try:
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    finally:
        context.close()
    found = [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']} — e.g. {v['nodes'][0]['target']}"
        for v in result["violations"]
    ]
    assert found == [], "\n".join(found)


FILE_NAME = re.compile(r"(^|/)[\w.-]+\.(png|jpe?g|gif|svg|webp)$|_images/", re.IGNORECASE)


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_every_image_on_a_chapter_page_is_described(site, browser, path):  # noqa: F811
    context, page = open_page(browser, site, path, {"width": 1280, "height": 900})
    try:
        # Hidden explorer frames included: each is shown when the slider reaches it.
        alts = page.evaluate("Array.from(document.querySelectorAll('article.bd-article img')).map(i => i.getAttribute('alt'))")
    finally:
        context.close()
    undescribed = [
        alt for alt in alts if alt is None or FILE_NAME.search(alt.strip()) or len(alt.split()) < 4
    ]
    assert undescribed == [], f"{len(undescribed)} of {len(alts)} images without a description: {undescribed[:5]}"


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_every_figure_has_a_numbered_caption(site, browser, path):  # noqa: F811
    chapter = int(re.search(r"/(\d+)_", path).group(1))
    context, page = open_page(browser, site, path, {"width": 1280, "height": 900})
    try:
        figures = page.evaluate(
            """Array.from(document.querySelectorAll('article.bd-article img'))
                 .filter(i => !i.closest('.chainrule-explorer'))
                 .map(i => { const f = i.closest('figure'); const c = f && f.querySelector('figcaption .caption-number');
                             return [i.getAttribute('alt'), c ? c.textContent.trim() : null, f ? f.id : null]; })"""
        )
    finally:
        context.close()
    uncaptioned = [alt for alt, number, _ in figures if not (number and re.fullmatch(rf"Figure {chapter}\.\d+", number))]
    assert uncaptioned == [], f"{len(uncaptioned)} of {len(figures)} figures without a numbered caption: {uncaptioned[:3]}"
    assert all(name and name.startswith(f"fig-{chapter:02d}-") for _, _, name in figures), [n for _, _, n in figures]


# 390 px: a common phone; 320 px: WCAG 2.1's reflow width (1.4.10). The Chinese pages at 320 px:
# their title, language link and buttons must fit too.
PHONE_PAGES = [(path, width) for width in (390, 320) for path in toc_pages()]
PHONE_PAGES += [(f"zh/{path}", 320) for path in [*ZH_PAGES, "search.html"]]


@pytest.mark.parametrize(("path", "width"), PHONE_PAGES)
def test_no_sideways_scroll_on_a_phone(site, browser, path, width):  # noqa: F811
    context, page = open_page(browser, site, path, {"width": width, "height": 800})
    try:
        page.wait_for_timeout(200)  # the theme's resize handlers
        document_width = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
        # The outermost elements that stick out and are not inside a box that scrolls.
        wide = page.evaluate(
            """(() => { const W = window.innerWidth + 1, out = [];
                 const inScrollBox = e => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
                   if (getComputedStyle(a).overflowX !== 'visible' && a.getBoundingClientRect().right <= W) return true;
                   return false; };
                 const sticksOut = e => e.getBoundingClientRect().right > W && !inScrollBox(e);
                 for (const e of document.querySelectorAll('body *'))
                   if (e.getBoundingClientRect().width > 0 && sticksOut(e) && !sticksOut(e.parentElement))
                     out.push(`${e.tagName}.${String(e.className).split(' ')[0]} to ${e.getBoundingClientRect().right}`);
                 return out.slice(0, 5); })()"""
        ) if document_width > width else []
    finally:
        context.close()
    assert document_width <= width, f"{path} is {document_width} px wide at {width} px: {wide}"


@pytest.mark.parametrize(
    "path", ["book/03_gradient_descent.html", "book/05_activations.html", "book/07_gradient_problems.html"]
)
def test_static_explorer_is_labelled_and_describes_each_frame(site, browser, path):  # noqa: F811
    context, page = open_page(browser, site, path, {"width": 1280, "height": 900})
    try:
        explorer = page.locator(".chainrule-explorer").first
        slider = explorer.locator("input[type=range]")
        slider_id = slider.get_attribute("id")
        assert slider_id and explorer.locator(f"label[for='{slider_id}']").count() == 1, "the slider has no <label for>"
        assert explorer.locator(f"label[for='{slider_id}'] output").count() == 0, "the value would be read twice"
        alts = explorer.locator("img").evaluate_all("imgs => imgs.map(i => i.alt)")
        assert len(set(alts)) == len(alts) and all(len(a.split()) >= 4 for a in alts), alts
        before = slider.get_attribute("aria-valuetext")
        slider.focus()
        page.keyboard.press("End")  # keyboard operable; the same input event as a drag
        after = slider.get_attribute("aria-valuetext")
        assert before and after and after != before
        last = int(slider.get_attribute("max"))
        assert after.endswith(explorer.locator("output").inner_text())
        assert explorer.locator(".chainrule-explorer-description").inner_text() == alts[last]
        assert explorer.locator(".chainrule-explorer-description").get_attribute("aria-live") == "polite"
    finally:
        context.close()


def test_every_figure_is_referenced_by_number_and_every_reference_resolves():
    """The prose says "Figure 3.2 shows …" ({numref}) for every captioned figure, and each such
    link points at a figure that exists (read from the built HTML, no browser needed)."""
    figures, references = set(), []
    for page in sorted((HTML / "book").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        figures |= {(page.name, fig_id) for fig_id in re.findall(r'<figure[^>]*\bid="([^"]+)"', text)}
        numrefs = re.findall(r'<a class="reference internal" href="([^"]*)"><span class="std std-numref">([^<]*)<', text)
        for href, label in numrefs:
            target, _, fragment = href.partition("#")
            references.append((page.name, target or page.name, fragment, label))
    broken = [r for r in references if (r[1], r[2]) not in figures and r[2].startswith("fig-")]
    assert broken == [], broken
    referenced = {(target, fragment) for _, target, fragment, _ in references}
    assert sorted(figures - referenced) == [], "figures that no {numref} in the prose points to"
    assert all(re.search(r"\b\d+\.\d+\b", label) for *_, label in references), references  # "Figure 3.2", per chapter
