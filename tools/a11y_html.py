"""Sphinx extension: small fixes to the HTML the theme and the writers emit, so that every
page passes axe-core's WCAG 2 A/AA rules (tests/test_accessibility.py).

After the build, each HTML page is rewritten in place (idempotent, so incremental builds
are fine):

- Citation lists (sphinxcontrib-bibtex via docutils' HTML5 writer) are
  ``<div role="list" class="citation-list">`` whose entries carry the deprecated
  ``role="doc-biblioentry"``; a list needs ``listitem`` children (axe:
  aria-required-children, aria-deprecated-role). Entries become ``role="listitem"``.
- Folded cells (myst-nb's hide-input) have ``<summary aria-label="Toggle hidden content">``
  around the visible text "Show the solution": the accessible name must contain the visible
  label (WCAG 2.5.3, axe: label-content-name-mismatch). The aria-label is dropped, so the
  visible text is the name.
- The theme's search button is labelled "Search" but shows "Search Ctrl+K": same rule, same
  fix (its name becomes its visible text).
- The theme's colour-mode button is labelled "Color mode", but its icons carry titles
  ("Light", "Dark", …) that Font Awesome turns into visible SVG titles: the titles are
  dropped (the button keeps its name, the icons become decorative).
"""

import re
from pathlib import Path

FIXES = [
    (re.compile(r'(<div class="citation" id="[^"]*") role="doc-biblioentry"'), r'\1 role="listitem"'),
    (re.compile(r'<summary aria-label="Toggle hidden content">'), "<summary>"),
    (re.compile(r'(<button class="btn search-button-field search-button__button[^"]*"[^>]*?) aria-label="[^"]*"'), r"\1"),
    (re.compile(r'(<i class="theme-switch [^"]*" data-mode="[^"]*")\s+title="[^"]*"'), r"\1"),
]


def fix_html(text):
    for pattern, replacement in FIXES:
        text = pattern.sub(replacement, text)
    return text


def fix_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = fix_html(text)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def setup(app):
    app.connect("build-finished", fix_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
