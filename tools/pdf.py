"""The book as PDF, both editions (issue 26): `make pdf` runs this.

    python tools/pdf.py [en|zh ...]

For each edition, Jupyter Book 1's LaTeX builder writes the LaTeX (warnings are errors, as in
`make book`; the LaTeX-only behaviour is tools/pdf_latex.py), then latexmk runs XeLaTeX until the
cross-references settle. The PDF goes to ``_build/pdf/chainrule-book.pdf`` (English) and
``_build/pdf/chainrule-book-zh.pdf`` (中文), each with its XeLaTeX log beside it (``.log``), and
``_build/pdf/build.json`` records how long each step took and the sizes. Where the HTML book is
built (`make book`), each PDF is also copied to the root of its edition (``_build/html/`` and
``_build/html/zh/``), where every page's download menu links to it (tools/pdf_latex.py).

The build fails when the XeLaTeX log has a "Missing character" line (a glyph no font had: it
would print as nothing), an undefined reference or citation, or a label defined twice. Both
editions build at once (two processes). The LaTeX sources and the intermediate files are kept in
``_build/pdf-src/{en,zh}/`` (its own doctrees: the HTML build's are not touched).

Without XeLaTeX (`make pdf` installs Debian's TeX Live when it is root) this says what is missing
and exits 0 without building: tests/test_pdf.py then skips, naming the reason.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_build" / "pdf"
SRC = ROOT / "_build" / "pdf-src"
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
EDITIONS = {
    # edition: (book source folder, LaTeX target name = the PDF's name)
    "en": (ROOT, "chainrule-book"),
    "zh": (ROOT / "zh", "chainrule-book-zh"),
}
TOOLS = ("xelatex", "latexmk")
LATEX_TIMEOUT = 900  # seconds for latexmk (about 30 s an edition on two cores)

# Lines of the XeLaTeX log that fail the build: what would print wrong or as "??".
LOG_PROBLEMS = [
    re.compile(r"^Missing character: .*$", re.M),
    re.compile(r"^LaTeX Warning: (Reference|Citation|Hyper reference) .* undefined.*$", re.M),
    re.compile(r"^LaTeX Warning: There were undefined references.*$", re.M),
    re.compile(r"^LaTeX Warning: Label .* multiply defined.*$", re.M),
]


def log_problems(log_text):
    """The lines of a XeLaTeX log that make the PDF wrong (empty: none)."""
    found = []
    for pattern in LOG_PROBLEMS:
        found.extend(m.group(0).strip() for m in pattern.finditer(log_text))
    return found


def missing_tools():
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def run(command, cwd, log, timeout):
    """Run a command, its output into a log file; raise with the log's tail when it fails."""
    with open(log, "w", encoding="utf-8") as handle:
        result = subprocess.run(command, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, timeout=timeout, check=False)
    if result.returncode != 0:
        tail = Path(log).read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
        raise RuntimeError(f"{' '.join(map(str, command))} failed ({result.returncode}); {log}:\n" + "\n".join(tail))


def build(edition):
    source, name = EDITIONS[edition]
    work = SRC / edition
    work.mkdir(parents=True, exist_ok=True)
    latex_dir = work / "_build" / "latex"
    times = {}
    start = time.monotonic()
    # -W -n --keep-going as `make book`: an unresolved reference or any warning fails the build
    run([str(JUPYTER_BOOK), "build", str(source), "--builder", "latex", "-W", "-n", "--keep-going",
         "--path-output", str(work)], ROOT, work / "jupyter-book.log", timeout=LATEX_TIMEOUT)
    times["latex_sources_s"] = round(time.monotonic() - start, 1)
    start = time.monotonic()
    # a fresh run every time (latexmk would otherwise skip a PDF it thinks up to date)
    for stale in latex_dir.glob(f"{name}.*"):
        if stale.suffix not in (".tex",):
            stale.unlink()
    run(["latexmk", "-xelatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", f"{name}.tex"],
        latex_dir, work / "latexmk.log", timeout=LATEX_TIMEOUT)
    times["xelatex_s"] = round(time.monotonic() - start, 1)
    log = (latex_dir / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copy2(latex_dir / f"{name}.log", OUT / f"{name}.log")
    problems = log_problems(log)
    if problems:
        (OUT / f"{name}.pdf").unlink(missing_ok=True)
        raise RuntimeError(f"{name}: the XeLaTeX log ({OUT / (name + '.log')}) has {len(problems)} problem(s):\n"
                           + "\n".join(problems[:30]))
    shutil.copy2(latex_dir / f"{name}.pdf", OUT / f"{name}.pdf")
    # where every HTML page's download menu links to it (the Pages workflow does the same)
    html = ROOT / "_build" / "html" / ("" if edition == "en" else edition)
    if (html / "index.html").exists():
        shutil.copy2(OUT / f"{name}.pdf", html / f"{name}.pdf")
    pages = re.search(r"Output written on .*?\((\d+) pages", log)
    return {"pdf": f"_build/pdf/{name}.pdf", "bytes": (OUT / f"{name}.pdf").stat().st_size,
            "pages": int(pages.group(1)) if pages else None, **times}


def main(argv):
    editions = argv or list(EDITIONS)
    unknown = [e for e in editions if e not in EDITIONS]
    if unknown:
        sys.exit(f"unknown edition(s) {unknown}: choose from {list(EDITIONS)}")
    missing = missing_tools()
    if missing:
        print(f"PDF not built: {', '.join(missing)} missing (Debian: `make pdf` as root installs them, see the Makefile); "
              "tests/test_pdf.py will be skipped")
        return 0
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(editions)) as pool:
        futures = {edition: pool.submit(build, edition) for edition in editions}
    failures, report = [], {}
    for edition, future in futures.items():
        try:
            report[edition] = future.result()
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            failures.append(f"[{edition}] {error}")
    report["total_s"] = round(time.monotonic() - start, 1)
    report["cpus"] = os.cpu_count()
    if failures:
        print("\n\n".join(failures), file=sys.stderr)
        return 1
    previous = json.loads((OUT / "build.json").read_text()) if (OUT / "build.json").exists() else {}
    previous.update(report)
    (OUT / "build.json").write_text(json.dumps(previous, indent=1) + "\n")
    for edition in editions:
        r = report[edition]
        print(f"{r['pdf']}: {r['pages']} pages, {r['bytes'] / 1e6:.1f} MB "
              f"(LaTeX sources {r['latex_sources_s']} s, XeLaTeX {r['xelatex_s']} s)")
    print(f"both editions in {report['total_s']} s" if len(editions) > 1 else f"in {report['total_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
