"""The grader catches the common wrong answers, and the visible checks name them.

Each lab's solution notebook runs once as plain Python; then, for every mistake in
``tests/mistakes/<lab>.py``, the answer cell is replaced by the wrong source and the
grader (``autograder/graders/<lab>.py``, through the same encoding as a real submission)
must fail that exercise. Where the mistake lists a phrase, the visible check alone must fail
with a message containing it.
"""

from __future__ import annotations

import importlib

import matplotlib
import nbformat
import pytest
from conftest import REPO, cell_grade_id

from cxlabs.course import labs
from cxlabs.feedback import CheckFailed

matplotlib.use("Agg")

LABS = labs()


def cases():
    for lab in LABS:
        mistakes = importlib.import_module(f"mistakes.{lab.id}").MISTAKES
        for answer_id, items in mistakes.items():
            for i, m in enumerate(items):
                yield pytest.param(lab, answer_id, m, id=f"{lab.id}-{answer_id}-{i}-{m.description[:40]}")


def _cells(lab) -> dict:
    nb = nbformat.read(REPO / "solutions" / lab.path, as_version=4)
    return {cell_grade_id(c): c for c in nb.cells if cell_grade_id(c)}


def test_every_autograded_exercise_has_mistakes():
    for lab in LABS:
        mistakes = importlib.import_module(f"mistakes.{lab.id}").MISTAKES
        answers = {g for g in _cells(lab) if g.endswith("_answer")}
        assert answers == set(mistakes), f"{lab.id}: mistakes for {sorted(mistakes)}, answers {sorted(answers)}"
        assert all(len(v) >= 2 for v in mistakes.values()), f"{lab.id}: at least two mistakes per exercise"


@pytest.mark.parametrize(("lab", "answer_id", "mistake"), list(cases()))
def test_grader_catches_the_mistake(lab, answer_id, mistake, solution_namespaces, grading_plans):
    import matplotlib.pyplot as plt

    namespace = solution_namespaces[lab.id]
    cells = _cells(lab)
    test_id = answer_id.replace("_answer", "_tests")
    tests = cells[test_id].source
    visible = tests
    try:
        exec(mistake.source, namespace)
        from conftest import grading_module

        plan, worlds = grading_plans[lab.id]
        verdict = grading_module().grade_namespace(lab.id, namespace, worlds, plan, cells=[test_id])[test_id]
        assert not verdict.passed, f"the grader passed the mistake {mistake.description!r}"
        if mistake.visible:
            with pytest.raises(CheckFailed) as err:
                exec(visible, namespace)
            assert mistake.visible.lower() in str(err.value).lower(), str(err.value)
    finally:
        exec(cells[answer_id].source, namespace)  # restore the right answer for the next case
        plt.close("all")
