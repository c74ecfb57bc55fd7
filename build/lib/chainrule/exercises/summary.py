"""The end-of-chapter summary: which of a chapter's exercises pass in this kernel."""

import html
from dataclasses import dataclass

from .core import EXERCISES, LATEST


@dataclass
class ChapterSummary:
    chapter: str
    rows: list  # (exercise id, title, status)

    def __str__(self):
        done = sum(status == "passed" for _, _, status in self.rows)
        lines = [f"{self.chapter}: {done}/{len(self.rows)} exercises pass in this session"]
        lines += [f"  {'✔' if s == 'passed' else '·'} {eid} — {title} ({s})" for eid, title, s in self.rows]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        items = "".join(
            f"<li>{'✔' if s == 'passed' else '·'} <code>{html.escape(e)}</code> — {html.escape(t)} ({html.escape(s)})</li>"
            for e, t, s in self.rows
        )
        return f"<div class='chainrule-summary'><b>{html.escape(str(self).splitlines()[0])}</b><ul>{items}</ul></div>"


def summary(chapter):
    """Every exercise of ``chapter`` with the status of its latest check in this kernel."""
    rows = [
        (ex.id, ex.title, LATEST[ex.id].status if ex.id in LATEST else "not checked yet")
        for ex in EXERCISES.values()
        if ex.chapter == chapter
    ]
    if not rows:
        chapters = sorted({ex.chapter for ex in EXERCISES.values()})
        raise KeyError(f"no exercises for chapter {chapter!r}; chapters: {', '.join(chapters)}")
    return ChapterSummary(chapter, rows)
