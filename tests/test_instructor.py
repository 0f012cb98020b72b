"""Instructor tooling: the assignment list comes from the manifest; the configuration is obeyed."""

from __future__ import annotations

import time

import nbformat
import pytest
from conftest import gradebook, python_env, scratch_course, submit

from cxlabs.course import lab, labs

pytestmark = pytest.mark.notebooks


def test_setup_registers_the_manifest_labs_as_assignments(course_tool, tmp_path):
    root = scratch_course(course_tool, tmp_path, [])
    course_tool.setup(root)
    with gradebook(root) as gb:
        assert sorted(a.name for a in gb.assignments) == [item.id for item in labs()]


def test_cell_timeout_interrupts_a_looping_submission(course_tool, world42, tmp_path):
    """Execute.timeout in autograder/nbgrader_config.py is what nbgrader applies."""
    item = lab("lab00")
    root = scratch_course(course_tool, tmp_path, [item.id])
    nb = nbformat.read(root / "solutions" / item.path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "ex1_answer":
            cell.source = "def customers_per_market(customers):\n    while True:\n        pass\n"
    looping = tmp_path / "looping.ipynb"
    nbformat.write(nb, looping)
    submit(root, item, "looper", looping)
    env = {**python_env(world42), "CXLABS_CELL_TIMEOUT": "5"}
    start = time.perf_counter()
    course_tool.nbgrader("autograde", item.id, "--force", root=root, env=env)
    assert time.perf_counter() - start < 100, "the loop was not interrupted by the cell timeout"
    with gradebook(root) as gb:
        grades = {g.name: g.score for g in gb.find_submission_notebook(item.notebook, item.id, "looper").grades
                  if g.cell.cell_type == "code"}
    assert grades["ex1_tests"] == 0
    assert grades["ex2_tests"] > 0 and grades["ex3_tests"] > 0, "later exercises still score"
