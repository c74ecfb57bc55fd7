"""A gradebook an LMS imports: Canvas's gradebook CSV, matched to students through a roster.

**Roster** (CSV, UTF-8, a header row): the columns of Canvas's own gradebook export —
``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section`` (export the gradebook from
Canvas and pass it as the roster: extra columns are ignored) — plus, optionally, ``File``: the
stem of that student's submission file name, where file names follow no rule.

**Matching rule**, for each submission's file name stem (case-insensitive):
1. the stem equals a student's ``File``, ``SIS Login ID``, ``SIS User ID`` or ``ID``; else
2. one of the stem's parts separated by ``_``, ``-`` or ``.`` equals a student's ``ID`` or
   ``SIS Login ID`` (Canvas's "Download submissions" names files
   ``lastfirst_<ID>_<submission id>_<file name>``, so those match as they come).
A stem matching two students matches none (reported as ambiguous). Two submissions of one
student: the higher total counts and both are reported.

**Output**: ``Student, ID, SIS User ID, SIS Login ID, Section, <assignment>``, a second row
``Points Possible`` with the assignment's points, then one row per roster student (roster
order). The score is the submission's total scaled to the points possible; a student without
a submission gets an empty cell (Canvas leaves that grade unchanged) and is reported. Name the
column ``Assignment name (<Canvas assignment id>)`` to fill an existing assignment; a new name
makes Canvas create one.
"""

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_ROW = "Points Possible"


@dataclass
class GradebookResult:
    rows: list  # the CSV rows written (without the two header rows)
    matched: dict  # submission file name -> roster ID
    unmatched_submissions: list = field(default_factory=list)  # (file name, why)
    students_without_submission: list = field(default_factory=list)  # roster rows (dicts)
    duplicates: list = field(default_factory=list)  # (roster ID, [file names])


def read_roster(path):
    with Path(path).open(newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f)]
    if not rows:
        raise ValueError(f"roster {path}: no students")
    missing = [c for c in ("Student", "ID") if c not in rows[0]]
    if missing:
        raise ValueError(f"roster {path}: columns {missing} are missing (expected {', '.join(CANVAS_COLUMNS)}[, File])")
    # Canvas's own export has a "Points Possible" row (and sometimes a "Test Student"): not students.
    return [r for r in rows if r.get("Student", "").strip() and POINTS_ROW not in r["Student"] and r.get("ID", "").strip()]


def _keys(row, names):
    return {row.get(n, "").strip().lower() for n in names} - {""}


def match(stem, roster):
    """The roster rows a submission's file name stem matches (see the module's rule)."""
    stem = stem.lower()
    exact = [r for r in roster if stem in _keys(r, ["File", "SIS Login ID", "SIS User ID", "ID"])]
    if exact:
        return exact
    parts = set(re.split(r"[_\-.]", stem)) - {""}
    return [r for r in roster if parts & _keys(r, ["ID", "SIS Login ID"])]


def canvas_gradebook(graded, roster_path, out_csv, assignment="chainrule exercises", points=None):
    """Write Canvas's gradebook CSV for the graded submissions; return what matched and what did not."""
    roster = read_roster(roster_path)
    max_total = max((len(g.exercise_ids) for g in graded), default=0) or 1
    points = float(points) if points else float(max_total)
    best = {}  # roster ID -> GradedSubmission
    seen = {}
    result = GradebookResult(rows=[], matched={})
    for g in graded:
        found = match(g.path.stem, roster)
        if not found:
            result.unmatched_submissions.append((g.path.name, "matches no student of the roster"))
            continue
        if len(found) > 1:
            names = ", ".join(r["Student"] for r in found)
            result.unmatched_submissions.append((g.path.name, f"ambiguous: matches {names}"))
            continue
        student_id = found[0]["ID"].strip()
        result.matched[g.path.name] = student_id
        seen.setdefault(student_id, []).append(g.path.name)
        if student_id not in best or g.total > best[student_id].total:
            best[student_id] = g
    result.duplicates = [(sid, files) for sid, files in seen.items() if len(files) > 1]
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with out_csv.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([*CANVAS_COLUMNS, assignment])
        writer.writerow([POINTS_ROW, "", "", "", "", f"{points:g}"])
        for r in roster:
            g = best.get(r["ID"].strip())
            score = "" if g is None else f"{round(g.total / max_total * points, 2):g}"
            row = [*(r.get(c, "") for c in CANVAS_COLUMNS), score]
            writer.writerow(row)
            result.rows.append(row)
            if g is None:
                result.students_without_submission.append(r)
    return result
