"""The language chainrule's learner-facing messages speak: English, or Chinese (中文) in the
Chinese edition, whose notebooks run ``chainrule.set_language("zh")`` in their setup cell.

Every message the checker or the chapter summary shows is written in both languages where it
is made: ``tr(english, chinese)`` returns a ``Text`` that becomes the current language's
string when printed, so a message never falls back to the other language silently.
"""

import contextlib
import os

LANGUAGES = ("en", "zh")
_current = os.environ.get("CHAINRULE_LANGUAGE", "en") if os.environ.get("CHAINRULE_LANGUAGE") in LANGUAGES else "en"


def set_language(language):
    """Choose the language of check() and summary(): "en" (English) or "zh" (中文)."""
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"set_language: expected one of {LANGUAGES}, got {language!r}")
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


def pick(en, zh):
    """The current language's one of two strings, for text built on the spot."""
    return zh if _current == "zh" else en
