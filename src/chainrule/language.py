"""The language chainrule's learner-facing messages speak: English, or Chinese (中文) in the
Chinese edition, whose notebooks run ``chainrule.set_language("zh")`` in their setup cell.

Every message the checker or the chapter summary shows is written in both languages where it
is made: ``tr(english, chinese)`` returns a ``Text`` that becomes the current language's
string when printed, so a message never falls back to the other language silently.

What a notebook's own figures show (titles, axis labels, legends) is written in English and
marked with ``_()``, gettext's name: ``ax.set_xlabel(_("step"))``. The translations live with
the page's other translations (``book/NN_x.zh.yml``, unit ``labels``, checked by the drift
gate), and the Chinese notebook's setup cell passes them in: ``set_language("zh", labels={…})``.
"""

import contextlib
import os
import unicodedata

LANGUAGES = ("en", "zh")
_current = os.environ.get("CHAINRULE_LANGUAGE", "en") if os.environ.get("CHAINRULE_LANGUAGE") in LANGUAGES else "en"
_labels = {}  # a figure's English words → their Chinese, for _()


def set_language(language, labels=None):
    """Choose the language of check() and summary(): "en" (English) or "zh" (中文).

    ``labels`` ({English: Chinese}, optional): the Chinese of the words the notebook's figures
    mark with ``_()``; they replace the ones given before.
    """
    global _current, _labels
    if language not in LANGUAGES:
        raise ValueError(f"set_language: expected one of {LANGUAGES}, got {language!r}")
    if labels is not None:
        if not isinstance(labels, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
            raise ValueError("set_language: labels must be a dict of English text to Chinese text")
        _labels = dict(labels)
    _current = language


def get_language():
    return _current


@contextlib.contextmanager
def speaking(language):
    """``with speaking("zh"):`` messages made inside are in that language; the previous one after."""
    before = _current
    set_language(language)
    try:
        yield
    finally:
        set_language(before)


class Text:
    """One message in both languages; str() gives the current language's."""

    __slots__ = ("en", "zh")

    def __init__(self, en, zh):
        if not en or not zh:
            raise ValueError("a message needs both its English and its Chinese text")
        self.en, self.zh = en, zh

    def __str__(self):
        return self.zh if _current == "zh" else self.en

    def __format__(self, spec):
        return format(str(self), spec)

    def __repr__(self):
        return f"Text({self.en!r}, {self.zh!r})"

    def __eq__(self, other):
        return isinstance(other, Text) and (self.en, self.zh) == (other.en, other.zh)

    def __hash__(self):
        return hash((self.en, self.zh))

    def __getattr__(self, name):  # str's methods (strip, startswith, replace…) on the current language's text
        if name.startswith("_") or name in self.__slots__:
            raise AttributeError(name)
        return getattr(str(self), name)

    def __contains__(self, part):
        return part in str(self)

    def __len__(self):
        return len(str(self))

    def __add__(self, other):
        return str(self) + str(other)

    def __radd__(self, other):
        return str(other) + str(self)


def tr(en, zh):
    """A message in English and Chinese: ``tr("a sign is flipped", "符号反了")``."""
    return Text(en, zh)


def _(text):
    """A figure's words in the reader's language (gettext's marker): ``ax.set_title(_("loss"))``.

    English unless the notebook speaks Chinese, has a translation for ``text`` (the Chinese
    edition's setup cell passes them to ``set_language``) and matplotlib has a Chinese font
    (without one the Chinese would draw as empty boxes: English is the readable fallback)."""
    if _current != "zh" or text not in _labels:
        return text
    from .notebook.style import cjk_font  # here only: matplotlib is not needed to speak

    return _labels[text] if cjk_font() else text


def display_width(text):
    """Columns a string takes in a monospaced font: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pick(en, zh):
    """The current language's one of two strings, for text built on the spot."""
    return zh if _current == "zh" else en
