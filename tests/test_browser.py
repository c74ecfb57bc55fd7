"""The built book in a real browser: Debian's Chromium, headless, driven by Playwright,
against _build/html served on localhost. `make test` builds the book first."""

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = CONFIG["repository"]["url"].removeprefix("https://github.com/")
BRANCH = CONFIG["repository"]["branch"]

pytestmark = [
    pytest.mark.skipif(not (HTML / "index.html").exists(), reason="the book is not built: run `make book` (make test does)"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is missing: `make test` installs it with apt"),
]


def toc_pages():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [f"{f}.html" for f in files]


NOTEBOOK_PAGES = [p for p in toc_pages() if (ROOT / p.replace(".html", ".ipynb")).exists()]


@pytest.fixture(scope="module")
def site():
    handler = functools.partial(QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


def watched(page):
    """``page`` with ``page.problems``: every console error, page error and failed request."""
    page.problems = []
    page.on("console", lambda m: page.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("response", lambda r: page.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    return page


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield watched(context.new_page())
    context.close()


@pytest.mark.parametrize("path", toc_pages())
def test_every_page_loads_without_errors_or_broken_images(site, page, path):
    page.goto(f"{site}/{path}", wait_until="networkidle")
    assert page.problems == []
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 80))"
    )
    assert broken == []  # hidden explorer frames included: data URIs decode whether shown or not


@pytest.mark.parametrize("path", ["book/notation.html", "book/02_derivative_rules.html", "book/05_activations.html"])
def test_math_is_typeset_offline(site, page, path):
    page.goto(f"{site}/{path}", wait_until="networkidle")
    page.wait_for_selector("mjx-container", state="attached", timeout=15000)
    assert page.locator("mjx-container").count() > 5
    text = page.locator("article").inner_text()
    assert "$$" not in text and "\\frac" not in text, "raw TeX left on the page"
    scripts = page.evaluate("Array.from(document.scripts).map(s => s.src).filter(s => s.includes('mathjax'))")
    assert scripts and all(s.startswith(site) for s in scripts), scripts


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_launch_buttons_point_at_this_notebook(site, page, path):
    page.goto(f"{site}/{path}")
    links = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.href)")
    notebook = path.replace(".html", ".ipynb")
    assert f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{notebook}" in links
    assert f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?urlpath=lab/tree/{notebook}" in links


@pytest.mark.parametrize(
    "path", ["book/03_gradient_descent.html", "book/05_activations.html", "book/07_gradient_problems.html"]
)
def test_static_explorer_slider_changes_the_figure(site, page, path):
    page.goto(f"{site}/{path}")
    explorer = page.locator(".chainrule-explorer").first
    explorer.scroll_into_view_if_needed()
    shown = "Array.from(document.querySelectorAll('.chainrule-explorer img')).findIndex(i => i.style.display === 'block')"
    before, label_before = page.evaluate(shown), explorer.locator("output").inner_text()
    slider = explorer.locator("input[type=range]")
    slider.fill(str(int(slider.get_attribute("max"))))
    after, label_after = page.evaluate(shown), explorer.locator("output").inner_text()
    assert after != before and label_after != label_before
    assert explorer.locator("img").nth(after).is_visible() and not explorer.locator("img").nth(before).is_visible()


def test_solution_is_folded_until_clicked(site, page):
    page.goto(f"{site}/book/02_derivative_rules.html")
    fold = page.locator(".cell.tag_solution details").first
    code = fold.locator("pre").first
    fold.scroll_into_view_if_needed()
    assert not code.is_visible()
    fold.locator("summary").click()
    assert code.is_visible() and "return g * b, g * a" in code.inner_text()


def test_search_finds_chain_rule(site, page):
    page.goto(f"{site}/search.html?q=chain+rule")
    page.wait_for_selector("#search-results li", timeout=15000)
    hits = page.locator("#search-results li a").evaluate_all("links => links.map(a => a.href)")
    assert any("02_derivative_rules" in h for h in hits), hits


def test_screenshots_for_review(site, page):
    out = ROOT / "_build" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    for name, path, anchor in [
        ("derivative_rules_trace", "book/02_derivative_rules.html", "#watching-the-backward-pass"),
        ("learning_rate_explorer", "book/03_gradient_descent.html", "#the-learning-rate-explorer"),
        ("softmax_jacobian", "book/05_activations.html", "#softmax-a-jacobian-not-a-list-of-derivatives"),
    ]:
        page.goto(f"{site}/{path}{anchor}", wait_until="networkidle")
        page.wait_for_timeout(300)
        page.screenshot(path=str(out / f"{name}.png"))
        assert (out / f"{name}.png").stat().st_size > 10_000
