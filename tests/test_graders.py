"""The grader's references: the solution passes every graded case, a blank lab passes none.

Runs each solution notebook as Python (once per session) and grades its functions with
``autograder/graders/<lab>.py`` on the default world and on seed 7 (standing in for the
grading world), through the same encoding as a real submission.
"""

from __future__ import annotations

import pytest
from conftest import grading_module

from cxlabs.course import labs

LABS = labs()


def test_every_lab_has_a_grader():
    missing = [lab.id for lab in LABS if not grading_module().has_grader(lab.id)]
    assert not missing, f"labs without autograder/graders/<lab>.py: {missing}"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_solution_passes_every_graded_case(lab, solution_namespaces, grading_plans):
    plan, worlds = grading_plans[lab.id]
    verdicts = grading_module().grade_namespace(lab.id, solution_namespaces[lab.id], worlds, plan)
    failed = {cell: v.message for cell, v in verdicts.items() if not v.passed}
    assert not failed, f"the solution fails graded cases: {failed}"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_blank_functions_pass_nothing(lab, grading_plans):
    plan, worlds = grading_plans[lab.id]

    def blank(*args, **kwargs):
        raise NotImplementedError()

    namespace = {name: blank for name in plan.functions.values()}
    verdicts = grading_module().grade_namespace(lab.id, namespace, worlds, plan)
    assert all(not v.passed for v in verdicts.values())
    assert all("not answered yet" in v.message for v in verdicts.values())


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_every_test_cell_has_a_grader(lab):
    import nbformat
    from conftest import REPO, cell_grade_id

    nb = nbformat.read(REPO / "solutions" / lab.path, as_version=4)
    graded = {cell_grade_id(c) for c in nb.cells if c.cell_type == "code"
              and c.get("metadata", {}).get("nbgrader", {}).get("grade")}
    assert graded == set(grading_module().build_plan(lab.id, []).functions), \
        f"{lab.id}: graded test cells and grader exercises differ"
