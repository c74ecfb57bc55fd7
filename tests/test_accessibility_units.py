"""Accessibility pieces that need no browser: the static explorer's markup, the HTML fixes
and the per-chapter figure numbers (tools/a11y_html.py, tools/chapter_fignumbers.py)."""

import html
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from chainrule.explorers.static import StaticExplorer, precompute

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import a11y_html  # noqa: E402
import chapter_fignumbers  # noqa: E402

PNG = b"\x89PNG fake"


def test_each_frame_has_its_own_description_and_the_slider_is_labelled():
    explorer = StaticExplorer(
        "Demo explorer", "rate η", ["0.1", "0.2"], [PNG, PNG], start=1,
        descriptions=["Loss falls steadily for rate 0.1.", 'Loss "explodes" for rate 0.2 <fast>.'],
    )
    page = explorer._repr_html_()
    alts = [html.unescape(a) for a in re.findall(r'<img alt="([^"]*)"', page)]
    assert alts == explorer.descriptions
    assert '<label for="explorer-demo-explorer-slider"' in page and 'id="explorer-demo-explorer-slider"' in page
    # Named by the parameter alone (the value is not in the label), the value said once.
    assert re.search(r'<label for="explorer-demo-explorer-slider">rate η</label>', page)
    assert 'aria-valuetext="0.2"' in page
    assert 'aria-live="polite"' in page and "Loss &quot;explodes&quot; for rate 0.2 &lt;fast&gt;." in page
    assert "<script" not in page and "http" not in page
    handler = html.unescape(re.search(r'oninput="([^"]*)"', page).group(1))
    assert "aria-valuetext" in handler and "chainrule-explorer-description" in handler


def test_without_descriptions_each_frame_still_says_which_value_it_shows():
    page = StaticExplorer("Demo", "x", ["1", "2"], [PNG, PNG])._repr_html_()
    alts = re.findall(r'<img alt="([^"]*)"', page)
    assert alts == ["Demo, frame 1 of 2: the figure for x = 1.", "Demo, frame 2 of 2: the figure for x = 2."]


def test_descriptions_are_checked():
    with pytest.raises(ValueError, match="1 descriptions for 2 frames"):
        StaticExplorer("t", "p", ["a", "b"], [PNG, PNG], descriptions=["one frame described here"])
    with pytest.raises(ValueError, match="at least four words"):
        StaticExplorer("t", "p", ["a"], [PNG], descriptions=["too short"])


def test_precompute_passes_describe():
    import matplotlib.pyplot as plt

    explorer = precompute(
        "Demo", "x", [1, 2], lambda v: plt.figure(figsize=(1, 1)), describe=lambda v: f"an empty figure for x = {v}"
    )
    assert explorer.descriptions == ["an empty figure for x = 1", "an empty figure for x = 2"]


def test_html_fixes():
    page = (
        '<div role="list" class="citation-list"><div class="citation" id="id7" role="doc-biblioentry">x</div></div>'
        '<summary aria-label="Toggle hidden content">\n<p>Show the solution</p></summary>'
        '<button class="btn search-button-field search-button__button pst-js-only" title="Search" aria-label="Search" data-x="y">'
        '<i class="theme-switch fa-solid fa-sun fa-lg" data-mode="light" title="Light"></i>'
    )
    fixed = a11y_html.fix_html(page)
    assert 'role="doc-biblioentry"' not in fixed and '<div class="citation" id="id7" role="listitem">' in fixed
    assert "<summary>" in fixed and "aria-label" not in fixed
    assert 'title="Search"' in fixed and 'title="Light"' not in fixed
    assert a11y_html.fix_html(fixed) == fixed  # idempotent: incremental builds rewrite nothing twice


def test_figures_are_numbered_per_chapter():
    env = SimpleNamespace(
        toc_fignumbers={
            "book/01_neurons": {"figure": {"fig-01-a": (1,), "fig-01-b": (2,)}},
            "book/03_gradient_descent": {"figure": {"fig-03-b": (4,), "fig-03-a": (3,)}, "table": {"t": (1,)}},
            "book/faq": {"figure": {"f": (5,)}},
        }
    )
    changed = chapter_fignumbers.renumber(None, env)
    assert env.toc_fignumbers["book/03_gradient_descent"]["figure"] == {"fig-03-a": (3, 1), "fig-03-b": (3, 2)}
    assert env.toc_fignumbers["book/01_neurons"]["figure"] == {"fig-01-a": (1, 1), "fig-01-b": (1, 2)}
    assert env.toc_fignumbers["book/03_gradient_descent"]["table"] == {"t": (3, 1)}
    assert env.toc_fignumbers["book/faq"]["figure"] == {"f": (5,)}  # pages without a chapter number keep Sphinx's
    assert changed == ["book/01_neurons", "book/03_gradient_descent"]
