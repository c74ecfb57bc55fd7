"""Sphinx extension: number figures per chapter ("Figure 3.2"), without numbered headings.

The chapters carry their number in their title ("# 3. Gradient descent") and in their file
name (``book/03_gradient_descent.ipynb``), so the table of contents is not ``numbered``
(that would print "3. 3. Gradient descent"). Sphinx then numbers captioned figures
globally (1 … 18). This extension renumbers them, after Sphinx has assigned its numbers,
as (chapter, k): the k-th captioned figure of the chapter whose file name starts with the
chapter number. Pages without a number prefix keep Sphinx's numbers. ``{numref}`` and the
captions ("Figure 3.2: …", see ``numfig_format`` in _config.yml) both read these numbers.
"""

import re

_CHAPTER = re.compile(r"(?:^|/)(\d+)_[^/]*$")


def chapter_number(docname):
    """The chapter a page is, from its file name (``book/03_gradient_descent`` → 3), or None."""
    match = _CHAPTER.search(docname)
    return int(match.group(1)) if match else None


def renumber(app, env):
    changed = []
    for docname, by_type in env.toc_fignumbers.items():
        chapter = chapter_number(docname)
        if chapter is None:
            continue
        for figtype, numbers in by_type.items():
            ordered = sorted(numbers, key=numbers.get)  # Sphinx's numbers follow document order
            renumbered = {fig_id: (chapter, k) for k, fig_id in enumerate(ordered, start=1)}
            if renumbered != numbers:
                by_type[figtype] = renumbered
                changed.append(docname)
    return sorted(set(changed))


def setup(app):
    # After Sphinx's TocTreeCollector (default priority 500) has assigned the global numbers.
    app.connect("env-get-updated", renumber, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
