"""The end-of-chapter summary: which of a chapter's exercises pass in this kernel."""

import html
from dataclasses import dataclass, field

from ..language import get_language
from .core import EXERCISES, LATEST

# A status as the summary shows it, in each language.
STATUS = {
    "passed": ("passed", "已通过"),
    "failed": ("failed", "未通过"),
    "not implemented": ("not implemented", "尚未实现"),
    "not checked yet": ("not checked yet", "尚未检查"),
}


@dataclass
class ChapterSummary:
    chapter: str
    rows: list  # (exercise id, title, status); the title may be a Text (both languages)
    language: str = field(default_factory=get_language)  # the language it speaks, chosen when it is made

    def _status(self, status):
        en, zh = STATUS.get(status, (status, status))
        return zh if self.language == "zh" else en

    def _title(self, title):
        return getattr(title, self.language, title)  # a Text's text in this summary's language

    def headline(self):
        done = sum(status == "passed" for _, _, status in self.rows)
        if self.language == "zh":
            return f"{self.chapter}：本次会话中{done}/{len(self.rows)}道练习已通过"
        return f"{self.chapter}: {done}/{len(self.rows)} exercises pass in this session"

    def __str__(self):
        lines = [self.headline()]
        lines += [
            f"  {'✔' if s == 'passed' else '·'} {eid} — {self._title(title)} ({self._status(s)})"
            if self.language != "zh"
            else f"  {'✔' if s == 'passed' else '·'} {eid} — {self._title(title)}（{self._status(s)}）"
            for eid, title, s in self.rows
        ]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        def status(s):
            shown = html.escape(self._status(s))
            return f"（{shown}）" if self.language == "zh" else f" ({shown})"

        items = "".join(
            f"<li>{'✔' if s == 'passed' else '·'} <code>{html.escape(e)}</code> — {html.escape(self._title(t))}{status(s)}</li>"
            for e, t, s in self.rows
        )
        return f"<div class='chainrule-summary'><b>{html.escape(self.headline())}</b><ul>{items}</ul></div>"


def summary(chapter):
    """Every exercise of ``chapter`` with the status of its latest check in this kernel."""
    rows = [
        (ex.id, ex.titles, LATEST[ex.id].status if ex.id in LATEST else "not checked yet")
        for ex in EXERCISES.values()
        if ex.chapter == chapter
    ]
    if not rows:
        chapters = sorted({ex.chapter for ex in EXERCISES.values()})
        raise KeyError(f"no exercises for chapter {chapter!r}; chapters: {', '.join(chapters)}")
    return ChapterSummary(chapter, rows)
