"""Every solution notebook runs top to bottom with papermill on a fresh kernel."""

from __future__ import annotations

import pytest
from conftest import REPO

from cxlabs.course import labs

pytestmark = pytest.mark.notebooks

# Ungraded sections guarded by "if the exercises above work": the solution must really run them.
# grade_id of the cell -> a text its output must show.
MUST_RUN = {"lab02": {"splink": "Splink, labels"}}


# No cell of a solution takes a minute; a cell that does is a hang, and fails the test.
CELL_TIMEOUT = 300


def reliable_engine() -> str:
    """papermill's nbclient engine, waiting for replies as grading does.

    nbclient can miss a cell's ``execute_reply`` after a cell writes into an ipywidgets
    ``Output`` widget and then wait until the cell time limit (papermill's default: forever).
    ``autograder/reliable_replies.py`` explains the race and fixes it; grading uses it, and
    so does this test.
    """
    import sys

    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    sys.path.insert(0, str(REPO / "autograder"))
    from reliable_replies import ReliableRepliesMixin

    client = type("ReliablePapermillClient", (ReliableRepliesMixin, PapermillNotebookClient), {})

    class ReliableEngine(NBClientEngine):
        """papermill's ``NBClientEngine.execute_managed_notebook`` with that client."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            for unused in ("input_path", "timeout", "startup_timeout"):
                kwargs.pop(unused, None)
            return client(nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                          kernel_name=kernel_name, log=logger, log_output=log_output,
                          stdout_file=stdout_file, stderr_file=stderr_file, **kwargs).execute()

    papermill_engines.register("cxlabs-reliable", ReliableEngine)
    return "cxlabs-reliable"


@pytest.mark.parametrize("lab", labs(), ids=lambda lab: lab.id)
def test_solution_executes_with_papermill(lab, world42, tmp_path, monkeypatch):
    import papermill

    monkeypatch.setenv("CXLABS_DATA_DIR", str(world42))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    source = REPO / "solutions" / lab.path
    done = papermill.execute_notebook(str(source), str(tmp_path / source.name), kernel_name="python3",
                                      cwd=str(source.parent), progress_bar=False,
                                      request_save_on_cell_execute=False, engine_name=reliable_engine(),
                                      execution_timeout=CELL_TIMEOUT)
    for grade_id, expected in MUST_RUN.get(lab.id, {}).items():
        cell = next(c for c in done["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
        shown = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                        for o in cell["outputs"])
        assert expected in shown, f"{lab.id}: cell {grade_id!r} was skipped or showed nothing"
