"""Every solution notebook runs top to bottom with papermill on a fresh kernel."""

from __future__ import annotations

import pytest
from conftest import REPO

from cxlabs.course import labs

pytestmark = pytest.mark.notebooks

# Ungraded sections guarded by "if the exercises above work": the solution must really run them.
# grade_id of the cell -> a text its output must show.
MUST_RUN = {"lab02": {"splink": "Splink, labels"}}


@pytest.mark.parametrize("lab", labs(), ids=lambda lab: lab.id)
def test_solution_executes_with_papermill(lab, world42, tmp_path, monkeypatch):
    import papermill

    monkeypatch.setenv("CXLABS_DATA_DIR", str(world42))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    source = REPO / "solutions" / lab.path
    done = papermill.execute_notebook(str(source), str(tmp_path / source.name), kernel_name="python3",
                                      cwd=str(source.parent), progress_bar=False,
                                      request_save_on_cell_execute=False)
    for grade_id, expected in MUST_RUN.get(lab.id, {}).items():
        cell = next(c for c in done["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
        shown = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                        for o in cell["outputs"])
        assert expected in shown, f"{lab.id}: cell {grade_id!r} was skipped or showed nothing"
