"""nbgrader autograding with the course's own configuration.

The solution scores full marks and the unmodified learner version scores zero on every
autograded cell, on the default world and on a world built from a second seed.
"""

from __future__ import annotations

from pathlib import Path

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


def test_nbgrader_autograde_runs_learner_code_sandboxed(course_tool, world42, tmp_path):
    """`nbgrader autograde` itself (not only cohort.py): hostile code gains nothing, harms nothing.

    Blank answers that patch comparisons or rewrite cells score zero; code that writes to the
    solution and the gradebook, starts lasting processes or kills what it can see changes
    nothing, and the honest submission next to them keeps its full marks.
    """
    import hashlib

    import nbformat
    from conftest import REPO, require_system
    from hostile import attacks
    from hostile.corpus import _SURVIVOR, _VANDAL, SURVIVOR_MARK, _insert_after

    from cxlabs.course import lab as find_lab

    require_system("bwrap")
    lab = find_lab("lab01")
    root = scratch_course(course_tool, tmp_path, [lab.id])
    solution = nbformat.read(root / "solutions" / lab.path, as_version=4)
    blank = nbformat.read(root / "labs" / lab.path, as_version=4)
    gradebook_file = root / "autograder" / "work" / "gradebook.db"
    targets = [root / "solutions" / lab.path, REPO / "autograder" / "nbgrader_config.py"]
    hostile = {
        "patcher": attacks._after_setup(blank, attacks.PATCH),
        "rewriter": attacks._after_setup(blank, attacks.INPUT_TRANSFORMER),
        "liar": attacks._with_answers(blank, attacks.LIAR),
        "vandal": _insert_after(solution, "ex1_tests", _VANDAL.format(
            paths=[str(p) for p in targets] + [str(gradebook_file)])),
        "survivor": _insert_after(solution, "ex1_tests", _SURVIVOR),
    }
    for student, nb in hostile.items():
        path = tmp_path / f"{student}.ipynb"
        nbformat.write(nb, path)
        submit(root, lab, student, path)
    submit(root, lab, "honest", root / "solutions" / lab.path)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in targets}
    course_tool.nbgrader("autograde", lab.id, "--force", root=root, env=python_env(world42))
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in targets} == before
    with gradebook(root) as gb:
        scores = {s: gb.find_submission(lab.id, s).code_score for s in [*hostile, "honest"]}
        full = gb.find_assignment(lab.id).max_code_score
    assert scores["honest"] == full and scores["vandal"] == full and scores["survivor"] == full
    assert scores["patcher"] == scores["rewriter"] == scores["liar"] == 0, scores
    alive = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _cmdline_has(p, SURVIVOR_MARK)]
    assert not alive, "a submission's process outlived `nbgrader autograde`"


def _cmdline_has(proc, mark: str) -> bool:
    try:
        return mark.encode() in (proc / "cmdline").read_bytes()
    except OSError:
        return False
