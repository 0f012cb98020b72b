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
