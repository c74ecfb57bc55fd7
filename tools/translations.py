"""The Chinese edition's translations: one file per English page, kept beside it.

``book/01_neurons.ipynb`` is translated in ``book/01_neurons.zh.yml``, ``book/faq.md`` in
``book/faq.zh.yml``. Each entry translates one *unit* of the English page:

- a notebook's markdown cell, keyed by the cell's nbformat id;
- a figure's caption and alt text (a code cell's ``mystnb`` metadata), keyed by the cell id;
- a section of a ``.md`` page (from one heading to the next), keyed by the heading's slug.

Each entry carries ``source`` (the English text it was translated from) and ``fingerprint``
(sha256 of that text, 16 hex digits). The drift gate (``check``) fails, naming page and unit,
when the English has no entry, or its entry was made for different English text.

    python tools/translations.py sync   [PAGE...]   # add entries for new units (zh: null)
    python tools/translations.py check  [PAGE...]   # the drift gate (make translations-check)
    python tools/translations.py diff PAGE UNIT     # what changed in the English since
    python tools/translations.py stamp PAGE UNIT    # the zh is updated: record the new English
"""

import difflib
import hashlib
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
LANG = "zh"


# --- units of an English page ----------------------------------------------------------


def fingerprint(source):
    text = source if isinstance(source, str) else yaml.safe_dump(source, allow_unicode=True, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def english_pages():
    """Every page of the English book that the Chinese edition translates."""
    return sorted(BOOK.glob("*.ipynb")) + sorted(BOOK.glob("*.md"))


def translation_path(page):
    return Path(page).with_suffix(f".{LANG}.yml")


def units(page):
    """The page's translatable units, in order: [(key, kind, source)]."""
    page = Path(page)
    return notebook_units(page) if page.suffix == ".ipynb" else markdown_units(page.read_text(encoding="utf-8"))


def notebook_units(path):
    nb = nbformat.read(path, as_version=4)
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found.append((cell.id, "markdown", cell.source))
        elif cell.cell_type == "code" and "mystnb" in cell.metadata:
            figure = figure_text(cell.metadata["mystnb"])
            if figure:
                found.append((cell.id, "figure", figure))
    return found


def figure_text(mystnb):
    """A figure's words: its caption and alt text."""
    text = {}
    if mystnb.get("figure", {}).get("caption"):
        text["caption"] = mystnb["figure"]["caption"]
    if mystnb.get("image", {}).get("alt"):
        text["alt"] = mystnb["image"]["alt"]
    return text


HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
FENCE = re.compile(r"^(`{3,}|~{3,}|:{3,})")


def markdown_sections(text):
    """Split a MyST page before each heading (outside fences); a label line ``(name)=``
    right above a heading goes with it. Returns [(heading or "", section text)]."""
    lines = text.splitlines(keepends=True)
    starts, fence = [0], None
    for i, line in enumerate(lines):
        m = FENCE.match(line)
        if m:
            mark = m.group(1)
            if fence is None:
                fence = mark[0] * len(mark)
            elif line.strip() == fence or line.startswith(fence) and not line.strip()[len(fence):]:
                fence = None
            continue
        if fence is None and HEADING.match(line) and i > 0:
            start = i
            while start > 0 and re.match(r"^\([\w:.-]+\)=\s*$", lines[start - 1]):
                start -= 1
            if start > starts[-1]:
                starts.append(start)
    starts.append(len(lines))
    sections = []
    for a, b in zip(starts, starts[1:], strict=False):
        chunk = "".join(lines[a:b])
        heading = next((HEADING.match(x).group(2) for x in lines[a:b] if HEADING.match(x)), "")
        sections.append((heading, chunk))
    return sections


def slug(heading):
    words = re.sub(r"[^\w\s-]", "", heading.lower(), flags=re.UNICODE).split()
    return "-".join(words)[:60] or "top"


def markdown_units(text):
    found, used = [], set()
    for heading, chunk in markdown_sections(text):
        key, n = slug(heading), 2
        while key in used:
            key, n = f"{slug(heading)}-{n}", n + 1
        used.add(key)
        found.append((key, "section", chunk))
    return found


# --- the translation files -----------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)

HEADER = """\
# Chinese translation (中文翻译) of {page}, one entry per unit, kept in the English order.
# `source` is the English text the `zh` translates and `fingerprint` its sha256 (16 digits).
# When the English changes, `make translations-check` names the unit; then:
#   python tools/translations.py diff {page} UNIT    (what changed in the English)
#   edit `zh` below
#   python tools/translations.py stamp {page} UNIT   (records the new English)
"""


def load(page):
    path = translation_path(page)
    if not path.exists():
        return []
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def save(page, entries):
    rel = Path(page).resolve().relative_to(ROOT)
    body = yaml.dump(entries, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    translation_path(page).write_text(HEADER.format(page=rel) + body, encoding="utf-8")


def sync(page):
    """Entries for every unit in the English order: existing ones kept (stale or not), new
    units added with ``zh: null``; entries whose unit is gone are dropped."""
    old = {e["id"]: e for e in load(page)}
    entries = []
    for key, kind, source in units(page):
        entry = old.get(key) or {"id": key, "kind": kind, "fingerprint": fingerprint(source), "source": source, "zh": None}
        entries.append(entry)
    save(page, entries)
    return entries


def problems(page):
    """The drift gate for one page: a list of 'page unit: what is wrong'."""
    rel = Path(page).resolve().relative_to(ROOT)
    found = []
    if not translation_path(page).exists():
        return [f"{rel}: no translation file {translation_path(page).relative_to(ROOT)}"]
    entries = {e["id"]: e for e in load(page)}
    for key, kind, source in units(page):
        entry = entries.get(key)
        what = "cell" if kind != "section" else "section"
        if entry is None:
            found.append(f"{rel} {what} {key}: not translated (run: python tools/translations.py sync {rel})")
        elif entry.get("fingerprint") != fingerprint(source):
            found.append(
                f"{rel} {what} {key}: the English changed since it was translated "
                f"(python tools/translations.py diff {rel} {key})"
            )
        elif not entry.get("zh"):
            found.append(f"{rel} {what} {key}: the translation is empty")
        elif kind == "figure" and set(entry["zh"]) != set(source):
            found.append(f"{rel} {what} {key}: the translation needs {sorted(source)}, has {sorted(entry['zh'])}")
    return found


def diff(page, key):
    entry = next((e for e in load(page) if e["id"] == key), None)
    current = next((s for k, _, s in units(page) if k == key), None)
    if entry is None or current is None:
        raise SystemExit(f"{page}: no unit {key}")

    def text(x):
        return x if isinstance(x, str) else yaml.safe_dump(x, allow_unicode=True, sort_keys=True)

    old, new = text(entry["source"]).splitlines(True), text(current).splitlines(True)
    return "".join(difflib.unified_diff(old, new, "translated from", "English now"))


def stamp(page, key):
    entries = load(page)
    current = next((s for k, _, s in units(page) if k == key), None)
    for entry in entries:
        if entry["id"] == key and current is not None:
            entry["source"], entry["fingerprint"] = current, fingerprint(current)
            save(page, entries)
            return
    raise SystemExit(f"{page}: no unit {key}")


def main(argv):
    command, args = (argv[0], argv[1:]) if argv else ("check", [])
    pages = [Path(a) for a in args] or english_pages()
    if command == "sync":
        for page in pages:
            sync(page)
    elif command == "check":
        found = [p for page in pages for p in problems(page)]
        for line in found:
            print(line)
        if found:
            print(f"translations-check: {len(found)} unit(s) need a translation update")
            return 1
        print(f"translations-check: {len(pages)} pages, every unit translated from the current English")
    elif command == "diff":
        print(diff(Path(args[0]), args[1]))
    elif command == "stamp":
        stamp(Path(args[0]), args[1])
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
