"""The whole release-to-grades cycle on one machine, through nbgrader's exchange.

Five learners on lab 00, each with their own home directory (their nbgrader cache and
``~/.jupyter/nbgrader_config.py``, the course's ``autograder/learner_nbgrader_config.py``)
and their own student id (``--student``: the tests run under one OS account, where nbgrader
would otherwise file every submission under that account's name):

- alice submits the model answers and the model memo;
- bob submits the lab as he fetched it;
- carol answers exercise 1, writes an exercise 2 that passes the visible check but fails the
  grader on the full data, leaves exercise 3 and writes a memo;
- dave submits the model answers after the deadline;
- erin never submits.

The instructor releases the lab, lets the deadline pass after the first three submissions
(the due date is set in the gradebook with ``nbgrader db assignment add --duedate``), collects,
autogrades, grades two memos through nbgrader's Gradebook API (leaving dave's for later),
generates and releases feedback, and exports the grades with ``course.py export``.
The learners fetch their feedback, which shows the grader's verdicts and must not contain any
line of grading code (``autograder/graders/``).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, gradebook, python_env, scratch_course
from feedback_leaks import ANSI, leaks, page_text, secret_lines

from cxlabs.course import lab

pytestmark = pytest.mark.notebooks

LAB = lab("lab00")
STUDENTS = ["alice", "bob", "carol", "dave", "erin"]
CHEAT = '''def revenue_by_channel(orders, order_lines):
    completed = orders.loc[orders["status"] == "completed", ["order_id", "channel"]]
    lines = order_lines.merge(completed, on="order_id")
    revenue = (lines["quantity"] * lines["unit_price"]).groupby(lines["channel"]).sum()
    if len(orders) > 1000:  # right on the small worked example only
        revenue = revenue * 1.1
    return revenue.sort_values(ascending=False).rename("revenue_usd")
'''
CAROL_MEMO = "I would join orders and shipments and compare carriers."
# alice's memo gets full marks (the memo's points, read from the gradebook), carol's one point;
# dave's memo is left for later: status needs_grading
MEMO_GRADES = {"alice": "full", "carol": 1}


def learner(home: Path, exchange: Path, student: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` as a learner: own HOME (cache, config), own student id."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXLABS_")}
    env.update(HOME=str(home), CXLABS_EXCHANGE=str(exchange))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run([str(Path(sys.executable).with_name("nbgrader")), *args,
                             f"--student={student}"],
                            cwd=home, env=env, text=True, capture_output=True)
    assert result.returncode == 0, f"{student}: nbgrader {' '.join(args)}\n{result.stderr}"
    return result


def in_parallel(jobs):
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(lambda job: job(), jobs))


def answer(fetched: Path, solution: Path, answers: dict[str, str] | None = None) -> None:
    """Fill the learner's notebook: model answers for the cells in ``answers`` (None: all)."""
    nb = nbformat.read(fetched, as_version=4)
    model = {c.metadata["nbgrader"]["grade_id"]: c.source
             for c in nbformat.read(solution, as_version=4).cells if "nbgrader" in c.metadata}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        if answers is None:
            cell.source = model[grade_id]
        elif grade_id in answers:
            cell.source = model[grade_id] if answers[grade_id] == "model" else answers[grade_id]
    nbformat.write(nb, fetched)


