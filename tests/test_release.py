"""labs/ is exactly what nbgrader generates from solutions/, and gives nothing away."""

from __future__ import annotations

import json

import pytest
from conftest import REPO

from cxlabs.course import labs

pytestmark = pytest.mark.notebooks


def test_labs_do_not_drift_from_solutions(course_tool):
    problems = course_tool.drift()
    assert not problems, "\n".join(problems) + "\nrun `python autograder/course.py release`"


@pytest.mark.parametrize("lab", labs(), ids=lambda lab: lab.id)
def test_learner_version_holds_no_solutions_hidden_tests_or_outputs(lab):
    nb = json.loads((REPO / "labs" / lab.path).read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"])
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text, marker
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    solution = json.loads((REPO / "solutions" / lab.path).read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in solution["cells"]]
    hidden = [s.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
              for s in sources if "### BEGIN HIDDEN TESTS" in s]
    visible = {ln.strip() for s in sources for ln in s.split("### BEGIN HIDDEN TESTS")[0].splitlines()}
    learner_lines = {ln.strip() for ln in text.splitlines()}
    for block in hidden:
        for line in (ln.strip() for ln in block.splitlines()):
            if len(line) > 20 and line not in visible:
                assert line not in learner_lines, f"hidden test line leaked into labs/: {line}"


def test_a_break_before_a_missing_part_is_a_clear_error(course_tool, tmp_path):
    """A renamed part cannot silently lose its break: the release stops and says which."""
    import nbformat

    from cxlabs import course

    item = course.lab("lab01")
    notebook = tmp_path / "lab01.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Lab 01"),
                                         nbformat.v4.new_markdown_cell("## Part 1 — Only part")])
    nbformat.write(nb, notebook)
    with pytest.raises(SystemExit, match=rf"break before '{item.breaks[0]}'.*found 0"):
        course_tool.add_break_cells(notebook, "lab01")
    nb.cells.append(nbformat.v4.new_markdown_cell(f"## {item.breaks[0]} — the second sitting"))
    nbformat.write(nb, notebook)
    course_tool.add_break_cells(notebook, "lab01")
    course_tool.add_break_cells(notebook, "lab01")  # a second run adds nothing
    cells = nbformat.read(notebook, as_version=4).cells
    assert [c.get("id") for c in cells].count("cxlabs-break-1") == 1
    assert cells[2].source.startswith("## Break: end of sitting 1 of 2")
