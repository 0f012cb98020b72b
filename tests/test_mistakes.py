"""The tests catch the common wrong answers, and the visible checks name them.

Each lab's solution notebook runs as plain Python; then, for every mistake in
``tests/mistakes/<lab>.py``, the answer cell is replaced by the wrong source and the test
cell (visible and hidden tests) must fail. Where the mistake lists a phrase, the visible
check alone must fail with a message containing it.
"""

from __future__ import annotations

import importlib

import matplotlib
import nbformat
import pytest
from conftest import REPO

from cxlabs.course import labs
from cxlabs.feedback import CheckFailed

matplotlib.use("Agg")

LABS = labs()


def grade_id(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def cases():
    for lab in LABS:
        mistakes = importlib.import_module(f"mistakes.{lab.id}").MISTAKES
        for answer_id, items in mistakes.items():
            for i, m in enumerate(items):
                yield pytest.param(lab, answer_id, m, id=f"{lab.id}-{answer_id}-{i}-{m.description[:40]}")


@pytest.fixture(scope="module")
def executed(world42):
    """Run each solution notebook once as Python; return (namespace, cells by grade_id)."""
    import os

    import matplotlib.pyplot as plt

    old = os.environ.get("CXLABS_DATA_DIR")
    os.environ["CXLABS_DATA_DIR"] = str(world42)
    runs = {}
    try:
        for lab in LABS:
            nb = nbformat.read(REPO / "solutions" / lab.path, as_version=4)
            namespace = {"__name__": "__main__"}
            for cell in nb.cells:
                if cell.cell_type == "code":
                    exec(compile(cell.source, f"{lab.id}:{grade_id(cell) or 'cell'}", "exec"), namespace)
                    plt.close("all")
            runs[lab.id] = (namespace, {grade_id(c): c for c in nb.cells if grade_id(c)})
        yield runs
    finally:
        if old is None:
            os.environ.pop("CXLABS_DATA_DIR", None)
        else:
            os.environ["CXLABS_DATA_DIR"] = old


def test_every_autograded_exercise_has_mistakes():
    for lab in LABS:
        mistakes = importlib.import_module(f"mistakes.{lab.id}").MISTAKES
        nb = nbformat.read(REPO / "solutions" / lab.path, as_version=4)
        answers = {grade_id(c) for c in nb.cells if grade_id(c).endswith("_answer")}
        assert answers == set(mistakes), f"{lab.id}: mistakes for {sorted(mistakes)}, answers {sorted(answers)}"
        assert all(len(v) >= 2 for v in mistakes.values()), f"{lab.id}: at least two mistakes per exercise"


@pytest.mark.parametrize(("lab", "answer_id", "mistake"), list(cases()))
def test_tests_catch_the_mistake(lab, answer_id, mistake, executed, monkeypatch):
    import matplotlib.pyplot as plt

    namespace, cells = executed[lab.id]
    tests = cells[answer_id.replace("_answer", "_tests")].source
    visible = tests.split("### BEGIN HIDDEN TESTS")[0]
    try:
        exec(mistake.source, namespace)
        with pytest.raises(Exception):  # noqa: B017  (any failure of the test cell scores zero)
            exec(tests, namespace)
        if mistake.visible:
            with pytest.raises(CheckFailed) as err:
                exec(visible, namespace)
            assert mistake.visible.lower() in str(err.value).lower(), str(err.value)
    finally:
        exec(cells[answer_id].source, namespace)  # restore the right answer for the next case
        plt.close("all")