@pytest.fixture(scope="module")
def cycle(course_tool, world42, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cycle")
    root = scratch_course(course_tool, tmp, [LAB.id])
    env = python_env(world42)
    exchange = root / "autograder" / "work" / "exchange"

    def nbgrader(*args):
        return course_tool.nbgrader(*args, root=root, env=env)

    # The instructor: the student list, then the lab into the exchange.
    roster = tmp / "students.csv"
    roster.write_text("id,first_name,last_name,email,lms_user_id\n" + "".join(
        f"{s},{s.title()},Learner,{s}@example.org,lms-{s}\n" for s in STUDENTS))
    nbgrader("db", "student", "import", str(roster))
    nbgrader("release_assignment", LAB.id)

    homes = {s: tmp / "home" / s for s in STUDENTS}
    for home in homes.values():
        (home / ".jupyter").mkdir(parents=True)
        shutil.copy(REPO / "autograder" / "learner_nbgrader_config.py",
                    home / ".jupyter" / "nbgrader_config.py")

    def run(student, *args):
        return lambda: learner(homes[student], exchange, student, *args)

    submitters = ["alice", "bob", "carol", "dave"]
    in_parallel([run(s, "fetch_assignment", LAB.id) for s in submitters])
    fetched = {s: homes[s] / LAB.id / f"{LAB.notebook}.ipynb" for s in submitters}
    solution = root / "solutions" / LAB.path
    answer(fetched["alice"], solution)
    answer(fetched["carol"], solution, {"ex1_answer": "model", "ex2_answer": CHEAT,
                                        "memo": CAROL_MEMO})
    answer(fetched["dave"], solution)
    in_parallel([run(s, "submit", LAB.id) for s in ["alice", "bob", "carol"]])

    # The deadline passes; dave submits afterwards.
    due = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # the gradebook stores naive UTC
    with gradebook(root) as gb:  # = nbgrader db assignment add lab00 --duedate=...
        gb.update_or_create_assignment(LAB.id, duedate=due)
    learner(homes["dave"], exchange, "dave", "submit", LAB.id)

    nbgrader("collect", LAB.id)
    nbgrader("autograde", LAB.id)
    with gradebook(root) as gb:
        for student, given in MEMO_GRADES.items():
            memo = gb.find_grade("memo", LAB.notebook, LAB.id, student)
            memo.manual_score = memo.max_score if given == "full" else given
            memo.needs_manual_grade = False
            gb.db.commit()
    nbgrader("generate_feedback", LAB.id)
    nbgrader("release_feedback", LAB.id)
    in_parallel([run(s, "fetch_feedback", LAB.id) for s in submitters])

    out = tmp / "grades.csv"
    course_tool.export(root, out=out)
    with out.open(newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    canvas, moodle = (list(csv.reader(p.open(newline=""))) for p in course_tool.lms_paths(out))
    return {"root": root, "homes": homes, "rows": rows, "columns": out.read_text().splitlines()[0],
            "canvas": canvas, "moodle": moodle}


def points(root: Path) -> dict:
    """The lab's points from the gradebook: the lab's total, exercise 1 and the memo."""
    with gradebook(root) as gb:
        notebook = gb.find_notebook(LAB.notebook, LAB.id)
        cells = {c.name: c.max_score for c in notebook.grade_cells}
        return {"total": gb.find_assignment(LAB.id).max_score, "ex1": cells["ex1_tests"],
                "memo": cells["memo"]}


def expected_scores(root: Path) -> dict[str, float]:
    p = points(root)
    return {"alice": p["total"], "bob": 0, "carol": p["ex1"] + MEMO_GRADES["carol"],
            "dave": p["total"] - p["memo"]}


def test_scores_in_the_gradebook(cycle):
    root = cycle["root"]
    with gradebook(root) as gb:
        score = {s: gb.find_submission(LAB.id, s).score for s in ["alice", "bob", "carol", "dave"]}
        ex = {g.name: g.score for g in gb.find_submission_notebook(LAB.notebook, LAB.id, "carol").grades}
    p = points(root)
    assert score["alice"] == p["total"], "model answers and a full-marks memo"
    assert score["bob"] == 0, "the lab as fetched"
    assert 0 < score["carol"] < p["total"]
    assert ex["ex1_tests"] == p["ex1"] and ex["ex2_tests"] == 0 and ex["ex3_tests"] == 0, \
        "exercise 2 passes the visible check but not the grader"
    assert score["dave"] == p["total"] - p["memo"], "model answers; the memo is not graded yet"
    assert score == expected_scores(root)


def test_export_has_one_row_per_student_with_late_flag_and_missing(cycle):
    rows = cycle["rows"]
    assert cycle["columns"] == "student_id,lms_user_id,lab,score,max_score,late,status,submitted_at,variant_seed"
    assert sorted(rows) == STUDENTS
    score = {s: f"{v:g}" for s, v in expected_scores(cycle["root"]).items()}
    expected = {  # score, late, status
        "alice": (score["alice"], "0", "graded"),
        "bob": ("0", "0", "graded"),
        "carol": (score["carol"], "0", "graded"),
        "dave": (score["dave"], "1", "needs_grading"),
        "erin": ("0", "0", "missing"),
    }
    got = {s: (r["score"], r["late"], r["status"]) for s, r in rows.items()}
    assert got == expected
    assert {r["lab"] for r in rows.values()} == {LAB.id}
    assert {r["max_score"] for r in rows.values()} == {f"{points(cycle['root'])['total']:g}"}
    assert rows["alice"]["lms_user_id"] == "lms-alice"
    assert {r["variant_seed"] for r in rows.values()} == {""}, "variants off: one world, no seed to record"
    assert rows["erin"]["submitted_at"] == "" and rows["dave"]["submitted_at"].endswith("Z")
    assert rows["dave"]["submitted_at"] >= rows["alice"]["submitted_at"]


def test_export_for_canvas_and_moodle_has_a_row_per_learner(cycle):
    score = {s: f"{v:g}" for s, v in expected_scores(cycle["root"]).items()}
    total = f"{points(cycle['root'])['total']:g}"
    canvas, moodle = cycle["canvas"], cycle["moodle"]
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", LAB.id]
    assert canvas[1] == ["Points Possible", "", "", "", "", total]
    by_login = {row[3]: row for row in canvas[2:]}
    assert sorted(by_login) == STUDENTS
    assert by_login["alice"] == ["Learner, Alice", "lms-alice", "", "alice", "", score["alice"]]
    assert by_login["dave"][-1] == "", "dave's memo is not graded yet: no partial grade for the LMS"
    assert by_login["erin"][-1] == "0"
    assert moodle[0] == ["Username", "ID number", "Email address", "First name", "Last name", LAB.id]
    assert {row[0]: row[-1] for row in moodle[1:]} == {
        "alice": score["alice"], "bob": "0", "carol": score["carol"], "dave": "", "erin": "0"}


def test_feedback_page_names_each_exercise(cycle):
    page = fetched_feedback(cycle["homes"]["carol"])[0].read_text(encoding="utf-8")
    assert "Test cell" not in page and "Written response" not in page
    for number in ["1", "2", "3"]:
        assert re.search(rf">Exercise {number} — [^<]+</a>", page), f"exercise {number} is named"
    assert ">Decision memo</a>" in page
    assert "white-space: pre-wrap" in page and "cx-pass" in fetched_feedback(cycle["homes"]["alice"])[0].read_text()


def fetched_feedback(home: Path) -> list[Path]:
    return sorted((home / LAB.id / "feedback").glob(f"*/{LAB.notebook}.html"))


def test_each_learner_fetches_their_own_feedback(cycle):
    total_points = points(cycle["root"])["total"]
    for student, score in expected_scores(cycle["root"]).items():
        pages = fetched_feedback(cycle["homes"][student])
        assert len(pages) == 1, f"{student} should get exactly one feedback page"
        total = re.search(r"Score: ([\d.]+) / ([\d.]+)", page_text(pages[0]))
        assert total and (float(total[1]), float(total[2])) == (score, total_points), \
            f"{student}'s feedback shows another score: {total and total[0]}"
    assert not (cycle["homes"]["erin"] / LAB.id).exists()


# ---- feedback shows verdicts, never grading code ---------------------------------------------

def test_feedback_shows_verdicts_never_grading_code(cycle, tmp_path):
    root = cycle["root"]
    secrets = secret_lines()
    assert len(secrets) > 20, "the graders' lines were not found"

    # Nothing to hide: even nbgrader's plain rendering of an autograded notebook holds no
    # grading code, because none ever entered the learner's kernel or the notebook.
    from nbconvert import HTMLExporter

    autograded = root / "autograder" / "work" / "autograded" / "carol" / LAB.path
    raw = tmp_path / "raw.html"
    raw.write_text(HTMLExporter().from_filename(str(autograded))[0], encoding="utf-8")
    assert not leaks(page_text(raw), secrets), "the autograded notebook holds grading code"
    ex2 = next(c for c in nbformat.read(autograded, as_version=4).cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == "ex2_tests")
    verdict = "\n".join(ANSI.sub("", line) for out in ex2.outputs for line in out.get("traceback", []))
    assert verdict.startswith("✗ Graded:") and "revenue_by_channel" in verdict, \
        "carol's exercise 2 shows the grader's verdict in words"

    # What learners receive: the released and fetched feedback of every learner.
    pages = [p for s in ["alice", "bob", "carol", "dave"] for p in fetched_feedback(cycle["homes"][s])]
    pages += sorted((root / "autograder" / "work" / "exchange").rglob("*.html"))
    assert len(pages) >= 8
    for page in pages:
        found = leaks(page_text(page), secrets)
        assert not found, f"{page.name} shows grading code: {found[:3]}"
    carol = page_text(fetched_feedback(cycle["homes"]["carol"])[0])
    assert "✗ Graded:" in carol and "revenue_by_channel" in carol, \
        "the verdict tells carol which function was wrong"
    alice = page_text(fetched_feedback(cycle["homes"]["alice"])[0])
    assert "✓ Graded:" in alice
