"""The class report (what the whole class got wrong) and the Canvas gradebook export.

Built from graded submissions made here (no kernels: the grading itself is tested in
test_instructor.py, which also checks that a real grading run writes both), so these run in
about a second, plus the browser check of the HTML page in Debian's Chromium (~1.5 s) and a
smoke run of the grading benchmark (~8 s).
"""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chainrule.exercises.core import CheckResult
from chainrule.instructor.grade import GradedSubmission, write_reports
from chainrule.instructor.gradebook import canvas_gradebook, match, read_roster
from chainrule.instructor.report import class_summary, pattern

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
IDS = ["activations.sigmoid_derivative", "activations.softmax_jacobian"]
SIGMA = "sigmoid′(z): you returned σ(z); the derivative is a product of two factors (see 5.1, the sigmoid's derivative)"


def result(exercise_id, score, total=4, messages=(), status=None):
    status = status or ("passed" if score == total else "failed")
    return CheckResult(exercise_id, exercise_id.split(".")[1].replace("_", " "), status, score, total, list(messages))


def submission(name, *results, status="graded", reason="", notes=()):
    g = GradedSubmission(Path(f"{name}.ipynb"), status=status, reason=reason, exercise_ids=list(IDS), notes=list(notes))
    g.results = {r.exercise_id: r for r in results}
    return g


@pytest.fixture
def graded():
    sig, soft = IDS
    return [
        submission("ada_101_9001_ch5", result(sig, 4), result(soft, 4)),
        submission("bob_102_9002_ch5", result(sig, 0, messages=[SIGMA]), result(soft, 4)),
        submission("cy_103_9003_ch5", result(sig, 0, messages=[SIGMA]),
                   result(soft, 2, messages=["J: entry (0, 1) is 0.25, expected -0.0625: only the diagonal (see 5.3)"])),
        submission("dee", result(sig, 1, messages=[SIGMA, "sigmoid′(z): entry 3 is 0.71, expected 0.2"]),
                   result(soft, 0, messages=["J: entry (2, 0) is 0.5, expected -0.1: only the diagonal (see 5.3)"])),
        submission("eve_105_9005_ch5", result(sig, 0, messages=["replace `raise NotImplementedError`"], status="not implemented"),
                   result(soft, 0, messages=["replace `raise NotImplementedError`"], status="not implemented")),
        submission("zed", status="error", reason="the kernel died in cell 7 (out of memory, or the process was ended)"),
    ]


def test_pattern_groups_the_same_mistake_with_other_numbers():
    a = pattern("J: entry (0, 1) is 0.25, expected -0.0625: only the diagonal (see 5.3)")
    b = pattern("J: entry (2, 0) is 0.5, expected -1e-3: only the diagonal (see 5.3)")
    assert a == b and "…" in a and "J:" in a


def test_class_summary(graded):
    s = class_summary(graded)
    assert (s["submissions"], s["graded"], s["errored"], s["max"]) == (6, 5, 1, 2)
    sig = s["exercises"]["activations.sigmoid_derivative"]
    assert sig["submissions"] == 6 and sig["passed"] == 1 and sig["pass_rate"] == round(1 / 6, 3)
    assert sig["bands"] == {"passed": 1, "partial": 1, "failed": 2, "not implemented": 1, "reference": 0, "not graded": 1}
    assert sig["score_distribution"] == {"0": 4, "0.25": 1, "1": 1}
    top = s["frequent_diagnoses"][0]
    # 3 of 6 submissions used σ where σ(1−σ) belongs: the most frequent diagnosis, counted once each.
    expected = ("activations.sigmoid_derivative", pattern(SIGMA), 3, 0.5)
    assert (top["exercise"], top["diagnosis"], top["submissions"], top["share"]) == expected
    diagonal = next(d for d in s["frequent_diagnoses"] if "only the diagonal" in d["diagnosis"])
    assert diagonal["submissions"] == 2, "the same mistake with different numbers groups together"
    assert all("NotImplementedError" not in d["diagnosis"] for d in s["frequent_diagnoses"]), "a stub is not a diagnosis"
    assert [e["file"] for e in s["errors"]] == ["zed.ipynb"] and "kernel died" in s["errors"][0]["reason"]


def test_json_holds_the_same_summary_as_the_page(graded, tmp_path):
    write_reports(graded, tmp_path / "g.csv", tmp_path / "g.json", report_path=tmp_path / "report.html")
    data = json.loads((tmp_path / "g.json").read_text())
    page = (tmp_path / "report.html").read_text()
    embedded = page.split('<script type="application/json" id="report-data">')[1].split("</script>")[0]
    assert json.loads(embedded) == data["class"] == json.loads(json.dumps(class_summary(graded)))
    assert len(data["submissions"]) == 6


