"""nbgrader autograding with the course's own configuration.

The solution scores full marks and the unmodified learner version scores zero on every
autograded cell, on the default world and on a world built from a second seed.
"""

from __future__ import annotations

import pytest
from conftest import gradebook, python_env, scratch_course, submit

from cxlabs.course import labs

pytestmark = pytest.mark.notebooks


def autograde(course_tool, tmp_path, lab, world, submissions: dict[str, str]) -> dict:
    """Release ``lab`` in a scratch course, submit notebooks, autograde; return cell scores.

    ``submissions`` maps a student id to ``"solution"`` or ``"blank"``.
    Returns ``{student: {grade_id: (score, max_score)}}`` for the autograded cells.
    """
    root = scratch_course(course_tool, tmp_path, [lab.id])
    for student, kind in submissions.items():
        submit(root, lab, student, root / ("solutions" if kind == "solution" else "labs") / lab.path)
    course_tool.nbgrader("autograde", lab.id, "--force", root=root, env=python_env(world))
    scores = {}
    with gradebook(root) as gb:
        for student in submissions:
            nb = gb.find_submission_notebook(lab.notebook, lab.id, student)
            scores[student] = {g.name: (g.score, g.max_score) for g in nb.grades
                               if g.cell.cell_type == "code"}
            memo = [g for g in nb.grades if g.name == "memo"]
            scores[student]["memo"] = (memo[0].auto_score, memo[0].needs_manual_grade)
    return scores


@pytest.mark.parametrize("lab", labs(), ids=lambda lab: lab.id)
def test_solution_full_marks_and_blank_zero(lab, course_tool, world42, tmp_path):
    scores = autograde(course_tool, tmp_path, lab, world42, {"solver": "solution", "blank": "blank"})
    solver_memo, blank_memo = scores["solver"].pop("memo"), scores["blank"].pop("memo")
    assert solver_memo == (None, True), "a written memo waits for a person to grade it"
    assert blank_memo == (0, False), "an untouched memo scores zero automatically"
    assert scores["solver"], "no autograded cells were recorded"
    short = {k: v for k, v in scores["solver"].items() if v[0] != v[1]}
    assert not short, f"the solution lost points on {short}"
    earned = {k: v for k, v in scores["blank"].items() if v[0] != 0}
    assert not earned, f"the blank lab earned points on {earned}"
    assert scores["blank"].keys() == scores["solver"].keys()


@pytest.mark.parametrize("lab", labs(), ids=lambda lab: lab.id)
def test_solution_full_marks_on_a_second_seed(lab, course_tool, world7, tmp_path):
    scores = autograde(course_tool, tmp_path, lab, world7, {"solver": "solution"})
    scores["solver"].pop("memo")
    short = {k: v for k, v in scores["solver"].items() if v[0] != v[1]}
    assert scores["solver"] and not short, f"the solution lost points on the second seed: {short}"
