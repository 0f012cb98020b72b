"""Every solution notebook runs top to bottom with papermill on a fresh kernel."""

from __future__ import annotations

import pytest
from conftest import REPO

from cxlabs.course import labs

pytestmark = pytest.mark.notebooks


@pytest.mark.parametrize("lab", labs(), ids=lambda lab: lab.id)
def test_solution_executes_with_papermill(lab, world42, tmp_path, monkeypatch):
    import papermill

    monkeypatch.setenv("CXLABS_DATA_DIR", str(world42))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    source = REPO / "solutions" / lab.path
    papermill.execute_notebook(str(source), str(tmp_path / source.name), kernel_name="python3",
                               cwd=str(source.parent), progress_bar=False, request_save_on_cell_execute=False)