def test_page_is_self_contained(graded, tmp_path):
    write_reports(graded, tmp_path / "g.csv", report_path=tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 3
    for remote in ("http://", "https://", "//cdn", "<link", "src=\"/"):
        assert remote not in page, f"the report must not fetch anything: {remote}"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is missing: `make test` installs it with apt")
def test_page_in_a_browser(graded, tmp_path):
    """Opened from disk with every network request refused: no console error, the charts are
    decoded images, and the numbers shown are the JSON's."""
    from playwright.sync_api import sync_playwright

    write_reports(graded, tmp_path / "g.csv", tmp_path / "g.json", report_path=tmp_path / "report.html")
    data = json.loads((tmp_path / "g.json").read_text())["class"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        problems, requests = [], []
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.route("http*://**", lambda route: route.abort())
        page.goto((tmp_path / "report.html").as_uri())
        page.wait_for_load_state("load")
        widths = page.eval_on_selector_all("figure.chart img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
        alts = page.eval_on_selector_all("figure.chart img", "imgs => imgs.map(i => i.alt)")
        rows = page.eval_on_selector_all(
            "#exercises tbody tr",
            """rows => rows.map(r => ({id: r.dataset.exercise,
                 submissions: +r.querySelector('[data-key=submissions]').textContent,
                 passed: +r.querySelector('[data-key=passed]').textContent,
                 rate: r.querySelector('[data-key=pass_rate]').textContent,
                 mean: +r.querySelector('[data-key=mean_points]').textContent}))""",
        )
        shares = page.eval_on_selector_all("#diagnoses tbody tr td[data-key=share]", "tds => tds.map(t => t.textContent)")
        overview = {k: page.text_content(f"#overview [data-key={k}]") for k in ("submissions", "graded", "errored")}
        errors = page.text_content("#errors")
        browser.close()
    assert not problems, problems
    assert all(not u.startswith("http") for u in requests), requests
    assert len(widths) == 3 and all(w > 100 for w in widths), "every chart decodes as an image"
    assert all(len(a) > 20 for a in alts), "every chart has alt text"
    assert {k: int(v) for k, v in overview.items()} == {k: data[k] for k in ("submissions", "graded", "errored")}
    assert [r["id"] for r in rows] == list(data["exercises"])
    for r in rows:
        ex = data["exercises"][r["id"]]
        assert (r["submissions"], r["passed"], r["mean"]) == (ex["submissions"], ex["passed"], ex["mean_points"])
        assert r["rate"] == f"{100 * ex['pass_rate']:.0f} %"
    assert shares == [f"{100 * d['share']:.0f} %" for d in data["frequent_diagnoses"]]
    assert "zed.ipynb" in errors and "kernel died" in errors


# --- the Canvas gradebook -------------------------------------------------------------------

ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section
    Points Possible,,,,,
Ada Lovelace,101,S001,ada,A
Bob Byte,102,S002,bob,A
Cy Young,103,S003,cyoung,B
Dee Dee,104,S004,dee,B
Eve Online,105,S005,eve,B
Fay Absent,106,S006,fay,B
"""


def test_roster_and_matching_rule(tmp_path):
    (tmp_path / "roster.csv").write_text(ROSTER)
    roster = read_roster(tmp_path / "roster.csv")
    assert [r["ID"] for r in roster] == ["101", "102", "103", "104", "105", "106"], "the Points Possible row is not a student"
    assert [r["ID"] for r in match("dee", roster)] == ["104"]  # the stem is a SIS Login ID
    assert [r["ID"] for r in match("S003", roster)] == ["103"]  # or a SIS User ID
    assert [r["ID"] for r in match("lovelaceada_101_77_02_derivative_rules", roster)] == ["101"]  # Canvas's download name
    assert match("someone_else", roster) == []
    assert len(match("bob_103", roster)) == 2, "two students' ids in one name: ambiguous"


def test_canvas_gradebook(graded, tmp_path):
    (tmp_path / "roster.csv").write_text(ROSTER)
    graded.append(submission("bob_102_9999_ch5_late", result(IDS[0], 0), result(IDS[1], 0)))
    graded.append(submission("stranger", result(IDS[0], 4), result(IDS[1], 4)))
    book = canvas_gradebook(graded, tmp_path / "roster.csv", tmp_path / "canvas.csv", "Chapter 5 exercises", points=10)
    with (tmp_path / "canvas.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Chapter 5 exercises"]
    assert rows[1] == ["Points Possible", "", "", "", "", "10"]
    scores = {r[1]: r[5] for r in rows[2:]}
    # totals 2, 1, 0.5+0.25... scaled from 2 exercises to 10 points; a missing submission stays empty.
    assert scores == {"101": "10", "102": "5", "103": "2.5", "104": "1.25", "105": "0", "106": ""}
    assert [r["ID"] for r in book.students_without_submission] == ["106"]
    assert book.unmatched_submissions == [("zed.ipynb", "matches no student of the roster"),
                                          ("stranger.ipynb", "matches no student of the roster")]
    assert book.duplicates == [("102", ["bob_102_9002_ch5.ipynb", "bob_102_9999_ch5_late.ipynb"])]


def test_command_line_needs_a_roster_for_canvas(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "chainrule", "grade", "x.ipynb", "--out", str(tmp_path / "g.csv"), "--canvas", "c.csv"],
        capture_output=True, text=True,
    )
    assert out.returncode == 2 and "--canvas needs --roster" in out.stderr


def test_grading_benchmark_runs(tmp_path):
    """bench/grading.py (the throughput numbers in bench/RESULTS.md) still runs: one submission per mode."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parent.parent / "bench" / "grading.py"), "--n", "1", "--jobs", "2",
         "--repeats", "1", "--json", str(tmp_path / "g.json")],
        capture_output=True, text=True, timeout=600, check=True,
    )
    results = json.loads((tmp_path / "g.json").read_text())
    assert [(r["mode"], r["sandbox"]) for r in results] == [
        ("serial, full", True), ("serial, lean, --no-sandbox", False), ("serial, lean (default: sandbox)", True),
        ("--jobs 2, lean", True)]
    assert all(r["full_marks"] == 1 and r["per_minute"] > 0 and r["kernel_start"] > 0 for r in results), results
    assert "| serial, lean (default: sandbox) |" in out.stdout and "sandbox / no sandbox" in out.stdout
