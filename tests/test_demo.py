"""``python autograder/course.py demo LAB``: the whole cycle rehearsed on one machine.

Runs the rehearsal for lab 00 (three made-up learners: model answers, blank, partial) and
checks that every file it says it wrote is there, that the scores, the LMS files and the
feedback pages are right, that no nbgrader step printed a warning (an instructor should not
have to learn to ignore any), and that every nbgrader command it ran is one
``autograder/README.md`` gives, so the README's walk-through is the one that is tested.
"""

from __future__ import annotations

import csv
import re

import pytest
from conftest import REPO, require_system

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def rehearsal(course_tool, world42, tmp_path_factory):
    require_system("bwrap")
    mp = pytest.MonkeyPatch()
    mp.setenv("CXLABS_DATA_DIR", str(world42))
    log: list[str] = []
    try:
        result = course_tool.demo("lab00", tmp_path_factory.mktemp("demo") / "rehearsal", log=log.append)
    finally:
        mp.undo()
    return result, "\n".join(log)


def test_the_rehearsal_says_where_each_file_went_and_they_are_there(rehearsal):
    result, log = rehearsal
    assert "== where each file went" in log
    for what, path in result["files"].items():
        path = str(path).replace("<learner>", "carol")
        assert str(path).split("/<")[0] in log
        assert __import__("pathlib").Path(path).exists(), f"{what}: {path} is missing"


def test_no_step_prints_a_warning(rehearsal):
    _, log = rehearsal
    warnings = [line for line in log.splitlines() if re.search(r"WARNING|Warning|ERROR", line)]
    assert not warnings, "every warning is prevented (or explained in the README):\n" + "\n".join(warnings)


def test_scores_lms_files_and_feedback(rehearsal, course_tool):
    result, _ = rehearsal
    rows = {r["student_id"]: r for r in csv.DictReader(result["grades"].open())}
    assert rows["alice"]["score"] == rows["alice"]["max_score"] and rows["bob"]["score"] == "0"
    assert 0 < float(rows["carol"]["score"]) < float(rows["carol"]["max_score"])
    canvas, moodle = course_tool.lms_paths(result["grades"])
    assert canvas.read_text().startswith("Student,ID,SIS User ID,SIS Login ID,Section,lab00\n")
    assert moodle.read_text().startswith("Username,ID number,Email address,First name,Last name,lab00\n")
    (page,) = (result["homes"]["carol"] / "lab00" / "feedback").glob("*/lab00_orientation.html")
    text = page.read_text(encoding="utf-8")
    assert ">Exercise 1 — customers per market</a>" in text and "Test cell" not in text


def test_every_nbgrader_command_it_runs_is_in_the_instructor_readme(rehearsal):
    _, log = rehearsal
    readme = (REPO / "autograder" / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"\$ nbgrader (\w+(?: \w+ \w+)?) lab00", log)
    commands += [c for c in re.findall(r"\$ nbgrader (db student import)", log)]
    assert {"release_assignment", "fetch_assignment", "submit", "collect", "autograde",
            "generate_feedback", "release_feedback", "fetch_feedback"} <= set(commands)
    for command in commands:
        assert f"nbgrader {command}" in readme, f"`nbgrader {command}` is not in autograder/README.md"
