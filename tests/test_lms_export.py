"""The grade export for an LMS: one row per learner, one column per lab (Canvas and Moodle),
and learner data kept out of git (``course.py export``; the cycle test exports a real gradebook)."""

from __future__ import annotations

import subprocess

from conftest import REPO

ROWS = [
    {"student_id": "alice", "lms_user_id": "1001", "lab": "lab00", "score": "10", "max_score": "10",
     "late": 0, "status": "graded", "submitted_at": "2026-12-04T16:58:03Z", "variant_seed": ""},
    {"student_id": "bob", "lms_user_id": "", "lab": "lab00", "score": "0", "max_score": "10",
     "late": 0, "status": "missing", "submitted_at": "", "variant_seed": ""},
    {"student_id": "alice", "lms_user_id": "1001", "lab": "lab01", "score": "18", "max_score": "22",
     "late": 0, "status": "needs_grading", "submitted_at": "2026-12-11T10:00:00Z", "variant_seed": ""},
    {"student_id": "bob", "lms_user_id": "", "lab": "lab01", "score": "15.5", "max_score": "22",
     "late": 1, "status": "graded", "submitted_at": "2026-12-12T10:00:00Z", "variant_seed": ""},
]
STUDENTS = {"alice": {"first_name": "Alice", "last_name": "Smith", "email": "alice@example.org",
                      "lms_user_id": "1001"},
            "bob": {"first_name": "", "last_name": "", "email": "", "lms_user_id": ""}}


def test_canvas_and_moodle_files_have_a_row_per_learner_and_a_column_per_lab(course_tool):
    (canvas_cols, canvas), (moodle_cols, moodle) = course_tool.lms_tables(ROWS, STUDENTS)
    assert canvas_cols == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "lab00", "lab01"]
    assert canvas[0] == ["Points Possible", "", "", "", "", "10", "22"]
    assert canvas[1:] == [["Smith, Alice", "1001", "", "alice", "", "10", ""],
                          ["bob", "", "", "bob", "", "0", "15.5"]], \
        "a memo not graded yet leaves the cell empty; a missing submission is 0"
    assert moodle_cols == ["Username", "ID number", "Email address", "First name", "Last name", "lab00", "lab01"]
    assert moodle == [["alice", "1001", "alice@example.org", "Alice", "Smith", "10", ""],
                      ["bob", "", "", "", "", "0", "15.5"]]
    assert [p.name for p in course_tool.lms_paths("/x/grades.csv")] == ["grades-canvas.csv", "grades-moodle.csv"]


def test_learner_data_is_git_ignored():
    for path in ["autograder/students.csv", "autograder/grades.csv", "autograder/grades-canvas.csv",
                 "students.csv", "grades.csv", "autograder/work/submitted/alice/lab01/lab01.ipynb",
                 "autograder/work/grades-moodle.csv", "workspace/lab01/lab01_operating_model.ipynb"]:
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO)
        assert ignored.returncode == 0, f"{path} holds learner data and must be git-ignored"


def test_export_writes_into_the_ignored_work_folder_by_default(course_tool):
    import inspect

    source = inspect.getsource(course_tool.main)
    assert 'root / "autograder" / "work" / "grades.csv"' in source
