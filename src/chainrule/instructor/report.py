"""What the whole class got right and wrong: the class summary of a grading run.

``class_summary(graded)`` computes, from the graded submissions, per exercise the pass rate,
the score distribution and the mean points; the most frequent diagnoses across the class
(each counted once per submission, numbers in a message collapsed so that "entry 3 is 0.71"
and "entry 1 is 0.2" count as one kind of mistake); and the submissions that errored, with
why. ``write_html`` renders it as one self-contained page: the charts are matplotlib PNGs
embedded as base64, the style is inline, nothing is fetched, so it opens offline; the data
is embedded too (``<script type="application/json" id="report-data">``), the same object the
grades JSON holds under ``"class"``.
"""

import base64
import html
import io
import json
import re
from collections import Counter
from pathlib import Path

from ..exercises.core import EXERCISES, NAME_JOINERS, split_output

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:e[-+]?\d+)?(?![\w])", re.IGNORECASE)
BANDS = [("all cases passed", "passed"), ("some cases passed", "partial"), ("no case passed", "failed"),
         ("not implemented", "not implemented"), ("uses the book's reference solution", "reference"),
         ("not graded (error)", "not graded")]


def pattern(message):
    """A diagnosis with its numbers replaced by '…', so the same mistake groups together."""
    return NUMBER.sub("…", message)


def without_output_name(message, outputs):
    """The diagnosis without the "<output name(s)>: " (Chinese: "：") the checker puts before it."""
    names, sep, rest = split_output(message)
    known = {str(n) for n in outputs}
    if sep and names and all(part in known for part in names.split(NAME_JOINERS[sep])):
        return rest
    return message


def band(graded, exercise_id):
    result = graded.results.get(exercise_id)
    if result is None:
        return "not graded"
    if result.status == "not implemented":
        return "not implemented"
    if result.status == "uses reference":
        return "reference"
    if result.passed:
        return "passed"
    return "partial" if result.score > 0 else "failed"


def class_summary(graded, top=15):
    ids = []
    for g in graded:
        ids += [i for i in g.exercise_ids if i not in ids]
    exercises = {}
    diagnoses = Counter()
    examples = {}
    for exercise_id in ids:
        asked = [g for g in graded if exercise_id in g.exercise_ids]
        bands = Counter(band(g, exercise_id) for g in asked)
        points = [g.points(exercise_id) for g in asked]
        result = next((g.results[exercise_id] for g in asked if exercise_id in g.results), None)
        known = EXERCISES.get(exercise_id)
        exercises[exercise_id] = {
            "title": known.title if known else (result.title if result else exercise_id),
            "submissions": len(asked),
            "passed": bands["passed"],
            "pass_rate": round(bands["passed"] / len(asked), 3) if asked else 0.0,
            "mean_points": round(sum(points) / len(points), 3) if points else 0.0,
            "bands": {key: bands[key] for _, key in BANDS},
            "score_distribution": {f"{p:g}": n for p, n in sorted(Counter(points).items())},
        }
        outputs = getattr(EXERCISES.get(exercise_id), "outputs", ())
        for g in asked:
            result = g.results.get(exercise_id)
            if result is None or result.passed or result.status == "not implemented":
                continue
            # "∂L/∂a: the factors are swapped" and "∂L/∂b: the factors are swapped" are one mistake.
            messages = [without_output_name(m, outputs) for m in result.messages]
            for kind in dict.fromkeys(pattern(m) for m in messages):
                diagnoses[(exercise_id, kind)] += 1
                examples.setdefault((exercise_id, kind), next(m for m in messages if pattern(m) == kind))
    frequent = [
        {
            "exercise": exercise_id,
            "diagnosis": kind,
            "example": examples[(exercise_id, kind)],
            "submissions": count,
            "share": round(count / exercises[exercise_id]["submissions"], 3),
        }
        for (exercise_id, kind), count in sorted(diagnoses.items(), key=lambda item: (-item[1], item[0]))[:top]
    ]
    errored = [
        {"file": g.path.name, "status": g.status, "reason": g.reason, "notes": list(g.notes)}
        for g in graded
        if g.status != "graded" or g.notes
    ]
    totals = [g.total for g in graded]
    return {
        "submissions": len(graded),
        "graded": sum(g.status == "graded" for g in graded),
        "errored": sum(g.status != "graded" for g in graded),
        "max": len(ids),
        "mean_total": round(sum(totals) / len(totals), 3) if totals else 0.0,
        "totals": {f"{t:g}": n for t, n in sorted(Counter(totals).items())},
        "exercises": exercises,
        "frequent_diagnoses": frequent,
        "errors": errored,
    }


# --- the HTML page -------------------------------------------------------------------------


