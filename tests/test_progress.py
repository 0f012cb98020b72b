"""``progress()``: where a learner stands in a lab, from the visible checks only.

Lab 00 with exercise 1 answered (the model answer), exercise 2 answered wrongly, exercise 3
left as released, and no memo: one passed, one failing, one unanswered, and the points still
at stake. It runs the notebook's own check cells; the answers come from the solution's answer
cells, as a learner would have typed them.
"""

from __future__ import annotations

import nbformat
from conftest import REPO

from cxlabs.course import lab


def namespace_with(answers: dict[str, str]) -> dict:
    item = lab("lab00")
    solution = nbformat.read(REPO / "solutions" / item.path, as_version=4)
    released = nbformat.read(REPO / "labs" / item.path, as_version=4)
    model = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells if "nbgrader" in c.metadata}
    namespace: dict = {"__name__": "__main__"}
    exec("from cxlabs.checks import lab00 as checks", namespace)
    for cell in released.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            source = answers.get(grade_id, cell.source)
            exec(model[grade_id] if source == "model" else source, namespace)
    return namespace


def test_progress_counts_passed_failing_unanswered_and_points(capsys, monkeypatch, tmp_path):
    from cxlabs.checks import progress

    monkeypatch.chdir(tmp_path)  # no learner copy here: the released lab gives the points
    ns = namespace_with({"ex1_answer": "model",
                         "ex2_answer": "def revenue_by_channel(orders, order_lines):\n    return None\n"})
    rows = progress(ns)
    out = capsys.readouterr().out
    state = {r["exercise"]: r["state"] for r in rows}
    assert state == {"1": "passed", "2": "failing", "3": "unanswered", "memo": "unanswered"}
    assert out.startswith("Lab 00: 1 passed, 1 failing, 1 unanswered.")
    assert "still at stake: 4 points, and the memo's 4" in out
    assert "forget the `return`" in " ".join(out.split()), "a failing exercise says why, briefly"
    assert all(len(line) <= 78 for line in out.splitlines()), "wrapped, never cut"
    assert "✓ Exercise 1" not in out, "the checks' own pass lines are not repeated"


def test_progress_uses_the_learners_saved_copy_for_the_memo(capsys, monkeypatch, tmp_path):
    from cxlabs.checks import progress

    item = lab("lab00")
    nb = nbformat.read(REPO / "labs" / item.path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "memo":
            cell.source = "My memo."
    nbformat.write(nb, tmp_path / f"{item.notebook}.ipynb")
    monkeypatch.chdir(tmp_path)
    rows = progress(namespace_with({}))
    assert {r["exercise"]: r["state"] for r in rows}["memo"] == "written"
    assert "0 passed, 0 failing, 3 unanswered" in capsys.readouterr().out


def test_progress_before_the_setup_cell_says_what_to_do(capsys):
    from cxlabs.checks import progress

    assert progress({}) == []  # nothing to show yet
    assert "setup cell" in capsys.readouterr().out


def test_progress_is_shown_once_in_a_notebook():
    """The cell ends with progress(): its table, not the returned rows again as a list."""
    from cxlabs.feedback import Progress

    assert hasattr(Progress(), "_ipython_display_")
