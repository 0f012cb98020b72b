"""Instructor tooling: the assignment list comes from the manifest; the configuration is obeyed."""

from __future__ import annotations

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


def test_cell_timeout_comes_from_the_course_config(course_tool, world42, tmp_path):
    """Execute.timeout in autograder/nbgrader_config.py is what nbgrader applies.

    Exercise 1 is right but takes 24 s: under the configured 12 s it scores zero, while
    nbgrader's own default (30 s) would let it pass. (12 s, not less: on a loaded machine the
    data-loading cell alone can take several seconds.) Exercise 2 loops forever and is cut off.
    Exercise 3 still runs and scores: one runaway cell does not sink the rest.
    """
    item = lab("lab00")
    root = scratch_course(course_tool, tmp_path, [item.id])
    nb = nbformat.read(root / "solutions" / item.path, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "ex1_answer":
            cell.source = cell.source.replace('    """', '    import time\n    time.sleep(24)\n    """', 1)
        if grade_id == "ex2_answer":
            cell.source = "def revenue_by_channel(orders, order_lines):\n    while True:\n        pass\n"
    slow = tmp_path / "slow.ipynb"
    nbformat.write(nb, slow)
    submit(root, item, "slowpoke", slow)
    env = {**python_env(world42), "CXLABS_CELL_TIMEOUT": "12"}
    course_tool.nbgrader("autograde", item.id, "--force", root=root, env=env)
    with gradebook(root) as gb:
        grades = {g.name: g.score for g in gb.find_submission_notebook(item.notebook, item.id, "slowpoke").grades
                  if g.cell.cell_type == "code"}
    assert grades["ex1_tests"] == 0, "the 24 s answer should have been interrupted at 12 s"
    assert grades["ex2_tests"] == 0
    assert grades["ex3_tests"] > 0, "later exercises still score"