def _png(fig):
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def charts(summary):
    """(title, alt text, base64 PNG) for: the pass rate per exercise, the score bands per
    exercise, the distribution of totals."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from ..notebook.style import COLORS

    ids = list(summary["exercises"])
    short = [i.split(".", 1)[-1] for i in ids]
    out = []
    if ids:
        rates = [100 * summary["exercises"][i]["pass_rate"] for i in ids]
        fig, ax = plt.subplots(figsize=(7, 0.45 * len(ids) + 1.2))
        ax.barh(short, rates, color=COLORS["blue"])
        for y, rate in enumerate(rates):
            ax.text(min(rate + 1, 92), y, f"{rate:.0f} %", va="center")
        ax.set_xlim(0, 100)
        ax.invert_yaxis()
        ax.set_xlabel("submissions that pass every case (%)")
        ax.set_ylabel("exercise")
        out.append(("Pass rate per exercise", "Horizontal bars: the share of submissions passing each exercise; "
                    "the shortest bars are the exercises the class found hardest.", _png(fig)))

        fig, ax = plt.subplots(figsize=(7, 0.45 * len(ids) + 1.6))
        left = [0] * len(ids)
        hatches = ["", "//", "xx", "..", "++", "\\\\"]
        band_colours = [COLORS["blue"], COLORS["sky"], COLORS["vermillion"], COLORS["orange"], COLORS["purple"], COLORS["black"]]
        for (label, key), colour, hatch in zip(BANDS, band_colours, hatches, strict=True):
            counts = [summary["exercises"][i]["bands"][key] for i in ids]
            ax.barh(short, counts, left=left, label=label, color=colour, hatch=hatch, edgecolor="white")
            left = [a + b for a, b in zip(left, counts, strict=True)]
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("submissions")
        ax.set_ylabel("exercise")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False)
        out.append(("Score distribution per exercise", "Stacked bars per exercise: how many submissions passed all "
                    "cases, some, none, left the stub, used the book's reference solution, or could not be graded.",
                    _png(fig)))

    totals = summary["totals"]
    if totals:
        fig, ax = plt.subplots(figsize=(7, 3))
        ax.bar(list(totals), list(totals.values()), color=COLORS["green"])
        ax.set_xlabel(f"total points (of {summary['max']})")
        ax.set_ylabel("submissions")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        out.append(("Totals", "Bars: how many submissions reached each total.", _png(fig)))
    return out


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1.5rem 0}img{max-width:100%}
figcaption{font-style:italic}code{background:#f6f8fa;padding:0 .2rem}
"""


def _pct(x):
    return f"{100 * x:.0f} %"


def render_html(summary, title="Class report"):
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body><main>",
        f"<h1>{esc(title)}</h1>",
        f'<p id="overview"><span data-key="submissions">{summary["submissions"]}</span> submissions: '
        f'<span data-key="graded">{summary["graded"]}</span> graded, <span data-key="errored">{summary["errored"]}</span> '
        f'could not be graded. Mean total <span data-key="mean_total">{summary["mean_total"]:g}</span> of '
        f'<span data-key="max">{summary["max"]}</span>.</p>',
        "<h2>Exercises</h2>",
        '<table id="exercises"><thead><tr><th scope="col">exercise</th><th scope="col">submissions</th>'
        '<th scope="col">passed</th><th scope="col">pass rate</th><th scope="col">mean points</th>'
        '<th scope="col">score distribution (points: submissions)</th></tr></thead><tbody>',
    ]
    for exercise_id, ex in summary["exercises"].items():
        dist = ", ".join(f"{p}: {n}" for p, n in ex["score_distribution"].items())
        parts.append(
            f'<tr data-exercise="{esc(exercise_id)}"><th scope="row"><code>{esc(exercise_id)}</code><br>{esc(ex["title"])}</th>'
            f'<td class="num" data-key="submissions">{ex["submissions"]}</td>'
            f'<td class="num" data-key="passed">{ex["passed"]}</td>'
            f'<td class="num" data-key="pass_rate" data-value="{ex["pass_rate"]}">{_pct(ex["pass_rate"])}</td>'
            f'<td class="num" data-key="mean_points">{ex["mean_points"]:g}</td><td>{esc(dist)}</td></tr>'
        )
    parts.append("</tbody></table>")
    for heading, alt, png in charts(summary):
        parts.append(
            f'<figure class="chart"><img alt="{esc(alt)}" src="data:image/png;base64,{png}">'
            f"<figcaption>{esc(heading)}</figcaption></figure>"
        )
    parts.append("<h2>Most frequent diagnoses</h2>")
    if summary["frequent_diagnoses"]:
        parts.append(
            '<table id="diagnoses"><thead><tr><th scope="col">share</th><th scope="col">submissions</th>'
            '<th scope="col">exercise</th><th scope="col">diagnosis (as one submission got it; '
            'the same message with other numbers counts as the same)</th></tr></thead><tbody>'
        )
        for d in summary["frequent_diagnoses"]:
            parts.append(
                f'<tr><td class="num" data-key="share" data-value="{d["share"]}">{_pct(d["share"])}</td>'
                f'<td class="num" data-key="submissions">{d["submissions"]}</td>'
                f'<td><code>{esc(d["exercise"])}</code></td><td title="{esc(d["diagnosis"])}">{esc(d["example"])}</td></tr>'
            )
        parts.append("</tbody></table>")
    else:
        parts.append("<p>No submission received a diagnosis.</p>")
    parts.append("<h2>Submissions that errored</h2>")
    if summary["errors"]:
        parts.append('<table id="errors"><thead><tr><th scope="col">file</th><th scope="col">status</th>'
                     '<th scope="col">what went wrong</th></tr></thead><tbody>')
        for e in summary["errors"]:
            why = e["reason"] or "; ".join(e["notes"])
            parts.append(f'<tr><td>{esc(e["file"])}</td><td>{esc(e["status"])}</td><td>{esc(why)}</td></tr>')
        parts.append("</tbody></table>")
    else:
        parts.append("<p>None: every submission ran.</p>")
    data = json.dumps(summary, ensure_ascii=False).replace("</", "<\\/")
    parts.append(f'<script type="application/json" id="report-data">{data}</script>')
    parts.append("</main></body></html>")
    return "\n".join(parts)


def write_html(summary, path, title="Class report"):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(summary, title), encoding="utf-8")
    return path
